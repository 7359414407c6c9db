"""The desk's side of the ledger: checkpoints, verification from the database, proofs, export."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from detainer_desk.desk.tables import Checkpoint, LedgerEntry
from detainer_desk.errors import NotFoundError
from detainer_desk.ledger.entries import GENESIS, chain_hash, leaf_hash
from detainer_desk.ledger.keys import KEY_NAME
from detainer_desk.ledger.rows import check_tables
from detainer_desk.ledger.standalone import (
    SignedCheckpoint,
    VerificationError,
    build_tree,
    check_against,
    check_consistency,
    check_entries,
    key_hash,
    read_checkpoint,
)

EMPTY_ROOT = hashlib.sha256(b"").digest()  # RFC 9162 §2.1.1: MTH({}) = SHA-256()


def bodies(session: Session, batch: int = 5000) -> Iterator[LedgerEntry]:
    last = 0
    while True:
        rows = list(
            session.execute(
                select(LedgerEntry)
                .where(LedgerEntry.seq > last)
                .order_by(LedgerEntry.seq)
                .limit(batch)
            ).scalars()
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def sign_note(origin: str, size: int, root: bytes, key: Ed25519PrivateKey) -> str:
    """A C2SP tlog checkpoint: origin, size, base64 root; then the Ed25519 signature line."""
    text = f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    signature = key_hash(KEY_NAME, raw) + key.sign(text.encode())
    return f"{text}\n— {KEY_NAME} {base64.b64encode(signature).decode()}\n"


def make_checkpoint(
    session: Session, origin: str, key: Ed25519PrivateKey, at: datetime
) -> Checkpoint:
    """Sign the current root and keep the checkpoint (in this transaction)."""
    rows = list(bodies(session))
    tree = build_tree([r.body for r in rows])
    size = tree.get_size()
    root = tree.get_root(size) if size else EMPTY_ROOT
    note = sign_note(origin, size, root, key)
    checkpoint = Checkpoint(size=size, root_hash=root.hex(), note=note, made_at=at)
    session.add(checkpoint)
    session.flush()
    return checkpoint


@dataclass(frozen=True)
class Verified:
    entries: int
    checkpoint_size: int
    older_size: int | None
    rows: int = 0  # business rows re-derived and matched against the ledger
    rows_bound: bool = True  # False: the ledger predates row sealing (tables not checked)


def verify_database(
    session: Session, vkey: str, checkpoint: str | None = None, older: str | None = None
) -> Verified:
    """Re-hash every entry, check the hash chain, the roots of the signed checkpoints, and
    re-derive the business tables from the rows the entries sealed.

    `checkpoint` defaults to the newest stored one; every stored checkpoint is checked too, so a
    rebuilt log is bounded by the earliest checkpoint it no longer matches.
    """
    rows = list(bodies(session))
    _check_stored_hashes(rows)
    entries = check_entries([r.body for r in rows])
    tree = build_tree(entries)
    stored = list(session.execute(select(Checkpoint).order_by(Checkpoint.size)).scalars())
    for cp in stored:
        check_against(
            tree, read_checkpoint(cp.note, vkey), f"stored checkpoint #{cp.id} (size {cp.size})"
        )
    newest_text = checkpoint or (stored[-1].note if stored else None)
    if newest_text is None:
        raise VerificationError("no signed checkpoint to verify against; run 'ledger checkpoint'")
    newest = read_checkpoint(newest_text, vkey)
    check_against(tree, newest, "the checkpoint")
    prior: SignedCheckpoint | None = None
    if older is not None:
        prior = read_checkpoint(older, vkey)
        check_against(tree, prior, "the older checkpoint")
        check_consistency(tree, prior, newest)
    tables = check_tables(session, entries)
    return Verified(
        len(entries), newest.size, prior.size if prior else None, tables.rows, tables.bound
    )


def _check_stored_hashes(rows: list[LedgerEntry]) -> None:
    previous = GENESIS
    for row in rows:
        leaf = leaf_hash(row.body)
        if leaf != row.leaf_hash:
            raise VerificationError(f"entry {row.seq}: its content does not match its stored hash")
        if chain_hash(previous, leaf) != row.chain_hash:
            raise VerificationError(
                f"entry {row.seq}: hash chain broken (entry before it changed?)"
            )
        previous = row.chain_hash


def prove_inclusion(session: Session, seq: int) -> dict[str, Any]:
    """An RFC 9162 inclusion proof of entry `seq` in the current tree, as JSON."""
    rows = list(bodies(session))
    if not 1 <= seq <= len(rows):
        raise NotFoundError(f"no ledger entry {seq}; the ledger has {len(rows)}", field="entry")
    tree = build_tree([r.body for r in rows])
    proof = tree.prove_inclusion(seq, len(rows))
    return {
        "entry": seq,
        "body": rows[seq - 1].body,
        "leaf_hash": tree.get_leaf(seq).hex(),
        "tree_size": len(rows),
        "root": tree.get_root(len(rows)).hex(),
        "proof": proof.serialize(),
    }


def export_lines(session: Session) -> Iterator[str]:
    for row in bodies(session):
        yield row.body


def write_export(session: Session, path: Path) -> int:
    n = 0
    with path.open("w", encoding="utf-8") as handle:
        for line in export_lines(session):
            handle.write(line + "\n")
            n += 1
    return n
