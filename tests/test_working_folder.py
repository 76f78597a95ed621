"""The quarter in a working folder as a new user runs it (issue 8): a superseded first draft is not a
problem anywhere, a period outside the plan is refused, a period with no returns folder says so,
validate and status --chase write into output/<period>/ without flags, team codes match in any case.
Every command runs the installed `qmr` script in a subprocess, as a user would."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from qmr import cycle as quarter
from qmr.consolidate import history
from qmr.demo.simulate import fill_return, simulate
from qmr.period import Period
from test_cli import qmr as run_qmr

Q3 = Period(2008, 3)  # the bpr-2008-09 example's year
Q3_TEXT = "2008/09 Q3"


def qmr(*args: object, cwd: Path, expect: int) -> str:
    """What the real console script printed (test_cli's runner: exit code checked, no traceback)."""
    done = run_qmr(*args, cwd=cwd, expect=expect)
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every team's Q3 return in returns/2008-09-Q3/, and Finance's earlier draft beside its final."""
    root = tmp_path_factory.mktemp("folder")
    folder = quarter.init_folder(root / "work", "bpr-2008-09")
    plan, _ = quarter.load_plan(folder.plan)
    secret = quarter.folder_secret(folder)  # as `qmr templates` in the folder makes them: with team tokens
    templates = {t.stem.split("_", 1)[1]: t
                 for t in quarter.make_templates(plan, Q3, folder.templates_for(Q3), secret=secret)}
    inbox = folder.returns_for(Q3)
    draft = simulate(plan, "BSC-FIN", Q3, 3, signed=date(2009, 1, 5))
    fill_return(templates["BSC-FIN"], inbox / "finance first draft.xlsx", draft)
    for team, template in templates.items():
        fill_return(template, inbox / f"{team} return.xlsx", simulate(plan, team, Q3, 7, signed=date(2009, 1, 12)))
    return folder.root


@pytest.fixture
def work(built: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(built, tmp_path / "work"))


def _team_row(shown: str, team: str) -> list[str]:
    line = next(line for line in shown.splitlines() if line.startswith(f"│ {team}"))
    return [cell.strip() for cell in line.split("│")[1:-1]]


# --- item 3 -------------------------------------------------------------------------------------

def test_a_superseded_draft_is_not_a_problem_anywhere(work: Path) -> None:
    shown = qmr("validate", "--period", Q3_TEXT, cwd=work, expect=0)
    assert "3 received, 0 missing, 0 rejected" in shown
    assert _team_row(shown, "BSC-FIN")[2] == "0"  # the Rejected column
    assert "superseded" in shown or "finance first draft" in shown or "nothing to report" in shown.lower()

    shown = qmr("consolidate", "--period", Q3_TEXT, "--strict", cwd=work, expect=0)
    assert [(p, n) for p, n, _ in history.periods(work / "qmr.db")] == [(Q3_TEXT, 3)]
    master = openpyxl.load_workbook(work / "output" / Q3.slug / f"QMR_{Q3.slug}.xlsx", read_only=True)
    summary = [[c for c in row if c is not None] for row in master["Summary"].iter_rows(values_only=True)]
    assert any("0 rejected" in str(cell) for row in summary for cell in row), summary
    # the returns table's total row: "All departments", or "All divisions" where the register's
    # teams share one department and its divisions are the breakdown
    totals = next(row for row in summary if row and str(row[0]).startswith("All ") and len(row) == 5)
    assert totals[1:] == [3, 3, 0, 0], totals  # expected, received, missing, rejected
    rows = list(master["Sources"].iter_rows(values_only=True))
    header = next(r for r in rows if r and "outcome" in [str(c).lower() for c in r])
    names = [str(c).lower() for c in header]
    file_at, outcome_at = names.index("file"), names.index("outcome")
    sources = {str(r[file_at]): r[outcome_at] for r in rows[rows.index(header) + 1:] if r and r[file_at]}
    assert any("first draft" in name and outcome == "superseded" for name, outcome in sources.items()), sources


# --- item 7 -------------------------------------------------------------------------------------

def test_a_period_outside_the_plan_is_refused_naming_the_plans_year(work: Path) -> None:
    shown = qmr("templates", "--period", "2019/20 Q1", cwd=work, expect=2)
    assert "2008/09" in shown and "2019/20" in shown
    assert not (work / "templates" / "2019-20-Q1").exists()
    for command in ("validate", "consolidate", "status"):
        assert "2008/09" in qmr(command, "--period", "2019/20 Q1", cwd=work, expect=2)


# --- item 8 -------------------------------------------------------------------------------------

def test_a_period_with_no_returns_folder_says_so(work: Path) -> None:
    for command in ("validate", "consolidate", "status"):
        shown = qmr(command, "--period", "2008/09 Q4", cwd=work, expect=2)
        assert "no returns folder" in shown and "2008-09-Q4" in shown, shown
        assert "nothing to report" not in shown.lower()


def test_validate_writes_report_and_feedback_into_the_output_folder(work: Path) -> None:
    target = next((work / "returns" / Q3.slug).glob("BSC-PP*.xlsx"))
    book = openpyxl.load_workbook(target)
    book["Milestones"]["F5"] = "Purple"  # one error, so Planning gets a feedback copy
    book.save(target)
    shown = qmr("validate", "--period", Q3_TEXT, cwd=work, expect=1)
    out = work / "output" / Q3.slug
    assert (out / f"findings_{Q3.slug}.xlsx").is_file() and (out / f"findings_{Q3.slug}.csv").is_file()
    copies = list((out / "feedback").glob("*.xlsx"))
    assert len(copies) == 1 and "BSC-PP" in copies[0].name, copies
    assert "output" in shown


def test_status_chase_writes_reminders_into_the_output_folder(work: Path) -> None:
    for path in (work / "returns" / Q3.slug).glob("BSC-MIC*.xlsx"):
        path.unlink()
    shown = qmr("status", "--period", Q3_TEXT, "--chase", cwd=work, expect=1)
    reminders = list((work / "output" / Q3.slug / "reminders").glob("*.eml"))
    assert [p.name for p in reminders] == [f"{Q3.slug}_BSC-MIC_reminder.eml"], shown


def test_a_rerun_of_status_chase_leaves_only_the_reminders_to_send(work: Path, built: Path) -> None:
    inbox = work / "returns" / Q3.slug
    sent = {team: sorted(inbox.glob(f"{team}*.xlsx")) for team in ("BSC-MIC", "BSC-PP")}
    for paths in sent.values():
        for path in paths:
            path.unlink()
    qmr("status", "--period", Q3_TEXT, "--chase", cwd=work, expect=1)
    reminders = work / "output" / Q3.slug / "reminders"
    assert sorted(p.name for p in reminders.iterdir()) == [f"{Q3.slug}_BSC-MIC_reminder.eml",
                                                            f"{Q3.slug}_BSC-PP_reminder.eml"]
    for path in sent["BSC-PP"]:  # Planning replies after the first chase
        shutil.copy2(built / "returns" / Q3.slug / path.name, path)
    shown = qmr("status", "--period", Q3_TEXT, "--chase", cwd=work, expect=1)
    assert sorted(p.name for p in reminders.iterdir()) == [f"{Q3.slug}_BSC-MIC_reminder.eml"], shown


def _flat(shown: str) -> str:
    """The terminal's text with rich's line wrapping undone."""
    return " ".join(shown.split())


def test_validate_names_the_teams_that_sent_nothing(work: Path) -> None:
    """Exit 0 all the same: the contract's exit 1 is for rejected returns and errors, and a team
    that sent nothing is neither; `qmr status` exits 1 for it."""
    inbox = work / "returns" / Q3.slug
    for path in inbox.glob("BSC-MIC*.xlsx"):
        path.unlink()
    shown = _flat(qmr("validate", "--period", Q3_TEXT, cwd=work, expect=0))
    assert ("1 of the 3 teams with something due sent nothing: BSC-MIC. Their items will be Missing in the "
            'master. To remind them (an e-mail each, its template attached): qmr status --period "2008/09 Q3" '
            "--chase") in shown, shown
    # outside the working folder, the command to run names what it needs
    elsewhere = _flat(qmr("validate", "--plan", work / "plan.xlsx", "--period", Q3_TEXT, inbox,
                          cwd=work.parent, expect=0))
    assert 'qmr status --plan PLAN --period "2008/09 Q3" SOURCE... --chase DIR' in elsewhere, elsewhere

    for path in inbox.iterdir():
        path.unlink()
    shown = _flat(qmr("validate", "--period", Q3_TEXT, cwd=work, expect=0))
    assert "Findings: nothing to report in the returns received." in shown
    assert "Findings: nothing to report." not in shown
    assert "None of the 3 teams with something due has sent a return yet: BSC-MIC, BSC-PP, BSC-FIN." in shown
    assert "No feedback copies: no return received has a problem to mark up." in shown


# --- item 9: team codes in any case ---------------------------------------------------------------

def test_team_codes_match_in_any_case(work: Path) -> None:
    qmr("consolidate", "--period", Q3_TEXT, cwd=work, expect=0)
    assert Q3_TEXT in qmr("history", "show", "bsc-fin", cwd=work, expect=0)
    shown = qmr("templates", "--period", "2008/09 Q4", "--team", "bsc-pp", cwd=work, expect=0)
    assert (work / "templates" / "2008-09-Q4" / "2008-09-Q4_BSC-PP.xlsx").is_file(), shown
    shown = qmr("history", "show", "NOPE", cwd=work, expect=2)
    assert "(e.g. BSC-" in shown  # the hint quotes a code of this register


def test_a_hint_quotes_a_code_of_the_register_in_use(tmp_path: Path) -> None:
    folder = quarter.init_folder(tmp_path / "ced", "ced-2015-16")
    shown = qmr("templates", "--period", "2015/16 Q1", "--team", "NOPE", cwd=folder.root, expect=2)
    assert "BSC-" not in shown and "CED-" in shown, shown
