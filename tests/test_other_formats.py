"""Returns saved as .ods, .xls or .xlsb (DESIGN.md "Validation": read when the identity is intact, with
a warning asking for .xlsx next time), and the files of a team that cannot be read: named for their
team, and the team asked to send again rather than told nothing came.

The .ods and .xls returns are real LibreOffice saves of a template a clerk filled in; LibreOffice
cannot write .xlsb, so those are written record by record as Excel lays them out (tests/xlsb.py).
"""

from __future__ import annotations

import email
import shutil
import struct
import zipfile
from dataclasses import replace
from pathlib import Path

import olefile
import openpyxl
import pytest

from clerk import fill_return
from conftest import convert
from qmr import cycle as quarter
from qmr.collect.chase import write_reminders
from qmr.model import ReturnState, Severity
from qmr.period import Period
from qmr.returns import layout
from qmr.returns.reader import read_return
from test_cli import qmr
from test_hostile import sheet_part
from xlsb import write_xlsb

Q3 = Period(2008, 3)
TEAMS = ("BSC-FIN", "BSC-MIC", "BSC-PP")
SAVED_AS = {"ods": "OpenDocument spreadsheet (.ods)", "xls": "Excel 97-2003 workbook (.xls)",
            "xlsb": "Excel Binary Workbook (.xlsb)"}


class Quarter:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.folder = quarter.init_folder(root / "work", "bpr-2008-09")
        self.plan, _ = quarter.load_plan(self.folder.plan)
        self.secret = quarter.folder_secret(self.folder)
        self.templates = {t.stem.split("_", 1)[1]: t for t in quarter.make_templates(
            self.plan, Q3, self.folder.templates_for(Q3), secret=self.secret)}
        self.valid = {team: fill_return(self.templates[team], root / "valid" / f"{team} return.xlsx")
                      for team in TEAMS}

    def run(self, inbox: Path) -> quarter.Batch:
        return quarter.run_validation(self.plan, Q3, [inbox], secret=self.secret, workers=1)

    def inbox(self, name: str, *extra: Path, without: str = "") -> Path:
        """The valid .xlsx returns of every team but `without`, and the `extra` files."""
        inbox = self.root / "inboxes" / name
        inbox.mkdir(parents=True)
        for team, path in self.valid.items():
            if team != without:
                shutil.copy(path, inbox / path.name)
        for path in extra:
            shutil.copy(path, inbox / path.name)
        return inbox


@pytest.fixture(scope="module")
def q(tmp_path_factory: pytest.TempPathFactory) -> Quarter:
    return Quarter(tmp_path_factory.mktemp("formats"))


@pytest.fixture(scope="module")
def clean(q: Quarter) -> quarter.Batch:
    return q.run(q.inbox("clean"))


def saved_as(q: Quarter, source: Path, ext: str, target: Path, request: pytest.FixtureRequest) -> Path:
    """`source` saved as `ext`: by LibreOffice for .ods and .xls (needs soffice), record by record for .xlsb."""
    target.mkdir(parents=True, exist_ok=True)
    if ext == "xlsb":
        return write_xlsb(source, target / (source.stem + ".xlsb"))
    return convert(request.getfixturevalue("soffice"), source, ext, target)


