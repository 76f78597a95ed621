"""The plan register: blank register round trip, example registers, every kind of defect reported
at its sheet and cell, a LibreOffice-saved register, and normalisers that never raise."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import convert, make_plan
from qmr.model import Finding, Plan, Severity
from qmr.normalise import read_number as to_number
from qmr.plan import examples
from qmr.plan.blank import INSTRUCTIONS, write_register
from qmr.plan.layout import SHEETS, Sheet
from qmr.plan.reader import check_register, errors, read_register
from qmr.plan.values import dates_in_text, financial_year, parse_due


def headers(sheet: Sheet) -> list[str]:
    return [c.header for c in sheet.columns]


def raw_workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """A workbook holding exactly the given cells (first row = header), the way a user might type it."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    book.save(path)
    return path


def full(**overrides: list[list[object]]) -> dict[str, list[list[object]]]:
    """Every register sheet with its header row and the given data rows."""
    return {s.name: [headers(s), *overrides.get(s.name, [])] for s in SHEETS}


def at(findings: list[Finding], sheet: str, cell: str) -> list[Finding]:
    return [f for f in findings if f.sheet == sheet and f.cell == cell]


def plan_rows(plan: Plan) -> dict[str, list[list[object]]]:
    """A Plan as register rows (the inverse of read_register, for round trips)."""
    def yes(flag: bool) -> str:
        return "Yes" if flag else "No"

    return {
        "Teams": [[t.code, t.name, t.directorate, t.department, t.division, t.clerk_name, t.clerk_email,
                   t.responsible_officer] for t in plan.teams],
        "Objectives": [[o.ref, o.title, o.corporate_priority, o.area_of_focus, yes(o.key), o.team,
                        o.responsible_officer, o.initial_risk, o.residual_risk, ", ".join(o.indicators)]
                       for o in plan.objectives],
        "Milestones": [[m.id, m.objective_ref, m.text, m.due, m.year, m.team, m.responsible_officer]
                       for m in plan.milestones],
        "Indicators": [[i.ref, i.description, i.category, yes(i.key), i.unit, i.polarity, i.frequency,
                        i.profile, i.previous_actual, i.annual_target, *i.quarter_targets, i.tolerance,
                        i.team]
                       for i in plan.indicators],
        "Risks": [[r.objective_ref, r.measures, r.responsible_officer, r.team] for r in plan.risks],
        "Equality": [[e.id, e.action, e.target_date, e.responsible_officer, e.team] for e in plan.equality],
        "Settings": [[k, v] for k, v in plan.settings.items()],
    }


# ------------------------------------------------------------------------------------------------
# The blank register


def test_blank_register_reads_back_clean(tmp_path: Path) -> None:
    path = write_register(tmp_path / "new" / "plan.xlsx")
    read = read_register(path)
    plan, findings = read.plan, read.findings
    assert plan is not None
    assert not errors(findings), [str(f) for f in findings]
    assert [t.code for t in plan.teams] == ["BSC-FIN"]
    assert [o.ref for o in plan.objectives] == ["BPR1"]
    assert plan.objectives[0].indicators == ("BPR LI12",)
    assert plan.objectives[0].key is True
    indicator = plan.indicators[0]
    assert (indicator.unit, indicator.polarity, indicator.previous_actual, indicator.annual_target) == (
        "%", "lower", 4.1, 3.8)
    assert indicator.tolerance == 0.5
    assert len(plan.milestones) == len(plan.risks) == len(plan.equality) == 1
    assert plan.settings == {}  # known settings are listed, but with blank values
    assert len(plan.fingerprint) == 16


