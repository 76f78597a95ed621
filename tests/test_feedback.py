"""Telling people what to fix: the officer's findings report (xlsx + CSV) and the clerk's feedback copy."""

from __future__ import annotations

import csv
import hashlib
import io
import random
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation

import qmr.publish.feedback as feedback_module
from qmr import findings
from qmr.collect import sources
from qmr.findings import cell_sort_key
from qmr.model import Finding, Severity
from qmr.publish.feedback import (
    COMMENT_AUTHOR,
    FEEDBACK_SHEET,
    FeedbackError,
    feedback_filename,
    write_all_feedback,
    write_feedback,
)
from qmr.publish.findings_report import REPORT_COLUMNS, write_findings_report
from qmr.returns import formats

ATTACK = '=HYPERLINK("http://x","y")'
RED, AMBER = "FFFFC7CE", "FFFFEB9C"
INPUT_FILL = PatternFill(fill_type="solid", fgColor="FFFFF2CC")


def make_return() -> bytes:
    """A workbook shaped like a team's return: protected item sheets with unlocked inputs, dropdowns,
    a status formula, and a very hidden identity sheet."""
    wb = Workbook()
    instructions = wb.active
    instructions.title = "Instructions"
    instructions["A1"] = "Quarterly return 2008/09 Q4"
    instructions.sheet_view.tabSelected = True  # as Excel saves the sheet that was open
    for name, rows in (("Milestones", range(5, 9)), ("Indicators", range(5, 10))):
        ws = wb.create_sheet(name)
        ws["A1"] = f"{name} for Financial Services"
        ws["A2"] = '=IF(COUNTBLANK(J5:J9)=0,"Ready to send","problems")'
        ws["A4"], ws["J4"], ws["K4"] = "Ref", "Progress", "Commentary"
        validation = DataValidation(type="list", formula1='"Green,Amber,Red,N/A"', allow_blank=True)
        ws.add_data_validation(validation)
        for row in rows:
            ws.cell(row=row, column=1, value=f"{name[:3].upper()}{row}")
            for column in (10, 11):  # J, K: the clerk's inputs
                cell = ws.cell(row=row, column=column)
                cell.protection = Protection(locked=False)
                cell.fill = INPUT_FILL
            validation.add(f"J{row}")
        ws.protection.sheet = True
        ws.protection.password = "qmr"
    wb["Indicators"]["J7"] = "Purple"
    wb["Indicators"]["K8"] = ATTACK
    wb["Indicators"]["K9"].comment = Comment("Figure from the March payroll run.", "clerk")
    wb["Milestones"].merge_cells("B5:D5")
    identity = wb.create_sheet("qmr_identity")
    identity["A1"], identity["B1"] = "format_version", 1
    identity["A2"], identity["B2"] = "team", "BSC-FIN"
    identity.sheet_state = "veryHidden"
    identity.protection.sheet = True
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def f(severity: Severity, sheet: str, cell: str, message: str, action: str = "", code: str = "x",
      team: str = "BSC-FIN", file: str = "BSC-FIN_2008-09-Q4.xlsx") -> Finding:
    return Finding(severity, message, action, file, sheet, cell, team, code)


FINDINGS = [
    f(Severity.ERROR, "Indicators", "J7", "Progress 'Purple' is not a valid status.",
      "Choose Green, Amber, Red or N/A from the list.", "status-invalid"),
    f(Severity.WARNING, "Indicators", "J7", "Reported status disagrees with the computed one.",
      "Check the actual against the target.", "auto-status"),
    f(Severity.ERROR, "Indicators", "K8", ATTACK, "Write the commentary as plain text.", "commentary"),
    f(Severity.WARNING, "Indicators", "K9", "Value far outside history.", "Check the figure.", "outlier"),
    f(Severity.WARNING, "Milestones", "K5", "Commentary unchanged from last quarter.",
      "Update the commentary.", "commentary-stale"),
    f(Severity.INFO, "Milestones", "J6", "'g' was read as Green.", "", "normalised"),
    f(Severity.ERROR, "Milestones", "C5", "Objective cell edited.", "Undo the change.", "merged"),
    f(Severity.ERROR, "Risks", "F5", "Risk progress missing.", "Fill in the Risks sheet.", "missing"),
    f(Severity.WARNING, "Sign-off", "", "Sign-off missing.", "Complete the Sign-off sheet.", "signoff"),
    f(Severity.ERROR, "qmr_identity", "B2", "Row keys tampered with.", "Use the template as sent.", "keys"),
]


