"""The master quarterly workbook: what managers and board members open.

`write_master` lays a Consolidation out as the QMR reads (Summary, Exceptions, narrative, the
appendices with traffic lights, the legend) followed by the contract `Data` sheet and the audit
sheets (Validation, Sources). The writer shows statuses, it never recomputes them.

XlsxWriter runs in `constant_memory` mode: each row goes to a temporary file as soon as the next
one starts, so a national collection's master takes no more memory than a council's. Every sheet
is therefore written strictly top to bottom (a write to a row above the newest is silently lost):
header rows before the rows under them, groupings worked out before the first row. Strings are
written inline, not in a shared string table. The file is still byte-for-byte reproducible:
XlsxWriter stamps each temporary part 31 January 1980 00:00 local time and zipfile reads the stamp
back in local time, so the zip's dates are the same in any time zone; the parts are made by mkstemp,
mode 0600 whatever the umask; and the created date is derived from the period. The rows of the
milestones appendix and the Data sheet may be laid out by child processes while the other sheets
are written (rows.RowsBeside): the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from pathlib import Path

from xlsxwriter.workbook import Workbook

from qmr.atomic import write_atomic
from qmr.model import Consolidation, Kind, NarrativeType, ReportedItem
from qmr.period import Period
from qmr.publish.master.data import DataBeside, write_data
from qmr.publish.master.movers import write_movers
from qmr.publish.master.rows import RowsBeside, RowSheet, beside_worth_it
from qmr.publish.master.sheets import (
    APPENDICES,
    NO_KEY_PIS,
    appendix_body,
    write_appendix,
    write_exceptions,
    write_narrative,
)
from qmr.publish.master.styles import Ordering, Styles
from qmr.publish.master.summary import write_summary
from qmr.publish.master.tables import write_legend, write_sources, write_validation

# Never turn a string into a formula, number or link, even if a write() slips in somewhere.
BOOK_OPTIONS = {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                "strings_to_urls": False}


def sheet_names(consolidation: Consolidation) -> list[str]:
    """The master's sheets in reading order; Risks and Equality only when such items are due."""
    kinds = {item.kind for item in consolidation.items}
    names = ["Summary", "Exceptions", "Key developments", "Emerging issues", "Milestones", "Key PIs",
             "Other PIs"]
    names += [name for name, kind in (("Risks", Kind.RISK), ("Equality", Kind.EQUALITY)) if kind in kinds]
    return names + ["Movers", "Traffic lights", "Data", "Validation", "Sources"]


def created_date(period: Period) -> datetime:
    """A fixed document date: the last day of the quarter reported on, never 'now'."""
    return datetime.combine(period.end, datetime.min.time())


def _appendix_items(consolidation: Consolidation, name: str) -> list[ReportedItem]:
    items = consolidation.items
    if name == "Milestones":
        return [i for i in items if i.kind is Kind.MILESTONE]
    if name == "Key PIs":
        return [i for i in items if i.kind is Kind.INDICATOR and i.key]
    if name == "Other PIs":
        return [i for i in items if i.kind is Kind.INDICATOR and not i.key]
    return [i for i in items if i.kind is (Kind.RISK if name == "Risks" else Kind.EQUALITY)]


def _build(book: Workbook, consolidation: Consolidation, sheet_class: type[RowSheet] = RowSheet,
           csv: Path | None = None) -> DataBeside:
    """The master's sheets into `book`; with `csv`, the Data table is written there too. What comes
    back says how the CSV fared (once the book is closed); a build that fails leaves nothing behind."""
    styles = Styles(book)
    order = Ordering(consolidation.plan, consolidation.items)
    options = {**BOOK_OPTIONS, "tmpdir": book.tmpdir}
    # Started first, so that child processes lay out the milestones appendix's rows, and the Data
    # rows and the CSV, while this one writes the sheets before them (each waits for its own child).
    milestones = _appendix_items(consolidation, BESIDE_APPENDIX)
    appendix = RowsBeside(partial(appendix_body, APPENDICES[BESIDE_APPENDIX], milestones, order, styles),
                          sheet_class, options,
                          fork=beside_worth_it(sheet_class, len(milestones), streamed=book.constant_memory))
    data = DataBeside(consolidation.items, styles.plain, sheet_class, options, csv,
                      streamed=book.constant_memory)
    try:
        _sheets(book, consolidation, sheet_class, styles, order, {BESIDE_APPENDIX: appendix}, data)
    except BaseException:
        appendix.cancel()
        data.cancel()
        raise
    return data


