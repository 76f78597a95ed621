"""The master quarterly workbook: sheets, the Data contract, counts, ordering, text safety,
reproducibility, atomic writing, and (LibreOffice) that the traffic lights show when printed."""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from conftest import convert, make_plan
from qmr.findings import sorted_findings
from qmr.model import (
    DATA_COLUMNS,
    Consolidation,
    Finding,
    Kind,
    NarrativeEntry,
    Plan,
    ReportedItem,
    Severity,
    SourceRecord,
    Status,
)
from qmr.period import Period
from qmr.plan.targets import target_shown
from qmr.publish import master
from qmr.publish.master import sheet_names, write_master
from qmr.publish.master.data import DATA_HEADERS
from qmr.publish.master.summary import NOTHING_DUE, count_sentence, status_counts, team_returns
from qmr.statuses import SEVERITY_COLOURS, STATUS_FILLS, STATUS_FONTS, symbol_format

# openpyxl drops sparklines it cannot model when reading; the zip is checked for them directly
pytestmark = pytest.mark.filterwarnings("ignore:Sparkline Group extension:UserWarning")

G, A, R, NA, M = Status.GREEN, Status.AMBER, Status.RED, Status.NA, Status.MISSING
FORMULA = "=1+1"
LINK = '=HYPERLINK("http://x","y")'
# ref -> (status, commentary, actual, direction): every status, kind and department of make_plan().
REPORTS = {
    "BPR1.1": (G, "Outturn reported to management team in June.", None, ""),
    "BPR1.2": (R, "Budget setting has been delayed because the provisional grant settlement arrived late; "
               "Members will now consider the budget at the special Council meeting on 11 March, after the "
               "statutory deadline for setting the council tax. The S151 officer has been briefed.",
               None, ""),
    "BPR2.1": (A, FORMULA, None, ""),
    "BPR2.2": (M, "", None, ""),
    "BPR3.1": (M, "", None, ""),
    "BPR LI1": (G, "On course.", 96.5, "better"),
    "BPR LI2": (A, "Two monthly reports were issued late during the ledger migration.\nCatching up by "
                "the end of October is expected.", 22.0, "same"),
    "BPR LI12": (R, LINK, 4.9, "worse"),
    "BSC Ll21": (NA, "No leavers data this quarter.", None, ""),
    "BPR LI8": (M, "", None, ""),
    "BPR1": (G, "Monitoring monthly.", None, ""),
    "BPR2": (R, "Plan not reviewed.", None, ""),
    "EQ1": (A, "Half the policies assessed.", None, ""),
}
SILENT_TEAM = "BSC-COM"  # sent a return that was rejected, so all its items are Missing


def _item(plan: Plan, period: str, kind: Kind, ref: str, title: str, team_code: str, objective_ref: str = "",
          due: str = "", target: object = None, **extra: object) -> ReportedItem:
    team = plan.team(team_code)
    assert team is not None
    status, commentary, actual, direction = REPORTS[ref]
    sent = team_code != SILENT_TEAM and status is not M
    objective = plan.objective(objective_ref)
    return ReportedItem(
        period=Period.parse(period), directorate=team.directorate, department=team.department, team=team.code,
        kind=kind,
        objective_ref=objective_ref, ref=ref, title=title, due=due, target=target, actual=actual,
        status=status, auto_status=status if actual is not None else None, direction=direction,
        commentary=commentary,
        source_file=f"returns/{team.code}.xlsx" if sent else "", source_cell="Milestones!F5" if sent else "",
        team_name=team.name, division=team.division, objective_title=objective.title if objective else "",
        **extra,
    )


