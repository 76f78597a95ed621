"""How the return workbook looks: fonts, fills, borders, row heights, headers, print setup, the
status line at the top of each sheet, and writing register text into a cell safely."""

from __future__ import annotations

import math
import weakref
from collections.abc import Iterable
from copy import copy

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.formatting.rule import CellIsRule, Rule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.styles.numbers import NumberFormat
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from qmr import statuses as colours
from qmr.cells import column_letter
from qmr.model import REPORTABLE
from qmr.returns import layout
from qmr.returns.layout import HEADER_ROW, STATUS_ROW

STATUS_COLUMN = "A"  # the "Ready to send" / "N problems" cell is STATUS_COLUMN + STATUS_ROW on each sheet
CHECK_WIDTH = 26
DATE_FORMAT = "dd/mm/yyyy"


def font(**style: object) -> Font:
    """Calibri throughout: without a name LibreOffice falls back to a serif face."""
    return Font(name="Calibri", **{"size": 11, **style})


# Pale yellow marks the cells a clerk fills in; traffic lights as the master shows them (statuses.py).
INPUT_FILL = PatternFill("solid", fgColor="FFF8D6")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
INPUT_HEADER_FILL = PatternFill("solid", fgColor="C65911")
HEADER_FONT = font(bold=True, color="FFFFFF")
TITLE_FONT = font(bold=True, size=14, color="1F4E78")
HEADING_FONT = font(bold=True, size=12, color="1F4E78")
STATUS_FONT = font(bold=True, size=12)
CHECK_FONT = font(color="C00000", italic=True)
NOTE_FONT = font(italic=True, color="595959")
THIN = Side(style="thin", color="BFBFBF")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center", horizontal="center")
HINT_FONT = font(italic=True, color="404040")

LINE_HEIGHT = 15.0  # points per line of 11pt text


def put(ws: Worksheet, ref: str, value: object, *, font: Font | None = None, fill: PatternFill | None = None,
        alignment: Alignment | None = None, border: Border | None = None) -> None:
    cell = ws[ref]
    text_value(cell, value)
    look(cell, font=font, fill=fill, alignment=alignment, border=border)


# Per workbook: (font, fill, alignment, border, protection) by identity -> the style those give a cell,
# and the objects themselves (kept, so no identity is reused while the workbook lives).
_LOOKS: weakref.WeakKeyDictionary[Workbook, dict[tuple[int, ...], tuple[object, tuple]]] = (
    weakref.WeakKeyDictionary())


def look(cell, *, font: Font | None = None, fill: PatternFill | None = None, alignment: Alignment | None = None,
         border: Border | None = None, protection: Protection | None = None) -> None:
    """Give an unstyled cell this font, fill, alignment, border and protection. openpyxl hashes each
    of them every time a cell is given one (a third of writing a template); the same combination is
    worked out once per workbook and copied, which gives the cell exactly the same style ids."""
    parts = (font, fill, alignment, border, protection)
    looks = _LOOKS.setdefault(cell.parent.parent, {})
    key = tuple(map(id, parts))
    fresh = not cell.has_style
    if fresh and key in looks:
        cell._style = copy(looks[key][0])
        return
    for name, part in zip(("font", "fill", "alignment", "border", "protection"), parts, strict=True):
        if part is not None:
            setattr(cell, name, part)
    if fresh:
        looks[key] = (copy(cell._style), parts)


def text_value(cell, value: object) -> None:
    """Write register or return text as text, never as a formula (`=cmd|...` is an attack)."""
    if value is None or value == "":
        cell.value = None
        return
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"
        return
    cell.value = value


def check_cell(cell) -> None:
    """A cell of a sheet's Check column: red italic, wrapped, boxed."""
    look(cell, font=CHECK_FONT, alignment=WRAP_TOP, border=BOX)


def row_height(texts: Iterable[tuple[str, float]]) -> float:
    """Row height for wrapped text: openpyxl cannot measure, and Excel does not refit rows on open."""
    lines = 1
    for text, width in texts:
        if not text:
            continue
        per_line = max(1.0, width * 1.1)
        count = sum(max(1, math.ceil(len(part) / per_line)) for part in str(text).split("\n"))
        lines = max(lines, count)
    return lines * LINE_HEIGHT


def headers(ws: Worksheet, columns: list[tuple[str, str, bool, int]]) -> None:
    """The header row: (letter, text, is the clerk's input, width) per column."""
    for letter, text, is_input, _width in columns:
        put(ws, f"{letter}{HEADER_ROW}", text, font=HEADER_FONT,
            fill=INPUT_HEADER_FILL if is_input else HEADER_FILL, border=BOX, alignment=HEADER_ALIGNMENT)
    needed = row_height([(text, width - 1) for _, text, _, width in columns])
    ws.row_dimensions[HEADER_ROW].height = max(2 * LINE_HEIGHT, needed)


def hint(ws: Worksheet, text: str, last_letter: str, width: int) -> None:
    """One line of guidance under the status line, across the sheet's columns."""
    row = STATUS_ROW + 1
    put(ws, f"A{row}", text, alignment=WRAP_TOP, font=HINT_FONT)
    ws.merge_cells(f"A{row}:{last_letter}{row}")
    ws.row_dimensions[row].height = row_height([(text, width)])


def print_setup(ws: Worksheet, *, repeat: bool, one_page: bool = False) -> None:
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


def status_cell(ws: Worksheet, formula: str) -> None:
    """The status line: `formula` (checks.status_formula), green when Ready to send, red otherwise."""
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
    for operator, fill, colour in (("equal", "C6EFCE", "006100"), ("notEqual", "FFC7CE", "9C0006")):
        ws.conditional_formatting.add(ref, CellIsRule(
            operator=operator, formula=[f'"{layout.READY}"'],
            fill=PatternFill("solid", fgColor=fill, bgColor=fill), font=Font(bold=True, color=colour)))


def traffic_formatting(ws: Worksheet, cells: str) -> None:
    """Colour Progress cells as the clerk picks and show the status's symbol before the word (a number
    format in the rule, so the value stays the word); Excel's "equal" is case-insensitive, as intended."""
    for number, status in enumerate(REPORTABLE):
        fill, colour = colours.STATUS_FILLS[status], colours.STATUS_FONTS[status]
        # dxf number formats carry their own ids; 300+ stays clear of the workbook's cell formats
        shown = NumberFormat(numFmtId=300 + number, formatCode=colours.symbol_format(status))
        ws.conditional_formatting.add(cells, Rule(
            type="cellIs", operator="equal", formula=[f'"{status.value}"'],
            dxf=DifferentialStyle(fill=PatternFill("solid", fgColor=fill, bgColor=fill),
                                  font=Font(bold=True, color=colour), numFmt=shown)))
