"""The `qmr` command as its contract says (DESIGN.md, "Command line"): every command and its help,
the working folder's defaults, every period spelling, exit codes 0 / 1 / 2, --quiet, no progress
bar in scripts, and no traceback whatever the input. End-to-end runs use the installed console
script in a subprocess, so output is checked as a user sees it."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import click
import openpyxl
import pytest
from click.testing import CliRunner, Result
from rich.console import Console

from qmr import cli
from qmr import cycle as quarter
from qmr.consolidate import history
from qmr.demo.simulate import Answer, fill_return, simulate
from qmr.model import Severity
from qmr.period import Period
from qmr.plan.layout import SHEETS
from qmr.plan.reader import check_register, read_register
from qmr.returns.template import write_templates

QMR = Path(sys.executable).with_name("qmr")
Q3 = Period(2008, 3)  # the bpr-2008-09 example's year
Q3_TEXT = "2008/09 Q3"
BAR_CHARACTERS = ("━", "╸", "╺", "\r")  # rich's progress bar draws with these (and redraws with \r)


def qmr(*args: object, cwd: Path, expect: int) -> subprocess.CompletedProcess[str]:
    """Run the real console script as a user would (not on a terminal); check the exit code and
    that no traceback reached the user."""
    env = {k: v for k, v in os.environ.items() if k not in ("QMR_DEBUG", "FORCE_COLOR", "COLUMNS")}
    done = subprocess.run([str(QMR), *map(str, args)], cwd=cwd, capture_output=True, text=True, env=env,
                          timeout=300)
    shown = done.stdout + done.stderr
    assert "Traceback" not in shown, shown
    assert done.returncode == expect, shown
    return done


def invoke(*args: object, expect: int) -> Result:
    """Run a command in-process (click's runner); the same checks as `qmr`."""
    result = CliRunner().invoke(cli.main, [str(a) for a in args], prog_name="qmr")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output, result.output
    assert result.exit_code == expect, result.output
    return result


# ------------------------------------------------------------------------------------------------
# A working folder on the 3-team example with an inbox of good returns, and inboxes of bad ones


def _build_quarter(root: Path) -> Path:
    folder = quarter.init_folder(root / "work", "bpr-2008-09")
    plan, _ = quarter.load_plan(folder.plan)
    templates = quarter.make_templates(plan, Q3, folder.templates_for(Q3))
    by_team = {t.stem.split("_", 1)[1]: t for t in templates}
    assert sorted(by_team) == ["BSC-FIN", "BSC-MIC", "BSC-PP"]
    signed = date(2009, 1, 12)
    for team, template in by_team.items():  # the folder's own inbox: everybody replied properly
        fill_return(template, folder.returns_for(Q3) / f"{team} return.xlsx", simulate(plan, team, Q3, 7,
                                                                                         signed=signed))
    # an inbox with a careless return (errors), a wrong-period one (rejected), garbage; MIC missing
    careless = simulate(plan, "BSC-FIN", Q3, 7, signed=signed)
    key = next(k for k in careless.answers if k.startswith("milestone:"))
    careless.answers[key] = Answer("Amber", None, "")
    mixed = folder.root / "mixed"
    fill_return(by_team["BSC-FIN"], mixed / "finance.xlsx", careless)
    q2 = write_templates(plan, Q3.previous(), root / "q2", teams=["BSC-PP"])[0]
    fill_return(q2, mixed / "planning.xlsx", simulate(plan, "BSC-PP", Q3.previous(), 7))
    (mixed / "notes.xlsx").write_bytes(os.urandom(2000))
    (mixed / "scan.zip").write_bytes(b"PK\x03\x04 not really a zip")
    (mixed / "RE return.eml").write_text("this is not an e-mail at all\n\x00\x01")
    return folder.root


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build_quarter(tmp_path_factory.mktemp("quarter"))


@pytest.fixture
def work(built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the working folder, as the current directory."""
    root = Path(shutil.copytree(built, tmp_path / "work"))
    monkeypatch.chdir(root)
    return root


def master_of(work: Path) -> Path:
    return work / "output" / Q3.slug / f"QMR_{Q3.slug}.xlsx"


# ------------------------------------------------------------------------------------------------
# Help


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += _commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


COMMANDS = _commands(cli.main)


def test_every_contract_command_exists() -> None:
    for command in [("init",), ("register", "new"), ("register", "check"), ("templates",), ("validate",),
                    ("consolidate",), ("status",), ("report",), ("history", "periods"), ("history", "show"),
                    ("history", "export"), ("demo",)]:
        assert command in COMMANDS


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "qmr")
def test_help(command: tuple[str, ...]) -> None:
    result = invoke(*command, "--help", expect=0)
    assert result.output.startswith(f"Usage: {' '.join(('qmr', *command))} [OPTIONS]")
    node = cli.main
    for name in command:
        node = node.commands[name]
    if isinstance(node, click.Group):
        assert all(name in result.output for name in node.commands)
    else:
        assert "--quiet" in result.output  # every command takes --quiet (contract)


def test_help_of_the_installed_script(tmp_path: Path) -> None:
    done = qmr("--help", cwd=tmp_path, expect=0)
    assert done.stdout.startswith("Usage: qmr ")
    for name in ("init", "register", "templates", "validate", "consolidate", "status", "history", "demo"):
        assert f"  {name} " in done.stdout


# ------------------------------------------------------------------------------------------------
# init, register, templates


def test_first_steps_in_a_working_folder(tmp_path: Path) -> None:
    done = qmr("init", "halton", cwd=tmp_path, expect=0)
    folder = tmp_path / "halton"
    assert "plan.xlsx" in done.stdout
    assert {p.name for p in folder.iterdir()} >= {"plan.xlsx", "qmr.toml", "templates", "returns", "output"}
    done = qmr("register", "check", "plan.xlsx", cwd=folder, expect=0)
    assert "The register is usable" in done.stdout
    done = qmr("templates", "--period", "2015/16 Q3", cwd=folder, expect=0)
    out = folder / "templates" / "2015-16-Q3"
    written = sorted(p.name for p in out.glob("*.xlsx"))
    # CED-OPS reports only annual PIs, so has nothing due in Q3: no template for it
    assert len(written) == 11 and written[0].startswith("2015-16-Q3_CED-")
    assert "2015-16-Q3_CED-OPS.xlsx" not in written
    with open(out / "distribution.csv", newline="", encoding="utf-8-sig") as handle:
        assert len(list(csv.reader(handle))) == 12  # a header and a row per team
    assert "11 templates" in done.stdout


def test_init_with_another_example_and_an_unknown_one(tmp_path: Path) -> None:
    invoke("init", tmp_path / "bpr", "--example", "bpr-2008-09", expect=0)
    plan = read_register(tmp_path / "bpr" / "plan.xlsx").plan
    assert plan is not None and [t.code for t in plan.teams] == ["BSC-MIC", "BSC-PP", "BSC-FIN"]
    result = invoke("init", tmp_path / "nope", "--example", "nope", expect=2)
    assert "unknown example 'nope'" in result.output and "bpr-2008-09" in result.output
    assert not (tmp_path / "nope").exists()


def test_register_new_then_check(tmp_path: Path) -> None:
    path = tmp_path / "blank" / "register.xlsx"
    result = invoke("register", "new", path, expect=0)
    assert str(path) in result.output and path.is_file()
    result = invoke("register", "check", path, expect=0)
    assert "The register is usable" in result.output
    before = path.read_bytes()
    result = invoke("register", "new", path, expect=2)
    assert "already exists" in result.output and path.read_bytes() == before


# every (sheet, cell, finding code) planted in the register below: 12 kinds of defect
DEFECTS = [
    ("Teams", "G3", "register-email-invalid"),
    ("Teams", "A4", "register-duplicate"),
    ("Objectives", "F3", "register-team-unknown"),
    ("Objectives", "E4", "register-choice-invalid"),
    ("Objectives", "H4", "register-risk-invalid"),
    ("Objectives", "J5", "register-link-unknown"),
    ("Milestones", "D3", "register-date-undated"),
    ("Milestones", "B4", "register-objective-unknown"),
    ("Milestones", "A5", "register-duplicate"),
    ("Milestones", "C6", "register-required-blank"),
    ("Indicators", "F3", "register-polarity-missing"),
    ("Indicators", "E4", "register-choice-invalid"),
    ("Indicators", "O5", "register-tolerance-invalid"),
    ("Indicators", "P6", "register-required-blank"),
    ("Risks", "A2", "register-objective-unknown"),
    ("Equality", "C2", "register-date-invalid"),
    ("Equality", "E3", "register-team-unknown"),
    ("Settings", "B2", "register-setting-invalid"),
]
_PI = ["Quality", "No", "number", "higher", "quarterly", "flat", 1, 2, None, None, None, None, None]
FAULTY = {
    "Teams": [["BSC-FIN", "Finance", "", "", "", "Clerk", "fin@example.org", "DM"],
              ["BSC-HR", "HR", "", "", "", "Clerk", "hr(at)example.org", "DM"],
              ["BSC-FIN", "Finance again", "", "", "", "", "x@example.org", ""]],
    "Objectives": [["BPR1", "Sound finances", "", "", "Yes", "BSC-FIN", "DM", "9", "4", "BPR LI1"],
                   ["BPR2", "Workforce", "", "", "No", "BSC-XX", "DM", "", "", ""],
                   ["BPR3", "Turnover", "", "", "Maybe", "BSC-HR", "DM", 20, "", ""],
                   ["BPR4", "Commissioning", "", "", "No", "BSC-HR", "DM", "", "", "NI 999"]],
    "Milestones": [["BPR1.1", "BPR1", "Report the outturn", "Dec 2008", "2008/09", "", ""],
                   ["BPR1.2", "BPR1", "Review charges", "sometime soon", "2008/09", "", ""],
                   ["BPR9.1", "BPR9", "Of an unknown objective", "Mar 2009", "2008/09", "", ""],
                   ["BPR1.1", "BPR1", "Duplicate id", "Mar 2009", "2008/09", "", ""],
                   ["BPR3.1", "BPR3", None, "Mar 2009", "2008/09", "", ""]],
    "Indicators": [["BPR LI1", "Invoices paid in 30 days", *_PI, "BSC-FIN"],
                   ["BPR LI2", "No polarity", *_PI[:3], None, *_PI[4:], "BSC-FIN"],
                   ["BPR LI3", "Weighed", *_PI[:2], "kg", *_PI[3:], "BSC-HR"],
                   ["BPR LI4", "Tolerance", *_PI[:-1], "lots", "BSC-HR"],
                   ["BPR LI5", "No team", *_PI, None]],
    "Risks": [["BPR7", "Of an unknown objective", "", ""]],
    "Equality": [["EQ1", "Impossible date", "31/02/2009", "DM", "BSC-HR"],
                 ["EQ2", "Unknown team", "Mar 2009", "", "NOPE"]],
    "Settings": [["deadline_days", "fifteen"]],
}


def faulty_register(path: Path) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet in SHEETS:
        ws = book.create_sheet(sheet.name)
        ws.append([c.header for c in sheet.columns])
        for row in FAULTY.get(sheet.name, []):
            ws.append(row)
    book.save(path)
    return path


def test_register_check_names_every_defect_by_sheet_and_cell(tmp_path: Path) -> None:
    path = faulty_register(tmp_path / "plan.xlsx")
    planted = {(s, c, code) for s, c, code in DEFECTS}
    found = {(f.sheet, f.cell, f.code) for f in check_register(path) if f.severity is not Severity.INFO}
    assert planted <= found, planted - found
    assert len({code for _, _, code in DEFECTS}) >= 12
    done = qmr("register", "check", "plan.xlsx", cwd=tmp_path, expect=1)
    missing = [f"{sheet}!{cell}" for sheet, cell, _ in DEFECTS if f"{sheet}!{cell}" not in done.stdout]
    assert missing == [], done.stdout
    assert "error(s)" in done.stderr


@pytest.mark.parametrize("kind", ["text", "fake zip", "no register sheets", "lock file"])
def test_register_check_on_something_not_a_register_does_nothing(tmp_path: Path, kind: str,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / ("~$plan.xlsx" if kind == "lock file" else "plan.xlsx")
    if kind == "text":
        path.write_text("Code,Name\nBSC-FIN,Finance\n")
    elif kind == "fake zip":
        path.write_bytes(b"PK\x03\x04" + os.urandom(500))
    elif kind == "no register sheets":
        openpyxl.Workbook().save(path)
    else:
        path.write_bytes(b"\x00" * 165)
    if kind == "text":  # as a user sees it: message on stderr
        done = qmr("register", "check", path.name, cwd=tmp_path, expect=2)
        assert "cannot be read as a plan register" in done.stderr and path.name in done.stderr
        return
    monkeypatch.chdir(tmp_path)
    result = invoke("register", "check", path.name, expect=2)
    assert "cannot be read as a plan register" in result.stderr and path.name in result.stderr


def test_templates_with_explicit_plan_out_and_teams(tmp_path: Path) -> None:
    invoke("init", tmp_path / "ced", expect=0)
    plan = tmp_path / "ced" / "plan.xlsx"
    out = tmp_path / "send"
    result = invoke("templates", "--plan", plan, "--period", "2015/16 Q3", "--out", out,
                    "--team", "CED-TAF", "--team", "CED-CPN", "--deadline", "22/01/2016", expect=0)
    assert sorted(p.name for p in out.glob("*.xlsx")) == ["2015-16-Q3_CED-CPN.xlsx", "2015-16-Q3_CED-TAF.xlsx"]
    assert "2 templates" in result.output
    # outside a working folder there is no default for --out
    result = invoke("templates", "--plan", plan, "--period", "2015/16 Q3", expect=2)
    assert "--out is required" in result.output


@pytest.mark.parametrize("spelling", ["2008/09 Q4", "2008-09-Q4", "2008/09:Q4", "Q4 2008/09"])
def test_every_period_spelling(work: Path, spelling: str) -> None:
    # the register's own year (a period outside it is refused: test_working_folder)
    invoke("templates", "--period", spelling, "--team", "BSC-FIN", expect=0)
    assert [p.name for p in (work / "templates" / "2008-09-Q4").glob("*.xlsx")] == ["2008-09-Q4_BSC-FIN.xlsx"]


@pytest.mark.parametrize("spelling", ["2015/16 Q5", "Q3", "2015 Q3", "next quarter", ""])
def test_a_bad_period_says_how_to_write_one(work: Path, spelling: str) -> None:
    result = invoke("templates", "--period", spelling, expect=2)
    assert "write it like 2015/16 Q2" in result.output
    assert not (work / "templates" / "2015-16-Q3").exists()


# ------------------------------------------------------------------------------------------------
# validate, consolidate, status, history


def test_validate_good_returns(work: Path) -> None:
    done = qmr("validate", "--period", Q3_TEXT, "--report", "findings.xlsx", cwd=work, expect=0)
    assert "3 received, 0 missing, 0 rejected" in done.stdout
    assert (work / "findings.xlsx").is_file() and (work / "findings.csv").is_file()


@pytest.mark.parametrize(("files", "problem"), [
    (["finance.xlsx"], "error"),
    (["planning.xlsx"], "rejected"),
    (["finance.xlsx", "planning.xlsx", "notes.xlsx", "scan.zip", "RE return.eml"], "rejected"),
])
def test_validate_with_problems_still_writes_report_and_feedback(work: Path, files: list[str],
                                                                 problem: str) -> None:
    sources = [f"mixed/{name}" for name in files]
    done = qmr("validate", "--period", Q3_TEXT, *sources, "--report", "out/findings.xlsx",
               "--feedback", "out/fix", cwd=work, expect=1)
    assert (work / "out" / "findings.xlsx").is_file()
    with open(work / "out" / "findings.csv", newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    text = "\n".join(",".join(map(str, r.values())) for r in rows)
    assert problem in {r.get("severity") or r.get("Severity") for r in rows}, text
    for name in files:
        assert name in text
    fixes = list((work / "out" / "fix").glob("*.xlsx"))
    assert bool(fixes) == ("finance.xlsx" in files), fixes  # only the readable return with errors
    said = (f"{len(fixes)} feedback {'copy' if len(fixes) == 1 else 'copies'} in out/fix" if fixes
            else "No feedback copies")
    assert said in done.stdout


def test_consolidate_in_the_working_folder(work: Path) -> None:
    done = qmr("consolidate", "--period", Q3_TEXT, "--by", "department", cwd=work, expect=0)
    master = master_of(work)
    assert str(master.relative_to(work)) in done.stdout or str(master) in done.stdout
    book = openpyxl.load_workbook(master, read_only=True)
    assert "Data" in book.sheetnames
    book.close()
    parts = sorted(p for p in master.parent.glob(f"QMR_{Q3.slug}_*.xlsx"))
    assert parts and all(p.name in done.stdout for p in parts)
    assert [p for p, _, _ in history.periods(work / "qmr.db")] == [Q3_TEXT]
    # --by division: one master per division the register names (bpr-2008-09 has one per team)
    done = invoke("consolidate", "--period", Q3_TEXT, "--by", "division", "--out", work / "div" / "QMR.xlsx",
                  "--db", work / "div.db", expect=0)
    divisions = {t.division for t in quarter.load_plan(work / "plan.xlsx")[0].teams}
    assert len(divisions) == 3
    assert sorted(p.name for p in (work / "div").glob("QMR_*.xlsx")) == sorted(
        f"QMR_{d.replace(' ', '-')}.xlsx" for d in divisions)


def test_consolidate_never_imports_openpyxl(work: Path) -> None:
    """openpyxl's import costs a quarter of a second: validate and consolidate read returns with
    calamine and write with XlsxWriter, so only templates, feedback copies and a control workbook
    that is really there may bring it in."""
    script = ("import sys\nfrom qmr.cli import main\n"
              "try:\n    main(sys.argv[1:], prog_name='qmr')\n"
              "finally:\n    print('openpyxl' in sys.modules, file=open('imported.txt', 'w'))\n")
    done = subprocess.run([sys.executable, "-c", script, "consolidate", "--period", Q3_TEXT],
                          cwd=work, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (work / "imported.txt").read_text().strip() == "False"


@pytest.mark.skipif(sys.platform != "linux", reason="a file name of bytes that are not UTF-8: Linux allows one")
def test_a_return_whose_file_name_is_not_utf8_is_consolidated(work: Path) -> None:
    """Such a name reaches qmr with lone surrogates in it (\udce9 for the byte 0xE9): the master shows
    it with a replacement character, the Data CSV with '?', and nothing fails."""
    inbox = work / "returns" / Q3.slug
    original = next(p for p in sorted(inbox.iterdir()) if "BSC-FIN" in p.name)
    os.rename(original, os.path.join(os.fsencode(inbox), b"BSC-FIN r\xe9ponse.xlsx"))
    qmr("consolidate", "--period", Q3_TEXT, cwd=work, expect=0)
    data = master_of(work).with_suffix(".csv").read_text(encoding="utf-8-sig")
    assert "BSC-FIN r?ponse.xlsx" in data
    sheet = openpyxl.load_workbook(master_of(work), read_only=True)["Data"]
    assert any("BSC-FIN r\ufffdponse.xlsx" in str(cell) for row in sheet.iter_rows(values_only=True)
               for cell in row)


def test_report_in_the_working_folder(work: Path) -> None:
    """`qmr report` with no --out writes output/<period>/QMR_<period>.docx; --by department one per
    department; it records nothing in history (consolidate does)."""
    done = qmr("report", "--period", Q3_TEXT, cwd=work, expect=0)
    document = work / "output" / Q3.slug / f"QMR_{Q3.slug}.docx"
    assert str(document.relative_to(work)) in done.stdout
    assert zipfile.is_zipfile(document) and "word/document.xml" in zipfile.ZipFile(document).namelist()
    assert not (work / "qmr.db").exists()
    done = qmr("report", "--period", Q3_TEXT, "--by", "department", "--out", work / "board.docx", cwd=work,
               expect=0)
    parts = sorted(work.glob("board_*.docx"))
    assert parts and all(p.name in done.stdout for p in parts)
    # --by division: one document per division the register names (bpr-2008-09: one per team)
    divisions = {t.division for t in quarter.load_plan(work / "plan.xlsx")[0].teams}
    invoke("report", "--period", Q3_TEXT, "--by", "division", "--out", work / "div" / "board.docx", expect=0)
    assert sorted(p.name for p in (work / "div").glob("board_*.docx")) == sorted(
        f"board_{d.replace(' ', '-')}.docx" for d in divisions)
    invoke("report", "--period", Q3_TEXT, "--out", work / "board.pdf", expect=2)  # --out names the .docx


def test_consolidate_with_problems_writes_the_master_and_strict_records_nothing(work: Path) -> None:
    qmr("consolidate", "--period", Q3_TEXT, "mixed", "--out", "strict.xlsx", "--db", "strict.db", "--strict",
        cwd=work, expect=1)
    assert (work / "strict.xlsx").is_file()
    assert not (work / "strict.db").exists() or history.periods(work / "strict.db") == []
    # without --strict the accepted return (Finance's; Planning's was rejected) is recorded
    invoke("consolidate", "--period", Q3_TEXT, "mixed", "--out", "loose.xlsx", "--db", "loose.db", expect=1)
    assert (work / "loose.xlsx").is_file()
    assert [(p, n) for p, n, _ in history.periods(work / "loose.db")] == [(Q3_TEXT, 1)]


def test_status_and_chase(work: Path) -> None:
    done = qmr("status", "--period", Q3_TEXT, "mixed", "--chase", "reminders", cwd=work, expect=1)
    rows = {line.split("│")[1].strip(): line for line in done.stdout.splitlines()
            if line.startswith("│ BSC-")}
    assert "received" in rows["BSC-FIN"]
    assert "missing" in rows["BSC-MIC"]
    assert "rejected" in rows["BSC-PP"]
    assert "notes.xlsx" in done.stdout  # a file that is nobody's return is named too
    reminders = sorted(p.name for p in (work / "reminders").glob("*.eml"))
    assert len(reminders) == 1 and "BSC-MIC" in reminders[0]
    # everybody received: exit 0, and nobody to chase
    done = qmr("status", "--period", Q3_TEXT, "--chase", "none", cwd=work, expect=0)
    assert done.stdout.count("received") >= 3
    assert list((work / "none").glob("*.eml")) == []


def test_history_after_a_consolidation(work: Path) -> None:
    result = invoke("history", "periods", expect=2)  # nothing consolidated yet
    assert "no history database" in result.output
    invoke("consolidate", "--period", Q3_TEXT, expect=0)
    result = invoke("history", "periods", expect=0)
    assert Q3_TEXT in result.output
    result = invoke("history", "show", "BSC-FIN", expect=0)
    assert Q3_TEXT in result.output and "milestone" in result.output
    result = invoke("history", "export", "all.csv", expect=0)
    with open(work / "all.csv", newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert f"{len(rows) - 1} rows" in result.output
    header = rows[0]
    assert "team" in header
    assert {row[header.index("team")] for row in rows[1:]} == {"BSC-FIN", "BSC-MIC", "BSC-PP"}
    result = invoke("history", "show", "NOPE", expect=2)  # a mistyped team code is said so
    assert "NOPE" in result.output
    # the same with --db, from anywhere
    result = invoke("history", "periods", "--db", work / "qmr.db", expect=0)
    assert Q3_TEXT in result.output


# ------------------------------------------------------------------------------------------------
# --quiet, progress bars


def test_quiet_prints_nothing_on_success(work: Path, tmp_path: Path) -> None:
    runs = [
        ("init", tmp_path / "q"),
        ("register", "new", tmp_path / "blank.xlsx"),
        ("register", "check", tmp_path / "blank.xlsx"),
        ("templates", "--period", "2008/09 Q4"),
        ("validate", "--period", Q3_TEXT, "--report", "f.xlsx", "--feedback", "fix"),
        ("status", "--period", Q3_TEXT),
        ("consolidate", "--period", Q3_TEXT),
        ("history", "periods"),
        ("history", "show", "BSC-FIN"),
        ("history", "export", "h.csv"),
    ]
    for args in runs:
        result = CliRunner().invoke(cli.main, [*map(str, args), "--quiet"])
        assert (result.exit_code, result.output) == (0, ""), args
    assert (work / "h.csv").is_file() and (work / "f.csv").is_file()
    # --quiet hides the chatter, not the reason for a failure
    result = CliRunner().invoke(cli.main, ["register", "check", "--quiet", str(faulty_register(tmp_path / "x.xlsx"))])
    assert result.exit_code == 1 and "error(s)" in result.output


def test_no_progress_bar_or_colour_when_not_a_terminal(work: Path) -> None:
    done = qmr("consolidate", "--period", Q3_TEXT, cwd=work, expect=0)
    assert done.stderr == ""
    assert not any(ch in done.stderr for ch in BAR_CHARACTERS)
    assert "\x1b[" not in done.stdout  # no colour codes in a script's output either


def test_progress_bar_on_a_terminal(work: Path) -> None:
    """The counterpart: on a terminal the bar is shown (on stderr)."""
    pty = pytest.importorskip("pty")
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("QMR_DEBUG", "NO_COLOR")} | {"TERM": "xterm"}
    process = subprocess.Popen([str(QMR), "validate", "--period", Q3_TEXT], cwd=work, env=env,
                               stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closes when the process ends
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    assert process.wait(timeout=120) == 0
    assert b"Reading returns" in seen, seen


# ------------------------------------------------------------------------------------------------
# Bad input: a clear message, the right exit code, never a traceback


# real: also through the installed script, as a user sees it
@pytest.mark.parametrize(("args", "code", "says", "real"), [
    (("templates", "--period", Q3_TEXT, "--plan", "nowhere.xlsx"), 2, "does not exist", False),
    (("templates", "--period", Q3_TEXT, "--plan", "templates"), 2, "is a directory", True),
    (("templates", "--period", Q3_TEXT, "--plan", "corrupt.xlsx"), 2, "qmr register check corrupt.xlsx",
     True),
    (("templates", "--period", Q3_TEXT, "--team", "BSC-FIN", "--team", "NOPE"), 2, "NOPE", False),
    (("templates", "--period", Q3_TEXT, "--deadline", "someday"), 2, "not a date", False),
    (("validate", "--period", Q3_TEXT, "--plan", "corrupt.xlsx"), 2, "cannot be used", False),
    (("validate", "--period", Q3_TEXT, "no-such-folder"), 2, "no such source", False),
    (("validate", "--period", Q3_TEXT, "mixed/notes.xlsx", "mixed/scan.zip", "mixed/RE return.eml"), 1,
     "notes.xlsx", True),
    (("validate", "--period", Q3_TEXT, "--passwords", "nowhere.txt"), 2, "does not exist", False),
    (("consolidate", "--period", Q3_TEXT, "--plan", "output"), 2, "is a directory", False),
    (("consolidate", "--period", Q3_TEXT, "mixed/notes.xlsx", "--out", "m.xlsx"), 1, "m.xlsx", False),
    (("consolidate", "--period", Q3_TEXT, "--db", "corrupt.xlsx"), 2, "history database", False),
    (("status", "--period", Q3_TEXT, "--plan", "corrupt.xlsx"), 2, "cannot be used", False),
    (("status", "--period", Q3_TEXT, "mixed/notes.xlsx"), 1, "not a usable return", True),
    (("history", "periods", "--db", "corrupt.xlsx"), 2, "history database", False),
    (("history", "export", "x.csv", "--db", "nowhere.db"), 2, "no history database", False),
    (("register", "check", "corrupt.xlsx"), 2, "cannot be read", False),
    (("register", "check", "nowhere.xlsx"), 2, "does not exist", False),
    (("demo", "plan.xlsx"), 2, "is a file", False),
    (("frobnicate",), 2, "No such command", False),
])
def test_bad_input_is_met_with_a_message(work: Path, args: tuple[str, ...], code: int, says: str,
                                         real: bool) -> None:
    (work / "corrupt.xlsx").write_bytes(b"PK\x03\x04" + b"\xff" * 300)
    if real:
        done = qmr(*args, cwd=work, expect=code)
        shown, errors = done.stdout + done.stderr, done.stderr
    else:
        result = invoke(*args, expect=code)
        shown, errors = result.output, result.stderr
    assert says in shown
    if code == 2:
        assert "unexpected problem" not in errors  # a known kind of bad input, said plainly
    if args[0] == "consolidate" and code == 1:
        assert (work / "m.xlsx").is_file()  # done, with problems: the master is still written


# ------------------------------------------------------------------------------------------------
# The demo


def test_demo_runs_reruns_and_refuses_a_folder_it_did_not_make(tmp_path: Path) -> None:
    done = qmr("demo", "show", cwd=tmp_path, expect=0)
    line = next(line for line in done.stdout.splitlines() if line.startswith("Master workbook:"))
    master = tmp_path / line.split(":", 1)[1].strip()
    assert master.is_file() and master.suffix == ".xlsx"
    assert not any(ch in done.stderr for ch in BAR_CHARACTERS)
    before = master.stat().st_mtime_ns
    done = qmr("demo", "show", "--quiet", cwd=tmp_path, expect=0)
    assert done.stdout == "" and master.is_file() and master.stat().st_mtime_ns != before
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "budget.xlsx").write_bytes(b"my own work")
    done = qmr("demo", "mine", cwd=tmp_path, expect=2)
    assert "not made by `qmr demo`" in done.stderr and "unexpected" not in done.stderr
    assert [p.name for p in mine.iterdir()] == ["budget.xlsx"]
    assert (mine / "budget.xlsx").read_bytes() == b"my own work"


# ------------------------------------------------------------------------------------------------
# Text from returns and file names is printed as it is: never read as rich markup (a `[/x]` once
# raised rich's MarkupError, and the safety net raised it again printing the same text)

ODD = "[/x] [bold]"  # a closing tag that matches nothing, and one that would swallow itself


def _return_of(work: Path, team: str, out: Path, commentary: str | None = None) -> Path:
    plan, _ = quarter.load_plan(work / "plan.xlsx")
    filled = simulate(plan, team, Q3, 7, signed=date(2009, 1, 12))
    if commentary is not None:
        key = next(k for k in filled.answers if k.startswith("milestone:"))
        filled.answers[key] = Answer("Green", None, commentary)
    return fill_return(work / "templates" / Q3.slug / f"{Q3.slug}_{team}.xlsx", out, filled)


def _claiming(path: Path, team: str) -> Path:
    """The return at `path`, edited to say it is from `team`."""
    book = openpyxl.load_workbook(path)
    book["qmr_identity"]["B2"] = team
    book.save(path)
    return path


def test_file_and_folder_names_with_markup_are_shown_as_they_are(work: Path) -> None:
    # a folder "in[" holding "x] [bold]box": the path reads in[/x] [bold]box (a file's own name cannot
    # hold a "/", a zip member's can)
    inbox = work / f"in{ODD}box"
    inbox.mkdir(parents=True)
    _return_of(work, "BSC-FIN", inbox / "fin [bold].xlsx")
    planning = _return_of(work, "BSC-PP", work / "pp.xlsx")
    with zipfile.ZipFile(inbox / "z [bold].zip", "w") as archive:
        archive.write(planning, "a[/x]/[bold]old.xlsx")
    (inbox / "junk [bold].xlsx").write_bytes(os.urandom(500))
    # exit 1: a file that is not a return (and, for status, BSC-MIC missing)
    for command, *more in (("status",), ("validate",), ("consolidate", "--out", "m.xlsx", "--db", "h.db")):
        done = qmr(command, "--period", Q3_TEXT, f"in{ODD}box", *more, cwd=work, expect=1)
        assert "unexpected problem" not in done.stderr, done.stderr
        if command != "consolidate":  # not a return: said, by name
            assert f"in{ODD}box/junk [bold].xlsx" in done.stdout, done.stdout
        if command == "status":
            assert f"in{ODD}box/fin [bold].xlsx" in done.stdout, done.stdout
            assert "z [bold].zip/a[/x]/[bold]old.xlsx" in done.stdout, done.stdout
    assert (work / "m.xlsx").is_file()


def test_paths_with_markup_in_messages_and_titles(work: Path) -> None:
    (work / "n[").mkdir()
    done = qmr("register", "new", f"n{ODD}.xlsx", cwd=work, expect=0)
    assert f"n{ODD}.xlsx" in done.stdout
    (work / "p[").mkdir()
    faulty_register(work / f"p{ODD}.xlsx")
    done = qmr("register", "check", f"p{ODD}.xlsx", cwd=work, expect=1)
    assert f"Register check: p{ODD}.xlsx" in done.stdout
    (work / "b[").write_text("a file where a folder is wanted")
    done = qmr("consolidate", "--period", Q3_TEXT, "--out", "b[/x] [bold]/m.xlsx", cwd=work, expect=2)
    assert "b[/x]" in done.stderr and "unexpected problem" not in done.stderr, done.stderr
    (work / "r[").mkdir()
    done = qmr("validate", "--period", Q3_TEXT, "--report", f"r{ODD}.xlsx", cwd=work, expect=0)
    assert f"r{ODD}.xlsx" in done.stdout


def test_commentary_with_markup_in_history_show(work: Path) -> None:
    commentary = "[/x] =cmd|' /C calc'!A0 [bold]"
    inbox = work / "inbox"
    for team in ("BSC-FIN", "BSC-MIC", "BSC-PP"):
        _return_of(work, team, inbox / f"{team}.xlsx", commentary if team == "BSC-FIN" else None)
    qmr("consolidate", "--period", Q3_TEXT, "inbox", "--out", "m.xlsx", "--db", "h.db", cwd=work, expect=0)
    done = qmr("history", "show", "BSC-FIN", "--db", "h.db", cwd=work, expect=0)
    assert commentary in done.stdout, done.stdout
    done = qmr("history", "periods", "--db", "h.db", cwd=work, expect=0)
    assert Q3_TEXT in done.stdout


def test_a_return_claiming_a_team_not_in_the_register_is_not_one_of_ours(work: Path) -> None:
    inbox = work / "returns" / Q3.slug
    _claiming(_return_of(work, "BSC-FIN", work / "stranger.xlsx"), "BSC-XX")
    shutil.copy(work / "stranger.xlsx", inbox / "stranger.xlsx")
    done = qmr("validate", "--period", Q3_TEXT, cwd=work, expect=1)  # a rejected return: exit 1
    assert "3 received, 0 missing, 0 rejected of 3 teams" in done.stdout, done.stdout
    assert "BSC-XX" in done.stdout
    done = qmr("status", "--period", Q3_TEXT, cwd=work, expect=1)
    line = next(line for line in done.stdout.splitlines() if "stranger.xlsx" in line)  # said, by name
    assert line.startswith("not a usable return") and "BSC-XX" in line, done.stdout


def test_the_last_line_of_defence_cannot_fail(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"a file called {ODD}.xlsx")

    monkeypatch.setattr(history, "periods", broken)
    (work / "some.db").touch()
    result = invoke("history", "periods", "--db", "some.db", expect=2)
    assert "unexpected problem" in result.stderr and f"{ODD}.xlsx" in result.stderr, result.stderr

    def no_console(*args: object, **kwargs: object) -> None:
        raise UnicodeEncodeError("ascii", "é", 0, 1, "the console cannot show it")

    monkeypatch.setattr(Console, "print", no_console)  # even rich failing leaves a line, not a traceback
    result = invoke("history", "periods", "--db", "some.db", expect=2)
    assert "unexpected problem" in result.stderr and f"{ODD}.xlsx" in result.stderr, result.stderr
