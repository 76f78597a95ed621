"""Whatever a clerk types into whatever input cell (issue 8, item 10): qmr either takes it as typed,
takes it with a finding on that cell saying how it read it, or reports a problem naming that cell.
Never a traceback, never a value silently changed or dropped.

Each example types one value into one unlocked cell of a complete, valid Finance return (openpyxl,
as tests/clerk.py does), and judges the saved workbook as `qmr validate` does."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from conftest import make_plan
from qmr import normalise
from qmr.demo.simulate import fill_return, simulate, template_rows, type_into
from qmr.judge.validate import validate
from qmr.model import Kind, Status
from qmr.period import Period
from qmr.returns import layout
from qmr.returns.template import write_templates

Q2 = Period(2008, 2)  # a half year: every kind of item sheet is in the return
PLAN = make_plan()
TEAM = "BSC-HR"


@dataclass(frozen=True)
class Received:
    name: str
    data: bytes
    size: int
    sha256: str
    modified: datetime


@dataclass(frozen=True)
class InputCell:
    sheet: str
    cell: str
    field: str  # progress, actual, commentary, narrative type/title/text, or a sign-off key
    key: str = ""  # the row key on item sheets; the narrative row number as text on Narrative


@dataclass(frozen=True)
class Base:
    workbook: bytes = field(repr=False)  # a complete, valid return
    cells: tuple[InputCell, ...] = field(repr=False)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Base:
    folder = tmp_path_factory.mktemp("any-input")
    (template,) = write_templates(PLAN, Q2, folder / "templates", teams=[TEAM])
    filled = fill_return(template, folder / "filled.xlsx", simulate(PLAN, TEAM, Q2, seed=1, signed=date(2008, 10, 8)))
    book = load_workbook(filled)
    cells = []
    for sheet_name, row, key in template_rows(book):
        sheet = layout.sheet_named(sheet_name)
        cells += [InputCell(sheet_name, sheet.cell(f.key, row), f.key, key) for f in sheet.inputs]
    for row in (layout.FIRST_ROW, layout.FIRST_ROW + 5):  # a filled narrative row and an empty one
        cells += [InputCell(layout.NARRATIVE_SHEET, f"{letter}{row}", f.key, str(row))
                  for letter, f in zip("ABC", layout.NARRATIVE_FIELDS, strict=True)]
    cells += [InputCell(layout.SIGNOFF_SHEET, f"{layout.SIGNOFF_VALUE_COLUMN}{c.row}", c.key)
              for c in layout.SIGNOFF_CELLS]
    return Base(filled.read_bytes(), tuple(cells))


WORDS = ["Green", "g", "G", " green ", "Amber", "a", "Red", "r", "N/A", "n/a", "na", "-", "Complete",
         "Achieved", "Yes", "Y", "no", "tbc", "18 cases", "48.5 (provisional)", "1,200", "£1,200", "75%",
         "(12)", " 42 ", "4.2e1", "12/03/2016", "31 Mar 2016", "Key development", "key dev", "issue", "",
         "   ", "0.5%", "1e400", "Ready to send"]  # no formulas: openpyxl cannot store the result Excel would
typed_values = st.one_of(
    st.sampled_from(WORDS),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=40).filter(
        lambda s: not ILLEGAL_CHARACTERS_RE.search(s) and not s.startswith("=")),
    st.integers(min_value=-10**12, max_value=10**12),
    # a cell holds 15 significant digits, as Excel does
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False).map(
        lambda x: float(f"{x:.15g}")),
    st.booleans(),
    st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 12, 31)),
    # a cell holds time to the second as a clerk types it
    st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2100, 12, 31)).map(
        lambda d: d.replace(microsecond=0)),
)


def _judge(data: bytes):
    received = Received("typed.xlsx", data, len(data), hashlib.sha256(data).hexdigest(),
                        datetime(2008, 10, 9, tzinfo=UTC))
    return validate(PLAN, Q2, [received], workers=1)


def _taken_as_typed(target: InputCell, value: object, validation) -> bool:
    """Whether qmr kept the value exactly as a person reading the cell would (blank as blank)."""
    accepted = validation.accepted[0]
    shown = normalise.text(value)
    if target.sheet == layout.NARRATIVE_SHEET:
        row = int(target.key)
        entries = [e for e in accepted.narrative if e.source_cell.endswith(f"!C{row}")]
        if not entries:
            return not shown and target.key != str(layout.FIRST_ROW)  # an empty row stays empty
        entry = entries[0]
        return {"type": entry.type, "title": entry.title, "text": entry.text}[target.field] == shown
    if target.sheet == layout.SIGNOFF_SHEET:
        if target.field == "date":
            return isinstance(value, date) and accepted.signed_off == (value.date() if isinstance(value, datetime)
                                                                      else value)
        if target.field == "confirmed":
            return value == "Yes"
        return bool(shown) or target.field == "job_title"  # a name is a name; the job title is optional
    item = accepted.items[target.key]
    if target.field == "progress":
        return isinstance(value, str) and item.status.value == value and item.status is not Status.MISSING
    if target.field == "commentary":
        return item.commentary == shown
    if item.kind is Kind.INDICATOR and target.field == "actual":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return item.actual == float(value)
        return not shown and item.status is Status.NA
    return False


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_value_in_any_input_cell_is_taken_noted_or_reported(base, data) -> None:
    template = base.workbook
    target = data.draw(st.sampled_from(base.cells), label="cell")
    value = data.draw(typed_values, label="value")
    book = load_workbook(io.BytesIO(template))
    type_into(book[target.sheet], target.cell, value)
    out = io.BytesIO()
    book.save(out)

    validation = _judge(out.getvalue())  # never raises: a traceback fails the test

    here = [f for f in validation.findings if f.sheet == target.sheet and f.cell == target.cell]
    if not validation.accepted:  # refused (a number no date has, in a date cell): the refusal names the cell
        assert here, [str(f) for f in validation.findings]
        return
    assert here or _taken_as_typed(target, value, validation), (
        f"{target.sheet}!{target.cell} ({target.field}) typed {value!r}: no finding names the cell, "
        f"and qmr did not keep it as typed")


def test_the_property_covers_every_kind_of_input_cell(base) -> None:
    fields = {(c.sheet, c.field) for c in base.cells}
    for sheet in ("Milestones", "Indicators", "Risks", "Equality"):
        assert (sheet, "progress") in fields and (sheet, "commentary") in fields
    assert ("Indicators", "actual") in fields
    assert {f for s, f in fields if s == layout.SIGNOFF_SHEET} == {c.key for c in layout.SIGNOFF_CELLS}
    assert {f for s, f in fields if s == layout.NARRATIVE_SHEET} == {f.key for f in layout.NARRATIVE_FIELDS}


def test_a_typed_path_is_not_needed(tmp_path: Path) -> None:
    """The property types into bytes in memory; this keeps the helper honest on a real file too."""
    (template,) = write_templates(PLAN, Q2, tmp_path, teams=[TEAM])
    assert _judge(template.read_bytes()).accepted
