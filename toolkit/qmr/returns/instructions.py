"""The return's first sheet: who it is for and by when, how to fill it in, and what each traffic light
means for this period."""

from __future__ import annotations

from datetime import date

from openpyxl.styles import PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from qmr import statuses as colours
from qmr.model import Kind, Plan, Status, Team
from qmr.period import Period
from qmr.returns import layout
from qmr.returns.checks import EXPLAINED_WORDS
from qmr.returns.layout import HEADER_ROW, STATUS_ROW, TITLE_ROW, ItemSheet, Row
from qmr.returns.style import (
    BOX,
    HEADER_FILL,
    HEADER_FONT,
    HEADING_FONT,
    NOTE_FONT,
    TITLE_FONT,
    TOP,
    WRAP_TOP,
    font,
    print_setup,
    put,
    row_height,
)


def write_instructions(ws: Worksheet, plan: Plan, team: Team, period: Period, due: date,
                       sheets: list[tuple[ItemSheet, list[Row]]], prefilled: bool) -> None:
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 55
    ws.column_dimensions["C"].width = 55
    put(ws, f"A{TITLE_ROW}", f"Quarterly monitoring return: {team.name} ({team.code}), {period.label}",
        font=TITLE_FONT)
    put(ws, f"B{STATUS_ROW}", "This line says Ready to send once every sheet is complete.", font=NOTE_FONT)
    email = plan.settings.get("contact_email", "")
    row = _facts(ws, HEADER_ROW, plan, team, period, due)
    row = _how_to(ws, row + 1, _steps(sheets, period, due, email, prefilled))
    _traffic_lights_table(ws, row + 1, period)
    print_setup(ws, repeat=False, one_page=True)


def _facts(ws: Worksheet, row: int, plan: Plan, team: Team, period: Period, due: date) -> int:
    """Who the return is from and for, and by when, from `row`; the row after them."""
    settings = plan.settings
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
        put(ws, f"A{row}", label, font=font(bold=True))
        put(ws, f"B{row}", value, font=font(bold=label == "Return by"))
        ws.merge_cells(f"B{row}:C{row}")
        row += 1
    return row


def _how_to(ws: Worksheet, row: int, steps: list[str]) -> int:
    """The numbered steps from `row`; the row after them."""
    put(ws, f"A{row}", "How to fill in this return", font=HEADING_FONT)
    row += 1
    for number, step in enumerate(steps, start=1):
        text = f"{number}. {step}"
        put(ws, f"A{row}", text, alignment=WRAP_TOP)
        ws.merge_cells(f"A{row}:C{row}")
        ws.row_dimensions[row].height = row_height([(text, 134)])  # A:C together
        row += 1
    return row


def _traffic_lights_table(ws: Worksheet, row: int, period: Period) -> None:
    put(ws, f"A{row}", "Traffic lights: what each Progress status means", font=HEADING_FONT)
    row += 1
    columns = ("Status", "Milestones and objectives", "Performance indicators")
    for letter, text in zip("ABC", columns, strict=True):
        put(ws, f"{letter}{row}", text, font=HEADER_FONT, fill=HEADER_FILL, border=BOX)
    row += 1
    for status, milestone, indicator in _traffic_lights(period):
        fill, font_colour = colours.STATUS_FILLS[Status(status)], colours.STATUS_FONTS[Status(status)]
        put(ws, f"A{row}", colours.label(Status(status)), font=font(bold=True, color=font_colour),
            fill=PatternFill("solid", fgColor=fill), border=BOX, alignment=TOP)
        put(ws, f"B{row}", milestone, alignment=WRAP_TOP, border=BOX)
        put(ws, f"C{row}", indicator, alignment=WRAP_TOP, border=BOX)
        ws.row_dimensions[row].height = row_height([(milestone, 55), (indicator, 55)])
        row += 1
    rule = ("At year end (Q4) a milestone is either achieved (Green) or not achieved (Red): Amber is not "
            "allowed." + (" This is the year-end return." if period.year_end else ""))
    put(ws, f"A{row}", rule, alignment=WRAP_TOP, font=font(bold=period.year_end))
    ws.merge_cells(f"A{row}:C{row}")
    ws.row_dimensions[row].height = row_height([(rule, 130)])


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
