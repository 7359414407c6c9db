"""Small-count suppression with complementary suppression, for period × category count tables.

Published cells: every interior cell, each row's total, each column's total and the grand total.
A count of 1–4 is shown as "<5" (primary suppression). Other cells are then withheld
("suppressed") until no primary cell can be worked out from what is shown — by subtraction along
a row or a column, or by combining rows and columns. That is checked exactly: for each primary
cell, a linear program finds the smallest and largest value consistent with every published
number, knowing that primary cells hold 1–4 and withheld ones 5 or more; a cell whose smallest and
largest values coincide is exposed, and another cell is withheld. No mature Python library does
this (engineering notes § 5), so it is small, here, and property-tested.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog

TOTAL = "total"
SMALL = range(1, 5)
Cell = tuple[str, str]


@dataclass
class CountTable:
    """Counts by row (a period) and column (a category); totals are derived, never stored."""

    name: str
    title: str
    unit: str
    rows: list[str]
    cols: list[str]
    counts: dict[Cell, int] = field(default_factory=dict)

    def value(self, cell: Cell) -> int:
        r, c = cell
        if r == TOTAL and c == TOTAL:
            return sum(self.counts.values())
        if r == TOTAL:
            return sum(self.counts.get((row, c), 0) for row in self.rows)
        if c == TOTAL:
            return sum(self.counts.get((r, col), 0) for col in self.cols)
        return self.counts.get(cell, 0)

    def cells(self) -> list[Cell]:
        return [(r, c) for r in [*self.rows, TOTAL] for c in [*self.cols, TOTAL]]

    def lines(self) -> list[list[Cell]]:
        """Each published sum: a row with its total, a column with its total."""
        out = [[(r, c) for c in [*self.cols, TOTAL]] for r in [*self.rows, TOTAL]]
        out += [[(r, c) for r in [*self.rows, TOTAL]] for c in [*self.cols, TOTAL]]
        return out


@dataclass(frozen=True)
class Suppressed:
    """What may be published: each cell's count, or None when withheld, and why."""

    table: CountTable
    primary: frozenset[Cell]
    complementary: frozenset[Cell]

    def shown(self, cell: Cell) -> int | None:
        return (
            None if cell in self.primary or cell in self.complementary else self.table.value(cell)
        )

    def display(self, cell: Cell) -> str:
        if cell in self.primary:
            return "<5"
        if cell in self.complementary:
            return "suppressed"
        return str(self.table.value(cell))


def suppress(table: CountTable) -> Suppressed:
    primary = {cell for cell in table.cells() if table.value(cell) in SMALL}
    withheld = set(primary)
    while True:
        if _close_single_unknowns(table, withheld):
            continue
        exposed = exposed_cells(table, primary, withheld)
        if not exposed:
            break
        if not _withhold_next_to(table, exposed[0], withheld):
            withheld |= {c for c in table.cells() if table.value(c) > 0}
            break
    return Suppressed(table, frozenset(primary), frozenset(withheld - primary))


def _close_single_unknowns(table: CountTable, withheld: set[Cell]) -> bool:
    """A line with exactly one withheld cell gives it away: withhold one more there."""
    changed = False
    for line in table.lines():
        hidden = [c for c in line if c in withheld]
        if len(hidden) == 1 and _withhold_smallest(table, line, withheld):
            changed = True
    return changed


def _withhold_smallest(table: CountTable, line: Iterable[Cell], withheld: set[Cell]) -> bool:
    candidates = [c for c in line if c not in withheld and table.value(c) > 0]
    if not candidates:
        return False
    # prefer interior cells, then the smallest count: the least information lost
    withheld.add(min(candidates, key=lambda c: (TOTAL in c, table.value(c))))
    return True


def _withhold_next_to(table: CountTable, cell: Cell, withheld: set[Cell]) -> bool:
    return any(_withhold_smallest(table, line, withheld) for line in table.lines() if cell in line)


def exposed_cells(
    table: CountTable, primary: set[Cell] | frozenset[Cell], withheld: set[Cell] | frozenset[Cell]
) -> list[Cell]:
    """Primary cells whose value follows exactly from everything published."""
    unknown = sorted(withheld)
    index = {cell: i for i, cell in enumerate(unknown)}
    rows, rhs = [], []
    for line in table.lines():
        *parts, total = line
        coefficients = np.zeros(len(unknown))
        known = 0.0
        for cell, sign in [*((p, 1.0) for p in parts), (total, -1.0)]:
            if cell in index:
                coefficients[index[cell]] += sign
            else:
                known += sign * table.value(cell)
        if coefficients.any():
            rows.append(coefficients)
            rhs.append(-known)
    if not unknown:
        return []
    ceiling = max(5, table.value((TOTAL, TOTAL)))
    bounds = [(1, 4) if cell in primary else (5, ceiling) for cell in unknown]
    a_eq = np.array(rows) if rows else None
    b_eq = np.array(rhs) if rows else None
    exposed = []
    for cell in unknown:
        if cell not in primary:
            continue
        objective = np.zeros(len(unknown))
        objective[index[cell]] = 1.0
        low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        if low.status == 0 and high.status == 0 and -high.fun - low.fun < 0.5:
            exposed.append(cell)
    return exposed
