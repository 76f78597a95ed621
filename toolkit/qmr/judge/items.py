"""Judging one row of a return: its progress status, its commentary and, for a numeric PI, its
actual against the target and the PI's history. An error makes the item Missing in the master."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass

from qmr import normalise
from qmr.judge.auto_status import auto_status
from qmr.model import Finding, Indicator, Kind, PastValue, Profile, Severity, Status
from qmr.period import Period
from qmr.plan.targets import quarter_target
from qmr.returns import layout
from qmr.returns.reader import ReturnedRow
from qmr.statuses import NEEDS_COMMENTARY

# find(severity, message, action, cell, code): one finding about the row being judged
Find = Callable[[Severity, str, str, str, str], None]


@dataclass(frozen=True, slots=True)
class JudgedItem:
    """One row of an accepted return after judging; status Missing when it had an error."""

    key: str
    kind: Kind
    ref: str
    status: Status
    actual: float | str | None
    commentary: str
    auto_status: Status | None
    source_cell: str


def judge_row(
    row: ReturnedRow,
    sheet: layout.ItemSheet,
    period: Period,
    indicators: dict[str, Indicator],
    previous: dict[str, list[PastValue]],
    file: str,
    team: str,
) -> tuple[JudgedItem, list[Finding]]:
    """One item row and what was found in it; `previous` is the team's history by row key."""
    findings: list[Finding] = []
    ref = normalise.text(row.values.get("ref"))
    label = f"{sheet.kind.value} {ref}"

    def find(severity: Severity, message: str, action: str, cell: str, code: str) -> None:
        findings.append(Finding(severity, f"{label}: {message}", action, file, sheet.name, cell, team, code))

    commentary = normalise.text(row.values.get("commentary"))
    status, error = _judge_status(row, sheet, period, commentary, find)

    actual: float | str | None = None
    computed: Status | None = None
    history = previous.get(row.key, [])
    indicator = indicators.get(ref) if sheet.kind is Kind.INDICATOR else None
    if indicator is not None:
        actual, computed, problem = _judge_actual(row, indicator, period, status, history, find)
        error = error or problem

    # compared with the last time this row was reported: last quarter, or the half year for risks
    if commentary and history and history[-1].commentary.strip() == commentary.strip():
        find(Severity.WARNING, f"commentary is unchanged from {history[-1].period.label}",
             "Update the commentary to say what happened this quarter.", row.cell("commentary"),
             "commentary-unchanged")

    final = Status.MISSING if error or status is None else status
    return JudgedItem(row.key, sheet.kind, ref, final, actual, commentary, computed,
                      f"{sheet.name}!{row.cell('progress')}"), findings


def _judge_status(row: ReturnedRow, sheet: layout.ItemSheet, period: Period, commentary: str, find: Find
                  ) -> tuple[Status | None, bool]:
    """The status as read, and whether the row has an error that makes it Missing. An unexplained
    Amber/Red/N/A is an error, but its status stands: a board must still see the Red."""
    progress_cell = row.cell("progress")
    status_read = normalise.status(row.values.get("progress"), done_counts=layout.done_counts(sheet))
    status: Status | None = status_read.value  # type: ignore[assignment]
    choices = layout.progress_choices(sheet, period)
    if status is None and status_read.note:
        find(Severity.ERROR, status_read.note, f"Choose one of {', '.join(choices)} from the list.",
             progress_cell, "status-invalid")
        return status, True
    if status is None:
        find(Severity.ERROR, "no progress status", f"Choose one of {', '.join(choices)} from the list.",
             progress_cell, "status-missing")
        return status, True
    if status_read.note:
        find(Severity.INFO, status_read.note, "", progress_cell, "status-normalised")
    if status.value not in choices:
        find(Severity.ERROR, "Amber is not allowed for a milestone at year end: it was achieved "
             "(Green) or not (Red)", "Choose Green or Red, and explain a Red in Commentary.",
             progress_cell, "amber-at-year-end")
        return status, True
    if status in NEEDS_COMMENTARY and not commentary:
        what = "a reason why it cannot be reported" if status is Status.NA else "an explanation"
        find(Severity.ERROR, f"{status.value} needs {what} in Commentary",
             f"Say in Commentary why it is {status.value} and what is being done.", row.cell("commentary"),
             "na-without-reason" if status is Status.NA else "commentary-missing")
    return status, False


