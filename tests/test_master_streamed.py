"""The master is written in XlsxWriter's constant_memory mode, where a write to a row above the
newest one is dropped without a word. These tests write the same consolidation with and without
constant_memory and compare everything a reader sees, so a writer that goes back a row fails here;
they compare the rows the master writes whole (rows.RowSheet) with the same rows written cell by
cell through XlsxWriter, byte for byte, hostile text included; and they check the streamed master
is byte-identical whatever the time zone or umask."""

from __future__ import annotations

import os
import time
import zipfile
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xlsxwriter.workbook import Workbook

from qmr.model import Consolidation, Movement, Mover, Status
from qmr.publish import master
from qmr.publish.master import BOOK_OPTIONS, write_master
from qmr.publish.master.rows import RowSheet
from qmr.publish.master.styles import fitted_height, wrapped_lines
from test_master import _empty_consolidation, make_consolidation

pytestmark = pytest.mark.filterwarnings("ignore:Sparkline Group extension:UserWarning")


class CellByCell(RowSheet):
    direct = False  # write_cells through XlsxWriter's own write_string / write_number / write_blank


def _write(consolidation: Consolidation, path: Path, constant_memory: bool,
           sheet_class: type[RowSheet] = RowSheet) -> Path:
    book = Workbook(str(path), {**BOOK_OPTIONS, "constant_memory": constant_memory})
    master._build(book, consolidation, sheet_class)
    book.close()
    return path


def _seen(path: Path) -> dict[str, object]:
    """Every cell's value and look, row heights and outline levels, merges, tables, conditional
    formats, print titles and panes, sheet by sheet."""
    book = openpyxl.load_workbook(path)
    seen: dict[str, object] = {}
    for sheet in book:
        cells = {}
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None or cell.has_style:
                    cells[cell.coordinate] = (cell.value, cell.number_format, cell.font.b, cell.font.sz,
                                              cell.fill.fgColor.rgb, cell.alignment.wrap_text,
                                              cell.border.top.style)
        rows = {n: (d.height, d.outlineLevel) for n, d in sheet.row_dimensions.items()
                if d.height is not None or d.outlineLevel}
        columns = {k: d.width for k, d in sheet.column_dimensions.items()}
        seen[sheet.title] = {
            "cells": cells, "rows": rows, "columns": columns,
            "merged": sorted(str(r) for r in sheet.merged_cells.ranges),
            "tables": {name: (t.ref, [c.name for c in t.tableColumns], t.tableStyleInfo.name)
                       for name, t in ((t.name, t) for t in sheet.tables.values())},
            "conditional": sorted(str(r.sqref) for r in sheet.conditional_formatting),
            "filter": sheet.auto_filter.ref, "panes": sheet.freeze_panes,
            "titles": sheet.print_title_rows, "charts": len(sheet._charts),
        }
    return seen


def _with_movers() -> Consolidation:
    plain = make_consolidation()
    moved = (Movement.WORSE, Movement.BETTER, Movement.CHANGED, Movement.NEW)
    movers = tuple(Mover(item, moved[n % len(moved)], "2008/09 Q1", Status.GREEN, "Was on course.\nStill is.")
                   for n, item in enumerate(plain.items[:12]))
    return replace(plain, movers=movers, has_history=True)


def _hostile(escape_like: bool = True) -> Consolidation:
    """Text that is more than itself in a cell's XML: control characters, a literal _xHHHH_, XML's
    own characters, space at either end, non-characters, a text over Excel's limit, characters
    beyond U+FFFF at the limit, a NaN figure, a flag."""
    plain = make_consolidation()
    # openpyxl decodes the _x005F_ that keeps a literal _x0041_ literal in a shared string, not in an
    # inline one: that text is left out where a master in memory is the reference
    literal = "a literal _x0041_ and _X00a9_" if escape_like else "no literal escape"
    texts = ["tab\tbell\x07 nul\x00 esc\x1b end\x1f", literal, 'x < y & "z" > w\n',
             "  leading and trailing  ", "\ufffe\uffff non-characters", "z" * 40000,
             "\U0001F600" * 16384, "\n starts on a new line", "ends with a newline\n", "€ £ é ß 中文"]
    items = list(plain.items)
    for n, text in enumerate(texts):
        items[n] = replace(items[n], commentary=text, title=text[:300], team_name=text[:50])
    indicator = next(n for n, i in enumerate(items) if i.kind.value == "indicator")
    items[indicator] = replace(items[indicator], actual=float("nan"), previous_actual=float("inf"), key=True)
    return replace(plain, items=tuple(items))


