"""What register cells mean: due dates (month precision is normal, "Ongoing" and blanks are real),
dates inside milestone text and financial years. Numbers are normalise.read_number,
shared with the return reader. Nothing here raises on what a user typed: None means "not understood".
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cache, lru_cache

from qmr.period import Period, PeriodError

_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTH_ABBR = calendar.month_abbr


def _month(word: str) -> int | None:
    """March, Mar, Mar., Sept -> 3, 3, 3, 9; None for anything else."""
    word = word.lower().rstrip(".")
    if len(word) < 3:
        return None
    if word == "sept":
        return 9
    for name, number in _MONTHS.items():
        if name.startswith(word):
            return number
    return None


def _year(text: str) -> int | None:
    year = int(text)
    if len(text) == 2:
        year += 2000
    return year if 1950 <= year <= 2150 else None


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class Due:
    """A due date as the register should show it, and the last day it may be done on."""

    text: str  # "31 Mar 2016", "Mar 2016", "Q4 2015/16", "2015/16", "Ongoing" or ""
    day: date | None
    note: str = ""  # how it was read, when that is worth telling the user


def _day_text(day: date) -> str:
    return f"{day.day} {_abbr(day.month)} {day.year}"


@lru_cache(maxsize=1024)  # a register's many milestones share a few months
def _month_due(year: int, month: int, note: str = "") -> Due:
    return Due(f"{_abbr(month)} {year}", _month_end(year, month), note)


@cache  # calendar.month_abbr formats a date on every lookup; there are 13 keys
def _abbr(month: int) -> str:
    return _MONTH_ABBR[month]


_ONGOING = {
    "ongoing",
    "on going",
    "on-going",
    "continuous",
    "continuing",
    "throughout the year",
    "ongoing throughout the year",
    "during the year",
    "throughout year",
}
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})$")
_D_MONTH_Y = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[\s\-]+([A-Za-z]+)\.?,?[\s\-]+(\d{4}|\d{2})$")
_MONTH_Y = re.compile(
    r"^(?:(?:by|end|end of|by end of|by the end of)\s+)?([A-Za-z]+)\.?[\s\-/']+(\d{4}|\d{2})$", re.IGNORECASE
)
_M_SLASH_Y = re.compile(r"^(\d{1,2})/(\d{4})$")
_FY = re.compile(r"^(\d{2,4})\s*[-/]\s*(\d{2,4})$")
_QUARTER = re.compile(r"^q[1-4]\b|\bq[1-4]$", re.IGNORECASE)


def financial_year(text: object) -> str | None:
    """`2015/16`, `2015-16`, `2015/2016`, `15/16`, `010/11` -> `2015/16` (2010/11); None if not a year."""
    if isinstance(text, float) or not isinstance(text, str):
        return None
    return _financial_year_of_text(text)


@lru_cache(maxsize=1024)  # most rows of a register give the same year
def _financial_year_of_text(text: str) -> str | None:
    match = _FY.match(" ".join(text.split()))
    if not match:
        return None
    first, second = match.group(1), match.group(2)
    start = int(first)
    if len(first) < 4:
        start = start % 100 + (1900 if start % 100 >= 50 else 2000)
    end = int(second)
    if not (1950 <= start <= 2150) or end not in (start + 1, (start + 1) % 100):
        return None
    return f"{start}/{(start + 1) % 100:02d}"


def parse_due(value: object) -> Due | None:
    """A due date as typed in a register (or a return); None when it cannot be understood.

    Accepts real dates, `Mar 2016`, `March 2016`, `31/03/2016`, `2016-03-31`, `Q4 2015/16`,
    `2015/16`, `Ongoing` and blank. Month precision means the end of that month.
    """
    if value is None:
        return Due("", None)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        if value.day == 1:  # Excel turns a typed "Mar 2016" into 1 Mar 2016 shown as Mar-16
            return _month_due(value.year, value.month, "a date on the 1st is read as the whole month")
        return Due(_day_text(value), value)
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        # a date typed into a cell formatted as a number arrives as Excel's day count
        if value == value and 20000 <= value <= 80000:
            day = date(1899, 12, 30) + timedelta(days=int(value))
            due = parse_due(day)
            return replace(due, note="an Excel day number") if due else None
        return None
    if not isinstance(value, str):
        return None
    return _due_of_text(value)


@lru_cache(maxsize=4096)  # many rows share a due text ("Mar 2016"); a Due is immutable, so shared
def _due_of_text(value: str) -> Due | None:
    text = " ".join(value.split()).rstrip(".")
    if not text:
        return Due("", None)
    try:
        return _parse_due_text(text)
    except (ValueError, OverflowError):  # impossible dates such as 31/02/2016
        return None


def _day_due(year: int | None, month: int | None, day: int) -> Due | None:
    if not year or not month:
        return None
    when = date(year, month, day)  # ValueError for 31/02, caught by parse_due
    return Due(_day_text(when), when)


def _parse_due_text(text: str) -> Due | None:
    if text.lower() in _ONGOING:
        return Due("Ongoing", None)
    match = _ISO.match(text)
    if match:
        return _day_due(_year(match[1]), int(match[2]), int(match[3]))
    match = _DMY.match(text)
    if match:
        return _day_due(_year(match[3]), int(match[2]), int(match[1]))
    match = _D_MONTH_Y.match(text)
    if match:
        return _day_due(_year(match[3]), _month(match[2]), int(match[1]))
    match = _MONTH_Y.match(text)
    if match:
        month, year = _month(match.group(1)), _year(match.group(2))
        return _month_due(year, month) if month and year else None
    match = _M_SLASH_Y.match(text)
    if match:
        year = _year(match.group(2))
        month = int(match.group(1))
        return _month_due(year, month) if year and 1 <= month <= 12 else None
    if _QUARTER.search(text):
        try:
            period = Period.parse(text)
        except PeriodError:
            return None
        return Due(f"Q{period.quarter} {period.financial_year}", period.end)
    year_text = financial_year(text)
    if year_text:
        return Due(year_text, date(int(year_text[:4]) + 1, 3, 31))
    return None


# A deadline the milestone's own text sets: "by March 2009", "before 31st March 2016", "by the end of
# Sept 2015", "no later than June 2010". A date without such a word ("the Ofsted inspection in
# November 2014") says when something happened, not when the milestone is due, and is not taken.
_BY_DATE = re.compile(
    r"\b(?:by|before|(?:no|not)\s+later\s+than)\s+(?:the\s+)?(?:end\s+of\s+)?"
    r"(?:(\d{1,2})(?:st|nd|rd|th)?\s+)?([A-Za-z]{3,9})\.?,?\s+(\d{4})\b",
    re.IGNORECASE,
)


def dates_in_text(text: str) -> list[Due]:
    """Every deadline a milestone's text sets, in the order written (see `_BY_DATE`)."""
    found = []
    for match in _BY_DATE.finditer(text or ""):
        month, year = _month(match.group(2)), _year(match.group(3))
        if not (month and year):
            continue
        due = None
        if match.group(1):
            try:
                due = _day_due(year, month, int(match.group(1)))
            except ValueError:  # "by 31 June 2009": the month is still meant
                due = None
        found.append(due or _month_due(year, month))
    return found


def date_in_text(text: str) -> Due | None:
    """`Set the budget by March 2009` -> Mar 2009: the (last) deadline a milestone sets in its own text."""
    found = dates_in_text(text)
    return found[-1] if found else None
