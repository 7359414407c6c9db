"""No cell of 1–4 people can be derived from a published table (Hypothesis property tests).

The check here is written independently of the library's: exhaustive search over every
assignment of the withheld cells consistent with the published numbers (small tables only).
"""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from detainer_desk.publish.suppression import TOTAL, CountTable, suppress


@st.composite
def tables(draw: st.DrawFn) -> CountTable:
    n_rows = draw(st.integers(1, 3))
    n_cols = draw(st.integers(1, 3))
    rows = [f"2017-0{i + 1}" for i in range(n_rows)]
    cols = [f"c{j}" for j in range(n_cols)]
    value = st.one_of(st.integers(0, 4), st.integers(5, 9))
    counts = {(r, c): draw(value) for r in rows for c in cols}
    return CountTable("t", "t", "people", rows, cols, counts)


def _consistent_assignments(
    table: CountTable, shown: dict[tuple[str, str], int | None], primary: frozenset[tuple[str, str]]
) -> list[dict[tuple[str, str], int]]:
    """Every way to fill the withheld interior cells that matches every published number."""
    hidden = [(r, c) for r in table.rows for c in table.cols if shown[(r, c)] is None]
    ceiling = table.value((TOTAL, TOTAL))
    ranges = [range(1, 5) if cell in primary else range(5, max(5, ceiling) + 1) for cell in hidden]
    solutions = []
    for values in itertools.product(*ranges):
        filled = dict(zip(hidden, values, strict=True))
        grid = {(r, c): filled.get((r, c), shown[(r, c)]) for r in table.rows for c in table.cols}
        ok = True
        for cell, value in shown.items():
            if value is None or TOTAL not in cell:
                continue
            r, c = cell
            if r == TOTAL and c == TOTAL:
                derived = sum(grid.values())  # type: ignore[arg-type]
            elif r == TOTAL:
                derived = sum(grid[(row, c)] for row in table.rows)  # type: ignore[misc]
            else:
                derived = sum(grid[(r, col)] for col in table.cols)  # type: ignore[misc]
            if derived != value:
                ok = False
                break
        if ok:
            solutions.append(filled)
    return solutions


@settings(max_examples=150, deadline=None)
@given(tables())
def test_no_small_interior_cell_can_be_derived(table: CountTable) -> None:
    result = suppress(table)
    shown = {cell: result.shown(cell) for cell in table.cells()}
    for cell in table.cells():
        value = table.value(cell)
        if value in range(1, 5):
            assert shown[cell] is None, f"{cell}={value} published"
    hidden = [(r, c) for r in table.rows for c in table.cols if shown[(r, c)] is None]
    if len(hidden) > 5:
        return  # exhaustive search too large; the library's own LP audit covers these
    solutions = _consistent_assignments(table, shown, result.primary)
    assert solutions, "the true table must be consistent with what is published"
    for cell in hidden:
        if cell in result.primary:
            values = {s[cell] for s in solutions}
            assert len(values) > 1, f"{cell} can be worked out: always {values}"


@given(tables())
def test_counts_of_five_or_more_are_shown_unless_needed_as_complements(table: CountTable) -> None:
    result = suppress(table)
    for cell in table.cells():
        if cell not in result.primary and cell not in result.complementary:
            assert result.display(cell) == str(table.value(cell))
        if cell in result.complementary:
            assert table.value(cell) >= 5 or table.value(cell) == 0 or cell in result.primary


def test_a_simple_row_gets_a_complement() -> None:
    table = CountTable(
        "t",
        "t",
        "people",
        ["2017"],
        ["a", "b", "c"],
        {("2017", "a"): 2, ("2017", "b"): 7, ("2017", "c"): 30},
    )
    result = suppress(table)
    assert result.display(("2017", "a")) == "<5"
    assert ("2017", "b") in result.complementary  # else 39 - 7 - 30 = 2
    assert result.display(("2017", "c")) == "30"


