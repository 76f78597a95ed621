"""Collecting returns: every kind of file a council inbox produces, built for real in the test."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import stat
import struct
import tracemalloc
import zipfile
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path

import openpyxl
import pytest
from extract_msg.ole_writer import OleWriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from msoffcrypto.format.ooxml import OOXMLFile
from python_calamine import CalamineWorkbook

from qmr.collect.sources import Candidate, Limits, collect, read_passwords, sha256_of
from qmr.model import Severity
from qmr.returns.reader import read_return

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Small limits so the bombs and the oversized file stay small; real returns here are about 5 kB.
LIMITS = Limits(max_file_bytes=200_000, max_total_bytes=2_000_000, max_ratio=100, ratio_floor_bytes=100_000)
WHEN = dt.datetime(2009, 4, 20, 9, 30, tzinfo=dt.UTC)
MB = 1024 * 1024


# --------------------------------------------------------------------------------------------------
# Builders: real files, made the way the software that makes them would


def xlsx_bytes(text: str) -> bytes:
    wb = openpyxl.Workbook()
    wb.active["A1"] = text
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def zip_bytes(members: list[tuple[str | zipfile.ZipInfo, bytes]],
              compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return out.getvalue()


def ole_bytes(streams: dict[str, bytes]) -> bytes:
    """An OLE2 compound file, written by extract-msg's own CFB writer."""
    writer = OleWriter()
    for path, data in streams.items():
        parts = path.split("/")
        for depth in range(1, len(parts)):
            storage = "/".join(parts[:depth])
            try:
                writer.getEntry(storage)
            except Exception:  # noqa: BLE001 - not there yet
                writer.addEntry(storage, storage=True)
        writer.addEntry(path, data)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def msg_bytes(attachments: list[tuple[str, bytes]], sent: dt.datetime = WHEN, sender: str = "") -> bytes:
    """A minimal but real Outlook .msg (MS-OXMSG): message class, subject, submit time, attachments,
    and with `sender` (`Name <address>`) the sender's name and SMTP address as Outlook stores them."""

    def utf16(text: str) -> bytes:
        return text.encode("utf-16-le")

    def prop(tag: int, value: int) -> bytes:
        return struct.pack("<IIQ", tag, 6, value)

    filetime = int((sent - dt.datetime(1601, 1, 1, tzinfo=dt.UTC)).total_seconds() * 10_000_000)
    count = len(attachments)
    streams = {
        "__properties_version1.0": bytes(8) + struct.pack("<IIII", 0, count, 0, count) + bytes(8)
        + prop(0x00390040, filetime),
        "__substg1.0_001A001F": utf16("IPM.Note"),
        "__substg1.0_0037001F": utf16("Q4 return"),
        "__nameid_version1.0/__substg1.0_00020102": b"",
        "__nameid_version1.0/__substg1.0_00030102": b"",
        "__nameid_version1.0/__substg1.0_00040102": b"",
    }
    if sender:
        name, address = parseaddr(sender)
        streams["__substg1.0_0C1A001F"] = utf16(name)  # PidTagSenderName
        streams["__substg1.0_5D01001F"] = utf16(address)  # PidTagSenderSmtpAddress
    for number, (filename, data) in enumerate(attachments):
        storage = f"__attach_version1.0_#{number:08X}"
        # attach method 1 = by value; 0x0E21 = attachment number
        streams[f"{storage}/__properties_version1.0"] = (bytes(8) + prop(0x37050003, 1)
                                                         + prop(0x0E210003, number))
        streams[f"{storage}/__substg1.0_37010102"] = data
        streams[f"{storage}/__substg1.0_3707001F"] = utf16(filename)
        streams[f"{storage}/__substg1.0_3704001F"] = utf16(filename)
    return ole_bytes(streams)


def eml_bytes(attachments: list[tuple[str, bytes]], sent: dt.datetime = WHEN,
              sender: str = "Finance clerk <finance.performance@example.org>") -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "performance@example.org"
    message["Subject"] = "Q4 return"
    message["Date"] = format_datetime(sent)
    message.set_content("Please find our return attached.")
    for filename, data in attachments:
        maintype, subtype = (XLSX if filename.endswith(".xlsx") else "application/zip").split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def encrypted(data: bytes, password: str) -> bytes:
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt(password, out)
    return out.getvalue()


