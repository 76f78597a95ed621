"""What a register's Due cell says when it is not one date: real plans put several milestones' dates
in one cell ("Apr 06 Jun 06 Jun 06"), a date inside words ("Draft strategy by Sept 06", "80% by
Mar 07"), a range ("Apr 06 - Mar 07") or no date at all ("Bi-monthly", "Monitor monthly").

`due_parts` cuts such a cell into parts, each ending at a date (text before it belongs to it) and a
trailing undated part; the reader makes one milestone per part and says how it read the cell.
Nothing here raises on what a user typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from qmr.plan.values import Due, parse_due

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_YEAR = r"'?(?:\d{4}|\d{2})\b"
_DAY = r"(?:\d{1,2}(?:st|nd|rd|th)?\s+)?"
# "Apr 06", "Sept '06", "Aug. 06", "Dec.06", "April 2006", "21st March 2007", "31/03/2007"; a range
# of two months ("Apr 06 - Mar 07", "Jun - Jul 06", "Jul/Aug 06", "Apr 06 to Mar 07") counts as its
# end; "06 - 07" / "06/07" is a financial year.
_ONE = rf"{_DAY}{_MONTH}\s*{_YEAR}|\d{{1,2}}/\d{{1,2}}/(?:\d{{4}}|\d{{2}})\b"
_DATE = re.compile(
    rf"\b(?:(?:{_ONE}|{_MONTH})\s*(?:-|–|/|\bto\b)\s*)?(?P<end>{_ONE})"
    rf"|\b(?P<fy>\d{{2}}\s*(?:-|–|/)\s*\d{{2}})\b(?!\s*[/.\-]\s*\d)",
    re.IGNORECASE,
)
_DEADLINE = re.compile(r"\b(?:by|before|until|(?:no|not)\s+later\s+than)\s*$", re.IGNORECASE)
_ONWARDS = re.compile(r"^(?:and\s+)?(?:onwards|ongoing|on-going|on going)$", re.IGNORECASE)
_FILLER = re.compile(r"^[\s.,;:&/()\-–]*(?:and)?[\s.,;:&/()\-–]*$", re.IGNORECASE)


class Reading(Enum):
    """How a part of a Due cell was read, for the finding the reader gives."""

    DATE = "date"  # the part is a date and nothing else
    RANGE = "range"  # two dates: the later is the due date
    DEADLINE = "deadline"  # words ending "by <date>": the deadline they set
    IN_TEXT = "in text"  # other words around a date: the date is taken, less surely
    UNDATED = "undated"  # words and no date: an undated (ongoing) milestone


@dataclass(frozen=True)
class DuePart:
    due: Due
    written: str  # the part of the cell as typed
    words: str  # what the part says besides its date ("" when it is only a date)
    reading: Reading


def _date_of(match: re.Match[str]) -> Due | None:
    text = match["end"] or match["fy"]
    text = re.sub(r"(?i)\b(\d{1,2})(?:st|nd|rd|th)\b", r"\1", text)
    text = re.sub(r"(?i)(" + _MONTH + r")\s*'?(\d{2,4})\b", r"\1 \2", text)
    return parse_due(" ".join(text.replace(".", " ").replace("–", "-").split()))


def due_parts(text: str) -> list[DuePart]:
    """The parts of a Due cell that is not one date, in the order written (see the module's doc).

    One part is one milestone: one date with any words before it, or trailing words with no date.
    A cell with no date at all is one undated part.
    """
    cleaned = " ".join(text.split())
    parts: list[DuePart] = []
    start = 0
    for match in _DATE.finditer(cleaned):
        due = _date_of(match)
        if due is None or due.day is None:
            continue
        before = cleaned[start:match.start()]
        written = cleaned[start:match.end()].strip(" .,;")
        start = match.end()
        if _FILLER.match(before):
            ranged = bool(match["end"]) and match.group(0) != match["end"]
            parts.append(DuePart(due, written, "", Reading.RANGE if ranged else Reading.DATE))
            continue
        reading = Reading.DEADLINE if _DEADLINE.search(before) else Reading.IN_TEXT
        parts.append(DuePart(due, written, written, reading))
    rest = cleaned[start:].strip(" .,;")
    if parts and _ONWARDS.match(rest):  # "Apr 06 onwards": from then on, with no deadline
        last = parts.pop()
        written = f"{last.written} {rest}"
        parts.append(DuePart(Due(written, None), written, written, Reading.UNDATED))
    elif rest and not _FILLER.match(rest):
        parts.append(DuePart(Due(rest, None), rest, rest, Reading.UNDATED))
    return parts or [DuePart(Due(cleaned, None), cleaned, cleaned, Reading.UNDATED)]


def share_out(text: str, count: int) -> list[str] | None:
    """`text` cut into `count` pieces when it falls naturally into exactly that many (sentences, or
    bullets), else None: several milestones typed into one row, one sentence each."""
    for pattern in (r"\s*[•\n]\s*", r"(?<=[.!?])\s+(?=[A-Z0-9])"):
        pieces = [p.strip() for p in re.split(pattern, text) if p.strip()]
        if len(pieces) == count:
            return pieces
    return None


def officers_out(officer: str, count: int) -> list[str] | None:
    """Initials one per milestone ("SJ SJ JC/SJ/PW SJ"), or None when they do not divide so."""
    pieces = officer.split()
    return pieces if len(pieces) == count else None


@dataclass(frozen=True)
class MilestonePart:
    """One milestone cut from a register row: its ID, text, officer and due part."""

    ident: str
    text: str
    officer: str
    part: DuePart


def split_row(ident: str, text: str, officer: str, parts: list[DuePart],
              taken: Callable[[str], bool]) -> list[MilestonePart]:
    """One milestone per due part: IDs `PDSM 1.1a`, `PDSM 1.1b` (never one already `taken`), the text
    and initials shared out when they divide into as many pieces, else each part keeps them whole
    (with the part's own words, when it has some, after the text)."""
    if len(parts) == 1:
        return [MilestonePart(ident, text, officer, parts[0])]
    texts = share_out(text, len(parts))
    officers = officers_out(officer, len(parts))
    result = []
    suffixes = (chr(ord("a") + n) for n in range(26 * 26))
    for number, part in enumerate(parts):
        new = next(f"{ident}{s}" for s in suffixes if not taken(f"{ident}{s}"))
        own = texts[number] if texts else text
        if part.words and part.words not in own:
            own = f"{own} ({part.words})".strip()
        result.append(MilestonePart(new, own, officers[number] if officers else officer, part))
    return result
