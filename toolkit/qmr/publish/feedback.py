"""Feedback copies: a team's own returned workbook, with the problem cells highlighted and commented,
and a first sheet "What to fix", ready to send back to the clerk, corrected and resubmitted.

The copy is made from the bytes of the return (the file itself is never touched) with openpyxl, which
keeps what makes it a valid return: data validation, sheet protection, the very hidden identity
sheet. Nothing is unprotected; fills and comments on locked cells need no unprotecting in openpyxl.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.packaging.core import DocumentProperties
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.cell import column_index_from_string, quote_sheetname
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.functions import tostring

from qmr.atomic import write_bytes_atomic
from qmr.findings import CELL_RE, finding_sort_key
from qmr.model import Finding, Severity
from qmr.publish.findings_report import FIXED_CREATED, clean_text
from qmr.publish.master.styles import CALIBRI_11_PER_UNIT, wrapped_lines
from qmr.returns.formats import WorkbookFormat, saved_format
from qmr.statuses import SEVERITY_COLOURS

_NOT_MARKED_UP = (WorkbookFormat.XLS, WorkbookFormat.XLSB, WorkbookFormat.ODS)  # openpyxl writes .xlsx only
FEEDBACK_SHEET = "What to fix"  # the return reader must ignore a sheet of this name in a resubmission
COMMENT_AUTHOR = "qmr"
# Separates a comment the workbook already had from ours, so the next round can restore it.
COMMENT_MARKER = "--- qmr ---"

MAX_ROW, MAX_COLUMN = 1_048_576, 16_384
_FILENAME_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]')

_HIGHLIGHT = {
    severity: PatternFill(fill_type="solid", fgColor="FF" + SEVERITY_COLOURS[severity][0].lstrip("#"),
                          bgColor="FF" + SEVERITY_COLOURS[severity][0].lstrip("#"))
    for severity in (Severity.REJECTED, Severity.ERROR, Severity.WARNING)
}
# Rejected and error share the clerk-facing red: both mean "this must change".
_HIGHLIGHT[Severity.REJECTED] = _HIGHLIGHT[Severity.ERROR]
_HIGHLIGHT_COLOURS = {fill.fgColor.rgb for fill in _HIGHLIGHT.values()}

_LIST_HEADERS = ("Severity", "Sheet", "Cell", "Go to", "What is wrong", "What to do")
_LIST_WIDTHS = (11, 16, 8, 12, 60, 50)
_LIST_HEADER_ROW = 5
_WRAPPED = (2, 5, 6)  # Sheet, What is wrong, What to do: the columns whose text wraps
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")
_LINE_HEIGHT = 15.0  # points per line of 11pt Calibri, the feedback sheet's (default) font


class FeedbackError(ValueError):
    """The return cannot be turned into a feedback copy (not an xlsx openpyxl can open)."""


def feedback_filename(original_name: str) -> str:
    """`<stem>_feedback.xlsx` from a file's display name (which may carry a folder, zip or e-mail path)."""
    name = re.split(r"[/\\]", original_name)[-1]  # a folder, zip or e-mail path, either slash
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    stem = _FILENAME_UNSAFE.sub("_", stem).strip(" .") or "return"
    return f"{stem}_feedback.xlsx"


def write_feedback(original: bytes, findings: Sequence[Finding], path: Path, *, team_name: str = "",
                   period_label: str = "", password: str | None = None,
                   max_sheet_bytes: int | None = None) -> Path:
    """Write the feedback copy of one return to `path` (atomically) and return `path`.

    A return that came password-protected goes back protected with the same `password`: the copy
    holds the team's figures and travels by e-mail like the original. (Encryption salts each file,
    so such a copy's bytes differ between runs; its content does not.)
    Raises FeedbackError when `original` is not a workbook openpyxl can open, or its sheets unpack to
    more than `max_sheet_bytes` (default FEEDBACK_MAX_SHEET_BYTES).
    """
    problem = too_large_for_feedback(original, max_sheet_bytes)
    if problem:
        raise FeedbackError(problem)
    try:
        data = feedback_bytes(original, findings, team_name=team_name, period_label=period_label)
    except FeedbackError:
        raise
    except Exception as error:  # openpyxl on an untrusted file: any failure is this copy's, not the run's
        raise FeedbackError(f"the copy could not be made ({type(error).__name__}: {error})") from error
    if password:
        data = _encrypt(data, password)
    path = Path(path)
    write_bytes_atomic(path, data)
    return path