def forge(data: bytes, member: str, *, declared_size: int | None = None,
          flag_bits: int | None = None) -> bytes:
    """Rewrite one member's central-directory (and local) header fields, as a hostile tool would."""
    raw = bytearray(data)
    name = member.encode()
    at = raw.find(b"PK\x01\x02")
    while at != -1:
        name_len = struct.unpack_from("<H", raw, at + 28)[0]
        if bytes(raw[at + 46:at + 46 + name_len]) == name:
            local = struct.unpack_from("<I", raw, at + 42)[0]
            if declared_size is not None:
                struct.pack_into("<I", raw, at + 24, declared_size)
                struct.pack_into("<I", raw, local + 22, declared_size)
            if flag_bits is not None:
                struct.pack_into("<H", raw, at + 8, flag_bits)
                struct.pack_into("<H", raw, local + 6, flag_bits)
        at = raw.find(b"PK\x01\x02", at + 4)
    return bytes(raw)


def symlink_member(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


# --------------------------------------------------------------------------------------------------
# The corpus: each bad case by name, with the finding code it must get


def _bad_cases() -> dict[str, tuple[str, bytes | None, str]]:
    """case -> (file name, bytes, expected code). Bytes None means: do not create the file."""
    good = xlsx_bytes("fine")
    noise = bytes(range(256)) * 4
    return {
        "missing path": ("not-there.xlsx", None, "source-missing"),
        "excel lock file": ("~$FIN return.xlsx", b"\x0bFinance clerk" + bytes(150), "lock-file"),
        "web page named .xls": ("web.xls", b"<html><table><tr><td>1</td></tr></table></html>", "xls-not-excel"),
        "csv": ("export.csv", b"ref,status\nBPR1,Green\n", "csv-format"),
        "too large": ("big.xlsx", zip_bytes([("xl/workbook.xml", b"<workbook/>"),
                                             ("xl/media/image1.bin", noise * 300)], zipfile.ZIP_STORED),
                      "too-large"),
        "zip bomb by total": ("bomb-total.zip", zip_bytes([("a.xlsx", bytes(3_000_000))]), "zip-bomb"),
        "zip bomb by ratio": ("bomb-ratio.zip", zip_bytes([("a.xlsx", bytes(500_000))]), "zip-bomb"),
        "workbook bomb": ("bomb.xlsx", zip_bytes([("[Content_Types].xml", b"<x/>"),
                                                  ("xl/workbook.xml", b"<workbook/>"),
                                                  ("xl/worksheets/sheet1.xml", bytes(1_500_000))]),
                          "workbook-bomb"),
        "nested too deep": ("deep.zip", zip_bytes([("one.zip", zip_bytes([("two.zip", zip_bytes(
            [("three.xlsx", good)]))]))]), "nested-too-deep"),
        "path climbing out": ("climb.zip", zip_bytes([("../../evil.xlsx", good)]), "zip-unsafe-path"),
        "absolute path": ("absolute.zip", zip_bytes([("/etc/evil.xlsx", good)]), "zip-unsafe-path"),
        "drive letter": ("drive.zip", zip_bytes([("C:/Users/evil.xlsx", good)]), "zip-unsafe-path"),
        "symlink member": ("link.zip", zip_bytes([(symlink_member("link.xlsx"), b"/etc/passwd")]),
                           "zip-symlink"),
        "corrupt zip": ("broken.zip", b"PK\x03\x04" + noise, "zip-corrupt"),
        "encrypted zip member": ("secret.zip", forge(zip_bytes([("a.xlsx", good)], zipfile.ZIP_STORED),
                                                     "a.xlsx", flag_bits=0x1), "zip-encrypted-member"),
        "corrupt e-mail": ("broken.eml", noise, "email-corrupt"),
        "e-mail without spreadsheet": ("chat.eml", eml_bytes([]), "email-no-spreadsheet"),
        "corrupt msg": ("broken.msg", noise * 2, "msg-corrupt"),
        "corrupt workbook": ("damaged.xlsx", b"<html>this is a web page</html>", "workbook-corrupt"),
        "password without a password": ("locked.xlsx", encrypted(good, "s3cret-FIN"), "password-protected"),
        "not a spreadsheet": ("notes.txt", b"remember to chase HR", "not-spreadsheet"),
    }


INFO_CODES = {"lock-file", "email-no-spreadsheet", "not-spreadsheet"}
CASES = _bad_cases()


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_bad_case_gets_its_own_finding(case: str, tmp_path: Path) -> None:
    filename, data, code = CASES[case]
    path = tmp_path / filename
    if data is not None:
        path.write_bytes(data)
    candidates, findings, records = collect([path], limits=LIMITS)
    assert candidates == []
    assert [f.code for f in findings] == [code], [str(f) for f in findings]
    finding = findings[0]
    assert finding.file.startswith(str(path))
    assert finding.message
    expected = Severity.INFO if code in INFO_CODES else Severity.REJECTED
    assert finding.severity is expected
    assert [r.outcome for r in records] == ["skipped" if code in INFO_CODES else "rejected"]
    assert records[0].file == finding.file and records[0].team == ""
    if data is not None and records[0].file == str(path):
        assert records[0].size == len(data) and records[0].modified
        if code != "lock-file":  # lock files are not read (Excel holds them)
            assert records[0].sha256 == sha256_of(data)


OTHER_FORMATS = {  # the containers of each, which collect checks; the reader reads (or refuses) what is inside
    "old.xls": ole_bytes({"Workbook": b"\x09\x08\x10\x00" + bytes(4096)}),
    "binary.xlsb": zip_bytes([("xl/workbook.bin", b"\x83\x01"), ("[Content_Types].xml", b"<x/>")]),
    "open.ods": zip_bytes([("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
                           ("content.xml", b"<x/>")], zipfile.ZIP_STORED),
}


@pytest.mark.parametrize("filename", sorted(OTHER_FORMATS))
def test_a_workbook_saved_as_xls_xlsb_or_ods_goes_to_the_reader(filename: str, tmp_path: Path) -> None:
    """Once refused here, and the team then chased as if nothing had come: now the reader judges it."""
    path = tmp_path / filename
    path.write_bytes(OTHER_FORMATS[filename])
    candidates, findings, records = collect([path], limits=LIMITS)
    assert [c.name for c in candidates] == [str(path)] and findings == [] and records == []
    assert candidates[0].data == OTHER_FORMATS[filename]


def test_a_bomb_saved_as_ods_is_refused_before_it_is_opened(tmp_path: Path) -> None:
    path = tmp_path / "bomb.ods"
    path.write_bytes(zip_bytes([("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
                                ("content.xml", bytes(1_500_000))]))
    candidates, findings, _ = collect([path], limits=LIMITS)
    assert candidates == [] and [f.code for f in findings] == ["workbook-bomb"], findings


def test_every_code_in_the_corpus_is_distinct_per_kind_of_problem() -> None:
    # Two bomb shapes share zip-bomb and three path tricks share zip-unsafe-path; all else is its own.
    codes = [code for _, _, code in CASES.values()]
    assert len(set(codes)) == len(codes) - 3


def test_messages_say_what_to_do(tmp_path: Path) -> None:
    expected = {
        "web.xls": "save the return as .xlsx (Excel Workbook)",
        "~$FIN return.xlsx": "Excel lock file, not a return; the real file is beside it",
        "locked.xlsx": "add the team's password to the passwords file (--passwords)",
    }
    for filename, data, _ in CASES.values():
        if filename in expected:
            (tmp_path / filename).write_bytes(data or b"")
    _, findings, _ = collect([tmp_path], limits=LIMITS)
    said = {Path(f.file).name: f"{f.message} {f.action}" for f in findings}
    for filename, phrase in expected.items():
        assert phrase in said[filename], said[filename]


def test_a_workbook_package_declaring_a_bomb_is_refused_before_it_is_opened(tmp_path: Path) -> None:
    # The directory claims 300 MB for one part (default limits): refused from the directory alone.
    forged = forge(xlsx_bytes("x"), "xl/worksheets/sheet1.xml", declared_size=300 * 1024 * 1024)
    path = tmp_path / "claims-300mb.xlsx"
    path.write_bytes(forged)
    candidates, findings, _ = collect([path])
    assert candidates == []
    assert [f.code for f in findings] == ["workbook-bomb"]
    assert "zip bomb" in findings[0].message


def test_a_workbook_whose_directory_lies_small_fails_its_checksum_before_calamine(tmp_path: Path) -> None:
    # The directory looks harmless, so collection passes it on; the reader decompresses every part
    # (no further than its declared size) and checks its CRC before calamine may open it.
    forged = forge(xlsx_bytes("x"), "xl/worksheets/sheet1.xml", declared_size=10)
    path = tmp_path / "lies.xlsx"
    path.write_bytes(forged)
    candidates, findings, _ = collect([path])
    assert findings == [] and len(candidates) == 1
    workbook, findings = read_return(candidates[0].name, candidates[0].data)
    assert workbook is None
    assert [(f.severity, f.code) for f in findings] == [(Severity.REJECTED, "workbook-corrupt")]
    assert "checksum" in findings[0].message or "damaged" in findings[0].message


def test_a_huge_mimetype_member_is_never_unpacked_to_sniff_the_type(tmp_path: Path) -> None:
    # 64 MB of zeros deflate to about 64 kB: classifying the archive must not unpack them (it once did,
    # whole, before any limit applied); the archive limits then refuse it as the bomb it is.
    path = tmp_path / "odd.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("mimetype", "w") as member:
        chunk = bytes(MB)
        for _ in range(64):
            member.write(chunk)
    assert path.stat().st_size < 1 * MB
    tracemalloc.start()
    try:
        candidates, findings, _ = collect([path])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert candidates == []
    assert [f.code for f in findings] == ["zip-bomb"], [str(f) for f in findings]
    assert peak < 8 * MB, f"peak {peak / MB:.1f} MB while collecting a 64 kB zip"


def test_a_zip_holding_a_file_called_mimetype_is_still_an_archive(tmp_path: Path) -> None:
    path = tmp_path / "batch.zip"
    path.write_bytes(zip_bytes([("mimetype", b"text/plain"), ("FIN.xlsx", xlsx_bytes("FIN"))]))
    candidates, findings, _ = collect([path], limits=LIMITS)
    assert [c.name for c in candidates] == [f"{path}/FIN.xlsx"]
    assert [(f.code, f.file) for f in findings] == [("not-spreadsheet", f"{path}/mimetype")]
    # A real OpenDocument file is still one document, not an archive to look inside.
    odt = tmp_path / "letter.odt"
    odt.write_bytes(zip_bytes([("mimetype", b"application/vnd.oasis.opendocument.text"),
                               ("content.xml", b"<x/>"), ("FIN.xlsx", xlsx_bytes("FIN"))], zipfile.ZIP_STORED))
    candidates, findings, _ = collect([odt], limits=LIMITS)
    assert candidates == [] and [(f.code, f.file) for f in findings] == [("not-spreadsheet", str(odt))]


# --------------------------------------------------------------------------------------------------
# The good files: all found, with the right names and times


def _inbox(root: Path) -> dict[str, bytes]:
    """A folder as an officer's inbox looks: loose returns, a batch zip with a nested zip, two e-mails,
    a lock file, hidden files, and a note. Returns the expected candidate names -> workbook text."""
    root.mkdir()
    (root / "FIN.xlsx").write_bytes(xlsx_bytes("FIN"))
    (root / "~$FIN.xlsx").write_bytes(b"\x0bclerk" + bytes(160))
    (root / ".hidden.xlsx").write_bytes(xlsx_bytes("hidden"))
    (root / ".git").mkdir()
    (root / ".git" / "ignored.xlsx").write_bytes(xlsx_bytes("ignored"))
    (root / "readme.txt").write_text("returns for Q4")
    sub = root / "by team" / "commissioning"
    sub.mkdir(parents=True)
    (sub / "COM.xlsm").write_bytes(xlsx_bytes("COM"))
    inner = zip_bytes([("HR-late.xlsx", xlsx_bytes("HR-late"))])
    batch = zip_bytes([("q4/", b""), ("q4/HR.xlsx", xlsx_bytes("HR")), ("q4/nested.zip", inner),
                       ("__MACOSX/q4/._HR.xlsx", b"\x00\x05\x16\x07"), ("q4/.DS_Store", b"junk")])
    (root / "batch.zip").write_bytes(batch)
    (root / "mail.eml").write_bytes(eml_bytes([("A.xlsx", xlsx_bytes("A")), ("B.xlsx", xlsx_bytes("B"))]))
    (root / "outlook.msg").write_bytes(msg_bytes([("C.xlsx", xlsx_bytes("C")), ("logo.png", b"\x89PNG")]))
    bundle = zip_bytes([("D.xlsx", xlsx_bytes("D"))])
    (root / "zipped-mail.eml").write_bytes(eml_bytes([("bundle.zip", bundle)]))
    r = str(root)
    return {
        f"{r}/FIN.xlsx": b"FIN",
        f"{r}/batch.zip/q4/HR.xlsx": b"HR",
        f"{r}/batch.zip/q4/nested.zip/HR-late.xlsx": b"HR-late",
        f"{r}/by team/commissioning/COM.xlsm": b"COM",
        f"{r}/mail.eml/A.xlsx": b"A",
        f"{r}/mail.eml/B.xlsx": b"B",
        f"{r}/outlook.msg/C.xlsx": b"C",
        f"{r}/zipped-mail.eml/bundle.zip/D.xlsx": b"D",
    }


def _cell_a1(candidate: Candidate) -> str:
    book = CalamineWorkbook.from_filelike(io.BytesIO(candidate.data))  # what the return reader does
    return str(book.get_sheet_by_index(0).to_python()[0][0])


def test_an_inbox_folder_yields_every_good_workbook_with_its_display_name(tmp_path: Path) -> None:
    expected = _inbox(tmp_path / "inbox")
    candidates, findings, records = collect([tmp_path / "inbox"], limits=LIMITS)
    assert [c.name for c in candidates] == list(expected)  # sorted walk, archive order inside
    for candidate in candidates:
        assert _cell_a1(candidate) == expected[candidate.name].decode()
        assert candidate.sha256 == hashlib.sha256(candidate.data).hexdigest()
        assert candidate.size == len(candidate.data)
        assert candidate.modified.tzinfo is not None and not candidate.encrypted_was
    by_name = {c.name: c for c in candidates}
    root = str(tmp_path / "inbox")
    assert by_name[f"{root}/FIN.xlsx"].container == ""
    assert by_name[f"{root}/batch.zip/q4/nested.zip/HR-late.xlsx"].container == f"{root}/batch.zip"
    assert by_name[f"{root}/mail.eml/A.xlsx"].modified == WHEN  # the e-mail's Date header
    assert by_name[f"{root}/outlook.msg/C.xlsx"].modified == WHEN
    # The lock file and the note are reported as skipped; hidden files and archive dot-entries are
    # listed in Sources (skipped, with why) without a finding each; the e-mail's logo is not mentioned.
    assert sorted((f.code, Path(f.file).name) for f in findings) == [
        ("lock-file", "~$FIN.xlsx"), ("not-spreadsheet", "readme.txt")]
    assert all(f.severity is Severity.INFO for f in findings)
    assert sorted(Path(r.file).name for r in records) == sorted(
        [".DS_Store", "._HR.xlsx", ".hidden.xlsx", "ignored.xlsx", "~$FIN.xlsx", "readme.txt"])
    assert {r.outcome for r in records} == {"skipped"} and all(r.reason for r in records)


def test_zip_members_keep_their_own_time(tmp_path: Path) -> None:
    info = zipfile.ZipInfo("q4/FIN.xlsx", date_time=(2009, 4, 17, 16, 5, 0))
    path = tmp_path / "batch.zip"
    path.write_bytes(zip_bytes([(info, xlsx_bytes("FIN"))]))
    candidates, findings, _ = collect([path])
    assert findings == []
    assert candidates[0].modified == dt.datetime(2009, 4, 17, 16, 5, tzinfo=dt.UTC)
    assert candidates[0].name == f"{path}/q4/FIN.xlsx" and candidates[0].container == str(path)


def test_a_file_given_twice_is_taken_once(tmp_path: Path) -> None:
    path = tmp_path / "FIN.xlsx"
    path.write_bytes(xlsx_bytes("FIN"))
    candidates, findings, _ = collect([path, tmp_path, path])
    assert [c.name for c in candidates] == [str(path)]
    assert findings == []


def test_a_file_reached_by_a_link_or_a_detour_is_taken_once(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "sub").mkdir(parents=True)
    path = inbox / "FIN.xlsx"
    path.write_bytes(xlsx_bytes("FIN"))
    (tmp_path / "linked-folder").symlink_to(inbox, target_is_directory=True)
    (tmp_path / "linked-file.xlsx").symlink_to(path)
    candidates, findings, _ = collect([path, tmp_path / "linked-folder", tmp_path / "linked-file.xlsx",
                                       inbox / "sub" / ".." / "FIN.xlsx"])
    assert [c.name for c in candidates] == [str(path)]
    assert findings == []


def test_inputs_are_untouched_and_results_repeat(tmp_path: Path) -> None:
    _inbox(tmp_path / "inbox")
    for filename, data, _ in CASES.values():
        if data is not None:
            (tmp_path / "inbox" / filename).write_bytes(data)

    def snapshot() -> dict[str, tuple[str, int]]:
        return {str(p): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
                for p in sorted((tmp_path / "inbox").rglob("*")) if p.is_file()}

    before = snapshot()
    first = collect([tmp_path / "inbox"], limits=LIMITS)
    second = collect([tmp_path / "inbox"], limits=LIMITS)
    assert snapshot() == before
    assert first == second
    assert {f.code for f in first[1]} >= {code for _, data, code in CASES.values() if data is not None}


# --------------------------------------------------------------------------------------------------
# Passwords


def test_a_protected_workbook_opens_with_the_right_password_only(tmp_path: Path) -> None:
    plain = xlsx_bytes("protected FIN")
    locked = encrypted(plain, "s3cret-FIN")
    path = tmp_path / "FIN.xlsx"
    path.write_bytes(locked)

    candidates, findings, _ = collect([path], {"BSC-HR": "wrong", "BSC-FIN": "s3cret-FIN"})
    assert findings == []
    (candidate,) = candidates
    assert candidate.encrypted_was
    assert candidate.sha256 == sha256_of(locked) and candidate.size == len(locked)
    assert candidate.data.startswith(b"PK")
    assert _cell_a1(candidate) == "protected FIN"

    candidates, findings, records = collect([path], {"BSC-HR": "wrong"})
    assert candidates == []
    assert [f.code for f in findings] == ["password-protected"]
    assert "--passwords" in findings[0].message
    assert "wrong" not in str(findings[0]) and records[0].sha256 == sha256_of(locked)


def test_a_protected_workbook_inside_an_email_is_opened_too(tmp_path: Path) -> None:
    path = tmp_path / "mail.eml"
    path.write_bytes(eml_bytes([("FIN.xlsx", encrypted(xlsx_bytes("FIN"), "pw"))]))
    candidates, findings, _ = collect([path], {"BSC-FIN": "pw"})
    assert findings == []
    assert [(c.name, c.encrypted_was) for c in candidates] == [(f"{path}/FIN.xlsx", True)]


def test_read_passwords(tmp_path: Path) -> None:
    path = tmp_path / "passwords.txt"
    path.write_text(
        "# team passwords for 2008/09\n"
        "\n"
        "BSC-FIN = pa=ss#1\n"
        "  BSC-HR=hr-secret  \n"
        "just-a-password-typed-alone\n"
        "= orphan-password\n"
        "BSC-COM =\n"
        "BSC-FIN = second-try\n",
        encoding="utf-8",
    )
    passwords, findings = read_passwords(path)
    assert passwords == {"BSC-FIN": "pa=ss#1", "BSC-HR": "hr-secret"}
    assert [(f.code, f.cell) for f in findings] == [
        ("passwords-bad-line", "line 5"), ("passwords-bad-line", "line 6"),
        ("passwords-bad-line", "line 7"), ("passwords-duplicate", "line 8")]
    text = " ".join(str(f) for f in findings)
    for secret in ("just-a-password-typed-alone", "orphan-password", "second-try", "pa=ss#1"):
        assert secret not in text
    assert all(f.file == str(path) for f in findings)


def test_read_passwords_of_a_missing_file_is_a_finding(tmp_path: Path) -> None:
    passwords, findings = read_passwords(tmp_path / "nope.txt")
    assert passwords == {}
    assert [f.code for f in findings] == ["passwords-unreadable"]


# --------------------------------------------------------------------------------------------------
# Outlook .msg


def test_the_msg_builder_makes_a_file_outlook_tools_read(tmp_path: Path) -> None:
    import extract_msg

    message = extract_msg.openMsg(msg_bytes([("C.xlsx", b"payload")]), delayAttachments=False)
    try:
        assert message.subject == "Q4 return"
        assert [(a.longFilename, a.data) for a in message.attachments] == [("C.xlsx", b"payload")]
    finally:
        message.close()


@pytest.mark.parametrize("builder", [
    pytest.param(lambda: b"not an ole file at all" * 100, id="not-ole"),
    pytest.param(lambda: ole_bytes({"Something": b"x" * 5000})[:1600], id="truncated-ole"),
])
def test_a_corrupt_msg_is_a_finding(builder: Callable[[], bytes], tmp_path: Path) -> None:
    path = tmp_path / "mail.msg"
    path.write_bytes(builder())
    candidates, findings, _ = collect([path])
    assert candidates == []
    assert [f.code for f in findings] == ["msg-corrupt"]


# --------------------------------------------------------------------------------------------------
# Never raises


SUFFIXES = [".xlsx", ".xlsm", ".xls", ".zip", ".eml", ".msg", ".csv", ".txt", ""]
SEEDS = [xlsx_bytes("seed"), zip_bytes([("a.xlsx", xlsx_bytes("a"))]),
         eml_bytes([("a.xlsx", xlsx_bytes("a"))]), msg_bytes([("a.xlsx", xlsx_bytes("a"))]),
         encrypted(xlsx_bytes("a"), "pw")]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.sampled_from(range(len(SEEDS))), suffix=st.sampled_from(SUFFIXES),
       cuts=st.lists(st.tuples(st.integers(0, 200_000), st.binary(min_size=1, max_size=8)), max_size=6),
       truncate=st.one_of(st.none(), st.integers(0, 200_000)))
def test_damaged_files_never_raise(tmp_path: Path, seed: int, suffix: str, cuts: list[tuple[int, bytes]],
                                   truncate: int | None) -> None:
    data = bytearray(SEEDS[seed])
    for at, junk in cuts:  # overwrite a few bytes here and there, as a bad disk or mail gateway would
        at %= len(data)
        data[at:at + len(junk)] = junk
    if truncate is not None:
        data = data[: truncate % (len(data) + 1)]
    path = tmp_path / f"damaged{suffix}"
    path.write_bytes(bytes(data))
    candidates, findings, records = collect([path], {"T": "pw"}, limits=LIMITS)
    listed_only = [r for r in records if r.reason.endswith("ignored, as hidden files are")]  # Sources only
    assert len(findings) >= len(records) - len(listed_only)
    for candidate in candidates:
        assert candidate.data.startswith(b"PK") and candidate.name.startswith(str(path))
