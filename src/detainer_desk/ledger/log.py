"""The desk's side of the ledger: checkpoints, verification from the database, proofs, export."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from detainer_desk.errors import NotFoundError
from detainer_desk.ledger import tree
from detainer_desk.ledger.cosignatures import check_stored
from detainer_desk.ledger.entries import GENESIS, chain_hash, leaf_hash
from detainer_desk.ledger.keys import KEY_NAME
from detainer_desk.ledger.rows import check_sealed, check_tables
from detainer_desk.ledger.standalone import (
    VerificationError,
    build_tree,
    check_against,
    check_consistency,
    check_entries,
    key_hash,
    read_checkpoint,
    root_from_inclusion,
)
from detainer_desk.ledger.tables import Checkpoint, LedgerEntry


def bodies(session: Session, batch: int = 5000, after: int = 0) -> Iterator[LedgerEntry]:
    """The entries after sequence number `after`, in order, read in batches."""
    last = after
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
    """Sign the current root and keep the checkpoint (in this transaction): O(log n) rows."""
    tree.fill(session)
    size = tree.size(session)
    root = tree.root(session, size)
    note = sign_note(origin, size, root, key)
    checkpoint = Checkpoint(size=size, root_hash=root.hex(), note=note, made_at=at)
    session.add(checkpoint)
    session.flush()
    return checkpoint


def latest_checkpoint(session: Session) -> Checkpoint | None:
    """The newest signed checkpoint, or None before the first."""
    return session.execute(
        select(Checkpoint).order_by(Checkpoint.id.desc()).limit(1)
    ).scalar_one_or_none()


@dataclass(frozen=True)
class Verified:
    entries: int
    checkpoint_size: int
    older_size: int | None
    rows: int = 0  # business rows re-derived and matched against the ledger
    rows_bound: bool = True  # False: the ledger predates row sealing (tables not checked)
    cosignatures: int = 0  # witness cosignatures kept by the desk, each checked again


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
    merkle = build_tree(entries)
    stored = list(session.execute(select(Checkpoint).order_by(Checkpoint.size)).scalars())
    for cp in stored:
        check_against(
            merkle, read_checkpoint(cp.note, vkey), f"stored checkpoint #{cp.id} (size {cp.size})"
        )
    newest_text = checkpoint or (stored[-1].note if stored else None)
    if newest_text is None:
        raise VerificationError("no signed checkpoint to verify against; run 'ledger checkpoint'")
    newest = read_checkpoint(newest_text, vkey)
    check_against(merkle, newest, "the checkpoint")
    prior = None if older is None else read_checkpoint(older, vkey)
    if prior is not None:
        check_against(merkle, prior, "the older checkpoint")
        check_consistency(merkle, prior, newest)
    _check_tree_state(session, [r.leaf_hash for r in rows])
    tables = check_tables(session, entries)
    cosigned = check_stored(session, vkey)
    return Verified(
        len(entries),
        newest.size,
        prior.size if prior else None,
        tables.rows,
        tables.bound,
        cosigned,
    )


def _check_tree_state(session: Session, leaves: list[str]) -> None:
    """The persisted tree state (what proofs and checkpoints use) must match the entries: every
    stored node is recomputed from the leaves, in the order appending made them."""
    expected = tree.Frontier()
    pending: list[tuple[int, int, bytes]] = []
    position = 0
    stored = session.execute(
        text("SELECT level, idx, hash FROM tree_nodes ORDER BY ((idx + 1) << level), level")
    )
    for level, index, value in stored:
        while not pending:
            if position >= len(leaves):
                raise VerificationError(
                    f"the stored tree state has a node ({level}, {index}) no entry made"
                )
            pending = expected.push(bytes.fromhex(leaves[position]))
            position += 1
        want = pending.pop(0)
        if (level, index) != want[:2] or bytes.fromhex(value) != want[2]:
            raise VerificationError(
                f"the stored tree state (tree_nodes) does not match the entries at node "
                f"({want[0]}, {want[1]}): edited?"
            )


def verify_since(session: Session, vkey: str, held_note: str) -> Verified:
    """Check only what is new since a checkpoint you hold (O(new entries + log n)).

    The first `size` entries must still produce the held checkpoint's root (from the stored tree
    state, O(log n)); every later entry is re-hashed, its chain checked, its tree nodes rebuilt
    from the held frontier; every stored checkpoint after the held one must match; and the rows
    the new entries sealed must match the database. Older rows are not re-read: a full
    `verify` does that.
    """
    held = read_checkpoint(held_note, vkey)
    n = tree.size(session)
    if held.size > n:
        raise VerificationError(
            f"the checkpoint you hold covers {held.size} entries but the log has only {n}: "
            f"entries {n + 1}..{held.size} were removed"
        )
    if tree.stored_leaves(session) < n:
        raise VerificationError(
            "the tree state is not complete; run a full 'ledger verify' ('ledger checkpoint' "
            "fills it in)"
        )
    frontier = tree.Frontier.at(session, held.size)
    if frontier.root() != (held.root if held.size else tree.EMPTY_ROOT):
        raise VerificationError(
            f"entries 1..{held.size} no longer match the root of the checkpoint you hold: the "
            "log was rewritten"
        )
    previous = GENESIS
    if held.size:
        previous = session.execute(
            select(LedgerEntry.chain_hash).where(LedgerEntry.seq == held.size)
        ).scalar_one()
    checkpoints: dict[int, list[Checkpoint]] = {}
    for cp in session.execute(select(Checkpoint).where(Checkpoint.size > held.size)).scalars():
        checkpoints.setdefault(cp.size, []).append(cp)
    sealed: dict[tuple[str, Any], tuple[str | None, int]] = {}
    count, newest = 0, held
    for row in bodies(session, after=held.size):
        check_entries([row.body], start=row.seq)
        leaf = leaf_hash(row.body)
        if leaf != row.leaf_hash or chain_hash(previous, leaf) != row.chain_hash:
            raise VerificationError(f"entry {row.seq}: its content or hash chain was changed")
        previous = row.chain_hash
        frontier.push(bytes.fromhex(leaf))
        for cp in checkpoints.get(row.seq, []):
            signed = read_checkpoint(cp.note, vkey)
            if signed.root != frontier.root():
                raise VerificationError(
                    f"stored checkpoint #{cp.id} (size {cp.size}) does not match the entries"
                )
            newest = signed
        entry = json.loads(row.body)
        for sealed_row in entry.get("rows", ()):
            sealed[(sealed_row["t"], sealed_row["id"])] = (sealed_row["sha256"], row.seq)
        count += 1
    if frontier.size != n or frontier.root() != tree.root(session, n):
        raise VerificationError("the stored tree state does not match the new entries: edited?")
    rows_checked = check_sealed(session, sealed)
    return Verified(count, newest.size, held.size, rows_checked)


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
    """An RFC 9162 inclusion proof of entry `seq` in the current tree, as JSON: O(log n) rows of
    the persisted tree state, never the whole log."""
    n = tree.size(session)
    if not 1 <= seq <= n:
        raise NotFoundError(f"no ledger entry {seq}; the ledger has {n}", field="entry")
    tree.fill(session)
    body = session.execute(select(LedgerEntry.body).where(LedgerEntry.seq == seq)).scalar_one()
    path, root = tree.evaluate(
        session, lambda get: (tree.inclusion_path(seq - 1, 0, n, get), tree.subtree(0, n, get))
    )
    leaf = leaf_hash(body)
    if root_from_inclusion(seq - 1, n, bytes.fromhex(leaf), path) != root:
        raise VerificationError("the stored tree state is inconsistent; run 'ledger verify'")
    return {
        "entry": seq,
        "body": body,
        "leaf_hash": leaf,
        "tree_size": n,
        "root": root.hex(),
        "proof": {
            "type": "rfc9162-inclusion",
            "leaf_index": seq - 1,
            "tree_size": n,
            "audit_path": [p.hex() for p in path],
        },
    }


def prove_consistency(session: Session, old: int, new: int) -> list[bytes]:
    """RFC 9162 consistency proof from the tree of size `old` to size `new` (stored state)."""
    tree.fill(session)
    return tree.evaluate(session, lambda get: tree.consistency_path(old, 0, new, get))


def export_lines(session: Session) -> Iterator[str]:
    for row in bodies(session):
        yield row.body


def write_export(session: Session, path: Path) -> int:
    """One entry per line, UTF-8, "\\n" line ends on every platform; returns how many."""
    n = 0
    with path.open("wb") as handle:
        for line in export_lines(session):
            handle.write(line.encode() + b"\n")
            n += 1
    return n