def test_blank_register_is_built_for_people(tmp_path: Path) -> None:
    path = write_register(tmp_path / "plan.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [INSTRUCTIONS, *(s.name for s in SHEETS)]
    instructions = "\n".join(str(c.value) for c in book[INSTRUCTIONS]["A"] if c.value)
    assert "Amber" in instructions and "Closest to target" in instructions
    indicators = book["Indicators"]
    assert indicators.freeze_panes == "A2"
    assert [c.value for c in indicators[1]] == headers(SHEETS[3])
    assert "Required." in indicators["E1"].comment.text  # Unit
    assert indicators.column_dimensions["B"].width == 50
    lists = {str(v.sqref).split(":")[0]: v for v in indicators.data_validations.dataValidation}
    assert lists["E2"].formula1 == '"%,number,£,rate,text"' and lists["E2"].showErrorMessage
    assert lists["C2"].showErrorMessage is False  # categories: suggestions, other text allowed
    settings = book["Settings"]
    assert settings["A2"].value == "organisation" and settings["A2"].comment is not None


def test_given_rows_write_numbers_as_numbers_and_formulas_as_text(tmp_path: Path) -> None:
    rows = plan_rows(make_plan())
    rows["Objectives"][0][1] = "=HYPERLINK(\"http://evil\")"
    rows["Indicators"][0][9] = "95"
    path = write_register(tmp_path / "plan.xlsx", rows)
    ws = openpyxl.load_workbook(path)["Indicators"]
    assert ws["J2"].value == 95 and ws["J2"].data_type == "n"
    objectives = openpyxl.load_workbook(path)["Objectives"]
    assert objectives["B2"].data_type == "s"
    plan = read_register(path).plan
    assert plan is not None and plan.objectives[0].title.startswith("=HYPERLINK")


def test_register_from_plan_reads_back_to_the_same_plan(tmp_path: Path) -> None:
    original = make_plan()
    read = read_register(write_register(tmp_path / "plan.xlsx", plan_rows(original)))
    plan, findings = read.plan, read.findings
    assert plan is not None and not errors(findings), [str(f) for f in findings]
    # the one difference is on purpose: an undated milestone takes the date in its text
    assert plan.milestones[1].due == "Mar 2009"
    assert [f.code for f in at(findings, "Milestones", "D3")] == ["register-date-from-text"]
    expected = dataclasses.replace(original, fingerprint=plan.fingerprint, milestones=(
        original.milestones[0], dataclasses.replace(original.milestones[1], due="Mar 2009"),
        *original.milestones[2:]))
    assert plan == expected


def test_fingerprint_follows_content_not_layout(tmp_path: Path) -> None:
    rows = full(**{k: v for k, v in plan_rows(make_plan()).items()})
    first = read_register(raw_workbook(tmp_path / "a.xlsx", rows)).plan
    # the same content with the Teams columns reversed and an extra notes column
    teams = [list(reversed(r)) + ["my notes"] for r in rows["Teams"]]
    read = read_register(raw_workbook(tmp_path / "b.xlsx", {**rows, "Teams": teams}))
    moved, findings = read.plan, read.findings
    assert first is not None and moved is not None
    assert moved.fingerprint == first.fingerprint
    assert any(f.code == "register-header-ignored" and f.severity == Severity.INFO for f in findings)
    rows["Indicators"][0][9] = 96.0
    changed = read_register(raw_workbook(tmp_path / "c.xlsx", rows)).plan
    assert changed is not None and changed.fingerprint != first.fingerprint


# ------------------------------------------------------------------------------------------------
# The example registers


@pytest.mark.parametrize("name", examples.EXAMPLES)
def test_example_registers_read_with_no_errors(name: str, tmp_path: Path) -> None:
    # a shipped example that disappears is a failure, not a skip
    assert examples.example_folder(name).is_dir(), f"example {name} is not shipped"
    path = examples.write_example(name, tmp_path / f"{name}.xlsx")
    read = read_register(path)
    plan, findings = read.plan, read.findings
    assert plan is not None
    assert not errors(findings), "\n".join(str(f) for f in findings if f.severity.rank <= 1)
    assert plan.teams and plan.objectives and plan.milestones and plan.indicators
    assert all(plan.for_team(t.code).indicators or plan.for_team(t.code).milestones for t in plan.teams)


def test_example_rows_from_a_folder_of_csvs(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    folder.mkdir()
    # columns in another order, a byte-order mark, a blank line: all as a spreadsheet would save them
    (folder / "Teams.csv").write_text(
        "Name,Code,Clerk email\nFinance,BSC-FIN,fin@example.org\n,,\n", encoding="utf-8-sig")
    (folder / "Objectives.csv").write_text("Ref,Title,Team,Key\nBPR1,Balance the budget,BSC-FIN,Yes\n")
    (folder / "Milestones.csv").write_text("ID,Objective ref,Milestone,Due,Year\n"
                                           "BPR1.1,BPR1,Set the budget,Mar 2009,2008/09\n")
    (folder / "Indicators.csv").write_text(
        "Ref,Description,Unit,Polarity,Annual target,Team\nBPR LI1,Cost per invoice,£,lower,1.25,BSC-FIN\n",
        encoding="utf-8")
    rows = examples.read_rows(folder)
    assert rows["Teams"] == [["BSC-FIN", "Finance", None, None, None, None, "fin@example.org", None]]
    assert "Risks" not in rows
    read = read_register(write_register(tmp_path / "demo.xlsx", rows))
    plan, findings = read.plan, read.findings
    assert plan is not None and not errors(findings), [str(f) for f in findings]
    assert plan.indicators[0].unit == "£" and plan.indicators[0].annual_target == 1.25
    assert plan.milestones[0].due == "Mar 2009"


def test_example_csv_with_unknown_header_is_refused(tmp_path: Path) -> None:
    (tmp_path / "Teams.csv").write_text("Code,Nmae\nA,B\n")
    with pytest.raises(ValueError, match="Nmae"):
        examples.read_rows(tmp_path)


def test_unknown_example_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="ced-2015-16.*bpr-2008-09"):
        examples.example_rows("nope")


# ------------------------------------------------------------------------------------------------
# A messy register: every defect reported at its sheet and cell


MESSY = dict(
    Teams=[
        ["BSC-FIN", "Financial Services", "Resources", "", "", "Clerk", "fin@example.org", "DM Finance"],
        ["BSC-HR", "Human Resources", "", "", "", "Clerk", "hr.performance(at)example.org", "DM HR"],
        ["BSC-FIN", "Finance again", "", "", "", "", "x@example.org", ""],
        ["BSC-IDLE", "Nothing to report", "", "", "", "", "idle@example.org", ""],
        ["BSC-COM", "Commissioning", "", "", "", "", "a@example.org; b@example.org", "JH/AM"],
        [None, None, None, None, None, None, None, None],  # a blank row is skipped without comment
    ],
    Objectives=[
        ["BPR1", "Sound finances", "", "", "Yes", "BSC-FIN", "DM Finance", 9, "4", "BPR LI1, LI12"],
        ["BPR2", "Workforce", "", "", "No", "BSC-XX", "DM HR", "High", "Low", ""],
        ["BPR3", "Staff turnover", "", "", "Maybe", "BSC-HR", "DM HR", 20, "medium", "LI21"],
        ["BPR1", "Duplicate", "", "", "No", "BSC-FIN", "", "", "", ""],
        ["BPR4", "Commissioning", "", "", "No", "BSC-COM", "JH/AM", "", "", "NI 999"],
    ],
    Milestones=[
        ["BPR1.1", "BPR1", "Report the outturn", "Jun 2008", "2008/09", "", ""],
        ["BPR1.2", "BPR1", "Set the 2009/10 budget by March 2009", None, "2008/09", "", ""],
        ["BPR1.3", "BPR1", "Review charges", "sometime soon", "2008/09", "", ""],
        ["BPR1.4", "BPR1", "Close the accounts", "Jun 2010", "2008/09", "", ""],
        ["BPR9.1", "BPR9", "Of an unknown objective", "Mar 2009", "2008/09", "", ""],
        ["BPR2.1", "BPR2", "Of a left-out objective", "Mar 2009", "2008/09", "", ""],
        ["BPR1.1", "BPR1", "Duplicate id", "Mar 2009", "2008/09", "", ""],
        ["BPR3.1", "BPR3", None, "Mar 2009", "2008/09", "", ""],
        ["BPR3.2", "BPR3", "Exit interviews", "Ongoing", "2008/09", "", "JH/AM, PK"],
        ["BPR3.3", "BPR3", "Quarter-dated", "Q4 2008/09", "08/09", "", ""],
        ["BPR4.1", "BPR4", "A real date", datetime(2008, 12, 31), "2008/09", "", ""],
    ],
    Indicators=[
        ["BPR LI1", "% invoices paid in 30 days", "Cost & Efficiency", "Yes", "%", "higher", "quarterly",
         "flat", 92, 95, None, None, None, None, 2, "BSC-FIN"],
        ["BPR LI12", "% days lost to sickness", "corporate health", "No", "%", None, "quarterly", "flat",
         "4.1", "75%", None, None, None, None, None, "BSC-FIN"],
        ["BSC Ll21", "Staff turnover", "Corporate Health", "No", "rate", "target", "quarterly", "flat",
         9, 10, None, None, None, None, None, "BSC-HR"],
        ["BV 38-41", "GCSE results", "Quality", "No", "percentage", "Higher is better", "annual", "discrete",
         None, 60, None, None, None, None, None, "BSC-HR"],
        ["BPR LI7", "Satisfaction", "Quality", "No", "%", "higher", "annually", "flat",
         None, "To be set once baseline known", None, None, None, None, None, "BSC-COM"],
        ["BPR LI8", "Contracts", "Service Delivery", "No", "kg", "higher", "weekly", "sometimes",
         30, 40, 10, 20, 30, 40, None, "BSC-COM"],
        ["BPR LI9", "No team", "Quality", "No", "number", "higher", "quarterly", "flat",
         1, 2, None, None, None, None, None, None],
        ["BPR LI1", "Duplicate", "Quality", "No", "number", "higher", "quarterly", "flat",
         1, 2, None, None, None, None, None, "BSC-FIN"],
        ["BPR LI10", "Bad tolerance", "Quality", "No", "number", "lower", "quarterly", "flat",
         1, 2, None, None, None, None, "lots", "BSC-FIN"],
    ],
    Risks=[
        ["BPR1", "Monthly budget monitoring", "DM Finance", ""],
        ["BPR7", "Of an unknown objective", "", ""],
    ],
    Equality=[
        ["EQ1", "Assess all HR policies", "Mar 2009", "DM HR", "BSC-HR"],
        ["EQ2", "Impossible date", "31/02/2009", "DM HR", "bsc-hr"],
        ["EQ3", "Unknown team", "Mar 2009", "", "NOPE"],
    ],
    Settings=[
        ["Financial Year", "2008-09"],
        ["deadline_days", "fifteen"],
        ["contact email", "nobody"],
    ],
)

# (sheet, cell, severity, code) for each defect planted above
EXPECTED = [
    ("Teams", "G3", Severity.WARNING, "email-invalid"),
    ("Teams", "A4", Severity.ERROR, "duplicate"),
    ("Teams", "A5", Severity.WARNING, "team-idle"),
    ("Objectives", "J2", Severity.WARNING, "link-loose"),
    ("Objectives", "F3", Severity.ERROR, "team-unknown"),
    ("Objectives", "E4", Severity.ERROR, "choice-invalid"),
    ("Objectives", "H4", Severity.ERROR, "risk-invalid"),
    ("Objectives", "I4", Severity.INFO, "choice-normalised"),
    ("Objectives", "J4", Severity.WARNING, "link-loose"),
    ("Objectives", "A5", Severity.ERROR, "duplicate"),
    ("Objectives", "J6", Severity.WARNING, "link-unknown"),
    ("Milestones", "D3", Severity.INFO, "date-from-text"),
    ("Milestones", "D4", Severity.WARNING, "date-undated"),
    ("Milestones", "D5", Severity.WARNING, "date-outside-year"),
    ("Milestones", "B6", Severity.ERROR, "objective-unknown"),
    ("Milestones", "B7", Severity.ERROR, "objective-unknown"),
    ("Milestones", "A8", Severity.ERROR, "duplicate"),
    ("Milestones", "C9", Severity.ERROR, "required-blank"),
    ("Milestones", "E11", Severity.INFO, "year-normalised"),
    ("Indicators", "C3", Severity.INFO, "choice-normalised"),
    ("Indicators", "F3", Severity.ERROR, "polarity-missing"),
    ("Indicators", "I3", Severity.INFO, "number-as-text"),
    ("Indicators", "J3", Severity.INFO, "number-normalised"),
    ("Indicators", "A4", Severity.WARNING, "ref-lower-l"),
    ("Indicators", "A5", Severity.WARNING, "ref-range"),
    ("Indicators", "E5", Severity.INFO, "choice-normalised"),
    ("Indicators", "F5", Severity.INFO, "choice-normalised"),
    ("Indicators", "G6", Severity.INFO, "choice-normalised"),
    ("Indicators", "J6", Severity.INFO, "target-text"),
    ("Indicators", "E7", Severity.ERROR, "choice-invalid"),
    ("Indicators", "G7", Severity.ERROR, "choice-invalid"),
    ("Indicators", "H7", Severity.ERROR, "choice-invalid"),
    ("Indicators", "P8", Severity.ERROR, "required-blank"),
    ("Indicators", "A9", Severity.ERROR, "duplicate"),
    ("Indicators", "O10", Severity.ERROR, "tolerance-invalid"),
    ("Risks", "A3", Severity.ERROR, "objective-unknown"),
    ("Equality", "C3", Severity.ERROR, "date-invalid"),
    ("Equality", "E3", Severity.INFO, "team-case"),
    ("Equality", "E4", Severity.ERROR, "team-unknown"),
    ("Settings", "B2", Severity.INFO, "year-normalised"),
    ("Settings", "B3", Severity.ERROR, "setting-invalid"),
    ("Settings", "B4", Severity.WARNING, "email-invalid"),
]


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    return raw_workbook(tmp_path / "messy.xlsx", full(**MESSY))


@pytest.mark.parametrize(("sheet", "cell", "severity", "code"), EXPECTED, ids=lambda v: str(v))
def test_each_defect_is_reported_at_its_cell(messy: Path, sheet: str, cell: str, severity: Severity,
                                             code: str) -> None:
    findings = check_register(messy)
    here = at(findings, sheet, cell)
    assert (severity, f"register-{code}") in [(f.severity, f.code) for f in here], [str(f) for f in here]
    finding = next(f for f in here if f.code == f"register-{code}")
    assert finding.file == "messy.xlsx" and finding.message and finding.action


def test_messy_register_is_not_reported_beyond_its_defects(messy: Path) -> None:
    read = read_register(messy)
    plan, findings = read.plan, read.findings
    assert plan is not None and errors(findings)
    expected = {(s, c) for s, c, _, _ in EXPECTED}
    # nothing is said about the cells that are fine
    unexpected = [str(f) for f in findings if (f.sheet, f.cell) not in expected]
    assert unexpected == []
    # findings come in sheet, row, column order: the same input always gives the same report
    assert findings == check_register(messy)


def test_messy_register_keeps_what_is_usable(messy: Path) -> None:
    plan = read_register(messy).plan
    assert plan is not None
    assert [t.code for t in plan.teams] == ["BSC-FIN", "BSC-HR", "BSC-IDLE", "BSC-COM"]
    assert plan.team("BSC-COM").responsible_officer == "JH/AM"  # several officers in one cell is fine
    assert [o.ref for o in plan.objectives] == ["BPR1", "BPR3", "BPR4"]
    bpr1, bpr3, bpr4 = plan.objectives
    assert bpr1.indicators == ("BPR LI1", "BPR LI12") and bpr1.initial_risk == "9"
    assert bpr3.indicators == ("BSC Ll21",) and bpr3.key is False and bpr3.initial_risk == ""
    assert bpr3.residual_risk == "Medium" and bpr4.indicators == ()
    milestones = {m.id: m for m in plan.milestones}
    assert list(milestones) == ["BPR1.1", "BPR1.2", "BPR1.3", "BPR1.4", "BPR3.2", "BPR3.3", "BPR4.1"]
    assert milestones["BPR1.2"].due == "Mar 2009"
    assert milestones["BPR1.3"].due == "sometime soon"  # shown as written
    assert milestones["BPR3.2"].due == "Ongoing" and milestones["BPR3.2"].responsible_officer == "JH/AM, PK"
    assert (milestones["BPR3.3"].due, milestones["BPR3.3"].year) == ("Q4 2008/09", "2008/09")
    assert milestones["BPR4.1"].due == "31 Dec 2008" and milestones["BPR4.1"].team == "BSC-COM"
    pis = {i.ref: i for i in plan.indicators}
    assert list(pis) == ["BPR LI1", "BPR LI12", "BSC Ll21", "BV 38-41", "BPR LI7", "BPR LI8", "BPR LI10"]
    assert pis["BPR LI12"].previous_actual == 4.1 and pis["BPR LI12"].annual_target == 75.0
    assert pis["BPR LI12"].polarity == "none" and pis["BPR LI12"].category == "Corporate Health"
    assert pis["BV 38-41"].unit == "%" and pis["BV 38-41"].polarity == "higher"
    assert pis["BPR LI7"].annual_target == "To be set once baseline known"
    assert pis["BPR LI7"].frequency == "annual" and not pis["BPR LI7"].due_in(2)
    assert (pis["BPR LI8"].unit, pis["BPR LI8"].frequency, pis["BPR LI8"].profile) == (
        "number", "quarterly", "flat")
    assert pis["BPR LI8"].quarter_targets == (10.0, 20.0, 30.0, 40.0)
    assert pis["BPR LI10"].tolerance is None
    assert [r.objective_ref for r in plan.risks] == ["BPR1"] and plan.risks[0].team == "BSC-FIN"
    assert [(e.id, e.team, e.target_date) for e in plan.equality] == [
        ("EQ1", "BSC-HR", "Mar 2009"), ("EQ2", "BSC-HR", "31/02/2009")]
    assert plan.settings == {"financial_year": "2008/09", "contact_email": "nobody"}


# ------------------------------------------------------------------------------------------------
# Structural problems


def test_missing_required_sheet_means_no_plan(tmp_path: Path) -> None:
    sheets = full()
    del sheets["Indicators"]
    read = read_register(raw_workbook(tmp_path / "p.xlsx", sheets))
    plan, findings = read.plan, read.findings
    assert plan is None
    assert [(f.severity, f.sheet, f.code) for f in findings if f.severity == Severity.REJECTED] == [
        (Severity.REJECTED, "Indicators", "register-sheet-missing")]


def test_missing_optional_sheet_and_misnamed_sheet(tmp_path: Path) -> None:
    rows = plan_rows(make_plan())
    sheets = full(**rows)
    del sheets["Equality"]
    sheets["teams"] = sheets.pop("Teams")
    read = read_register(raw_workbook(tmp_path / "p.xlsx", sheets))
    plan, findings = read.plan, read.findings
    assert plan is not None and plan.equality == () and len(plan.teams) == 3
    by_code = {f.code: f for f in findings}
    assert by_code["register-sheet-missing"].severity == Severity.WARNING
    assert by_code["register-sheet-name"].severity == Severity.INFO


def test_missing_columns(tmp_path: Path) -> None:
    rows = plan_rows(make_plan())
    sheets = full(**rows)
    # Teams without Clerk email (G): teams kept; Objectives without Ref (A): no objective readable
    sheets["Teams"] = [r[:6] + r[7:] for r in sheets["Teams"]]
    sheets["Objectives"] = [r[1:] for r in sheets["Objectives"]]
    read = read_register(raw_workbook(tmp_path / "p.xlsx", sheets))
    plan, findings = read.plan, read.findings
    assert plan is not None and len(plan.teams) == 3 and plan.objectives == ()
    assert [(f.severity, f.cell) for f in findings if f.code == "register-column-missing"] == [
        (Severity.ERROR, "1:1"), (Severity.ERROR, "1:1")]
    assert [f.sheet for f in findings if f.code == "register-column-missing"] == ["Teams", "Objectives"]


@pytest.mark.parametrize(("name", "content", "code"), [
    ("plan.xlsx", b"this is not a spreadsheet", "register-unreadable"),
    ("~$plan.xlsx", b"\x00" * 165, "register-lock-file"),
    ("plan.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "register-encrypted"),
    ("missing.xlsx", None, "register-not-found"),
])
def test_unreadable_files_are_rejected_not_raised(tmp_path: Path, name: str, content: bytes | None,
                                                  code: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    read = read_register(path)
    plan, findings = read.plan, read.findings
    assert plan is None
    assert [(f.severity, f.code) for f in findings] == [(Severity.REJECTED, code)]
    assert findings[0].action


# ------------------------------------------------------------------------------------------------
# Normalisers


def due_date(text: str) -> date | None:
    """The last day something due `text` may be done on (end of month for `Mar 2016`)."""
    due = parse_due(text)
    return due.day if due else None


@pytest.mark.parametrize(("text", "expected"), [
    ("Mar 2016", date(2016, 3, 31)),
    ("March 2016", date(2016, 3, 31)),
    ("Sept 2015", date(2015, 9, 30)),
    ("Feb 2016", date(2016, 2, 29)),
    ("31/03/2016", date(2016, 3, 31)),
    ("2016-03-31", date(2016, 3, 31)),
    ("31 March 2016", date(2016, 3, 31)),
    ("Q4 2015/16", date(2016, 3, 31)),
    ("2015/16 Q1", date(2015, 6, 30)),
    ("2015/16", date(2016, 3, 31)),
    ("Mar-16", date(2016, 3, 31)),
    ("Ongoing", None),
    ("", None),
    ("31/02/2016", None),
    ("soon", None),
])
def test_due_date(text: str, expected: date | None) -> None:
    assert due_date(text) == expected


def test_parse_due_shows_a_readable_date() -> None:
    assert parse_due("March 2016").text == "Mar 2016"
    assert parse_due("2016-03-31").text == "31 Mar 2016"
    assert parse_due(" on-going ").text == "Ongoing"
    assert parse_due(datetime(2016, 3, 1)).text == "Mar 2016"  # Excel's typed "Mar 2016"
    assert parse_due(42460.0).text == "31 Mar 2016"  # a date as Excel's day number
    assert parse_due("next year") is None


@pytest.mark.parametrize(("value", "expected"), [
    (75, (75.0, "")), ("75", (75.0, "text")), ("75%", (75.0, "percent")),
    (" 1,200.5 ", (1200.5, "thousands")),
    ("£1,200", (1200.0, "currency")), ("N/A", (None, "")), (True, (None, "")), ("1e999", (None, "")),
    (float("nan"), (None, "")), ("", (None, "")),
])
def test_to_number(value: object, expected: tuple[float | None, str]) -> None:
    assert to_number(value) == expected


def test_financial_year() -> None:
    assert [financial_year(t) for t in ("2015/16", "2015-16", "2015/2016", "08/09", "010/11", "2015/17")] == [
        "2015/16", "2015/16", "2015/16", "2008/09", "2010/11", None]


@given(st.text())
def test_due_date_never_raises(text: str) -> None:
    result = due_date(text)
    assert result is None or isinstance(result, date)


@given(st.one_of(st.text(), st.floats(), st.integers(), st.booleans(), st.none(), st.dates(), st.datetimes()))
def test_normalisers_never_raise(value: object) -> None:
    number, how = to_number(value)
    assert number is None or number == number
    due = parse_due(value)
    assert due is None or isinstance(due.text, str)


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2150, 12, 31)))
def test_typed_dates_mean_what_they_say(day: date) -> None:
    assert due_date(f"{day.day:02d}/{day.month:02d}/{day.year}") == day
    assert due_date(day.isoformat()) == day
    month_end = due_date(day.strftime("%B %Y"))
    assert month_end is not None and (month_end.year, month_end.month) == (day.year, day.month)
    assert month_end >= day


