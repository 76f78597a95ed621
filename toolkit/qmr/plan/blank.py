"""Writing a register workbook: the blank one `qmr register new` gives an officer (instructions,
notes on every header, dropdowns, one example row per sheet), or one filled with given rows (the
example registers). Driven by `register_layout.SHEETS`, like the reader, so the two agree.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from qmr.atomic import write_atomic
from qmr.cells import column_letter
from qmr.model import Kind, Polarity, Status
from qmr.normalise import read_number
from qmr.plan.layout import KNOWN_SETTINGS, OBJECTIVES, POLARITY_LABELS, SETTINGS, SHEETS, TEAMS, Column, Sheet
from qmr.statuses import definition

INSTRUCTIONS = "Instructions"
LAST_ROW = 2000  # how far down dropdowns reach
# Columns whose numeric-looking text is written as a number (elsewhere "1.10" must stay text).
NUMERIC_COLUMNS = frozenset({"previous_actual", "annual_target", "q1_target", "q2_target", "q3_target",
                             "q4_target", "tolerance", "initial_risk", "residual_risk"})

_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_FIXED_TIME = datetime(2000, 1, 1)  # document properties do not carry the writing time

def _traffic_lights() -> list[tuple[str, str]]:
    """(status, meaning) for the register's instructions, from the one wording in statuses.py."""
    lines = []
    for status in Status:
        milestone = definition(status, Kind.MILESTONE)
        parts = [f"Milestones and objectives: {milestone}"]
        year_end = definition(status, Kind.MILESTONE, year_end=True)
        if year_end != milestone:
            parts.append(f"At year end (Q4): {year_end}")
        indicator = definition(status, Kind.INDICATOR)
        parts.append(f"PIs: {indicator}" if indicator != milestone else "PIs: the same.")
        if status is Status.MISSING:
            parts.append("qmr records this; clerks do not choose it.")
        lines.append((status.value, " ".join(parts)))
    return lines


POLARITY_MEANINGS = {
    Polarity.HIGHER: "a bigger number is better (e.g. % of invoices paid on time).",
    Polarity.LOWER: "a smaller number is better (e.g. days lost to sickness).",
    Polarity.TARGET: "nearest the target is best, above or below (e.g. staff turnover).",
    Polarity.NONE: "no good or bad direction; qmr computes no status (contextual PIs).",
}


def _note(column: Column) -> str:
    parts = [column.note]
    if column.required:
        parts.append("Required.")
    if column.choices:
        verb = "Suggestions" if column.open_choices else "Choose from"
        parts.append(f"{verb}: {', '.join(column.choices)}.")
    return " ".join(parts)


def _instructions(ws: Worksheet) -> None:
    lines: list[tuple[str, bool]] = [
        ("Plan register", True),
        ("This workbook is the plan qmr works from: the teams that report, their objectives, milestones, "
         "performance indicators (PIs), risk control measures and equality actions.", False),
        ("Keep one header row per sheet. Column order does not matter and extra columns are ignored. "
         "Hover over a header to see what it holds. Run `qmr register check` after every change.", False),
        ("", False),
    ]
    for sheet in SHEETS:
        lines.append((f"Sheet {sheet.name}", True))
        lines.append((sheet.purpose, False))
        for column in sheet.columns:
            lines.append((f"  {column.header}: {_note(column)}", False))
        lines.append(("", False))
    lines.append(("Traffic lights (what teams report)", True))
    lines += [(f"  {status}: {meaning}", False) for status, meaning in _traffic_lights()]
    lines.append(("", False))
    lines.append(("Polarity (which way is better for a PI)", True))
    lines += [(f"  {key} ({POLARITY_LABELS[key]}): {text}", False) for key, text in POLARITY_MEANINGS.items()]
    lines.append(("  A numeric PI must have a polarity; use none when it has no direction.", False))
    lines.append(("", False))
    lines.append(("Profiles, frequencies, risks and dates", True))
    lines += [
        ("  cumulative: actuals and targets are year to date; flat: the same target every quarter; "
         "discrete: each quarter stands on its own.", False),
        ("  An annual PI is only reported in Q4, a six-monthly one in Q2 and Q4.", False),
        ("  Risk: High, Medium, Low, or a score 1-16 (1-4 Low, 5-10 Medium, 11-16 High).", False),
        ("  Due dates: 31/03/2016, Mar 2016, Q4 2015/16, Ongoing, or blank. Percentages: 75 for 75%.", False),
        ("  Targets may be text (N/A, To be set once baseline known); then no status is computed.", False),
    ]
    ws.column_dimensions["A"].width = 120
    for number, (text, bold) in enumerate(lines, start=1):
        cell = ws.cell(row=number, column=1, value=text or None)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if bold:
            cell.font = Font(bold=True, size=14 if number == 1 else 11)


