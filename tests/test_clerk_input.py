"""Returns filled as clerks really fill them (issue 8): N/A typed in Actual, a Red with no commentary,
a superseded first draft, narrative types typed loosely, `Y` for the sign-off, `Complete` for a
milestone at year end. Each return is a template typed into as a clerk would (tests/clerk.py rules:
openpyxl into unlocked cells only), then collected and judged as `qmr validate` does."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from qmr.collect.sources import collect
from qmr.consolidate.table import consolidate
from qmr.demo.simulate import Answer, Filled, fill_return, simulate
from qmr.judge.validate import Validation, validate
from qmr.model import Finding, Plan, Severity, Status
from qmr.period import Period
from qmr.returns.template import write_templates

Q3, Q4 = Period(2008, 3), Period(2008, 4)


def judged(plan: Plan, period: Period, team: str, filled: Filled, tmp_path: Path, name: str = "return.xlsx"
           ) -> Validation:
    templates = write_templates(plan, period, tmp_path / "templates", teams=[team])
    filled_path = fill_return(templates[0], tmp_path / "inbox" / name, filled)
    candidates, findings, records = collect([filled_path])
    return validate(plan, period, candidates, workers=1).after(findings, records)


def at(validation: Validation, cell: str, sheet: str = "Indicators") -> list[Finding]:
    return [f for f in validation.findings if f.sheet == sheet and f.cell == cell]


def fin(plan: Plan, period: Period = Q3) -> Filled:
    """Finance's complete, valid return, to change one thing in."""
    return simulate(plan, "BSC-FIN", period, seed=2, signed=period.end)


# --- item 1: N/A typed in Actual when Progress is N/A ------------------------------------------

@pytest.mark.parametrize("typed", ["N/A", "n/a", "-", " N/A ", "na", "NA", "–", None])
def test_na_typed_in_actual_with_progress_na_is_no_figure(plan: Plan, tmp_path: Path, typed: object) -> None:
    filled = fin(plan)
    filled.answers["indicator:BPR LI1"] = Answer("N/A", typed, "Data not published until the autumn.")
    validation = judged(plan, Q3, "BSC-FIN", filled, tmp_path)
    item = validation.accepted[0].items["indicator:BPR LI1"]
    assert item.status is Status.NA
    assert item.actual is None
    found = at(validation, "I5")
    assert all(f.severity is Severity.INFO for f in found), [str(f) for f in found]
    if typed is not None:  # what was typed is said, as a note
        assert any("no figure" in f.message for f in found), [str(f) for f in found]


def test_words_in_actual_with_a_status_are_still_an_error(plan: Plan, tmp_path: Path) -> None:
    filled = fin(plan)
    filled.answers["indicator:BPR LI1"] = Answer("Green", "N/A", "All paid.")
    validation = judged(plan, Q3, "BSC-FIN", filled, tmp_path)
    assert [f.code for f in at(validation, "I5") if f.severity is Severity.ERROR] == ["actual-not-number"]
    assert validation.accepted[0].items["indicator:BPR LI1"].status is Status.MISSING


def test_other_text_in_actual_with_progress_na_is_ignored_with_a_warning(plan: Plan, tmp_path: Path) -> None:
    filled = fin(plan)
    filled.answers["indicator:BPR LI1"] = Answer("N/A", "tbc", "Awaiting the ledger close.")
    validation = judged(plan, Q3, "BSC-FIN", filled, tmp_path)
    item = validation.accepted[0].items["indicator:BPR LI1"]
    assert (item.status, item.actual) == (Status.NA, None)
    assert [f.severity for f in at(validation, "I5")] == [Severity.WARNING]


# --- item 2: a Red (or Amber, N/A) without commentary keeps its status -------------------------

@pytest.mark.parametrize("status", ["Red", "Amber", "r"])
def test_a_red_without_commentary_stands_with_an_error(plan: Plan, tmp_path: Path, status: str) -> None:
    filled = fin(plan)
    filled.answers["milestone:BPR1.2"] = Answer(status, None, None)
    validation = judged(plan, Q3, "BSC-FIN", filled, tmp_path)
    item = validation.accepted[0].items["milestone:BPR1.2"]
    assert item.status.value == {"r": "Red"}.get(status, status)
    errors = [f for f in validation.findings if f.severity is Severity.ERROR]
    assert [(f.sheet, f.cell, f.code) for f in errors] == [("Milestones", "G6", "commentary-missing")]
    reported = {i.ref: i for i in consolidate(plan, Q3, validation).items}
    assert reported["BPR1.2"].status is item.status
    assert reported["BPR1.2"].commentary == "no commentary given"


# --- item 9: wording and matching --------------------------------------------------------------

@pytest.mark.parametrize("typed, kind", [("key dev", "Key development"), ("KEY DEVELOPMENTS", "Key development"),
                                          ("development", "Key development"), ("issue", "Emerging issue"),
                                          ("Emerging Issues", "Emerging issue"), ("risk", "Emerging issue")])