# openpyxl keeps an object per cell: a return's sheets beyond this (unpacked XML) are not loaded for a copy.
FEEDBACK_MAX_SHEET_BYTES = 16 * 1024 * 1024


def too_large_for_feedback(original: bytes, max_sheet_bytes: int | None = None) -> str:
    """Why a return is too large to load for a feedback copy, or "" (the one home of this limit;
    `max_sheet_bytes` lowers or raises it, default FEEDBACK_MAX_SHEET_BYTES)."""
    limit = FEEDBACK_MAX_SHEET_BYTES if max_sheet_bytes is None else max_sheet_bytes
    try:
        with zipfile.ZipFile(io.BytesIO(original)) as package:
            size = sum(info.file_size for info in package.infolist()
                       if info.filename.startswith("xl/worksheets/"))
    except (zipfile.BadZipFile, OSError, ValueError):
        return ""  # _open says what is wrong with it
    if size > limit:
        return f"its sheets unpack to {_size(size)}, more than the {_size(limit)} a feedback copy is made from"
    return ""


def _size(count: int) -> str:
    return f"{count / (1024 * 1024):.1f} MB" if count >= 1024 * 1024 else f"{count / 1024:.0f} KB"


def _encrypt(data: bytes, password: str) -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt(password, out)
    return out.getvalue()


def feedback_bytes(original: bytes, findings: Sequence[Finding], *, team_name: str = "",
                   period_label: str = "") -> bytes:
    """The feedback copy as bytes (for a caller that attaches it to an e-mail rather than a folder)."""
    workbook = _open(original)
    ordered = sorted(findings, key=finding_sort_key)
    _clear_previous_feedback(workbook)
    _strip_links(workbook)
    places = _mark_cells(workbook, ordered)
    _add_what_to_fix(workbook, ordered, places, team_name, period_label)
    return _save(workbook)


def write_all_feedback(returns: Iterable[tuple[str, bytes, list[Finding]]], out_dir: Path, *,
                       period_label: str = "", team_names: Mapping[str, str] | None = None,
                       on_error: Callable[[str, FeedbackError], None] | None = None,
                       passwords: Mapping[str, str] | None = None,
                       max_sheet_bytes: int | None = None) -> list[Path]:
    """One feedback copy per (display name, data, findings) that has a non-info finding.

    `passwords` (display name -> password) protects the copies of returns that came protected.

    File names come from feedback_filename; clashes get `_2`, `_3`, ... assigned in order of display
    name then content, so the names do not depend on the order returns were found. The team shown in
    the heading is the findings' team code, looked up in `team_names` (code -> name) when given.
    A return openpyxl cannot open is passed to `on_error(display name, error)` and skipped; without
    `on_error` the FeedbackError is raised. Returns the paths written, in that same order.
    """
    out_dir = Path(out_dir)
    wanted = [(name, data, list(findings)) for name, data, findings in returns
              if any(f.severity is not Severity.INFO for f in findings)]
    wanted.sort(key=lambda item: (item[0], hashlib.sha256(item[1]).hexdigest()))
    taken: set[str] = set()
    written = []
    for name, data, findings in wanted:
        filename = _unique(feedback_filename(name), taken)
        code = next((f.team for f in sorted(findings, key=finding_sort_key) if f.team), "")
        team = (team_names or {}).get(code, code)
        try:
            written.append(write_feedback(data, findings, out_dir / filename, team_name=team,
                                          period_label=period_label, password=(passwords or {}).get(name),
                                          max_sheet_bytes=max_sheet_bytes))
        except FeedbackError as error:
            if on_error is None:
                raise
            on_error(name, error)
    return written


