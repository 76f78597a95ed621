"""Consolidation as an officer runs it on the shipped example (Halton CED 2015/16): every team but
one returns a template filled by a clerk with known answers; the master's Data sheet, Summary counts,
Exceptions, text safety, per-department masters and reproducibility are checked against those answers."""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from dataclasses import dataclass, fields, replace
from pathlib import Path

import openpyxl
import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from qmr.cells import column_letter
from qmr.consolidate.data_csv import _rows, to_frame, write_data_csv
from qmr.cycle import load_plan, make_templates, run_consolidation, run_validation
from qmr.demo.simulate import Answer, Filled, fill_return, template_rows
from qmr.findings import csv_safe
from qmr.model import DATA_COLUMNS, NO_DEPARTMENT, Kind, Level, Plan, ReportedItem, Status
from qmr.period import Period
from qmr.plan.examples import write_example
from qmr.publish.master.summary import ALL_DEPARTMENTS, KIND_TABLE_TITLES
from qmr.returns import layout

# openpyxl drops sparklines it cannot model when reading
pytestmark = pytest.mark.filterwarnings("ignore:Sparkline Group extension:UserWarning")

Q3 = Period(2015, 3)
Q4 = Period(2015, 4)
SILENT = "CED-IDS"  # the team that sends nothing
FORMULA = "=1+1"
LINK = '=HYPERLINK("http://x","y")'
# rows whose commentary looks like a formula: (team, row key) -> text
FORMULA_LOOKING = {("CED-TAF", 0): FORMULA, ("CED-CPN", 1): LINK, ("CED-SAFE", 0): "=SUM(A1:A9)"}


@dataclass(frozen=True)
class Expected:
    """One Data row as the clerk's answers imply it."""

    team: str
    kind: str
    ref: str
    status: str
    actual: float | str | None
    commentary: str | None
    source_file: str | None
    source_cell: str | None


def pick(key: str, choices: tuple[str, ...] | list[str]) -> str:
    """A choice fixed by the row key, so every run gives every row the same answer."""
    return choices[int(hashlib.sha256(key.encode()).hexdigest(), 16) % len(choices)]


def number_for(key: str) -> float:
    """A known actual: 10.5 to 89.5 (never a fraction, which a % PI would scale)."""
    return 10.5 + int(hashlib.sha256(("actual" + key).encode()).hexdigest(), 16) % 80


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    path = write_example("ced-2015-16", tmp_path_factory.mktemp("plan") / "plan.xlsx")
    loaded, _ = load_plan(path)
    return loaded


def department_label(plan: Plan, team: str) -> str:
    found = plan.team(team)
    assert found is not None
    return found.department or NO_DEPARTMENT


def as_text(path: Path, cells: dict[tuple[str, str], str]) -> None:
    """What a clerk gets by typing '=1+1 (leading apostrophe): text that starts with '='."""
    book = load_workbook(path)
    for (sheet, ref), text in cells.items():
        cell = book[sheet][ref]
        assert not cell.protection.locked, f"{sheet}!{ref} is locked"
        cell.value = text
        cell.data_type = "s"
        cell.quotePrefix = True
    book.save(path)


def fill_all(plan: Plan, period: Period, tmp: Path, *, silent: str = SILENT
             ) -> tuple[Path, dict[tuple[str, str, str], Expected]]:
    """Templates for every team, filled by a clerk with known answers, except `silent`'s.

    Returns the inbox and the Data rows the master must show, by (team, kind, ref)."""
    templates = make_templates(plan, period, tmp / "templates")
    inbox = tmp / "returns"
    indicators = {i.ref: i for i in plan.indicators}
    expected: dict[tuple[str, str, str], Expected] = {}
    for template in templates:
        team = template.stem.split("_", 1)[1]
        rows = template_rows(load_workbook(template, read_only=False))
        out = inbox / f"{team} return.xlsx"
        filled = Filled(signoff={"completed_by": "A. Clerk", "job_title": "Clerk", "date": period.end,
                                 "confirmed": "Yes"},
                        narrative=[("Key development", f"{team} news", f"Something {team} did.")])
        text_cells: dict[tuple[str, str], str] = {}
        for number, (sheet_name, row, key) in enumerate(rows):
            sheet = layout.sheet_named(sheet_name)
            status = pick(key, layout.progress_choices(sheet, period))
            commentary = f"{team} {key}: reported {status} for {period.label}."
            if (team, number) in FORMULA_LOOKING:
                commentary = FORMULA_LOOKING[(team, number)]
                text_cells[(sheet_name, sheet.cell("commentary", row))] = commentary
            actual: float | str | None = None
            if sheet.kind is Kind.INDICATOR and status != "N/A":
                indicator = indicators[layout.key_ref(key)]
                actual = number_for(key) if indicator.numeric else f"Delivered: {key}"
            filled.answers[key] = Answer(status, actual, commentary)
            if team != silent:
                expected[(team, sheet.kind.value, layout.key_ref(key))] = Expected(
                    team, sheet.kind.value, layout.key_ref(key), status, actual, commentary, str(out),
                    f"{sheet_name}!{sheet.cell('progress', row)}")
        if team == silent:
            continue
        fill_return(template, out, filled)
        as_text(out, text_cells)
    # the silent team: every item due is Missing, with no source
    team_plan = plan.for_team(silent)
    for milestone in team_plan.milestones:
        expected[(silent, "milestone", milestone.id)] = Expected(silent, "milestone", milestone.id, "Missing",
                                                                 None, None, None, None)
    for indicator in team_plan.indicators:
        if indicator.due_in(period.quarter):
            expected[(silent, "indicator", indicator.ref)] = Expected(silent, "indicator", indicator.ref,
                                                                      "Missing", None, None, None, None)
    return inbox, expected