@pytest.fixture(scope="module")
def original() -> bytes:
    return make_return()


@pytest.fixture
def feedback(tmp_path: Path, original: bytes) -> tuple[Path, bytes]:
    before = hashlib.sha256(original).hexdigest()
    path = write_feedback(original, FINDINGS, tmp_path / "out" / "return_feedback.xlsx",
                          team_name="Financial Services", period_label="2008/09 Q4")
    assert hashlib.sha256(original).hexdigest() == before
    return path, original


def test_problem_cells_have_comments_with_message_and_action(feedback: tuple[Path, bytes]) -> None:
    wb = load_workbook(feedback[0])
    j7 = wb["Indicators"]["J7"].comment
    assert j7 is not None and j7.author == COMMENT_AUTHOR
    assert "Progress 'Purple' is not a valid status. What to do: Choose Green, Amber, Red or N/A" in j7.text
    assert "disagrees with the computed one. What to do: Check the actual" in j7.text
    assert j7.text.index("Purple") < j7.text.index("disagrees")  # the error before the warning
    assert ATTACK + " What to do: Write the commentary as plain text." in wb["Indicators"]["K8"].comment.text
    assert "What to do: Update the commentary." in wb["Milestones"]["K5"].comment.text
    assert wb["Milestones"]["J6"].comment.text == "'g' was read as Green."
    assert "Objective cell edited." in wb["Milestones"]["B5"].comment.text  # C5 is inside merged B5:D5
    assert wb["Indicators"]["J8"].comment is None
    k9 = wb["Indicators"]["K9"].comment.text  # a comment the cell already had is kept, ours below it
    assert k9.index("Figure from the March payroll run.") < k9.index("Value far outside history.")
    # the clerk's values are untouched, and the attack is still text, not a formula
    assert wb["Indicators"]["J7"].value == "Purple"
    assert wb["Indicators"]["K8"].value == ATTACK


def test_fills_follow_the_worst_severity(feedback: tuple[Path, bytes]) -> None:
    wb = load_workbook(feedback[0])
    assert wb["Indicators"]["J7"].fill.fgColor.rgb == RED  # error + warning -> red
    assert wb["Indicators"]["K8"].fill.fgColor.rgb == RED
    assert wb["Milestones"]["K5"].fill.fgColor.rgb == AMBER
    assert wb["Milestones"]["J6"].fill.fgColor.rgb == INPUT_FILL.fgColor.rgb  # info: no highlight
    assert wb["Indicators"]["J9"].fill.fgColor.rgb == INPUT_FILL.fgColor.rgb
    assert wb["Indicators"]["J7"].protection.locked is False  # the input stays an input


def test_what_to_fix_lists_every_finding_first(feedback: tuple[Path, bytes]) -> None:
    wb = load_workbook(feedback[0])
    assert wb.sheetnames[0] == FEEDBACK_SHEET
    assert wb.active.title == FEEDBACK_SHEET
    assert [ws.title for ws in wb.worksheets if ws.sheet_view.tabSelected] == [FEEDBACK_SHEET]
    ws = wb[FEEDBACK_SHEET]
    heading = " ".join(str(ws.cell(row=r, column=1).value) for r in range(1, 5))
    assert "Financial Services" in heading and "2008/09 Q4" in heading
    assert "5 errors and 4 warnings" in heading
    assert "send the file back" in heading
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=6, max_col=6)]
    assert len(rows) == len(FINDINGS)
    assert [r[4] for r in rows] == [x.message for x in sorted(FINDINGS, key=_order)]
    assert [r[0] for r in rows] == ["error"] * 5 + ["warning"] * 4 + ["info"]
    by_message = {r[4]: (r, ws.cell(row=6 + i, column=4)) for i, r in enumerate(rows)}
    row, link = by_message["Progress 'Purple' is not a valid status."]
    assert row[1:4] == ["Indicators", "J7", "Go to cell"]
    assert link.hyperlink is not None and link.hyperlink.location == "'Indicators'!J7"
    assert link.data_type == "s"
    _, link = by_message["Objective cell edited."]
    assert link.hyperlink.location == "'Milestones'!B5"
    for unplaced in ("Risk progress missing.", "Sign-off missing.", "Row keys tampered with."):
        row, link = by_message[unplaced]
        assert link.hyperlink is None and row[3] is None
    assert by_message["Risk progress missing."][0][1:3] == ["Risks", "F5"]
    attack = ws.cell(row=6 + [r[4] for r in rows].index(ATTACK), column=5)
    assert attack.data_type == "s" and attack.value == ATTACK


