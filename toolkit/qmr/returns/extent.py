"""How big a returned workbook's sheets really are, found cheaply before any reader allocates for them.

python-calamine sizes a sheet's grid from its first to its last cell: one value at XFD1048576 makes it
allocate hundreds of gigabytes and abort the process; openpyxl (feedback copies) keeps an object per
styled cell. So before either sees a package, every part is decompressed once, its size and CRC
checked (a part whose directory entry lies about its size is caught here; a small, plainly stored part
is inflated whole from the file's bytes, any other streamed through zipfile), and each worksheet's
XML is scanned for its declared `<dimension>` and, since that can lie, for the row and cell references
it really holds. A sheet beyond the limits makes the file rejected, with the reason; nothing is kept.
The same pass measures an .ods's `content.xml` and an .xlsb's `.bin` sheets (returns.formats says
what each declares); an .xls is no zip, and returns.formats measures it.
"""

from __future__ import annotations

import functools
import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from operator import itemgetter
from typing import Protocol

from qmr.cells import column_number

_SHEET_PART = re.compile(r"^xl/(?:worksheets|dialogsheets|macrosheets)/[^/]+\.xml$", re.IGNORECASE)
_BINARY_SHEET_PART = re.compile(r"^xl/(?:worksheets|dialogsheets|macrosheets)/[^/]+\.bin$", re.IGNORECASE)
_ODS_CONTENT = "content.xml"  # every sheet of an OpenDocument spreadsheet
# `<row r="7"`, `<c r="B7"`, `<x:c ...>`, and `<dimension ref="A1:K20"/>`: the attribute is in the tag
_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c|dimension)\b([^>]*)>")
_REF_ATTR = re.compile(rb"""\b(?:r|ref)\s*=\s*["']([^"']*)["']""")
# The same tags, with the value of an `r` or `ref` that is the first attribute (what Excel, LibreOffice
# and openpyxl write) and, when that value is a cell reference, its column letters and row number.
_PLACED_TAG = re.compile(rb"""<(?:[A-Za-z_][\w.-]*:)?(row|c|dimension)\b"""
                         rb"""(?:\s+(?:r|ref)\s*=\s*["']((?:\s*\$?([A-Za-z]{1,3})\$?([0-9]{1,7})\s*(?=["']))?[^"'>]*)["'])?"""
                         rb"""[^>]*>""")
_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")
# The same tags as Excel, LibreOffice and openpyxl spell them, `<row r="7" ...>`, `<c r="B7" ...>` and
# `<dimension ref="A1:K20"/>`, up to their `>` with no `<` on the way; a tag of the name spelled any
# other way matches its name alone, its groups empty.
_PLAIN_ROW = re.compile(rb"""<row\b(?: r="([0-9]+)"[^<>]*>)?""")
_PLAIN_CELL = re.compile(rb"""<c\b(?: r="([A-Z]{1,3})([0-9]{1,7})"[^<>]*>)?""")
_PLAIN_DIMENSION = re.compile(rb"""<dimension\b(?: ref=("[^"'<>]*")[^<>]*>)?""")
_PREFIXED_NAME = re.compile(rb":(?:row|c|dimension)\b")  # what any `<x:row`, `<x:c`, `<x:dimension` holds


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


class Measured(Protocol):
    """A sheet's size as a scan found it: the range it declares and the cells it really places."""

    @property
    def declared(self) -> Extent: ...

    @property
    def seen(self) -> Extent: ...


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
    kind: str = "xlsx"  # xlsx | xlsm | xlsb | ods: what the package's parts say it is (formats.WorkbookFormat)
    vba_project: bool = False
    external_links: tuple[str, ...] = ()  # the targets the workbook links to
    web_calls: bool = False


_LINK_RELS = re.compile(r"^xl/externalLinks/_rels/[^/]+\.rels$", re.IGNORECASE)
_TARGET = re.compile(rb"""\bTarget\s*=\s*["']([^"']*)["']""")
_WEB_CALL = re.compile(rb"(?i)\b(?:_xlfn\.)?(?:WEBSERVICE|FILTERXML|RTD)\s*\(")
_WEB_NAMES = (b"webservice", b"filterxml", b"rtd")
MAX_LINK_PART_BYTES = 64 * 1024
_MACRO_ENABLED = b"sheet.macroEnabled.main+xml"  # the workbook part's content type in an .xlsm


