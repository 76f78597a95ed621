"""The consolidated table for scripts and BI tools: a pandas DataFrame, and the Data sheet as CSV.

The Data contract columns come first, then the rest of ReportedItem's fields, as on the master's
Data sheet.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    extras = [f.name for f in fields(ReportedItem) if f.name not in DATA_COLUMNS]
    rows = [item.data_row() + tuple(_plain(getattr(item, name)) for name in extras) for item in items]
    return pd.DataFrame(rows, columns=[*DATA_COLUMNS, *extras])


def _plain(value: object) -> object:
    return value.value if isinstance(value, Enum) else value


def write_data_csv(items: Sequence[ReportedItem], path: Path) -> Path:
    """The Data table as CSV (UTF-8 with BOM, for Excel and BI tools), written atomically.

    Text that a spreadsheet would run as a formula gets a leading apostrophe, as in the findings CSV.
    """
    frame = to_frame(items)
    frame = frame.map(lambda v: csv_safe(v) if isinstance(v, str) else v)
    return write_atomic(path, lambda temporary: frame.to_csv(temporary, index=False, encoding="utf-8-sig"))
