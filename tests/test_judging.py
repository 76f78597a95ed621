"""Judging rules at the edges: refs with unusual characters, other teams' objectives, the target a
quarter is judged against, percentages, a file received twice, padded statuses, and history kept per
return row (several risk measures of one objective, items reported only twice a year)."""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from qmr.consolidate import history
from qmr.cycle import make_templates, run_validation
from qmr.demo.simulate import Answer, fill_return, simulate
from qmr.judge.auto_status import auto_status
from qmr.model import Indicator, Milestone, Plan, RiskMeasure, Severity, Status
from qmr.period import Period
from qmr.plan.targets import quarter_target, target_shown
from qmr.returns import layout
from qmr.returns.template import write_templates

Q1, Q2, Q4 = Period(2008, 1), Period(2008, 2), Period(2008, 4)


def send(plan: Plan, period: Period, team: str, tmp_path: Path, name: str = "return.xlsx", change=None,
         seed: int = 3) -> Path:
    """A template filled completely by the team's clerk (with `change(filled)` applied) in an inbox."""
    write_templates(plan, period, tmp_path / "templates" / period.slug, teams=[team])
    filled = simulate(plan, team, period, seed=seed, signed=period.end)
    if change:
        change(filled)
    inbox = tmp_path / "inbox" / period.slug
    fill_return(tmp_path / "templates" / period.slug / f"{period.slug}_{team}.xlsx", inbox / name, filled)
    return inbox


def codes(batch) -> dict[str, Severity]:
    return {f.code: f.severity for f in batch.validation.findings}


def test_a_ref_with_a_hash_is_read_like_any_other(plan: Plan, tmp_path: Path) -> None:
    odd = replace(plan, milestones=tuple(replace(m, id="BPR1.1#A") if m.id == "BPR1.1" else m
                                         for m in plan.milestones))
    batch = run_validation(odd, Q2, [send(odd, Q2, "BSC-FIN", tmp_path)])
    (accepted,) = batch.validation.accepted
    assert "milestone:BPR1.1#A" in accepted.items
    assert accepted.items["milestone:BPR1.1#A"].status is not Status.MISSING
    assert not batch.validation.has_problems(), batch.validation.findings


def test_a_milestone_under_another_teams_objective_shows_its_objective(plan: Plan, tmp_path: Path) -> None:
    shared = replace(plan, milestones=(*plan.milestones, Milestone(
        "BPR1.9", "BPR1", "HR support for the budget consultation", "BSC-HR", "Dec 2008", "2008/09")))
    (path,) = write_templates(shared, Q2, tmp_path, teams=["BSC-HR"])
    sheet = load_workbook(path)["Milestones"]
    shown = {sheet[layout.MILESTONES.cell("ref", r)].value: sheet[layout.MILESTONES.cell("objective", r)].value
             for r in range(layout.FIRST_ROW, sheet.max_row + 1)}
    assert shown["BPR1.9"] == "Maintain a sound financial position for the directorate"


def test_the_target_shown_is_the_target_judged_against(plan: Plan, tmp_path: Path) -> None:
    contracts = next(i for i in plan.indicators if i.ref == "BPR LI8")  # cumulative, annual 40
    assert target_shown(contracts, 1) == quarter_target(contracts, 1) == 10.0
    (path,) = write_templates(plan, Q1, tmp_path, teams=["BSC-COM"])
    sheet = load_workbook(path)["Indicators"]
    row = next(r for r in range(layout.FIRST_ROW, sheet.max_row + 1)
               if sheet[layout.INDICATORS.cell("ref", r)].value == "BPR LI8")
    assert sheet[layout.INDICATORS.cell("quarter_target", row)].value == 10.0

    def green_but_short(filled) -> None:
        filled.answers["indicator:BPR LI8"] = Answer("Green", 6.0, "Six contracts monitored.")

    batch = run_validation(plan, Q1, [send(plan, Q1, "BSC-COM", tmp_path, change=green_but_short)])
    (finding,) = [f for f in batch.validation.findings if f.code == "status-disagrees"]
    assert "against target 10" in finding.message


def test_a_text_quarter_target_means_no_status_is_computed() -> None:
    pi = Indicator("X", "x", "T", "%", polarity="higher", annual_target=100.0,
                   quarter_targets=(None, "Not set for Q2", None, None))
    assert quarter_target(pi, 2) is None and auto_status(pi, 2, 50.0) is None
    assert target_shown(pi, 2) == "Not set for Q2"
    assert target_shown(pi, 1) == 100.0


def test_percentages_typed_with_a_sign_are_taken_as_typed(plan: Plan, tmp_path: Path) -> None:
    def typed(filled) -> None:
        filled.answers["indicator:BPR LI1"] = Answer("Red", "0.5%", "Invoice system down all quarter.")
        filled.answers["indicator:BPR LI2"] = Answer("Green", 12.0, "Twelve reports.")

    batch = run_validation(plan, Q1, [send(plan, Q1, "BSC-FIN", tmp_path, change=typed)])
    (accepted,) = batch.validation.accepted
    assert accepted.items["indicator:BPR LI1"].actual == pytest.approx(0.5)
    assert "percent-scaled" not in codes(batch)


