"""The return's sheets after the instructions: one per item kind, the Narrative, the Sign-off, and the
hidden identity sheet the reader recognises the return by. Each clerk sheet gives back its Check
range, (sheet, range, cells in it), for the status line (checks.status_formula)."""

from __future__ import annotations

from datetime import datetime

from openpyxl.styles import Alignment
from openpyxl.worksheet.worksheet import Worksheet

from qmr.cells import column_letter, column_number
from qmr.model import Indicator, Kind, Plan, Team
from qmr.period import Period
from qmr.returns import checks, layout
from qmr.returns.checks import EXPLAINED_WORDS, SIGNOFF_NEEDS
from qmr.returns.layout import (
    FIRST_ROW,
    NARRATIVE_FIELDS,
    SIGNOFF_CELLS,
    SIGNOFF_VALUE_COLUMN,
    TITLE_ROW,
    ItemSheet,
    Row,
)
from qmr.returns.protection import choice_list, date_rule, input_cell, number_rule
from qmr.returns.style import (
    BOX,
    CHECK_WIDTH,
    DATE_FORMAT,
    LINE_HEIGHT,
    NOTE_FONT,
    TITLE_FONT,
    TOP,
    WRAP_TOP,
    check_cell,
    font,
    headers,
    hint,
    look,
    print_setup,
    put,
    row_height,
    text_value,
    traffic_formatting,
)

CheckRange = tuple[str, str, int]  # (sheet, check range, cells in it)

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


def item_sheet(ws: Worksheet, sheet: ItemSheet, rows: list[Row], period: Period, team: Team,
               indicators: tuple[Indicator, ...], previous: dict[str, str]) -> CheckRange | None:
    """Write an item sheet; return its check range for the status line (None when it has no rows)."""
    _item_sheet_head(ws, sheet, period, team)
    if not rows:
        put(ws, f"A{FIRST_ROW}", f"Nothing to report on {sheet.name.lower()} for {period.label}.", font=NOTE_FONT)
        return None

    numeric = {i.ref: i for i in indicators if i.numeric}  # a text PI's Actual is free text
    choices = layout.progress_choices(sheet, period)
    progress = sheet.letter("progress")
    commentary = sheet.letter("commentary")
    actual = sheet.letter("actual") if any(f.key == "actual" for f in sheet.fields) else None
    numeric_actuals: dict[str, list[str]] = {}  # unit -> cells, for one decimal validation per unit

    last = FIRST_ROW + len(rows) - 1
    for number, row in enumerate(rows, start=FIRST_ROW):
        _item_cells(ws, sheet, number, row, previous)
        indicator = numeric.get(str(row.values.get("ref", ""))) if sheet.kind is Kind.INDICATOR else None
        needs_actual = actual is not None and indicator is not None
        if indicator is not None and needs_actual:
            numeric_actuals.setdefault(indicator.unit, []).append(f"{actual}{number}")
        check = ws[f"{sheet.check_letter}{number}"]
        check.value = checks.row_check(number, progress, commentary, actual if needs_actual else None,
                                       choices, layout.done_counts(sheet))
        check_cell(check)
        texts = [(str(row.values.get(f.key) or ""), f.width) for f in sheet.fields if f.wrap]
        texts.append((previous.get(row.key, ""), layout.COMMENTARY.width))
        ws.row_dimensions[number].height = max(2 * LINE_HEIGHT, row_height(texts))

    progress_cells = f"{progress}{FIRST_ROW}:{progress}{last}"
    no_amber = " No Amber at year end." if period.year_end and sheet.kind is Kind.MILESTONE else ""
    choice_list(ws, progress_cells, choices, "Progress", f"Choose one of: {', '.join(choices)}.",
                prompt=f"Choose {', '.join(choices)}." + no_amber)
    for unit, cells in numeric_actuals.items():
        number_rule(ws, cells, unit)
    traffic_formatting(ws, progress_cells)
    return sheet.name, f"${sheet.check_letter}${FIRST_ROW}:${sheet.check_letter}${last}", len(rows)