def due_items(plan: Plan, period: Period) -> set[tuple[str, str, str]]:
    """Every plan item due in the period, straight from the register (not through the layout)."""
    due = {(m.team, "milestone", m.id) for m in plan.milestones}
    due |= {(i.team, "indicator", i.ref) for i in plan.indicators if i.due_in(period.quarter)}
    if period.half_year:
        due |= {(r.team, "risk", r.objective_ref) for r in plan.risks}
        due |= {(e.team, "equality", e.id) for e in plan.equality}
    return due


def data_rows(path: Path) -> tuple[list[str], list[dict[str, object]]]:
    """The Data sheet read with openpyxl: its header and its rows as dicts by header."""
    book = openpyxl.load_workbook(path)
    ws = book["Data"]
    rows = list(ws.iter_rows(values_only=True))
    header = [str(h) for h in rows[0]]
    return header, [dict(zip(header, row, strict=True)) for row in rows[1:]]


def by_key(rows: list[dict[str, object]]) -> dict[tuple[str, str, str], dict[str, object]]:
    keyed = {(str(r["team"]), str(r["kind"]), str(r["ref"])): r for r in rows}
    assert len(keyed) == len(rows), "two Data rows for one item"
    return keyed


def check_data(plan: Plan, period: Period, master: Path, expected: dict[tuple[str, str, str], Expected],
               teams: set[str] | None = None) -> list[dict[str, object]]:
    """The Data sheet against the answers; `teams` limits the plan items due to a department's."""
    header, rows = data_rows(master)
    assert tuple(header[: len(DATA_COLUMNS)]) == DATA_COLUMNS

    # an Excel table covering the header and every row, its columns named as the header
    ws = openpyxl.load_workbook(master)["Data"]
    assert len(ws.tables) == 1
    table = next(iter(ws.tables.values()))
    assert table.ref == f"A1:{column_letter(len(header))}{len(rows) + 1}"
    assert [c.name for c in table.tableColumns] == header

    # one row per plan item due this period, each as the clerk filled it
    keyed = by_key(rows)
    due = {key for key in due_items(plan, period) if teams is None or key[0] in teams}
    assert set(keyed) == due == set(expected)
    for key, want in expected.items():
        row = keyed[key]
        team = plan.team(want.team)
        assert team is not None
        got = (row["period"], row["directorate"], row["department"], row["status"], row["actual"],
               row["commentary"], row["source_file"], row["source_cell"])
        assert got == (period.label, team.directorate, team.department or None, want.status, want.actual,
                       want.commentary, want.source_file, want.source_cell), key
        assert row["status"] in {s.value for s in Status}
        assert row["kind"] in {k.value for k in Kind}

    # python-calamine (what scripts and Power Query-like readers see) reads the same table
    calamine = CalamineWorkbook.from_path(str(master))
    grid = calamine.get_sheet_by_name("Data").to_python()
    calamine.close()
    assert tuple(grid[0][: len(DATA_COLUMNS)]) == DATA_COLUMNS
    assert len(grid) == len(rows) + 1
    for line, row in zip(grid[1:], rows, strict=True):
        assert [v if v != "" else None for v in line[: len(DATA_COLUMNS)]] == [row[c] for c in DATA_COLUMNS]
    return rows