def _unique(filename: str, taken: set[str]) -> str:
    """The name, or `<stem>_2.xlsx`, `_3`...; compared without case (Windows and macOS folders)."""
    stem, suffix = filename.rsplit(".", 1)
    candidate, number = filename, 2
    while candidate.casefold() in taken:
        candidate = f"{stem}_{number}.{suffix}"
        number += 1
    taken.add(candidate.casefold())
    return candidate


def _open(original: bytes) -> Workbook:
    saved_as = saved_format(original)
    if saved_as in _NOT_MARKED_UP:
        # A copy re-typed into the template would not be the team's own workbook: what it shows could
        # differ from what they sent. The findings report lists every problem; they resend as .xlsx.
        raise FeedbackError(f"the return was saved as {saved_as.described}, and a feedback copy is the team's "
                            "own workbook marked up, which qmr can do only in .xlsx; ask the team to copy "
                            "their entries into their .xlsx template")
    if not zipfile.is_zipfile(io.BytesIO(original)):
        raise FeedbackError("the return is not an .xlsx workbook (not a zip package); it may be damaged")
    try:
        with warnings.catch_warnings():
            # openpyxl warns about extensions it drops (e.g. x14 validation lists); not for the terminal.
            warnings.simplefilter("ignore")
            return load_workbook(io.BytesIO(original))
    except Exception as error:  # an untrusted file can fail in many ways inside openpyxl
        raise FeedbackError(f"the return cannot be opened as an .xlsx workbook: "
                            f"{type(error).__name__}: {error}") from error


def _clear_previous_feedback(workbook: Workbook) -> None:
    """A resubmitted feedback copy may come back with problems still in it: start from a clean copy
    (no old "What to fix" sheet, no old qmr comments or highlights) so nothing stale is shown."""
    if FEEDBACK_SHEET in workbook.sheetnames:
        del workbook[FEEDBACK_SHEET]
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                comment = cell.comment
                if comment is None or comment.author != COMMENT_AUTHOR:
                    continue
                before, marker, _ = comment.text.partition(COMMENT_MARKER)
                cell.comment = Comment(before.rstrip("\n"), "") if marker and before.strip() else None
                # The original fill is not known any more; no fill beats a stale red.
                if cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb in _HIGHLIGHT_COLOURS:
                    cell.fill = PatternFill()


_EXTERNAL_FORMULA = re.compile(r"\[\d+\]|(?i:\b(?:_xlfn\.)?(?:WEBSERVICE|FILTERXML|RTD)\s*\()")


def _strip_links(workbook: Workbook) -> None:
    """A copy travels back to the team by e-mail: it must not reach out to other files or the web
    (the reader's `external-link` warning says so). Links go; a formula using one is kept as text."""
    workbook._external_links = []  # noqa: SLF001 - openpyxl has no public way to drop them
    for name, defined in list(workbook.defined_names.items()):
        if _EXTERNAL_FORMULA.search(defined.attr_text or ""):
            del workbook.defined_names[name]
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" and isinstance(cell.value, str) and _EXTERNAL_FORMULA.search(cell.value):
                    cell.value, cell.data_type = cell.value, "s"
                    cell.quotePrefix = True


def _locate(workbook: Workbook, finding: Finding) -> tuple[Worksheet, str] | None:
    """The visible worksheet and cell a finding points at, or None when there is none to mark."""
    if not finding.sheet or not finding.cell:
        return None
    sheet = _sheet(workbook, finding.sheet)
    if sheet is None or sheet.sheet_state != "visible":
        return None  # a hidden sheet (the identity) is not the clerk's to fix, nor to decorate
    match = CELL_RE.match(finding.cell.strip().split(":")[0])
    if match is None:
        return None
    letters, digits = match.groups()
    column, row = column_index_from_string(letters.upper()), int(digits)
    if not (1 <= row <= MAX_ROW and 1 <= column <= MAX_COLUMN):
        return None
    coordinate = f"{letters.upper()}{row}"
    for merged in sheet.merged_cells.ranges:
        if coordinate in merged:  # only a merged range's top-left cell can carry a comment
            return sheet, merged.start_cell.coordinate
    return sheet, coordinate


def _sheet(workbook: Workbook, name: str) -> Worksheet | None:
    """A worksheet by name; Excel's sheet names are case-insensitive, so fall back to that."""
    for wanted in (name, name.casefold()):
        for sheet in workbook.worksheets:
            if sheet.title == wanted or sheet.title.casefold() == wanted:
                return sheet
    return None