def make_consolidation(period: str = "2008/09 Q2", plan: Plan | None = None,
                       trends: bool = True) -> Consolidation:
    plan = plan or make_plan()
    quarter = int(period[-1])
    items = [_item(plan, period, Kind.MILESTONE, m.id, m.text, m.team, m.objective_ref, m.due)
             for m in plan.milestones]
    items += [_item(plan, period, Kind.INDICATOR, i.ref, i.description, i.team, target=target_shown(i, quarter),
                    key=i.key, category=i.category, unit=i.unit, polarity=i.polarity,
                    previous_actual=i.previous_actual)
              for i in plan.indicators if i.due_in(quarter)]
    if quarter in (2, 4):
        items += [_item(plan, period, Kind.RISK, r.objective_ref, r.measures, r.team, r.objective_ref)
                  for r in plan.risks]
        items += [_item(plan, period, Kind.EQUALITY, e.id, e.action, e.team, due=e.target_date)
                  for e in plan.equality]
    narrative = (
        NarrativeEntry("BSC-HR", "Key development", "Investors in People", "Reaccredited in August."),
        NarrativeEntry("BSC-FIN", "Key development", "New ledger", "Went live on time. " + FORMULA),
        NarrativeEntry("BSC-FIN", "Emerging issue", "Settlement", "The grant settlement is late."),
    )
    findings = (
        Finding(Severity.WARNING, "Status disagrees with the computed one", "Check", "returns/BSC-FIN.xlsx",
                "Indicators", "J5", "BSC-FIN", "auto-status"),
        Finding(Severity.REJECTED, "Wrong period", "Resend the Q2 template", "returns/BSC-COM.xlsx",
                team="BSC-COM", code="wrong-period"),
        Finding(Severity.ERROR, "Amber without commentary", "Add commentary", "returns/BSC-HR.xlsx",
                "Milestones", "F6", "BSC-HR", "commentary-missing"),
    )
    sources = (
        SourceRecord("returns/BSC-FIN.xlsx", "BSC-FIN", "a" * 64, 12345, "2008-10-10T09:00:00Z", "accepted"),
        SourceRecord("returns/BSC-HR.xlsx", "BSC-HR", "b" * 64, 23456, "2008-10-11T09:00:00Z", "accepted"),
        SourceRecord("returns/BSC-COM.xlsx", "BSC-COM", "c" * 64, 3456, "2008-10-12T09:00:00Z", "rejected",
                     "Wrong period"),
    )
    trend_data = {"BPR LI1": (("2007/08 Q2", 90.0), ("2007/08 Q3", 91.0), ("2007/08 Q4", 93.0),
                              ("2008/09 Q1", 94.0), ("2008/09 Q2", 96.5)),
                  "BPR LI12": (("2007/08 Q4", 4.4), ("2008/09 Q1", 4.6), ("2008/09 Q2", 4.9))}
    trend_periods = {ref: tuple((Period.parse(label), value) for label, value in series)
                     for ref, series in trend_data.items()}
    return Consolidation(Period.parse(period), plan, tuple(items), narrative, findings, sources,
                         trend_periods if trends else {})


@pytest.fixture(scope="module")
def consolidation() -> Consolidation:
    return make_consolidation()


@pytest.fixture(scope="module")
def master_path(tmp_path_factory: pytest.TempPathFactory, consolidation: Consolidation) -> Path:
    return write_master(consolidation, tmp_path_factory.mktemp("master") / "master.xlsx")