# ------------------------------------------------------------------------------------------------
# A real client


@pytest.mark.libreoffice
def test_register_saved_by_libreoffice_reads_the_same(soffice: str, tmp_path: Path) -> None:
    ours = write_register(tmp_path / "plan.xlsx", plan_rows(make_plan()))
    theirs = convert(soffice, ours, "xlsx", tmp_path / "lo")
    read = read_register(ours)
    plan, findings = read.plan, read.findings
    read = read_register(theirs)
    saved, saved_findings = read.plan, read.findings
    assert plan is not None and saved == plan
    assert saved.fingerprint == plan.fingerprint
    assert [(f.severity, f.sheet, f.cell, f.code) for f in saved_findings] == [
        (f.severity, f.sheet, f.cell, f.code) for f in findings]


@pytest.mark.libreoffice
def test_messy_register_saved_by_libreoffice_gives_the_same_findings(soffice: str, messy: Path,
                                                                      tmp_path: Path) -> None:
    theirs = convert(soffice, messy, "xlsx", tmp_path / "lo")
    assert [(f.severity, f.sheet, f.cell, f.code) for f in check_register(theirs)] == [
        (f.severity, f.sheet, f.cell, f.code) for f in check_register(messy)]


def register_with_an_impossible_date(tmp_path: Path) -> tuple[Path, Plan | None]:
    """The BPR example with -1e20 in a date-formatted Due cell (Milestones!D4), and the plan as it
    reads without that cell."""
    path = examples.write_example("bpr-2008-09", tmp_path / "plan.xlsx")
    whole = read_register(path).plan
    book = openpyxl.load_workbook(path)
    book["Milestones"]["D4"].value = -1e20
    book["Milestones"]["D4"].number_format = "dd/mm/yyyy"
    book.save(path)
    return path, whole


