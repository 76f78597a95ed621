"""The consolidated table for scripts and BI tools: a pandas DataFrame, and the Data sheet as CSV.

The Data contract columns come first, then the rest of ReportedItem's fields, as on the master's
Data sheet.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from dataclasses import fields
from enum import Enum
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING

from qmr.atomic import write_atomic
from qmr.findings import csv_safe
from qmr.model import DATA_COLUMNS, ReportedItem, data_cell

if TYPE_CHECKING:
    import pandas as pd


def to_frame(items: Sequence[ReportedItem]) -> pd.DataFrame:
    """The consolidated table as a DataFrame: the Data contract columns first, then the rest."""
    import pandas as pd  # here, not at the top: every `qmr` command would pay for importing pandas
    return pd.DataFrame(_rows(items), columns=_columns())


def _columns() -> list[str]:
    return [*DATA_COLUMNS, *(f.name for f in fields(ReportedItem) if f.name not in DATA_COLUMNS)]


def _rows(items: Sequence[ReportedItem]) -> list[tuple[object, ...]]:
    return list(zip(*_table(items), strict=True))


def _table(items: Sequence[ReportedItem]) -> list[list[object]]:
    """The table column by column: each contract column as `ReportedItem.data_row` shows it, each
    other field with an enum as its text. Taken a column at a time: most columns hold only plain
    values (text, numbers, nothing), which need no look at each cell."""
    table = []
    for number, name in enumerate(_columns()):
        values = list(map(attrgetter(name), items))
        if not set(map(type, values)) <= _PLAIN_TYPES:
            values = list(map(data_cell if number < len(DATA_COLUMNS) else _plain, values))
        table.append(values)
    return table


_PLAIN_TYPES = {str, int, float, bool, type(None)}  # what data_cell and _plain give back as it is


def _plain(value: object) -> object:
    return value.value if isinstance(value, Enum) else value


def write_data_csv(items: Sequence[ReportedItem], path: Path) -> Path:
    """The Data table as CSV (UTF-8 with BOM, for Excel and BI tools), written atomically.

    Text that a spreadsheet would run as a formula gets a leading apostrophe, as in the findings CSV.
    Written with the csv module, as `to_frame(items).to_csv()` writes it (each column as pandas
    infers it: whole numbers, numbers with a decimal point, or text): importing pandas for it cost
    consolidate more than the writing."""
    return write_atomic(path, lambda temporary: write_data_csv_into(items, temporary))


def write_data_csv_into(items: Sequence[ReportedItem], path: Path) -> Path:
    """The same CSV written straight into `path`, not atomically: for a temporary the caller puts in
    place itself (publish.master.data writes it in a child process beside the master). A character
    with no UTF-8 form (a lone surrogate: a file name's undecodable byte) is written as "?"."""
    shown = [_column_text(values) for values in _table(items)]
    with open(path, "w", encoding="utf-8-sig", errors="replace", newline="") as handle:
        writer = csv.writer(handle, lineterminator=os.linesep)
        writer.writerow(_columns())
        writer.writerows(zip(*shown, strict=True))
    return path


def _column_text(values: list[object]) -> list[str]:
    """A column's cells as written, by what pandas makes of the column: int64 when every cell is a
    whole number, float64 when every filled one is a number (the blanks NaN), else text."""
    filled = [v for v in values if v is not None and v == v]  # NaN is blank
    if filled and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in filled):
        if len(filled) == len(values) and all(isinstance(v, int) for v in filled):
            return list(map(str, values))
        return ["" if v is None or v != v else repr(float(v)) for v in values]  # type: ignore[arg-type]
    if all(type(v) is str for v in values):  # most text columns: no blank, nothing but text
        return list(map(csv_safe, values))  # type: ignore[arg-type]
    return ["" if v is None else csv_safe(v) if isinstance(v, str) else str(v) for v in values]
