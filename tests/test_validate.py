"""Validation as an officer meets it: one batch of good and bad inputs, every bad one with its own
specific finding, every good return read completely, and no input changed."""

from __future__ import annotations

import email.message
import hashlib
import io
import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from qmr.collect.sources import collect
from qmr.cycle import run_validation
from qmr.demo.simulate import Answer, Filled, fill_return, simulate
from qmr.judge.judgement import expected_rows
from qmr.judge.validate import validate
from qmr.model import Kind, PastValue, Plan, ReturnState, Severity, Status
from qmr.period import Period
from qmr.returns import layout
from qmr.returns.template import write_templates

Q4 = Period(2008, 4)


def complete(plan: Plan, team: str, period: Period = Q4) -> Filled:
    return simulate(plan, team, period, seed=7, signed=date(2009, 4, 10))


def edit(path: Path, change) -> Path:
    """Change a filled return the way someone with a spreadsheet program could (not as a clerk)."""
    book = load_workbook(path)
    change(book)
    book.save(path)
    return path


def zip_of(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def encrypted(data: bytes, password: str) -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt(password, out)
    return out.getvalue()


@pytest.fixture
def corpus(plan: Plan, tmp_path: Path) -> tuple[Path, dict[str, tuple[str, str]], list[PastValue]]:
    """An inbox of three valid-but-flawed team returns plus 30+ named bad inputs.

    Returns (inbox, case name -> (file name, finding code), history)."""
    templates = tmp_path / "templates"
    write_templates(plan, Q4, templates)
    # HR's template was made before one of its PIs was reworded in the register
    old_plan = replace(plan, indicators=tuple(
        replace(i, description="Sickness absence (old wording)") if i.ref == "BPR LI12" else i
        for i in plan.indicators))
    write_templates(old_plan, Q4, tmp_path / "old", teams=["BSC-HR"])
    write_templates(plan, Q4.previous(), tmp_path / "q3", teams=["BSC-FIN"])
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    cases: dict[str, tuple[str, str]] = {}

    def template(team: str) -> Path:
        return templates / f"{Q4.slug}_{team}.xlsx"

    # --- Finance: item-level errors and warnings in one otherwise good return
    fin = complete(plan, "BSC-FIN")
    fin.answers["milestone:BPR1.1"] = Answer("Purple", None, "All fine")
    fin.answers["milestone:BPR1.2"] = Answer("Amber", None, "Slipped a little")
    fin.answers["indicator:BPR LI1"] = Answer("Green", "tbc", "Figures awaited")
    fin.answers["indicator:BPR LI2"] = Answer("Green", 30.0, "Reports issued")
    fin.answers["risk:BPR1"] = Answer("g", None, "Monitoring in place")
    fill_return(template("BSC-FIN"), inbox / "finance.xlsx", fin)
    cases |= {
        "status not a valid status": ("finance.xlsx", "status-invalid"),
        "Amber at Q4 for a milestone": ("finance.xlsx", "amber-at-year-end"),
        "actual not a number": ("finance.xlsx", "actual-not-number"),
        "status disagrees with auto_status": ("finance.xlsx", "status-disagrees"),
        "cumulative PI went down": ("finance.xlsx", "cumulative-down"),
        "status typed loosely": ("finance.xlsx", "status-normalised"),
    }

    # --- HR: made from an older register, more item errors, sign-off not confirmed
    hr = complete(plan, "BSC-HR")
    hr.answers["milestone:BPR2.1"] = Answer(None, None, None)
    hr.answers["milestone:BPR2.2"] = Answer("Red", None, "")
    hr.answers["indicator:BPR LI12"] = Answer("N/A", None, None)
    hr.answers["indicator:BSC Ll21"] = Answer("Green", "10.0%", "On target")
    hr.signoff["confirmed"] = "No"
    hr.narrative = [("", "Restructure", "The HR restructure completed in March.")]
    fill_return(tmp_path / "old" / f"{Q4.slug}_BSC-HR.xlsx", inbox / "hr.xlsx", hr)
    cases |= {
        "progress left blank": ("hr.xlsx", "status-missing"),
        "Red without commentary": ("hr.xlsx", "commentary-missing"),
        "N/A without a reason": ("hr.xlsx", "na-without-reason"),
        "actual typed as text with %": ("hr.xlsx", "actual-normalised"),
        "sign-off not confirmed": ("hr.xlsx", "signoff-unconfirmed"),
        "narrative without a type": ("hr.xlsx", "narrative-type"),
        "template from an older register": ("hr.xlsx", "register-changed"),
    }

    # --- Commissioning: sent twice; the newer one has an empty actual and no sign-off
    first = complete(plan, "BSC-COM")
    first.signoff["date"] = date(2009, 4, 1)
    fill_return(template("BSC-COM"), inbox / "commissioning draft.xlsx", first)
    com = complete(plan, "BSC-COM")
    com.answers["indicator:BPR LI8"] = Answer("Green", None, "Contracts monitored")
    com.answers["milestone:BPR3.1"] = Answer("Green", None, "Framework re-tendered on time")
    com.signoff = {"date": date(2009, 4, 12)}
    fill_return(template("BSC-COM"), inbox / "commissioning final.xlsx", com)
    edit(inbox / "commissioning final.xlsx",
         lambda b: b["Milestones"].cell(layout.FIRST_ROW + 1, 1, "BPR3.9"))
    cases |= {
        "older duplicate superseded": ("commissioning draft.xlsx", "superseded"),
        "numeric actual missing": ("commissioning final.xlsx", "actual-missing"),
        "sign-off missing": ("commissioning final.xlsx", "signoff-missing"),
        "commentary unchanged from last quarter": ("commissioning final.xlsx", "commentary-unchanged"),
        "extra row typed below the items": ("commissioning final.xlsx", "extra-rows"),
    }

    # --- rejected: returns that are damaged, of the wrong period, or tampered with
    good = template("BSC-FIN").read_bytes()
    fill_return(tmp_path / "q3" / f"{Q4.previous().slug}_BSC-FIN.xlsx", inbox / "last quarter.xlsx",
                simulate(plan, "BSC-FIN", Q4.previous(), seed=1))
    cases["wrong period"] = ("last quarter.xlsx", "wrong-period")

    def tampered(name: str, change) -> None:
        path = inbox / name
        fill_return(template("BSC-HR"), path, complete(plan, "BSC-HR"))
        edit(path, change)

    tampered("row inserted.xlsx", lambda b: b["Milestones"].insert_rows(layout.FIRST_ROW + 1))
    tampered("rows sorted.xlsx", lambda b: _swap(b["Indicators"], layout.FIRST_ROW, layout.FIRST_ROW + 1))
    tampered("row deleted.xlsx", lambda b: b["Milestones"].delete_rows(layout.FIRST_ROW))
    tampered("sheet renamed.xlsx", lambda b: setattr(b["Indicators"], "title", "PIs"))
    tampered("sheet removed.xlsx", lambda b: b.remove(b["Milestones"]))
    tampered("identity emptied.xlsx", lambda b: setattr(b[layout.IDENTITY_SHEET]["B2"], "value", None))
    tampered("identity removed.xlsx", lambda b: b.remove(b[layout.IDENTITY_SHEET]))
    tampered("future format.xlsx", lambda b: b[layout.IDENTITY_SHEET].cell(1, 2, 99))
    tampered("unknown team.xlsx", lambda b: b[layout.IDENTITY_SHEET].cell(2, 2, "BSC-XYZ"))
    tampered("row list damaged.xlsx", lambda b: b[layout.IDENTITY_SHEET].cell(
        layout.IDENTITY_KEYS_HEADER_ROW + 1, 2, "row five"))
    cases |= {
        "row inserted in the locked area": ("row inserted.xlsx", "rows-tampered"),
        "rows re-ordered": ("rows sorted.xlsx", "rows-tampered"),
        "row deleted": ("row deleted.xlsx", "rows-tampered"),
        "item sheet renamed": ("sheet renamed.xlsx", "sheet-missing"),
        "item sheet removed": ("sheet removed.xlsx", "sheet-missing"),
        "identity sheet incomplete": ("identity emptied.xlsx", "identity-damaged"),
        "not a qmr return (identity removed)": ("identity removed.xlsx", "not-a-return"),
        "format version from a newer qmr": ("future format.xlsx", "identity-damaged"),
        "team not in the register": ("unknown team.xlsx", "unknown-team"),
        "identity row list damaged": ("row list damaged.xlsx", "identity-damaged"),
    }

    blank = io.BytesIO()
    from openpyxl import Workbook

    Workbook().save(blank)
    (inbox / "budget.xlsx").write_bytes(blank.getvalue())
    (inbox / "truncated.xlsx").write_bytes(good[: len(good) // 2])
    flipped = bytearray(good)
    for offset in range(200, len(flipped), 997):
        flipped[offset] ^= 0xFF
    (inbox / "flipped.xlsx").write_bytes(bytes(flipped))
    (inbox / "~$finance.xlsx").write_bytes(b"\x00" * 165)
    (inbox / "old excel.xls").write_bytes(b"<html><table><tr><td>1</td></tr></table></html>")
    (inbox / "binary.xlsb").write_bytes(zip_of([("xl/workbook.bin", b"\x00\x01")]))
    ods_mimetype = b"application/vnd.oasis.opendocument.spreadsheet"
    (inbox / "calc.ods").write_bytes(zip_of([("mimetype", ods_mimetype)]))
    (inbox / "export.csv").write_text("ref,status\nBPR1.1,Green\n")
    (inbox / "locked.xlsx").write_bytes(encrypted(good, "not-in-the-file"))
    (inbox / "escape.zip").write_bytes(zip_of([("../../escape.xlsx", good)]))
    bomb = zip_of([("bomb.xlsx", b"\x00" * (30 * 1024 * 1024))])
    (inbox / "bomb.zip").write_bytes(bomb)
    message = email.message.EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.org", "b@example.org", "no file"
    message.set_content("Sorry, forgot the attachment")
    (inbox / "forgot.eml").write_bytes(bytes(message))
    (inbox / "broken.zip").write_bytes(b"PK\x03\x04 this is not really a zip")
    (inbox / "outlook.msg").write_bytes(b"not an outlook message")
    cases |= {
        "workbook that is not a return": ("budget.xlsx", "not-a-return"),
        "truncated file": ("truncated.xlsx", "workbook-corrupt"),
        "bytes flipped": ("flipped.xlsx", "workbook-corrupt|workbook-bomb"),
        "Excel lock file": ("~$finance.xlsx", "lock-file"),
        "a web page named .xls": ("old excel.xls", "xls-not-excel"),
        "a broken .xlsb": ("binary.xlsb", "unreadable"),
        "an .ods with no content": ("calc.ods", "unreadable"),
        "CSV export": ("export.csv", "csv-format"),
        "password-protected, no password": ("locked.xlsx", "password-protected"),
        "zip with a path trick": ("escape.zip", "zip-unsafe-path"),
        "zip bomb": ("bomb.zip", "zip-bomb"),
        "e-mail with no attachment": ("forgot.eml", "email-no-spreadsheet"),
        "corrupt zip": ("broken.zip", "zip-corrupt"),
        "corrupt Outlook message": ("outlook.msg", "msg-corrupt"),
    }
    past = [
        PastValue(Q4.previous(), "BSC-FIN", Kind.INDICATOR, "BPR LI2", "Green", 40.0, "Reports issued",
                  layout.row_key(Kind.INDICATOR, "BPR LI2")),
        PastValue(Q4.previous(), "BSC-COM", Kind.MILESTONE, "BPR3.1", "Green", None,
                  "Framework re-tendered on time", layout.row_key(Kind.MILESTONE, "BPR3.1")),
    ]
    return inbox, cases, past


# DESIGN.md "Validation": the file counts for nothing (rejected), the item is Missing (error), worth a
# look (warning), a value was interpreted (info); skipped files and a superseded draft are notes.
SEVERITIES = {
    **dict.fromkeys(["not-a-return", "workbook-corrupt", "workbook-bomb", "xls-not-excel", "unreadable",
                     "csv-format", "password-protected", "zip-unsafe-path", "zip-bomb",
                     "zip-corrupt", "msg-corrupt", "wrong-period", "unknown-team", "rows-tampered",
                     "sheet-missing", "identity-damaged"], Severity.REJECTED),
    **dict.fromkeys(["status-invalid", "status-missing", "amber-at-year-end", "commentary-missing",
                     "na-without-reason", "actual-not-number", "actual-missing"], Severity.ERROR),
    **dict.fromkeys(["status-disagrees", "cumulative-down", "commentary-unchanged", "signoff-missing",
                     "signoff-unconfirmed", "register-changed", "narrative-type", "extra-rows"], Severity.WARNING),
    **dict.fromkeys(["status-normalised", "actual-normalised", "lock-file", "email-no-spreadsheet",
                     "duplicate-used", "superseded"], Severity.INFO),
}


def _swap(ws, first: int, second: int) -> None:
    for column in range(1, ws.max_column + 1):
        a, b = ws.cell(first, column), ws.cell(second, column)
        a.value, b.value = b.value, a.value


def test_every_bad_input_gets_its_own_finding_and_good_returns_are_read_completely(
    plan: Plan, corpus
) -> None:
    inbox, cases, past = corpus
    assert len(cases) >= 30
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in inbox.rglob("*") if p.is_file()}
    candidates, findings, records = collect([inbox])
    validation = validate(plan, Q4, candidates, past).after(findings, records)

    by_file: dict[str, set[str]] = {}
    for finding in validation.findings:
        # members of archives and e-mails are named `inbox/archive.zip/member.xlsx`
        outer = Path(finding.file).relative_to(inbox).parts[0]
        by_file.setdefault(outer, set()).add(finding.code)
    missing = {name: (file, code) for name, (file, code) in cases.items()
               if not set(code.split("|")) & by_file.get(file, set())}
    assert not missing, f"cases without their finding: {missing}\nfindings by file: {by_file}"

    # each kind of problem has the severity DESIGN.md gives it
    for finding in validation.findings:
        if finding.code in SEVERITIES:
            assert finding.severity is SEVERITIES[finding.code], finding

    # every finding is located and says what to do (info findings may only note)
    for finding in validation.findings:
        assert finding.file, finding
        if finding.severity is not Severity.INFO:
            assert finding.action, finding

    # the three team returns are accepted and read completely
    accepted = {r.team: r for r in validation.accepted}
    assert set(accepted) == {"BSC-FIN", "BSC-HR", "BSC-COM"}
    assert Path(accepted["BSC-COM"].file).name == "commissioning final.xlsx"
    for team, ret in accepted.items():
        assert set(ret.items) == set(expected_rows(plan, team, Q4)), team
    fin = accepted["BSC-FIN"].items
    assert fin["milestone:BPR1.1"].status is Status.MISSING  # invalid status: an error, so Missing
    assert fin["milestone:BPR1.2"].status is Status.MISSING  # Amber at year end
    assert fin["risk:BPR1"].status is Status.GREEN  # 'g' read as Green
    assert fin["indicator:BPR LI2"].status is Status.GREEN
    assert fin["indicator:BPR LI2"].auto_status is Status.RED
    hr = accepted["BSC-HR"].items
    assert hr["indicator:BSC Ll21"].actual == pytest.approx(10.0)
    assert hr["milestone:BPR2.2"].status is Status.RED  # unexplained, but a Red stands (an error finding)
    outcomes = {Path(s.file).name: s.outcome for s in validation.sources}
    assert outcomes["commissioning draft.xlsx"] == "superseded"
    assert outcomes["finance.xlsx"] == "accepted"
    assert outcomes["row inserted.xlsx"] == "rejected"

    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in inbox.rglob("*") if p.is_file()}
    assert after == before, "validation changed an input file"


def test_missing_teams_and_rejected_teams_are_told_apart(plan: Plan, tmp_path: Path) -> None:
    write_templates(plan, Q4, tmp_path / "t")
    inbox = tmp_path / "in"
    fill_return(tmp_path / "t" / f"{Q4.slug}_BSC-FIN.xlsx", inbox / "fin.xlsx", complete(plan, "BSC-FIN"))
    fill_return(tmp_path / "t" / f"{Q4.slug}_BSC-HR.xlsx", inbox / "hr.xlsx", complete(plan, "BSC-HR"))
    edit(inbox / "hr.xlsx", lambda b: b["Milestones"].insert_rows(layout.FIRST_ROW))
    batch = run_validation(plan, Q4, [inbox])
    assert [r.team for r in batch.validation.accepted] == ["BSC-FIN"]
    assert batch.turned_away == ["BSC-HR"]
    assert batch.missing == ["BSC-COM"]
    assert batch.states == {"BSC-FIN": ReturnState.RECEIVED, "BSC-HR": ReturnState.REJECTED,
                            "BSC-COM": ReturnState.MISSING}
    assert batch.validation.has_problems()


def test_a_complete_return_has_no_errors(plan: Plan, tmp_path: Path) -> None:
    write_templates(plan, Q4, tmp_path / "t")
    inbox = tmp_path / "in"
    for team in ("BSC-FIN", "BSC-HR", "BSC-COM"):
        fill_return(tmp_path / "t" / f"{Q4.slug}_{team}.xlsx", inbox / f"{team}.xlsx", complete(plan, team))
    batch = run_validation(plan, Q4, [inbox])
    serious = [f for f in batch.validation.findings if f.severity in (Severity.ERROR, Severity.REJECTED)]
    assert not serious, serious
    assert not batch.validation.has_problems() and batch.missing == []
    for ret in batch.validation.accepted:
        assert all(item.status is not Status.MISSING for item in ret.items.values())
        assert ret.signed_off == date(2009, 4, 10)
        assert ret.narrative


def test_parallel_and_serial_reading_agree(plan: Plan, tmp_path: Path) -> None:
    write_templates(plan, Q4, tmp_path / "t")
    inbox = tmp_path / "in"
    for copy in range(10):
        for team in ("BSC-FIN", "BSC-HR", "BSC-COM"):
            filled = simulate(plan, team, Q4, seed=copy, signed=date(2009, 4, 1 + copy))
            fill_return(tmp_path / "t" / f"{Q4.slug}_{team}.xlsx", inbox / f"{team}-{copy:02d}.xlsx", filled)
    candidates, _, _ = collect([inbox])
    serial = validate(plan, Q4, candidates, workers=1)
    parallel = validate(plan, Q4, candidates, workers=2)
    assert serial.findings == parallel.findings
    assert [(r.file, r.items) for r in serial.accepted] == [(r.file, r.items) for r in parallel.accepted]
    assert {Path(r.file).stem for r in serial.accepted} == {"BSC-COM-09", "BSC-FIN-09", "BSC-HR-09"}


def test_a_winning_return_signed_after_the_run_is_warned(plan: Plan, tmp_path: Path) -> None:
    """The only return of a team, signed after today but within a year of the quarter: still flagged."""
    write_templates(plan, Q4, tmp_path / "t")
    inbox = tmp_path / "in"
    fill_return(tmp_path / "t" / f"{Q4.slug}_BSC-FIN.xlsx", inbox / "fin.xlsx",
                simulate(plan, "BSC-FIN", Q4, seed=3, signed=date(2009, 6, 30)))
    candidates, _, _ = collect([inbox])
    late = validate(plan, Q4, candidates, workers=1, today=date(2009, 4, 20))
    codes = [(f.code, f.cell) for f in late.findings if f.code.startswith("signoff-date")]
    assert codes == [("signoff-date-impossible", layout.signoff_cell("date"))]
    assert len(late.accepted) == 1  # warned, still used
    on_time = validate(plan, Q4, candidates, workers=1, today=date(2009, 7, 1))
    assert not [f for f in on_time.findings if f.code.startswith("signoff-date")]