def test_a_number_calamine_cannot_date_is_a_finding_not_a_crash(tmp_path: Path, capfd) -> None:
    """calamine panics (in Rust) converting -1e20 in a date-formatted cell: a finding, and nothing
    from Rust on the officer's terminal."""
    path, whole = register_with_an_impossible_date(tmp_path)
    read = read_register(path)
    plan, findings = read.plan, read.findings
    assert plan is not None and whole is not None
    # the finding names the cell, and says what to do about it
    bad = [f for f in findings if "cannot be read" in f.message]
    assert [(f.severity, f.sheet, f.cell) for f in bad] == [(Severity.ERROR, "Milestones", "D4")]
    assert "#####" in bad[0].action or "#####" in bad[0].message
    # every milestone survives, the rows before and after the bad one unchanged
    assert [m.id for m in plan.milestones] == [m.id for m in whole.milestones]
    assert plan.milestones[:2] == whole.milestones[:2] and plan.milestones[3:] == whole.milestones[3:]
    assert plan.milestones[2].text == whole.milestones[2].text
    assert "panicked" not in capfd.readouterr().err


def test_a_row_no_reader_can_read_is_reported_by_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """When openpyxl cannot read the bad row either, only that row is lost, and the finding names it."""
    from qmr.plan import sheets

    path, whole = register_with_an_impossible_date(tmp_path)
    monkeypatch.setattr(sheets, "_recover_rows", lambda *args: {})
    read = read_register(path)
    plan, findings = read.plan, read.findings
    assert plan is not None and whole is not None
    bad = [f for f in findings if "cannot be read" in f.message]
    assert [(f.sheet, f.cell, f.code) for f in bad] == [("Milestones", "4:4", "register-row-unreadable")]
    assert "row 4" in bad[0].action
    assert [m.id for m in plan.milestones] == [m.id for m in whole.milestones if m.id != whole.milestones[2].id]


