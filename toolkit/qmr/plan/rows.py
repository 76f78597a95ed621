"""A register row located in its sheet, and what one reading of a register has learnt so far."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from qmr.model import Team
from qmr.normalise import text as cell_text
from qmr.plan.problems import Findings


@dataclass(slots=True)  # not frozen (nothing changes a Row): one is made per row, and frozen's __init__ is slow
class Row:
    sheet: str
    number: int  # 1-based row number in the sheet
    values: dict[str, object]  # column key -> raw cell value
    letters: dict[str, str]  # column key -> column letter

    def cell(self, key: str) -> str:
        """The key's cell; the whole row (`7:7`) when the sheet has no such column."""
        letter = self.letters.get(key)
        return f"{letter}{self.number}" if letter else f"{self.number}:{self.number}"

    def raw(self, key: str) -> object:
        return self.values.get(key)

    def text(self, key: str) -> str:
        value = self.values.get(key)
        if type(value) is str:  # plain_text's first case, without the call: most cells are text
            return " ".join(value.split())
        return plain_text(value)


@dataclass
class Reading:
    """One reading of a register: its findings, and the sheets read so far that later sheets refer to."""

    out: Findings
    settings: dict[str, str] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)  # by exact code
    team_rows: dict[str, Row] = field(default_factory=dict)
    skipped: dict[str, dict[str, str]] = field(default_factory=dict)  # sheet -> key -> cell of its error

    def add(self, problem: str, row: Row, key: str, /, *, team: str = "", **facts: object) -> None:
        """Report a problem at the row's cell for `key`."""
        self.out.add(problem, row.sheet, row.cell(key), team=team, **facts)

    def left_out(self, sheet: str, ref: str, cell: str) -> None:
        """Remember that the item `ref` was left out, so rows referring to it can say where to look."""
        self.skipped.setdefault(sheet, {})[same_key(ref)] = cell


def plain_text(value: object) -> str:
    """A cell value as single-line text; whole numbers lose their `.0`, dates are ISO."""
    # Text and blanks first: nearly every register cell is one, and this runs for each of them. For
    # exact str, split() already drops what cell_text's strip() would.
    if value is None:
        return ""
    if type(value) is str:
        return " ".join(value.split())
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value != value:
        return ""
    return " ".join(cell_text(value).split())


def loose(ref: str) -> str:
    """Compare refs ignoring spaces, brackets and case, a lower-case l typed for I (`Ll21` vs `LI21`),
    and the BVPI prefix written for BV (`BVPI 43 (a)` vs `BV 43a`: both name Best Value PIs)."""
    return _BVPI.sub("BV", _LOOSE_DROPS.sub("", ref.replace("l", "I")).upper())


_BVPI = re.compile(r"^BVPI")
_LOOSE_DROPS = re.compile(r"[\s()]+")
def same_key(ref: str) -> str:
    # split() drops exactly what re's \s matches (both are str.isspace), without a regex per ref
    return "".join(ref.split()).upper()


def in_year(day: date | None, year: str) -> bool:
    """Whether a day falls in a financial year written like 2015/16 (April to March)."""
    if day is None:
        return False
    first, last = _year_bounds(year)
    return first <= day <= last


@lru_cache(maxsize=64)  # every milestone row asks about one of a register's few years
def _year_bounds(year: str) -> tuple[date, date]:
    return date(int(year[:4]), 4, 1), date(int(year[:4]) + 1, 3, 31)