def test_a_bare_fraction_in_a_percent_pi_is_scaled_with_a_note(plan: Plan, tmp_path: Path) -> None:
    def formatted(filled) -> None:  # 93% typed into a cell formatted as a percentage stores 0.93
        filled.answers["indicator:BPR LI1"] = Answer("Amber", 0.93, "Slightly below target.")

    batch = run_validation(plan, Q1, [send(plan, Q1, "BSC-FIN", tmp_path, change=formatted)])
    (accepted,) = batch.validation.accepted
    assert accepted.items["indicator:BPR LI1"].actual == pytest.approx(93.0)
    assert codes(batch)["percent-scaled"] is Severity.INFO


def test_the_same_file_received_twice_is_read_once_and_is_not_a_problem(plan: Plan, tmp_path: Path) -> None:
    inbox = send(plan, Q2, "BSC-FIN", tmp_path)
    shutil.copy(inbox / "return.xlsx", inbox / "return (forwarded again).xlsx")
    batch = run_validation(plan, Q2, [inbox])
    assert len(batch.validation.accepted) == 1
    assert codes(batch)["same-file-twice"] is Severity.INFO
    assert "superseded" not in codes(batch)
    assert not batch.validation.has_problems()


def test_a_padded_status_is_a_noted_correction(plan: Plan, tmp_path: Path) -> None:
    def padded(filled) -> None:
        filled.answers["milestone:BPR1.1"].status = " Green "

    batch = run_validation(plan, Q2, [send(plan, Q2, "BSC-FIN", tmp_path, change=padded)])
    notes = [f for f in batch.validation.findings if f.code == "status-normalised"]
    assert [(f.cell, f.severity) for f in notes] == [(layout.MILESTONES.cell("progress", layout.FIRST_ROW),
                                                      Severity.INFO)]


@pytest.fixture
def two_measures(plan: Plan) -> Plan:
    """BPR1 has two risk control measures: rows risk:BPR1 and risk:BPR1#2 of Finance's return."""
    extra = RiskMeasure("BPR1", "Quarterly review of reserves", "BSC-FIN", "DM Finance")
    return replace(plan, risks=(*plan.risks, extra))


def test_history_is_kept_per_row_and_compared_with_the_last_report(two_measures: Plan, tmp_path: Path) -> None:
    db = tmp_path / "qmr.db"
    first = {"risk:BPR1": "Monitoring monthly with cost centre managers.",
             "risk:BPR1#2": "Reserves reviewed in September."}

    def half_year(filled) -> None:
        for key, text in first.items():
            filled.answers[key] = Answer("Green", None, text)

    q2 = run_validation(two_measures, Q2, [send(two_measures, Q2, "BSC-FIN", tmp_path, change=half_year)])
    history.record(db, Q2, q2.validation.accepted)
    assert {v.key for v in history.load_past(db) if v.kind.value == "risk"} == set(first)

    # Q4 templates start from the half year's commentary, row by row (risks are not reported in Q3)
    (template,) = make_templates(two_measures, Q4, tmp_path / "q4", teams=["BSC-FIN"], db=db)
    sheet = load_workbook(template)["Risks"]
    assert [sheet[layout.RISKS.cell("commentary", r)].value for r in (5, 6)] == list(first.values())

    def year_end(filled) -> None:  # the second measure's text left as it was at the half year
        filled.answers["risk:BPR1"] = Answer("Green", None, "Monitoring continued; outturn on budget.")
        filled.answers["risk:BPR1#2"] = Answer("Green", None, first["risk:BPR1#2"])

    past = history.load_past(db)
    q4 = run_validation(two_measures, Q4, [send(two_measures, Q4, "BSC-FIN", tmp_path, change=year_end)], db=db)
    assert past == q4.past
    unchanged = [f for f in q4.validation.findings if f.code == "commentary-unchanged"]
    assert [(f.cell, f.message.split(": ", 1)[1]) for f in unchanged] == [
        (layout.RISKS.cell("commentary", 6), f"commentary is unchanged from {Q2.label}")]


def test_looking_at_history_never_changes_a_file(tmp_path: Path) -> None:
    other = tmp_path / "someone-elses.sqlite"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE contacts (name TEXT)")
    before = other.read_bytes()
    with pytest.raises(history.HistoryError, match="not a qmr history database"):
        history.periods(other)
    with pytest.raises(history.HistoryError):
        history.load_past(other)
    assert other.read_bytes() == before


def test_signed_dates_and_rows_of_the_example_register_survive(plan: Plan, tmp_path: Path) -> None:
    """A plain complete return still judges clean after all of the above."""
    batch = run_validation(plan, Q4, [send(plan, Q4, "BSC-HR", tmp_path)])
    assert not batch.validation.has_problems()
    assert batch.validation.accepted[0].signed_off == date(2009, 3, 31)
