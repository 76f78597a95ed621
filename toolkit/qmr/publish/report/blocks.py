"""The document's building blocks: headings, paragraphs, and data tables whose header row is
marked and repeated, whose status cells carry symbol, word and fill, and whose caption names them.
Tables here only ever hold data (never layout), one header row on top."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from docx.document import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.shared import Pt, RGBColor
from docx.table import Table

from qmr.model import Status
from qmr.publish.report.docx_xml import keep_rows_whole, mark_header_row, set_caption, shade, xml_text
from qmr.publish.report.look import HEADER_FILL, status_colours, status_text

Cell = str | Status | None
TABLE_TEXT = Pt(10)


@dataclass(frozen=True)
class Column:
    header: str
    share: float  # of the page's text width


def heading(document: Document, text: str, level: int) -> None:
    document.add_heading(xml_text(text), level)


def paragraph(document: Document, text: str, *, style: str | None = None, italic: bool = False):
    para = document.add_paragraph(style=style)
    run = para.add_run(xml_text(text))
    run.italic = italic
    return para


def labelled(document: Document, label: str, value: str) -> None:
    """'Period: Quarter 4 to year-end 31 March 2009', the label in bold (the heading block)."""
    para = document.add_paragraph()
    para.add_run(xml_text(f"{label}: ")).bold = True
    para.add_run(xml_text(value))
    para.paragraph_format.space_after = Pt(2)


def data_table(document: Document, caption: str, columns: Sequence[Column], rows: Sequence[Sequence[Cell]],
               text_width: int) -> Table:
    """A table with a marked, repeating header row; a Status value is written as its symbol and word
    on its traffic-light fill."""
    table = document.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    set_caption(table, caption)
    header = table.rows[0]
    mark_header_row(header)
    keep_rows_whole(header)
    for cell, column in zip(header.cells, columns, strict=True):
        shade(cell, HEADER_FILL.lstrip("#"))
        run = cell.paragraphs[0].add_run(xml_text(column.header))
        run.bold = True
        run.font.size = TABLE_TEXT
        run.font.color.rgb = RGBColor.from_string("FFFFFF")
    for values in rows:
        row = table.add_row()
        keep_rows_whole(row)
        cells = row.cells
        for cell, value in zip(cells, values, strict=True):
            if isinstance(value, Status):
                fill, ink = status_colours(value)
                shade(cell, fill)
                run = cell.paragraphs[0].add_run(status_text(value))
                run.bold = True
                run.font.size = TABLE_TEXT
                run.font.color.rgb = RGBColor.from_string(ink)
            else:
                _write_lines(cell, xml_text(value))
    widths = [int(text_width * c.share / sum(c.share for c in columns)) for c in columns]
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width  # the grid, which LibreOffice lays out by
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width  # each cell's own width, which Word lays out by
    # Word joins two tables that touch; a small paragraph keeps them apart
    spacer = document.add_paragraph()
    spacer.paragraph_format.space_after = Pt(6)
    spacer.paragraph_format.line_spacing = Pt(6)
    return table


def _write_lines(cell, text: str) -> None:
    """Text with its line breaks kept as breaks within the cell's one paragraph."""
    lines = text.split("\n")
    run = cell.paragraphs[0].add_run(lines[0])
    run.font.size = TABLE_TEXT
    for line in lines[1:]:
        run.add_break()
        run.add_text(line)
