"""Reporting periods: quarters of an April-to-March financial year.

A period is written `2008/09 Q4`; the CLI also accepts `2008-09-Q4`, `2008/09:Q4` and `Q4 2008/09`,
and file names use the slug `2008-09-Q4`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_YEAR = r"(?P<y1>\d{4})\s*[-/]\s*(?P<y2>\d{2}|\d{4})"
_PATTERNS = (
    re.compile(rf"^{_YEAR}\s*[-:/\s]\s*Q(?P<q>[1-4])$", re.IGNORECASE),
    re.compile(rf"^Q(?P<q>[1-4])\s*[-:/\s]?\s*{_YEAR}$", re.IGNORECASE),
)


class PeriodError(ValueError):
    """A period that cannot be understood."""


@dataclass(frozen=True, order=True)
class Period:
    """A quarter of a financial year; `year` is the calendar year the financial year starts in."""

    year: int
    quarter: int

    @classmethod
    def parse(cls, text: str) -> Period:
        cleaned = " ".join(str(text).split())
        for pattern in _PATTERNS:
            match = pattern.match(cleaned)
            if match:
                y1 = int(match["y1"])
                y2 = int(match["y2"])
                end = y2 if y2 >= 100 else (y1 // 100) * 100 + y2
                if end < y1:  # e.g. 1999/00
                    end += 100
                if end != y1 + 1:
                    raise PeriodError(
                        f"{text!r}: a financial year runs over two consecutive years, like 2015/16"
                    )
                return cls(y1, int(match["q"]))
        raise PeriodError(
            f"{text!r} is not a period; write it like 2015/16 Q2 (also 2015-16-Q2, 2015/16:Q2, Q2 2015/16)"
        )

    @property
    def financial_year(self) -> str:
        return f"{self.year}/{(self.year + 1) % 100:02d}"

    @property
    def label(self) -> str:
        return f"{self.financial_year} Q{self.quarter}"

    @property
    def slug(self) -> str:
        return f"{self.year}-{(self.year + 1) % 100:02d}-Q{self.quarter}"

    @property
    def start(self) -> date:
        month = 4 + 3 * (self.quarter - 1)
        return date(self.year + (month > 12), (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> date:
        return self.next().start - timedelta(days=1)

    @property
    def year_end(self) -> bool:
        return self.quarter == 4

    @property
    def half_year(self) -> bool:
        """Q2 and Q4, when risks and equality actions are reported."""
        return self.quarter in (2, 4)

    def next(self) -> Period:
        return Period(self.year + 1, 1) if self.quarter == 4 else Period(self.year, self.quarter + 1)

    def previous(self) -> Period:
        return Period(self.year - 1, 4) if self.quarter == 1 else Period(self.year, self.quarter - 1)

    def same_quarter_last_year(self) -> Period:
        return Period(self.year - 1, self.quarter)

    def __str__(self) -> str:
        return self.label


def financial_year_of(day: date) -> str:
    """The financial year a date falls in, written 2015/16."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def add_working_days(day: date, days: int) -> date:
    """`days` working days (Monday to Friday) after `day`; bank holidays are not known here."""
    current = day
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current