def test_what_to_fix_rows_are_tall_enough_for_their_wrapped_text_and_print_landscape(tmp_path: Path,
                                                                                   original: bytes) -> None:
    long = ("The actual for this indicator is text, not a number, and the commentary does not say why the "
            "figure is missing or when it will be available; the board needs both. ") * 3
    path = write_feedback(original, [*FINDINGS, f(Severity.ERROR, "Indicators", "I9", long, long, "long")],
                          tmp_path / "fb.xlsx")
    ws = load_workbook(path)[FEEDBACK_SHEET]
    heights = {ws.cell(row=r, column=5).value: ws.row_dimensions[r].height for r in range(6, ws.max_row + 1)}
    # about 330 characters in a column 60 wide (some 66 a line): at least five lines of 15 pt
    assert heights[long] >= 5 * 15
    assert heights["Sign-off missing."] == min(heights.values()) < 2 * 15 + 3
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.page_setup.fitToHeight == 0 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$5:$5"  # the list's header on every printed page


def _order(x: Finding) -> tuple[int, str, tuple[int, int, int, str]]:
    return (x.severity.rank, x.sheet.casefold(), cell_sort_key(x.cell))


def test_copy_is_still_a_valid_return(feedback: tuple[Path, bytes]) -> None:
    wb = load_workbook(feedback[0])
    original = load_workbook(io.BytesIO(feedback[1]))
    assert wb["qmr_identity"].sheet_state == "veryHidden"
    assert wb["qmr_identity"]["B2"].value == "BSC-FIN"
    assert wb["qmr_identity"]["B2"].comment is None  # the hidden identity is never decorated
    for name in ("Milestones", "Indicators"):
        assert wb[name].protection.sheet is True
        assert wb[name].protection.password == original[name].protection.password
        validations = wb[name].data_validations.dataValidation
        assert len(validations) == 1 and validations[0].formula1 == '"Green,Amber,Red,N/A"'
        assert str(validations[0].sqref) == str(original[name].data_validations.dataValidation[0].sqref)
        assert wb[name]["A2"].value.startswith("=IF(COUNTBLANK")  # the status line is still a formula
    assert wb.sheetnames[1:] == original.sheetnames


def test_output_is_deterministic(tmp_path: Path, original: bytes) -> None:
    first = write_feedback(original, FINDINGS, tmp_path / "a.xlsx", team_name="T", period_label="P")
    shuffled = FINDINGS[:]
    random.Random(4).shuffle(shuffled)
    second = write_feedback(original, shuffled, tmp_path / "b.xlsx", team_name="T", period_label="P")
    assert first.read_bytes() == second.read_bytes()
    # nothing in the package depends on when it was written: fixed zip times, the return's own date
    with zipfile.ZipFile(first) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert load_workbook(first).properties.modified == load_workbook(io.BytesIO(original)).properties.modified
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xlsx", "b.xlsx"]  # no temp files left


def test_feedback_on_a_resubmitted_feedback_copy_starts_clean(tmp_path: Path, original: bytes) -> None:
    once = write_feedback(original, FINDINGS, tmp_path / "once.xlsx")
    later = [f(Severity.ERROR, "Milestones", "J5", "Progress missing.", "Choose a status.")]
    twice = write_feedback(once.read_bytes(), later, tmp_path / "twice.xlsx")
    wb = load_workbook(twice)
    assert wb.sheetnames.count(FEEDBACK_SHEET) == 1 and wb.sheetnames[0] == FEEDBACK_SHEET
    assert wb[FEEDBACK_SHEET].max_row == 6
    assert wb["Indicators"]["J7"].comment is None  # fixed since: no stale comment or red
    assert wb["Indicators"]["J7"].fill.fgColor.rgb != RED
    assert wb["Milestones"]["J5"].comment.text.startswith("Progress missing.")
    assert wb["Indicators"]["K9"].comment.text == "Figure from the March payroll run."  # the clerk's own


