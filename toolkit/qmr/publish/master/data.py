"""The master's Data sheet (contract): one row per item, every field, for officers and scripts to
filter and load; and the same table as CSV beside the master.

The Data sheet has the most cells of the master (a row of every field of every item) and needs
nothing the other sheets work out, so on a machine with a core to spare a child process lays its
rows out (and writes the CSV) while this one writes the sheets before it; the rows are then spliced
into the sheet in their place (rows.RowSheet.splice), the same bytes as written here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields
from functools import partial
from operator import attrgetter
from pathlib import Path

from xlsxwriter.format import Format

from qmr.consolidate.data_csv import write_data_csv_into
from qmr.model import DATA_COLUMNS, ReportedItem
from qmr.publish.master.rows import RowsBeside, RowSheet, beside_worth_it
from qmr.publish.master.styles import Styles
from qmr.publish.master.tables import finish_table, write_headers

DATA_WIDTH_LIMIT = 40
# The ReportedItem fields after the contract columns, in declaration order (a new field appears
# on its own, at the end).
EXTRA_COLUMNS = tuple(f.name for f in fields(ReportedItem) if f.name not in DATA_COLUMNS)
DATA_HEADERS = (*DATA_COLUMNS, *EXTRA_COLUMNS)


def write_data(sheet: RowSheet, items: Sequence[ReportedItem], styles: Styles, footer: str,
               beside: DataBeside | None = None) -> None:
    """One row per item: DATA_COLUMNS in contract order, then the extra fields; status as its text;
    the rows laid out by `beside` when it has them, else written here."""
    write_headers(sheet, DATA_HEADERS)
    widths = beside.write_rows(sheet) if beside is not None else _write_rows(sheet, items=items, fmt=styles.plain)
    finish_table(sheet, "qmr_data", DATA_HEADERS, len(items), widths, styles, footer,
                 status_col=DATA_COLUMNS.index("status"))


def _write_rows(sheet: RowSheet, *, items: Sequence[ReportedItem], fmt: Format) -> tuple[float, ...]:
    """The rows, each taken from its item in one call and written whole (an empty cell is not
    written at all: it shows nothing, and a table needs no cell to cover it); the columns' widths."""
    values_of = attrgetter(*DATA_HEADERS)
    for row, item in enumerate(items, start=1):
        sheet.write_cells(row, values_of(item), fmt, blanks=False)
    return tuple(data_width(header, _texts(map(attrgetter(header), items))) for header in DATA_HEADERS)


def _texts(values: Iterable[object]) -> list[str]:
    """Each value as str() writes it; a text is its own (most of a Data column's cells: no call)."""
    return [value if type(value) is str else str(value) for value in values]


def data_width(header: str, values: Iterable[str]) -> float:
    """A Data column as wide as its longest value (so a directorate is never cut), within limits:
    long text (titles, commentary) stays one line and is read by filtering, not in print. (A blank
    counted as the 4 letters of 'None' is still under the least width.)"""
    longest = max(map(len, values), default=0)
    return float(min(DATA_WIDTH_LIMIT, max(len(header) + 3, longest + 1, 6)))


def _csv_error(items: Sequence[ReportedItem], csv: Path) -> OSError | None:
    try:
        write_data_csv_into(items, csv)
    except OSError as error:  # the master is still written: the caller makes it a finding
        return error
    return None


class DataBeside:
    """The Data sheet's rows, then the Data CSV (into `csv`, a temporary the caller puts in place),
    made by a child process from the moment this is made, when that is worth it (beside_worth_it):
    the rows are sent as soon as they are laid out, and the CSV written while the master is finished.
    Otherwise the rows are written in the sheet when it comes, and the CSV after the master."""

    def __init__(self, items: Sequence[ReportedItem], fmt: Format, sheet_class: type[RowSheet],
                 options: dict[str, object], csv: Path | None, *, streamed: bool):
        self._rows = RowsBeside(partial(_write_rows, items=items, fmt=fmt), sheet_class, options,
                                fork=beside_worth_it(sheet_class, len(items), streamed=streamed),
                                then=None if csv is None else partial(_csv_error, items, csv))
        self._wants_csv = csv is not None

    def write_rows(self, sheet: RowSheet) -> tuple[float, ...]:
        """The rows into `sheet` (its header row written, nothing below it); the columns' widths."""
        return self._rows.splice_into(sheet)

    def csv_error(self) -> OSError | None:
        """Once the master is written, and once: the CSV asked for (written now, if the child did
        not), and why it could not be written, or None."""
        if not self._wants_csv:
            return None
        failed = self._rows.then_result()
        assert failed is None or isinstance(failed, OSError)
        return failed

    def cancel(self) -> None:
        """The master failed: stop the child, and leave none of its files."""
        self._rows.cancel()
