"""The team return templates: structure checked with openpyxl for every quarter and team, and the
clerk's view checked in LibreOffice (recalculated status line, printed pages)."""

from __future__ import annotations

import csv
import dataclasses
import struct
import subprocess
import zlib
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from clerk import default_answer, fill_return, read_rows, type_into
from conftest import convert, make_plan
from qmr.demo.simulate import LockedCell
from qmr.model import Plan
from qmr.period import Period
from qmr.returns import layout
from qmr.returns.checks import NEED_ACTUAL, NEED_EXPLANATION, NEED_LISTED_PROGRESS, NEED_PROGRESS, NEED_TEXT
from qmr.returns.layout import FIRST_ROW, HEADER_ROW, STATUS_ROW
from qmr.returns.template import write_return, write_templates

QUARTERS = [Period(2008, q) for q in (1, 2, 3, 4)]
TEAMS = ["BSC-FIN", "BSC-HR", "BSC-COM"]
STAMP = datetime(2008, 10, 1, 9, 30)
CLERK_SHEETS_CORE = [layout.INSTRUCTIONS_SHEET, "Milestones", "Indicators"]
ALL = ("Green", "Amber", "Red", "N/A")
ITEM = {sheet.name: sheet for sheet in layout.ITEM_SHEETS}


def expected_sheets(team: str, quarter: int) -> list[str]:
    """By hand from the conftest plan: Risks/Equality only at Q2/Q4, and only for teams that have some."""
    extra = {"BSC-FIN": ["Risks"], "BSC-HR": ["Risks", "Equality"], "BSC-COM": []}[team]
    middle = extra if quarter in (2, 4) else []
    return [*CLERK_SHEETS_CORE, *middle, layout.NARRATIVE_SHEET, layout.SIGNOFF_SHEET, layout.IDENTITY_SHEET]


def expected_rows(plan: Plan, team: str, period: Period) -> list[tuple[str, str, str]]:
    """(sheet, key, ref) for every item row, straight from the plan, in register order."""
    rows = [("Milestones", f"milestone:{m.id}", m.id) for m in plan.milestones if m.team == team]
    rows += [("Indicators", f"indicator:{i.ref}", i.ref) for i in plan.indicators
             if i.team == team and (i.frequency != "annual" or period.quarter == 4)]
    if period.quarter in (2, 4):
        rows += [("Risks", f"risk:{r.objective_ref}", r.objective_ref) for r in plan.risks if r.team == team]
        rows += [("Equality", f"equality:{e.id}", e.id) for e in plan.equality if e.team == team]
    return rows


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict[Period, list[Path]]:
    out = tmp_path_factory.mktemp("templates")
    return {p: write_templates(make_plan(), p, out / p.slug, generated_at=STAMP) for p in QUARTERS}


def each_template():
    return [pytest.param(p, t, id=f"Q{p.quarter}-{t}") for p in QUARTERS for t in TEAMS]


def template(generated, period: Period, team: str) -> Path:
    (path,) = [p for p in generated[period] if p.name == f"{period.slug}_{team}.xlsx"]
    return path


# ------------------------------------------------------------------------------- files and lists

def test_file_names_and_distribution_list(generated):
    period = Period(2008, 2)
    paths = generated[period]
    assert [p.name for p in paths] == [f"2008-09-Q2_{t}.xlsx" for t in TEAMS]
    folder = paths[0].parent
    assert sorted(p.name for p in folder.iterdir()) == sorted([*(p.name for p in paths), "distribution.csv"])
    with open(folder / "distribution.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows == [
        {"team": "BSC-FIN", "team_name": "Financial Services", "clerk": "Performance clerk, Finance",
         "email": "finance.performance@example.org", "file": "2008-09-Q2_BSC-FIN.xlsx"},
        {"team": "BSC-HR", "team_name": "Human Resources", "clerk": "Performance clerk, HR",
         "email": "hr.performance@example.org", "file": "2008-09-Q2_BSC-HR.xlsx"},
        {"team": "BSC-COM", "team_name": "Commissioning", "clerk": "Performance clerk, Commissioning",
         "email": "commissioning@example.org", "file": "2008-09-Q2_BSC-COM.xlsx"},
    ]


