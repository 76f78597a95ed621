"""The return workbook a team is sent each quarter, written with openpyxl from layout.py alone.

Every position comes from layout.py, which the return reader also uses, so the two cannot drift.
The workbook has no macros: checks are plain formulas (COUNTIF, IF, AND, OR, LEN, TRIM) that Excel,
LibreOffice and Excel Online all calculate, and sheet protection only guards against accidents.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.formatting.rule import CellIsRule, Rule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.styles.numbers import NumberFormat
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.protection import SheetProtection
from openpyxl.worksheet.worksheet import Worksheet

from qmr import statuses as colours
from qmr.atomic import write_atomic
from qmr.cells import column_letter, column_number
from qmr.model import REPORTABLE, Indicator, Kind, Plan, Status, Team
from qmr.period import Period, add_working_days
from qmr.returns import checks, layout
from qmr.returns.layout import (
    FIRST_ROW,
    HEADER_ROW,
    NARRATIVE_FIELDS,
    SIGNOFF_CELLS,
    SIGNOFF_VALUE_COLUMN,
    STATUS_ROW,
    TITLE_ROW,
    ItemSheet,
    Row,
)
from qmr.returns.token import team_token

STATUS_COLUMN = "A"  # the "Ready to send" / "N problems" cell is STATUS_COLUMN + STATUS_ROW on each sheet
DEFAULT_DEADLINE_DAYS = 15
DISTRIBUTION_FILE = "distribution.csv"
DISTRIBUTION_COLUMNS = ("team", "team_name", "clerk", "email", "file")

# Messages of the per-row check column (what the clerk reads, and what tests look for).
NEED_TYPE = "Choose a type"
NEED_TITLE = "Enter a title"
NEED_TEXT = "Enter the text"
SIGNOFF_NEEDS = {
    "completed_by": "Enter your name",
    "date": "Enter the date completed",
    "confirmed": "Choose Yes to confirm",
}

EXPLAINED_WORDS = colours.listed(colours.NEEDS_COMMENTARY)  # "Amber, Red and N/A"
CHECK_WIDTH = 26
DATE_FORMAT = "dd/mm/yyyy"



def _font(**style: object) -> Font:
    """Calibri throughout: without a name LibreOffice falls back to a serif face."""
    return Font(name="Calibri", **{"size": 11, **style})


# Pale yellow marks the cells a clerk fills in; traffic lights as the master shows them (statuses.py).
INPUT_FILL = PatternFill("solid", fgColor="FFF8D6")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
INPUT_HEADER_FILL = PatternFill("solid", fgColor="C65911")
HEADER_FONT = _font(bold=True, color="FFFFFF")
TITLE_FONT = _font(bold=True, size=14, color="1F4E78")
HEADING_FONT = _font(bold=True, size=12, color="1F4E78")
STATUS_FONT = _font(bold=True, size=12)
CHECK_FONT = _font(color="C00000", italic=True)
THIN = Side(style="thin", color="BFBFBF")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
UNLOCKED = Protection(locked=False)
LOCKED = Protection(locked=True)

LINE_HEIGHT = 15.0  # points per line of 11pt text

SHEET_HINTS = {
    Kind.MILESTONE: "For each milestone choose Progress from the dropdown and say how it is going in "
                    f"Commentary. {EXPLAINED_WORDS} always need a Commentary saying why.",
    Kind.INDICATOR: "For each indicator enter the Actual for this quarter (a number for numeric PIs: type "
                    f"92.5 for 92.5%), choose Progress and comment. {EXPLAINED_WORDS} need a Commentary.",
    Kind.RISK: "For each objective say how the risk control measures are working: choose Progress and "
               "add a Commentary.",
    Kind.EQUALITY: "For each equality action choose Progress and add a Commentary.",
}
YEAR_END_HINT = " Year end: Green = achieved, Red = not achieved; Amber is not allowed for milestones."


def default_deadline(plan: Plan, period: Period) -> date:
    """The return date: `deadline_days` working days (setting, default 15) after the quarter ends."""
    try:
        days = int(float(plan.settings.get("deadline_days") or DEFAULT_DEADLINE_DAYS))
    except ValueError:
        days = DEFAULT_DEADLINE_DAYS
    return add_working_days(period.end, days)


def template_name(period: Period, team_code: str) -> str:
    """`2008-09-Q2_BSC-FIN.xlsx`; characters a file system dislikes in a team code become '-'."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", team_code).strip("-.") or "team"
    return f"{period.slug}_{safe}.xlsx"


