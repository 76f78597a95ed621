"""The return's own Check column agrees with qmr (issue 8, item 5; DESIGN.md "Validation": "Ready to
send" in the workbook means qmr will find no error).

Every value below is typed as clerks type it into one row of one template (a plan with one row per
case, so the whole table is one LibreOffice recalculation), the workbook is opened and saved by
LibreOffice headless, which calculates the formulas, and the saved file is judged by qmr. For every
row, the Check cell shows a message exactly when qmr reports an error on that row, and the status
line counts exactly those rows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from conftest import convert
from qmr.collect.sources import collect
from qmr.demo.simulate import Answer, Filled, fill_return
from qmr.judge.validate import validate
from qmr.model import Indicator, Milestone, Objective, Plan, Severity, Team
from qmr.period import Period
from qmr.returns import layout
from qmr.returns.template import write_templates

pytestmark = pytest.mark.libreoffice

Q4 = Period(2008, 4)
TEAM = "CLK"
R = "Reason given in the commentary."

# (progress, actual, commentary) as typed into an Indicators row (a numeric PI, target 100, higher)
INDICATOR_CASES: list[tuple[object, object, object]] = [
    ("Green", 95, "On course."),
    ("g", 95, "On course."),
    ("G", 95, "On course."),
    (" green ", 95, "On course."),
    ("GREEN", 95, "On course."),
    ("Greenish", 95, "On course."),
    ("Purple", 95, "On course."),
    (None, 95, "Forgot the status."),
    ("R", 40, "Will not be met: staffing."),
    ("r", 40, None),
    ("Red", 40, "   "),
    ("A", 80, "Uncertain."),
    ("amber", 80, "Uncertain."),
    ("yellow", 80, "Uncertain."),
    ("a", 80, None),
    ("N/A", "N/A", R),
    ("n/a", "n/a", R),
    ("na", "-", R),
    ("N/A", None, R),
    ("N/A", None, None),
    ("not applicable", "", R),
    ("N/A", "tbc", R),
    ("N/A", 12, R),
    ("Green", "tbc", "On course."),
    ("Green", "18 cases", "On course."),
    ("Green", "48.5 (provisional)", "On course."),
    ("Green", "1,200", "On course."),
    ("Green", "£1,200", "On course."),
    ("Green", "75%", "On course."),
    ("Green", "(12)", "On course."),
    ("Green", " 42 ", "On course."),
    ("Green", "42", "On course."),
    ("Green", "4.2e1", "On course."),
    ("Green", "+97.5", "On course."),
    ("Green", ".5", "On course."),
    ("Green", None, "On course."),
    ("Green", "", "On course."),
    ("Green", "N/A", "On course."),
    ("Green", "-", "On course."),
    ("Green", "12/03/2016", "On course."),
    ("Green", "12:30", "On course."),
    ("Green", "1.2.3", "On course."),
    ("Green", "1-2", "On course."),
    ("Green", "1e", "On course."),
    ("Green", "TRUE", "On course."),
    ("Green", True, "On course."),
    ("Green", "£", "On course."),
    ("Green", "%", "On course."),
    ("Green", 0, "On course."),
    ("Green", -3.5, "On course."),
]
# (progress, commentary) as typed into a Milestones row at year end (no Amber)
MILESTONE_CASES: list[tuple[object, object]] = [
    ("Green", "Done."),
    ("Complete", "Done in June."),
    ("completed", "Done in June."),
    ("Achieved", "Done in June."),
    ("done", "Done."),
    ("Amber", "Slipped."),
    ("a", "Slipped."),
    ("Red", "Not achieved."),
    ("R", None),
    ("N/A", "Deferred by the board."),
    ("In progress", "Under way."),
    ("", "Nothing chosen."),
]


def case_plan() -> Plan:
    team = Team(TEAM, "Clerk cases", "Resources", "Business Support", "Cases", "A clerk", "clerk@example.org")
    objective = Objective("CK1", "Cases of what clerks type", TEAM)
    indicators = tuple(
        Indicator(f"CK LI{n}", f"Case {n}", TEAM, "number", "Quality", False, "higher", "quarterly", "flat",
                  90.0, 100.0)
        for n in range(1, len(INDICATOR_CASES) + 1))
    milestones = tuple(Milestone(f"CK1.{n}", "CK1", f"Milestone case {n}", TEAM, "Mar 2009", "2008/09")
                       for n in range(1, len(MILESTONE_CASES) + 1))
    settings = {"financial_year": "2008/09", "organisation": "Test council"}
    return Plan((team,), (objective,), milestones, indicators, (), (), settings, fingerprint="cases-1")


def filled_cases() -> Filled:
    filled = Filled()
    for n, (progress, actual, commentary) in enumerate(INDICATOR_CASES, start=1):
        filled.answers[f"indicator:CK LI{n}"] = Answer(progress, actual, commentary)
    for n, (progress, commentary) in enumerate(MILESTONE_CASES, start=1):
        filled.answers[f"milestone:CK1.{n}"] = Answer(progress, None, commentary)
    filled.signoff = {"completed_by": "A. Clerk", "job_title": "Clerk", "date": date(2009, 4, 10),
                      "confirmed": "Yes"}
    return filled


def test_the_check_column_flags_exactly_what_qmr_calls_an_error(soffice: str, tmp_path: Path) -> None:
    plan = case_plan()
    (template,) = write_templates(plan, Q4, tmp_path / "templates")
    typed = fill_return(template, tmp_path / "typed" / template.name, filled_cases())
    saved = convert(soffice, typed, "xlsx", tmp_path / "libreoffice")

    candidates, findings, records = collect([saved])
    validation = validate(plan, Q4, candidates, workers=1).after(findings, records)
    assert len(validation.accepted) == 1, [str(f) for f in validation.findings]
    errors_by_row: dict[tuple[str, int], list[str]] = {}
    for f in validation.findings:
        if f.severity is Severity.ERROR:
            errors_by_row.setdefault((f.sheet, int("".join(ch for ch in f.cell if ch.isdigit()))), []).append(
                f.message)

    book = CalamineWorkbook.from_path(str(saved))
    disagreements = []
    rows_with_errors = 0
    for sheet, cases in ((layout.INDICATORS, INDICATOR_CASES), (layout.MILESTONES, MILESTONE_CASES)):
        grid = book.get_sheet_by_name(sheet.name).to_python(skip_empty_area=False)
        check_column = len(sheet.fields)  # 0-based index of the Check column
        for offset, case in enumerate(cases):
            row = layout.FIRST_ROW + offset
            check = grid[row - 1][check_column] if len(grid[row - 1]) > check_column else ""
            errors = errors_by_row.get((sheet.name, row), [])
            rows_with_errors += bool(errors)
            if bool(str(check).strip()) != bool(errors):
                disagreements.append((sheet.name, row, case, check, errors))
    assert not disagreements, "\n".join(map(str, disagreements))
    assert len(INDICATOR_CASES) + len(MILESTONE_CASES) >= 40

    status = book.get_sheet_by_name(layout.INDICATORS.name).to_python(skip_empty_area=False)
    line = status[layout.STATUS_ROW - 1][0]
    expected = layout.READY if rows_with_errors == 0 else f"{rows_with_errors} problems"
    assert line == expected, (line, rows_with_errors)