def test_chosen_teams_only_and_unknown_team_refused(tmp_path, plan):
    paths = write_templates(plan, Period(2008, 1), tmp_path, teams=["BSC-HR"])
    assert [p.name for p in paths] == ["2008-09-Q1_BSC-HR.xlsx"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2008-09-Q1_BSC-HR.xlsx", "distribution.csv"]
    with pytest.raises(ValueError, match="NOPE"):
        write_templates(plan, Period(2008, 1), tmp_path / "x", teams=["BSC-HR", "NOPE"])


def test_rewriting_replaces_the_file_and_leaves_no_temporary_files(tmp_path, plan):
    path = tmp_path / "return.xlsx"
    path.write_text("not a workbook")
    write_return(plan, "BSC-FIN", Period(2008, 3), path)
    assert load_workbook(path).sheetnames[0] == layout.INSTRUCTIONS_SHEET
    assert [p.name for p in tmp_path.iterdir()] == ["return.xlsx"]


# ------------------------------------------------------------------------------------ structure

@pytest.mark.parametrize(("period", "team"), each_template())
def test_sheets_in_order(generated, period, team):
    book = load_workbook(template(generated, period, team))
    assert book.sheetnames == expected_sheets(team, period.quarter)
    assert book[layout.IDENTITY_SHEET].sheet_state == "veryHidden"
    assert all(book[name].sheet_state == "visible" for name in book.sheetnames[:-1])
    assert book.security.lockStructure


@pytest.mark.parametrize(("period", "team"), each_template())
def test_only_input_cells_are_unlocked(generated, period, team):
    book = load_workbook(template(generated, period, team))
    counts: dict[str, int] = {}
    for sheet, _, _ in expected_rows(make_plan(), team, period):
        counts[sheet] = counts.get(sheet, 0) + 1
    for ws in book.worksheets:
        assert ws.protection.sheet, ws.title
        assert ws.protection.password is None  # a guard against accidents, not security
        assert not ws.protection.formatColumns and not ws.protection.formatRows  # clerks may resize
        expected: set[str] = set()
        if ws.title in counts:
            item = ITEM[ws.title]
            for row in range(FIRST_ROW, FIRST_ROW + counts[ws.title]):
                expected |= {item.cell(f.key, row) for f in item.inputs}
            assert {f.key for f in item.inputs} >= {"progress", "commentary"}
        elif ws.title == layout.NARRATIVE_SHEET:
            expected = {f"{c}{r}" for c in "ABC" for r in range(FIRST_ROW, FIRST_ROW + layout.NARRATIVE_ROWS)}
        elif ws.title == layout.SIGNOFF_SHEET:
            expected = {f"{layout.SIGNOFF_VALUE_COLUMN}{c.row}" for c in layout.SIGNOFF_CELLS}
        unlocked = {cell.coordinate
                    for row in ws.iter_rows(min_row=1, max_row=ws.max_row + 3, max_col=ws.max_column + 3)
                    for cell in row if cell.protection.locked is False}
        assert unlocked == expected, ws.title


@pytest.mark.parametrize(("period", "team"), each_template())
def test_progress_dropdowns_offer_the_quarters_choices(generated, period, team):
    book = load_workbook(template(generated, period, team))
    rows = {key: row for _, row, key in read_rows(book).rows}
    for sheet_name, key, _ in expected_rows(make_plan(), team, period):
        ws = book[sheet_name]
        column, row = ITEM[sheet_name].letter("progress"), rows[key]
        assert ws[f"{column}{HEADER_ROW}"].value == "Progress"
        lists = [dv for dv in ws.data_validations.dataValidation
                 if dv.type == "list" and f"{column}{row}" in dv.sqref]
        assert len(lists) == 1, (sheet_name, key)
        wanted = ("Green", "Red", "N/A") if sheet_name == "Milestones" and period.quarter == 4 else ALL
        assert lists[0].formula1 == '"' + ",".join(wanted) + '"'
        assert lists[0].showErrorMessage and lists[0].errorStyle in (None, "stop")


@pytest.mark.parametrize(("period", "team"), each_template())
def test_identity_sheet_is_complete_and_matches_the_rows(generated, period, team):
    plan = make_plan()
    book = load_workbook(template(generated, period, team))
    found = read_rows(book)
    assert found.identity == {
        "format_version": layout.FORMAT_VERSION, "team": team, "team_name": plan.team(team).name,
        "period": period.label, "register_fingerprint": plan.for_team(team).fingerprint,
        "generated_at": STAMP.isoformat(),
        "item_count": len(expected_rows(plan, team, period)),
        "team_token": None,  # written outside a working folder: no secret, so no token
    }
    ident = book[layout.IDENTITY_SHEET]
    header = [ident.cell(layout.IDENTITY_KEYS_HEADER_ROW, c).value for c in (1, 2, 3)]
    assert header == ["sheet", "row", "key"]
    expected = expected_rows(plan, team, period)
    assert [(s, k) for s, _, k in found.rows] == [(s, k) for s, k, _ in expected]
    for (sheet, row, _), (_, _, ref) in zip(found.rows, expected, strict=True):
        assert book[sheet][f"A{row}"].value == ref
    # rows on each sheet are consecutive from FIRST_ROW, in register order
    for sheet in {s for s, _, _ in found.rows}:
        numbers = [r for s, r, _ in found.rows if s == sheet]
        assert numbers == list(range(FIRST_ROW, FIRST_ROW + len(numbers)))


@pytest.mark.parametrize(("period", "team"), each_template())
def test_each_team_gets_exactly_its_own_items(generated, period, team):
    plan = make_plan()
    book = load_workbook(template(generated, period, team))

    def column(sheet: str, letter: str) -> list[object]:
        ws = book[sheet]
        return [ws[f"{letter}{r}"].value for r in range(FIRST_ROW, ws.max_row + 1) if ws[f"A{r}"].value]

    milestones = [m for m in plan.milestones if m.team == team]
    assert column("Milestones", "A") == [m.id for m in milestones]
    assert column("Milestones", "B") == [m.objective_ref for m in milestones]
    assert column("Milestones", "C") == [plan.objective(m.objective_ref).title for m in milestones]
    assert column("Milestones", "D") == [m.text for m in milestones]
    assert {o.ref for o in plan.objectives if o.team == team} == set(column("Milestones", "B"))
    indicators = [i for i in plan.indicators
                  if i.team == team and (i.frequency != "annual" or period.quarter == 4)]
    assert column("Indicators", "A") == [i.ref for i in indicators]
    assert column("Indicators", "B") == [i.description for i in indicators]
    assert column("Indicators", "G") == [i.annual_target for i in indicators]
    assert ("BPR LI7" in column("Indicators", "A")) == (team == "BSC-COM" and period.quarter == 4)


def test_headers_frozen_printing_and_check_column(generated):
    book = load_workbook(template(generated, Period(2008, 2), "BSC-HR"))
    for sheet in layout.ITEM_SHEETS:
        ws = book[sheet.name]
        headers = [ws.cell(HEADER_ROW, c).value for c in range(1, len(sheet.fields) + 2)]
        assert headers == [f.header for f in sheet.fields] + ["Check"]
        assert ws[f"A{HEADER_ROW}"].font.b and ws[f"A{HEADER_ROW}"].alignment.wrap_text
        assert ws[f"A{HEADER_ROW}"].fill.fgColor.rgb.endswith("1F4E78")
        assert ws.freeze_panes == f"A{FIRST_ROW}"
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
        for field in sheet.fields:
            assert ws.column_dimensions[sheet.letter(field.key)].width == field.width
        assert str(ws[f"{sheet.check_letter}{FIRST_ROW}"].value).startswith("=IF(")
        assert str(ws[f"A{STATUS_ROW}"].value).startswith("=IF(")
        rules = [r for cf in ws.conditional_formatting for r in cf.rules]
        assert {r.formula[0] for r in rules} >= {'"Green"', '"Amber"', '"Red"'}
    assert book.active.title == layout.INSTRUCTIONS_SHEET


def test_numeric_actuals_have_a_number_validation_and_text_ones_do_not(tmp_path):
    plan = make_plan()
    text_pi = dataclasses.replace(plan.indicators[2], ref="BPR LI13", unit="text", description="Staff survey")
    plan = dataclasses.replace(plan, indicators=(*plan.indicators, text_pi))
    book = load_workbook(write_return(plan, "BSC-HR", Period(2008, 1), tmp_path / "hr.xlsx"))
    ws = book["Indicators"]
    actual = layout.INDICATORS.letter("actual")
    assert [ws[f"A{r}"].value for r in (5, 6, 7)] == ["BPR LI12", "BSC Ll21", "BPR LI13"]
    decimals = [dv for dv in ws.data_validations.dataValidation if dv.type == "decimal"]
    covered = {f"{actual}{r}" for r in (5, 6, 7) if any(f"{actual}{r}" in dv.sqref for dv in decimals)}
    assert covered == {f"{actual}5", f"{actual}6"}
    assert all(dv.prompt and dv.showErrorMessage for dv in decimals)
    assert ws[f"{actual}7"].protection.locked is False  # text PIs still report something


def test_text_from_register_and_history_is_written_as_text(tmp_path, plan):
    attack = '=HYPERLINK("http://evil.example","click")'
    plan = dataclasses.replace(plan, milestones=(dataclasses.replace(plan.milestones[0], text=attack),
                                                 *plan.milestones[1:]))
    path = write_return(plan, "BSC-FIN", Period(2008, 2), tmp_path / "fin.xlsx",
                        previous_commentary={"milestone:BPR1.2": "=1+1 was last quarter's joke",
                                             "indicator:BPR LI1": "Paid 94% on time."})
    ws = load_workbook(path)["Milestones"]
    assert (ws["D5"].value, ws["D5"].data_type) == (attack, "s")
    assert (ws["G6"].value, ws["G6"].data_type) == ("=1+1 was last quarter's joke", "s")
    assert ws["G5"].value is None
    assert load_workbook(path)["Indicators"]["K5"].value == "Paid 94% on time."


def test_instructions_name_the_deadline_contact_and_traffic_lights(tmp_path, plan):
    texts = _texts(write_return(plan, "BSC-FIN", Period(2008, 2), tmp_path / "a.xlsx"), "Instructions")
    assert "Tuesday 21 October 2008" in texts  # 15 working days after 30 September 2008
    assert "Halton Borough Council" in texts and "performance@example.org" in texts
    for status in ALL:
        assert status in texts
    assert "Amber is not allowed" in texts
    texts = _texts(write_return(plan, "BSC-FIN", Period(2008, 4), tmp_path / "b.xlsx",
                                deadline=date(2009, 4, 30)), "Instructions")
    assert "Thursday 30 April 2009" in texts and "This is the year-end return." in texts


def test_signoff_sheet_layout(generated, plan):
    ws = load_workbook(template(generated, Period(2008, 1), "BSC-FIN"))[layout.SIGNOFF_SHEET]
    for cell in layout.SIGNOFF_CELLS:
        assert ws[f"B{cell.row}"].value == cell.label
    assert ws[f"C{layout.SIGNOFF_STATEMENT_ROW}"].value == plan.settings["assurance_statement"]
    kinds = {(dv.type, str(dv.sqref)) for dv in ws.data_validations.dataValidation}
    date_cell = next(c for c in layout.SIGNOFF_CELLS if c.key == "date")
    yes_cell = next(c for c in layout.SIGNOFF_CELLS if c.key == "confirmed")
    assert ("date", f"C{date_cell.row}") in kinds and ("list", f"C{yes_cell.row}") in kinds


def test_clerk_cannot_type_into_locked_cells(generated, tmp_path):
    book = load_workbook(template(generated, Period(2008, 2), "BSC-HR"))
    with pytest.raises(LockedCell, match="locked"):
        type_into(book["Milestones"], "A5", "BPR9.9")
    with pytest.raises(LockedCell, match="locked"):
        type_into(book["Milestones"], f"F{FIRST_ROW + 2}", "Green")  # below the last milestone
    filled = load_workbook(fill_return(template(generated, Period(2008, 2), "BSC-HR"), tmp_path / "f.xlsx"))
    ws = filled["Indicators"]
    assert isinstance(ws["I5"].value, float) and ws["J5"].value in ALL and ws["K5"].value
    again = load_workbook(fill_return(template(generated, Period(2008, 2), "BSC-HR"), tmp_path / "g.xlsx"))
    assert [c.value for c in again["Indicators"][5]] == [c.value for c in ws[5]]  # deterministic


def test_default_answers_are_valid_for_the_quarter():
    for period in QUARTERS:
        for n in range(40):
            answer = default_answer(layout.MILESTONES, f"milestone:M{n}", period)
            assert answer["progress"] in layout.progress_choices(layout.MILESTONES, period)
            assert answer["commentary"]
    assert not any(default_answer(layout.MILESTONES, f"milestone:M{n}", QUARTERS[3])["progress"] == "Amber"
                   for n in range(40))


# ------------------------------------------------------------------------------- LibreOffice

def _recalculated(soffice: str, path: Path, outdir: Path) -> CalamineWorkbook:
    """Open and save in LibreOffice (which calculates formulas that have no stored result), read back."""
    return CalamineWorkbook.from_path(str(convert(soffice, path, "xlsx", outdir)))


def _status_lines(book: CalamineWorkbook) -> dict[str, object]:
    lines = {}
    for name in book.sheet_names:
        if name == layout.IDENTITY_SHEET:
            continue
        grid = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        lines[name] = grid[STATUS_ROW - 1][0]
    return lines


def _checks(book: CalamineWorkbook, sheet: str, column: int) -> list[object]:
    grid = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    return [row[column - 1] if len(row) >= column else "" for row in grid[FIRST_ROW - 1:]]


@pytest.mark.libreoffice
def test_status_line_counts_problems_then_says_ready(soffice, generated, tmp_path):
    source = template(generated, Period(2008, 2), "BSC-HR")
    blank = _recalculated(soffice, source, tmp_path / "blank")
    # 2 milestones + 2 PIs + 1 risk + 1 equality action + 3 sign-off items, on every sheet
    assert set(_status_lines(blank).values()) == {"9 problems"}
    assert len(_status_lines(blank)) == 7

    filled = _recalculated(soffice, fill_return(source, tmp_path / "in" / source.name), tmp_path / "filled")
    assert set(_status_lines(filled).values()) == {layout.READY}
    for sheet in ("Milestones", "Indicators", "Risks", "Equality"):
        assert set(_checks(filled, sheet, len(ITEM[sheet].fields) + 1)) <= {""}
    # the identity survives a LibreOffice save, hidden (LibreOffice has no "very hidden": it saves "hidden")
    identity = next(m for m in filled.sheets_metadata if m.name == layout.IDENTITY_SHEET)
    assert str(identity.visible).endswith("Hidden")
    grid = filled.get_sheet_by_name(layout.IDENTITY_SHEET).to_python(skip_empty_area=False)
    assert [row[0] for row in grid[:len(layout.IDENTITY_FIELDS)]] == list(layout.IDENTITY_FIELDS)


@pytest.mark.libreoffice
def test_three_things_missing_are_three_problems(soffice, generated, tmp_path):
    source = template(generated, Period(2008, 2), "BSC-HR")
    answers = {"milestone:BPR2.1": {"progress": None}, "indicator:BPR LI12": {"actual": None},
               "signoff": {"date": None}}
    filled = fill_return(source, tmp_path / "in" / source.name, answers)
    book = _recalculated(soffice, filled, tmp_path / "out")
    assert set(_status_lines(book).values()) == {"3 problems"}
    assert _checks(book, "Milestones", 8)[:2] == [NEED_PROGRESS, ""]
    assert _checks(book, "Indicators", 12)[:2] == [NEED_ACTUAL, ""]
    signoff = book.get_sheet_by_name(layout.SIGNOFF_SHEET).to_python(skip_empty_area=False)
    assert signoff[7 - 1][3] == "Enter the date completed"


@pytest.mark.libreoffice
def test_year_end_rules_and_narrative_checks(soffice, generated, tmp_path):
    source = template(generated, Period(2008, 4), "BSC-COM")
    answers = {
        "milestone:BPR3.1": {"progress": "Amber"},  # pasted past the dropdown: not allowed at year end
        "indicator:BPR LI8": {"progress": "Red", "commentary": None},
        "indicator:BPR LI7": {"progress": "N/A", "actual": None, "commentary": "Survey not run this year"},
        "narrative": [("Key development", "Half written", None)],
    }
    filled = fill_return(source, tmp_path / "in" / source.name, answers)
    book = _recalculated(soffice, filled, tmp_path / "out")
    assert set(_status_lines(book).values()) == {"3 problems"}
    assert _checks(book, "Milestones", 8)[:1] == [NEED_LISTED_PROGRESS]
    assert _checks(book, "Indicators", 12)[:2] == ["", NEED_EXPLANATION]  # BPR LI7 (N/A) is fine
    assert _checks(book, layout.NARRATIVE_SHEET, 4)[:2] == [NEED_TEXT, ""]


@pytest.mark.libreoffice
def test_one_problem_is_singular(soffice, generated, tmp_path):
    source = template(generated, Period(2008, 1), "BSC-FIN")
    out = fill_return(source, tmp_path / "in" / source.name, {"signoff": {"confirmed": None}})
    assert set(_status_lines(_recalculated(soffice, out, tmp_path / "out")).values()) == {"1 problem"}


@pytest.mark.libreoffice
def test_printed_return_pages(soffice, generated, tmp_path, artefacts):
    source = template(generated, Period(2008, 2), "BSC-HR")
    filled = fill_return(source, tmp_path / "templates-2008-09-Q2-BSC-HR.xlsx",
                         {"milestone:BPR2.2": {"progress": "Red", "commentary": "Job evaluation appeals "
                                               "delayed the final pay model; now due June 2009."},
                          "indicator:BSC Ll21": {"progress": "Amber"}})
    pdf = convert(soffice, filled, "pdf", tmp_path / "pdf")
    for old in artefacts.glob("templates-q2-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "4", str(pdf),
                    str(artefacts / "templates-q2")], check=True, timeout=120)
    pngs = sorted(artefacts.glob("templates-q2-*.png"))
    assert len(pngs) == 4
    for png in pngs:
        assert 0.01 < _ink(png) < 0.9, png  # something printed, and not a solid block


