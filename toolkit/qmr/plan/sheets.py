"""Reading one register sheet into located rows: its cells (surviving cells calamine cannot read),
its header row matched to the layout's columns, and the rows that have something in them."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from operator import itemgetter
from pathlib import Path

from python_calamine import CalamineWorkbook

from qmr.calamine_errors import is_reading_failure, silenced_panics
from qmr.cells import column_letter
from qmr.normalise import is_blank
from qmr.plan.layout import (
    EQUALITY,
    INDICATORS,
    MILESTONES,
    OBJECTIVES,
    RISKS,
    SETTINGS,
    TEAMS,
    Column,
    Sheet,
    header_key,
)
from qmr.plan.problems import Findings
from qmr.plan.rows import Row, plain_text

# Sheets without which there is no plan at all; the others only add to it.
REQUIRED_SHEETS = (TEAMS.name, OBJECTIVES.name, MILESTONES.name, INDICATORS.name)

# Columns without which a row means nothing: a blank one skips the row. Other required columns are
# defaulted (with an error) so that one missing e-mail address does not lose a whole team.
ROW_KEYS: dict[str, tuple[str, ...]] = {
    TEAMS.name: ("code",),
    OBJECTIVES.name: ("ref", "team"),
    MILESTONES.name: ("objective_ref", "text"),
    INDICATORS.name: ("ref", "team"),
    RISKS.name: ("objective_ref", "measures"),
    EQUALITY.name: ("action", "team"),
    SETTINGS.name: ("name",),
}

# Optional columns whose absence changes every row: one finding at the header row (its problem here)
# says what follows and what to add; the rows then say nothing more about the missing column.
OPTIONAL_MATTERS: dict[str, dict[str, str]] = {
    INDICATORS.name: {
        "polarity": "polarity-column-missing",
        "frequency": "frequency-column-missing",
        "profile": "profile-column-missing",
        "annual_target": "annual-target-column-missing",
    },
    MILESTONES.name: {"due": "due-column-missing"},
    EQUALITY.name: {"target_date": "target-date-column-missing"},
}


def headers(sheet: Sheet) -> str:
    """The sheet's header row as a list for findings: Code, Name, ..."""
    return ", ".join(c.header for c in sheet.columns)


def _grid_by_rows(book: CalamineWorkbook, actual: str) -> tuple[list[list[object]], list[int]]:
    """The sheet's cells from A1, as `to_python(skip_empty_area=False)` gives them, read row by row,
    and the (1-based) numbers of the rows calamine could not convert.

    calamine panics on some values (-1e20 in a date-formatted cell) and, read as a whole, loses the
    sheet; its row iterator fails on exactly the bad row and then carries on with the next one.
    """
    sheet = book.get_sheet_by_name(actual)
    if sheet.end is None:
        return [], []
    last_row, last_col = sheet.end
    read: list[list[object] | None] = []
    rows = iter(sheet.iter_rows())
    for _ in range(last_row + 2):  # every step reads or fails on one row: bounded even if calamine loops
        try:
            values = next(rows)
        except StopIteration:
            break
        except BaseException as exc:
            if not is_reading_failure(exc):
                raise
            read.append(None)
            continue
        read.append(list(values))
    offset = max(0, last_row + 1 - len(read))  # some calamine versions start at the first row with data
    grid: list[list[object]] = [[] for _ in range(offset)]
    bad = []
    for number, values in enumerate(read, start=offset + 1):
        if values is None:
            bad.append(number)
            grid.append([])
        else:
            grid.append([None] * max(0, last_col + 1 - len(values)) + values)
    return grid, bad