def summary_tables(path: Path) -> dict[str, dict[str, dict[str, int]]]:
    """Every 'by status' and returns table of the Summary sheet: title -> row label -> column -> count."""
    ws = openpyxl.load_workbook(path)["Summary"]
    grid = [list(row) for row in ws.iter_rows(values_only=True)]
    titles = set(KIND_TABLE_TITLES.values()) | {"Returns by department"}
    tables: dict[str, dict[str, dict[str, int]]] = {}
    for number, row in enumerate(grid):
        if row and row[0] in titles:
            header = [h for h in grid[number + 1] if h is not None]
            table: dict[str, dict[str, int]] = {}
            for line in grid[number + 2:]:
                table[str(line[0])] = {h: line[c] for c, h in enumerate(header) if c}
                if line[0] == ALL_DEPARTMENTS:
                    break
            tables[str(row[0])] = table
    return tables


def check_summary(plan: Plan, master: Path, expected: dict[tuple[str, str, str], Expected], silent: str) -> None:
    tables = summary_tables(master)
    for kind in (Kind.MILESTONE, Kind.INDICATOR):
        counted: dict[str, Counter[str]] = {}
        for want in expected.values():
            if want.kind == kind.value:
                counted.setdefault(department_label(plan, want.team), Counter())[want.status] += 1
                counted.setdefault(ALL_DEPARTMENTS, Counter())[want.status] += 1
        table = tables[KIND_TABLE_TITLES[kind]]
        assert set(table) == set(counted), kind
        for department, counts in counted.items():
            row = table[department]
            assert {s: row[s] for s in (st.value for st in Status)} == {
                s.value: counts.get(s.value, 0) for s in Status}, (kind, department)
            assert row["Total"] == sum(counts.values())
    returns = tables["Returns by department"]
    # a team is expected to return when it has items due (CED-OPS has none in Q1-Q3)
    reporting = {w.team for w in expected.values()}
    teams_by_department = Counter(department_label(plan, t) for t in reporting)
    for department, count in teams_by_department.items():
        missing = int(department == department_label(plan, silent))
        assert returns[department] == {"Expected": count, "Received": count - missing, "Missing": missing,
                                       "Rejected": 0}, department
    assert returns[ALL_DEPARTMENTS] == {"Expected": len(reporting), "Received": len(reporting) - 1,
                                        "Missing": 1, "Rejected": 0}


def check_exceptions(plan: Plan, master: Path, expected: dict[tuple[str, str, str], Expected]) -> None:
    ws = openpyxl.load_workbook(master)["Exceptions"]
    grid = [list(row) for row in ws.iter_rows(values_only=True)]
    start = next(n for n, row in enumerate(grid) if row and row[0] == "Status")
    header = grid[start]
    rows = [dict(zip(header, row, strict=True)) for row in grid[start + 1:] if row[0] is not None]
    order = ["Red", "Amber", "Missing"]
    statuses = [str(r["Status"]) for r in rows]
    assert statuses == sorted(statuses, key=order.index), "Exceptions are not reds first, then amber, missing"
    names = {t.code: t.name for t in plan.teams}
    shown = Counter((r["Status"], r["Team"], r["Ref"], r["Commentary"]) for r in rows)
    wanted = Counter((w.status, names[w.team], w.ref, w.commentary) for w in expected.values() if w.status in order)
    assert shown == wanted
    assert statuses[0] == "Red"


def check_text_safety(master: Path, present: tuple[str, ...] = tuple(FORMULA_LOOKING.values())) -> None:
    """Formula-looking commentary is text in every sheet, never a formula (nor a link)."""
    book = openpyxl.load_workbook(master)
    seen = Counter()
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    raise AssertionError(f"{ws.title}!{cell.coordinate} is a formula: {cell.value!r}")
                if cell.value in set(FORMULA_LOOKING.values()):
                    assert cell.data_type == "s"
                    assert cell.hyperlink is None
                    seen[(ws.title, cell.value)] += 1
    for text in present:
        assert seen[("Data", text)] == 1, text