@pytest.mark.parametrize("ext", ["ods", "xls", "xlsb"])
def test_a_return_saved_in_another_format_is_judged_as_its_xlsx_with_a_warning(
        q: Quarter, clean: quarter.Batch, ext: str, request: pytest.FixtureRequest) -> None:
    """Before: refused (ods-format, xls-old-format, xlsb-format), and the team then chased as missing."""
    other = saved_as(q, q.valid["BSC-FIN"], ext, q.root / "saved" / ext, request)
    batch = q.run(q.inbox(f"read-{ext}", other, without="BSC-FIN"))
    accepted = {r.team: r for r in batch.validation.accepted}
    assert sorted(accepted) == list(TEAMS), [str(f) for f in batch.validation.findings]
    assert accepted["BSC-FIN"].file.endswith(other.name)
    expected = {r.team: r for r in clean.validation.accepted}["BSC-FIN"]
    assert accepted["BSC-FIN"].items == expected.items
    def story(entries):  # each from its own file
        return [replace(entry, source_file="") for entry in entries]
    assert story(accepted["BSC-FIN"].narrative) == story(expected.narrative) != []
    assert accepted["BSC-FIN"].signed_off == expected.signed_off
    assert batch.states["BSC-FIN"] is ReturnState.RECEIVED and batch.missing == []
    warned = [f for f in batch.validation.findings if f.code == "other-format"]
    assert len(warned) == 1 and warned[0].severity is Severity.WARNING and warned[0].team == "BSC-FIN"
    assert warned[0].file.endswith(other.name) and other.name in warned[0].message
    assert f"saved as {SAVED_AS[ext]}" in warned[0].message and ".xlsx" in warned[0].action
    # the same findings about the items as the .xlsx got, and nothing more besides the warning
    def codes(b: quarter.Batch) -> list[tuple[str, str, str]]:
        return sorted((f.code, f.sheet, f.cell) for f in b.validation.findings
                      if f.team == "BSC-FIN" and f.code != "other-format")
    assert codes(batch) == codes(clean)
    # the format alone is nothing to mark up: no feedback copy is wanted for it, so none is missed
    copies = quarter.write_feedback_copies(batch, q.root / "saved" / ext / "feedback", Q3)
    wanted = any(f.severity is not Severity.INFO for f in clean.validation.findings if f.team == "BSC-FIN")
    assert [f.code for f in copies.findings if f.file.endswith(other.name)] == (["feedback-failed"] if wanted else [])


@pytest.mark.parametrize("ext", ["ods", "xlsb"])
def test_the_team_token_is_checked_in_another_format(q: Quarter, ext: str, request: pytest.FixtureRequest) -> None:
    """A return whose identity's team token was edited is rejected however it was saved."""
    book = openpyxl.load_workbook(q.valid["BSC-MIC"])
    book[layout.IDENTITY_SHEET][layout.identity_cell("team_token")].value = "0" * 64
    forged = q.root / "forged" / "BSC-MIC forged.xlsx"
    forged.parent.mkdir(parents=True, exist_ok=True)
    book.save(forged)
    other = saved_as(q, forged, ext, q.root / "forged" / ext, request)
    batch = q.run(q.inbox(f"token-{ext}", other, without="BSC-MIC"))
    refused = [f for f in batch.validation.findings if f.file.endswith(other.name) and f.severity is Severity.REJECTED]
    assert [f.code for f in refused] == ["token-mismatch"], [str(f) for f in batch.validation.findings]
    assert "BSC-MIC" not in {r.team for r in batch.validation.accepted}


