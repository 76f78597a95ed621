"""Reading a returned workbook with python-calamine, driven by the layout description.

The reader finds the return's identity in its hidden sheet (never from the file name), checks that
the locked rows are where the template put them, and hands back the raw cells of every input, with
their addresses. It judges nothing about the values: that is the validator's job. Any problem that
makes the file unusable is a `rejected` finding; the reader never raises on a bad file.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field, replace

from python_calamine import CalamineWorkbook, SheetVisibleEnum

from qmr.calamine_errors import is_reading_failure, silenced_panics
from qmr.cells import column_number
from qmr.findings import basename
from qmr.model import Finding, Severity
from qmr.normalise import is_blank, text
from qmr.returns import layout
from qmr.returns.extent import PackageCheck, check_package
from qmr.returns.formats import OLE_MAGIC, WorkbookFormat, xls_problem


@dataclass(frozen=True)
class Identity:
    """What the hidden identity sheet says about a return."""

    format_version: int
    team: str
    team_name: str
    period: str
    register_fingerprint: str
    generated_at: str
    keys: tuple[tuple[str, int, str, str], ...]  # (sheet, row, key, ref shown) for every item row
    team_token: str = ""  # "" for a format 1 template, or one written outside a working folder


@dataclass(frozen=True)
class ReturnedRow:
    """One item row as the clerk left it: every field's raw cell value, by field key."""

    sheet: str
    row: int
    key: str
    values: dict[str, object]

    def cell(self, field_key: str) -> str:
        return layout.sheet_named(self.sheet).cell(field_key, self.row)


@dataclass(frozen=True)
class NarrativeRow:
    row: int
    type: object
    title: object
    text: object


@dataclass(frozen=True)
class ReturnedWorkbook:
    """A readable qmr return: identity, item rows, narrative and sign-off, still unjudged."""

    file: str
    identity: Identity
    rows: tuple[ReturnedRow, ...]
    narrative: tuple[NarrativeRow, ...] = ()
    signoff: dict[str, object] = field(default_factory=dict)
    sheet_names: tuple[str, ...] = ()


def read_return(file: str, data: bytes) -> tuple[ReturnedWorkbook | None, list[Finding]]:
    """Read one return from its bytes. `file` is the name findings will show."""

    def reject(message: str, action: str, code: str, sheet: str = "", cell: str = "", team: str = "") -> Finding:
        return Finding(Severity.REJECTED, message, action, file, sheet, cell, team, code=code)

    saved_as, package = _examine(file, data)  # before calamine allocates anything for the file
    if saved_as is None:
        return None, [reject("not an Excel workbook (the file is neither an .xlsx package nor another "
                             "spreadsheet format qmr reads)",
                             "Send the return as the .xlsx file you were sent, saved as Excel Workbook.",
                             "not-xlsx")]
    if package.problem:
        return None, [reject(package.problem.message, _PACKAGE_ACTIONS[package.problem.code],
                             package.problem.code)]
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = tuple(book.sheet_names)
    except BaseException as error:  # calamine raises its own types for every kind of corruption
        if not is_reading_failure(error):
            raise
        return None, [reject(f"the workbook cannot be opened ({_short(error)})",
                             "Open the file in Excel, check it shows your return, save it again and resend.",
                             "unreadable")]
    try:
        with silenced_panics():  # once for every sheet read (each redirect costs system calls)
            workbook, findings = _read(file, book, names, reject)
        hidden = _hidden_copies(book)
        if hidden:
            return None, [replace(reject(f"the hidden sheet {hidden[0]!r} is named like the input sheet "
                                         f"{hidden[1]!r}: a return must have one of each",
                                         "Fill in a fresh template; do not copy input sheets.",
                                         "sheet-duplicated", hidden[0]),
                                  team=workbook.identity.team if workbook else "")] + findings
        if workbook is not None:
            findings += _carried(file, package, workbook.identity.team) + _saved_as(file, saved_as, workbook)
        return workbook, findings
    except BaseException as error:  # a malformed sheet inside an otherwise valid package
        if not is_reading_failure(error):
            raise
        culprits = _impossible_dates(data) if saved_as in _OPENPYXL_READS else []
        team = _claimed_team(book, names)
        if culprits:
            return None, [reject(f"this cell holds {number}, which is not a date Excel can show (it shows "
                                 "#####), so the workbook cannot be read", "Type the date as a date, e.g. "
                                 "14/01/2016, or clear the cell, save it again as .xlsx and resend.",
                                 "date-impossible", sheet, cell, team) for sheet, cell, number in culprits]
        return None, [reject(f"the workbook could not be read ({_short(error)})",
                             "Open the file in Excel, correct any cell showing ##### (e.g. a number far too "
                             "large for a date), save it again as .xlsx and resend.", "unreadable", team=team)]
    finally:
        book.close()


