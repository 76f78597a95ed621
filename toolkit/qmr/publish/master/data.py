"""The master's Data sheet (contract): one row per item, every field, for officers and scripts to
filter and load; and the same table as CSV beside the master.

The Data sheet has the most cells of the master (a row of every field of every item) and needs
nothing the other sheets work out, so on a machine with a core to spare a child process lays its
rows out (and writes the CSV) while this one writes the sheets before it; the rows are then spliced
into the sheet in their place (rows.RowSheet.splice), the same bytes as written here.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from operator import attrgetter
from pathlib import Path

from xlsxwriter.format import Format

from qmr.background import Background, can_fork, in_background
from qmr.consolidate.data_csv import write_data_csv_into
from qmr.model import DATA_COLUMNS, ReportedItem
from qmr.publish.master.rows import LaidOutRows, RowSheet, scratch_sheet
from qmr.publish.master.styles import Styles
from qmr.publish.master.tables import finish_table, write_headers

DATA_WIDTH_LIMIT = 40
# The ReportedItem fields after the contract columns, in declaration order (a new field appears
# on its own, at the end).
EXTRA_COLUMNS = tuple(f.name for f in fields(ReportedItem) if f.name not in DATA_COLUMNS)
DATA_HEADERS = (*DATA_COLUMNS, *EXTRA_COLUMNS)

# A forked child that reads every item bumps every object's reference count, which copies the page it
# lies on: at 200,000 items (20,000 returns) the child copied ~400 MB while the master was written.
# Above this many items the rows are written here and the CSV after the master, as memory matters more.
BACKGROUND_MAX_ITEMS = 50_000


def write_data(sheet: RowSheet, items: Sequence[ReportedItem], styles: Styles, footer: str,
               beside: DataBeside | None = None) -> None:
    """One row per item: DATA_COLUMNS in contract order, then the extra fields; status as its text;
    the rows laid out by `beside` when it has them, else written here."""
    write_headers(sheet, DATA_HEADERS)
    widths = beside.write_rows(sheet) if beside is not None else _write_rows(sheet, items, styles.plain)
    finish_table(sheet, "qmr_data", DATA_HEADERS, len(items), widths, styles, footer,
                 status_col=DATA_COLUMNS.index("status"))


def _write_rows(sheet: RowSheet, items: Sequence[ReportedItem], fmt: Format) -> tuple[float, ...]:
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


@dataclass(frozen=True)
class DataBody:
    """What the child made: the Data sheet's rows, its columns' widths, and why the CSV asked for
    was not written (None when it was, or none was asked for)."""

    rows: LaidOutRows
    widths: tuple[float, ...]
    csv_error: OSError | None


def _lay_out(items: Sequence[ReportedItem], fmt: Format, sheet_class: type[RowSheet], rows_file: Path,
             options: dict[str, object], csv: Path | None) -> DataBody:
    sheet = scratch_sheet(sheet_class, rows_file, options)
    widths = _write_rows(sheet, items, fmt)
    rows = sheet.laid_out()
    return DataBody(rows, widths, _csv_error(items, csv))


def _csv_error(items: Sequence[ReportedItem], csv: Path | None) -> OSError | None:
    if csv is None:
        return None
    try:
        write_data_csv_into(items, csv)
    except OSError as error:  # the master is still written: the caller makes it a finding
        return error
    return None


class DataBeside:
    """The Data sheet's rows and the Data CSV (into `csv`, a temporary the caller puts in place),
    made in a child process from the moment this is made, when that is worth it: on Linux with a
    core to spare, for a master streamed row by row, and at most BACKGROUND_MAX_ITEMS items.
    Otherwise the rows are written in the sheet when it comes, and the CSV after the master."""

    def __init__(self, items: Sequence[ReportedItem], fmt: Format, sheet_class: type[RowSheet],
                 options: dict[str, object], csv: Path | None, *, streamed: bool):
        # options: the workbook's (its temporary folder, and how strings are written)
        self._items, self._fmt, self._csv = items, fmt, csv
        self._csv_done, self._csv_failed = csv is None, None  # has the CSV been written, and its error
        self._csv_failed: OSError | None
        self._rows_file: Path | None = None
        self._job: Background[DataBody] | None = None
        # the Data format's style number is fixed first, whoever writes the rows, so the child's rows
        # carry the master's number and the workbook is the same bytes either way
        fmt._get_xf_index()
        if streamed and sheet_class.direct and len(items) <= BACKGROUND_MAX_ITEMS and can_fork():
            handle, name = tempfile.mkstemp(suffix=".xml", dir=options.get("tmpdir"))  # type: ignore[arg-type]
            os.close(handle)
            self._rows_file = Path(name)
            self._job = in_background(_lay_out, items, fmt, sheet_class, self._rows_file, options, csv)

    def write_rows(self, sheet: RowSheet) -> tuple[float, ...]:
        """The rows into `sheet` (its header row written, nothing below it); the columns' widths."""
        if self._job is None or self._rows_file is None:
            return _write_rows(sheet, self._items, self._fmt)
        try:
            body = self._job.result()
            sheet.splice(body.rows)
        finally:
            self._job = None
            self._rows_file.unlink(missing_ok=True)
        self._csv_done, self._csv_failed = True, body.csv_error
        return body.widths

    def csv_error(self) -> OSError | None:
        """Once the master is written: the CSV (written now, if the child did not), and why it
        could not be written, or None."""
        if not self._csv_done:
            self._csv_done, self._csv_failed = True, _csv_error(self._items, self._csv)
        return self._csv_failed

    def cancel(self) -> None:
        """The master failed: stop the child, and leave none of its files."""
        if self._job is not None:
            self._job.cancel()
            self._job = None
        if self._rows_file is not None:
            self._rows_file.unlink(missing_ok=True)