@pytest.fixture(scope="module")
def book(master_path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(master_path)


def _rows(sheet, first: int) -> list[tuple]:
    return [row for row in sheet.iter_rows(min_row=first, values_only=True)]


def _cells_with(sheet, text: str) -> list:
    return [c for row in sheet.iter_rows() for c in row if c.value == text]


def test_sheet_order(book: openpyxl.Workbook) -> None:
    assert book.sheetnames == ["Summary", "Exceptions", "Key developments", "Emerging issues", "Milestones",
                               "Key PIs", "Other PIs", "Risks", "Equality", "Movers", "Traffic lights", "Data",
                               "Validation", "Sources"]


def test_risks_and_equality_only_when_due(tmp_path: Path) -> None:
    q3 = make_consolidation("2008/09 Q3")
    assert not any(i.kind in (Kind.RISK, Kind.EQUALITY) for i in q3.items)
    book = openpyxl.load_workbook(write_master(q3, tmp_path / "q3.xlsx"))
    assert "Risks" not in book.sheetnames and "Equality" not in book.sheetnames
    assert book.sheetnames == sheet_names(q3)
    assert book.sheetnames[-4:] == ["Traffic lights", "Data", "Validation", "Sources"]


def test_data_sheet_is_the_contract_table(book: openpyxl.Workbook, consolidation: Consolidation) -> None:
    sheet = book["Data"]
    header = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True))
    assert header[: len(DATA_COLUMNS)] == DATA_COLUMNS
    assert header == DATA_HEADERS
    extras = header[len(DATA_COLUMNS):]
    assert extras == ("team_name", "division", "objective_title", "key", "category", "unit", "polarity",
                      "previous_actual", "trend", "year_to_date", "compared_period", "compared_actual",
                      "direction_note")
    (table,) = sheet.tables.values()
    assert table.ref == f"A1:{openpyxl.utils.get_column_letter(len(header))}{len(consolidation.items) + 1}"
    assert table.tableStyleInfo.name.startswith("TableStyleLight")

    def cell(value: object) -> object:
        value = value.value if isinstance(value, (Status, Kind)) else value
        return None if value == "" else value

    expected = [tuple(cell(v) for v in (*item.data_row(), *(getattr(item, n) for n in extras)))
                for item in consolidation.items]
    assert _rows(sheet, 2) == expected
    status_col = DATA_COLUMNS.index("status") + 1
    assert {sheet.cell(r, status_col).value for r in range(2, sheet.max_row + 1)} == {"Green", "Amber", "Red",
                                                                                      "N/A", "Missing"}
    row = 2 + [i.ref for i in consolidation.items].index("BPR LI1")
    actual = sheet.cell(row, DATA_COLUMNS.index("actual") + 1)
    assert actual.data_type == "n" and actual.value == 96.5


def test_commentary_formula_text_is_kept_verbatim(master_path: Path) -> None:
    # openpyxl would report a real formula with data_type 'f' and the value '=1+1'; a string is 's'.
    book = openpyxl.load_workbook(master_path)
    found = {}
    for name in ("Milestones", "Key PIs", "Exceptions", "Data"):
        for row in book[name].iter_rows():
            for cell in row:
                if cell.value in (FORMULA, LINK):
                    found.setdefault(cell.value, []).append((name, cell.data_type))
    assert set(found) == {FORMULA, LINK}
    assert all(kind == "s" for places in found.values() for _, kind in places)
    assert {name for name, _ in found[FORMULA]} == {"Milestones", "Exceptions", "Data"}
    assert {name for name, _ in found[LINK]} == {"Key PIs", "Exceptions", "Data"}


def _summary_table(sheet, title: str) -> dict[str, tuple]:
    (heading,) = _cells_with(sheet, title)
    rows = {}
    for row in sheet.iter_rows(min_row=heading.row + 2, values_only=True):
        if row[0] is None:
            break
        rows[row[0]] = row[1:7] if title != "Returns by department" else row[1:5]
    return rows