@pytest.mark.parametrize("data, words", [
    (b"not a workbook at all", "not an .xlsx"),
    (sources.OLE_MAGIC + b"\0" * 600, r"saved as Excel 97-2003 workbook \(\.xls\)"),
])
def test_unopenable_return_raises_feedback_error(tmp_path: Path, data: bytes, words: str) -> None:
    with pytest.raises(FeedbackError, match=words):
        write_feedback(data, FINDINGS, tmp_path / "x.xlsx")
    assert not list(tmp_path.iterdir())


def test_cells_and_ole_files_are_recognised_by_one_definition_each() -> None:
    # The feedback copy locates cells and refuses OLE files exactly as the findings report sorts cells
    # and collection sniffs files: one pattern, one magic number, nothing copied that could drift.
    assert feedback_module.CELL_RE is findings.CELL_RE
    assert feedback_module.saved_format is formats.saved_format and sources.OLE_MAGIC is formats.OLE_MAGIC
    assert not hasattr(feedback_module, "_CELL_RE")
    assert b"\\xd0\\xcf" not in Path(feedback_module.__file__).read_bytes()


def test_zip_that_is_not_a_workbook_raises_feedback_error(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(FeedbackError, match="cannot be opened"):
        write_feedback(buffer.getvalue(), FINDINGS, tmp_path / "x.xlsx")


def test_feedback_filename() -> None:
    assert feedback_filename("BSC-FIN_2008-09-Q4.xlsx") == "BSC-FIN_2008-09-Q4_feedback.xlsx"
    assert feedback_filename("inbox/returns.zip/Finance Q4.xlsx") == "Finance Q4_feedback.xlsx"
    assert feedback_filename(r"C:\returns\hr.XLSX") == "hr_feedback.xlsx"
    assert feedback_filename("noext") == "noext_feedback.xlsx"
    assert feedback_filename("a:b?.xlsx") == "a_b__feedback.xlsx"


def test_write_all_feedback(tmp_path: Path, original: bytes) -> None:
    info_only = [f(Severity.INFO, "Indicators", "J5", "'g' read as Green.")]
    errors: list[tuple[str, str]] = []
    returns = [
        ("b/return.xlsx", original, FINDINGS[:2]),
        ("a/return.xlsx", original, FINDINGS[2:4]),
        ("c/clean.xlsx", original, info_only),
        ("d/broken.xlsx", b"rubbish", FINDINGS[:1]),
    ]
    paths = write_all_feedback(returns, tmp_path, period_label="2008/09 Q4",
                               team_names={"BSC-FIN": "Financial Services"},
                               on_error=lambda name, error: errors.append((name, str(error))))
    assert [p.name for p in paths] == ["return_feedback.xlsx", "return_feedback_2.xlsx"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["return_feedback.xlsx", "return_feedback_2.xlsx"]
    # names follow the display names, not the order given: a/ gets the plain name
    assert load_workbook(paths[0])["Indicators"]["K8"].comment is not None
    assert "Financial Services" in load_workbook(paths[0])[FEEDBACK_SHEET]["A1"].value
    assert [name for name, _ in errors] == ["d/broken.xlsx"]
    again = write_all_feedback(list(reversed(returns)), tmp_path / "again", on_error=lambda n, e: None)
    assert [p.name for p in again] == [p.name for p in paths]
    with pytest.raises(FeedbackError):
        write_all_feedback(returns, tmp_path / "strict")


# --- the officer's findings report -------------------------------------------------------------------

REPORT_FINDINGS = [
    f(Severity.INFO, "Indicators", "J5", "'g' read as Green."),
    f(Severity.ERROR, "Indicators", "A10", "ten"),
    f(Severity.ERROR, "Indicators", "A2", "two"),
    f(Severity.ERROR, "Indicators", "B2", "b-two"),
    f(Severity.WARNING, "Sign-off", "", "Sign-off missing.", "Complete it."),
    f(Severity.REJECTED, "", "", "Wrong period.", "Use the Q4 template.", "period", file="old.xlsx"),
    f(Severity.ERROR, "Indicators", "K8", ATTACK, "Plain text please.", team="BSC-HR"),
    f(Severity.ERROR, "Milestones", "J5", "Progress: £ and é survive.", "", team="BSC-FIN"),
]


def test_cell_sort_key_is_natural() -> None:
    cells = ["A10", "B2", "A2", "", "AA1", "$C$3", "F7:G7", "junk"]
    assert sorted(cells, key=cell_sort_key) == ["", "AA1", "A2", "B2", "$C$3", "F7:G7", "A10", "junk"]


def test_findings_report_xlsx(tmp_path: Path) -> None:
    xlsx, csv_path = write_findings_report(REPORT_FINDINGS, tmp_path / "findings.xlsx")
    assert csv_path == tmp_path / "findings.csv"
    wb = load_workbook(xlsx)
    assert wb.sheetnames == ["Findings"]
    ws = wb["Findings"]
    table = ws.tables["Findings"]
    assert table.ref == f"A1:H{len(REPORT_FINDINGS) + 1}"
    assert table.autoFilter is not None
    assert [c.value for c in ws[1]] == list(REPORT_COLUMNS)
    assert ws.freeze_panes == "A2"
    rows = [[c.value or "" for c in row] for row in ws.iter_rows(min_row=2)]
    assert [(r[0], r[1], r[3], r[4]) for r in rows] == [
        ("rejected", "BSC-FIN", "", ""),
        ("error", "BSC-FIN", "Indicators", "A2"),
        ("error", "BSC-FIN", "Indicators", "B2"),
        ("error", "BSC-FIN", "Indicators", "A10"),
        ("error", "BSC-FIN", "Milestones", "J5"),
        ("error", "BSC-HR", "Indicators", "K8"),
        ("warning", "BSC-FIN", "Sign-off", ""),
        ("info", "BSC-FIN", "Indicators", "J5"),
    ]
    attack = ws.cell(row=7, column=6)
    assert attack.value == ATTACK and attack.data_type == "s"
    assert ws["A2"].fill.fgColor.rgb.endswith("C00000")
    assert ws["A3"].fill.fgColor.rgb.endswith("FFC7CE")
    assert ws["A8"].fill.fgColor.rgb.endswith("FFEB9C")
    assert ws.column_dimensions["F"].width > ws.column_dimensions["E"].width


def test_findings_report_csv_matches_rows(tmp_path: Path) -> None:
    xlsx, csv_path = write_findings_report(REPORT_FINDINGS, tmp_path / "findings.xlsx")
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        parsed = list(csv.reader(handle))
    ws = load_workbook(xlsx)["Findings"]
    expected = [[c.value or "" for c in row] for row in ws.iter_rows()]
    # Excel would run a CSV field starting with "=" as a formula, so it gains a leading apostrophe.
    expected = [["'" + v if v.startswith("=") else v for v in row] for row in expected]
    assert parsed == expected
    assert [v for row in parsed for v in row if ATTACK in v] == ["'" + ATTACK]
    assert any("£ and é" in v for row in parsed for v in row)


def test_findings_report_is_deterministic_and_handles_no_findings(tmp_path: Path) -> None:
    a, a_csv = write_findings_report(REPORT_FINDINGS, tmp_path / "a.xlsx")
    b, b_csv = write_findings_report(list(reversed(REPORT_FINDINGS)), tmp_path / "b.xlsx")
    assert a.read_bytes() == b.read_bytes() and a_csv.read_bytes() == b_csv.read_bytes()
    empty, empty_csv = write_findings_report([], tmp_path / "empty.xlsx")
    assert [c.value for c in load_workbook(empty)["Findings"][1]] == list(REPORT_COLUMNS)
    assert empty_csv.read_text(encoding="utf-8-sig").splitlines() == [",".join(REPORT_COLUMNS)]