def test_a_missing_cell_counts_zero_in_its_totals() -> None:
    table = CountTable("t", "t", "people", ["r1", "r2"], ["a", "b"], {("r1", "a"): 7})
    assert table.value(("r2", "b")) == 0
    assert table.value(("r1", TOTAL)) == 7 and table.value(("r2", TOTAL)) == 0
    assert table.value((TOTAL, "a")) == 7 and table.value((TOTAL, "b")) == 0
    assert table.value((TOTAL, TOTAL)) == 7
    result = suppress(table)
    assert result.primary == frozenset() and result.complementary == frozenset()
    assert result.shown(("r2", "b")) == 0 and result.display(("r1", "a")) == "7"


def test_a_single_row_withholds_the_smallest_interior_cells() -> None:
    # Row 2017: a=2, b=7, c=30, d=6 (total 45). Column a (2 over a total of 2) makes both
    # (2017, a) and (total, a) primary. Row 2017 then has one withheld cell: the smallest other
    # interior count, d=6, is withheld (not the 45 total, not b=7); row "total" likewise loses
    # (total, d). Columns d then hold two withheld cells each: nothing more is needed.
    counts = {("2017", "a"): 2, ("2017", "b"): 7, ("2017", "c"): 30, ("2017", "d"): 6}
    table = CountTable("t", "t", "people", ["2017"], ["a", "b", "c", "d"], counts)
    result = suppress(table)
    assert result.primary == {("2017", "a"), (TOTAL, "a")}
    assert result.complementary == {("2017", "d"), (TOTAL, "d")}
    assert [result.display(("2017", c)) for c in ("a", "b", "c", "d", TOTAL)] == [
        "<5",
        "7",
        "30",
        "suppressed",
        "45",
    ]
    assert [result.shown(("2017", c)) for c in ("a", "b", "c", "d", TOTAL)] == [
        None,
        7,
        30,
        None,
        45,
    ]


def test_exposed_cells_solves_across_rows_and_columns() -> None:
    # r1: a=2, b=10 (12); r2: a=10, b=20 (30); columns a=12, b=30.
    from detainer_desk.publish.suppression import exposed_cells

    counts = {("r1", "a"): 2, ("r1", "b"): 10, ("r2", "a"): 10, ("r2", "b"): 20}
    table = CountTable("t", "t", "people", ["r1", "r2"], ["a", "b"], counts)
    primary = {("r1", "a")}
    # With (r2, b)=20 shown: (r2, a) = 30 - 20 = 10, so (r1, a) = 12 - 10 = 2: exposed.
    three = {("r1", "a"), ("r1", "b"), ("r2", "a")}
    assert exposed_cells(table, primary, three) == [("r1", "a")]
    # All four withheld: (r1, a) = x gives (r1, b) = 12 - x >= 5 and (r2, a) = 12 - x >= 5, and
    # every x in 1..4 fits, so it cannot be worked out.
    assert exposed_cells(table, primary, three | {("r2", "b")}) == []
    assert exposed_cells(table, primary, set()) == []


def test_a_cell_given_away_across_lines_gets_one_more_complement() -> None:
    # r0: c0=5, c1=1 (6); r1: c0=9, c1=9 (18); columns 14 and 10; grand total 24.
    # Primary: (r0, c1)=1. Single unknowns: row r0 withholds (r0, c0)=5, column c0 (r1, c0)=9,
    # column c1 (r1, c1)=9 (interior before totals). All four interior cells are now withheld,
    # yet (r0, c0) >= 5 and the r0 total 6 leave (r0, c1) = 1 exactly: exposed. The line next to
    # it with a cell left is row r0: its total 6 is withheld; the totals column then has one
    # withheld cell, so (r1, total)=18 goes too (smaller than 24). Now (r0, c1) can be 1..4.
    counts = {("r0", "c0"): 5, ("r0", "c1"): 1, ("r1", "c0"): 9, ("r1", "c1"): 9}
    table = CountTable("t", "t", "people", ["r0", "r1"], ["c0", "c1"], counts)
    result = suppress(table)
    assert result.primary == {("r0", "c1")}
    assert result.complementary == {
        ("r0", "c0"),
        ("r1", "c0"),
        ("r1", "c1"),
        ("r0", TOTAL),
        ("r1", TOTAL),
    }
    assert [result.display((TOTAL, c)) for c in ("c0", "c1", TOTAL)] == ["14", "10", "24"]


