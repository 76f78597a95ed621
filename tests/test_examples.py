"""Every shipped example through the demo's whole cycle (templates, simulated clerks, validation,
feedback, reminders, the master and history), on the example's own financial year; and, for the
four-level Hartlepool register, the divisional grouping of the master and of `--by division`, and
auto_status against the seed's own quarterly target profiles."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from qmr.demo.run import DemoOutcome, run_demo
from qmr.period import Period
from qmr.plan import examples
from qmr.returns import layout

# openpyxl drops sparklines it cannot model when reading
pytestmark = pytest.mark.filterwarnings("ignore:Sparkline Group extension:UserWarning")

HARTLEPOOL = "hartlepool-cs-2006-07"
DIVISIONS = ("Policy Development & Strategic Management", "Performance & Achievement",
             "Safeguarding & Specialist Services", "Planning & Service Integration",
             "Resources & Support Services")


@pytest.fixture(scope="module", params=examples.EXAMPLES)
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> DemoOutcome:
    return run_demo(tmp_path_factory.mktemp("demo") / request.param, example=request.param)


def _rows(path: Path, sheet: str) -> list[tuple]:
    book = openpyxl.load_workbook(path, read_only=True)
    rows = list(book[sheet].iter_rows(values_only=True))
    book.close()
    return rows


def test_demo_runs_the_whole_cycle_on_the_examples_own_year(demo: DemoOutcome) -> None:
    # the period is Q3 of the register's own financial year, whatever the example
    assert demo.period == Period.parse(f"{demo.plan.settings['financial_year']} Q3")
    # the clerks' mistakes go to the teams in the register's order: a small register gets the first few
    teams = len(demo.batch.teams_expected)
    outcomes = {s.outcome for s in demo.batch.validation.sources}
    assert "accepted" in outcomes and ("superseded" in outcomes) == (teams >= 4), outcomes
    codes = {f.code for f in demo.batch.validation.findings}
    assert ("wrong-period" in codes) == (teams >= 7)  # last quarter's file dropped in
    assert len(demo.batch.missing) == 1 and demo.reminders and demo.feedback
    data = _rows(demo.master, "Data")
    header, body = data[0], [r for r in data[1:] if any(v is not None for v in r)]
    due = sum(len(rows) for team in demo.plan.teams
              for _, rows in layout.sheets_for(demo.plan.for_team(team.code), demo.period))
    assert len(body) == due
    period, team, status = header.index("period"), header.index("team"), header.index("status")
    assert {r[period] for r in body} == {demo.period.label}
    silent = demo.batch.missing[0]
    assert {r[status] for r in body if r[team] == silent} == {"Missing"}
    # three earlier quarters went into history first, so some PI has a direction of travel
    assert any(r[header.index("direction")] for r in body), "no direction of travel from history"