def test_summary_counts_by_department_and_total(book: openpyxl.Workbook) -> None:
    sheet = book["Summary"]
    #                                          Green Amber Red N/A Missing Total
    assert _summary_table(sheet, "Milestones by status") == {
        "Business Support": (1, 1, 1, 0, 1, 4), "Commissioning": (0, 0, 0, 0, 1, 1),
        "All departments": (1, 1, 1, 0, 2, 5)}
    assert _summary_table(sheet, "Performance indicators by status") == {
        "Business Support": (1, 1, 1, 1, 0, 4), "Commissioning": (0, 0, 0, 0, 1, 1),
        "All departments": (1, 1, 1, 1, 1, 5)}
    assert _summary_table(sheet, "Risk control measures by status")["All departments"] == (1, 0, 1, 0, 0, 2)
    #                                                      Expected Received Missing Rejected
    assert _summary_table(sheet, "Returns by department") == {
        "Business Support": (2, 2, 0, 0), "Commissioning": (1, 0, 0, 1), "All departments": (3, 2, 0, 1)}
    texts = {c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)}
    assert "5 milestones: 1 green, 1 amber, 1 red, 2 missing" in texts
    assert "5 PIs: 1 green, 1 amber, 1 red, 1 N/A, 1 missing" in texts
    assert "3 returns expected: 2 received, 0 missing, 1 rejected" in texts
    assert any(t.startswith("4 milestones: 1 green") for t in texts)  # the per-department sentence
    assert sheet.cell(1, 1).value == "Halton Borough Council"
    assert "2008/09 Q2" in sheet.cell(2, 1).value