# ------------------------------------------------------------------------------------------------
# Percentages typed in Excel's percentage format


def percent_register(path: Path, rows: list[list[object]]) -> Path:
    """The example plan with these Indicators rows for team BSC-FIN, figures formatted as Excel's 0%."""
    sheets = full(**plan_rows(make_plan()))
    sheets["Indicators"] = [sheets["Indicators"][0], *sheets["Indicators"][1:], *rows]
    raw_workbook(path, sheets)
    book = openpyxl.load_workbook(path)
    ws = book["Indicators"]
    for row in ws.iter_rows(min_row=len(sheets["Indicators"]) - len(rows) + 1):
        for cell in row[8:15]:
            if isinstance(cell.value, float) and 0 < cell.value <= 1:
                cell.number_format = "0%"
    book.save(path)
    return path


def pi_row(ref: str, unit: str, previous: object, target: object, quarters: list[object],
           tolerance: object = None) -> list[object]:
    return [ref, "A percentage", "Quality", "No", unit, "higher", "quarterly", "flat", previous, target,
            *quarters, tolerance, "BSC-FIN"]


def test_percentages_stored_as_fractions_are_read_as_percentage_points(tmp_path: Path) -> None:
    path = percent_register(tmp_path / "plan.xlsx", [
        pi_row("PC1", "%", 80, 0.82, [None] * 4),                      # 82% typed, last year 80
        pi_row("PC2", "%", 0.8, 0.82, [0.2, 0.4, 0.6, 0.82]),          # all typed as %: nothing > 1
        pi_row("PC3", "%", 4.1, 3.8, [0.9, None, None, None]),         # a small % really meant
        pi_row("PC4", "%", 0.75, 0.82, [20, 40, 60, 82], 0.05),        # mixed; tolerance 5%?
        pi_row("PC5", "number", 80, 0.82, [None] * 4),                 # not a % PI
        pi_row("PC6", "%", 80, 1, [None] * 4),                         # 100%
    ])
    read = read_register(path)
    plan, findings = read.plan, read.findings
    assert plan is not None and not errors(findings), [str(f) for f in findings]
    pis = {i.ref: i for i in plan.indicators}
    first = len(plan_rows(make_plan())["Indicators"]) + 2  # the row of PC1
    rows = {ref: first + n for n, ref in enumerate(["PC1", "PC2", "PC3", "PC4", "PC5", "PC6"])}
    assert pis["PC1"].annual_target == 82 and pis["PC1"].previous_actual == 80
    assert [(f.severity, f.code) for f in at(findings, "Indicators", f"J{rows['PC1']}")] == [
        (Severity.INFO, "register-percent-fraction")]
    # every figure 1 or less: kept as written, with a note (real PIs can be this small)
    assert (pis["PC2"].previous_actual, pis["PC2"].annual_target) == (0.8, 0.82)
    assert pis["PC2"].quarter_targets == (0.2, 0.4, 0.6, 0.82)
    warned = [f for f in findings if f.code == "register-percent-fractions"]
    assert [(f.severity, f.cell) for f in warned] == [(Severity.INFO, f"J{rows['PC2']}")]
    # a small percentage beside bigger ones that are not near 100 times it stays
    assert pis["PC3"].quarter_targets[0] == 0.9
    assert not [f for f in findings if f.cell.endswith(str(rows["PC3"])) and "percent" in f.code]
    # the fractions are scaled against the row's largest figure; the tolerance is left, with a warning
    assert (pis["PC4"].previous_actual, pis["PC4"].annual_target) == (75, 82)
    assert pis["PC4"].tolerance == 0.05
    assert [f.code for f in at(findings, "Indicators", f"O{rows['PC4']}")] == ["register-percent-tolerance"]
    assert pis["PC5"].annual_target == 0.82
    assert pis["PC6"].annual_target == 100


