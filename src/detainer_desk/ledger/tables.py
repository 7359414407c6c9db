"""The ledger's own tables: entries, the Merkle tree's state, signed checkpoints, cosignatures.

Only `detainer_desk.ledger` reads and writes them (an import-linter contract keeps it so). Which
business tables the ledger seals is not known here: the desk tells it (`ledger.rows.watch`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from detainer_desk.schema import Base


class LedgerEntry(Base):
    """The append-only ledger; see detainer_desk.ledger. Triggers refuse UPDATE and DELETE."""

    __tablename__ = "ledger_entries"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    body: Mapped[str] = mapped_column(Text)  # canonical JSON
    leaf_hash: Mapped[str] = mapped_column(String(64))  # RFC 9162 leaf hash, hex
    chain_hash: Mapped[str] = mapped_column(String(64))  # sha256(previous chain_hash ‖ leaf_hash)


class TreeNode(Base):
    """The ledger's Merkle tree state: the hash of each complete subtree (see ledger.tree)."""

    __tablename__ = "tree_nodes"
    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64))  # hex


class Checkpoint(Base):
    __tablename__ = "checkpoints"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    root_hash: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text)  # the signed note, as published
    made_at: Mapped[datetime]


class WitnessCosignature(Base):
    """A checkpoint of this desk as a witness cosigned it, fetched from the witness and checked
    (desk signature, root in this ledger, the witness's cosignature) before it was kept.
    Append-only (migration 0007) and sealed in the ledger like the business tables."""

    __tablename__ = "cosignatures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    note_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    witness_name: Mapped[str] = mapped_column(String(200))
    key_id: Mapped[str] = mapped_column(String(8))  # hex, the C2SP key ID
    witness_key: Mapped[str] = mapped_column(String(400))  # its verifier key (name+id+key)
    url: Mapped[str] = mapped_column(String(2000))
    tree_size: Mapped[int] = mapped_column(BigInteger)
    root_hash: Mapped[str] = mapped_column(String(64))  # hex
    cosigned_at: Mapped[datetime]  # the witness's timestamp
    fetched_at: Mapped[datetime]
    note: Mapped[str] = mapped_column(Text)  # the cosigned note, exactly as fetched