def _item_sheet_head(ws: Worksheet, sheet: ItemSheet, period: Period, team: Team) -> None:
    """Title, hint, column widths and headers, frozen panes and print setup of an item sheet."""
    check_letter = sheet.check_letter
    put(ws, f"A{TITLE_ROW}", f"{sheet.name}: {team.name} ({team.code}), {period.label}", font=TITLE_FONT)
    text = SHEET_HINTS[sheet.kind] + (YEAR_END_HINT if period.year_end and sheet.kind is Kind.MILESTONE else "")
    hint(ws, text, check_letter, sum(f.width for f in sheet.fields) + CHECK_WIDTH)
    for field in sheet.fields:
        ws.column_dimensions[sheet.letter(field.key)].width = field.width
    ws.column_dimensions[check_letter].width = CHECK_WIDTH
    columns = [(sheet.letter(f.key), f.header, f.is_input, f.width) for f in sheet.fields]
    columns.append((check_letter, "Check", False, CHECK_WIDTH))
    headers(ws, columns)
    ws.freeze_panes = f"A{FIRST_ROW}"
    print_setup(ws, repeat=True)


def _item_cells(ws: Worksheet, sheet: ItemSheet, number: int, row: Row, previous: dict[str, str]) -> None:
    """One item's row: the register's columns as locked text, the clerk's columns open, last quarter's
    commentary where there is one."""
    for field in sheet.fields:
        cell = ws[sheet.cell(field.key, number)]
        alignment = WRAP_TOP if field.wrap else TOP
        if field.is_input:
            input_cell(cell, alignment)
        else:
            text_value(cell, row.values.get(field.key))
            look(cell, alignment=alignment, border=BOX)
    if row.key in previous:
        text_value(ws[f"{sheet.letter('commentary')}{number}"], previous[row.key])


def narrative(ws: Worksheet, team: Team, period: Period) -> CheckRange:
    letters = layout.NARRATIVE_LETTERS
    check_letter = column_letter(len(NARRATIVE_FIELDS) + 1)
    width = sum(f.width for f in NARRATIVE_FIELDS) + CHECK_WIDTH
    put(ws, f"A{TITLE_ROW}", f"Narrative: {team.name} ({team.code}), {period.label}", font=TITLE_FONT)
    hint(ws, "Optional. One key development or emerging issue per row: choose its Type, give it a short "
             "Title and write the Text. Leave unused rows empty.", check_letter, width)
    for letter, field in zip(letters, NARRATIVE_FIELDS, strict=True):
        ws.column_dimensions[letter].width = field.width
    ws.column_dimensions[check_letter].width = CHECK_WIDTH
    columns = [(letter, f.header, f.is_input, f.width) for letter, f in zip(letters, NARRATIVE_FIELDS, strict=True)]
    columns.append((check_letter, "Check", False, CHECK_WIDTH))
    headers(ws, columns)
    ws.freeze_panes = f"A{FIRST_ROW}"
    # one page: the free rows are a form, and at full size the last one spilled onto a page of its own
    print_setup(ws, repeat=True, one_page=True)

    last = FIRST_ROW + layout.NARRATIVE_ROWS - 1
    a, b, c = (layout.narrative_letter(key) for key in ("type", "title", "text"))
    for row in range(FIRST_ROW, last + 1):
        for letter, field in zip(letters, NARRATIVE_FIELDS, strict=True):
            input_cell(ws[f"{letter}{row}"], WRAP_TOP if field.wrap else TOP)
        check = ws[f"{check_letter}{row}"]
        check.value = checks.narrative_check(row, a, b, c)
        check_cell(check)
        ws.row_dimensions[row].height = 3 * LINE_HEIGHT
    choice_list(ws, f"{a}{FIRST_ROW}:{a}{last}", layout.NARRATIVE_TYPES, "Type",
                f"Choose {' or '.join(layout.NARRATIVE_TYPES)}.")
    return ws.title, f"${check_letter}${FIRST_ROW}:${check_letter}${last}", layout.NARRATIVE_ROWS


