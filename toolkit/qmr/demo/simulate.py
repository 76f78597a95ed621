"""Simulated clerks: fill a return template the way a clerk does, into its unlocked cells only.

Used by the demo, the benchmark and the tests. Filling goes through openpyxl so the result is a
workbook as Excel would save it after typing, not something qmr could only have produced itself.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from qmr.atomic import write_atomic
from qmr.judge.auto_status import auto_status
from qmr.model import Indicator, NarrativeType, Plan, Polarity, Status
from qmr.period import Period
from qmr.plan.targets import quarter_target
from qmr.returns import layout


class LockedCell(ValueError):
    """A clerk cannot type into a locked cell of a protected sheet."""


@dataclass
class Answer:
    status: object = None  # what the clerk picks or types: "Green", "g", ...
    actual: object = None
    commentary: object = None


@dataclass
class Filled:
    """What a clerk puts into a return: answers by row key, narrative rows, sign-off values."""

    answers: dict[str, Answer] = field(default_factory=dict)
    narrative: list[tuple[str, str, str]] = field(default_factory=list)
    signoff: dict[str, object] = field(default_factory=dict)


def fill_return(template: Path, out: Path, filled: Filled) -> Path:
    """Type `filled` into a copy of `template`; raises LockedCell if it would need a locked cell."""
    book = load_workbook(template)
    for sheet_name, number, key in template_rows(book):
        answer = filled.answers.get(key)
        if answer is None:
            continue
        sheet = layout.sheet_named(sheet_name)
        ws = book[sheet_name]
        for field_key, value in (("progress", answer.status), ("actual", answer.actual),
                                 ("commentary", answer.commentary)):
            if value is None or (field_key == "actual" and field_key not in
                                 {f.key for f in sheet.fields}):
                continue
            type_into(ws, sheet.cell(field_key, number), value)
    if filled.narrative:
        ws = book[layout.NARRATIVE_SHEET]
        for offset, entry in enumerate(filled.narrative[: layout.NARRATIVE_ROWS]):
            for column, value in zip(layout.NARRATIVE_LETTERS, entry, strict=True):
                type_into(ws, f"{column}{layout.FIRST_ROW + offset}", value)
    if filled.signoff:
        ws = book[layout.SIGNOFF_SHEET]
        for cell in layout.SIGNOFF_CELLS:
            if cell.key in filled.signoff:
                type_into(ws, f"{layout.SIGNOFF_VALUE_COLUMN}{cell.row}", filled.signoff[cell.key])
    return write_atomic(out, book.save)


def template_rows(book: Workbook) -> list[tuple[str, int, str]]:
    """(sheet, row, key) of every item row, from the template's hidden identity sheet."""
    identity = book[layout.IDENTITY_SHEET]
    rows = []
    for row in identity.iter_rows(min_row=layout.IDENTITY_KEYS_HEADER_ROW + 1, values_only=True):
        if row and row[0] is not None:
            rows.append((str(row[0]), int(row[1]), str(row[2])))
    return rows


def type_into(ws: Worksheet, ref: str, value: object) -> None:
    """Type into a cell as a clerk can: only an unlocked cell of a protected sheet."""
    cell = ws[ref]
    if not ws.protection.sheet:
        raise LockedCell(f"{ws.title} is not protected: not a qmr template sheet")
    if cell.protection.locked:
        raise LockedCell(f"{ws.title}!{ref} is locked: a clerk cannot type there")
    cell.value = value


# --- realistic answers -------------------------------------------------------------------------