def test_narrative_types_as_typed_are_normalised_as_info(plan: Plan, tmp_path: Path, typed: str, kind: str) -> None:
    filled = fin(plan)
    filled.narrative = [(typed, "New ledger", "The new ledger went live.")]
    validation = judged(plan, Q3, "BSC-FIN", filled, tmp_path)
    assert [n.type for n in validation.accepted[0].narrative] == [kind]
    found = [f for f in validation.findings if f.sheet == "Narrative"]
    assert [(f.severity, f.cell) for f in found] == [(Severity.INFO, "A5")], [str(f) for f in found]


def test_a_narrative_row_with_text_but_no_title_is_reported(plan: Plan, tmp_path: Path) -> None:
    filled = fin(plan)
    filled.narrative = [("Key development", "", "The new ledger went live.")]
    validation = judged(plan, Q3, "BSC-FIN", filled, tmp_path)
    found = [f for f in validation.findings if f.sheet == "Narrative"]
    assert [(f.severity, f.cell) for f in found] == [(Severity.WARNING, "B5")], [str(f) for f in found]


def test_an_unknown_narrative_type_names_the_choices(plan: Plan, tmp_path: Path) -> None:
    filled = fin(plan)
    filled.narrative = [("Misc", "New ledger", "The new ledger went live.")]
    validation = judged(plan, Q3, "BSC-FIN", filled, tmp_path)
    found = [f for f in validation.findings if f.sheet == "Narrative"]
    assert [(f.severity, f.cell) for f in found] == [(Severity.WARNING, "A5")]
    assert "'Misc'" in found[0].message and "no type" not in found[0].message


@pytest.mark.parametrize("typed", ["Y", "y", "yes", " YES ", "Yes"])
def test_y_confirms_the_signoff(plan: Plan, tmp_path: Path, typed: str) -> None:
    filled = fin(plan)
    filled.signoff["confirmed"] = typed
    validation = judged(plan, Q3, "BSC-FIN", filled, tmp_path)
    found = [f for f in validation.findings if f.sheet == "Sign-off" and f.cell == "C9"]
    assert all(f.severity is Severity.INFO for f in found), [str(f) for f in found]
    assert bool(found) == (typed != "Yes")


@pytest.mark.parametrize("typed", ["Complete", "completed", "Achieved", "done"])
def test_complete_for_a_milestone_at_year_end_is_green(plan: Plan, tmp_path: Path, typed: str) -> None:
    filled = simulate(plan, "BSC-FIN", Q4, seed=2, signed=date(2009, 4, 10))
    filled.answers["milestone:BPR1.1"] = Answer(typed, None, "Outturn reported in June.")
    validation = judged(plan, Q4, "BSC-FIN", filled, tmp_path)
    assert validation.accepted[0].items["milestone:BPR1.1"].status is Status.GREEN
    found = [f for f in validation.findings if f.sheet == "Milestones" and f.cell == "F5"]
    assert [f.severity for f in found] == [Severity.INFO]


def test_complete_before_year_end_is_green_too(plan: Plan, tmp_path: Path) -> None:
    """Achieved early is on course: Green in any quarter, with a note."""
    filled = fin(plan)
    filled.answers["milestone:BPR1.1"] = Answer("Complete", None, "Outturn reported in June.")
    validation = judged(plan, Q3, "BSC-FIN", filled, tmp_path)
    assert validation.accepted[0].items["milestone:BPR1.1"].status is Status.GREEN


def test_actual_error_names_the_unit_once(plan: Plan, tmp_path: Path) -> None:
    filled = fin(plan)
    filled.answers["indicator:BPR LI2"] = Answer("Green", "tbc", "Issued.")
    validation = judged(plan, Q3, "BSC-FIN", filled, tmp_path)
    (error,) = [f for f in at(validation, "I6") if f.severity is Severity.ERROR]
    assert "(number)" not in error.action
    assert "Enter a number" in error.action


# --- item 10's findings: what the property test typed that qmr took silently or could not place --------

@pytest.mark.parametrize("typed", [8539, date(1923, 5, 18), date(2030, 1, 1)])
def test_a_signoff_date_that_cannot_be_right_is_a_warning(plan: Plan, tmp_path: Path, typed: object) -> None:
    """A number typed into the date cell (8539 shows as 18/05/1923), or a slip of the year."""
    filled = fin(plan)
    filled.signoff["date"] = typed
    validation = judged(plan, Q3, "BSC-FIN", filled, tmp_path)
    found = at(validation, "C7", "Sign-off")
    assert [f.severity for f in found] == [Severity.WARNING], [str(f) for f in found]
    assert "cannot be right for 2008/09 Q3" in found[0].message


def test_a_number_no_date_has_in_the_date_cell_is_refused_naming_the_cell(plan: Plan, tmp_path: Path) -> None:
    filled = fin(plan)
    filled.signoff["date"] = -141236880332.0  # Excel shows #####; calamine cannot read the sheet
    validation = judged(plan, Q3, "BSC-FIN", filled, tmp_path)
    found = at(validation, "C7", "Sign-off")
    assert not validation.accepted
    assert [f.severity for f in found] == [Severity.REJECTED] and "-141236880332" in found[0].message
