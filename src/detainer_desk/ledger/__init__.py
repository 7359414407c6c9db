"""The ledger: append-only, hash-chained, a Merkle tree (RFC 9162), with signed checkpoints.

Its submodules are imported on first use (PEP 562): `ledger.standalone`, the outsiders' verifier,
loads no database library. The ledger knows nothing of the desk; the desk tells it which tables
to seal (`ledger.rows.cover`).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from detainer_desk.ledger.entries import append, canonical
    from detainer_desk.ledger.log import make_checkpoint, prove_inclusion, verify_database
    from detainer_desk.ledger.standalone import VerificationError

_WHERE = {
    "append": "detainer_desk.ledger.entries",
    "canonical": "detainer_desk.ledger.entries",
    "make_checkpoint": "detainer_desk.ledger.log",
    "prove_inclusion": "detainer_desk.ledger.log",
    "verify_database": "detainer_desk.ledger.log",
    "VerificationError": "detainer_desk.ledger.standalone",
}

__all__ = [
    "VerificationError",
    "append",
    "canonical",
    "make_checkpoint",
    "prove_inclusion",
    "verify_database",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    return import_module(f"{__name__}.{name}")  # a submodule, e.g. `ledger.tree`