def signoff(ws: Worksheet, plan: Plan, team: Team, period: Period) -> CheckRange:
    value = SIGNOFF_VALUE_COLUMN
    label = column_letter(column_number(value) - 1)
    check_letter = column_letter(column_number(value) + 1)
    put(ws, f"A{TITLE_ROW}", f"Sign-off: {team.name} ({team.code}), {period.label}", font=TITLE_FONT)
    hint(ws, "Complete this when the return is finished.", check_letter, 4 + 44 + 60 + CHECK_WIDTH)
    ws.column_dimensions["A"].width = 4
    ws.column_dimensions[label].width = 44
    ws.column_dimensions[value].width = 60
    ws.column_dimensions[check_letter].width = CHECK_WIDTH
    headers(ws, [(label, "Sign-off", False, 44), (value, "Your entry", True, 60),
                 (check_letter, "Check", False, CHECK_WIDTH)])
    print_setup(ws, repeat=False)

    statement = plan.settings.get("assurance_statement", "") or (
        "I confirm that the information in this return is accurate, complete and has been checked.")
    put(ws, f"{label}{layout.SIGNOFF_STATEMENT_ROW}", "Data-quality statement", font=font(bold=True),
        alignment=WRAP_TOP, border=BOX)
    put(ws, f"{value}{layout.SIGNOFF_STATEMENT_ROW}", statement, alignment=WRAP_TOP, border=BOX)
    ws.row_dimensions[layout.SIGNOFF_STATEMENT_ROW].height = row_height([(statement, 60)])

    for item in SIGNOFF_CELLS:
        _signoff_entry(ws, item, label, value, check_letter)
    rows = [c.row for c in SIGNOFF_CELLS] + [layout.SIGNOFF_STATEMENT_ROW]
    first, last = min(rows), max(rows)
    for row in range(first, last + 1):
        check_cell(ws[f"{check_letter}{row}"])
    return ws.title, f"${check_letter}${first}:${check_letter}${last}", last - first + 1


def _signoff_entry(ws: Worksheet, item: layout.SignoffCell, label: str, value: str, check_letter: str) -> None:
    """One sign-off line: its label, the clerk's cell (a date, a Yes, or text) and its check."""
    put(ws, f"{label}{item.row}", item.label, font=font(bold=True), alignment=WRAP_TOP, border=BOX)
    cell = ws[f"{value}{item.row}"]
    input_cell(cell, Alignment(horizontal="left", vertical="top"))
    ws.row_dimensions[item.row].height = 1.5 * LINE_HEIGHT
    if item.key == "date":
        cell.number_format = DATE_FORMAT
        date_rule(ws, cell.coordinate)
    if item.choices:
        choice_list(ws, cell.coordinate, item.choices, item.label, f"Choose {' or '.join(item.choices)}.")
    need = SIGNOFF_NEEDS.get(item.key)
    if need:
        ref = f"{value}{item.row}"
        ws[f"{check_letter}{item.row}"].value = (checks.yes_check(ref, need) if item.choices
                                                 else f'=IF(TRIM({ref})<>"","","{need}")')


def identity(ws: Worksheet, team: Team, period: Period, fingerprint: str, generated_at: datetime,
             sheets: list[tuple[ItemSheet, list[Row]]], token: str) -> None:
    """The very hidden sheet that says which return this is, and which row holds which item."""
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
        text_value(ws[f"{layout.IDENTITY_NAME_COLUMN}{layout.identity_row(name)}"], name)
        text_value(ws[layout.identity_cell(name)], values[name])
    letters = layout.identity_keys_letters()
    for letter, header in zip(letters, layout.IDENTITY_KEYS_COLUMNS, strict=True):
        text_value(ws[f"{letter}{layout.IDENTITY_KEYS_HEADER_ROW}"], header)
    for number, entry in enumerate(keys, start=layout.IDENTITY_KEYS_HEADER_ROW + 1):
        for letter, value in zip(letters, entry, strict=True):
            text_value(ws[f"{letter}{number}"], value)
    ws.sheet_state = "veryHidden"  # cannot be unhidden from Excel's menus
