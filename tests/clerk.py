"""Fill in a return template the way a team clerk does, for tests: open it with openpyxl, find the rows
from the hidden identity sheet, and type only into cells the sheet protection leaves unlocked.

    fill_return(template, out)                                   # complete and valid
    fill_return(template, out, {"milestone:BPR1.1": {"progress": None}})   # one status left blank
    fill_return(template, out, lambda sheet, key, answer: {**answer, "progress": "g"})

An answer is a dict with any of `progress`, `actual`, `commentary`; None leaves that cell blank. A dict
of answers is merged over the defaults per row key; it may also hold "narrative" (a list of
(type, title, text) rows, replacing the defaults) and "signoff" (field key -> value, merged over the
defaults). A callable gets (item sheet, row key, default answer) and returns the answer to type, or
None to leave the row untouched. Text starting with "=" is typed as a clerk would type it: a formula.
Defaults are seeded by row key, so the same template always gets the same answers.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from qmr.demo.simulate import template_rows, type_into
from qmr.model import Kind
from qmr.period import Period
from qmr.returns import layout
from qmr.returns.layout import FIRST_ROW, ItemSheet

Answer = dict[str, object]
Answers = Callable[[ItemSheet, str, Answer], "Answer | None"] | Mapping[str, object] | None

_ITEM_SHEETS = {sheet.name: sheet for sheet in layout.ITEM_SHEETS}

DEFAULT_NARRATIVE = (
    ("Key development", "New finance system live", "The new purchase-to-pay system went live on time."),
    ("Emerging issue", "Recruitment pressures", "Two posts remain vacant after a second advert."),
)


@dataclass(frozen=True)
class TemplateRows:
    """What the identity sheet says: the identity pairs and every item row (sheet, row, key)."""

    identity: dict[str, object]
    rows: tuple[tuple[str, int, str], ...]

    @property
    def period(self) -> Period:
        return Period.parse(str(self.identity["period"]))


def read_rows(book: Workbook) -> TemplateRows:
    """The identity pairs and row keys from a template's hidden identity sheet."""
    ws = book[layout.IDENTITY_SHEET]
    identity = {name: ws[layout.identity_cell(name)].value for name in layout.IDENTITY_FIELDS}
    return TemplateRows(identity, tuple(template_rows(book)))


def default_answer(sheet: ItemSheet, key: str, period: Period, unit: str | None = None,
                   near: float | None = None) -> Answer:
    """A complete, valid answer for one row, chosen deterministically from its key; an indicator's
    actual (when `unit` is given) lies within 10% of `near` (its target or last year's figure)."""
    rng = random.Random(f"{period.label}|{key}")
    choices = [c for c in layout.progress_choices(sheet, period) if c != "N/A"]
    weights = [6 if c == "Green" else 2 for c in choices]  # mostly Green, as real returns are
    progress = rng.choices(choices, weights=weights)[0]
    ref = layout.key_ref(key)
    answer: Answer = {"progress": progress,
                      "commentary": f"{progress}: {ref} {rng.choice(_PHRASES)} ({period.label})."}
    if unit is not None:  # an indicator row
        base = near if near is not None else 50.0
        answer["actual"] = "Survey under way" if unit == "text" else round(base * rng.uniform(0.9, 1.1), 1)
    return answer


_PHRASES = ("is progressing as planned", "has slipped by a month", "was reviewed at management team",
            "needs more resources", "is ahead of schedule")


def fill_return(path: Path, out: Path, answers: Answers = None, *, signoff: bool = True) -> Path:
    """Fill the template at `path` like a clerk and save it to `out` (returned)."""
    book = load_workbook(path)
    found = read_rows(book)
    period = found.period
    given = answers if isinstance(answers, Mapping) else {}

    for sheet_name, row, key in found.rows:
        sheet = _ITEM_SHEETS[sheet_name]
        ws = book[sheet_name]
        unit = near = None
        if sheet.kind is Kind.INDICATOR:
            unit = str(ws[sheet.cell("unit", row)].value or "")
            figures = (ws[sheet.cell(f, row)].value
                       for f in ("quarter_target", "annual_target", "previous_actual"))
            near = next((float(v) for v in figures if isinstance(v, (int, float))), None)
        answer: Answer | None = default_answer(sheet, key, period, unit, near)
        if callable(answers):
            answer = answers(sheet, key, answer)
        elif key in given:
            answer = {**answer, **given[key]}  # type: ignore[dict-item]
        if answer is None:
            continue
        for field, value in answer.items():
            if value is not None:
                type_into(ws, sheet.cell(field, row), value)

    narrative = given.get("narrative", DEFAULT_NARRATIVE)
    ws = book[layout.NARRATIVE_SHEET]
    for row, entry in enumerate(narrative, start=FIRST_ROW):  # type: ignore[arg-type]
        for letter, value in zip(layout.NARRATIVE_LETTERS, entry, strict=False):
            if value is not None:
                type_into(ws, f"{letter}{row}", value)

    values: dict[str, object] = {}
    if signoff:
        values = {"completed_by": "A. Clerk", "job_title": "Performance clerk",
                  "date": signed_on(period), "confirmed": "Yes"}
    values.update(given.get("signoff", {}))  # type: ignore[arg-type]
    ws = book[layout.SIGNOFF_SHEET]
    for item in layout.SIGNOFF_CELLS:
        value = values.get(item.key)
        if value is not None:
            type_into(ws, f"{layout.SIGNOFF_VALUE_COLUMN}{item.row}", value)

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return out


def signed_on(period: Period) -> date:
    """The sign-off date the default answers use."""
    return period.end + timedelta(days=10)
