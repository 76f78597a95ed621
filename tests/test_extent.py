"""The extent scan (returns.extent) measures a sheet however its XML places cells: by a reference as
the first attribute (measured from the references), by one further along the tag, or by none (each
tag walked in order). Every spelling of the same far-away cell is caught, across chunk boundaries."""

from __future__ import annotations

import io
import random
import zipfile

import pytest

from qmr.returns import extent
from qmr.returns.extent import SheetLimits, check_package

LIMITS = SheetLimits(max_rows=10, max_columns=5, max_cells=50)
FILLER = "".join(f'<row r="{n}"><c r="A{n}" t="s"><v>0</v></c></row>' for n in range(1, 6))


def _package(sheet_data: str) -> bytes:
    xml = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
           f'spreadsheetml/2006/main"><sheetData>{sheet_data}</sheetData></worksheet>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("xl/worksheets/sheet1.xml", xml)
    return buffer.getvalue()


FAR = {
    "reference first": '<row r="11"><c r="A11"/></row>',
    "reference after another attribute": '<row r="6"><c s="1" r="A11"/></row>',
    "row reference after another attribute": '<row spans="1:1" r="11"><c r="A11"/></row>',
    "row without a reference, after row 10": '<row r="10"><c r="A10"/></row><row><c/></row>',
    "cell without a reference, after column E": '<row r="6"><c r="E6"/><c/></row>',
    "reference with dollars and spaces": '<row r="6"><c r=" $F$6 "/></row>',
    "prefixed tags": '<x:row r="6"><x:c r="F6"/></x:row>',
    "a cell beyond its row": '<row r="6"><c r="A1048576"/></row>',
}


@pytest.mark.parametrize("case", sorted(FAR))
def test_a_cell_beyond_the_limits_is_caught_however_it_is_placed(case: str) -> None:
    check = check_package(_package(FILLER + FAR[case]), LIMITS)
    assert check.problem is not None and check.problem.code == "sheet-too-large", check


def test_a_sheet_within_the_limits_passes() -> None:
    assert check_package(_package(FILLER + '<row r="10"><c r="E10"/></row>'), LIMITS).problem is None