_OPENPYXL_READS = (WorkbookFormat.XLSX, WorkbookFormat.XLSM)
OTHER_FORMAT = "other-format"  # the warning's code: about the file as a whole, no cell to mark up


def _examine(file: str, data: bytes) -> tuple[WorkbookFormat | None, PackageCheck]:
    """What the workbook was saved as (None: nothing qmr reads), and its package checked against the
    limits: returns.extent for the zip formats (.xlsx, .xlsm, .xlsb, .ods), returns.formats for .xls."""
    if data.startswith(OLE_MAGIC):
        return WorkbookFormat.XLS, PackageCheck(xls_problem(data), kind=WorkbookFormat.XLS.value)
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return None, PackageCheck()
    package = check_package(data)
    saved_as = WorkbookFormat(package.kind)
    if saved_as is WorkbookFormat.XLSX and file.lower().endswith(".xlsm"):
        saved_as = WorkbookFormat.XLSM  # named so, though its content types say plain .xlsx
    return saved_as, package


def _saved_as(file: str, saved_as: WorkbookFormat, workbook: ReturnedWorkbook) -> list[Finding]:
    """The warning for a return read from another format than the .xlsx it was sent as."""
    if saved_as is WorkbookFormat.XLSX:
        return []
    name = basename(file)
    return [Finding(Severity.WARNING, f"{name} was saved as {saved_as.described}, not as the Excel Workbook "
                    "(.xlsx) it was sent as; qmr read it, but another format can lose the checks and "
                    "protection the template carries", "Send .xlsx next time: in Excel, File > Save As, "
                    "Excel Workbook (*.xlsx); in LibreOffice, File > Save As, Excel 2007-365 (.xlsx).",
                    file, team=workbook.identity.team, code=OTHER_FORMAT)]


def _claimed_team(book: CalamineWorkbook, names: tuple[str, ...]) -> str:
    """The team an unreadable workbook's identity sheet names, if that sheet can still be read."""
    if layout.IDENTITY_SHEET not in names:
        return ""
    try:
        with silenced_panics():
            identity, _ = _identity(_grid(book, layout.IDENTITY_SHEET))
    except BaseException as error:
        if not is_reading_failure(error):
            raise
        return ""
    return identity.team if identity else ""


_PACKAGE_ACTIONS = {
    "workbook-corrupt": "Ask the team to open it in Excel, save it again as .xlsx and resend.",
    "sheet-too-large": "Ask the team to clear everything outside the return's own cells (Ctrl+End shows "
                       "the last cell Excel keeps), or fill in a fresh template, and resend.",
}


def _read(file, book, names, reject) -> tuple[ReturnedWorkbook | None, list[Finding]]:
    if layout.IDENTITY_SHEET not in names:
        return None, [reject("not a qmr return: it has no qmr identity sheet",
                             "Fill in the template you were sent for this quarter rather than another file, "
                             "and do not copy its sheets into a new workbook.", "not-a-return")]
    identity, problem = _identity(_grid(book, layout.IDENTITY_SHEET))
    if identity is None:
        return None, [reject(problem, "Ask the performance team for a fresh template.",
                             "keys-tampered" if problem.startswith(TAMPERED) else "identity-damaged",
                             layout.IDENTITY_SHEET)]

    findings: list[Finding] = []
    rows: list[ReturnedRow] = []
    by_sheet: dict[str, list[tuple[int, str, str]]] = {}
    for sheet, row, key, ref in identity.keys:
        by_sheet.setdefault(sheet, []).append((row, key, ref))

    for sheet_name, expected in by_sheet.items():
        if sheet_name not in names:
            findings.append(reject(f"the sheet {sheet_name!r} is missing (renamed or deleted)",
                                   f"Put the {sheet_name} sheet back as it was in the template, or fill in a "
                                   "fresh template.", "sheet-missing", sheet_name))
            continue
        item_sheet = layout.sheet_named(sheet_name)
        grid = _grid(book, sheet_name)
        ref_column = item_sheet.index(item_sheet.ref_field) - 1
        for row, key, wanted in expected:
            cells = _row(grid, row)
            shown = text(cells[ref_column]) if ref_column < len(cells) else ""
            if shown != wanted:
                findings.append(reject(
                    f"row {row} should be {wanted!r} but shows {shown!r}: rows were inserted, deleted "
                    "or moved inside the locked area",
                    "Do not insert, delete or sort rows; fill in a fresh template or undo the change.",
                    "rows-tampered", sheet_name, item_sheet.cell(item_sheet.ref_field, row)))
                break
            values = {f.key: (cells[i] if i < len(cells) else None) for i, f in enumerate(item_sheet.fields)}
            rows.append(ReturnedRow(sheet_name, row, key, values))
        else:
            # rows added below the last item look like extra items: nothing reads them, so say so
            last = expected[-1][0] if expected else layout.FIRST_ROW - 1
            extra = _row(grid, last + 1)
            if extra and not is_blank(extra[ref_column] if ref_column < len(extra) else None):
                findings.append(Finding(
                    Severity.WARNING, f"row {last + 1} below the last item is not part of the return and "
                    "is ignored", "Report only on the rows the template lists; put anything else in the "
                    "Narrative sheet.", file, sheet_name, f"A{last + 1}", code="extra-rows"))
    # findings carry the team the file says it is from, so a rejected return still counts as "sent"
    findings = [replace(f, team=identity.team) for f in findings]
    if any(f.severity is Severity.REJECTED for f in findings):
        return None, findings

    narrative = _narrative(book, names)
    signoff = _signoff(book, names)
    return ReturnedWorkbook(file, identity, tuple(rows), narrative, signoff, names), findings