_GREEN = (
    "On track. {what} progressing as planned; next review at the directorate management team.",
    "Achieved for the quarter. Evidence held by the service and reported to the portfolio holder.",
    "Progressing well; the action plan is on schedule and partners are engaged.",
    "On course: the work is under way and no risks to delivery have been identified.",
)
_AMBER = (
    "Some slippage: {what} delayed by staffing changes; revised timetable agreed, expected next quarter.",
    "Uncertain: awaiting data from the DfE before this can be confirmed.",
    "Key date missed because the consultation was extended; recovery plan in place.",
)
_RED = (
    "Will not be achieved this year: funding for {what} was withdrawn; a revised proposal goes to "
    "the board in the next quarter.",
    "Not achieved: the provider went into administration; re-commissioning has started.",
)
_NA = ("Cannot be reported this quarter: the national data set is published annually in the autumn.",)
_DEVELOPMENTS = (
    ("Ofsted inspection", "The service was inspected in the quarter and judged Good in all areas."),
    ("New case management system", "The new system went live on schedule and staff have been trained."),
    ("Partnership agreement signed", "A joint commissioning agreement with health partners was signed."),
)
_ISSUES = (
    ("Recruitment of social workers", "Vacancy rates remain high; an agency cap is being considered."),
    ("Rising demand", "Referrals rose by 12% on the same quarter last year; capacity is under review."),
)


def simulate(plan: Plan, team: str, period: Period, seed: int = 0, *, signed: date | None = None) -> Filled:
    """Complete, valid answers a conscientious clerk would give, seeded so runs repeat exactly."""
    rng = random.Random(f"{seed}:{team}:{period.slug}")
    team_plan = plan.for_team(team)
    indicators = {i.ref: i for i in team_plan.indicators}
    filled = Filled()
    for sheet, rows in layout.sheets_for(team_plan, period):
        choices = layout.progress_choices(sheet, period)
        for row in rows:
            ref = str(row.values.get("ref", ""))
            what = str(row.values.get("title", "the work"))[:60].rstrip().lower()
            indicator = indicators.get(ref) if sheet.name == layout.INDICATORS.name else None
            if indicator is not None:
                filled.answers[row.key] = _indicator_answer(indicator, period, rng, what)
                continue
            weights = [0.72, 0.14, 0.12, 0.02] if "Amber" in choices else [0.8, 0.18, 0.02]
            status = rng.choices(choices, weights=weights)[0]
            filled.answers[row.key] = Answer(status, None, _comment(status, rng, what, period))
    filled.narrative = [(NarrativeType.KEY_DEVELOPMENT.value, *rng.choice(_DEVELOPMENTS))]
    if rng.random() < 0.6:
        filled.narrative.append((NarrativeType.EMERGING_ISSUE.value, *rng.choice(_ISSUES)))
    filled.signoff = {
        "completed_by": f"Performance clerk, {team_plan.team.name}",
        "job_title": "Performance and Information Officer",
        "date": signed or period.end,
        "confirmed": "Yes",
    }
    return filled


def _indicator_answer(indicator: Indicator, period: Period, rng: random.Random, what: str) -> Answer:
    if not indicator.numeric:
        return Answer("Green", "Delivered as planned", _comment("Green", rng, what, period))
    target = quarter_target(indicator, period.quarter)
    if target is None:
        base = indicator.previous_actual if isinstance(indicator.previous_actual, float) else 50.0
        actual = round(base * rng.uniform(0.9, 1.1), 1)
        status = rng.choice(["Green", "Amber"])
        return Answer(status, actual, _comment(status, rng, what, period))
    spread = {Polarity.HIGHER: rng.uniform(0.88, 1.08), Polarity.LOWER: rng.uniform(0.92, 1.12),
              Polarity.TARGET: rng.uniform(0.9, 1.1)}.get(indicator.polarity, 1.0)
    actual = round(target * spread, 1)
    if indicator.unit == "%":
        actual = min(actual, 100.0)
    computed = auto_status(indicator, period.quarter, actual) or Status.GREEN
    return Answer(computed.value, actual, _comment(computed.value, rng, what, period))


def _comment(status: str, rng: random.Random, what: str, period: Period) -> str:
    """A clerk's commentary; it says when it was written, as real ones do ("At the end of June: ...")."""
    bank = {"Green": _GREEN, "Amber": _AMBER, "Red": _RED, "N/A": _NA}[status]
    return f"At the end of {period.end:%B %Y}: " + rng.choice(bank).format(what=what)
