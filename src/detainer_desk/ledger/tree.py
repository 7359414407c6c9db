"""The Merkle tree's state, persisted: every complete subtree's hash, kept as entries are appended.

`tree_nodes` holds, for level L and index i, the RFC 9162 hash of the perfect subtree over leaves
[i·2^L, (i+1)·2^L). Appending leaf n adds it at level 0 and every subtree it completes (two rows
per entry on average). Any root, inclusion proof or consistency proof then needs O(log n) of these
rows — never the whole log — so `ledger prove` and checkpoints cost the same at a million entries
as at ten. A ledger written before this table existed is filled in once, on first use.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from detainer_desk.ledger.tables import LedgerEntry, TreeNode

EMPTY_ROOT = hashlib.sha256(b"").digest()  # RFC 9162 §2.1.1: MTH({}) = SHA-256()
Get = Callable[[int, int], bytes]


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """RFC 9162's k: the largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def completed(index: int, leaf: bytes, get: Get) -> list[tuple[int, int, bytes]]:
    """The nodes leaf `index` adds: itself, and each perfect subtree it completes."""
    out = [(0, index, leaf)]
    level, i, h = 0, index, leaf
    while i & 1:
        h = node_hash(get(level, i - 1), h)
        i >>= 1
        level += 1
        out.append((level, i, h))
    return out


def subtree(a: int, b: int, get: Get) -> bytes:
    """MTH(D[a:b]) from the perfect subtrees (a aligned as in RFC 9162's recursion)."""
    n = b - a
    if n == 0:
        return EMPTY_ROOT
    if n & (n - 1) == 0 and a % n == 0:
        level = n.bit_length() - 1
        return get(level, a >> level)
    k = _split(n)
    return node_hash(subtree(a, a + k, get), subtree(a + k, b, get))


def inclusion_path(m: int, a: int, b: int, get: Get) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(m, D[a:b]) (m relative to a)."""
    n = b - a
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        return [*inclusion_path(m, a, a + k, get), subtree(a + k, b, get)]
    return [*inclusion_path(m - k, a + k, b, get), subtree(a, a + k, get)]


def consistency_path(m: int, a: int, b: int, get: Get, start: bool = True) -> list[bytes]:
    """RFC 9162 §2.1.4.1 SUBPROOF(m, D[a:b], start)."""
    n = b - a
    if m == n:
        return [] if start else [subtree(a, b, get)]
    k = _split(n)
    if m <= k:
        return [*consistency_path(m, a, a + k, get, start), subtree(a + k, b, get)]
    return [*consistency_path(m - k, a + k, b, get, False), subtree(a, a + k, get)]


def _fetch(session: Session, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    by_level: dict[int, list[int]] = {}
    for level, index in keys:
        by_level.setdefault(level, []).append(index)
    found: dict[tuple[int, int], bytes] = {}
    if not by_level:
        return found
    # One query for every level; the ids are integers this module computed, written inline.
    where = " OR ".join(
        f"(level = {int(level)} AND idx IN ({','.join(str(int(i)) for i in sorted(set(ids)))}))"
        for level, ids in by_level.items()
    )
    for level, index, value in session.execute(
        text(f"SELECT level, idx, hash FROM tree_nodes WHERE {where}")
    ):
        found[(level, index)] = bytes.fromhex(value)
    return found


T = TypeVar("T")


def evaluate(session: Session, compute: Callable[[Get], T]) -> T:
    """Run `compute` against the stored nodes: a first pass learns which nodes it needs, one
    query per level fetches them, a second pass computes."""
    wanted: set[tuple[int, int]] = set()

    def record(level: int, index: int) -> bytes:
        wanted.add((level, index))
        return bytes(32)

    compute(record)
    found = _fetch(session, wanted)
    missing = wanted - found.keys()
    if missing:
        raise LookupError(f"tree state incomplete: node {min(missing)} missing")
    return compute(lambda level, index: found[(level, index)])


def size(session: Session) -> int:
    return int(session.execute(select(func.coalesce(func.max(LedgerEntry.seq), 0))).scalar_one())


def stored_leaves(session: Session) -> int:
    """How many leaves the tree state covers."""
    last = session.execute(
        select(func.max(TreeNode.idx)).where(TreeNode.level == 0)
    ).scalar_one_or_none()
    return 0 if last is None else int(last) + 1


def root(session: Session, n: int) -> bytes:
    return evaluate(session, lambda get: subtree(0, n, get))


def add_leaf(session: Session, index: int, leaf: bytes) -> None:
    """Persist leaf `index` (0-based) and the subtrees it completes, in the append's transaction."""
    if index > 0 and not _fetch(session, [(0, index - 1)]):
        fill(session)  # a ledger from before the tree state: fill it in once
        if stored_leaves(session) > index:
            return
    nodes = evaluate(session, lambda get: completed(index, leaf, get))
    _insert(session, nodes)


def _insert(session: Session, nodes: list[tuple[int, int, bytes]]) -> None:
    if nodes:
        session.execute(
            insert(TreeNode), [{"level": lv, "idx": i, "hash": h.hex()} for lv, i, h in nodes]
        )


def fill(session: Session, batch: int = 20_000) -> int:
    """Compute the tree state of entries not covered yet (from their stored leaf hashes)."""
    start = stored_leaves(session)
    if start >= size(session):
        return 0
    frontier = Frontier.at(session, start)
    added = 0
    last = start
    while True:
        leaves = list(
            session.execute(
                select(LedgerEntry.seq, LedgerEntry.leaf_hash)
                .where(LedgerEntry.seq > last)
                .order_by(LedgerEntry.seq)
                .limit(batch)
            )
        )
        if not leaves:
            return added
        nodes: list[tuple[int, int, bytes]] = []
        for _seq, leaf in leaves:
            nodes.extend(frontier.push(bytes.fromhex(leaf)))
        _insert(session, nodes)
        added += len(leaves)
        last = leaves[-1][0]


@dataclass
class Frontier:
    """The perfect subtrees covering leaves [0, size): what appending needs, nothing more."""

    size: int = 0
    stack: list[tuple[int, bytes]] = field(default_factory=list)  # (level, hash), left to right

    @classmethod
    def at(cls, session: Session, n: int) -> Frontier:
        """The frontier of the first n leaves, from the stored nodes (O(log n) rows)."""
        spans = list(_spans(n))
        hashes = evaluate(
            session, lambda get: [get(level, start >> level) for level, start in spans]
        )
        return cls(n, [(level, h) for (level, _), h in zip(spans, hashes, strict=True)])

    def push(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Append a leaf; returns the nodes it adds (level, index, hash)."""
        index = self.size
        added = [(0, index, leaf)]
        self.stack.append((0, leaf))
        while len(self.stack) > 1 and self.stack[-1][0] == self.stack[-2][0]:
            (level, right), (_, left) = self.stack.pop(), self.stack.pop()
            merged = node_hash(left, right)
            self.stack.append((level + 1, merged))
            added.append((level + 1, index >> (level + 1), merged))
        self.size += 1
        return added

    def root(self) -> bytes:
        if not self.stack:
            return EMPTY_ROOT
        h = self.stack[-1][1]
        for _, left in reversed(self.stack[:-1]):
            h = node_hash(left, h)
        return h


def _spans(n: int) -> Iterator[tuple[int, int]]:
    """The perfect subtrees (level, first leaf) that cover [0, n), largest first."""
    start = 0
    for level in range(n.bit_length() - 1, -1, -1):
        if n & (1 << level):
            yield level, start
            start += 1 << level