def _mark_cells(workbook: Workbook, ordered: list[Finding]) -> list[tuple[Worksheet, str] | None]:
    """Highlight and comment each problem cell; return where each finding was placed (or None)."""
    places = [_locate(workbook, finding) for finding in ordered]
    by_cell: dict[tuple[str, str], list[Finding]] = {}
    for finding, place in zip(ordered, places, strict=True):
        if place is not None:
            by_cell.setdefault((place[0].title, place[1]), []).append(finding)
    for (title, coordinate), cell_findings in by_cell.items():
        cell = workbook[title][coordinate]
        fill = _HIGHLIGHT.get(min(cell_findings, key=lambda f: f.severity.rank).severity)
        if fill is not None:  # info only: a comment, no colour
            cell.fill = fill
        cell.comment = _comment(cell, cell_findings)
    return places


def _comment(cell: Cell, findings: list[Finding]) -> Comment:
    text = "\n\n".join(_advice(finding) for finding in findings)
    if cell.comment is not None and cell.comment.text.strip():
        text = f"{cell.comment.text.rstrip()}\n{COMMENT_MARKER}\n{text}"
    text = clean_text(text)
    lines = sum(1 + len(line) // 48 for line in text.splitlines()) or 1
    # Sized to the text (openpyxl's default box is tiny); bounded so a long list stays on screen.
    return Comment(text, COMMENT_AUTHOR, height=min(20 + 15 * lines, 400), width=300)


def _advice(finding: Finding) -> str:
    return f"{finding.message} What to do: {finding.action}" if finding.action else finding.message


def _put_text(sheet: Worksheet, row: int, column: int, value: object) -> Cell:
    """Write text that stays text: openpyxl would store `=...` as a formula, so force the type,
    and set the quote prefix so Excel keeps it text even when someone edits the cell."""
    cell = sheet.cell(row=row, column=column)
    text = clean_text(value)
    cell.value = text
    cell.data_type = "s"
    if text.startswith(("=", "+", "-", "@")):
        cell.quotePrefix = True
    return cell


def _font(**style: object) -> Font:
    """Calibri, like the return's own cells: a font without a name prints in a serif face in
    LibreOffice."""
    return Font(name="Calibri", **{"size": 11, **style})


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _add_what_to_fix(workbook: Workbook, ordered: list[Finding], places: list[tuple[Worksheet, str] | None],
                     team_name: str, period_label: str) -> None:
    sheet = workbook.create_sheet(FEEDBACK_SHEET, 0)
    _what_to_fix_head(sheet, ordered, team_name, period_label)
    header_fill = PatternFill(fill_type="solid", fgColor="FFD9E1F2")
    for column, header in enumerate(_LIST_HEADERS, start=1):
        cell = _put_text(sheet, _LIST_HEADER_ROW, column, header)
        cell.font, cell.fill = _font(bold=True), header_fill
    for row, (finding, place) in enumerate(zip(ordered, places, strict=True), start=_LIST_HEADER_ROW + 1):
        _list_row(sheet, row, finding, place)
    _list_layout(sheet, len(ordered))

    # Open on the list. Only one tab may be selected: several selected tabs are "grouped" in Excel,
    # and a clerk's typing would then go into every grouped sheet.
    for other in workbook.worksheets:
        for view in other.views.sheetView:
            view.tabSelected = False
    for chart in workbook.chartsheets:
        for chart_view in chart.sheetViews.sheetView:
            chart_view.tabSelected = False
    sheet.sheet_view.tabSelected = True
    workbook.active = 0


def _what_to_fix_head(sheet: Worksheet, ordered: list[Finding], team_name: str, period_label: str) -> None:
    """Title, counts and what to do, above the list."""
    errors = sum(1 for f in ordered if f.severity in (Severity.REJECTED, Severity.ERROR))
    warnings_ = sum(1 for f in ordered if f.severity is Severity.WARNING)
    title = " ".join(part for part in ("What to fix:", team_name, period_label) if part)
    _put_text(sheet, 1, 1, title).font = _font(bold=True, size=14)
    _put_text(sheet, 2, 1, f"{_plural(errors, 'error')} and {_plural(warnings_, 'warning')} "
                           "were found in this return.")
    _put_text(sheet, 3, 1, "Please correct the highlighted cells (each has a comment saying what to do) "
                           "and send the file back.")
    if any(f.severity is Severity.REJECTED for f in ordered):
        _put_text(sheet, 4, 1, "This file could not be accepted as it is: the first rows below say why."
                  ).font = _font(bold=True, color="FF9C0006")


def _list_row(sheet: Worksheet, row: int, finding: Finding, place: tuple[Worksheet, str] | None) -> None:
    """One finding in the list, with a link to its cell when it has one in this workbook."""
    severity = _put_text(sheet, row, 1, finding.severity.value)
    background, font = SEVERITY_COLOURS[finding.severity]
    severity.fill = PatternFill(fill_type="solid", fgColor="FF" + background.lstrip("#"))
    severity.font = _font(bold=True, color="FF" + font.lstrip("#"))
    _put_text(sheet, row, 2, place[0].title if place else finding.sheet)
    _put_text(sheet, row, 3, place[1] if place else finding.cell)
    if place is not None:
        # A hyperlink object to a place in this workbook (not a HYPERLINK formula).
        link = _put_text(sheet, row, 4, "Go to cell")
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"{quote_sheetname(place[0].title)}!"
                                                                  f"{place[1]}")
        link.font = _font(color="FF0563C1", underline="single")
    _put_text(sheet, row, 5, finding.message)
    _put_text(sheet, row, 6, finding.action)
    for column in range(1, 7):
        sheet.cell(row=row, column=column).alignment = _WRAP_TOP if column in _WRAPPED else _TOP
    sheet.row_dimensions[row].height = list_row_height(sheet, row)