def test_summary_has_charts_and_trend_sparklines(master_path: Path, tmp_path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(master_path) as archive:
        names = archive.namelist()
        sheet1 = archive.read("xl/worksheets/sheet1.xml").decode()
    # two stacked status charts, then one line chart per PI with history
    assert sum(n.startswith("xl/charts/chart") for n in names) == 4
    assert sheet1.count("<x14:sparkline>") == 2
    plain = write_master(make_consolidation(trends=False), tmp_path / "no-trends.xlsx")
    with zipfile.ZipFile(plain) as archive:
        assert "sparkline" not in archive.read("xl/worksheets/sheet1.xml").decode()
        charts = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 2 and all('<c:grouping val="stacked"/>' in chart for chart in charts)


def _empty_consolidation() -> Consolidation:
    """A plan whose teams have nothing due: no milestones, PIs, risks or equality actions."""
    plan = replace(make_plan(), milestones=(), indicators=(), risks=(), equality=())
    consolidation = make_consolidation("2008/09 Q1", plan=plan, trends=False)
    assert consolidation.items == ()
    return consolidation


def _reversed_ranges(path: Path) -> list[tuple[str, str]]:
    """Every `A32:A31`-like range in the package (any part), which Excel refuses or repairs."""
    import re
    import zipfile

    found = []
    with zipfile.ZipFile(path) as archive:
        for part in archive.namelist():
            text = archive.read(part).decode("utf-8", "replace")
            for match in re.finditer(r"\$?([A-Z]{1,3})\$?(\d+):\$?([A-Z]{1,3})\$?(\d+)", text):
                first_col, first_row, last_col, last_row = match.groups()
                if int(last_row) < int(first_row) or (len(last_col), last_col) < (len(first_col), first_col):
                    found.append((part, match.group(0)))
    return found


def test_a_master_with_nothing_due_is_a_valid_workbook_without_charts(tmp_path: Path) -> None:
    import zipfile

    path = write_master(_empty_consolidation(), tmp_path / "empty.xlsx")
    assert _reversed_ranges(path) == []
    with zipfile.ZipFile(path) as archive:
        assert not [n for n in archive.namelist() if n.startswith("xl/charts/")]
    book = openpyxl.load_workbook(path)
    summary = {r[0]: r[1] for r in _rows(book["Summary"], 1) if r[0]}
    assert summary["Nothing due"] == NOTHING_DUE
    assert summary["Milestones"] == "No milestones due this period"
    assert book["Data"].tables["qmr_data"].ref.endswith("2")  # the header and one blank body row


@pytest.mark.libreoffice
def test_a_master_with_nothing_due_converts_with_libreoffice(soffice: str, tmp_path: Path) -> None:
    path = write_master(_empty_consolidation(), tmp_path / "empty.xlsx")
    pdf = convert(soffice, path, "pdf", tmp_path / "pdf")
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 1000


def test_register_text_in_chart_titles_is_text_not_a_reference(tmp_path: Path) -> None:
    # A PI description is register text: `=Sources!C2` must reach the trend chart as those characters,
    # never as a reference to another cell (XlsxWriter reads such titles and series names as formulas).
    import re
    import zipfile

    hostile = "=Sources!C2"
    plan = make_plan()
    plan = replace(plan, indicators=tuple(replace(i, description=hostile) if i.ref == "BPR LI1" else i
                                          for i in plan.indicators))
    path = write_master(make_consolidation(plan=plan), tmp_path / "hostile.xlsx")
    summary = openpyxl.load_workbook(path)["Summary"]
    (label,) = [c for row in summary.iter_rows() for c in row if c.value == f"BPR LI1: {hostile}"]
    assert label.data_type == "s"
    with zipfile.ZipFile(path) as archive:
        charts = [archive.read(n).decode() for n in sorted(archive.namelist())
                  if n.startswith("xl/charts/chart")]
    references = {f for chart in charts for f in re.findall(r"<c:f>([^<]*)</c:f>", chart)}
    assert references and all(re.fullmatch(r"Summary!\$[A-Z]+\$\d+(:\$[A-Z]+\$\d+)?", f) for f in references), \
        references
    titled = [chart for chart in charts if f"<c:f>Summary!$A${label.row}</c:f>" in chart]
    assert len(titled) == 1 and f"<c:v>BPR LI1: {hostile}</c:v>" in titled[0]


def test_count_sentence_and_returns() -> None:
    counts = {G: 32, A: 0, R: 11, NA: 0, M: 0}
    assert count_sentence(counts, Kind.MILESTONE) == "43 milestones: 32 green, 0 amber, 11 red"
    assert count_sentence({G: 1, A: 0, R: 0, NA: 0, M: 0}, Kind.INDICATOR) == "1 PI: 1 green, 0 amber, 0 red"
    assert count_sentence(status_counts([]), Kind.MILESTONE) == "No milestones due this period"
    base = make_consolidation()
    assert team_returns(base) == {"BSC-COM": "rejected", "BSC-FIN": "received", "BSC-HR": "received"}
    silent = Consolidation(base.period, base.plan, base.items, sources=base.sources[:2])
    assert team_returns(silent)["BSC-COM"] == "missing"


def test_exceptions_reds_then_ambers_then_missing(book: openpyxl.Workbook) -> None:
    sheet = book["Exceptions"]
    header = [c.value for c in sheet[4]]
    assert header[0] == "Status" and "Commentary" in header and "Department" in header
    ref_col = header.index("Ref")
    rows = [r for r in _rows(sheet, 5) if r[0]]
    assert [(r[0], r[ref_col]) for r in rows] == [
        ("Red", "BPR1.2"), ("Red", "BPR2"), ("Red", "BPR LI12"),
        ("Amber", "BPR LI2"), ("Amber", "BPR2.1"), ("Amber", "EQ1"),
        ("Missing", "BPR2.2"), ("Missing", "BPR3.1"), ("Missing", "BPR LI8"),
    ]
    assert sheet.freeze_panes == "A5"
    assert sheet.auto_filter.ref == f"A4:{openpyxl.utils.get_column_letter(len(header))}13"


def _rules(sheet) -> dict[str, list]:
    return {str(cf.sqref): list(cf.rules) for cf in sheet.conditional_formatting}


@pytest.mark.parametrize("name", ["Milestones", "Key PIs", "Other PIs", "Risks", "Equality", "Exceptions"])
def test_traffic_lights_are_conditional_formats(book: openpyxl.Workbook, name: str) -> None:
    sheet = book[name]
    header = [c.value for c in sheet[4]]
    status_col = openpyxl.utils.get_column_letter(header.index("Status") + 1)
    last = sheet.max_row
    rules = _rules(sheet)
    status_rules = [r for r in rules[f"{status_col}5:{status_col}{last}"] if r.type == "cellIs"]
    assert sorted(r.formula[0] for r in status_rules) == sorted(f'"{s.value}"' for s in Status)
    # each rule fills the cell from the palette, colours its text and shows the status's symbol
    for rule in status_rules:
        status = Status(rule.formula[0].strip('"'))
        assert rule.dxf.fill.bgColor.rgb.endswith(STATUS_FILLS[status])
        assert rule.dxf.font.color.rgb.endswith(STATUS_FONTS[status])
        assert rule.dxf.numFmt.formatCode == symbol_format(status)
    # the cells themselves hold the bare word (filters, formulas and the Data contract compare it)
    values = {sheet[f"{status_col}{r}"].value for r in range(5, last + 1)} - {None}
    assert values <= {s.value for s in Status}


def test_appendix_grouping_and_arrows(book: openpyxl.Workbook) -> None:
    sheet = book["Milestones"]
    milestones = [r[:5] for r in _rows(sheet, 5)]
    # every level the register uses, widest first: directorate, department, division, then objective
    assert milestones[3][0].startswith("BPR1 ") and "sound financial position" in milestones[3][0]
    assert [r[0] for r in milestones] == ["Resources", "Business Support", "Finance", milestones[3][0],
                                          "BPR1.1", "BPR1.2", "HR", milestones[7][0], "BPR2.1", "BPR2.2",
                                          "Commissioning", "Commissioning", milestones[12][0], "BPR3.1"]
    # outline levels follow the depth, so a reader can fold a division or a department away
    assert [sheet.row_dimensions[row].outlineLevel for row in range(5, 5 + len(milestones))] == [
        0, 1, 2, 3, 4, 4, 2, 3, 4, 4, 1, 2, 3, 4]
    key = _rows(book["Key PIs"], 5)
    header = [c.value for c in book["Key PIs"][4]]
    refs = {r[0]: r for r in key}
    assert refs["BPR LI1"][header.index("Direction")] == "↑ better"
    assert refs["BPR LI12"][header.index("Direction")] == "↓ worse"
    assert "Corporate Health" in refs and "Cost & Efficiency" in refs  # category headings
    assert {r[0] for r in _rows(book["Other PIs"], 5)} >= {"BPR LI2", "BSC Ll21", "BPR LI8"}


def test_validation_rejected_first_and_sources(book: openpyxl.Workbook) -> None:
    rows = _rows(book["Validation"], 2)
    assert [r[0] for r in rows] == ["rejected", "error", "warning"]
    assert [c.value for c in book["Validation"][1]][:7] == ["Severity", "File", "Sheet", "Cell", "Team",
                                                            "Message", "Action"]
    sources = _rows(book["Sources"], 2)
    assert [r[:2] for r in sources] == [("returns/BSC-FIN.xlsx", "BSC-FIN"),
                                        ("returns/BSC-HR.xlsx", "BSC-HR"),
                                        ("returns/BSC-COM.xlsx", "BSC-COM")]
    assert sources[2][3] == 3456 and sources[2][5:] == ("rejected", "Wrong period")


def test_validation_sheet_has_the_findings_report_order_and_colours(tmp_path: Path) -> None:
    # Unsorted, as the consolidator passes them: the officer must see the order of the findings
    # report (severity, then team, file, sheet, cell by row) and its colours, here as everywhere.
    base = make_consolidation()
    findings = (
        Finding(Severity.INFO, "Normalised", "", "returns/BSC-HR.xlsx", "Milestones", "E10", "BSC-HR", "n"),
        Finding(Severity.ERROR, "Bad status", "Fix", "returns/BSC-HR.xlsx", "Milestones", "E10", "BSC-HR", "s"),
        Finding(Severity.WARNING, "Sign-off missing", "Sign", "returns/BSC-FIN.xlsx", "Sign-off", "B3",
                "BSC-FIN", "w"),
        Finding(Severity.ERROR, "Bad status", "Fix", "returns/BSC-HR.xlsx", "Milestones", "E9", "BSC-HR", "s"),
        Finding(Severity.ERROR, "Actual not a number", "Fix", "returns/BSC-FIN.xlsx", "Indicators", "H5",
                "BSC-FIN", "a"),
        Finding(Severity.REJECTED, "Wrong period", "Resend", "returns/BSC-COM.xlsx", team="BSC-COM",
                code="wrong-period"),
    )
    consolidation = replace(base, findings=findings)
    sheet = openpyxl.load_workbook(write_master(consolidation, tmp_path / "m.xlsx"))["Validation"]
    shown = [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in _rows(sheet, 2)]
    assert shown == [(f.severity.value, f.file, f.sheet or None, f.cell or None, f.team, f.message)
                     for f in sorted_findings(findings)]
    assert [r[3] for r in shown[1:4]] == ["H5", "E9", "E10"]  # team, then cell by row, not by text
    colours = {}
    for cf in sheet.conditional_formatting:
        for rule in cf.rules:
            colours[rule.formula[0].strip('"')] = (rule.dxf.fill.bgColor.rgb[-6:], rule.dxf.font.color.rgb[-6:])
    assert colours == {s.value: (bg.lstrip("#"), fg.lstrip("#")) for s, (bg, fg) in SEVERITY_COLOURS.items()}


def test_narrative_by_department_and_team(book: openpyxl.Workbook) -> None:
    rows = [r[:2] for r in _rows(book["Key developments"], 5)]
    # Finance comes before HR in the register, whatever the order the entries arrived in
    assert rows == [("Resources", None), ("Business Support", None), ("Finance", None),
                    ("Financial Services", "New ledger"), ("HR", None), ("Human Resources", "Investors in People")]
    assert _rows(book["Emerging issues"], 5)[3][:2] == ("Financial Services", "Settlement")


def test_print_setup(book: openpyxl.Workbook) -> None:
    for name in ("Milestones", "Exceptions", "Data"):
        sheet = book[name]
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        # one page wide (1 is the default, left implicit), as many pages down as it takes
        assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0
        assert sheet.print_title_rows in ("$4:$4", "$1:$1")


def _content(path: Path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book}


def test_reproducible_byte_for_byte(tmp_path: Path, consolidation: Consolidation) -> None:
    first = write_master(consolidation, tmp_path / "a" / "master.xlsx")
    second = write_master(make_consolidation(), tmp_path / "b" / "master.xlsx")
    assert first.read_bytes() == second.read_bytes()
    assert _content(first) == _content(second)
    props = openpyxl.load_workbook(first).properties
    assert props.created.isoformat().startswith("2008-09-30")  # the end of 2008/09 Q2, not today


def test_atomic_write_leaves_no_temporary_file(tmp_path: Path, consolidation: Consolidation,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "master.xlsx"
    write_master(consolidation, target)
    assert [p.name for p in tmp_path.iterdir()] == ["master.xlsx"]
    before = target.read_bytes()

    def crash(*args: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(master, "write_data", crash)
    # XlsxWriter's constant_memory keeps each sheet's rows in a file of the temporary folder
    rows = tmp_path / "temporary"
    rows.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(rows))
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_master(make_consolidation("2008/09 Q3"), target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["master.xlsx", "temporary"]
    assert list(rows.iterdir()) == []  # the sheets written before the failure left no rows behind
    assert target.read_bytes() == before  # the old master survives a failed run whole


def _ppm(path: Path) -> np.ndarray:
    """Decode a binary PPM (P6) as pdftoppm writes it: header, then width*height*3 bytes."""
    data = path.read_bytes()
    parts = data.split(maxsplit=4)
    assert parts[0] == b"P6"
    width, height = int(parts[1]), int(parts[2])
    pixels = np.frombuffer(parts[4][: width * height * 3], dtype=np.uint8)
    return pixels.reshape(height, width, 3).astype(int)


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def _count(pixels: np.ndarray, rgb: tuple[int, int, int], tolerance: int = 40) -> int:
    return int((np.abs(pixels - np.array(rgb)).max(axis=2) <= tolerance).sum())


@pytest.mark.libreoffice
def test_printed_milestones_show_traffic_lights(soffice: str, master_path: Path, tmp_path: Path,
                                                artefacts: Path) -> None:
    pdf = convert(soffice, master_path, "pdf", tmp_path)
    pages = int(next(line.split()[-1] for line in subprocess.run(
        ["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout.splitlines()
        if line.startswith("Pages:")))
    texts = [subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(pdf), "-"], check=True,
                            capture_output=True, text=True).stdout for n in range(1, pages + 1)]
    (page,) = [n for n, text in enumerate(texts, start=1) if "Progress against milestones" in text]
    assert "Summary" in texts[0] and "Quarterly Monitoring Report" in texts[0]
    for old in artefacts.glob("master-*.png"):
        old.unlink()
    # every page for a person to look at, and the Milestones page again under a plain name
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(artefacts / "master-page")], check=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", str(page), "-l", str(page), "-singlefile", str(pdf),
                    str(artefacts / "master-milestones")], check=True)
    subprocess.run(["pdftoppm", "-r", "60", "-f", str(page), "-l", str(page), "-singlefile", str(pdf),
                    str(tmp_path / "milestones")], check=True)
    pixels = _ppm(tmp_path / "milestones.ppm")
    # the fills of the one palette (qmr.statuses)
    green, amber, red = (_count(pixels, _rgb(STATUS_FILLS[s])) for s in (Status.GREEN, Status.AMBER, Status.RED))
    # a status cell is about 40x9 pixels at 60 dpi and an icon about 7x7, so more than 150 pixels of
    # each colour means the conditional fills themselves printed, not only the icons
    assert green > 150 and amber > 150 and red > 150, (green, amber, red)
    assert len(list(artefacts.glob("master-page-*.png"))) == pages