def check_package(data: bytes, limits: SheetLimits = SheetLimits()) -> PackageCheck:  # noqa: B008
    """Decompress every part once (CRC checked), measure every worksheet, note what the package carries."""
    links: list[str] = []
    vba = web = macro_enabled = False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            parts = _Parts(data, package)
            for info in package.infolist():
                vba = vba or info.filename.lower().endswith("vbaproject.bin")
                if _LINK_RELS.match(info.filename) and info.file_size <= MAX_LINK_PART_BYTES:
                    links += [t.decode("utf-8", "replace") for t in _TARGET.findall(parts.read(info))]
                    continue
                if info.filename == "[Content_Types].xml" and info.file_size <= MAX_LINK_PART_BYTES:
                    macro_enabled = _MACRO_ENABLED in parts.read(info)
                    continue
                problem, calls = _check_part(parts, info, limits)
                web = web or calls
                if problem:
                    return PackageCheck(problem)
            stray = _unscanned_sheet(parts)
            if stray:
                return PackageCheck(stray)
            kind = package_kind(parts.names, macro_enabled)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError,
            RuntimeError, zlib.error) as error:
        return PackageCheck(PackageProblem("workbook-corrupt", f"the workbook is damaged ({_short(error)})"))
    return PackageCheck(None, kind, vba, tuple(dict.fromkeys(links)), web)


class _Parts:
    """A package's parts, unpacked straight from its bytes where zipfile would give exactly those bytes
    without complaint (most of reading a small part through zipfile was its per-part machinery); any
    part that is not so plain (damaged, encrypted, overlapping another, compressed otherwise, big) is
    read through zipfile, which raises what is wrong with it. Keeps the workbook's relationships, read
    while checking, for the look at where its sheets are."""

    def __init__(self, data: bytes, package: zipfile.ZipFile) -> None:
        self.data = data
        self.package = package
        self.names = set(package.namelist())
        self.kept: dict[str, tuple[zipfile.ZipInfo, bytes]] = {}  # the workbook's relationships, by name
        # where each part's room ends: the next part's header, or the central directory (a part
        # running past it overlaps another, which newer zipfiles refuse: left to zipfile to judge)
        self._ends: dict[int, int] = {}
        end = package.start_dir
        for info in sorted(package.filelist, key=lambda info: info.header_offset, reverse=True):
            self._ends[id(info)] = end
            end = info.header_offset

    def read(self, info: zipfile.ZipInfo) -> bytes:
        """The whole part, as `ZipFile.read` gives it (and raising what it raises)."""
        content = self.plain(info)
        return self.package.read(info) if content is None else content

    def plain(self, info: zipfile.ZipInfo) -> bytes | None:
        """The part's bytes, or None when zipfile must read it: None unless the local header agrees
        with the directory as zipfile checks it, and the bytes inflate completely to the declared
        size with the declared CRC (then zipfile's stream gives these very bytes)."""
        if (info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
                or info.flag_bits & _UNREADABLE_FLAGS or info.file_size > WHOLE_PART_BYTES):
            return None
        at = info.header_offset
        header = self.data[at:at + _LOCAL_HEADER.size]
        if len(header) != _LOCAL_HEADER.size:
            return None
        signature, _, _, flags, *_, name_length, extra_length = _LOCAL_HEADER.unpack(header)
        name_at = at + _LOCAL_HEADER.size
        name = _part_name(self.data[name_at:name_at + name_length], flags)
        start = name_at + name_length + extra_length
        if (signature != zipfile.stringFileHeader or name != info.orig_filename
                or start + info.compress_size > self._ends.get(id(info), -1)):
            return None
        raw = self.data[start:start + info.compress_size]
        content = raw if info.compress_type == zipfile.ZIP_STORED else _inflated(raw, info.file_size)
        if content is None or len(content) != info.file_size or zlib.crc32(content) != info.CRC:
            return None
        return content


