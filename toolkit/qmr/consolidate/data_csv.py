"""The consolidated table for scripts and BI tools: a pandas DataFrame, and the Data sheet as CSV.

The Data contract columns come first, then the rest of ReportedItem's fields, as on the master's
Data sheet.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Sequence
from dataclasses import fields
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from qmr.atomic import write_atomic
from qmr.findings import csv_safe
from qmr.model import DATA_COLUMNS, ReportedItem

if TYPE_CHECKING:
    import pandas as pd


def to_frame(items: Sequence[ReportedItem]) -> pd.DataFrame:
    """The consolidated table as a DataFrame: the Data contract columns first, then the rest."""
    import pandas as pd  # here, not at the top: every `qmr` command would pay for importing pandas
    return pd.DataFrame(_rows(items), columns=_columns())


def _columns() -> list[str]:
    return [*DATA_COLUMNS, *(f.name for f in fields(ReportedItem) if f.name not in DATA_COLUMNS)]


def _rows(items: Sequence[ReportedItem]) -> list[tuple[object, ...]]:
    extras = _columns()[len(DATA_COLUMNS):]
    return [item.data_row() + tuple(_plain(getattr(item, name)) for name in extras) for item in items]


def _plain(value: object) -> object:
    return value.value if isinstance(value, Enum) else value


def write_data_csv(items: Sequence[ReportedItem], path: Path) -> Path:
    """The Data table as CSV (UTF-8 with BOM, for Excel and BI tools), written atomically.

    Text that a spreadsheet would run as a formula gets a leading apostrophe, as in the findings CSV.
    Written with the csv module, as `to_frame(items).to_csv()` writes it (each column as pandas
    infers it: whole numbers, numbers with a decimal point, or text): importing pandas for it cost
    consolidate more than the writing."""
    rows = _rows(items)
    shown = [_column_text(column) for column in zip(*rows, strict=True)] if rows else []

    def write(temporary: Path) -> None:
        with open(temporary, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, lineterminator=os.linesep)
            writer.writerow(_columns())
            writer.writerows([text(value) for text, value in zip(shown, row, strict=True)] for row in rows)

    return write_atomic(path, write)


def _column_text(values: tuple[object, ...]) -> Callable[[object], str]:
    """How a column's cells are written, by what pandas makes of the column: int64 when every cell is
    a whole number, float64 when every filled one is a number (the blanks NaN), else text."""
    filled = [v for v in values if v is not None and v == v]  # NaN is blank
    if filled and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in filled):
        if len(filled) == len(values) and all(isinstance(v, int) for v in filled):
            return str
        return lambda v: "" if v is None or v != v else repr(float(v))  # type: ignore[arg-type]
    return lambda v: "" if v is None else csv_safe(v) if isinstance(v, str) else str(v)