def _judge_actual(row: ReturnedRow, indicator: Indicator, period: Period, status: Status | None,
                  history: list[PastValue], find: Find) -> tuple[float | str | None, Status | None, bool]:
    """The PI's actual: a number for numeric PIs; also its auto_status and history checks."""
    raw = row.values.get("actual")
    if not indicator.numeric:
        return (normalise.text(raw) or None), None, False
    actual, problem = _figure(raw, indicator, period, status, row.cell("actual"), find)
    if actual is None:
        return None, None, problem
    computed = auto_status(indicator, period.quarter, actual)
    if computed and status and status not in (Status.NA, computed):
        find(Severity.WARNING, f"reported {status.value} but the figures give {computed.value} "
             f"(actual {normalise.text(actual)} against target "
             f"{normalise.text(quarter_target(indicator, period.quarter))})",
             "Check the actual and the status; explain in Commentary if the status is right.",
             row.cell("progress"), "status-disagrees")
    _against_history(actual, indicator, period, history, row.cell("actual"), find)
    return actual, computed, False


def _figure(raw: object, indicator: Indicator, period: Period, status: Status | None, cell: str, find: Find
            ) -> tuple[float | None, bool]:
    """A numeric PI's Actual as a number (None when there is none), and whether that is an error."""
    if normalise.is_blank(raw):
        if status is not None and status is not Status.NA:
            find(Severity.ERROR, "no actual for the quarter", "Enter the figure for the quarter "
                 "(a number), or choose N/A and explain why it cannot be reported.", cell, "actual-missing")
            return None, True
        return None, False
    read = normalise.number(raw, indicator.unit)
    if read.value is None and status is Status.NA:  # no figure to report: what was typed is said
        if normalise.no_figure(raw):
            find(Severity.INFO, f"read {normalise.text(raw)!r} as no figure (Progress is N/A)", "", cell,
                 "actual-no-figure")
        else:
            find(Severity.WARNING, f"the actual {read.note}; ignored, as Progress is N/A",
                 "Leave Actual empty when the figure cannot be reported; say why in Commentary.", cell,
                 "actual-ignored")
        return None, False
    if read.value is None:
        find(Severity.ERROR, f"the actual {read.note}", f"Enter {_number_wanted(indicator.unit)} with no "
             "words; put any explanation in Commentary.", cell, "actual-not-number")
        return None, True
    if read.note:
        find(Severity.INFO, read.note, "", cell, "actual-normalised")
    actual = float(read.value)  # type: ignore[arg-type]
    if not isinstance(raw, str):  # typed as text, "0.5%" means what it says; a bare 0.93 may be 93%
        reference = quarter_target(indicator, period.quarter)
        if reference is None:
            reference = _number(indicator.previous_actual)
        scaled = normalise.percent_from_fraction(actual, indicator.unit, reference)
        if scaled.note:
            find(Severity.INFO, scaled.note, "Enter percentages as whole numbers (75 for 75%).", cell,
                 "percent-scaled")
        actual = float(scaled.value)  # type: ignore[arg-type]
    return actual, False


def _against_history(actual: float, indicator: Indicator, period: Period, history: list[PastValue],
                     cell: str, find: Find) -> None:
    """A cumulative figure that went down this year, or one far outside the PI's history."""
    same_year = [v for v in history if v.period.year == period.year]
    last = same_year[-1] if same_year else None
    if (indicator.profile is Profile.CUMULATIVE and last is not None and isinstance(last.actual, float)
            and actual < last.actual):
        find(Severity.WARNING, f"a cumulative (year-to-date) figure went down from "
             f"{normalise.text(last.actual)} in {last.period.label} to {normalise.text(actual)}",
             "Enter the year-to-date figure, not this quarter's alone.", cell, "cumulative-down")
    numbers = [v.actual for v in history if isinstance(v.actual, float)]
    if len(numbers) >= 3:
        middle = statistics.median(numbers)
        if middle and (abs(actual) > 10 * abs(middle) or abs(actual) < abs(middle) / 10):
            find(Severity.WARNING, f"{normalise.text(actual)} is far outside this PI's history "
                 f"(median {normalise.text(middle)})", "Check the figure and its unit.", cell,
                 "outside-history")


def _number_wanted(unit: str) -> str:
    """What the Actual must be, in words: "a number", "a number (%)", "a number (£)"."""
    return "a number" if unit in ("", "number") else f"a number ({unit})"


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
