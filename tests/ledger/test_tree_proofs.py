"""The tree state's algorithms against RFC 9162 written out here, and its stored form exactly.

The reference below is RFC 9162 §2.1 transcribed on lists of leaf hashes (MTH, PATH, PROOF /
SUBPROOF), with nothing shared with `detainer_desk.ledger.tree` but hashlib. Every perfect
subtree the desk would store is computed from it, so `subtree`, `inclusion_path`,
`consistency_path`, `completed`, `Frontier` and `_spans` are each checked node for node, at every
size up to 40 (every shape of a 6-level tree). The database half checks what `add_leaf` and
`fill` write, row for row, and the exact error of a missing node.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from detainer_desk.ledger import tree
from tests.ledger.helpers import grow, sqlite_desk

SIZES = range(0, 41)


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def leaf(i: int) -> bytes:
    """RFC 9162 leaf hash of the entry b"entry <i>": SHA-256(0x00 ‖ entry)."""
    return _h(b"\x00" + f"entry {i}".encode())


def mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 MTH on leaf hashes: k is the largest power of two < n."""
    n = len(leaves)
    if n == 0:
        return _h(b"")
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return _h(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


def path(m: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(m, D[n])."""
    n = len(leaves)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*path(m, leaves[:k]), mth(leaves[k:])]
    return [*path(m - k, leaves[k:]), mth(leaves[:k])]


def subproof(m: int, leaves: list[bytes], b: bool) -> list[bytes]:
    """RFC 9162 §2.1.4.1 SUBPROOF(m, D[n], b)."""
    n = len(leaves)
    if m == n:
        return [] if b else [mth(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*subproof(m, leaves[:k], b), mth(leaves[k:])]
    return [*subproof(m - k, leaves[k:], False), mth(leaves[:k])]


def stored(leaves: list[bytes]) -> dict[tuple[int, int], bytes]:
    """Every perfect subtree over the leaves: (level L, index i) -> MTH(D[i·2^L:(i+1)·2^L])."""
    nodes = {}
    level = 0
    while 1 << level <= len(leaves):
        width = 1 << level
        for i in range(len(leaves) // width):
            nodes[(level, i)] = mth(leaves[i * width : (i + 1) * width])
        level += 1
    return nodes


LEAVES = [leaf(i) for i in range(max(SIZES))]
NODES = stored(LEAVES)


def get(level: int, index: int) -> bytes:
    return NODES[(level, index)]


def test_the_reference_against_hand_worked_values() -> None:
    # Worked by hand: three leaves a, b, c -> MTH = H(0x01 ‖ H(0x01 ‖ a ‖ b) ‖ c), and the empty
    # tree's root is SHA-256 of nothing, e3b0c442...b855.
    a, b, c = LEAVES[:3]
    ab = _h(b"\x01" + a + b)
    assert mth([a, b, c]) == _h(b"\x01" + ab + c)
    assert mth([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert mth([]) == tree.EMPTY_ROOT
    assert tree.node_hash(a, b) == ab
    # PATH(2, [a, b, c]) = [ab]; PATH(0, [a, b, c]) = [b, c]; PROOF(2, [a, b, c]) = [c].
    assert path(2, [a, b, c]) == [ab]
    assert path(0, [a, b, c]) == [b, c]
    assert subproof(2, [a, b, c], True) == [c]


@pytest.mark.parametrize(("n", "k"), [(2, 1), (3, 2), (4, 2), (5, 4), (8, 4), (9, 8), (33, 32)])
def test_split_is_the_largest_power_of_two_below_n(n: int, k: int) -> None:
    assert tree._split(n) == k


def test_subtree_is_mth_of_every_range() -> None:
    for b in SIZES:
        for a in range(b + 1):
            assert tree.subtree(a, b, get) == mth(LEAVES[a:b]), (a, b)


def test_inclusion_paths_are_rfc9162_paths() -> None:
    for n in SIZES:
        for m in range(n):
            assert tree.inclusion_path(m, 0, n, get) == path(m, LEAVES[:n]), (m, n)


def test_consistency_paths_are_rfc9162_proofs() -> None:
    for n in SIZES:
        for m in range(1, n + 1):
            want = subproof(m, LEAVES[:n], True)
            assert tree.consistency_path(m, 0, n, get) == want, (m, n)
    # SUBPROOF with b false at m == n gives the subtree itself (RFC 9162: [MTH(D[m])]).
    assert tree.consistency_path(3, 0, 3, get, start=False) == [mth(LEAVES[:3])]


def test_completed_and_the_frontier_add_exactly_the_new_perfect_subtrees() -> None:
    frontier = tree.Frontier()
    assert frontier.root() == mth([])
    for index in range(max(SIZES)):
        # Leaf `index` completes the subtrees (L, index >> L) whose last leaf it is: while the
        # low L bits of index + 1 are all zero.
        want = [
            (level, index >> level, NODES[(level, index >> level)])
            for level in range(7)
            if (index + 1) % (1 << level) == 0
        ]
        assert tree.completed(index, LEAVES[index], get) == want, index
        assert frontier.push(LEAVES[index]) == want, index
        assert frontier.size == index + 1
        assert frontier.root() == mth(LEAVES[: index + 1]), index


def test_spans_cover_the_prefix_largest_first() -> None:
    # 13 = 8 + 4 + 1: leaves [0, 8), [8, 12), [12, 13).
    assert list(tree._spans(13)) == [(3, 0), (2, 8), (0, 12)]
    assert list(tree._spans(16)) == [(4, 0)]
    assert list(tree._spans(7)) == [(2, 0), (1, 4), (0, 6)]
    assert list(tree._spans(0)) == []


# -- what the database holds ---------------------------------------------------------------


def _leaves(tmp: Path) -> list[bytes]:
    db = sqlite3.connect(tmp / "desk.db")
    rows = db.execute("SELECT leaf_hash FROM ledger_entries ORDER BY seq").fetchall()
    db.close()
    return [bytes.fromhex(h) for (h,) in rows]


def _nodes(tmp: Path) -> dict[tuple[int, int], bytes]:
    db = sqlite3.connect(tmp / "desk.db")
    rows = db.execute("SELECT level, idx, hash FROM tree_nodes").fetchall()
    db.close()
    found = {(level, idx): bytes.fromhex(h) for level, idx, h in rows}
    assert len(found) == len(rows)  # no node stored twice
    return found


def test_appending_stores_every_perfect_subtree_and_nothing_else(tmp_path: Path) -> None:
    desk = sqlite_desk(tmp_path)
    grow(desk, 13)
    with desk.sessions() as session:
        assert tree.size(session) == 13
        assert tree.stored_leaves(session) == 13
        assert tree.root(session, 13) == mth(_leaves(tmp_path))
        assert tree.root(session, 0) == mth([])
    # 13 leaves: 13 + 6 + 3 + 1 = 23 perfect subtrees, each MTH of its leaves.
    assert _nodes(tmp_path) == stored(_leaves(tmp_path))
    assert len(_nodes(tmp_path)) == 23
    desk.close()


def test_fill_writes_the_same_nodes_in_batches_and_counts_the_leaves(tmp_path: Path) -> None:
    desk = sqlite_desk(tmp_path)
    with desk.sessions() as session:
        assert tree.size(session) == 0 and tree.stored_leaves(session) == 0
        assert tree.fill(session) == 0
    grow(desk, 11)
    db = sqlite3.connect(tmp_path / "desk.db", isolation_level=None)
    db.execute("DROP TRIGGER tree_nodes_no_delete")
    db.execute("DELETE FROM tree_nodes WHERE idx >= 6 >> level")  # keep the first 6 leaves' state
    db.close()
    with desk.sessions.begin() as session:
        assert tree.stored_leaves(session) == 6
        assert tree.fill(session, batch=2) == 5  # leaves 7..11, in batches of two
        assert tree.stored_leaves(session) == 11
        assert tree.fill(session, batch=2) == 0  # nothing left to do
    assert _nodes(tmp_path) == stored(_leaves(tmp_path))
    desk.close()


def test_an_append_after_a_lost_tree_state_fills_it_in_first(tmp_path: Path) -> None:
    desk = sqlite_desk(tmp_path)
    grow(desk, 6)
    db = sqlite3.connect(tmp_path / "desk.db", isolation_level=None)
    db.execute("DROP TRIGGER tree_nodes_no_delete")
    db.execute("DELETE FROM tree_nodes")
    db.close()
    grow(desk, 1)  # leaf 6's left neighbours are gone: all seven leaves are filled in
    assert _nodes(tmp_path) == stored(_leaves(tmp_path))
    assert len(_nodes(tmp_path)) == 7 + 3 + 1
    grow(desk, 2)
    assert _nodes(tmp_path) == stored(_leaves(tmp_path))
    desk.close()


def test_an_append_after_a_lost_single_leaf_fills_it_in_first(tmp_path: Path) -> None:
    desk = sqlite_desk(tmp_path)
    grow(desk, 1)
    db = sqlite3.connect(tmp_path / "desk.db", isolation_level=None)
    db.execute("DROP TRIGGER tree_nodes_no_delete")
    db.execute("DELETE FROM tree_nodes")
    db.close()
    grow(desk, 1)  # leaf 1 needs leaf 0, which is gone: filled in first
    leaves = _leaves(tmp_path)
    assert _nodes(tmp_path) == {(0, 0): leaves[0], (0, 1): leaves[1], (1, 0): mth(leaves)}
    desk.close()


def test_the_first_append_to_a_ledger_with_no_state_stores_only_its_leaf(tmp_path: Path) -> None:
    desk = sqlite_desk(tmp_path)
    grow(desk, 1)
    leaves = _leaves(tmp_path)
    assert _nodes(tmp_path) == {(0, 0): leaves[0]}
    grow(desk, 1)
    leaves = _leaves(tmp_path)
    assert _nodes(tmp_path) == {(0, 0): leaves[0], (0, 1): leaves[1], (1, 0): mth(leaves)}
    desk.close()


def test_a_missing_node_is_named(tmp_path: Path) -> None:
    desk = sqlite_desk(tmp_path)
    grow(desk, 6)
    db = sqlite3.connect(tmp_path / "desk.db", isolation_level=None)
    db.execute("DROP TRIGGER tree_nodes_no_delete")
    db.execute("DELETE FROM tree_nodes WHERE level = 1 AND idx = 2")
    db.close()
    with desk.sessions() as session:
        # MTH(D[0:6]) = H(0x01 ‖ node(2, 0) ‖ node(1, 2)): node (1, 2) is gone.
        with pytest.raises(LookupError) as caught:
            tree.root(session, 6)
        assert str(caught.value) == "tree state incomplete: node (1, 2) missing"
        assert tree.root(session, 4) == mth(_leaves(tmp_path)[:4])  # does not need it
        with pytest.raises(LookupError) as caught:
            tree.evaluate(session, lambda g: [g(0, 5), g(1, 2), g(0, 9), g(2, 0)])
        assert str(caught.value) == "tree state incomplete: node (0, 9) missing"  # the least
        leaves = _leaves(tmp_path)
        nodes = tree.evaluate(session, lambda g: [g(0, 5), g(2, 0), g(0, 0)])
        assert nodes == [leaves[5], mth(leaves[:4]), leaves[0]]
        assert tree.evaluate(session, lambda g: "nothing asked") == "nothing asked"
    desk.close()


def test_a_frontier_is_read_from_the_stored_nodes(tmp_path: Path) -> None:
    desk = sqlite_desk(tmp_path)
    grow(desk, 13)
    leaves = _leaves(tmp_path)
    with desk.sessions() as session:
        for n in (0, 1, 6, 8, 13):
            frontier = tree.Frontier.at(session, n)
            assert frontier.size == n
            expect = [(level, mth(leaves[s : s + (1 << level)])) for level, s in tree._spans(n)]
            assert frontier.stack == expect
            assert frontier.root() == mth(leaves[:n])
    desk.close()


def test_an_append_after_the_last_leaf_node_was_lost_refills_from_it(tmp_path: Path) -> None:
    desk = sqlite_desk(tmp_path)
    grow(desk, 5)
    db = sqlite3.connect(tmp_path / "desk.db", isolation_level=None)
    db.execute("DROP TRIGGER tree_nodes_no_delete")
    db.execute("DELETE FROM tree_nodes WHERE level = 0 AND idx = 4")  # leaf 4 completed nothing
    db.close()
    grow(desk, 1)  # leaf 5 needs leaf 4: it is filled in from its entry first
    assert _nodes(tmp_path) == stored(_leaves(tmp_path))
    desk.close()
