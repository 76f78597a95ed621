"""The workbook formats a return may come in besides .xlsx, and how big an .xls's sheets are, found
before python-calamine allocates for them. The zip formats' sheets are measured in returns.extent,
beside .xlsx's XML, as every part of the package is unpacked once there.

calamine reads .xlsm, .xlsb, .ods and .xls as well as .xlsx; a return saved in one of them is read
when its identity sheet survived, and the team is asked to send .xlsx next time. What each format
declares, and what calamine sizes a sheet's grid by:

- .ods: one `content.xml` holds every sheet; rows and cells carry `number-rows-repeated` /
  `number-columns-repeated` counts, and LibreOffice writes a million empty rows that way. A repeated
  row or cell that holds something is repeated in the grid, so the scan counts repeats of cells
  with content (a value type, or any child) and never of empty ones, as calamine does.
- .xlsb: each sheet is a `.bin` part of records; its BrtWsDim declares a range (calamine reserves
  room for it) and its row and cell records place the cells.
- .xls: a BIFF `Workbook` stream in an OLE file (bounded by the file size limit); each sheet's
  DIMENSIONS record declares a range and its cell records place the cells.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass
from enum import StrEnum

from qmr.returns.extent import Extent, PackageProblem, SheetLimits, package_kind, too_large

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class WorkbookFormat(StrEnum):
    """What a return workbook was saved as; XLSX is the one qmr sends out and asks for."""

    XLSX = "xlsx"
    XLSM = "xlsm"
    XLSB = "xlsb"
    ODS = "ods"
    XLS = "xls"

    @property
    def described(self) -> str:
        return _DESCRIBED[self]


def saved_format(data: bytes) -> WorkbookFormat | None:
    """What a workbook's bytes were saved as, from the OLE signature or the zip directory alone (an
    .xlsx with macros counts as .xlsx here); None when they are neither."""
    if data.startswith(OLE_MAGIC):
        return WorkbookFormat.XLS
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            return WorkbookFormat(package_kind(set(package.namelist()), macro_enabled=False))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, zlib.error):
        return None


_DESCRIBED = {
    WorkbookFormat.XLSX: "Excel Workbook (.xlsx)",
    WorkbookFormat.XLSM: "Excel Macro-Enabled Workbook (.xlsm)",
    WorkbookFormat.XLSB: "Excel Binary Workbook (.xlsb)",
    WorkbookFormat.ODS: "OpenDocument spreadsheet (.ods)",
    WorkbookFormat.XLS: "Excel 97-2003 workbook (.xls)",
}


# ------------------------------------------------------------------------------------------------
# .xls: the BIFF Workbook stream


_XLS_BOF, _XLS_EOF, _XLS_DIMENSIONS = 0x0809, 0x000A, 0x0200
_XLS_BOUNDSHEET = 0x0085  # a sheet's name and the stream offset of its BOF
_XLS_CELLS = {0x0006, 0x00FD, 0x0203, 0x027E, 0x0205, 0x0204, 0x00D6, 0x0201}  # row, column first
_XLS_MULTI = {0x00BD, 0x00BE}  # MULRK, MULBLANK: row, first column, ..., last column at the end


@dataclass(frozen=True)
class XlsSheet:
    """One sheet's substream of an .xls: its declared range and the cells it places."""

    declared: Extent
    seen: Extent


class XlsDamaged(Exception):
    """The OLE file or its Workbook stream cannot be walked."""


def xls_problem(data: bytes, limits: SheetLimits = SheetLimits()) -> PackageProblem | None:  # noqa: B008
    """Why an .xls must not be opened (damaged, or a sheet beyond the limits), or None."""
    try:
        sheets = xls_sheets(data)
    except XlsDamaged as error:
        return PackageProblem("workbook-corrupt", f"the workbook is damaged ({str(error)[:120]})")
    for number, sheet in enumerate(sheets, start=1):
        problem = too_large(f"#{number}", sheet, limits)
        if problem:
            return problem
    return None


def xls_sheets(data: bytes) -> list[XlsSheet]:
    """The extent of every sheet of an .xls, from its records alone (nothing is allocated per cell).
    Raises XlsDamaged when the file is not an OLE file with a Workbook stream."""
    import olefile  # a dependency of msoffcrypto-tool and extract-msg

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            stream = next((name for name in ("Workbook", "Book") if ole.exists(name)), None)
            if stream is None:
                raise XlsDamaged("no Workbook stream")
            biff = ole.openstream(stream).read()
    except XlsDamaged:
        raise
    except Exception as error:  # olefile raises many kinds of error on damaged input
        raise XlsDamaged(str(error) or type(error).__name__) from error
    return _xls_walk(biff)


def _xls_walk(biff: bytes) -> list[XlsSheet]:
    sheets: list[XlsSheet] = []
    declared = seen = Extent()
    at = 0
    starts: set[int] = set()  # where the walk met a BOF
    named: set[int] = set()  # where the workbook's BOUNDSHEET records say sheets start (calamine goes there)
    while at + 4 <= len(biff):
        kind, size = struct.unpack_from("<HH", biff, at)
        body = biff[at + 4:at + 4 + size]
        if kind == _XLS_BOF:
            starts.add(at)
        at += 4 + size
        if kind == _XLS_BOF:
            declared = seen = Extent()
        elif kind == _XLS_EOF:
            sheets.append(XlsSheet(declared, seen))
        elif kind == _XLS_BOUNDSHEET and len(body) >= 4:
            named.add(struct.unpack_from("<I", body)[0])
        elif kind == _XLS_DIMENSIONS and len(body) >= 12:  # BIFF8: first row, last row + 1 (32 bits)
            first_row, rows, first_column, columns = struct.unpack_from("<IIHH", body)
            _check_dimensions(first_row, rows, first_column, columns)
            declared = declared.grow(rows, columns)
        elif kind == _XLS_DIMENSIONS and len(body) >= 8:  # BIFF5 and older: 16 bits
            first_row, rows, first_column, columns = struct.unpack_from("<HHHH", body)
            _check_dimensions(first_row, rows, first_column, columns)
            declared = declared.grow(rows, columns)
        elif kind in _XLS_CELLS and len(body) >= 4:
            row, column = struct.unpack_from("<HH", body)
            seen = seen.grow(row + 1, column + 1)
        elif kind in _XLS_MULTI and len(body) >= 6:
            row = struct.unpack_from("<H", body)[0]
            seen = seen.grow(row + 1, struct.unpack_from("<H", body, len(body) - 2)[0] + 1)
    sheets.append(XlsSheet(declared, seen))  # a stream cut short still counts
    if named - starts:  # a sheet hidden where the walk does not reach would go unmeasured
        raise XlsDamaged("a sheet is not where the workbook says it starts")
    return sheets


def _check_dimensions(first_row: int, rows: int, first_column: int, columns: int) -> None:
    """A declared range whose first row or column lies past its end: a reader subtracting one from the
    other would allocate for a wrapped-round count."""
    if (first_row and first_row >= rows) or (first_column and first_column >= columns):
        raise XlsDamaged("a sheet's declared range ends before it starts")
