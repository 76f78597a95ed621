"""Returns that have been through LibreOffice: a clerk who opens the return in LibreOffice Calc and saves
it as .xlsx must send back exactly what they typed, and a template saved by LibreOffice before anyone
filled it in must still be a qmr return with every row."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import convert
from qmr.collect.sources import collect
from qmr.demo.simulate import Answer, Filled, fill_return, simulate
from qmr.judge.judgement import expected_rows
from qmr.judge.validate import validate
from qmr.model import Plan, Severity, Status
from qmr.period import Period
from qmr.returns import layout
from qmr.returns.reader import read_return
from qmr.returns.template import write_templates

pytestmark = pytest.mark.libreoffice

Q2, Q4 = Period(2008, 2), Period(2008, 4)


def read(plan: Plan, period: Period, path: Path) -> tuple:
    """What validation makes of one return, without its file name: team, items, sign-off date,
    narrative and findings."""
    candidates, findings, records = collect([path])
    validation = validate(plan, period, candidates, workers=1).after(findings, records)
    assert len(validation.accepted) == 1, [str(f) for f in validation.findings]
    ret = validation.accepted[0]
    narrative = [(n.type, n.title, n.text, n.source_cell) for n in ret.narrative]
    found = sorted((f.severity.value, f.code, f.sheet, f.cell, f.message) for f in validation.findings)
    return ret.team, ret.items, ret.signed_off, narrative, found


def loosely_typed(plan: Plan) -> Filled:
    """A Finance Q4 return typed the way clerks type: statuses in any case, a percentage as text,
    a number stored as text, the sign-off date as text."""
    filled = simulate(plan, "BSC-FIN", Q4, seed=5, signed=date(2009, 4, 14))
    filled.answers["milestone:BPR1.1"] = Answer("g", None, "Outturn reported in June")
    filled.answers["milestone:BPR1.2"] = Answer(" RED ", None, "Budget set late: council meeting moved")
    filled.answers["indicator:BPR LI1"] = Answer("green", "96%", "Paid within 30 days")
    filled.answers["indicator:BPR LI2"] = Answer("Green", "48", "All reports issued")
    filled.answers["risk:BPR1"] = Answer("a", None, "Monitoring slipped in December")
    filled.signoff["date"] = "14/04/2009"
    return filled


CASES = {
    "Q2 Human Resources": (Q2, "BSC-HR", lambda plan: simulate(plan, "BSC-HR", Q2, seed=3, signed=date(2008, 10, 9))),
    "Q4 Human Resources": (Q4, "BSC-HR", lambda plan: simulate(plan, "BSC-HR", Q4, seed=4, signed=date(2009, 4, 9))),
    "Q4 Finance, typed loosely": (Q4, "BSC-FIN", loosely_typed),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_return_saved_by_libreoffice_reads_the_same(plan: Plan, soffice: str, tmp_path: Path, case: str) -> None:
    period, team, answers = CASES[case]
    write_templates(plan, period, tmp_path / "templates", teams=[team])
    filled = fill_return(tmp_path / "templates" / f"{period.slug}_{team}.xlsx", tmp_path / "filled" / "return.xlsx",
                         answers(plan))
    saved = convert(soffice, filled, "xlsx", tmp_path / "libreoffice")
    assert saved.read_bytes() != filled.read_bytes()

    before = read(plan, period, filled)
    after = read(plan, period, saved)
    team_before, items_before, signed_before, narrative_before, findings_before = before
    team_after, items_after, signed_after, narrative_after, findings_after = after
    assert team_before == team_after == team
    assert set(items_before) == set(expected_rows(plan, team, period))
    for key, item in items_before.items():
        got = items_after[key]
        assert (got.status, got.auto_status, got.actual, got.commentary, got.source_cell) == \
            (item.status, item.auto_status, item.actual, item.commentary, item.source_cell), key
    assert items_after == items_before
    assert signed_after == signed_before
    assert narrative_after == narrative_before
    new = [f for f in findings_after if f not in findings_before]
    assert not [f for f in new if f[0] in (Severity.REJECTED.value, Severity.ERROR.value)], new
    assert findings_after == findings_before

    if case == "Q4 Finance, typed loosely":  # the loose values were interpreted, the same both times
        assert items_after["milestone:BPR1.1"].status is Status.GREEN
        assert items_after["milestone:BPR1.2"].status is Status.RED
        assert items_after["indicator:BPR LI1"].actual == pytest.approx(96.0)
        assert items_after["indicator:BPR LI2"].actual == pytest.approx(48.0)
        assert items_after["risk:BPR1"].status is Status.AMBER
        assert signed_after == date(2009, 4, 14)
        codes = {f[1] for f in findings_after}
        assert {"status-normalised", "actual-normalised"} <= codes


@pytest.mark.parametrize("period", [Q2, Q4], ids=["Q2", "Q4"])
def test_a_template_saved_by_libreoffice_is_still_a_return(plan: Plan, soffice: str, tmp_path: Path,
                                                           period: Period) -> None:
    team = "BSC-HR"
    write_templates(plan, period, tmp_path / "templates", teams=[team])
    template = tmp_path / "templates" / f"{period.slug}_{team}.xlsx"
    saved = convert(soffice, template, "xlsx", tmp_path / "libreoffice")

    # LibreOffice has no "very hidden": the identity sheet comes back merely hidden; still not shown
    book = load_workbook(saved)
    assert book[layout.IDENTITY_SHEET].sheet_state in ("hidden", "veryHidden")
    assert all(ws.protection.sheet for ws in book.worksheets if layout.is_item_sheet(ws.title))

    workbook, findings = read_return(str(saved), saved.read_bytes())
    assert workbook is not None, [str(f) for f in findings]
    assert not [f for f in findings if f.severity in (Severity.REJECTED, Severity.ERROR)]
    assert workbook.identity.team == team and workbook.identity.period == period.label
    expected = expected_rows(plan, team, period)
    assert {row.key for row in workbook.rows} == set(expected)
    original, _ = read_return(str(template), template.read_bytes())
    assert original is not None
    assert [(r.sheet, r.row, r.key) for r in workbook.rows] == [(r.sheet, r.row, r.key) for r in original.rows]

    # unfilled, every item is Missing: read, not rejected
    candidates, collected, records = collect([saved])
    validation = validate(plan, period, candidates, workers=1).after(collected, records)
    assert [r.team for r in validation.accepted] == [team]
    assert all(item.status is Status.MISSING for item in validation.accepted[0].items.values())

    # and a clerk can fill in the LibreOffice copy (typing only into unlocked cells) and send it
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(saved, inbox / "template.xlsx")
    filled = fill_return(inbox / "template.xlsx", inbox / "filled.xlsx",
                         simulate(plan, team, period, seed=9, signed=period.end))
    (inbox / "template.xlsx").unlink()
    team_read, items, signed, _, findings_read = read(plan, period, filled)
    assert team_read == team and set(items) == set(expected)
    assert all(item.status is not Status.MISSING for item in items.values())
    assert signed == period.end
    assert not [f for f in findings_read if f[0] in (Severity.REJECTED.value, Severity.ERROR.value)], findings_read