_LOCAL_HEADER = struct.Struct(zipfile.structFileHeader)
_UNREADABLE_FLAGS = 0x01 | 0x20 | 0x40  # encrypted, compressed patch data, strong encryption: zipfile's refusals
_UTF8_NAME = 0x800
WHOLE_PART_BYTES = 4 * 1024 * 1024  # a part up to this is unpacked whole; a bigger one is streamed


def _part_name(name: bytes, flags: int) -> str | None:
    """A local header's part name, decoded as zipfile decodes it (ASCII reads the same in both of its
    encodings, and is what every spreadsheet program writes); None when it cannot be."""
    if name.isascii():
        return name.decode("ascii")
    try:
        return name.decode("utf-8" if flags & _UTF8_NAME else "cp437")
    except UnicodeDecodeError:
        return None


def _inflated(raw: bytes, size: int) -> bytes | None:
    """`raw` inflated, when it is one complete deflate stream of no more than `size` bytes."""
    inflater = zlib.decompressobj(-15)
    try:
        content = inflater.decompress(raw, size + 1)  # one byte past the size says it lies
    except zlib.error:
        return None
    return content if inflater.eof else None


_WORKBOOK_RELS = ("xl/_rels/workbook.xml.rels", "xl/_rels/workbook.bin.rels")
_RELATIONSHIP = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Relationship\b([^>]*)>")
_TYPE_ATTR = re.compile(rb"""\bType\s*=\s*["']([^"']*)["']""")
_TARGET_ATTR = re.compile(rb"""\bTarget\s*=\s*["']([^"']*)["']""")
_SHEET_TYPES = (b"/worksheet", b"/dialogsheet", b"/macrosheet", b"/xlMacrosheet", b"/xlIntlMacrosheet")


def _unscanned_sheet(parts: _Parts) -> PackageProblem | None:
    """A sheet the workbook keeps somewhere the scan does not measure (a reader opens whatever part
    the workbook's relationships name): refused rather than read unmeasured."""
    for rels in _WORKBOOK_RELS:
        if rels not in parts.names:
            continue
        info = parts.package.getinfo(rels)  # of parts named alike, the last: what zipfile reads by name
        if info.file_size > MAX_LINK_PART_BYTES:
            continue
        kept_info, content = parts.kept.get(rels, (None, b""))
        for attributes in _RELATIONSHIP.findall(content if kept_info is info else parts.package.read(rels)):
            kind, target = _TYPE_ATTR.search(attributes), _TARGET_ATTR.search(attributes)
            if not kind or not target or not kind.group(1).endswith(_SHEET_TYPES):
                continue
            where = target.group(1).decode("utf-8", "replace")
            part = where[1:] if where.startswith("/") else posixpath.normpath(f"xl/{where}")
            if _scanner_for(part) is None:
                return PackageProblem("workbook-corrupt", f"the workbook keeps a sheet at {where[:80]}, where "
                                      "no spreadsheet program puts one", part)
    return None


def package_kind(parts: set[str], macro_enabled: bool) -> str:
    """xlsx | xlsm | xlsb | ods, from a package's part names (and whether its content types say macros)."""
    if "xl/workbook.bin" in parts:
        return "xlsb"
    if "xl/workbook.xml" not in parts and (_ODS_CONTENT in parts or "mimetype" in parts):
        return "ods"
    return "xlsm" if macro_enabled else "xlsx"


def package_problem(data: bytes, limits: SheetLimits = SheetLimits()) -> PackageProblem | None:  # noqa: B008
    return check_package(data, limits).problem


def _check_part(parts: _Parts, info: zipfile.ZipInfo, limits: SheetLimits
                ) -> tuple[PackageProblem | None, bool]:
    if info.is_dir():
        return None, False
    if info.file_size > limits.max_part_bytes:
        return PackageProblem("sheet-too-large", f"part {info.filename} unpacks to "
                              f"{info.file_size // (1024 * 1024):,} MB, more than qmr reads", info.filename), False
    scanner = _scanner_for(info.filename)
    content = parts.plain(info)
    if content is not None and info.filename in _WORKBOOK_RELS:
        parts.kept[info.filename] = info, content
    if content is None:
        with parts.package.open(info) as stream:  # reading to the end checks the CRC and the declared size
            return _scan(info.filename, scanner, iter(lambda: stream.read(CHUNK), b""), limits)
    if scanner is None:
        return None, False
    # the chunks zipfile's stream gives, read CHUNK bytes at a time
    return _scan(info.filename, scanner, (content[at:at + CHUNK] for at in range(0, len(content), CHUNK)), limits)