# ------------------------------------------------------------------------------------------------
# Linked indicators, generated ids, due dates in milestone text, missing optional columns


def test_linked_indicators_one_per_line_are_separate_refs(tmp_path: Path) -> None:
    sheets = full(**plan_rows(make_plan()))
    sheets["Objectives"][1][9] = "BPR LI1\nBPR LI2;\r\nBPR LI12"
    read = read_register(raw_workbook(tmp_path / "p.xlsx", sheets))
    plan, findings = read.plan, read.findings
    assert plan is not None and not errors(findings), [str(f) for f in findings]
    assert plan.objectives[0].indicators == ("BPR LI1", "BPR LI2", "BPR LI12")


def test_generated_equality_ids_do_not_clash_with_ids_in_another_case(tmp_path: Path) -> None:
    sheets = full(**plan_rows(make_plan()))
    sheets["Equality"] = [sheets["Equality"][0], ["eq1", "First", "Mar 2009", "", "BSC-HR"],
                          [None, "Second, no id", "Mar 2009", "", "BSC-HR"]]
    read = read_register(raw_workbook(tmp_path / "p.xlsx", sheets))
    plan, findings = read.plan, read.findings
    assert plan is not None and not errors(findings), [str(f) for f in findings]
    assert [e.id for e in plan.equality] == ["eq1", "EQ2"]