# The appendix with the most rows in every plan seen (each objective has several milestones, and
# most PIs are not key): laid out beside the others, as the Data sheet is.
BESIDE_APPENDIX = "Milestones"


def _sheets(book: Workbook, consolidation: Consolidation, sheet_class: type[RowSheet], styles: Styles,
            order: Ordering, bodies: dict[str, RowsBeside[int]], data: DataBeside) -> None:
    settings = consolidation.plan.settings
    organisation = settings.get("organisation", "")
    period = consolidation.period.label
    footer = f"{organisation} Quarterly Monitoring Report {period}".strip()
    book.set_properties({
        "title": f"Quarterly Monitoring Report {period}",
        "subject": settings.get("plan", ""),
        "author": "qmr",
        "company": organisation,
        "created": created_date(consolidation.period),
        "comments": "Master quarterly workbook written by qmr.",
    })
    year_end = consolidation.period.year_end
    for name in sheet_names(consolidation):
        sheet = book.add_worksheet(name, worksheet_class=sheet_class)
        if name == "Summary":
            write_summary(book, sheet, consolidation, styles, order, footer)
        elif name == "Exceptions":
            write_exceptions(sheet, consolidation.items, order, styles, period, footer)
        elif name in ("Key developments", "Emerging issues"):
            kind = (NarrativeType.KEY_DEVELOPMENT if name == "Key developments"
                    else NarrativeType.EMERGING_ISSUE)
            entries = [e for e in consolidation.narrative if e.type == kind]
            write_narrative(sheet, name, entries, order, styles, period, footer,
                            f"No {name.lower()} were reported this period.")
        elif name in APPENDICES:
            appendix = APPENDICES[name]
            if name == "Key PIs" and not any(i.key for i in consolidation.plan.indicators):
                appendix = replace(appendix, empty=NO_KEY_PIS)
            write_appendix(sheet, appendix, _appendix_items(consolidation, name), order, styles, period, footer,
                           bodies.get(name))
        elif name == "Movers":
            write_movers(sheet, consolidation.movers, consolidation.has_history, order, styles, period, footer)
        elif name == "Traffic lights":
            write_legend(sheet, styles, period, year_end, footer)
        elif name == "Data":
            write_data(sheet, consolidation.items, styles, footer, data)
        elif name == "Validation":
            write_validation(sheet, consolidation.findings, styles, footer)
        elif name == "Sources":
            write_sources(sheet, consolidation.sources, styles, footer)


def write_master(consolidation: Consolidation, path: Path) -> Path:
    """Write the master quarterly workbook to `path` atomically and return the path.

    The workbook goes to a temporary file in the same folder, then replaces `path` in one rename,
    so a crash leaves either the old master or the new one, never half of one."""
    return write_master_and_csv(consolidation, path, None).path


@dataclass(frozen=True)
class MasterWritten:
    """The master written, and why the Data CSV asked for with it was not (None when it was)."""

    path: Path
    csv_error: OSError | None = None


def write_master_and_csv(consolidation: Consolidation, path: Path, csv: Path | None) -> MasterWritten:
    """The master, as write_master writes it, and the Data table as CSV straight into `csv` (a
    temporary the caller puts in place once the master is: a master that fails raises, and the
    caller removes it). The CSV is written beside the master's sheets where a core is spare, else
    after the master; an OSError writing it is given back, not raised: the master stands."""
    built: list[DataBeside] = []

    def build(temporary: Path) -> None:
        book = Workbook(str(temporary), BOOK_OPTIONS)
        try:
            built.append(_build(book, consolidation, RowSheet, csv))
            book.close()
        except BaseException:
            if built:
                built[0].cancel()
            raise
        finally:  # a failed build leaves no sheet's rows in the temporary folder
            for sheet in book.worksheets():
                sheet.discard_rows()

    written = write_atomic(Path(path), build)
    return MasterWritten(written, built[0].csv_error())
