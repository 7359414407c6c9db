"""The ledger: append-only, hash-chained, a Merkle tree (RFC 9162), with signed checkpoints."""

import detainer_desk.desk  # noqa: F401  (first: the desk's modules import the ledger's)
from detainer_desk.ledger.entries import append, canonical
from detainer_desk.ledger.log import make_checkpoint, prove_inclusion, verify_database
from detainer_desk.ledger.standalone import VerificationError

__all__ = [
    "VerificationError",
    "append",
    "canonical",
    "make_checkpoint",
    "prove_inclusion",
    "verify_database",
]