def _scan(part: str, scanner: _Scanner | OdsScanner | XlsbScanner | None, chunks: Iterator[bytes],
          limits: SheetLimits) -> tuple[PackageProblem | None, bool]:
    """Feed a part's chunks to its scanner (if it has one) until it proves too large; whether it calls the web."""
    calls = False
    for chunk in chunks:
        if scanner is None:
            continue
        scanner.feed(chunk)
        calls = calls or _calls_web(chunk)
        problem = too_large(part, scanner, limits)
        if problem:
            return problem, calls
    return None, calls


def _scanner_for(part: str) -> _Scanner | OdsScanner | XlsbScanner | None:
    """The scan of a part that places cells (in whatever package it is: a stray one costs a scan)."""
    if _SHEET_PART.match(part):
        return _Scanner()
    if _BINARY_SHEET_PART.match(part):
        return XlsbScanner()
    return OdsScanner() if part == _ODS_CONTENT else None


def _calls_web(chunk: bytes) -> bool:
    """Whether the chunk calls a web service. A case-blind regex starting with \\b tries every byte;
    looking for the names first keeps a sheet without them (nearly all) to a fast substring scan."""
    lowered = chunk.lower()
    return any(name in lowered for name in _WEB_NAMES) and _WEB_CALL.search(chunk) is not None


def too_large(part: str, scanner: Measured, limits: SheetLimits) -> PackageProblem | None:
    """Why a sheet with this declared and seen extent must not be read, or None."""
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
    the one before it, as readers place it.

    A chunk spelled exactly as Excel, LibreOffice and openpyxl write it is measured by literal searches
    (`_written_plainly`); else one whose every row and cell names its place first, from the references
    one regular expression finds (`_measure`); any other chunk is walked tag by tag in Python (which
    was most of reading a return). All three give the same extents."""

    def __init__(self) -> None:
        self.declared = Extent()
        self.seen = Extent()
        self._row = 0
        self._column = 0
        self._tail = b""

    def feed(self, chunk: bytes) -> None:
        buffer, self._tail = whole_tags(self._tail, chunk)
        if not self._written_plainly(buffer) and not self._measure(_PLACED_TAG.findall(buffer)):
            for match in _TAG.finditer(buffer):
                self._tag(match.group(1), _REF_ATTR.search(match.group(2)))

    def _written_plainly(self, buffer: bytes) -> bool:
        """Grow the extents as `_measure` would, when every row, cell and dimension tag in `buffer` is
        spelled as Excel, LibreOffice and openpyxl write it (False, nothing changed, when one is not).
        Each name is looked for by its own literal start, which the regex engine finds far faster than
        `_PLACED_TAG`'s optional prefix at every `<`. Then the tags `_PLACED_TAG` finds are exactly
        these: none is prefixed (no `:row`, `:c` or `:dimension` anywhere), each runs to the first `>`
        after it with no `<` inside, so none hides another, and each names its place first."""
        if _PREFIXED_NAME.search(buffer):
            return False
        rows, cells = _PLAIN_ROW.findall(buffer), _PLAIN_CELL.findall(buffer)
        dimensions = _PLAIN_DIMENSION.findall(buffer)
        if b"" in rows or (b"", b"") in cells or b"" in dimensions:  # a tag spelled otherwise
            return False
        if rows:  # where the last tag leaves off: the last row, then the cells after it (each `<c r="`)
            self._row, self._column = int(rows[-1]), 0
            after = cells[len(cells) - buffer.count(b'<c r="', buffer.rfind(b'<row r="')):]
        else:
            after = cells
        if after:
            self._row = max(self._row, *map(int, set(map(itemgetter(1), after))))
            self._column = _column(after[-1][0])
        furthest = max(map(int, {*rows, *map(itemgetter(1), cells)}), default=0)
        self.seen = self.seen.grow(max(furthest, 1 if cells else 0), max(map(_column, dict(cells)), default=0))
        for value in dimensions:  # its own extent, wherever it comes
            self._dimension(value[1:-1].decode("ascii", "replace"))
        return True

    def _measure(self, tags: list[tuple[bytes, bytes, bytes, bytes]]) -> bool:
        """Grow the extents from `tags` when every row and cell among them names its place (False,
        nothing changed, when one does not): the furthest row and column referenced, and where the
        last tag leaves off, are then what walking them in order gives."""
        rows = [value for name, value, _, _ in tags if name == b"row"]
        cells = [(letters, number) for name, _, letters, number in tags if name == b"c"]
        if not all(value.isdigit() for value in rows) or not all(letters for letters, _ in cells):
            return False
        last_row = next((i for i in range(len(tags) - 1, -1, -1) if tags[i][0] == b"row"), -1)
        if last_row >= 0:
            self._row, self._column = int(tags[last_row][1]), 0
        for name, _, letters, number in tags[last_row + 1:]:  # the cells of the row the chunk ends in
            if name == b"c":
                self._row, self._column = max(self._row, int(number)), column_number(letters.decode())
        furthest = max(map(int, [*rows, *(number for _, number in cells)]), default=0)
        columns = {letters.upper() for letters, _ in cells}
        self.seen = self.seen.grow(max(furthest, 1 if cells else 0),
                                   max((column_number(c.decode()) for c in columns), default=0))
        for name, value, _, _ in tags:
            if name == b"dimension":  # its own extent, wherever it comes
                self._dimension(value.decode("ascii", "replace"))
        return True

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
        else:
            self._dimension(value)

    def _dimension(self, value: str) -> None:
        """The last corner of `A1:K20`, or the one cell of `A1`."""
        cell = _cell(value.split(":")[-1])
        if cell:
            self.declared = self.declared.grow(*cell)


# ------------------------------------------------------------------------------------------------
# .ods: content.xml


_ODS_TAG = re.compile(rb"<(/?)(?:[A-Za-z_][\w.-]*:)?(table-row|table-cell|covered-table-cell|table)(?=[\s/>])"
                      rb"([^>]*?)(/?)>")
_ROWS_REPEATED = re.compile(rb"""\bnumber-rows-repeated\s*=\s*["']\s*([0-9]{1,12})""")
_COLUMNS_REPEATED = re.compile(rb"""\bnumber-columns-repeated\s*=\s*["']\s*([0-9]{1,12})""")
_VALUE_TYPE = re.compile(rb"\bvalue-type\s*=")
CHUNK = 1 << 16
MAX_TAG = 1 << 20  # an unfinished tag carried from chunk to chunk: bounds the copying


