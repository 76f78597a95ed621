"""The master's reference sheets: the Traffic lights legend, and the Validation and Sources tables
that officers and scripts filter and load (the Data table is data.py's)."""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO

from xlsxwriter.utility import xl_range
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from qmr.findings import sorted_findings
from qmr.model import Finding, Kind, SourceRecord, Status
from qmr.publish.master.rows import RowSheet
from qmr.publish.master.styles import (
    ARROWS,
    Styles,
    add_status_lights,
    fitted_height,
    print_setup,
    set_columns,
    write_title,
)
from qmr.statuses import STATUS_SYMBOLS, definition, label

TABLE_STYLE = "Table Style Light 9"
FINDING_HEADERS = ("Severity", "File", "Sheet", "Cell", "Team", "Message", "Action", "Code")
SOURCE_HEADERS = ("File", "Team", "SHA-256", "Size (bytes)", "Modified (UTC)", "Outcome", "Reason")


def add_table(sheet: Worksheet, name: str, headers: Sequence[str], last_row: int) -> None:
    """Make A1 to the end of `last_row` (the header row, then the body already written) an Excel table.

    XlsxWriter refuses add_table in constant_memory mode (it writes the header cells itself, maybe after
    later rows; upstream will not change that), and would index every cell of the range. So the
    table's definition is made by add_table itself, on a one-row table in a throwaway in-memory
    sheet (its checks of the name and headers apply), then stretched over the real rows, whose
    header cells this module writes first."""
    scratch = Workbook(BytesIO(), {"in_memory": True}).add_worksheet()
    last_col = len(headers) - 1
    if scratch.add_table(0, 0, 1, last_col, {
        "name": name, "style": TABLE_STYLE, "columns": [{"header": h} for h in headers],
    }) != 0:
        raise ValueError(f"XlsxWriter refused the table {name!r}")
    table = scratch.tables[0]
    cells = xl_range(0, 0, max(last_row, 1), last_col)  # Excel wants at least one body row, even blank
    table.update({"range": cells, "a_range": cells, "autofilter": cells})
    sheet.tables.append(table)


def write_headers(sheet: Worksheet, headers: Sequence[str]) -> None:
    """The table's header row, as add_table would write it (plain cells: the table style draws them)."""
    for col, header in enumerate(headers):
        sheet.write_string(0, col, header)


def finish_table(sheet: Worksheet, name: str, headers: Sequence[str], last_row: int, widths: Sequence[float],
            styles: Styles, footer: str, status_col: int | None = None) -> None:
    add_table(sheet, name, headers, last_row)
    set_columns(sheet, widths)
    sheet.freeze_panes(1, 0)
    if status_col is not None:
        add_status_lights(sheet, styles, 1, last_row, status_col)
    print_setup(sheet, footer, 0)


def _table(sheet: RowSheet, name: str, headers: Sequence[str], rows: Sequence[Sequence[object]],
           widths: Sequence[float], styles: Styles, footer: str) -> None:
    """An Excel table at A1 of wrapped text, each row as tall as its text; cells written one by one
    by type: add_table's own `data` option goes through write(), which would turn a text '=1+1' into a
    formula."""
    write_headers(sheet, headers)
    for r, values in enumerate(rows, start=1):
        sheet.set_row(r, fitted_height(zip(values, widths, [False] * len(values), strict=True)))
        sheet.write_cells(r, values, styles.prose)
    finish_table(sheet, name, headers, len(rows), widths, styles, footer)


def write_validation(sheet: RowSheet, findings: Sequence[Finding], styles: Styles, footer: str) -> None:
    """Every finding in the findings report's order: rejected, errors, warnings, notes, then by team,
    file, sheet and cell (the consolidator passes them as found)."""
    ordered = sorted_findings(findings)
    rows = [(f.severity.value, f.file, f.sheet, f.cell, f.team, f.message, f.action, f.code) for f in ordered]
    _table(sheet, "qmr_findings", FINDING_HEADERS, rows, (10, 30, 12, 7, 10, 60, 45, 16), styles, footer)
    for severity, dxf in styles.severity_dxf.items():
        sheet.conditional_format(1, 0, max(len(rows), 1), 0, {
            "type": "cell", "criteria": "==", "value": f'"{severity}"', "format": dxf,
        })


def write_sources(sheet: RowSheet, sources: Sequence[SourceRecord], styles: Styles, footer: str) -> None:
    rows = [(s.file, s.team, s.sha256, s.size, s.modified, s.outcome, s.reason) for s in sources]
    _table(sheet, "qmr_sources", SOURCE_HEADERS, rows, (40, 10, 22, 11, 20, 11, 50), styles, footer)


AS_BEFORE = "As Q1-Q3."  # a legend cell whose meaning is the Q1-Q3 milestone one


