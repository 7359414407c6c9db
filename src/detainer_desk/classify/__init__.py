"""Is this policy a "sanctuary"? Under which definition, and which provisions decide it."""

from detainer_desk.classify.classifier import (
    Classification,
    Definition,
    Verdict,
    classify,
    load_definitions,
    load_probes,
)

__all__ = [
    "Classification",
    "Definition",
    "Verdict",
    "classify",
    "load_definitions",
    "load_probes",
]