def _put(ws: Worksheet, row: int, column: Column, index: int, value: object) -> None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return
    if column.key in NUMERIC_COLUMNS and isinstance(value, str):
        number, how = read_number(value)
        if number is not None and how == "text":
            value = int(number) if number.is_integer() else number
    cell = ws.cell(row=row, column=index, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # a plan's text is never a formula
    if column.width >= 40:
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _validations(ws: Worksheet, sheet: Sheet) -> None:
    for index, column in enumerate(sheet.columns, start=1):
        letter = column_letter(index)
        formula = None
        if column.choices:
            formula = '"' + ",".join(column.choices) + '"'
            strict = not column.open_choices
        elif column.key == "team" and sheet is not TEAMS:
            formula, strict = f"{TEAMS.name}!$A$2:$A${LAST_ROW}", False
        elif column.key == "objective_ref":
            formula, strict = f"{OBJECTIVES.name}!$A$2:$A${LAST_ROW}", False
        if formula is None:
            continue
        check = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=strict,
                               errorTitle=column.header, error=_note(column),
                               promptTitle=column.header, prompt=column.note[:255], showInputMessage=False)
        check.add(f"{letter}2:{letter}{LAST_ROW}")
        ws.add_data_validation(check)


def _sheet(ws: Worksheet, sheet: Sheet, rows: list[list[object]]) -> None:
    for index, column in enumerate(sheet.columns, start=1):
        cell = ws.cell(row=1, column=index, value=column.header)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        comment = Comment(_note(column), "qmr")
        comment.width, comment.height = 300, 120
        cell.comment = comment
        ws.column_dimensions[column_letter(index)].width = column.width
    ws.freeze_panes = "A2"
    _validations(ws, sheet)
    for number, values in enumerate(rows, start=2):
        for index, column in enumerate(sheet.columns, start=1):
            _put(ws, number, column, index, values[index - 1] if index <= len(values) else None)


def _blank_rows(sheet: Sheet) -> list[list[object]]:
    if sheet is SETTINGS:
        return [[name, None] for name in KNOWN_SETTINGS]
    return [list(sheet.example)] if sheet.example else []


def write_register(path: Path, rows: dict[str, list[list[object]]] | None = None) -> Path:
    """Write a register workbook to `path` (atomically) and return the path.

    Without `rows`: a blank register with each sheet's example row and the known settings. With
    `rows` (sheet name -> rows, values in `SHEETS` column order): those rows, sheets not named empty.
    """
    path = Path(path)
    book = Workbook()
    book.properties.creator = "qmr"
    book.properties.created = _FIXED_TIME
    intro = book.active
    intro.title = INSTRUCTIONS
    _instructions(intro)
    for sheet in SHEETS:
        ws = book.create_sheet(sheet.name)
        _sheet(ws, sheet, _blank_rows(sheet) if rows is None else list(rows.get(sheet.name, [])))
        if sheet is SETTINGS and rows is None:
            for number, name in enumerate(KNOWN_SETTINGS, start=2):
                ws.cell(row=number, column=1).comment = Comment(KNOWN_SETTINGS[name], "qmr")
    return write_atomic(path, book.save)
