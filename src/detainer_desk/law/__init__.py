"""Law as code: policy packs, facts, the engine and `decide`."""

from detainer_desk.law.decide import decide, default_library
from detainer_desk.law.decision import ActionDecision, Decision, HoldLimit, PackRef
from detainer_desk.law.pack import Pack, PolicyLibrary, VersionSet
from detainer_desk.law.provisions import Provision

__all__ = [
    "ActionDecision",
    "Decision",
    "HoldLimit",
    "Pack",
    "PackRef",
    "PolicyLibrary",
    "Provision",
    "VersionSet",
    "decide",
    "default_library",
]