@pytest.fixture(scope="module")
def q3(plan: Plan, tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("q3")
    inbox, expected = fill_all(plan, Q3, tmp)
    batch = run_validation(plan, Q3, [inbox])
    done = run_consolidation(plan, Q3, batch, tmp / "out" / "QMR.xlsx", by=Level.DEPARTMENT)
    consolidation, written = done.consolidation, done.written
    return tmp, inbox, expected, batch, consolidation, masters(written)


def masters(written: list[Path]) -> list[Path]:
    """The workbooks among what run_consolidation wrote (it also writes the Data table as CSV)."""
    return [path for path in written if path.suffix == ".xlsx"]


def test_the_returns_are_clean_and_the_silent_team_is_missing(q3) -> None:
    _, _, _, batch, _, _ = q3
    assert not batch.validation.has_problems(), [str(f) for f in batch.validation.findings
                                                 if f.severity.rank <= 1]
    assert batch.missing == [SILENT]


def test_data_sheet_is_what_the_clerks_filled(plan: Plan, q3) -> None:
    _, _, expected, _, consolidation, written = q3
    rows = check_data(plan, Q3, written[0], expected)
    # every status and every kind of answer occurs, so the comparison above means something
    assert {r["status"] for r in rows} == {"Green", "Amber", "Red", "N/A", "Missing"}
    assert any(isinstance(r["actual"], float) for r in rows) and any(isinstance(r["actual"], str) for r in rows)
    silent = [r for r in rows if r["team"] == SILENT]
    assert silent and all(r["status"] == "Missing" and r["source_file"] is None and r["source_cell"] is None
                          for r in silent)
    # the in-memory consolidation says the same as the sheet
    assert [item.data_row()[DATA_COLUMNS.index("ref")] for item in consolidation.items] == [r["ref"] for r in rows]


def test_summary_counts_equal_the_filled_statuses(plan: Plan, q3) -> None:
    _, _, expected, _, _, written = q3
    check_summary(plan, written[0], expected, SILENT)


def test_exceptions_list_reds_first_with_their_commentary(plan: Plan, q3) -> None:
    _, _, expected, _, _, written = q3
    check_exceptions(plan, written[0], expected)


def test_formula_looking_commentary_is_stored_as_text(q3) -> None:
    _, _, expected, _, _, written = q3
    assert {w.commentary for w in expected.values()} >= set(FORMULA_LOOKING.values())
    check_text_safety(written[0])
    for path in written[1:]:  # the per-department masters: only the rows of their own teams
        check_text_safety(path, present=())
    calamine = CalamineWorkbook.from_path(str(written[0]))
    commentary = [row[DATA_COLUMNS.index("commentary")] for row in calamine.get_sheet_by_name("Data").to_python()]
    calamine.close()
    assert FORMULA in commentary and LINK in commentary


def test_one_master_per_department_holds_exactly_its_rows(plan: Plan, q3) -> None:
    tmp, _, expected, _, _, written = q3
    _, whole = data_rows(written[0])
    departments: dict[str, set[str]] = {}
    for team in plan.teams:
        departments.setdefault(team.department or NO_DEPARTMENT, set()).add(team.code)
    assert len(written) == 1 + len(departments)
    files = {}
    for name in departments:
        slug = "-".join("".join(ch if ch.isalnum() else " " for ch in name).split())
        files[name] = tmp / "out" / f"QMR_{slug}.xlsx"
    assert sorted(written[1:]) == sorted(files.values())
    for name, codes in departments.items():
        _, rows = data_rows(files[name])
        assert {r["team"] for r in rows} == codes & {w.team for w in expected.values()}, name
        assert rows == [r for r in whole if r["team"] in codes], name
        part = {k: v for k, v in expected.items() if v.team in codes}
        check_data(plan, Q3, files[name], part, codes)


def _content(path: Path) -> dict[str, object]:
    """Everything openpyxl sees of a workbook that a reader would notice."""
    book = openpyxl.load_workbook(path)
    content: dict[str, object] = {"sheets": book.sheetnames}
    for ws in book.worksheets:
        cells = []
        for row in ws.iter_rows():
            for c in row:
                cells.append((c.coordinate, c.value, c.data_type, repr(c.font), repr(c.fill), repr(c.border),
                              repr(c.alignment), c.number_format, repr(c.protection)))
        formats = sorted((str(rng.sqref), repr(rule), repr(rule.dxf))
                         for rng in ws.conditional_formatting for rule in rng.rules)
        content[ws.title] = (
            cells, formats, sorted(str(r) for r in ws.merged_cells.ranges),
            sorted(ws.tables.items()),
            sorted((k, d.width, d.hidden) for k, d in ws.column_dimensions.items()),
            sorted((k, d.height, d.outlineLevel) for k, d in ws.row_dimensions.items()),
            ws.freeze_panes, ws.print_title_rows, repr(ws.page_setup), str(ws.data_validations.count),
        )
    return content


def test_consolidating_the_same_inputs_twice_gives_the_same_workbook(plan: Plan, q3) -> None:
    tmp, inbox, _, _, _, written = q3
    again = run_validation(plan, Q3, [inbox])
    written_again = run_consolidation(plan, Q3, again, tmp / "again" / "QMR.xlsx", by=Level.DEPARTMENT).written
    second = masters(written_again)
    assert len(second) == len(written)
    for first, other in zip(sorted(written), sorted(second), strict=True):
        assert first.name == other.name
        assert _content(first) == _content(other), first.name
        # the master is written to be byte-for-byte reproducible (fixed zip times and created date)
        assert first.read_bytes() == other.read_bytes(), first.name


def test_year_end_master(plan: Plan, tmp_path: Path) -> None:
    """Q4: annual PIs are due, milestones are Green/Red/N/A only; a different team is silent."""
    silent = "CED-LRN"
    inbox, expected = fill_all(plan, Q4, tmp_path, silent=silent)
    assert not any(w.status == "Amber" and w.kind == "milestone" for w in expected.values())
    annual = {i.ref for i in plan.indicators if i.frequency == "annual"}
    assert annual & {ref for _, kind, ref in expected if kind == "indicator"}
    batch = run_validation(plan, Q4, [inbox])
    assert not batch.validation.has_problems()
    assert batch.missing == [silent]
    everything = run_consolidation(plan, Q4, batch, tmp_path / "QMR.xlsx").written
    written = masters(everything)
    assert written == [tmp_path / "QMR.xlsx"]
    rows = check_data(plan, Q4, written[0], expected)
    assert not {r["ref"] for r in rows if r["kind"] == "indicator"} - {i.ref for i in plan.indicators}
    check_summary(plan, written[0], expected, silent)
    check_exceptions(plan, written[0], expected)
    check_text_safety(written[0])



def test_the_data_table_is_also_written_as_csv(q3) -> None:
    """The CSV beside the master has the Data rows, and formula-looking text cannot run there either."""
    tmp, _, _, _, _, written = q3
    path = tmp / "out" / "QMR.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle))
    assert tuple(lines[0][: len(DATA_COLUMNS)]) == DATA_COLUMNS
    _, rows = data_rows(written[0])
    columns = [DATA_COLUMNS.index(c) for c in ("team", "kind", "ref", "status")]
    assert [[line[c] for c in columns] for line in lines[1:]] == [
        [str(r[c]) for c in ("team", "kind", "ref", "status")] for r in rows]
    commentary = [line[DATA_COLUMNS.index("commentary")] for line in lines[1:]]
    assert not [text for text in commentary if text[:1] in ("=", "+", "-", "@")]
    assert "'" + FORMULA in commentary and "'" + LINK in commentary


def test_the_table_taken_by_column_is_each_items_data_row_then_its_other_fields(q3) -> None:
    """The CSV's (and the DataFrame's) rows, taken a column at a time, are the Data sheet's contract
    row of each item, then its other fields with an enum as its text."""
    items = q3[4].items
    extras = [f.name for f in fields(ReportedItem) if f.name not in DATA_COLUMNS]
    assert _rows(items) == [item.data_row() + tuple(getattr(item, name) for name in extras) for item in items]
    assert {type(value) for row in _rows(items) for value in row} <= {str, int, float, bool, type(None)}


def test_the_csv_is_what_pandas_writes_of_the_data_frame(q3, tmp_path: Path) -> None:
    """The Data CSV is written without pandas, byte for byte as pandas writes `to_frame` (whole-number,
    decimal and text columns, blanks, formula-looking text made safe)."""
    tmp, _, _, _, consolidation, _ = q3

    def pandas_csv(items: object, path: Path) -> bytes:
        frame = to_frame(items).map(lambda v: csv_safe(v) if isinstance(v, str) else v)  # type: ignore[arg-type]
        frame.to_csv(path, index=False, encoding="utf-8-sig")
        return path.read_bytes()

    assert (tmp / "out" / "QMR.csv").read_bytes() == pandas_csv(consolidation.items, tmp_path / "pandas.csv")
    # and the same for a table whose number columns have blanks, and for none at all
    missing = [replace(item, actual=None, target=None) for item in consolidation.items[:3]]
    for number, items in enumerate((missing, consolidation.items[:1], [])):
        write_data_csv(items, tmp_path / f"{number}.csv")
        assert (tmp_path / f"{number}.csv").read_bytes() == pandas_csv(items, tmp_path / f"{number}-pandas.csv")
