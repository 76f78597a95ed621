"""Turning what clerks type into values qmr can judge.

Each function returns the clean value and, when it had to interpret the input, a short note saying
what it did; the validator turns notes into info findings so nothing is changed silently.
A value that cannot be interpreted comes back as None with the reason in the note.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from qmr.model import Status

_STATUS_WORDS: dict[str, Status] = {
    "green": Status.GREEN,
    "g": Status.GREEN,
    "amber": Status.AMBER,
    "a": Status.AMBER,
    "yellow": Status.AMBER,
    "red": Status.RED,
    "r": Status.RED,
    "n/a": Status.NA,
    "na": Status.NA,
    "n.a.": Status.NA,
    "n.a": Status.NA,
    "not applicable": Status.NA,
}


@dataclass(frozen=True)
class Normalised:
    value: object
    note: str = ""  # what was interpreted (info), or why nothing could be (value None)


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: object) -> str:
    """A cell as text, as the clerk sees it: numbers without a spurious .0, dates as ISO."""
    if type(value) is str:  # most cells: what the last line gives, without the type tests before it
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, (date, timedelta)):
        return value.isoformat() if isinstance(value, date) else str(value)
    return str(value).strip()


# A milestone (or equality action) that is done is Green: achieved at year end, on course before it.
_DONE_WORDS: dict[str, Status] = {word: Status.GREEN for word in (
    "complete", "completed", "achieved", "done")}
# What clerks type in Actual when there is no figure (with Progress N/A): no figure, not an error.
NO_FIGURE_WORDS = ("n/a", "na", "n.a.", "n.a", "not applicable", "-", "\u2013", "\u2014")
YES_WORDS = ("yes", "y")


def status_words(done_counts: bool = False) -> dict[str, Status]:
    """Every spelling qmr reads as a status (lower case, single-spaced): the one home that both the
    judging and the return's own Check formulas use. `done_counts`: milestones and equality actions,
    where `Complete` / `Achieved` mean Green."""
    words = {s.value.lower(): s for s in Status if s is not Status.MISSING} | _STATUS_WORDS
    return words | _DONE_WORDS if done_counts else words


_EXACT_STATUSES = {s.value: s for s in Status if s is not Status.MISSING}  # as the dropdown offers them


def status(value: object, done_counts: bool = False) -> Normalised:
    """`g`, ` green `, `GREEN` -> Green; `Complete` -> Green where `done_counts`. Blank -> None with no
    note (the caller decides Missing)."""
    if is_blank(value):
        return Normalised(None)
    if value in _EXACT_STATUSES:
        return Normalised(_EXACT_STATUSES[value])  # type: ignore[index]
    raw = value if isinstance(value, str) else text(value)  # keep the spaces: " Green " is a correction
    found = status_words(done_counts).get(" ".join(raw.lower().split()))
    if found is None:
        return Normalised(None, f"{raw.strip()!r} is not a progress status")
    return Normalised(found, f"read {raw!r} as {found.value}")


def no_figure(value: object) -> bool:
    """Blank, or what clerks type for "no figure" (`N/A`, `n/a`, `-`)."""
    return is_blank(value) or (isinstance(value, str) and " ".join(value.lower().split()) in NO_FIGURE_WORDS)


def yes(value: object) -> Normalised:
    """`Yes`, `Y`, ` yes ` -> "Yes" (with a note unless typed exactly); anything else -> None."""
    if value == "Yes":
        return Normalised("Yes")
    if isinstance(value, str) and value.strip().lower() in YES_WORDS:
        return Normalised("Yes", f"read {value!r} as Yes")
    return Normalised(None)


def narrative_type(value: object, types: tuple[str, str]) -> Normalised:
    """`key dev`, `KEY DEVELOPMENTS`, `issue`, `risk` -> one of (key development, emerging issue).
    Blank or unrecognised -> None, with the reason in the note when something was typed."""
    if value in types:
        return Normalised(value)
    raw = text(value)
    words = " ".join(raw.lower().split())
    if not words:
        return Normalised(None)
    if any(w in words for w in ("issue", "emerg", "risk", "concern")):
        return Normalised(types[1], f"read {raw!r} as {types[1]}")
    if any(w in words for w in ("dev", "key", "achieve", "success")):
        return Normalised(types[0], f"read {raw!r} as {types[0]}")
    return Normalised(None, f"{raw!r} is not a narrative type")




_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")


def read_number(value: object) -> tuple[float | None, str]:
    """A number from a cell value, and how it was read.

    `how` is "" for a real number, "text" for digits stored as text, "percent" for `75%` (read as
    75: the register keeps percentages as percentage points), "thousands" for `1,200`, "currency"
    for `£1,200`. Anything else is (None, "").
    """
    if isinstance(value, bool) or value is None:
        return None, ""
    if isinstance(value, (int, float)):
        number = float(value)
        return (number, "") if number == number and abs(number) != float("inf") else (None, "")
    if not isinstance(value, str):
        return None, ""
    cleaned = value.replace("\u00a0", " ").strip()
    how = "text"
    if cleaned.startswith("£"):
        cleaned, how = cleaned[1:].strip(), "currency"
    if cleaned.endswith("%"):
        cleaned, how = cleaned[:-1].strip(), "percent"
    if _THOUSANDS.match(cleaned):
        cleaned = cleaned.replace(",", "")
        how = "thousands" if how == "text" else how
    if not _NUMBER.match(cleaned):
        return None, ""
    number = float(cleaned)
    if abs(number) == float("inf"):
        return None, ""
    return number, how


def number(value: object, unit: str = "number") -> Normalised:
    """A number from a cell: real numbers pass; text such as `1,234`, `£5.2`, `(12)`, `75%` is read.

    Percentages are percentage points in qmr (75 means 75%), so `75%` is 75 for a % or rate PI;
    for a count or an amount it is a share (0.75). See percent_from_fraction for 0.75 in a % cell.
    """
    if is_blank(value):
        return Normalised(None)
    if isinstance(value, bool):
        return Normalised(None, f"{text(value)} is not a number")
    if isinstance(value, (int, float)):
        number_value = float(value)
        if not math.isfinite(number_value):
            return Normalised(None, "not a finite number")
        return Normalised(number_value)
    raw = text(value)
    negative = raw.startswith("(") and raw.endswith(")")  # accountants' negative
    result, how = read_number(raw[1:-1] if negative else raw)
    if result is None:
        return Normalised(None, f"{raw!r} is not a number")
    if negative:
        result = -result
    if how == "percent" and unit not in ("%", "rate"):
        result = result / 100  # 50% of a count or an amount is a half
    return Normalised(result, f"read the text {raw!r} as the number {text(result)}")


def percent_from_fraction(value: float, unit: str, reference: float | None) -> Normalised:
    """0.75 for a % PI means 75% when that is what Excel's % format stored.

    Percentages are whole numbers in qmr (target 95 means 95%). A value between 0 and 1 is scaled
    up only when that brings it nearer the PI's target or last actual (`reference`): 0.93 against a
    target of 95 is 93%, but 0.9 against a sickness target of 3.8 stays 0.9%.
    """
    if unit != "%" or not 0 < abs(value) <= 1:
        return Normalised(value)
    scaled = round(value * 100, 10)
    if reference is not None and abs(scaled - reference) >= abs(value - reference):
        return Normalised(value)
    return Normalised(scaled, f"read {text(value)} as {text(scaled)}% (a percentage formatted cell)")


_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}


def day(value: object) -> Normalised:
    """A date from a cell: real dates pass; `31/03/2016`, `2016-03-31`, `31 Mar 2016` are read."""
    if is_blank(value):
        return Normalised(None)
    if isinstance(value, datetime):
        return Normalised(value.date())
    if isinstance(value, date):
        return Normalised(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # an Excel serial number that lost its date format
        if 20000 < value < 80000:
            result = date(1899, 12, 30) + timedelta(days=int(value))
            return Normalised(result, f"read the number {text(value)} as the date {result.isoformat()}")
        return Normalised(None, f"{text(value)} is not a date")
    raw = text(value)
    parsed = _parse_date_text(raw)
    if parsed is None:
        return Normalised(None, f"{raw!r} is not a date")
    return Normalised(parsed, f"read the text {raw!r} as the date {parsed.isoformat()}")


def _parse_date_text(raw: str) -> date | None:
    cleaned = raw.strip().replace(".", "/")
    match = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$", cleaned)
    if match:
        y, m, d = (int(g) for g in match.groups())
        return _safe_date(y, m, d)
    match = re.match(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{2}|\d{4})$", cleaned)
    if match:  # UK order: day first
        d, m, y = (int(g) for g in match.groups())
        return _safe_date(y + 2000 if y < 100 else y, m, d)
    match = re.match(r"^(\d{1,2})(?:st|nd|rd|th)?[ -]([A-Za-z]+)[ -,]*(\d{4})$", cleaned)
    if match:
        month = _MONTHS.get(match[2][:3].lower())
        return _safe_date(int(match[3]), month, int(match[1])) if month else None
    return None


def _safe_date(y: int, m: int | None, d: int) -> date | None:
    if m is None:
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None