def _identity(grid: list[list[object]]) -> tuple[Identity | None, str]:
    first = (_row(grid, 1) + [None, None])[:2]  # the format version comes first: it says what follows
    if text(first[0]) != "format_version" or is_blank(first[1]):
        return None, "the hidden identity sheet is incomplete (no format_version)"
    try:
        version = int(float(text(first[1])))
    except ValueError:
        return None, f"the format version {text(first[1])!r} is not a number"
    if version not in layout.SUPPORTED_FORMATS:
        newer = version > max(layout.SUPPORTED_FORMATS)
        return None, (
            f"this return is format version {version}, which this qmr cannot read "
            f"({'made by a newer qmr: upgrade qmr' if newer else 'an old template: use this quarter’s'})"
        )
    fields = layout.IDENTITY_FIELDS_OF[version]
    pairs: dict[str, str] = {}
    name_column = column_number(layout.IDENTITY_NAME_COLUMN) - 1
    value_column = column_number(layout.IDENTITY_VALUE_COLUMN) - 1
    for number in range(1, len(fields) + 1):
        cells = _row(grid, number)
        if len(cells) > value_column and not is_blank(cells[name_column]):
            pairs[text(cells[name_column])] = text(cells[value_column])
    missing = [name for name in fields if not pairs.get(name) and name not in layout.OPTIONAL_IDENTITY_FIELDS]
    if missing:
        return None, f"the hidden identity sheet is incomplete (no {', '.join(missing)})"
    keys = []
    width = len(layout.IDENTITY_KEYS_COLUMNS)
    for number in range(layout.identity_keys_header_row(version) + 1, len(grid) + 1):
        cells = _cells(grid, number, width)
        if all(map(is_blank, cells)):
            continue
        try:
            keys.append((text(cells[0]), int(float(text(cells[1]))), text(cells[2]), text(cells[3])))
        except ValueError:
            return None, f"the hidden identity sheet's row list is damaged at row {number}"
    try:
        count = int(float(pairs["item_count"]))
    except ValueError:
        count = -1
    if count != len(keys):
        return None, f"the hidden identity sheet lists {len(keys)} rows but should list {pairs['item_count']}"
    unknown = sorted({sheet for sheet, *_ in keys if not layout.is_item_sheet(sheet)})
    if unknown:
        return None, f"the hidden identity sheet names unknown sheets: {', '.join(unknown)}"
    problem = _keys_problem(keys)
    if problem:
        return None, problem
    identity = Identity(version, pairs["team"], pairs["team_name"], pairs["period"],
                        pairs["register_fingerprint"], pairs["generated_at"], tuple(keys),
                        pairs.get("team_token", ""))
    return identity, ""


def _hidden_copies(book: CalamineWorkbook) -> tuple[str, str] | None:
    """A hidden sheet whose name differs from an input sheet's only by case, spaces or Excel's ` (2)`:
    someone kept a second copy of the sheet out of sight. (hidden name, input sheet name), or None."""
    inputs = {_sheet_stem(name): name for name in layout.INPUT_SHEETS}
    for sheet in book.sheets_metadata:
        if sheet.name in layout.INPUT_SHEETS or sheet.visible == SheetVisibleEnum.Visible:
            continue
        original = inputs.get(_sheet_stem(sheet.name))
        if original:
            return sheet.name, original
    return None


def _sheet_stem(name: str) -> str:
    stem = re.sub(r"\s*\(\d+\)\s*$", "", name)
    return re.sub(r"[\s_-]+", "", stem).casefold()


