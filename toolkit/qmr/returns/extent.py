"""How big a returned workbook's sheets really are, found cheaply before any reader allocates for them.

python-calamine sizes a sheet's grid from its first to its last cell: one value at XFD1048576 makes it
allocate hundreds of gigabytes and abort the process; openpyxl (feedback copies) keeps an object per
styled cell. So before either sees a package, every part is decompressed once as a stream (which also
checks its CRC: a part whose directory entry lies about its size is caught here), and each worksheet's
XML is scanned for its declared `<dimension>` and, since that can lie, for the row and cell references
it really holds. A sheet beyond the limits makes the file rejected, with the reason; nothing is kept.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass

from qmr.cells import column_number

CHUNK = 1 << 16
_SHEET_PART = re.compile(r"^xl/(?:worksheets|dialogsheets|macrosheets)/[^/]+\.xml$", re.IGNORECASE)
# `<row r="7"`, `<c r="B7"`, `<x:c ...>`, and `<dimension ref="A1:K20"/>`: the attribute is in the tag
_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c|dimension)\b([^>]*)>")
_REF_ATTR = re.compile(rb"""\b(?:r|ref)\s*=\s*["']([^"']*)["']""")
_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")


@dataclass(frozen=True)
class SheetLimits:
    """The largest sheet qmr will read: far beyond any return (a few hundred rows, a dozen columns)."""

    max_rows: int = 100_000
    max_columns: int = 1_000
    max_cells: int = 2_000_000  # rows x columns of the grid a reader allocates
    max_part_bytes: int = 200 * 1024 * 1024  # one part, decompressed


@dataclass(frozen=True)
class Extent:
    rows: int = 0
    columns: int = 0

    def grow(self, rows: int, columns: int) -> Extent:
        return Extent(max(self.rows, rows), max(self.columns, columns))


@dataclass(frozen=True)
class PackageProblem:
    """Why a package must not be opened: `code` is the finding code, `part` the zip member."""

    code: str  # workbook-corrupt | sheet-too-large
    message: str
    part: str = ""


@dataclass(frozen=True)
class PackageCheck:
    """What one pass over a package found: why it must not be opened (or None), and what it carries
    that a return should not (a VBA project, links to other files, WEBSERVICE calls)."""

    problem: PackageProblem | None = None
    vba_project: bool = False
    external_links: tuple[str, ...] = ()  # the targets the workbook links to
    web_calls: bool = False


_LINK_RELS = re.compile(r"^xl/externalLinks/_rels/[^/]+\.rels$", re.IGNORECASE)
_TARGET = re.compile(rb"""\bTarget\s*=\s*["']([^"']*)["']""")
_WEB_CALL = re.compile(rb"(?i)\b(?:_xlfn\.)?(?:WEBSERVICE|FILTERXML|RTD)\s*\(")
MAX_LINK_PART_BYTES = 64 * 1024


def check_package(data: bytes, limits: SheetLimits = SheetLimits()) -> PackageCheck:  # noqa: B008
    """Decompress every part once (CRC checked), measure every worksheet, note what the package carries."""
    links: list[str] = []
    vba = web = False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            for info in package.infolist():
                vba = vba or info.filename.lower().endswith("vbaproject.bin")
                if _LINK_RELS.match(info.filename) and info.file_size <= MAX_LINK_PART_BYTES:
                    links += [t.decode("utf-8", "replace") for t in _TARGET.findall(package.read(info))]
                    continue
                problem, calls = _check_part(package, info, limits)
                web = web or calls
                if problem:
                    return PackageCheck(problem)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError,
            RuntimeError, zlib.error) as error:
        return PackageCheck(PackageProblem("workbook-corrupt", f"the workbook is damaged ({_short(error)})"))
    return PackageCheck(None, vba, tuple(dict.fromkeys(links)), web)


def package_problem(data: bytes, limits: SheetLimits = SheetLimits()) -> PackageProblem | None:  # noqa: B008
    return check_package(data, limits).problem


def _check_part(package: zipfile.ZipFile, info: zipfile.ZipInfo, limits: SheetLimits
                ) -> tuple[PackageProblem | None, bool]:
    if info.is_dir():
        return None, False
    if info.file_size > limits.max_part_bytes:
        return PackageProblem("sheet-too-large", f"part {info.filename} unpacks to "
                              f"{info.file_size // (1024 * 1024):,} MB, more than qmr reads", info.filename), False
    scanner = _Scanner() if _SHEET_PART.match(info.filename) else None
    calls = False
    with package.open(info) as stream:  # reading to the end checks the CRC and the declared size
        while chunk := stream.read(CHUNK):
            if scanner is None:
                continue
            scanner.feed(chunk)
            calls = calls or _WEB_CALL.search(chunk) is not None
            problem = _too_large(info.filename, scanner, limits)
            if problem:
                return problem, calls
    return None, calls


def _too_large(part: str, scanner: _Scanner, limits: SheetLimits) -> PackageProblem | None:
    sheet = part.rsplit("/", 1)[-1]
    for what, extent in (("declares a used range of", scanner.declared), ("has cells out to", scanner.seen)):
        if (extent.rows > limits.max_rows or extent.columns > limits.max_columns
                or extent.rows * extent.columns > limits.max_cells):
            return PackageProblem(
                "sheet-too-large",
                f"sheet part {sheet} {what} {extent.rows:,} rows x {extent.columns:,} columns, beyond the "
                f"{limits.max_rows:,} rows, {limits.max_columns:,} columns and {limits.max_cells:,} cells "
                "qmr reads (a value or format far from the return's cells)", part)
    return None


class _Scanner:
    """Row and cell references in a worksheet's XML, fed in chunks; a row or cell without `r` follows
    the one before it, as readers place it."""

    def __init__(self) -> None:
        self.declared = Extent()
        self.seen = Extent()
        self._row = 0
        self._column = 0
        self._tail = b""

    def feed(self, chunk: bytes) -> None:
        buffer = self._tail + chunk
        end = buffer.rfind(b"<")
        # keep an unfinished tag for the next chunk; a "tag" longer than a chunk is not one we read
        if end >= 0 and b">" not in buffer[end:] and len(buffer) - end < CHUNK:
            buffer, self._tail = buffer[:end], buffer[end:]
        else:
            self._tail = b""
        for match in _TAG.finditer(buffer):
            self._tag(match.group(1), _REF_ATTR.search(match.group(2)))

    def _tag(self, name: bytes, ref: re.Match[bytes] | None) -> None:
        value = ref.group(1).decode("ascii", "replace") if ref else ""
        if name == b"row":
            self._row = int(value) if value.isdigit() else self._row + 1
            self._column = 0
            self.seen = self.seen.grow(self._row, 0)
        elif name == b"c":
            cell = _cell(value)
            if cell:
                self._row, self._column = max(self._row, cell[0]), cell[1]
            else:
                self._column += 1
            self.seen = self.seen.grow(max(self._row, 1), self._column)
        else:  # dimension: the last corner of `A1:K20`, or the one cell of `A1`
            cell = _cell(value.split(":")[-1])
            if cell:
                self.declared = self.declared.grow(*cell)


def _cell(ref: str) -> tuple[int, int] | None:
    match = _CELL.match(ref.strip())
    if not match:
        return None
    return int(match.group(2)), column_number(match.group(1).upper())


def _short(error: BaseException) -> str:
    message = " ".join(str(error).split()) or type(error).__name__
    return message[:160]