def write_templates(
    plan: Plan,
    period: Period,
    out_dir: Path,
    *,
    teams: list[str] | None = None,
    deadline: date | None = None,
    previous_commentary: dict[str, dict[str, str]] | None = None,
    generated_at: datetime | None = None,
    secret: bytes | None = None,
) -> list[Path]:
    """Write one return per team (every team with something due, or `teams` in the order given) and
    distribution.csv.

    Returns the workbook paths. Raises ValueError, naming them, for team codes not in the register.
    """
    codes = list(teams) if teams else layout.teams_due(plan, period)
    unknown = [code for code in codes if plan.team(code) is None]
    if unknown:
        known = ", ".join(t.code for t in plan.teams)
        raise ValueError(f"not in the register's Teams sheet: {', '.join(unknown)} (known: {known})")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = generated_at or _now()
    previous = previous_commentary or {}
    jobs = [(code, period, out_dir / template_name(period, code), deadline, previous.get(code), stamp, secret)
            for code in dict.fromkeys(codes)]  # a code given twice gets one file
    if len(jobs) >= PARALLEL_FROM and _cores() > 1:
        with ProcessPoolExecutor(initializer=_give_worker, initargs=(plan,)) as pool:
            paths = list(pool.map(_write_job, jobs, chunksize=max(1, min(16, len(jobs) // (4 * _cores())))))
    else:
        paths = [_write_job(job, plan) for job in jobs]
    teams_sent = [plan.team(code) for code in dict.fromkeys(codes)]
    _write_distribution(out_dir / DISTRIBUTION_FILE,
                        [(p.name, t) for p, t in zip(paths, teams_sent, strict=True) if t is not None])
    return paths


PARALLEL_FROM = 8  # a template takes a tenth of a second or more: from a few, every core pays
_WORKER_PLAN: dict[str, Plan] = {}  # a pool worker's own copy of the plan, given once, not once per template


def _cores() -> int:
    return os.cpu_count() or 1


def _give_worker(plan: Plan) -> None:
    _WORKER_PLAN["plan"] = plan


def _write_job(job: tuple, plan: Plan | None = None) -> Path:
    code, period, path, deadline, previous, stamp, secret = job
    return write_return(plan or _WORKER_PLAN["plan"], code, period, path, deadline=deadline,
                        previous_commentary=previous, generated_at=stamp, secret=secret)


def write_return(
    plan: Plan,
    team_code: str,
    period: Period,
    path: Path,
    *,
    deadline: date | None = None,
    previous_commentary: dict[str, str] | None = None,
    generated_at: datetime | None = None,
    secret: bytes | None = None,
) -> Path:
    """Write one team's return workbook to `path` (atomically) and return the path. With the working
    folder's `secret`, its identity carries the team token (returns.token); without, none."""
    team = plan.team(team_code)
    if team is None:
        raise ValueError(f"team {team_code!r} is not in the register's Teams sheet")
    team_plan = plan.for_team(team_code)
    sheets = layout.sheets_for(team_plan, period)
    due = deadline or default_deadline(plan, period)
    previous = previous_commentary or {}

    book = Workbook()
    instructions = book.active
    instructions.title = layout.INSTRUCTIONS_SHEET
    _instructions(instructions, plan, team, period, due, sheets, bool(previous))

    checks: list[tuple[str, str, int]] = []  # (sheet, check range, cells in it) for the status line
    clerk_sheets: list[Worksheet] = [instructions]
    for item_sheet, rows in sheets:
        ws = book.create_sheet(item_sheet.name)
        clerk_sheets.append(ws)
        check = _item_sheet(ws, item_sheet, rows, period, team, team_plan.indicators, previous)
        if check:
            checks.append(check)
    narrative = book.create_sheet(layout.NARRATIVE_SHEET)
    clerk_sheets.append(narrative)
    checks.append(_narrative(narrative, team, period))
    signoff = book.create_sheet(layout.SIGNOFF_SHEET)
    clerk_sheets.append(signoff)
    checks.append(_signoff(signoff, plan, team, period))

    formula = _status_formula(checks)
    for ws in clerk_sheets:
        _status_cell(ws, formula)

    identity = book.create_sheet(layout.IDENTITY_SHEET)
    token = team_token(secret, team.code, period.label, team_plan.fingerprint) if secret else ""
    _identity(identity, team, period, team_plan.fingerprint, generated_at or _now(), sheets, token)

    for ws in book.worksheets:
        # No password: protection stops accidental edits; resizing rows and columns stays allowed.
        ws.protection = SheetProtection(sheet=True, formatColumns=False, formatRows=False,
                                        selectLockedCells=False, selectUnlockedCells=False)
    # Renaming, deleting or adding sheets would break reading the return back.
    book.security = WorkbookProtection(lockStructure=True)
    book.active = 0
    book.properties.creator = "qmr"
    book.properties.title = f"Quarterly monitoring return {period.label} {team.code}"
    _save(book, Path(path))
    return Path(path)


# ---------------------------------------------------------------------------------------- sheets

def _instructions(ws: Worksheet, plan: Plan, team: Team, period: Period, due: date,
                  sheets: list[tuple[ItemSheet, list[Row]]], prefilled: bool) -> None:
    settings = plan.settings
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 55
    ws.column_dimensions["C"].width = 55
    _put(ws, f"A{TITLE_ROW}", f"Quarterly monitoring return: {team.name} ({team.code}), {period.label}",
         font=TITLE_FONT)
    _put(ws, f"B{STATUS_ROW}", "This line says Ready to send once every sheet is complete.",
         font=_font(italic=True, color="595959"))

    row = HEADER_ROW
    contact = settings.get("contact_name", "")
    email = settings.get("contact_email", "")
    facts = [
        ("Organisation", settings.get("organisation", "")),
        ("Plan", settings.get("plan", "")),
        ("Period", f"{period.label} ({period.start:%d %B %Y} to {period.end:%d %B %Y})"),
        ("Team", f"{team.name} ({team.code})"),
        ("Return by", f"{due:%A %d %B %Y}"),
        ("Contact", f"{contact} <{email}>" if email and contact else contact or email),
    ]
    for label, value in facts:
        _put(ws, f"A{row}", label, font=_font(bold=True))
        _put(ws, f"B{row}", value, font=_font(bold=label == "Return by"))
        ws.merge_cells(f"B{row}:C{row}")
        row += 1

    row += 1
    _put(ws, f"A{row}", "How to fill in this return", font=HEADING_FONT)
    row += 1
    for number, step in enumerate(_steps(sheets, period, due, email, prefilled), start=1):
        text = f"{number}. {step}"
        _put(ws, f"A{row}", text, alignment=WRAP_TOP)
        ws.merge_cells(f"A{row}:C{row}")
        ws.row_dimensions[row].height = _height([(text, 134)])  # A:C together
        row += 1

    row += 1
    _put(ws, f"A{row}", "Traffic lights: what each Progress status means", font=HEADING_FONT)
    row += 1
    columns = ("Status", "Milestones and objectives", "Performance indicators")
    for letter, text in zip("ABC", columns, strict=True):
        _put(ws, f"{letter}{row}", text, font=HEADER_FONT, fill=HEADER_FILL, border=BOX)
    row += 1
    for status, milestone, indicator in _traffic_lights(period):
        fill, font_colour = colours.STATUS_FILLS[Status(status)], colours.STATUS_FONTS[Status(status)]
        _put(ws, f"A{row}", colours.label(Status(status)), font=_font(bold=True, color=font_colour),
             fill=PatternFill("solid", fgColor=fill), border=BOX, alignment=TOP)
        _put(ws, f"B{row}", milestone, alignment=WRAP_TOP, border=BOX)
        _put(ws, f"C{row}", indicator, alignment=WRAP_TOP, border=BOX)
        ws.row_dimensions[row].height = _height([(milestone, 55), (indicator, 55)])
        row += 1
    rule = ("At year end (Q4) a milestone is either achieved (Green) or not achieved (Red): Amber is not "
            "allowed." + (" This is the year-end return." if period.year_end else ""))
    _put(ws, f"A{row}", rule, alignment=WRAP_TOP, font=_font(bold=period.year_end))
    ws.merge_cells(f"A{row}:C{row}")
    ws.row_dimensions[row].height = _height([(rule, 130)])
    _print_setup(ws, repeat=False, one_page=True)


def _steps(sheets: list[tuple[ItemSheet, list[Row]]], period: Period, due: date, email: str,
           prefilled: bool) -> list[str]:
    names = [s.name for s, _ in sheets]
    steps = ["Type only in the pale yellow cells; everything else is locked so it cannot be changed by "
             "accident. You may widen columns and rows."]
    milestone_step = ("Milestones: for each milestone choose a Progress status from the dropdown and write a "
                      f"Commentary. {EXPLAINED_WORDS} always need a Commentary saying why and what is being "
                      "done.")
    if period.year_end:
        milestone_step += " At year end choose Green (achieved) or Red (not achieved)."
    steps.append(milestone_step)
    steps.append("Indicators: enter the Actual for the quarter (numbers only: type 92.5 for 92.5%), choose "
                 "Progress and add a Commentary. An indicator that cannot be reported is N/A, with the "
                 "reason in Commentary.")
    extra = [n for n in names if n in (layout.RISKS.name, layout.EQUALITY.name)]
    if extra:
        steps.append(f"{' and '.join(extra)}: choose Progress and add a Commentary for each row "
                     "(reported at the half year and year end).")
    if prefilled:
        steps.append("Commentary from last quarter is already filled in where we have it: update it, do not "
                     "just leave it as it was.")
    steps.append("Narrative (optional): one key development or emerging issue per row, with a type, a title "
                 "and the text. These become sections 2 and 3 of the quarterly report.")
    steps.append("Sign-off: enter your name, job title and the date, and choose Yes to confirm the "
                 "data-quality statement.")
    steps.append(f"Check the line at the top of each sheet: it must say {layout.READY}. The Check column "
                 "on each sheet says what a row still needs.")
    steps.append(f"Save the file and send it by {due:%d %B %Y}" + (f" to {email}" if email else "") + ". Do "
                 "not rename sheets, insert, delete or sort rows, or copy the sheets into another workbook: "
                 "the return is recognised by information inside this file, not by its name.")
    return steps


def _traffic_lights(period: Period) -> list[tuple[str, str, str]]:
    """(status, milestones, indicators) as this period's return is judged: year-end wording at Q4."""
    return [(status.value, colours.definition(status, Kind.MILESTONE, period.year_end),
             colours.definition(status, Kind.INDICATOR, period.year_end)) for status in Status]


def _item_sheet(ws: Worksheet, sheet: ItemSheet, rows: list[Row], period: Period, team: Team,
                indicators: tuple[Indicator, ...], previous: dict[str, str]) -> tuple[str, str, int] | None:
    """Write an item sheet; return its check range for the status line (None when it has no rows)."""
    check_letter = sheet.check_letter
    last_letter = check_letter
    _put(ws, f"A{TITLE_ROW}", f"{sheet.name}: {team.name} ({team.code}), {period.label}", font=TITLE_FONT)
    hint = SHEET_HINTS[sheet.kind] + (YEAR_END_HINT if period.year_end and sheet.kind is Kind.MILESTONE
                                      else "")
    _hint(ws, hint, last_letter, sum(f.width for f in sheet.fields) + CHECK_WIDTH)

    for field in sheet.fields:
        ws.column_dimensions[sheet.letter(field.key)].width = field.width
    ws.column_dimensions[check_letter].width = CHECK_WIDTH
    headers = [(sheet.letter(f.key), f.header, f.is_input, f.width) for f in sheet.fields]
    headers.append((check_letter, "Check", False, CHECK_WIDTH))
    _headers(ws, headers)
    ws.freeze_panes = f"A{FIRST_ROW}"
    _print_setup(ws, repeat=True)

    if not rows:
        _put(ws, f"A{FIRST_ROW}", f"Nothing to report on {sheet.name.lower()} for {period.label}.",
             font=_font(italic=True, color="595959"))
        return None

    numeric = {i.ref: i for i in indicators if i.numeric}  # a text PI's Actual is free text
    choices = layout.progress_choices(sheet, period)
    progress = sheet.letter("progress")
    commentary = sheet.letter("commentary")
    actual = sheet.letter("actual") if any(f.key == "actual" for f in sheet.fields) else None
    numeric_actuals: dict[str, list[str]] = {}  # unit -> cells, for one decimal validation per unit

    last = FIRST_ROW + len(rows) - 1
    for number, row in enumerate(rows, start=FIRST_ROW):
        for field in sheet.fields:
            cell = ws[sheet.cell(field.key, number)]
            if field.is_input:
                cell.protection = UNLOCKED
                cell.fill = INPUT_FILL
                cell.alignment = WRAP_TOP if field.wrap else TOP
            else:
                _value(cell, row.values.get(field.key))
                cell.alignment = WRAP_TOP if field.wrap else TOP
            cell.border = BOX
        if row.key in previous:
            _value(ws[f"{commentary}{number}"], previous[row.key])
        indicator = numeric.get(str(row.values.get("ref", ""))) if sheet.kind is Kind.INDICATOR else None
        needs_actual = actual is not None and indicator is not None
        if indicator is not None and needs_actual:
            numeric_actuals.setdefault(indicator.unit, []).append(f"{actual}{number}")
        check = ws[f"{check_letter}{number}"]
        check.value = checks.row_check(number, progress, commentary, actual if needs_actual else None,
                                       choices, layout.done_counts(sheet))
        check.font = CHECK_FONT
        check.alignment = WRAP_TOP
        check.border = BOX
        texts = [(str(row.values.get(f.key) or ""), f.width) for f in sheet.fields if f.wrap]
        texts.append((previous.get(row.key, ""), layout.COMMENTARY.width))
        ws.row_dimensions[number].height = max(2 * LINE_HEIGHT, _height(texts))

    listed = ",".join(choices)
    progress_cells = f"{progress}{FIRST_ROW}:{progress}{last}"
    dropdown = DataValidation(
        type="list", formula1=f'"{listed}"', allow_blank=True, showErrorMessage=True, showInputMessage=True,
        errorTitle="Progress", error=f"Choose one of: {', '.join(choices)}.",
        promptTitle="Progress", prompt=f"Choose {', '.join(choices)}." + (
            " No Amber at year end." if period.year_end and sheet.kind is Kind.MILESTONE else ""),
    )
    dropdown.add(progress_cells)
    ws.add_data_validation(dropdown)
    for unit, cells in numeric_actuals.items():
        example = "type 92.5 for 92.5%" if unit == "%" else "for example 120 or 3.5"
        number_rule = DataValidation(
            type="decimal", operator="between", formula1="-1E+15", formula2="1E+15", allow_blank=True,
            showErrorMessage=True, showInputMessage=True, errorTitle="Actual",
            error=f"The Actual must be a number ({example}). If it cannot be reported, choose N/A and "
                  "say why.",
            promptTitle="Actual", prompt=f"The figure for this quarter, a number only: {example}.",
        )
        for cell in cells:
            number_rule.add(cell)
        ws.add_data_validation(number_rule)
    _traffic_formatting(ws, progress_cells)
    return sheet.name, f"${check_letter}${FIRST_ROW}:${check_letter}${last}", len(rows)


def _narrative(ws: Worksheet, team: Team, period: Period) -> tuple[str, str, int]:
    letters = layout.NARRATIVE_LETTERS
    check_letter = column_letter(len(NARRATIVE_FIELDS) + 1)
    width = sum(f.width for f in NARRATIVE_FIELDS) + CHECK_WIDTH
    _put(ws, f"A{TITLE_ROW}", f"Narrative: {team.name} ({team.code}), {period.label}", font=TITLE_FONT)
    _hint(ws, "Optional. One key development or emerging issue per row: choose its Type, give it a short "
              "Title and write the Text. Leave unused rows empty.", check_letter, width)
    for letter, field in zip(letters, NARRATIVE_FIELDS, strict=True):
        ws.column_dimensions[letter].width = field.width
    ws.column_dimensions[check_letter].width = CHECK_WIDTH
    headers = [(letter, f.header, f.is_input, f.width)
               for letter, f in zip(letters, NARRATIVE_FIELDS, strict=True)]
    headers.append((check_letter, "Check", False, CHECK_WIDTH))
    _headers(ws, headers)
    ws.freeze_panes = f"A{FIRST_ROW}"
    # one page: the free rows are a form, and at full size the last one spilled onto a page of its own
    _print_setup(ws, repeat=True, one_page=True)

    last = FIRST_ROW + layout.NARRATIVE_ROWS - 1
    a, b, c = (layout.narrative_letter(key) for key in ("type", "title", "text"))
    for row in range(FIRST_ROW, last + 1):
        for letter, field in zip(letters, NARRATIVE_FIELDS, strict=True):
            cell = ws[f"{letter}{row}"]
            cell.protection = UNLOCKED
            cell.fill = INPUT_FILL
            cell.alignment = WRAP_TOP if field.wrap else TOP
            cell.border = BOX
        typed = ",".join(f'{a}{row}="{t}"' for t in layout.NARRATIVE_TYPES)
        check = ws[f"{check_letter}{row}"]
        check.value = (
            f'=IF(AND(TRIM({a}{row})="",TRIM({b}{row})="",TRIM({c}{row})=""),"",'
            f'IF(OR({typed}),IF(TRIM({b}{row})="","{NEED_TITLE}",IF(TRIM({c}{row})="","{NEED_TEXT}","")),'
            f'"{NEED_TYPE}"))'
        )
        check.font = CHECK_FONT
        check.alignment = WRAP_TOP
        check.border = BOX
        ws.row_dimensions[row].height = 3 * LINE_HEIGHT
    types = DataValidation(type="list", formula1='"' + ",".join(layout.NARRATIVE_TYPES) + '"',
                           allow_blank=True, showErrorMessage=True, errorTitle="Type",
                           error=f"Choose {' or '.join(layout.NARRATIVE_TYPES)}.")
    types.add(f"{a}{FIRST_ROW}:{a}{last}")
    ws.add_data_validation(types)
    return ws.title, f"${check_letter}${FIRST_ROW}:${check_letter}${last}", layout.NARRATIVE_ROWS


def _signoff(ws: Worksheet, plan: Plan, team: Team, period: Period) -> tuple[str, str, int]:
    value = SIGNOFF_VALUE_COLUMN
    label = column_letter(column_number(value) - 1)
    check_letter = column_letter(column_number(value) + 1)
    _put(ws, f"A{TITLE_ROW}", f"Sign-off: {team.name} ({team.code}), {period.label}", font=TITLE_FONT)
    _hint(ws, "Complete this when the return is finished.", check_letter, 4 + 44 + 60 + CHECK_WIDTH)
    ws.column_dimensions["A"].width = 4
    ws.column_dimensions[label].width = 44
    ws.column_dimensions[value].width = 60
    ws.column_dimensions[check_letter].width = CHECK_WIDTH
    _headers(ws, [(label, "Sign-off", False, 44), (value, "Your entry", True, 60),
                  (check_letter, "Check", False, CHECK_WIDTH)])
    _print_setup(ws, repeat=False)

    statement = plan.settings.get("assurance_statement", "") or (
        "I confirm that the information in this return is accurate, complete and has been checked.")
    _put(ws, f"{label}{layout.SIGNOFF_STATEMENT_ROW}", "Data-quality statement", font=_font(bold=True),
         alignment=WRAP_TOP, border=BOX)
    _put(ws, f"{value}{layout.SIGNOFF_STATEMENT_ROW}", statement, alignment=WRAP_TOP, border=BOX)
    ws.row_dimensions[layout.SIGNOFF_STATEMENT_ROW].height = _height([(statement, 60)])

    rows = [c.row for c in SIGNOFF_CELLS] + [layout.SIGNOFF_STATEMENT_ROW]
    for item in SIGNOFF_CELLS:
        _put(ws, f"{label}{item.row}", item.label, font=_font(bold=True), alignment=WRAP_TOP, border=BOX)
        cell = ws[f"{value}{item.row}"]
        cell.protection = UNLOCKED
        cell.fill = INPUT_FILL
        cell.border = BOX
        cell.alignment = Alignment(horizontal="left", vertical="top")
        ws.row_dimensions[item.row].height = 1.5 * LINE_HEIGHT
        if item.key == "date":
            cell.number_format = DATE_FORMAT
            when = DataValidation(type="date", operator="between", formula1="36526", formula2="73415",
                                  allow_blank=True, showErrorMessage=True, showInputMessage=True,
                                  errorTitle="Date", error="Type a date, for example 15/07/2008.",
                                  promptTitle="Date",
                                  prompt="The date you completed the return, e.g. 15/07/2008.")
            when.add(cell.coordinate)
            ws.add_data_validation(when)
        if item.choices:
            pick = DataValidation(type="list", formula1='"' + ",".join(item.choices) + '"', allow_blank=True,
                                  showErrorMessage=True, errorTitle=item.label,
                                  error=f"Choose {' or '.join(item.choices)}.")
            pick.add(cell.coordinate)
            ws.add_data_validation(pick)
        need = SIGNOFF_NEEDS.get(item.key)
        if need:
            ref = f"{value}{item.row}"
            ws[f"{check_letter}{item.row}"].value = (checks.yes_check(ref, need) if item.choices
                                                     else f'=IF(TRIM({ref})<>"","","{need}")')
    first, last = min(rows), max(rows)
    for row in range(first, last + 1):
        check = ws[f"{check_letter}{row}"]
        check.font = CHECK_FONT
        check.alignment = WRAP_TOP
        check.border = BOX
    return ws.title, f"${check_letter}${first}:${check_letter}${last}", last - first + 1


def _identity(ws: Worksheet, team: Team, period: Period, fingerprint: str, generated_at: datetime,
              sheets: list[tuple[ItemSheet, list[Row]]], token: str) -> None:
    keys = [(sheet.name, number, row.key, row.values[sheet.ref_field])
            for sheet, rows in sheets for number, row in enumerate(rows, start=FIRST_ROW)]
    values = {
        "format_version": layout.FORMAT_VERSION,
        "team": team.code,
        "team_name": team.name,
        "period": period.label,
        "register_fingerprint": fingerprint,
        "generated_at": generated_at.isoformat(),
        "item_count": len(keys),
        "team_token": token,
    }
    for name in layout.IDENTITY_FIELDS:
        _value(ws[f"{layout.IDENTITY_NAME_COLUMN}{layout.identity_row(name)}"], name)
        _value(ws[layout.identity_cell(name)], values[name])
    letters = layout.identity_keys_letters()
    for letter, header in zip(letters, layout.IDENTITY_KEYS_COLUMNS, strict=True):
        _value(ws[f"{letter}{layout.IDENTITY_KEYS_HEADER_ROW}"], header)
    for number, entry in enumerate(keys, start=layout.IDENTITY_KEYS_HEADER_ROW + 1):
        for letter, value in zip(letters, entry, strict=True):
            _value(ws[f"{letter}{number}"], value)
    ws.sheet_state = "veryHidden"  # cannot be unhidden from Excel's menus


# --------------------------------------------------------------------------------------- helpers

def _status_formula(checks: Iterable[tuple[str, str, int]]) -> str:
    """Problems = non-empty check cells everywhere. `n - COUNTIF(range,"")` counts them the same way in
    Excel, LibreOffice and Excel Online (COUNTIF "" matches blanks and formulas giving "")."""
    parts = [f"({count}-COUNTIF('{sheet}'!{cells},\"\"))" for sheet, cells, count in checks]
    total = "+".join(parts) or "0"
    return f'=IF({total}=0,"{layout.READY}",IF({total}=1,"1 problem",{total}&" problems"))'


def _status_cell(ws: Worksheet, formula: str) -> None:
    cell = ws[f"{STATUS_COLUMN}{STATUS_ROW}"]
    cell.value = formula
    # Span enough columns that the coloured cell holds "12 problems" (column A is narrow on some sheets).
    span, width = 1, ws.column_dimensions[STATUS_COLUMN].width or 8.43
    while width < 20 and span < 6:
        span += 1
        width += ws.column_dimensions[column_letter(span)].width or 8.43
    if span > 1:
        ws.merge_cells(f"{cell.coordinate}:{column_letter(span)}{STATUS_ROW}")
    cell.font = STATUS_FONT
    cell.alignment = Alignment(vertical="center")
    ws.row_dimensions[STATUS_ROW].height = 1.5 * LINE_HEIGHT
    ref = cell.coordinate
    for operator, fill, font in (("equal", "C6EFCE", "006100"), ("notEqual", "FFC7CE", "9C0006")):
        ws.conditional_formatting.add(ref, CellIsRule(
            operator=operator, formula=[f'"{layout.READY}"'],
            fill=PatternFill("solid", fgColor=fill, bgColor=fill), font=Font(bold=True, color=font)))


def _traffic_formatting(ws: Worksheet, cells: str) -> None:
    """Colour Progress cells as the clerk picks and show the status's symbol before the word (a number
    format in the rule, so the value stays the word); Excel's "equal" is case-insensitive, as intended."""
    for number, status in enumerate(REPORTABLE):
        fill, font = colours.STATUS_FILLS[status], colours.STATUS_FONTS[status]
        # dxf number formats carry their own ids; 300+ stays clear of the workbook's cell formats
        shown = NumberFormat(numFmtId=300 + number, formatCode=colours.symbol_format(status))
        ws.conditional_formatting.add(cells, Rule(
            type="cellIs", operator="equal", formula=[f'"{status.value}"'],
            dxf=DifferentialStyle(fill=PatternFill("solid", fgColor=fill, bgColor=fill),
                                  font=Font(bold=True, color=font), numFmt=shown)))


def _headers(ws: Worksheet, headers: list[tuple[str, str, bool, int]]) -> None:
    for letter, text, is_input, _width in headers:
        _put(ws, f"{letter}{HEADER_ROW}", text, font=HEADER_FONT,
             fill=INPUT_HEADER_FILL if is_input else HEADER_FILL, border=BOX,
             alignment=Alignment(wrap_text=True, vertical="center", horizontal="center"))
    needed = _height([(text, width - 1) for _, text, _, width in headers])
    ws.row_dimensions[HEADER_ROW].height = max(2 * LINE_HEIGHT, needed)


def _hint(ws: Worksheet, text: str, last_letter: str, width: int) -> None:
    """One line of guidance under the status line, across the sheet's columns."""
    row = STATUS_ROW + 1
    _put(ws, f"A{row}", text, alignment=WRAP_TOP, font=_font(italic=True, color="404040"))
    ws.merge_cells(f"A{row}:{last_letter}{row}")
    ws.row_dimensions[row].height = _height([(text, width)])


def _print_setup(ws: Worksheet, *, repeat: bool, one_page: bool = False) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1 if one_page else 0  # 0: as many pages tall as needed
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = False
    ws.page_margins.left = ws.page_margins.right = 0.5
    if repeat:
        ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.oddFooter.left.text = "&A"
    ws.oddFooter.right.text = "Page &P of &N"


def _put(ws: Worksheet, ref: str, value: object, *, font: Font | None = None, fill: PatternFill | None = None,
         alignment: Alignment | None = None, border: Border | None = None) -> None:
    cell = ws[ref]
    _value(cell, value)
    if font:
        cell.font = font
    if fill:
        cell.fill = fill
    if alignment:
        cell.alignment = alignment
    if border:
        cell.border = border


def _value(cell, value: object) -> None:
    """Write register or return text as text, never as a formula (`=cmd|...` is an attack)."""
    if value is None or value == "":
        cell.value = None
        return
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"
        return
    cell.value = value


def _height(texts: Iterable[tuple[str, float]]) -> float:
    """Row height for wrapped text: openpyxl cannot measure, and Excel does not refit rows on open."""
    lines = 1
    for text, width in texts:
        if not text:
            continue
        per_line = max(1.0, width * 1.1)
        count = sum(max(1, math.ceil(len(part) / per_line)) for part in str(text).split("\n"))
        lines = max(lines, count)
    return lines * LINE_HEIGHT


def _now() -> datetime:
    return datetime.now().astimezone().replace(microsecond=0)  # local time, with its UTC offset


def _write_distribution(path: Path, rows: list[tuple[str, Team]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(DISTRIBUTION_COLUMNS)
    for file_name, team in rows:
        writer.writerow((team.code, team.name, team.clerk_name, team.clerk_email, file_name))
    write_atomic(path, lambda tmp: tmp.write_text(buffer.getvalue(), encoding="utf-8"))


def _save(book: Workbook, path: Path) -> None:
    write_atomic(path, book.save)


