"""What qmr is timed against, each run by the bench as its own process, as qmr is:

    python bench/peers.py floor  RETURNS_DIR OUT.xlsx   # calamine on every core + XlsxWriter
    python bench/peers.py pandas RETURNS_DIR OUT.xlsx   # an analyst's read_excel loop

The floor reads every cell of every sheet of every return with python-calamine in a process pool
(one worker per core) and writes the same rows with XlsxWriter: nothing that reads the returns and
writes what they hold can be faster. datamaps (a UK government tool for the same job) runs from its
own venv; `datamap_rows` gives it a datamap of the return's input cells.
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from qmr.returns import layout


def _cells(path: str) -> list[list[object]]:
    from python_calamine import CalamineWorkbook

    rows: list[list[object]] = []
    workbook = CalamineWorkbook.from_path(path)
    for name in workbook.sheet_names:
        for row in workbook.get_sheet_by_name(name).to_python(skip_empty_area=False):
            rows.append([value if isinstance(value, (int, float)) else str(value) for value in row])
    workbook.close()
    return rows


def floor(inbox: Path, out: Path) -> int:
    import xlsxwriter

    files = [str(p) for p in sorted(inbox.glob("*.xlsx"))]
    book = xlsxwriter.Workbook(str(out), {"constant_memory": True})
    sheet = book.add_worksheet("Data")
    number = 0
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        for rows in pool.map(_cells, files, chunksize=16):
            for row in rows:
                for column, value in enumerate(row):
                    if value != "":
                        sheet.write(number, column, value)
                number += 1
    book.close()
    return number


def pandas_loop(inbox: Path, out: Path) -> int:
    import pandas as pd

    frames = []
    for path in sorted(inbox.glob("*.xlsx")):
        for name, frame in pd.read_excel(path, sheet_name=None, header=None, engine="openpyxl").items():
            if name in (layout.MILESTONES.name, layout.INDICATORS.name):
                frames.append(frame.assign(source=path.name))
    table = pd.concat(frames, ignore_index=True).astype(str)
    table.to_excel(out, engine="xlsxwriter", index=False)
    return len(table)


def datamap_rows(rows: list[tuple[str, int, str]]) -> list[tuple[str, str, str, str]]:
    """(key, sheet, cell, type) for every cell a clerk fills in, and each row's ref, from the
    identity sheet's (sheet, row, key) rows of one return (every return of a shape has the same)."""
    sheets = {sheet.name: sheet for sheet in layout.ITEM_SHEETS}
    lines = []
    for sheet_name, row, _ in rows:
        sheet = sheets[sheet_name]
        fields = [sheet.ref_field] + [f.key for f in sheet.fields if f.is_input]
        for field in fields:
            kind = "NUMBER" if field == "actual" else "TEXT"
            lines.append((f"{sheet_name} row {row} {field}", sheet_name, sheet.cell(field, row), kind))
    for number in range(layout.FIRST_ROW, layout.FIRST_ROW + 2):
        for column, field in zip("ABC", layout.NARRATIVE_FIELDS, strict=True):
            lines.append((f"Narrative row {number} {field.key}", layout.NARRATIVE_SHEET, f"{column}{number}", "TEXT"))
    for cell in layout.SIGNOFF_CELLS:
        kind = "DATE" if cell.key == "date" else "TEXT"
        lines.append((f"Sign-off {cell.key}", layout.SIGNOFF_SHEET, f"{layout.SIGNOFF_VALUE_COLUMN}{cell.row}", kind))
    return lines


if __name__ == "__main__":
    what, inbox, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    count = {"floor": floor, "pandas": pandas_loop}[what](inbox, out)
    print(f"{what}: {count} rows")