def _list_layout(sheet: Worksheet, count: int) -> None:
    """Column widths, filter, frozen header and printing of the list of `count` findings."""
    for column, width in enumerate(_LIST_WIDTHS, start=1):
        sheet.column_dimensions[chr(64 + column)].width = width
    last = _LIST_HEADER_ROW + max(count, 1)
    sheet.auto_filter.ref = f"A{_LIST_HEADER_ROW}:F{last}"
    sheet.freeze_panes = f"A{_LIST_HEADER_ROW + 1}"
    sheet.page_setup.orientation, sheet.page_setup.paperSize = "landscape", sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{_LIST_HEADER_ROW}:{_LIST_HEADER_ROW}"
    sheet.print_options.gridLines = False
    sheet.oddFooter.center.text = "&A"
    sheet.oddFooter.right.text = "Page &P of &N"


def list_row_height(sheet: Worksheet, row: int) -> float:
    """The height a What to fix row needs for its wrapped text: openpyxl cannot measure text, and
    neither Excel nor LibreOffice re-fits a row's height on opening, so unset rows print one line
    tall and their text runs into the next row."""
    lines = max((wrapped_lines(str(sheet.cell(row=row, column=column).value or ""),
                               _LIST_WIDTHS[column - 1], per_unit=CALIBRI_11_PER_UNIT)
                 for column in _WRAPPED), default=1)
    return _LINE_HEIGHT * lines + 3


def _save(workbook: Workbook) -> bytes:
    """Save, then repack with fixed zip times and the return's own modified date, so the same return
    and findings always give the same bytes (openpyxl stamps both with the current time)."""
    modified = workbook.properties.modified or workbook.properties.created or FIXED_CREATED
    workbook.template = False  # an .xltx return still becomes a plain workbook
    # openpyxl drops cached formula results: make Excel recompute the status line on opening.
    workbook.calculation.fullCalcOnLoad = True
    raw = io.BytesIO()
    workbook.save(raw)
    properties: DocumentProperties = workbook.properties
    properties.modified = modified
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = tostring(properties.to_tree())
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, data)
    return out.getvalue()


__all__ = ["FEEDBACK_SHEET", "FeedbackError", "feedback_bytes", "feedback_filename", "write_all_feedback",
           "write_feedback"]
