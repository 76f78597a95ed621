"""A team's return state: one function that status, validate's summary, the master's Summary and the
reminders all use."""

from __future__ import annotations

from pathlib import Path

from clerk import fill_return
from qmr.cycle import run_validation
from qmr.judge.return_state import return_states, teams_in
from qmr.model import Plan, ReturnState, SourceOutcome, SourceRecord
from qmr.period import Period
from qmr.returns.template import write_templates

Q2 = Period(2008, 2)


def _record(file: str, team: str, outcome: SourceOutcome, identified: bool = True) -> SourceRecord:
    return SourceRecord(file, team, "0" * 64, 1, "2008-10-01T09:00:00+00:00", outcome, "", identified)


def test_each_state_from_what_became_of_the_files() -> None:
    sources = [
        _record("a.xlsx", "A", SourceOutcome.ACCEPTED), _record("a draft.xlsx", "A", SourceOutcome.SUPERSEDED),
        _record("b.xlsx", "B", SourceOutcome.REJECTED),
        _record("c.xlsx", "C", SourceOutcome.REJECTED, identified=False),  # its team known from the e-mail
        _record("~$d.xlsx", "", SourceOutcome.SKIPPED),
    ]
    states = return_states(["A", "B", "C", "D"], sources)
    assert states == {"A": ReturnState.RECEIVED, "B": ReturnState.REJECTED, "C": ReturnState.UNREADABLE,
                      "D": ReturnState.MISSING}
    assert teams_in(states, ReturnState.MISSING) == ["D"]  # the unreadable one is not chased as not sent


def test_a_superseded_draft_is_no_problem(plan: Plan, tmp_path: Path) -> None:
    """DESIGN.md: superseded is info, not a rejection; a batch whose only oddity is an older draft is
    clean (exit 0), and the team counts as received everywhere."""
    write_templates(plan, Q2, tmp_path / "t", teams=["BSC-FIN"])
    template = tmp_path / "t" / f"{Q2.slug}_BSC-FIN.xlsx"
    inbox = tmp_path / "in"
    fill_return(template, inbox / "draft.xlsx", {"signoff": {"date": "01/10/2008"}})
    fill_return(template, inbox / "final.xlsx", {"signoff": {"date": "14/10/2008"}})
    batch = run_validation(plan, Q2, [inbox])
    superseded = [f for f in batch.validation.findings if f.code == "superseded"]
    assert [Path(f.file).name for f in superseded] == ["draft.xlsx"] and superseded[0].severity == "info"
    assert batch.states["BSC-FIN"] is ReturnState.RECEIVED
    assert "BSC-FIN" not in batch.turned_away
    assert not [f for f in batch.validation.findings if f.team == "BSC-FIN" and f.severity in ("rejected", "error")]