INDEXES = ("[Content_Types].xml", "xl/_rels/workbook.xml.rels")  # these list sharedStrings.xml
CASES = {"plain": make_consolidation, "Q3, no risks": lambda: make_consolidation("2008/09 Q3"),
         "movers": _with_movers, "nothing due": _empty_consolidation, "hostile text": _hostile}


@pytest.mark.parametrize("name", CASES)
def test_streamed_master_matches_one_written_in_memory(tmp_path: Path, name: str) -> None:
    consolidation = _hostile(escape_like=False) if name == "hostile text" else CASES[name]()
    streamed_path = _write(consolidation, tmp_path / "streamed.xlsx", constant_memory=True)
    in_memory_path = _write(consolidation, tmp_path / "in-memory.xlsx", constant_memory=False)
    streamed, in_memory = _seen(streamed_path), _seen(in_memory_path)
    assert streamed.keys() == in_memory.keys()
    for sheet in streamed:
        assert streamed[sheet] == in_memory[sheet], sheet
    # the parts beside the sheets' cells (charts with their cached figures, drawings, tables, styles)
    # are the same bytes: only the cells' strings move inline, out of the shared string table
    with zipfile.ZipFile(streamed_path) as one, zipfile.ZipFile(in_memory_path) as other:
        assert set(other.namelist()) - set(one.namelist()) == {"xl/sharedStrings.xml"}
        for part in one.namelist():
            if not part.startswith("xl/worksheets/sheet") and part not in INDEXES:
                assert one.read(part) == other.read(part), part


@pytest.mark.parametrize("name", CASES)
def test_rows_written_whole_are_the_bytes_xlsxwriter_writes_cell_by_cell(tmp_path: Path, name: str) -> None:
    consolidation = CASES[name]()
    whole = _write(consolidation, tmp_path / "whole.xlsx", constant_memory=True)
    by_cell = _write(consolidation, tmp_path / "by-cell.xlsx", constant_memory=True, sheet_class=CellByCell)
    with zipfile.ZipFile(whole) as one, zipfile.ZipFile(by_cell) as other:
        assert one.namelist() == other.namelist()
        for part in one.namelist():
            assert one.read(part) == other.read(part), part


def test_text_shaped_like_rich_text_stays_text(tmp_path: Path) -> None:
    """XlsxWriter copies a string that starts '<r>' and ends '</r>' into the XML as rich text, so a
    clerk's commentary could inject markup; written whole, it is text like any other."""
    plain = make_consolidation()
    markup = "<r><t>injected</t></r></c></row><row r=\"9\"></r>"
    items = (replace(plain.items[0], commentary=markup), *plain.items[1:])
    path = write_master(replace(plain, items=items), tmp_path / "master.xlsx")
    data = openpyxl.load_workbook(path)["Data"]
    column = [c.value for c in data[1]].index("commentary") + 1
    assert data.cell(2, column).value == markup


def test_streamed_master_is_the_same_bytes_in_any_time_zone_and_umask(tmp_path: Path) -> None:
    consolidation = make_consolidation()
    written = []
    original_tz, original_umask = os.environ.get("TZ"), os.umask(0o022)
    try:
        for number, (zone, umask) in enumerate((("UTC", 0o022), ("Pacific/Auckland", 0o077),
                                                ("America/St_Johns", 0o002))):
            os.environ["TZ"] = zone
            time.tzset()
            os.umask(umask)
            written.append(write_master(consolidation, tmp_path / str(number) / "master.xlsx").read_bytes())
    finally:
        os.umask(original_umask)
        if original_tz is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = original_tz
        time.tzset()
    assert written[0] == written[1] == written[2]