def test_dates_in_text_are_deadlines_only() -> None:
    assert [d.text for d in dates_in_text("Set the 2009/10 budget by March 2009")] == ["Mar 2009"]
    assert [d.text for d in dates_in_text("Report by the end of Sept. 2015")] == ["Sep 2015"]
    assert [d.text for d in dates_in_text("Agree it before 31st March 2016")] == ["31 Mar 2016"]
    assert [d.text for d in dates_in_text("no later than June 2010")] == ["Jun 2010"]
    assert dates_in_text("in response to the Ofsted inspection in November 2014") == []
    assert dates_in_text("roll out the strategy by x 2015") == []


def test_milestone_due_is_not_taken_from_history_in_its_text(tmp_path: Path) -> None:
    sheets = full(**plan_rows(make_plan()))
    sheets["Milestones"] = [sheets["Milestones"][0],
                            ["M1", "BPR1", "Act on the Ofsted inspection of November 2014", None, "2015/16", "", ""],
                            ["M2", "BPR1", "Agree the strategy by March 2014", None, "2015/16", "", ""],
                            ["M3", "BPR1", "Draft by May 2015, adopt by the end of June 2015", None, "2015/16", "", ""],
                            ["M4", "BPR1", "Close the accounts by June 2010", None, None, "", ""]]
    read = read_register(raw_workbook(tmp_path / "p.xlsx", sheets))
    plan, findings = read.plan, read.findings
    assert plan is not None and not errors(findings), [str(f) for f in findings]
    due = {m.id: m.due for m in plan.milestones}
    assert due == {"M1": "", "M2": "", "M3": "Jun 2015", "M4": ""}
    assert at(findings, "Milestones", "D2") == []
    [outside] = at(findings, "Milestones", "D3")
    assert (outside.severity, outside.code) == (Severity.WARNING, "register-date-from-text-outside-year")
    assert "Mar 2014" in outside.message and "2015/16" in outside.message
    assert [f.code for f in at(findings, "Milestones", "D4")] == ["register-date-from-text"]
    # no Year on the row: the register's financial year (Settings) is the milestone's
    assert [f.code for f in at(findings, "Milestones", "D5")] == ["register-date-from-text-outside-year"]


def test_a_missing_optional_column_is_one_finding_at_the_header(tmp_path: Path) -> None:
    sheets = full(**plan_rows(make_plan()))
    polarity = headers(SHEETS[3]).index("Polarity")
    sheets["Indicators"] = [r[:polarity] + r[polarity + 1:] for r in sheets["Indicators"]]
    sheets["Milestones"] = [r[1:] for r in sheets["Milestones"]]  # no ID column
    read = read_register(raw_workbook(tmp_path / "p.xlsx", sheets))
    plan, findings = read.plan, read.findings
    assert plan is not None
    polarity_findings = [f for f in findings if "polarity" in (f.code + f.message).lower()]
    assert [(f.severity, f.sheet, f.cell, f.code) for f in polarity_findings] == [
        (Severity.ERROR, "Indicators", "1:1", "register-column-missing")]
    assert "Polarity" in polarity_findings[0].message and "row 1" in polarity_findings[0].action
    assert all(i.polarity == "none" for i in plan.indicators)
    # row findings about a missing column name the row, not column A
    generated = [f for f in findings if f.code == "register-id-generated"]
    assert [f.cell for f in generated] == [f"{n}:{n}" for n in range(2, 2 + len(plan.milestones))]
    assert not [f for f in findings if f.sheet == "Milestones" and f.cell.startswith("A")]


def test_findings_are_in_sheet_row_column_order(tmp_path: Path) -> None:
    sheets = full(**plan_rows(make_plan()))
    sheets["Milestones"] = [r[1:] for r in sheets["Milestones"]]  # row findings (2:2) beside cell findings
    sheets["Milestones"][2][3] = "sometime"
    findings = read_register(raw_workbook(tmp_path / "p.xlsx", sheets)).findings
    order = [s.name for s in SHEETS]

    def position(f: Finding) -> tuple[int, int, int]:
        first = f.cell.split(":")[0]
        row = int("".join(c for c in first if c.isdigit()) or 0)
        column = 0
        for c in "".join(c for c in first if c.isalpha()):
            column = column * 26 + ord(c) - 64
        return (order.index(f.sheet) if f.sheet in order else -1, row, column)

    milestones = [f for f in findings if f.sheet == "Milestones"]
    assert [f.cell for f in milestones][:3] == ["1:1", "2:2", "3:3"]
    assert "C3" in [f.cell for f in milestones]
    assert [position(f) for f in findings] == sorted(position(f) for f in findings)


# ------------------------------------------------------------------------------------------------
# The problems table


def test_every_problem_reported_is_in_the_table_and_every_entry_is_reported() -> None:
    """The reader names its problems by key: a key missing from the table would be a traceback for
    the user, an entry nobody reports is wording that has drifted from the code."""
    import ast

    from qmr.plan import problems

    folder = Path(problems.__file__).parent
    reported: dict[str, list[str]] = {}
    for module in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            # reading.add(problem, ...), out.add(problem, ...) and sheets._column_missing(out, problem, ...)
            named = isinstance(node, ast.Call) and (
                (isinstance(node.func, ast.Attribute) and node.func.attr == "add" and len(node.args) > 0)
                or (isinstance(node.func, ast.Name) and node.func.id == "_column_missing" and len(node.args) > 1))
            if named:
                first = node.args[0] if isinstance(node.func, ast.Attribute) else node.args[1]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    reported.setdefault(first.value, []).append(module.name)
                elif isinstance(first, ast.IfExp):  # "a" if required else "b"
                    for branch in (first.body, first.orelse):
                        assert isinstance(branch, ast.Constant), ast.dump(first)
                        reported.setdefault(branch.value, []).append(module.name)
    from qmr.plan.sheets import OPTIONAL_MATTERS

    for matters in OPTIONAL_MATTERS.values():
        for problem in matters.values():
            reported.setdefault(problem, []).append("sheets.py")
    assert sorted(set(reported) - set(problems.PROBLEMS)) == []
    assert sorted(set(problems.PROBLEMS) - set(reported)) == []