def _recover_rows(path: Path, actual: str, numbers: list[int]) -> dict[int, tuple[list[object], list[str]]]:
    """Rows calamine could not read, read with openpyxl instead: each row's values from column A and
    the cells it could not read either (Excel shows them as #####); {} when openpyxl fails too."""
    import openpyxl  # only on this rare path: calamine reads every register that is well formed

    recovered: dict[int, tuple[list[object], list[str]]] = {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about the very cell reported here
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            try:
                worksheet = book[actual]
                for number in numbers:
                    values: list[object] = []
                    unreadable = []
                    for cells in worksheet.iter_rows(min_row=number, max_row=number, min_col=1):
                        for index, cell in enumerate(cells, start=1):
                            value = getattr(cell, "value", None)
                            if getattr(cell, "data_type", "") == "e":
                                unreadable.append(f"{column_letter(index)}{number}")
                                value = None
                            values.append(value)
                    recovered[number] = (values, unreadable)
            finally:
                book.close()
    except Exception:  # openpyxl cannot read it either: the rows are reported as lost
        return {}
    return recovered


def _sheet_grid(
    book: CalamineWorkbook, path: Path, actual: str, sheet: Sheet, out: Findings
) -> list[list[object]] | None:
    """The sheet's cells from A1 (None, with an error, when it cannot be read at all); a cell neither
    reader can convert costs its value (or at worst its row), never the sheet, and is reported where it is."""
    try:
        with silenced_panics():
            try:
                return book.get_sheet_by_name(actual).to_python(skip_empty_area=False)
            except BaseException as exc:  # including calamine's panics on impossible dates
                if not is_reading_failure(exc):
                    raise
            grid, bad = _grid_by_rows(book, actual)
    except BaseException as exc:
        if not is_reading_failure(exc):
            raise
        out.add("sheet-unreadable", sheet.name, actual=actual, reason=str(exc)[:200])
        return None
    recovered = _recover_rows(path, actual, bad) if bad else {}
    for number in bad:
        if number not in recovered:
            out.add("row-unreadable", sheet.name, f"{number}:{number}", number=number)
            continue
        values, unreadable = recovered[number]
        grid[number - 1] = values
        for cell in unreadable:
            out.add("cell-unreadable", sheet.name, cell, cell=cell)
    return grid


def read_sheet(book: CalamineWorkbook, path: Path, actual: str, sheet: Sheet, out: Findings) -> list[Row]:
    """The sheet's data rows, by column key; [] (with an error) when a row-key column is missing."""
    grid = _sheet_grid(book, path, actual, sheet, out)
    if grid is None:
        return []
    header_at = next((i for i, row in enumerate(grid) if any(not is_blank(v) for v in row)), None)
    if header_at is None:
        if sheet.name in REQUIRED_SHEETS:
            out.add("sheet-empty", sheet.name, "A1", sheet=sheet.name, headers=headers(sheet))
        return []
    header_row = header_at + 1
    positions = _columns(grid[header_at], header_row, sheet, out)
    letters = {key: column_letter(index + 1) for key, index in positions.items()}
    if not _usable(letters, header_row, sheet, out):
        return []
    rows = []
    keys, pick = tuple(positions), _picker(tuple(positions.values()))
    for number, raw in enumerate(grid[header_at + 1 :], start=header_row + 1):
        # blanks (a cell of spaces too) as None: inlined is_blank, as this runs for every cell
        values = [None if isinstance(v, str) and not v.strip() else v for v in pick(raw)]
        if values.count(None) < len(values):  # cell values are never == None unless None
            rows.append(Row(sheet.name, number, dict(zip(keys, values, strict=True)), letters))
    for key, problem in OPTIONAL_MATTERS.get(sheet.name, {}).items():
        if rows and key not in letters:
            _column_missing(out, problem, sheet, sheet.column(key), header_row)
    return rows


def _picker(indices: tuple[int, ...]) -> Callable[[list[object]], Sequence[object]]:
    """What picks the cells at `indices` out of a grid row (None past its end), built once per sheet."""
    last = max(indices, default=-1)
    whole = itemgetter(*indices) if len(indices) > 1 else lambda raw: tuple(raw[i] for i in indices)

    def pick(raw: list[object]) -> Sequence[object]:
        if len(raw) > last:
            return whole(raw)  # type: ignore[no-any-return]
        return [raw[i] if i < len(raw) else None for i in indices]

    return pick


def _columns(header: list[object], header_row: int, sheet: Sheet, out: Findings) -> dict[str, int]:
    """Each known column's key and its index in the header row (headers matched loosely)."""
    by_key: dict[str, Column] = {}
    for col in sheet.columns:
        by_key[header_key(col.header)] = col
        by_key[header_key(col.key)] = col
    positions: dict[str, int] = {}
    ignored = []
    for index, value in enumerate(header):
        if is_blank(value):
            continue
        col = by_key.get(header_key(value))
        letter = column_letter(index + 1)
        if col is None:
            ignored.append(f"{plain_text(value)} ({letter})")
        elif col.key in positions:
            out.add("header-duplicate", sheet.name, f"{letter}{header_row}", header=col.header, letter=letter)
        else:
            positions[col.key] = index
    if ignored:
        out.add("header-ignored", sheet.name, f"{header_row}:{header_row}", ignored=", ".join(ignored))
    return positions


def _usable(letters: dict[str, str], header_row: int, sheet: Sheet, out: Findings) -> bool:
    """Whether every row-key column is there; reports each missing required column."""
    usable = True
    for col in sheet.columns:
        if col.required and col.key not in letters:
            skips = col.key in ROW_KEYS.get(sheet.name, ())
            _column_missing(out, "row-key-column-missing" if skips else "column-missing", sheet, col, header_row)
            usable = usable and not skips
    return usable


def _column_missing(out: Findings, problem: str, sheet: Sheet, col: Column, header_row: int) -> None:
    out.add(problem, sheet.name, f"{header_row}:{header_row}", header=col.header, row=header_row, note=col.note)
