"""Writing a real Excel Binary Workbook (.xlsb) for tests, as Excel lays one out (MS-XLSB): LibreOffice
cannot save .xlsb, and no Python package writes one. It holds the values of a filled return (read
back with python-calamine), each sheet with its visibility, so qmr reads it as a clerk's return that
was saved as .xlsb. Records: the workbook's BrtBundleSh per sheet; styles' BrtXF for a date style; and
per sheet BrtBeginSheet, BrtWsDim, BrtBeginSheetData, BrtRowHdr and BrtCellReal / BrtCellSt /
BrtCellBool, BrtEndSheetData.

    write_xlsb(Path("filled.xlsx"), Path("filled.xlsb"))
    write_xlsb(..., dimension=(1_048_576, 16_384))     # a sheet declaring the whole grid
"""

from __future__ import annotations

import io
import struct
import zipfile
from datetime import date, datetime, time
from pathlib import Path

from python_calamine import CalamineWorkbook, SheetVisibleEnum

_STATES = ((SheetVisibleEnum.Visible, 0), (SheetVisibleEnum.Hidden, 1), (SheetVisibleEnum.VeryHidden, 2))
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="bin" ContentType="application/vnd.ms-excel.worksheet"/>'
    '<Override PartName="/xl/workbook.bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/>'
    '</Types>')
_PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.bin"/></Relationships>')


def write_xlsb(source: Path, target: Path, *, dimension: tuple[int, int] | None = None) -> Path:
    """`source` (any workbook calamine reads) re-written as .xlsb; `dimension` (rows, columns) makes
    every sheet's BrtWsDim declare that instead of its real range."""
    book = CalamineWorkbook.from_path(str(source))
    sheets = [(meta.name, next(code for state, code in _STATES if state == meta.visible),
               book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)) for meta in book.sheets_metadata]
    book.close()
    workbook = b"".join(_record(0x9C, struct.pack("<II", state, number) + _wide(f"rId{number}") + _wide(name))
                        for number, (name, state, _) in enumerate(sheets, start=1))
    workbook = _record(0x83) + _record(0x8F) + workbook + _record(0x90) + _record(0x9D) + _record(0x84)
    rels = "".join(f'<Relationship Id="rId{number}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                   f'relationships/worksheet" Target="worksheets/sheet{number}.bin"/>'
                   for number in range(1, len(sheets) + 1))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", _CONTENT_TYPES)
        package.writestr("_rels/.rels", _PACKAGE_RELS)
        package.writestr("xl/workbook.bin", workbook)
        package.writestr("xl/styles.bin", _styles())
        package.writestr("xl/_rels/workbook.bin.rels",
                         '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns='
                         f'"http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>')
        for number, (_, _, grid) in enumerate(sheets, start=1):
            package.writestr(f"xl/worksheets/sheet{number}.bin", _sheet(grid, dimension))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(out.getvalue())
    return target


def _sheet(grid: list[list[object]], dimension: tuple[int, int] | None) -> bytes:
    rows = max(len(grid), 1)
    columns = max((len(row) for row in grid), default=1) or 1
    last_row, last_column = dimension if dimension else (rows, columns)
    parts = [_record(0x81), _record(0x94, struct.pack("<4I", 0, last_row - 1, 0, last_column - 1)), _record(0x91)]
    for row_number, row in enumerate(grid):
        cells = [_cell(column, value) for column, value in enumerate(row) if value not in (None, "")]
        if cells:
            parts.append(_record(0x00, struct.pack("<I", row_number) + bytes(13)))
            parts += cells
    parts += [_record(0x92), _record(0x82)]
    return b"".join(parts)


def _cell(column: int, value: object) -> bytes:
    head = struct.pack("<II", column, 0)
    if isinstance(value, bool):
        return _record(0x04, head + bytes([value]))
    if isinstance(value, int | float):
        return _record(0x05, head + struct.pack("<d", float(value)))
    if isinstance(value, datetime | date):  # a serial number in the date style (cell style 1)
        day = value.date() if isinstance(value, datetime) else value
        return _record(0x05, struct.pack("<II", column, _DATE_STYLE) + struct.pack("<d", (day - _EPOCH).days))
    return _record(0x06, head + _wide(value.isoformat() if isinstance(value, time) else str(value)))


_EPOCH = date(1899, 12, 30)  # Excel's day 0 (in the 1900 date system)
_DATE_STYLE = 1
# BrtBeginCellXFs with two BrtXF: the default, and built-in number format 14 (a short date)

def _styles() -> bytes:
    xf = [struct.pack("<HH", 0xFFFF, number_format) + bytes(12) for number_format in (0, 14)]
    return _record(0x269, struct.pack("<I", len(xf))) + b"".join(_record(0x2F, body) for body in xf) + _record(0x26A)


def _wide(text: str) -> bytes:
    encoded = text.encode("utf-16-le")
    return struct.pack("<I", len(encoded) // 2) + encoded


def _record(kind: int, body: bytes = b"") -> bytes:
    """A record header as MS-XLSB 2.1.4 gives it: the type in one or two bytes, the size in one to four,
    seven bits each, the high bit saying another byte follows."""
    head = bytes([kind]) if kind < 0x80 else bytes([(kind & 0x7F) | 0x80, kind >> 7])
    size, length = len(body), b""
    while True:
        byte, size = size & 0x7F, size >> 7
        length += bytes([byte | (0x80 if size else 0)])
        if not size:
            break
    return head + length + body