def test_the_choice_columns_take_the_domain_enums_words() -> None:
    """One home for polarity, frequency and profile: the register's dropdowns, the words the reader
    accepts and the Indicator's fields are the enums of qmr.model."""
    from qmr.model import Frequency, Polarity, Profile
    from qmr.plan.layout import INDICATORS
    from qmr.plan.vocab import FREQUENCY_WORDS, POLARITY_WORDS, PROFILE_WORDS

    for key, enum, words in (("polarity", Polarity, POLARITY_WORDS), ("frequency", Frequency, FREQUENCY_WORDS),
                             ("profile", Profile, PROFILE_WORDS)):
        assert INDICATORS.column(key).choices == tuple(enum)
        assert list(dict.fromkeys(words.values())) == [member.value for member in enum]


# ------------------------------------------------------------------------------------------------
# Due cells as Hartlepool's 2006/07 team plans fill them (seeds/004): read, never refused


def test_a_due_cell_holding_several_milestones_is_split_with_a_warning(tmp_path: Path) -> None:
    rows = full(
        Teams=[["HCS-PDSM", "Policy", "Children's Services", "CSD", "PDSM", "Clerk", "p@example.org", ""]],
        Objectives=[["PDSM 1", "Deliver the CYPP", "", "", "No", "HCS-PDSM", "", "", "", "BVPI 49, PAF C19"],
                    ["PDSM 2", "Strategy", "", "", "No", "HCS-PDSM", "", "", "", ""]],
        Milestones=[  # seed lines 736, 1884, 738, 1344
            ["PDSM 1.1", "PDSM 1", "Launch CYPP. Distribute widely. Monitoring in place.", "Apr 06 Jun 06 Mar 07",
             "2006/07", "", "SJ SJ PW"],
            ["PDSM 1.2", "PDSM 1", "Audit all plans and review them", "May 06 Jun 06", "2006/07", "", "SJ"],
            ["PDSM 2.1", "PDSM 2", "Children's Fund strategy", "Draft strategy by Sept 06", "2006/07", "", ""],
            ["PDSM 2.2", "PDSM 2", "Attend regional meetings", "Bi-monthly", "2006/07", "", ""],
            ["PDSM 2.3", "PDSM 2", "Refresh the strategy", "Apr 06 - Mar 07", "2006/07", "", ""]],
        Indicators=[["BV 49 PAF A1", "Stability of placements", "", "No", "%", "lower", "quarterly", "cumulative",
                     15.1, 14, 3, 6, 9, 14, None, "HCS-PDSM"]],
    )
    read = read_register(raw_workbook(tmp_path / "plan.xlsx", rows))
    assert read.plan is not None and not errors(read.findings), [str(f) for f in read.findings]
    got = {m.id: (m.text, m.due, m.responsible_officer) for m in read.plan.milestones}
    assert got == {
        "PDSM 1.1a": ("Launch CYPP.", "Apr 2006", "SJ"),
        "PDSM 1.1b": ("Distribute widely.", "Jun 2006", "SJ"),
        "PDSM 1.1c": ("Monitoring in place.", "Mar 2007", "PW"),
        # text and initials that do not divide stay whole on each part
        "PDSM 1.2a": ("Audit all plans and review them", "May 2006", "SJ"),
        "PDSM 1.2b": ("Audit all plans and review them", "Jun 2006", "SJ"),
        "PDSM 2.1": ("Children's Fund strategy", "Sep 2006", ""),
        "PDSM 2.2": ("Attend regional meetings", "Bi-monthly", ""),
        "PDSM 2.3": ("Refresh the strategy", "Mar 2007", ""),
    }
    codes = {(f.cell, f.severity, f.code) for f in read.findings if f.sheet == "Milestones"}
    assert codes == {
        ("D2", Severity.WARNING, "register-milestones-split"), ("D3", Severity.WARNING, "register-milestones-split"),
        ("D4", Severity.INFO, "register-date-in-due"), ("D5", Severity.WARNING, "register-date-undated"),
        ("D6", Severity.INFO, "register-date-range")}
    split = next(f for f in read.findings if f.cell == "D2")
    assert "3 milestones" in split.message and "PDSM 1.1a (Apr 2006)" in split.message
    # BVPI 49 is BV 49, the first code of BV 49 PAF A1; PAF C19 is a PI the plan never defines
    links = {f.code: f for f in read.findings if f.sheet == "Objectives"}
    assert links["register-link-loose"].severity is Severity.WARNING and "BV 49 PAF A1" in links[
        "register-link-loose"].message
    assert links["register-link-unknown"].severity is Severity.WARNING and "PAF C19" in links[
        "register-link-unknown"].message
    assert read.plan.objectives[0].indicators == ("BV 49 PAF A1",)


def test_a_team_with_a_blank_department_among_teams_with_one_is_a_warning(tmp_path: Path) -> None:
    """The master would put its items apart under 'Teams outside a department' (issue 8, item 9)."""
    rows = plan_rows(make_plan())
    assert all(team[3] for team in rows["Teams"])
    rows["Teams"][1][3] = "  "
    read = read_register(write_register(tmp_path / "plan.xlsx", rows))
    found = [f for f in read.findings if f.code == "register-department-blank"]
    assert [(f.severity, f.sheet, f.cell, f.team) for f in found] == [
        (Severity.WARNING, "Teams", "D3", rows["Teams"][1][0])]
    assert "Teams outside a department" in found[0].message
    # a council with no departments at all: nothing to say
    for team in rows["Teams"]:
        team[3] = ""
    read = read_register(write_register(tmp_path / "flat.xlsx", rows))
    assert not [f for f in read.findings if f.code == "register-department-blank"]
