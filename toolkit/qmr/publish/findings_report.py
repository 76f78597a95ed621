"""The findings report an officer reads after `qmr validate`: one xlsx table and the same rows as CSV.

The order of findings (qmr.findings) is shared with the feedback copies, so an officer and a clerk
see problems in the same order.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import xlsxwriter

from qmr.atomic import write_bytes_atomic
from qmr.findings import csv_safe, sorted_findings
from qmr.model import Finding
from qmr.publish.master.styles import fitted_height, print_setup
from qmr.statuses import SEVERITY_COLOURS

REPORT_SHEET = "Findings"
REPORT_TABLE = "Findings"
REPORT_COLUMNS = ("severity", "team", "file", "sheet", "cell", "message", "action", "code")

# Fixed document date, so the same findings give byte-identical files (XlsxWriter already fixes the
# zip entry times when writing in memory).
FIXED_CREATED = datetime(2000, 1, 1)

EXCEL_MAX_TEXT = 32767  # characters a cell can hold

# Width caps per column: long messages wrap instead of making the sheet unreadably wide.
_WIDTH_CAPS = {"severity": 10, "team": 16, "file": 40, "sheet": 18, "cell": 9, "message": 70,
               "action": 55, "code": 24}
_WRAPPED = ("file", "message", "action")  # a path wraps too: cut, it names no file

# Control characters XML cannot hold; text from returns may carry them and they would break the file.
_ILLEGAL_XML = re.compile(r"[\000-\010\013\014\016-\037]")


def clean_text(value: object) -> str:
    """Text safe to put in a cell: a string, without XML-illegal control characters, not too long."""
    text = "" if value is None else str(value)
    return _ILLEGAL_XML.sub("", text)[:EXCEL_MAX_TEXT]


def report_rows(findings: Sequence[Finding]) -> list[tuple[str, ...]]:
    """The report's rows, sorted, as cleaned text, in REPORT_COLUMNS order."""
    return [
        tuple(clean_text(getattr(f, name)) for name in REPORT_COLUMNS) for f in sorted_findings(findings)
    ]


def write_findings_report(findings: Sequence[Finding], path: Path) -> tuple[Path, Path]:
    """Write the findings as an xlsx table at `path` and as CSV at `path.with_suffix('.csv')`.

    Both are written atomically; the same findings (in any order) give byte-identical files.
    Returns (xlsx path, csv path).
    """
    path = Path(path)
    rows = report_rows(findings)
    csv_path = path.with_suffix(".csv")
    write_bytes_atomic(path, _xlsx_bytes(rows))
    write_bytes_atomic(csv_path, _csv_bytes(rows))
    return path, csv_path


def _xlsx_bytes(rows: list[tuple[str, ...]]) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False, "strings_to_numbers": False})
    workbook.set_properties({"title": "qmr findings", "created": FIXED_CREATED})
    sheet = workbook.add_worksheet(REPORT_SHEET)
    # 10pt Arial like the master, the font fitted_height measures wrapped text in
    base = {"font_name": "Arial", "font_size": 10, "valign": "top"}
    wrap = workbook.add_format({**base, "text_wrap": True})
    top = workbook.add_format(base)
    severity_formats = {
        severity.value: workbook.add_format({**base, "bg_color": bg, "font_color": fg, "bold": True})
        for severity, (bg, fg) in SEVERITY_COLOURS.items()
    }

    # An Excel table needs at least one data row; with no findings it holds one empty row.
    last_row = max(len(rows), 1)
    sheet.add_table(0, 0, last_row, len(REPORT_COLUMNS) - 1, {
        "name": REPORT_TABLE,
        "style": "Table Style Light 9",
        "autofilter": True,
        "columns": [{"header": name} for name in REPORT_COLUMNS],
    })
    for number, row in enumerate(rows, start=1):
        for column, (name, value) in enumerate(zip(REPORT_COLUMNS, row, strict=True)):
            if name == "severity":
                cell_format = severity_formats.get(value, top)
            else:
                cell_format = wrap if name in _WRAPPED else top
            sheet.write_string(number, column, value, cell_format)

    widths = [min(max([len(name)] + [len(row[column]) for row in rows]) + 2, _WIDTH_CAPS[name])
              for column, name in enumerate(REPORT_COLUMNS)]
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    for number, row in enumerate(rows, start=1):
        # LibreOffice does not re-fit row heights on opening: without them wrapped rows overlap in print
        sheet.set_row(number, fitted_height((value, width, False) for value, width, name
                                            in zip(row, widths, REPORT_COLUMNS, strict=True) if name in _WRAPPED))
    sheet.freeze_panes(1, 0)
    print_setup(sheet, "qmr findings report", 0)
    workbook.close()
    return buffer.getvalue()


def _csv_bytes(rows: list[tuple[str, ...]]) -> bytes:
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(REPORT_COLUMNS)
    for row in rows:
        writer.writerow([csv_safe(value) for value in row])
    # The BOM tells Excel the file is UTF-8 (else it guesses the ANSI code page and mangles £, é).
    return text.getvalue().encode("utf-8-sig")