def _carried(file: str, package: PackageCheck, team: str) -> list[Finding]:
    """Warnings for what a return should not carry; feedback copies leave the links out."""
    found = []
    if package.vba_project:
        found.append(Finding(Severity.WARNING, "the workbook carries a VBA (macro) project; its macros were "
                             "not run and are not needed", "Save the return as .xlsx (Excel Workbook), "
                             "without macros.", file, team=team, code="vba-project"))
    if package.external_links or package.web_calls:
        what = ", ".join(package.external_links[:3]) or "a web service"
        found.append(Finding(Severity.WARNING, f"the workbook links to other files or the web ({what}); "
                             "qmr did not follow them, and the feedback copy leaves them out",
                             "Type the figures in rather than linking to other workbooks or web services.",
                             file, team=team, code="external-link"))
    return found


def _keys_problem(keys: list[tuple[str, int, str, str]]) -> str:
    """Row keys edited in the identity sheet: each must be exactly its row's key (`kind:ref`, `#n` for
    a repeated ref), and no key or row may be listed twice (the last would silently win)."""
    seen_keys: set[str] = set()
    seen_rows: set[tuple[str, int]] = set()
    for sheet, row, key, ref in keys:
        if not ref or not layout.is_row_key(key, layout.sheet_named(sheet).kind, ref):
            return (f"{TAMPERED}: {sheet} row {row} is keyed {key!r}, which is not the key of "
                    f"{ref or 'an empty ref'!r}")
        if key in seen_keys or (sheet, row) in seen_rows:
            what = f"the key {key!r}" if key in seen_keys else f"{sheet} row {row}"
            return f"{TAMPERED}: {what} is listed twice"
        seen_keys.add(key)
        seen_rows.add((sheet, row))
    return ""


TAMPERED = "the hidden identity sheet's row keys were tampered with"


def _narrative(book: CalamineWorkbook, names: tuple[str, ...]) -> tuple[NarrativeRow, ...]:
    if layout.NARRATIVE_SHEET not in names:
        return ()
    grid = _grid(book, layout.NARRATIVE_SHEET)
    entries = []
    width = len(layout.NARRATIVE_FIELDS)
    for number in range(layout.FIRST_ROW, len(grid) + 1):
        cells = _cells(grid, number, width)
        if all(map(is_blank, cells)):
            continue
        values = {f.key: value for f, value in zip(layout.NARRATIVE_FIELDS, cells, strict=True)}
        entries.append(NarrativeRow(number, values["type"], values["title"], values["text"]))
    return tuple(entries)


def _signoff(book: CalamineWorkbook, names: tuple[str, ...]) -> dict[str, object]:
    if layout.SIGNOFF_SHEET not in names:
        return {}
    grid = _grid(book, layout.SIGNOFF_SHEET)
    column = column_number(layout.SIGNOFF_VALUE_COLUMN) - 1
    values = {}
    for cell in layout.SIGNOFF_CELLS:
        cells = _row(grid, cell.row)
        values[cell.key] = cells[column] if column < len(cells) else None
    return values


def _grid(book: CalamineWorkbook, name: str) -> list[list[object]]:
    """Rows of a sheet from A1 (calamine otherwise starts at the first used cell). Called inside
    `silenced_panics`: a panic on a cell must not reach the officer's terminal."""
    return book.get_sheet_by_name(name).to_python(skip_empty_area=False)


def _row(grid: list[list[object]], number: int) -> list[object]:
    return list(grid[number - 1]) if 0 < number <= len(grid) else []


def _cells(grid: list[list[object]], number: int, width: int) -> list[object]:
    """The first `width` cells of a row, padded with None: `(_row(grid, number) + [None] * width)[:width]`."""
    cells = list(grid[number - 1][:width]) if 0 < number <= len(grid) else []
    return cells + [None] * (width - len(cells)) if len(cells) < width else cells


_DATE_LIMIT_WARNING = re.compile(r"Cell (\$?[A-Z]+\$?\d+) is marked as a date but the serial value (\S+) is outside")


def _impossible_dates(data: bytes) -> list[tuple[str, str, str]]:
    """(sheet, cell, number) for each date-formatted cell holding a number no date has, which calamine
    cannot read (e.g. -141236880332): openpyxl, streaming the already-checked package, names them."""
    import warnings

    from openpyxl import load_workbook

    found = []
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            for sheet in book.worksheets:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    for _ in sheet.iter_rows(values_only=True):
                        pass
                found += [(sheet.title, match[1].replace("$", ""), match[2]) for warning in caught
                          if (match := _DATE_LIMIT_WARNING.search(str(warning.message)))]
        finally:
            book.close()
    except Exception:  # noqa: BLE001 - a package openpyxl cannot read either: the general message stands
        return []
    return found


def _short(error: Exception) -> str:
    message = " ".join(str(error).split()) or type(error).__name__
    return message[:160]