def whole_tags(tail: bytes, chunk: bytes) -> tuple[bytes, bytes]:
    """What was left of the last chunk and this one, split into the part up to its last whole tag and
    the unfinished tag kept for the next chunk. A tag longer than MAX_TAG is refused (ValueError:
    check_package reports the workbook damaged) rather than skipped unmeasured."""
    buffer = tail + chunk
    end = buffer.rfind(b"<")
    if end >= 0 and b">" not in buffer[end:]:
        if len(buffer) - end > MAX_TAG:
            # no spreadsheet program writes a tag this long; skipping it would hide the place it names
            raise ValueError(f"a tag longer than {MAX_TAG // 1024} KB")
        return buffer[:end], buffer[end:]
    return buffer, b""


class OdsScanner:
    """The largest sheet in an OpenDocument `content.xml`, fed in chunks: `seen` is the rows and
    columns out to the last cell with content, repeats counted. (An .ods declares no range.)"""

    def __init__(self) -> None:
        self.declared = Extent()
        self.seen = Extent()
        self._tail = b""
        self._row = 0  # rows before the current one, in the current sheet
        self._repeat = 1  # the current row's repeat count
        self._column = 0
        self._row_width = 0  # out to the last cell with content in the current row, 0 if none

    def feed(self, chunk: bytes) -> None:
        buffer, self._tail = whole_tags(self._tail, chunk)
        for match in _ODS_TAG.finditer(buffer):
            closing, name, attributes, empty = match.groups()
            if name == b"table":
                if not closing:
                    self._row = 0
            elif name == b"table-row":
                if closing:
                    self._end_row()
                else:
                    self._repeat = _count(_ROWS_REPEATED, attributes)
                    self._column = self._row_width = 0
                    if empty:
                        self._end_row()
            else:  # a cell: content is a value type or anything inside it
                columns = _count(_COLUMNS_REPEATED, attributes)
                if closing:
                    continue
                if not empty or _VALUE_TYPE.search(attributes):
                    self._row_width = self._column + columns
                self._column += columns

    def _end_row(self) -> None:
        if self._row_width:
            self.seen = self.seen.grow(self._row + self._repeat, self._row_width)
        self._row += self._repeat
        self._repeat = 1
        self._column = self._row_width = 0