def test_when_no_neighbour_is_left_every_positive_cell_is_withheld_but_zeros_stay() -> None:
    # One row: a=1, b=0, c=5 (row total 6; the totals row repeats it, grand total 6).
    # Primary: (r0, a)=1 and (total, a)=1. Single unknowns: row r0 withholds its smallest
    # positive interior cell (r0, c)=5 (b is 0); the totals row, all of whose cells name TOTAL,
    # the smaller of (total, c)=5 and 6: (total, c). The LP: r0 gives a + c = 6 with c in 5..6
    # (no cell exceeds the grand total 6), so a = 1 exactly: exposed. Next to (r0, a), row r0
    # still has its total 6: withheld, and the totals column then withholds the grand total.
    # Now a = total - c with both in 5..6, so a is still exactly 1 (0 is not allowed), and no
    # line through (r0, a) has a positive cell left: every positive cell is withheld (already
    # all of them) and the zeros, which give nothing away, stay published.
    counts = {("r0", "a"): 1, ("r0", "b"): 0, ("r0", "c"): 5}
    table = CountTable("t", "t", "people", ["r0"], ["a", "b", "c"], counts)
    result = suppress(table)
    assert result.primary == {("r0", "a"), (TOTAL, "a")}
    assert result.complementary == {("r0", "c"), ("r0", TOTAL), (TOTAL, "c"), (TOTAL, TOTAL)}
    assert [result.display((r, "b")) for r in ("r0", TOTAL)] == ["0", "0"]


def test_a_complement_that_leaves_an_earlier_line_with_one_unknown_is_closed_first() -> None:
    # r0: c0=4, c1=4, c2=8 (16); r1: c0=20, c1=15, c2=0 (35); columns 24, 19, 8; grand 51.
    # Primary: (r0, c0)=4 and (r0, c1)=4. Single unknowns: columns c0 and c1 withhold (r1, c0)=20
    # and (r1, c1)=15. LP: row r0 reads c0 + c1 = 16 - 8 = 8 with both in 1..4, so both are 4:
    # exposed. Next to (r0, c0), on a line through it (row r0 first), the smallest cell left is
    # (r0, c2)=8. Column c2 then has one unknown: (total, c2)=8 goes ((r1, c2) is 0). That
    # leaves the totals row, a line checked before column c2, with one unknown: it is closed
    # before the LP runs again, with its smallest, (total, c1)=19. Then, with a = (r0, c0) and
    # b = (r0, c1): (r1, c0) = 24 - a, (r1, c1) = 11 + a, (total, c1) = 11 + a + b and
    # (r0, c2) = (total, c2) = 16 - a - b >= 8, so a and b can each be 1..4: nothing exposed.
    counts = {
        ("r0", "c0"): 4,
        ("r0", "c1"): 4,
        ("r0", "c2"): 8,
        ("r1", "c0"): 20,
        ("r1", "c1"): 15,
        ("r1", "c2"): 0,
    }
    table = CountTable("t", "t", "people", ["r0", "r1"], ["c0", "c1", "c2"], counts)
    result = suppress(table)
    assert result.primary == {("r0", "c0"), ("r0", "c1")}
    assert result.complementary == {
        ("r0", "c2"),
        ("r1", "c0"),
        ("r1", "c1"),
        (TOTAL, "c1"),
        (TOTAL, "c2"),
    }
    assert [result.display((r, TOTAL)) for r in ("r0", "r1", TOTAL)] == ["16", "35", "51"]


def test_no_withheld_cell_exceeds_the_grand_total() -> None:
    # One row: a=1, b=4; row total 5, grand total 5. Asked about (r0, a) and (total, a) as the
    # only primary cells, with the row total and the grand total withheld and b shown: row r0
    # reads a + 4 = row total, and the row total is 5 or more but, like every cell, at most the
    # grand total 5, so it is 5 and a = 1: exposed (and (total, a) = a). Allowing 6 (or no
    # upper bound) would leave a = 1 or 2 (1..4).
    from detainer_desk.publish.suppression import exposed_cells

    table = CountTable("t", "t", "people", ["r0"], ["a", "b"], {("r0", "a"): 1, ("r0", "b"): 4})
    primary = {("r0", "a"), (TOTAL, "a")}
    withheld = primary | {("r0", TOTAL), (TOTAL, TOTAL)}
    assert exposed_cells(table, primary, withheld) == [("r0", "a"), (TOTAL, "a")]