def _texts(path: Path, sheet: str) -> str:
    ws = load_workbook(path)[sheet]
    return "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)


def _ink(png: Path) -> float:
    """Share of pixels that are not white, decoding an 8-bit PNG with the standard library."""
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    raw, stride = zlib.decompress(idat), width * channels
    previous, ink = bytearray(stride), 0
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up, corner = previous[x], previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        ink += sum(1 for x in range(0, stride, channels) if min(line[x:x + min(channels, 3)]) < 240)
        previous = line
    return ink / (width * height)


def test_a_team_with_nothing_due_gets_no_template(tmp_path: Path) -> None:
    """A team whose only items are annual PIs has nothing to report before Q4: no return is sent."""
    base = make_plan()
    annual_only = dataclasses.replace(
        base,
        teams=(*base.teams, dataclasses.replace(base.teams[0], code="BSC-AUD", name="Audit")),
        indicators=(*base.indicators, dataclasses.replace(base.indicators[4], ref="AUD 1", team="BSC-AUD")),
    )
    assert layout.teams_due(annual_only, Period(2008, 3)) == ["BSC-FIN", "BSC-HR", "BSC-COM"]
    assert layout.teams_due(annual_only, Period(2008, 4))[-1] == "BSC-AUD"
    written = write_templates(annual_only, Period(2008, 3), tmp_path / "q3")
    assert [p.stem.split("_", 1)[1] for p in written] == ["BSC-FIN", "BSC-HR", "BSC-COM"]
    asked = write_templates(annual_only, Period(2008, 3), tmp_path / "asked", teams=["BSC-AUD"])
    assert len(asked) == 1  # asked for by name, it is still written (with nothing to report)