def test_one_line_shortcut_counts_lines_as_the_wrap_does() -> None:
    """wrapped_lines answers 1 for a short text without wrapping it; texts at the edge of a line,
    with slashes (a break after each), spaces and newlines, must still count as the wrap counts."""
    for text in ("a" * 12, "a" * 13, "ab/cd/ef/gh", "ab/ cd/ef", "a\\b\\c\\d\\e", "word " * 3, " lead",
                 "a  b  c  d  e", "one\ntwo", "x/" * 7, "abcdefghij/k", "abcdefghijk/", "/" * 13):
        for width in (8, 9, 10, 11):
            capacity = int(width * 1.25)
            assert wrapped_lines(text, width) == _greedy(text, capacity), (text, width)
    assert fitted_height([("short", 30, False)]) is None


@settings(max_examples=400, deadline=None)
@given(text=st.text(alphabet="ab /\\\n", max_size=60), width=st.integers(min_value=1, max_value=12),
       bold=st.booleans())
def test_line_count_is_the_plain_greedy_wrap(text: str, width: int, bold: bool) -> None:
    assert wrapped_lines(text, width, bold) == _greedy(text, max(1, int(width * 1.25 * (0.88 if bold else 1))))


@settings(max_examples=400, deadline=None)
@given(text=st.text(alphabet="abc \n", max_size=240), width=st.integers(min_value=1, max_value=40))
def test_line_count_of_words_apart_by_spaces_is_the_plain_greedy_wrap(text: str, width: int) -> None:
    """Words one space apart (most commentary) are wrapped by searching for each line's last space:
    long words, double, leading and trailing spaces must count as the word-by-word wrap counts."""
    lines = _greedy(text, max(1, int(width * 1.25)))
    assert wrapped_lines(text, width) == lines
    assert fitted_height([(text, width, False), ("x", 1, True)]) == (None if lines <= 1 else 12.75 * lines + 3)


def _greedy(text: str, capacity: int) -> int:
    """The word wrap written out plainly: each line as full as words allow, a break after a slash."""
    import re

    lines = 0
    for paragraph in text.split("\n"):
        line = ""
        count = 1
        for word in re.split(r"(?<=[/\\]) *| ", paragraph):
            candidate = f"{line} {word}" if line else word
            if len(candidate) <= capacity:
                line = candidate
            elif line:
                count, line = count + 1, word
            else:
                line = word
            while len(line) > capacity:
                count, line = count + 1, line[capacity:]
        lines += count
    return lines


def test_a_lone_surrogate_is_written_as_the_replacement_character() -> None:
    # a file name of undecodable bytes (a Latin-1 name on a Linux share) arrives as \udcXX
    from qmr.publish.master.rows import _inline

    assert _inline("fin\udce9.xlsx") == "<is><t>fin\ufffd.xlsx</t></is>"
    _inline("fin\udce9.xlsx").encode("utf-8")


def test_rows_cannot_be_spliced_above_rows_already_written(tmp_path: Path) -> None:
    from qmr.publish.master.rows import scratch_sheet

    scratch = scratch_sheet(RowSheet, tmp_path / "rows.xml", BOOK_OPTIONS)
    scratch.write_cells(1, ["a", 1.5], None)
    laid_out = scratch.laid_out()
    assert laid_out.rows == (1, 1) and laid_out.columns == (0, 1)
    book = Workbook(str(tmp_path / "book.xlsx"), BOOK_OPTIONS)
    sheet = book.add_worksheet(worksheet_class=RowSheet)
    sheet.write_cells(3, ["below"], None)
    with pytest.raises(ValueError, match="from row 2 would go into or above row 5"):
        sheet.splice(laid_out)
    book.close()