def legend_rows() -> list[tuple[Status, str, str, str]]:
    """(status, milestones Q1-Q3, milestones at year end, PIs), from the one wording in statuses.py."""
    rows = []
    for status in Status:
        milestone = definition(status, Kind.MILESTONE, year_end=False)
        year_end = definition(status, Kind.MILESTONE, year_end=True)
        indicator = definition(status, Kind.INDICATOR)
        shown = milestone
        if status is Status.MISSING:  # the master can say where the rejections are listed
            shown = f"{milestone.removesuffix('.')} (see the Validation sheet)."
        rows.append((status, shown, AS_BEFORE if year_end == milestone else year_end,
                     AS_BEFORE if indicator == milestone else indicator))
    return rows

LEGEND_WIDTHS = (12, 8, 38, 34, 38)
DIRECTIONS = (
    ("better", "Better than the same quarter last year, taking polarity into account: higher for "
     "'higher is better', lower for 'lower is better', nearer the target for 'closest to target'. "
     "Shown with the figure and quarter the arrow was computed from, e.g. 5.6 (2014/15 Q3)."),
    ("same", "The same as the same quarter last year (the figure shown with the arrow)."),
    ("worse", "Worse than the same quarter last year (the figure shown with the arrow), taking polarity "
     "into account."),
    ("", "No arrow: the reason is given instead, e.g. no 2014/15 Q3 figure in history, or no figure "
     "this quarter to compare."),
)
NOTES = (
    "The status shown is the one the team reported. Where actual, target, polarity and profile allow, qmr "
    "also computes a status itself (auto_status on the Data sheet); a disagreement is listed on the "
    "Validation sheet, the reported status stays.",
    "Last year's outturn is the register's figure for last year as a whole. Direction of travel compares "
    "this quarter with the same quarter last year as the history file holds it (compared_period and "
    "compared_actual on the Data sheet), so the two figures can differ.",
    "The long trend (trend on the Data sheet) compares the latest value with the average of the last four.",
    "Risk control measures and high-priority equality actions are reported at Q2 and Q4 only; an annual PI "
    "only at Q4.",
    "Each status has a symbol of its own shape as well as a colour, so it reads in black and white and to "
    "a screen reader. The colours and symbols are conditional formats on the Status column: they stay "
    "with their rows when a sheet is sorted or filtered, and the cell's value stays the word.",
)


def write_legend(sheet: Worksheet, styles: Styles, period: str, year_end: bool, footer: str) -> None:
    write_title(sheet, styles, "What the traffic lights mean", period,
                "Year end: milestones are Green (achieved) or Red (not achieved)." if year_end else "")
    set_columns(sheet, LEGEND_WIDTHS)
    header = 4
    for col, name in enumerate(("Status", "Symbol", "Milestones and objectives (Q1 to Q3)",
                                "Milestones at year end (Q4)", "Performance indicators")):
        sheet.write_string(header, col, name, styles.header)
    row = header + 1
    for status, milestone, year_end_text, indicator in legend_rows():
        sheet.write_string(row, 0, label(status), styles.status_fill[status])
        sheet.write_string(row, 1, STATUS_SYMBOLS[status], styles.center)
        for col, text in enumerate((milestone, year_end_text, indicator), start=2):
            sheet.write_string(row, col, text, styles.text)
        texts = (milestone, year_end_text, indicator)
        sheet.set_row(row, fitted_height(zip(texts, LEGEND_WIDTHS[2:], (False,) * 3, strict=True)))
        row += 1

    row += 1
    for col in range(1, len(LEGEND_WIDTHS)):
        sheet.write_blank(row, col, None, styles.heading)
    sheet.write_string(row, 0, "Direction of travel (PIs)", styles.heading)
    row += 1
    for word, meaning in DIRECTIONS:
        sheet.write_string(row, 0, ARROWS.get(word, "(blank)"), styles.label)
        sheet.merge_range(row, 2, row, 4, "", styles.prose)
        sheet.write_string(row, 2, meaning, styles.prose)
        sheet.set_row(row, fitted_height([(meaning, sum(LEGEND_WIDTHS[2:]), False)]))
        row += 1

    row += 1
    for col in range(1, len(LEGEND_WIDTHS)):
        sheet.write_blank(row, col, None, styles.heading)
    sheet.write_string(row, 0, "Notes", styles.heading)
    row += 1
    for note in NOTES:
        sheet.merge_range(row, 0, row, 4, "", styles.prose)
        sheet.write_string(row, 0, note, styles.prose)
        sheet.set_row(row, fitted_height([(note, sum(LEGEND_WIDTHS), False)]))
        row += 1
    print_setup(sheet, footer, None)
