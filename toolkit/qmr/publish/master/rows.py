"""Whole rows of the master written straight into a constant_memory sheet's XML.

XlsxWriter spends about 8 microseconds on a cell (a checked write, a cell record, then escaping it
into XML when the row is flushed); a national master has millions of cells. `RowSheet.write_cells`
writes a row the master has worked out in full (its height and outline level set first) as one
string, the cells as XlsxWriter's constant_memory mode writes them: inline strings, control
characters as _xHHHH_, leading or trailing space preserved, text cut at Excel's 32,767 UTF-16 units.
It leans on the worksheet's internals (the row file, the row being built, its dimensions), so
tests/test_master_streamed.py compares every part of a master written this way with one written
cell by cell through XlsxWriter, byte for byte; an XlsxWriter that changes them fails there. One
difference, on purpose: XlsxWriter passes a string that starts with '<r>' and ends with '</r>' into
the XML as rich text; here it is text like any other.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from io import BytesIO
from pathlib import Path
from typing import Generic, TypeVar

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from qmr.background import Background, can_fork, in_background

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
_ESCAPE_LIKE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
# a lone surrogate (a file name of undecodable bytes arrives as \udcXX) has no UTF-8 form at all
_SURROGATE = re.compile("[\ud800-\udfff]")
TEXT_LIMIT = 32767  # UTF-16 units in a cell, Excel's limit


def _plain(text: str) -> bool:
    """Whether a (non-empty) text is its own inline string content: nothing to escape or cut, no
    space to preserve. Most are; anything unprintable (control characters, non-characters, and a
    few harmless ones) goes the careful way, _inline."""
    return (len(text) <= TEXT_LIMIT // 2 and text.isprintable() and "&" not in text and "<" not in text
            and ">" not in text and "_x" not in text and not text[0].isspace() and not text[-1].isspace())


def _inline(text: str) -> str:
    """A cell's text as an inline string element's content, as XlsxWriter writes it."""
    if len(text) > TEXT_LIMIT // 2 and len(text.encode("utf-16-le", "surrogatepass")) // 2 > TEXT_LIMIT:
        units = 0
        for index, char in enumerate(text):
            units += 2 if ord(char) > 0xFFFF else 1
            if units > TEXT_LIMIT:
                text = text[:index]
                break
    if _plain(text):
        return f"<is><t>{text}</t></is>"
    text = _SURROGATE.sub("\ufffd", text)
    # a literal _x0041_ keeps its meaning by escaping its underscore; control characters become _xHHHH_
    text = _ESCAPE_LIKE.sub(r"_x005F\1", text)
    text = _CONTROL.sub(lambda match: f"_x{ord(match.group()):04X}_", text)
    text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    preserve = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<is><t{preserve}>{text}</t></is>"


@dataclass(frozen=True)
class LaidOutRows:
    """Rows laid out ahead of their sheet (in a scratch sheet, maybe by another process): their XML in
    `path`, the first and last row and column holding a cell (None when none was written), and the
    deepest outline level among them."""

    path: Path
    rows: tuple[int, int] | None
    columns: tuple[int, int] | None
    outline_level: int = 0


def scratch_sheet(sheet_class: type[RowSheet], rows_file: Path, options: dict[str, object]) -> RowSheet:
    """A sheet of a workbook that is never saved, whose rows go into `rows_file` (the caller's), to be
    spliced into the real sheet later (RowSheet.splice): the rows are laid out exactly as the real
    sheet would lay them out, formats included (their style numbers must be fixed beforehand)."""
    sheet = Workbook(BytesIO(), {**options, "constant_memory": True}).add_worksheet(worksheet_class=sheet_class)
    sheet.discard_rows()  # its own temporary file of rows: this one writes into the caller's instead
    sheet.row_data_filename = str(rows_file)
    sheet.row_data_fh = sheet.fh = open(rows_file, "w", encoding="utf-8")  # noqa: SIM115 - closed by laid_out
    return sheet


T = TypeVar("T")


@dataclass(frozen=True)
class _LaidOut(Generic[T]):
    rows: LaidOutRows
    extra: T  # what lay_out returned besides the rows


def _lay_out_in(lay_out: Callable[[RowSheet], T], sheet_class: type[RowSheet], rows_file: Path,
                options: dict[str, object]) -> _LaidOut[T]:
    sheet = scratch_sheet(sheet_class, rows_file, options)
    extra = lay_out(sheet)
    return _LaidOut(sheet.laid_out(), extra)


# A forked child that reads every item bumps every object's reference count, which copies the page it
# lies on: at 200,000 items (20,000 returns) the child copied ~400 MB while the master was written.
# Above this many items the rows are written in their sheets (and the CSV after the master), as memory matters more.
BACKGROUND_MAX_ITEMS = 50_000


def beside_worth_it(sheet_class: type[RowSheet], items: int, *, streamed: bool) -> bool:
    """Whether a sheet's rows are worth laying out in a child process: a master streamed row by row,
    its rows written whole (not the tests' cell-by-cell reference), no more than BACKGROUND_MAX_ITEMS
    items, and a core to spare for it."""
    return streamed and sheet_class.direct and items <= BACKGROUND_MAX_ITEMS and can_fork()


class RowsBeside(Generic[T]):
    """Rows of one sheet laid out by a child process from the moment this is made, while this process
    writes the sheets before it: `lay_out` writes them into a scratch sheet (every format it uses must
    have its style number fixed before: Styles does) and returns what else its sheet needs (the next
    free row, the columns' widths). `splice_into` puts the rows in the real sheet when its turn comes.
    Without `fork` (no core to spare, or a batch too large to fork beside), lay_out writes into the
    real sheet then, the same bytes. `then` is more work for the same child once the rows are sent
    (or for this process, without one), whose result then_result gives."""

    def __init__(self, lay_out: Callable[[RowSheet], T], sheet_class: type[RowSheet],
                 options: dict[str, object], *, fork: bool, then: Callable[[], object] | None = None):
        # options: the workbook's (its temporary folder, and how strings are written)
        self._lay_out, self._then = lay_out, then
        self._rows_file: Path | None = None
        self._job: Background[_LaidOut[T]] | None = None
        if fork:
            handle, name = tempfile.mkstemp(suffix=".xml", dir=options.get("tmpdir"))  # type: ignore[arg-type]
            os.close(handle)
            self._rows_file = Path(name)
            self._job = in_background(_lay_out_in, lay_out, sheet_class, self._rows_file, options, then=then)

    def splice_into(self, sheet: RowSheet) -> T:
        """The rows into `sheet` (the rows above them written, nothing below); what lay_out returned."""
        if self._job is None or self._rows_file is None:
            return self._lay_out(sheet)
        try:
            laid_out = self._job.result()
            sheet.splice(laid_out.rows)
        finally:
            self._rows_file.unlink(missing_ok=True)
            if self._then is None:
                self._job = None
        return laid_out.extra

    def then_result(self) -> object:
        """The `then` work's result, once the rows are spliced: the child's, or done here now."""
        assert self._then is not None
        if self._job is None:
            return self._then()
        try:
            return self._job.then_result()
        finally:
            self._job = None

    def cancel(self) -> None:
        """The master failed: stop the child, and leave none of its files."""
        if self._job is not None:
            self._job.cancel()
            self._job = None
        if self._rows_file is not None:
            self._rows_file.unlink(missing_ok=True)


class RowSheet(Worksheet):
    """A worksheet that also takes whole rows (`write_cells`). `direct` off writes them cell by cell
    through XlsxWriter instead (the tests' reference)."""

    direct = True

    def discard_rows(self) -> None:
        """Remove the temporary file of rows written so far, if it is still there: XlsxWriter removes
        it when the workbook is closed, and never when the build fails before that."""
        name = getattr(self, "row_data_filename", None)
        if name is None:
            return
        if self.row_data_fh is not None:
            self.row_data_fh.close()
        Path(name).unlink(missing_ok=True)

    def laid_out(self) -> LaidOutRows:
        """A scratch sheet's rows, finished (the last one written out) and its file closed."""
        self._write_single_row(self.previous_row + 1)  # the row still held, if written cell by cell
        self.row_data_fh.close()
        rows = None if self.dim_rowmin is None else (self.dim_rowmin, self.dim_rowmax)
        columns = None if self.dim_colmin is None else (self.dim_colmin, self.dim_colmax)
        return LaidOutRows(Path(self.row_data_filename), rows, columns, self.outline_row_level)

    def splice(self, laid_out: LaidOutRows) -> None:
        """Put rows laid out in a scratch sheet here, below every row written so far, as if they had
        been written here one by one."""
        if laid_out.rows is None or laid_out.columns is None:
            return
        first, last = laid_out.rows
        if first < self.previous_row or (first == self.previous_row and self.table.get(first)):
            raise ValueError(f"rows from row {first + 1} would go into or above row {self.previous_row + 1}, "
                             "already begun")
        if any(first <= row <= last for row in self.row_info):  # their own heights are in their XML
            raise ValueError(f"rows {first + 1} to {last + 1} have heights set here, which splicing would lose")
        if first > self.previous_row:
            self._write_single_row(first)  # out goes the row before, as any write to a new row does
        with open(laid_out.path, encoding="utf-8") as rows:
            shutil.copyfileobj(rows, self.fh, 1 << 20)
        self._check_dimensions(first, laid_out.columns[0])
        self._check_dimensions(last, laid_out.columns[1])
        self.outline_row_level = max(self.outline_row_level, laid_out.outline_level)
        self.previous_row = last + 1  # as after the last of them was written whole

    def write_cells(self, row: int, values: Sequence[object], formats: Sequence[Format | None] | Format | None,
                    *, blanks: bool = True) -> None:
        """Row `row` from column A: each value by its Python type as styles.write_value writes it
        (never a formula: text stays text), in `formats` (one for the row, or one per column). An
        empty value is a formatted blank cell, or with `blanks` off no cell at all. Set the row's
        height and level first: the row is finished when this returns."""
        per_column = not isinstance(formats, Format) and formats is not None
        if not (self.direct and self.constant_memory) or row < self.previous_row or (
                row == self.previous_row and self.table.get(row)):
            self._cell_by_cell(row, values, formats, per_column, blanks)
            return
        if row > self.previous_row:
            self._write_single_row(row)  # out goes the row before, as any write to a new row does
        # the row number as text once, not formatted again for every cell
        number, letters, styles = str(row + 1), self._letters(len(values)), self.__dict__.setdefault("_styles", {})
        cells: list[str] = []
        first = last = -1  # the columns of the first and the last cell written
        for col, value in enumerate(values):
            fmt = formats[col] if per_column else formats
            kind = type(value)
            if kind is not str and isinstance(value, Enum):  # a status or a kind: its text
                value = value.value
                kind = type(value)
            if (value is None or (kind is str and not value)) and not (blanks and fmt is not None):
                continue  # nothing to show and no format to show: no cell
            # the common cells inline (text, a finite number, with a format): millions of them
            if (style := styles.get(id(fmt))) is not None:
                if kind is str:
                    if value and _plain(value):
                        cells.append(f'<c r="{letters[col]}{number}"{style} t="inlineStr"><is><t>{value}</t></is></c>')
                        first, last = col if first < 0 else first, col
                        continue
                elif (kind is float or kind is int) and math.isfinite(value):
                    cells.append(f'<c r="{letters[col]}{number}"{style}><v>{value:.16G}</v></c>')
                    first, last = col if first < 0 else first, col
                    continue
            cell = self._cell(row, col, value, fmt, blanks)
            if cell is not None:
                cells.append(cell[1])
                first, last = col if first < 0 else first, col
        if not cells:
            return
        if self._check_dimensions(row, first) or self._check_dimensions(row, last):
            return
        self._write_row(row, None, self.row_info.get(row))
        self.fh.write("".join(cells))
        self._xml_end_tag("row")
        # the row is written: the next write, to this row or the one below, starts a fresh one
        self.previous_row = row + 1

    def _cell(self, row: int, col: int, value: object, fmt: Format | None, blanks: bool) -> tuple[int, str] | None:
        """(col, the cell's XML), or None for no cell."""
        kind = type(value)
        if kind is not str and kind is not float and kind is not int and value is not None:
            if isinstance(value, Enum):
                value = value.value
            elif isinstance(value, bool):
                return col, (f'<c r="{self._column(col)}{row + 1}"{self._style(fmt, row, col)} t="b">'
                             f"<v>{int(value)}</v></c>")
            elif not isinstance(value, (int, float)):
                value = str(value)
            kind = type(value)
        if kind is str:
            if value:
                return col, (f'<c r="{self._column(col)}{row + 1}"{self._style(fmt, row, col)} t="inlineStr">'
                             f"{_inline(value)}</c>")
        elif value is not None:
            if math.isfinite(value):
                return col, f'<c r="{self._column(col)}{row + 1}"{self._style(fmt, row, col)}><v>{value:.16G}</v></c>'
            return self._cell(row, col, str(value), fmt, blanks)  # NaN or infinity, as its text
        if blanks and fmt is not None:
            return col, f'<c r="{self._column(col)}{row + 1}"{self._style(fmt, row, col)}/>'
        return None

    def _cell_by_cell(self, row: int, values: Sequence[object], formats: Sequence[Format | None] | Format | None,
                      per_column: bool, blanks: bool) -> None:
        from qmr.publish.master.styles import write_value

        for col, value in enumerate(values):
            if blanks or (value is not None and value != ""):
                write_value(self, row, col, value, formats[col] if per_column else formats)

    def _letters(self, count: int) -> list[str]:
        """Column letters A, B, ... for the first `count` columns."""
        letters = self.__dict__.setdefault("_column_letters", [])
        while len(letters) < count:
            letters.append(xl_col_to_name(len(letters)))
        return letters

    def _column(self, col: int) -> str:
        return self._letters(col + 1)[col]

    def _style(self, fmt: Format | None, row: int, col: int) -> str:
        """The cell's style attribute: its format's, else its row's or its column's (as XlsxWriter)."""
        if fmt is None:
            info = self.row_info.get(row)
            if info is not None and info.row_format:
                fmt = info.row_format
            elif col in self.col_info and self.col_info[col].column_format is not None:
                fmt = self.col_info[col].column_format
            else:
                return ""
        styles = self.__dict__.setdefault("_styles", {})
        key = id(fmt)
        if key not in styles:
            styles[key] = f' s="{fmt._get_xf_index()}"'
        return styles[key]
