"""Replay real historical bookings under any policy pack."""

from detainer_desk.replay.importer import BadRow, Imported, import_file
from detainer_desk.replay.mapping import Mapping, load_mapping
from detainer_desk.replay.replay import (
    PolicyResult,
    PolicySpec,
    parse_policy,
    replay_actual,
    replay_policy,
    study_figures,
)

__all__ = [
    "BadRow",
    "Imported",
    "Mapping",
    "PolicyResult",
    "PolicySpec",
    "import_file",
    "load_mapping",
    "parse_policy",
    "replay_actual",
    "replay_policy",
    "study_figures",
]