@pytest.mark.parametrize("chunk", [24, 31, 64])
def test_chunk_boundaries_change_nothing(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # chunks that cut tags (each still shorter than a chunk), and chunks mixing placed and unplaced tags
    monkeypatch.setattr(extent, "CHUNK", chunk)
    for case, data in FAR.items():
        check = check_package(_package(FILLER + data + FILLER.replace('r="', 'x="')), LIMITS)
        assert check.problem is not None and check.problem.code == "sheet-too-large", (case, chunk)
    assert check_package(_package(FILLER + '<row r="10"><c r="E10"/></row>'), LIMITS).problem is None


def test_a_web_service_call_is_noticed_in_any_case() -> None:
    formula = '<row r="1"><c r="A1"><f>_xlfn.WebService("http://example.org")</f></c></row>'
    assert check_package(_package(formula)).web_calls
    assert not check_package(_package('<row r="1"><c r="A1"><f>SUM(B1:B2)</f></c></row>')).web_calls



@pytest.mark.parametrize("padding, code", [(3 * extent.CHUNK, "sheet-too-large"),
                                           (2 * (1 << 20), "workbook-corrupt")])
def test_a_tag_longer_than_a_chunk_is_measured_or_refused_never_skipped(padding: int, code: str) -> None:
    # the far cell's reference comes after padding that carries the tag over several chunks
    check = check_package(_package(FILLER + f'<row r="6"><c x="{"j" * padding}" r="XFD6"/></row>'), LIMITS)
    assert check.problem is not None and check.problem.code == code


def test_a_long_xlsb_cell_record_cut_by_a_chunk_is_still_measured() -> None:
    """A cell with a long text straddling a chunk boundary: its column counts, it is not skipped."""
    import struct

    def record(kind: int, body: bytes) -> bytes:
        size, header = len(body), bytearray([kind])
        while True:  # MS-XLSB 2.1.4: the size seven bits a byte, high bit set while more follow
            header.append((size & 0x7F) | (0x80 if size > 0x7F else 0))
            size >>= 7
            if not size:
                return bytes(header) + body

    row = record(0x00, struct.pack("<I", 4) + b"\x00" * 8)
    long_text = record(0x07, struct.pack("<I", 16383) + b"\x00" * 196)
    part = row + long_text
    scanner = extent.XlsbScanner()
    cut = len(row) + 3 + 19  # inside the long record's body
    scanner.feed(part[:cut])
    scanner.feed(part[cut:])
    assert (scanner.seen.rows, scanner.seen.columns) == (5, 16384)


def test_a_sheet_kept_where_no_program_puts_one_is_refused() -> None:
    """A reader opens whatever part the workbook's relationships name: one the scan would not measure
    (a far cell inside) is refused, while the same workbook as saved passes."""
    from openpyxl import Workbook

    book = Workbook()
    book.active["A1"] = 1
    saved = io.BytesIO()
    book.save(saved)
    assert check_package(saved.getvalue()).problem is None
    moved = io.BytesIO()
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(moved, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"worksheets/sheet1.xml", b"worksheets/a/sheet1.dat")
            name = info.filename.replace("worksheets/sheet1.xml", "worksheets/a/sheet1.dat")
            target.writestr(name, data.replace(b'r="A1"', b'r="XFD1048576"') if name.endswith(".dat") else data)
    check = check_package(moved.getvalue())
    assert check.problem is not None and check.problem.code == "workbook-corrupt"
    assert "worksheets/a/sheet1.dat" in check.problem.message


# The quick paths (a sheet's plainly written tags measured by their own regexes; a plain part unpacked
# straight from the package's bytes) must give what the general paths give, on any input.

_PLAIN = ['<row r="{n}">', '</row>', '<c r="{col}{n}" t="s"><v>1</v></c>', '<c r="{col}{n}"/>',
          '<row r="{n}" spans="1:3">', '<dimension ref="A1:{col}{n}"/>', '<dimension ref="{col}{n}"/>']
_PIECES = [*_PLAIN, "<c/>", "<row>",
           '<x:row r="{n}">', '<x:c r="{col}{n}"/>', '<c s="1" r="{col}{n}"/>', '<c r=" ${col}${n} "/>',
           '<c r="{low}{n}"/>', '<row r="{n}x">', '<c r="{col}{n}" <c r="ZZ9">',
           '<c r="{col}{n}" <row r="{n}">', '<row r="{n}" <c r="ZZ{n}">', '<dimension ref="A1" <c r="ZZ{n}">',
           "<rowBreaks>", "<cols><col/>",
           '<c r="{col}123456789"/>', "<![CDATA[ <c r=\"{col}{n}\"> ]]>", '<dimension r="{col}{n}"/>',
           "<is><t>a:c b</t></is>", '<c r=\'{col}{n}\'/>', "<v>{n}</v>", '<row r="0{n}">']


def _random_sheet(rng: random.Random) -> bytes:
    def piece() -> str:
        column = "".join(rng.choice("ABCXYZ") for _ in range(rng.randint(1, 4)))
        return rng.choice(_PIECES).format(n=rng.randint(0, 2_000_000), col=column, low=column.lower())
    odd = rng.choice([0, 0.01, 0.05, 0.2])  # how many tags are spelled otherwise: often none, so both paths run
    body = []
    for _ in range(rng.randint(0, 60)):
        body.append(piece() if rng.random() < odd else
                    rng.choice(_PLAIN).format(n=rng.randint(1, 24), col=rng.choice("ABCDE"), low="a"))
    return ('<worksheet><sheetData>' + "".join(body) + '</sheetData></worksheet>').encode()


def _scanned(data: bytes, chunk: int, quick: bool, monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    with monkeypatch.context() as patch:
        if not quick:
            patch.setattr(extent._Scanner, "_written_plainly", lambda self, buffer: False)
        scanner = extent._Scanner()
        states = []
        for at in range(0, len(data), chunk):
            try:
                scanner.feed(data[at:at + chunk])
            except ValueError as error:
                states.append(("refused", str(error)))
                break
            states.append((scanner.declared, scanner.seen, scanner._row, scanner._column, scanner._tail))
        return states


def test_plainly_written_tags_are_measured_as_the_general_scan_measures_them(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(20261202)
    for _ in range(3000):
        data, chunk = _random_sheet(rng), rng.choice([17, 40, 99, 1 << 16])
        assert _scanned(data, chunk, True, monkeypatch) == _scanned(data, chunk, False, monkeypatch), (data, chunk)


def _damaged(package: bytes, rng: random.Random) -> bytes:
    """The package with one thing wrong: a byte of a local header, of the data, or of the directory."""
    data = bytearray(package)
    directory = data.rfind(b"PK\x01\x02")
    fields = [at for at in range(len(data)) if data[at:at + 4] in (b"PK\x03\x04", b"PK\x01\x02")]
    at = rng.choice(fields) + rng.randint(4, 45) if rng.random() < 0.6 else rng.randrange(max(1, directory))
    data[min(at, len(data) - 1)] ^= 1 << rng.randint(0, 7)
    return bytes(data)


def _sample_package(rng: random.Random) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        sheet = _random_sheet(rng)
        package.writestr("[Content_Types].xml", b"<Types>sheet.macroEnabled.main+xml</Types>", zipfile.ZIP_DEFLATED)
        package.writestr("xl/workbook.xml", b"<workbook/>", zipfile.ZIP_DEFLATED)
        package.writestr("xl/_rels/workbook.xml.rels", b'<Relationships><Relationship Type="x/worksheet" '
                         b'Target="worksheets/sheet1.xml"/></Relationships>', rng.choice([0, 8]))
        package.writestr("xl/worksheets/sheet1.xml", sheet, rng.choice([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))
        if rng.random() < 0.3:  # a second part of the same name: zipfile reads the last by name
            package.writestr("xl/_rels/workbook.xml.rels", b'<Relationships><Relationship Type="x/worksheet" '
                             b'Target="/xl/worksheets/a/b.dat"/></Relationships>')
    return buffer.getvalue()


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_parts_unpacked_from_the_bytes_give_what_zipfile_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    """Damaged headers, data, CRCs and sizes are found as zipfile finds them (the quick path only takes
    what zipfile would read without complaint)."""
    rng = random.Random(7)
    limits = SheetLimits(max_rows=25, max_columns=5, max_cells=100)
    for _ in range(1500):
        package = _sample_package(rng)
        data = package if rng.random() < 0.2 else _damaged(package, rng)
        quick = check_package(data, limits)
        with monkeypatch.context() as patch:
            patch.setattr(extent._Parts, "plain", lambda self, info: None)
            general = check_package(data, limits)
        assert quick == general, data