def _truncated(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(source.read_bytes()[: source.stat().st_size // 2])  # a download cut short
    return target


def _identity_lost(source: Path, target: Path) -> Path:
    book = openpyxl.load_workbook(source)
    del book[layout.IDENTITY_SHEET]
    stripped = target.with_suffix(".stripped.xlsx")
    stripped.parent.mkdir(parents=True, exist_ok=True)
    book.save(stripped)
    return write_xlsb(stripped, target)


@pytest.mark.parametrize("case, code", [("corrupt", "workbook-corrupt"), ("identity lost", "not-a-return")])
def test_an_unreadable_file_names_its_team_which_is_asked_to_send_again(
        q: Quarter, case: str, code: str, tmp_path: Path) -> None:
    """The team code in the file name, in any case, says whose it is: not Missing but Unreadable, and
    its reminder says the file could not be read rather than that nothing came."""
    good = write_xlsb(q.valid["BSC-PP"], q.root / "unreadable" / "good.xlsb")
    name = q.root / "unreadable" / case / f"{Q3.slug}_bsc-pp.xlsb"
    broken = _truncated(good, name) if case == "corrupt" else _identity_lost(q.valid["BSC-PP"], name)
    batch = q.run(q.inbox(f"unreadable-{case}", broken, without="BSC-PP"))
    found = [f for f in batch.validation.findings if f.file.endswith(broken.name)]
    assert [f.code for f in found] == [code], [str(f) for f in found]
    assert found[0].team == "BSC-PP" and "BSC-PP" in found[0].message
    assert batch.states["BSC-PP"] is ReturnState.UNREADABLE
    assert batch.missing == [] and list(batch.unreadable) == ["BSC-PP"]
    assert batch.unreadable["BSC-PP"][0].endswith(broken.name)
    [reminder] = write_reminders(q.plan, Q3, batch.missing, q.folder.templates_for(Q3), tmp_path / "chase",
                                 unreadable=batch.unreadable, sent=None)
    message = email.message_from_bytes(reminder.read_bytes(), policy=email.policy.default)
    body = " ".join(message.get_body(("plain",)).get_content().split())
    assert "could not be read" in body and "send it again, saved as an Excel Workbook (.xlsx)" in body
    assert broken.name in body and "have not yet received" not in body
    assert str(message["Subject"]).strip().startswith("Please send again")
    assert [part.get_filename() for part in message.iter_attachments()] == [f"{Q3.slug}_BSC-PP.xlsx"]


def test_a_file_named_for_no_team_or_two_is_nobodys(q: Quarter) -> None:
    """`FINAL` is not BSC-FIN's; a name carrying two team codes says nothing for sure."""
    from qmr.judge.claims import team_in_name

    codes = [team.code for team in q.plan.teams]
    assert team_in_name("returns/BSC-FINAL.xlsb", codes) == ""
    assert team_in_name("returns/bsc-fin and bsc-pp.ods", codes) == ""
    assert team_in_name("mail.eml/Bsc-Fin return.ods", codes) == "BSC-FIN"


@pytest.mark.libreoffice
def test_an_xls_declaring_a_huge_sheet_is_refused_before_it_is_read(q: Quarter, soffice: str) -> None:
    """The BIFF DIMENSIONS record of one sheet made to declare all 65,536 x 256 cells an .xls can hold."""
    xls = convert(soffice, q.valid["BSC-MIC"], "xls", q.root / "huge-xls")
    with olefile.OleFileIO(str(xls), write_mode=True) as ole:
        biff = bytearray(ole.openstream("Workbook").read())
        at = patched = 0
        while at + 4 <= len(biff):
            kind, size = struct.unpack_from("<HH", biff, at)
            if kind == 0x0200 and not patched:  # DIMENSIONS: first row, last row + 1, first column, last + 1
                struct.pack_into("<IIHH", biff, at + 4, 0, 65536, 0, 256)
                patched = 1
            at += 4 + size
        assert patched
        ole.write_stream("Workbook", bytes(biff))
    batch = q.run(q.inbox("huge-xls-inbox", xls, without="BSC-MIC"))
    found = [f for f in batch.validation.findings if f.file.endswith(xls.name)]
    assert [f.code for f in found] == ["sheet-too-large"], [str(f) for f in found]
    assert "65,536 rows x 256 columns" in found[0].message
    # refused before it was opened, so only its name (`BSC-MIC return.xls`) says whose it is
    assert found[0].team == "BSC-MIC" and batch.states["BSC-MIC"] is ReturnState.UNREADABLE



def test_a_return_in_another_format_gets_a_finding_saying_why_it_has_no_feedback_copy(q: Quarter) -> None:
    """A feedback copy is the team's own workbook marked up, which openpyxl can do only in .xlsx: the
    .xlsb return with problems gets a warning naming it and why; the .xlsx beside it gets its copy."""
    blanks = fill_return(q.templates["BSC-FIN"], q.root / "feedback" / "FIN blanks.xlsx",
                         lambda sheet, key, answer: {**answer, "progress": None})
    other = write_xlsb(blanks, q.root / "feedback" / "FIN blanks.xlsb")
    mic = fill_return(q.templates["BSC-MIC"], q.root / "feedback" / "MIC blanks.xlsx",
                      lambda sheet, key, answer: {**answer, "progress": None})
    inbox = q.inbox("feedback", other, mic, without="BSC-FIN")
    (inbox / q.valid["BSC-MIC"].name).unlink()
    batch = q.run(inbox)
    assert {r.team for r in batch.validation.accepted} == set(TEAMS)
    copies = quarter.write_feedback_copies(batch, q.root / "feedback" / "out", Q3)
    assert [p.name for p in copies.written] == ["MIC blanks_feedback.xlsx"]
    [failed] = copies.findings
    assert failed.code == "feedback-failed" and failed.file.endswith(other.name)
    assert "saved as Excel Binary Workbook (.xlsb)" in failed.message and ".xlsx" in failed.message


def test_status_chase_in_the_folder_asks_the_team_whose_file_could_not_be_read_to_send_it_again(
        q: Quarter) -> None:
    """The whole path a performance officer takes: `qmr status --chase` in the working folder."""
    returns = q.folder.returns_for(Q3)
    returns.mkdir(parents=True, exist_ok=True)
    for team in ("BSC-FIN", "BSC-MIC"):
        shutil.copy(q.valid[team], returns / q.valid[team].name)
    good = write_xlsb(q.valid["BSC-PP"], q.root / "cli" / "good.xlsb")
    _truncated(good, returns / f"{Q3.slug}_BSC-PP.xlsb")
    shown = qmr("status", "--period", Q3.label, "--chase", cwd=q.folder.root, expect=1).stdout
    row = next(line for line in shown.splitlines() if "BSC-PP" in line and "│" in line)
    assert "unreadable" in row and "missing" not in row, shown
    reminders = sorted(q.folder.outputs_for(Q3).reminders.glob("*.eml"))
    assert [p.name for p in reminders] == [f"{Q3.slug}_BSC-PP_reminder.eml"], shown
    body = " ".join(reminders[0].read_text().split())
    assert "could not be read" in body and "have not yet received" not in body
    summary = qmr("validate", "--period", Q3.label, cwd=q.folder.root, expect=1).stdout
    assert "2 received, 0 missing, 1 rejected (1 could not be read)" in " ".join(summary.split()), summary


def test_a_return_saved_as_xlsm_is_read_with_the_warning_and_gets_its_feedback_copy(q: Quarter) -> None:
    """An .xlsm is an .xlsx package whose workbook part says macros: openpyxl marks it up as usual."""
    source = fill_return(q.templates["BSC-FIN"], q.root / "xlsm" / "FIN blanks.xlsx",
                         lambda sheet, key, answer: {**answer, "progress": None})
    target = q.root / "xlsm" / "FIN macros.xlsm"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
                assert b"macroEnabled" in data
            zout.writestr(info.filename, data)
    batch = q.run(q.inbox("xlsm", target, without="BSC-FIN"))
    assert {r.team for r in batch.validation.accepted} == set(TEAMS)
    warned = [f for f in batch.validation.findings if f.code == "other-format"]
    assert [f.file for f in warned] == [str(q.root / "inboxes" / "xlsm" / target.name)]
    assert "saved as Excel Macro-Enabled Workbook (.xlsm)" in warned[0].message
    copies = quarter.write_feedback_copies(batch, q.root / "xlsm" / "out", Q3)
    assert [p.name for p in copies.written] == ["FIN macros_feedback.xlsx"] and copies.findings == []


def test_a_workbook_whose_sheet_cannot_be_read_names_the_team_its_identity_sheet_gives(q: Quarter) -> None:
    """The identity sheet still reads, the Milestones sheet's XML is broken: the finding names the team."""
    source = q.valid["BSC-MIC"]
    target = q.root / "broken-sheet" / "broken.xlsx"
    target.parent.mkdir(parents=True)
    part = sheet_part(source, layout.MILESTONES.name)
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info.filename, data.replace(b"<sheetData>", b"<sheetData><row r=\"x\"><c r=") if
                          info.filename == part else data)
    workbook_read, findings = read_return(str(target), target.read_bytes())
    assert workbook_read is None
    assert [(f.code, f.team) for f in findings] == [("unreadable", "BSC-MIC")], [str(f) for f in findings]


def _biff(*records: tuple[int, bytes]) -> bytes:
    import struct

    return b"".join(struct.pack("<HH", kind, len(body)) + body for kind, body in records)


def test_an_xls_sheet_hidden_from_the_walk_or_an_inverted_range_is_refused() -> None:
    """calamine opens each sheet where its BOUNDSHEET record points and subtracts a range's first row
    from its last: a sheet inside another record's body, or a range ending before it starts, would
    allocate unmeasured, so both count as damage."""
    import struct

    from qmr.returns.formats import XlsDamaged, _xls_walk

    bof, eof = (0x0809, b"\x00\x06\x10\x00" + b"\x00" * 12), (0x000A, b"")
    sheet = _biff(bof, (0x0200, struct.pack("<IIHHH", 0, 10, 0, 5, 0)), eof)
    globals_size = len(_biff(bof, (0x0085, b"\x00" * 8), eof))
    visible = _biff(bof, (0x0085, struct.pack("<I", globals_size) + b"\x00" * 4), eof) + sheet
    assert len(_xls_walk(visible)) >= 2  # a sheet where the workbook says: measured
    hidden = _biff(bof, (0x0085, struct.pack("<I", globals_size + 4) + b"\x00" * 4), eof, (0x00EF, sheet))
    with pytest.raises(XlsDamaged):
        _xls_walk(hidden)
    inverted = _biff(bof, (0x0200, struct.pack("<IIHHH", 2, 1, 0, 5, 0)), eof)
    with pytest.raises(XlsDamaged):
        _xls_walk(inverted)