def _count(pattern: re.Pattern[bytes], attributes: bytes) -> int:
    found = pattern.search(attributes)
    return max(1, int(found.group(1))) if found else 1


# ------------------------------------------------------------------------------------------------
# .xlsb: xl/worksheets/*.bin


_XLSB_ROW = 0x00  # BrtRowHdr: the row index first
_XLSB_CELLS = range(0x01, 0x0C)  # BrtCellBlank .. BrtFmlaError: the column index first
_XLSB_DIMENSION = 0x94  # BrtWsDim: first row, last row, first column, last column
_XLSB_PLACE = 16  # bytes at the start of a row, cell or BrtWsDim record that say where it is


class XlsbScanner:
    """Row and cell records of an .xlsb sheet part, fed in chunks: `declared` is its BrtWsDim,
    `seen` the rows and columns its records place cells out to."""

    def __init__(self) -> None:
        self.declared = Extent()
        self.seen = Extent()
        self._buffer = b""
        self._skip = 0  # bytes of a long record still to pass over
        self._row = 0

    def feed(self, chunk: bytes) -> None:
        if self._skip:
            passed = min(self._skip, len(chunk))
            self._skip -= passed
            chunk = chunk[passed:]
        buffer = self._buffer + chunk
        at = 0
        while True:
            header = _xlsb_header(buffer, at)
            if header is None:
                break
            kind, size, start = header
            if start + size > len(buffer):
                if kind in (_XLSB_ROW, _XLSB_DIMENSION, *_XLSB_CELLS):
                    if size <= 64 or len(buffer) - start < _XLSB_PLACE:
                        break  # a record we read, cut by the chunk: wait for the rest, or for its place
                    # a long one (a cell's long text): its place comes first, the rest is passed over
                    self._record(kind, buffer[start:start + _XLSB_PLACE])
                self._skip = start + size - len(buffer)
                at = len(buffer)
                break
            self._record(kind, buffer[start:start + size])
            at = start + size
        self._buffer = buffer[at:]

    def _record(self, kind: int, body: bytes) -> None:
        if kind == _XLSB_ROW and len(body) >= 4:
            self._row = struct.unpack_from("<I", body)[0] + 1
            self.seen = self.seen.grow(self._row, 0)
        elif kind in _XLSB_CELLS and len(body) >= 4:
            self.seen = self.seen.grow(max(self._row, 1), struct.unpack_from("<I", body)[0] + 1)
        elif kind == _XLSB_DIMENSION and len(body) >= 16:
            _, last_row, _, last_column = struct.unpack_from("<4I", body)
            self.declared = self.declared.grow(last_row + 1, last_column + 1)


def _xlsb_header(buffer: bytes, at: int) -> tuple[int, int, int] | None:
    """(record type, size, where its body starts) at `at`, or None when the header is not all there:
    the type is one or two bytes and the size one to four, seven bits each (MS-XLSB 2.1.4)."""
    values = []
    for most in (2, 4):
        value = shift = 0
        for _ in range(most):
            if at >= len(buffer):
                return None
            byte = buffer[at]
            at += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        values.append(value)
    return values[0], values[1], at


@functools.cache
def _column(letters: bytes) -> int:
    """The number of a column's letters (a return has a dozen columns: each is worked out once)."""
    return column_number(letters.decode())


def _cell(ref: str) -> tuple[int, int] | None:
    match = _CELL.match(ref.strip())
    if not match:
        return None
    return int(match.group(2)), column_number(match.group(1).upper())


def _short(error: BaseException) -> str:
    message = " ".join(str(error).split()) or type(error).__name__
    return message[:160]
