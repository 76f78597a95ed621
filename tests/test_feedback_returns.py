"""The feedback loop on a real return: validate a filled return with problems, write the team's feedback
copy, find every problem marked in it, then fix the copy the way a clerk would and send it back."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from qmr.cycle import Batch, run_validation, write_feedback_copies
from qmr.demo.simulate import Answer, Filled, fill_return, simulate
from qmr.judge.judgement import expected_rows
from qmr.model import Plan, Severity, Status
from qmr.period import Period
from qmr.publish.feedback import COMMENT_AUTHOR, FEEDBACK_SHEET
from qmr.returns import layout
from qmr.returns.template import write_templates

Q4 = Period(2008, 4)
TEAM = "BSC-FIN"
LIST_HEADER_ROW = 5  # the "What to fix" list: Severity, Sheet, Cell, Go to, What is wrong, What to do

PROBLEMS = {  # row key -> (what the clerk typed, the finding it must get)
    "milestone:BPR1.1": (Answer("Purple", None, "All fine"), "status-invalid"),
    "risk:BPR1": (Answer("Amber", None, None), "commentary-missing"),
    "indicator:BPR LI1": (Answer("Green", "about 95", "Figures awaited"), "actual-not-number"),
}


def serious(batch: Batch) -> list:
    return [f for f in batch.validation.findings if f.severity in (Severity.REJECTED, Severity.ERROR)]


@pytest.fixture
def flawed(plan: Plan, tmp_path: Path) -> tuple[Path, Filled]:
    """Finance's Q4 return with an invalid status, Amber with no commentary, an actual that is not a
    number and no name in the sign-off; returns (the inbox, the answers a careful clerk would give)."""
    write_templates(plan, Q4, tmp_path / "templates", teams=[TEAM])
    good = simulate(plan, TEAM, Q4, seed=2, signed=date(2009, 4, 8))
    flawed = simulate(plan, TEAM, Q4, seed=2, signed=date(2009, 4, 8))
    for key, (answer, _) in PROBLEMS.items():
        flawed.answers[key] = answer
    del flawed.signoff["completed_by"]
    inbox = tmp_path / "inbox"
    fill_return(tmp_path / "templates" / f"{Q4.slug}_{TEAM}.xlsx", inbox / "finance return.xlsx", flawed)
    return inbox, good


def test_feedback_copy_marks_every_problem_and_can_be_fixed_and_resent(
    plan: Plan, tmp_path: Path, flawed: tuple[Path, Filled]
) -> None:
    inbox, good = flawed
    batch = run_validation(plan, Q4, [inbox])
    assert [r.team for r in batch.validation.accepted] == [TEAM]
    findings = batch.validation.findings
    codes = {f.code for f in findings}
    assert {code for _, code in PROBLEMS.values()} | {"signoff-missing"} <= codes, codes
    problems = [f for f in findings if f.severity is not Severity.INFO]
    assert all(f.sheet and f.cell and f.action for f in problems), problems
    items = batch.validation.accepted[0].items
    # errors make the item Missing, except an unexplained Amber, whose status stands (DESIGN.md)
    assert {key: items[key].status for key in PROBLEMS} == {
        "milestone:BPR1.1": Status.MISSING, "risk:BPR1": Status.AMBER, "indicator:BPR LI1": Status.MISSING}

    written = write_feedback_copies(batch, tmp_path / "feedback", Q4).written
    assert len(written) == 1
    copy = written[0]
    assert copy.name == "finance return_feedback.xlsx"

    # every problem cell is highlighted and carries a comment with the message and what to do
    book = load_workbook(copy)
    for finding in problems:
        cell = book[finding.sheet][finding.cell]
        assert cell.comment is not None, f"no comment on {finding.sheet}!{finding.cell} for {finding}"
        assert cell.comment.author == COMMENT_AUTHOR
        assert finding.message in cell.comment.text and finding.action in cell.comment.text, cell.comment.text
        assert cell.fill.fill_type == "solid", f"{finding.sheet}!{finding.cell} not highlighted"
    marked = {(ws.title, c.coordinate) for ws in book.worksheets for row in ws.iter_rows() for c in row
              if c.comment is not None and c.comment.author == COMMENT_AUTHOR}
    assert marked == {(f.sheet, f.cell) for f in findings if f.sheet and f.cell}

    # the "What to fix" sheet comes first and lists them, each with where, what and what to do
    assert book.sheetnames[0] == FEEDBACK_SHEET
    listed = {tuple(row[:3]) + tuple(row[4:6])
              for row in book[FEEDBACK_SHEET].iter_rows(min_row=LIST_HEADER_ROW + 1, values_only=True) if row[0]}
    for finding in problems:
        assert (finding.severity.value, finding.sheet, finding.cell, finding.message, finding.action) in listed
    assert len(listed) == len(findings)
    # the input was not touched; the copy is a different file
    assert "What to fix" not in load_workbook(inbox / "finance return.xlsx").sheetnames

    # the copy is still a qmr return: as sent back unchanged it reads to the same problems
    resent = tmp_path / "resent"
    resent.mkdir()
    (resent / copy.name).write_bytes(copy.read_bytes())
    again = run_validation(plan, Q4, [resent])
    assert [r.team for r in again.validation.accepted] == [TEAM]
    assert sorted((f.severity, f.code, f.sheet, f.cell, f.message) for f in again.validation.findings) == \
        sorted((f.severity, f.code, f.sheet, f.cell, f.message) for f in findings)

    # a clerk fixes the highlighted cells (typing only into unlocked cells) and sends it again
    fixes = Filled(answers={key: good.answers[key] for key in PROBLEMS},
                   signoff={"completed_by": good.signoff["completed_by"]})
    fixed_inbox = tmp_path / "fixed"
    fixed = fill_return(copy, fixed_inbox / "finance return (corrected).xlsx", fixes)
    assert FEEDBACK_SHEET in load_workbook(fixed).sheetnames  # sent back with the list still in it
    result = run_validation(plan, Q4, [fixed_inbox])
    assert not serious(result), [str(f) for f in serious(result)]
    assert [r.team for r in result.validation.accepted] == [TEAM]
    assert [s.outcome for s in result.validation.sources] == ["accepted"]
    assert not {"signoff-missing", *(code for _, code in PROBLEMS.values())} & \
        {f.code for f in result.validation.findings}
    corrected = result.validation.accepted[0]
    assert set(corrected.items) == set(expected_rows(plan, TEAM, Q4))
    assert all(item.status is not Status.MISSING for item in corrected.items.values())
    for key in PROBLEMS:
        assert corrected.items[key].status.value == good.answers[key].status
        assert corrected.items[key].commentary == good.answers[key].commentary
    assert corrected.items["indicator:BPR LI1"].actual == pytest.approx(good.answers["indicator:BPR LI1"].actual)
    assert corrected.signed_off == date(2009, 4, 8)
    # the clean resubmission needs no feedback copy
    assert write_feedback_copies(result, tmp_path / "feedback-2", Q4).written == []


def test_identity_findings_are_listed_but_the_hidden_sheet_is_not_marked(
    plan: Plan, tmp_path: Path, flawed: tuple[Path, Filled]
) -> None:
    """A finding on the hidden identity sheet (here: the team's part of the register changed since its
    template was made) is listed in the copy but not drawn on the hidden sheet, which stays hidden."""
    from dataclasses import replace

    inbox, _ = flawed
    renamed = tuple(replace(i, description=i.description + " (revised)") if i.team == TEAM else i
                    for i in plan.indicators)
    batch = run_validation(replace(plan, indicators=renamed), Q4, [inbox])
    identity_findings = [f for f in batch.validation.findings if f.sheet == layout.IDENTITY_SHEET]
    assert [f.code for f in identity_findings] == ["register-changed"]
    (copy,) = write_feedback_copies(batch, tmp_path / "feedback", Q4).written
    book = load_workbook(copy)
    identity = book[layout.IDENTITY_SHEET]
    assert identity.sheet_state == "veryHidden"
    assert all(c.comment is None for row in identity.iter_rows() for c in row)
    listed = [row for row in book[FEEDBACK_SHEET].iter_rows(min_row=LIST_HEADER_ROW + 1, values_only=True)
              if row[0]]
    assert any(row[1] == layout.IDENTITY_SHEET and row[4] == identity_findings[0].message for row in listed)


def test_a_superseded_draft_gets_no_feedback_copy(plan: Plan, tmp_path: Path, flawed: tuple[Path, Filled]) -> None:
    """The flawed return was a first draft: a later, complete one from the same team replaces it, so
    only the later one counts and the draft is not marked up and sent back."""
    inbox, good = flawed
    good.signoff["date"] = date(2009, 4, 20)
    fill_return(tmp_path / "templates" / f"{Q4.slug}_{TEAM}.xlsx", inbox / "finance final.xlsx", good)
    batch = run_validation(plan, Q4, [inbox])
    assert [Path(r.file).name for r in batch.validation.accepted] == ["finance final.xlsx"]
    assert {Path(f.file).name for f in batch.validation.findings if f.code == "superseded"} == {
        "finance return.xlsx"}
    assert write_feedback_copies(batch, tmp_path / "feedback", Q4).written == []


def test_a_protected_return_gets_a_protected_feedback_copy(
    plan: Plan, tmp_path: Path, flawed: tuple[Path, Filled]
) -> None:
    """The team sent its return with a password: the marked-up copy goes back with the same one."""
    import io

    from msoffcrypto import OfficeFile
    from msoffcrypto.format.ooxml import OOXMLFile

    from qmr.collect.sources import OLE_MAGIC
    from qmr.publish.feedback import FEEDBACK_SHEET

    inbox, _ = flawed
    plain = inbox / "finance return.xlsx"
    locked = io.BytesIO()
    OOXMLFile(io.BytesIO(plain.read_bytes())).encrypt("Fin-2009!", locked)
    plain.unlink()
    (inbox / "finance return (protected).xlsx").write_bytes(locked.getvalue())
    secrets = tmp_path / "passwords.txt"
    secrets.write_text(f"{TEAM} = Fin-2009!\nBSC-HR = other\n")

    batch = run_validation(plan, Q4, [inbox], passwords=secrets)
    assert [r.team for r in batch.validation.accepted] == [TEAM]
    (copy,) = write_feedback_copies(batch, tmp_path / "feedback", Q4).written
    assert copy.read_bytes().startswith(OLE_MAGIC), "the feedback copy went out unprotected"
    opened = io.BytesIO()
    office = OfficeFile(io.BytesIO(copy.read_bytes()))
    office.load_key(password="Fin-2009!")
    office.decrypt(opened)
    assert load_workbook(opened).sheetnames[0] == FEEDBACK_SHEET


def test_feedback_copy_reads_the_return_again_and_not_a_changed_one(
    plan: Plan, tmp_path: Path, flawed: tuple[Path, Filled]
) -> None:
    """Returns are not kept in memory after judging: the copy is made from the file read again, and a
    file that changed since it was judged gets a warning rather than a copy of what it holds now."""
    inbox, good = flawed
    batch = run_validation(plan, Q4, [inbox])
    assert all(not isinstance(origin, bytes) for _, origin in batch.validation.readable.values())
    [copy] = write_feedback_copies(batch, tmp_path / "feedback", Q4).written
    assert load_workbook(copy)[FEEDBACK_SHEET].cell(LIST_HEADER_ROW + 1, 1).value  # the problems are listed

    fill_return(tmp_path / "templates" / f"{Q4.slug}_{TEAM}.xlsx", inbox / "finance return.xlsx", good)
    again = write_feedback_copies(batch, tmp_path / "again", Q4)
    assert list(again.written) == []
    [warning] = [f for f in again.findings if f.code == "feedback-failed"]
    assert warning.file.endswith("finance return.xlsx") and "changed" in warning.message