def _sheet_texts(sheet) -> list[str]:
    return [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v]


def test_key_pis_says_none_is_flagged_key_when_the_register_flags_none(tmp_path: Path) -> None:
    """Not "none due this period" when nothing could ever be due (issue 8, item 9)."""
    plan = make_plan()
    unflagged = replace(plan, indicators=tuple(replace(i, key=False) for i in plan.indicators))
    book = openpyxl.load_workbook(write_master(make_consolidation(plan=unflagged), tmp_path / "no-key.xlsx"))
    texts = _sheet_texts(book["Key PIs"])
    assert any("No PI is flagged key in the register" in t for t in texts), texts
    assert not any("due this period" in t for t in texts)
    # an empty quarter of a register that does flag key PIs still says none is due
    assert any(i.key for i in plan.indicators)
    nothing_due = replace(make_consolidation(plan=plan, trends=False), items=())
    book = openpyxl.load_workbook(write_master(nothing_due, tmp_path / "empty.xlsx"))
    assert any("No key performance indicators are due this period." in t for t in _sheet_texts(book["Key PIs"]))


def test_a_header_that_wraps_in_its_column_gets_the_height_of_its_lines(book: openpyxl.Workbook) -> None:
    """'Last year's outturn' wraps in its column: a one-line header row cut it off in print."""
    from qmr.publish.master.sheets import HEADER_ROW
    from qmr.publish.master.styles import LINE_HEIGHT

    sheet = book["Other PIs"]
    header = [c.value for c in sheet[HEADER_ROW + 1]]
    assert "Last year's outturn" in header
    assert sheet.row_dimensions[HEADER_ROW + 1].height >= 2 * LINE_HEIGHT
