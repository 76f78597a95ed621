"""The history database (a real SQLite file): recording accepted returns, re-importing the same file,
resubmissions, what it gives back (past values, commentary, periods, a team's rows, CSV export), and
what it feeds: direction of travel in the master and pre-filled commentary in next quarter's templates."""

from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

import docx
import openpyxl
import pytest
from openpyxl import load_workbook

from qmr.consolidate import history
from qmr.cycle import load_plan, make_report, make_templates, run_consolidation, run_validation
from qmr.demo.simulate import Answer, Filled, fill_return, template_rows
from qmr.model import Kind, PastValue, Plan
from qmr.period import Period
from qmr.plan.examples import write_example
from qmr.returns import layout

pytestmark = pytest.mark.filterwarnings("ignore:Sparkline Group extension:UserWarning")

Q3 = Period(2015, 3)
A, B = "CED-TAF", "CED-CPN"


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    path = write_example("ced-2015-16", tmp_path_factory.mktemp("plan") / "plan.xlsx")
    loaded, _ = load_plan(path)
    return loaded


def _hash(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest(), 16)


def fill(plan: Plan, period: Period, template: Path, out: Path, answer
         ) -> dict[str, tuple[str, float | str | None, str]]:
    """Fill a template like a clerk; `answer(sheet, key, indicator, period)` gives (status, actual,
    commentary). Returns what was typed, by row key."""
    indicators = {i.ref: i for i in plan.indicators}
    filled = Filled(signoff={"completed_by": "A. Clerk", "job_title": "Clerk", "date": period.end,
                             "confirmed": "Yes"})
    typed = {}
    for sheet_name, _, key in template_rows(load_workbook(template)):
        sheet = layout.sheet_named(sheet_name)
        indicator = indicators.get(key.split(":", 1)[1]) if sheet.kind is Kind.INDICATOR else None
        status, actual, commentary = answer(sheet, key, indicator, period)
        filled.answers[key] = Answer(status, actual, commentary)
        typed[key] = (status, actual, commentary)
    fill_return(template, out, filled)
    return typed


def known(label: str):
    """Answers fixed by row key: a status the sheet allows, a known actual, commentary naming `label`."""
    def answer(sheet, key, indicator, period):
        choices = [c for c in layout.progress_choices(sheet, period) if c != "N/A"]
        status = choices[_hash(label + key) % len(choices)]
        actual = None
        if indicator is not None:
            actual = float(20 + _hash(label + key) % 60) if indicator.numeric else f"{label} {key}"
        return status, actual, f"{label}: {key} is {status}."
    return answer


def stored(typed: dict[str, tuple[str, float | str | None, str]], period: Period) -> list[tuple]:
    """team_rows' shape for what a clerk typed: period, kind, ref, status, actual, commentary."""
    return sorted((period.label, key.split(":", 1)[0], key.split(":", 1)[1], status, actual, commentary)
                  for key, (status, actual, commentary) in typed.items())


def test_recording_reimporting_and_resubmitting(plan: Plan, tmp_path: Path) -> None:
    db = tmp_path / "qmr.db"
    templates = {p.stem.split("_", 1)[1]: p for p in make_templates(plan, Q3, tmp_path / "t", teams=[A, B])}
    inbox = tmp_path / "in"
    first_a = fill(plan, Q3, templates[A], inbox / "a.xlsx", known("first"))
    first_b = fill(plan, Q3, templates[B], inbox / "b.xlsx", known("first"))
    assert any(isinstance(v[1], float) for v in first_a.values())

    batch = run_validation(plan, Q3, [inbox])
    assert {r.team for r in batch.validation.accepted} == {A, B}
    assert history.record(db, Q3, batch.validation.accepted) == history.Recorded(added=2)
    assert db.is_file()
    assert sorted(history.team_rows(db, A)) == stored(first_a, Q3)
    assert sorted(history.team_rows(db, B)) == stored(first_b, Q3)
    assert history.periods(db) == [(Q3.label, 2, len(first_a) + len(first_b))]

    # re-importing the same files (read afresh, even under another name) changes nothing
    before = (history.team_rows(db, A), history.team_rows(db, B), history.export_csv(db, tmp_path / "1.csv"))
    shutil.copy(inbox / "a.xlsx", tmp_path / "a copy.xlsx")
    again = run_validation(plan, Q3, [inbox / "b.xlsx", tmp_path / "a copy.xlsx"])
    assert history.record(db, Q3, again.validation.accepted) == history.Recorded(unchanged=2)
    after = (history.team_rows(db, A), history.team_rows(db, B), history.export_csv(db, tmp_path / "2.csv"))
    assert after == before
    assert (tmp_path / "1.csv").read_bytes() == (tmp_path / "2.csv").read_bytes()

    # a resubmission (another file, same team and period) replaces the team's values entirely
    resent = tmp_path / "resent" / "a v2.xlsx"
    second_a = fill(plan, Q3, templates[A], resent, known("second"))
    assert {v[2] for v in second_a.values()}.isdisjoint({v[2] for v in first_a.values()})
    batch = run_validation(plan, Q3, [resent])
    assert history.record(db, Q3, batch.validation.accepted) == history.Recorded(superseded=1)
    assert sorted(history.team_rows(db, A)) == stored(second_a, Q3)
    assert sorted(history.team_rows(db, B)) == stored(first_b, Q3)
    assert history.periods(db) == [(Q3.label, 2, len(second_a) + len(first_b))]

    # load_past: every stored value as PastValue
    past = history.load_past(db)
    expected = [PastValue(Q3, team, layout.key_kind(key), layout.key_ref(key), s, a, c, key)
                for team, typed in ((A, second_a), (B, first_b)) for key, (s, a, c) in typed.items()]
    assert sorted(past, key=repr) == sorted(expected, key=repr)

    # commentary_for: by team and row key, the latest before a period: what its templates start from
    assert history.commentary_for(db, Q3.next()) == {A: {k: v[2] for k, v in second_a.items()},
                                                     B: {k: v[2] for k, v in first_b.items()}}
    assert history.commentary_for(db, Q3) == {}

    # export_csv parses back to the same values, with the file and hash each came from
    path = tmp_path / "export.csv"
    count = history.export_csv(db, path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle))
    assert tuple(lines[0]) == history.EXPORT_COLUMNS
    assert count == len(lines) - 1 == len(second_a) + len(first_b)
    digest = {A: (str(resent), hashlib.sha256(resent.read_bytes()).hexdigest()),
              B: (str(inbox / "b.xlsx"), hashlib.sha256((inbox / "b.xlsx").read_bytes()).hexdigest())}
    parsed = sorted((period, kind, ref, status, actual, commentary)
                    for period, team, kind, ref, status, actual, commentary, file, sha in lines[1:]
                    if team == A and (file, sha) == digest[A])
    assert parsed == sorted((p, k, r, s, "" if a is None else str(a), c) for p, k, r, s, a, c in stored(second_a, Q3))
    assert {(line[1], line[7], line[8]) for line in lines[1:]} == {(t, *digest[t]) for t in (A, B)}


def test_periods_come_back_oldest_first_and_no_database_is_no_history(plan: Plan, tmp_path: Path) -> None:
    assert history.load_past(None) == []
    assert history.load_past(tmp_path / "absent.db") == []
    assert history.commentary_for(tmp_path / "absent.db", Q3) == {}
    assert not (tmp_path / "absent.db").exists()

    db = tmp_path / "qmr.db"
    periods = [Period(2015, 2), Period(2014, 4), Period(2015, 1)]  # recorded out of order
    for period in periods:
        template = make_templates(plan, period, tmp_path / period.slug, teams=[A])[0]
        fill(plan, period, template, tmp_path / "in" / period.slug / "a.xlsx", known(period.label))
        batch = run_validation(plan, period, [tmp_path / "in" / period.slug])
        assert history.record(db, period, batch.validation.accepted) == history.Recorded(added=1)
    labels = [p.label for p in sorted(periods)]
    assert [row[0] for row in history.periods(db)] == labels
    assert [row[1] for row in history.periods(db)] == [1, 1, 1]
    seen = [value.period.label for value in history.load_past(db)]
    assert seen == sorted(seen, key=labels.index) and set(seen) == set(labels)
    assert [row[0] for row in history.team_rows(db, A)] == sorted(
        [row[0] for row in history.team_rows(db, A)], key=labels.index)
    assert history.team_rows(db, B) == []


def test_strict_consolidation_records_nothing_when_a_return_has_problems(plan: Plan, tmp_path: Path) -> None:
    template = make_templates(plan, Q3, tmp_path / "t", teams=[A])[0]

    def no_commentary(sheet, key, indicator, period):
        status, actual, _ = known("x")(sheet, key, indicator, period)
        return "Red", actual, None  # Red without commentary: an error

    fill(plan, Q3, template, tmp_path / "in" / "a.xlsx", no_commentary)
    batch = run_validation(plan, Q3, [tmp_path / "in"])
    assert batch.validation.has_problems()
    db = tmp_path / "qmr.db"
    run_consolidation(plan, Q3, batch, tmp_path / "out" / "QMR.xlsx", db=db, strict=True)
    assert history.load_past(db) == []
    run_consolidation(plan, Q3, batch, tmp_path / "out" / "QMR.xlsx", db=db)
    assert {v.team for v in history.load_past(db)} == {A}


def _direction_answers(label: str, this_year: bool):
    """Last year: a base figure. This year: up, down or level by row key (target PIs: nearer, level
    distance on the other side, or further from the target)."""
    def answer(sheet, key, indicator, period):
        commentary = f"{label}: {key}"
        if indicator is None:
            return "Green", None, commentary
        if not indicator.numeric:
            return "Green", f"{label} text", commentary
        move = ("up", "down", "level")[_hash(key) % 3]
        target = indicator.annual_target
        if indicator.polarity == "target" and isinstance(target, (int, float)):
            before = target + 2
            now = {"up": target + 1, "down": target + 4, "level": target - 2}[move]
        else:
            before = 40.0
            now = {"up": 45.0, "down": 35.0, "level": 40.0}[move]
        return "Green", now if this_year else before, commentary
    return answer


def expected_direction(indicator, key: str) -> str:
    move = ("up", "down", "level")[_hash(key) % 3]
    if not indicator.numeric or indicator.polarity not in ("higher", "lower", "target"):
        return ""
    if indicator.polarity == "target":
        if not isinstance(indicator.annual_target, (int, float)):
            return ""
        return {"up": "better", "down": "worse", "level": "same"}[move]  # nearer / further / as near
    if move == "level":
        return "same"
    return "better" if (move == "up") == (indicator.polarity == "higher") else "worse"


@pytest.mark.parametrize("period", [Period(2015, 3), Period(2015, 4)], ids=lambda p: p.slug)
def test_direction_of_travel_from_last_year(plan: Plan, tmp_path: Path, period: Period) -> None:
    db = tmp_path / "qmr.db"
    last_year = period.same_quarter_last_year()
    for when, this_year in ((last_year, False), (period, True)):
        inbox = tmp_path / "in" / when.slug
        for template in make_templates(plan, when, tmp_path / "t" / when.slug):
            fill(plan, when, template, inbox / template.name, _direction_answers(when.label, this_year))
        batch = run_validation(plan, when, [inbox], db=db)
        done = run_consolidation(plan, when, batch, tmp_path / "out" / f"{when.slug}.xlsx", db=db)
        consolidation, written = done.consolidation, done.written

    indicators = {i.ref: i for i in plan.indicators}
    book = openpyxl.load_workbook(written[0])
    rows = list(book["Data"].iter_rows(values_only=True))
    header = list(rows[0])
    data = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    shown = {(r["team"], r["ref"]): r["direction"] or "" for r in data if r["kind"] == "indicator"}
    wanted = {(i.team, i.ref): expected_direction(i, f"indicator:{i.ref}")
              for i in plan.indicators if i.due_in(period.quarter)}
    assert shown == wanted
    assert {"better", "worse", "same"} <= set(shown.values())
    if period.year_end:  # the closest-to-target PI is due at year end
        assert any(indicators[ref].polarity == "target" and d for (_, ref), d in shown.items())
    # the in-memory items agree with the sheet
    assert {(i.team, i.ref): i.direction for i in consolidation.items if i.kind is Kind.INDICATOR} == shown


def test_next_quarters_templates_start_from_this_quarters_commentary(plan: Plan, tmp_path: Path) -> None:
    db = tmp_path / "qmr.db"
    template = make_templates(plan, Q3, tmp_path / "t", teams=[A])[0]
    typed = fill(plan, Q3, template, tmp_path / "in" / "a.xlsx", known("autumn"))
    batch = run_validation(plan, Q3, [tmp_path / "in"])
    run_consolidation(plan, Q3, batch, tmp_path / "out" / "QMR.xlsx", db=db)

    q4 = Period(2015, 4)
    for team in (A, B):
        with_db = make_templates(plan, q4, tmp_path / "q4" / "db", teams=[team], db=db)[0]
        without = make_templates(plan, q4, tmp_path / "q4" / "plain", teams=[team])[0]
        for path, prefilled in ((with_db, team == A), (without, False)):
            book = load_workbook(path)
            rows = template_rows(book)
            assert rows
            for sheet_name, row, key in rows:
                sheet = layout.sheet_named(sheet_name)
                cell = book[sheet_name][sheet.cell("commentary", row)]
                assert not cell.protection.locked  # the clerk can overwrite it
                want = typed[key][2] if prefilled and key in typed else None
                assert (cell.value or None) == want, (path.name, key)
                assert (cell.value or None) is None or cell.data_type == "s"
        if team == A:  # most of A's Q4 rows were reported in Q3 (annual PIs only now start)
            assert sum(1 for _, _, key in template_rows(load_workbook(with_db)) if key in typed) >= len(typed) // 2


# lower is better, like CED031's vacancy rate; the register gives last year's outturn as 43.9
LOWER = "SCS CYP15"


def _pi_row(sheet, ref: str) -> dict[str, object]:
    """An appendix sheet's row for `ref`, by header (the header is row 4)."""
    header = [c.value for c in sheet[4]]
    row = next(r for r in sheet.iter_rows(min_row=5, values_only=True) if r[0] == ref)
    return dict(zip(header, row, strict=True))


def _docx_pi_row(path: Path, ref: str) -> dict[str, str]:
    """The QMR document's appendix row for `ref`, by its table's header."""
    document = docx.Document(str(path))
    for table in document.tables:
        header = [c.text for c in table.rows[0].cells]
        for row in table.rows[1:]:
            cells = [c.text for c in row.cells]
            if "Direction" in header and cells[0] == ref:
                return dict(zip(header, cells, strict=True))
    raise AssertionError(f"{ref} is in no PI appendix of {path}")


@pytest.mark.parametrize("comparable", [True, False], ids=["same-quarter-last-year", "no-comparable-quarter"])
def test_pi_appendix_shows_the_figure_the_arrow_compared_with(plan: Plan, tmp_path: Path,
                                                              comparable: bool) -> None:
    indicator = next(i for i in plan.indicators if i.ref == LOWER)
    assert indicator.polarity == "lower" and indicator.previous_actual == 43.9
    db = tmp_path / "qmr.db"
    # without a comparable quarter, history still holds this PI, only for another quarter
    earlier = Q3.same_quarter_last_year() if comparable else Period(2015, 2)

    def answers(figure: float):
        def answer(sheet, key, pi, period):
            if pi is None:
                return "Green", None, "On course."
            if not pi.numeric:
                return "Green", "As planned.", "On course."
            return "Red", figure if pi.ref == LOWER else 50.0, "Below where we want it."
        return answer

    for when, figure in ((earlier, 5.6), (Q3, 10.6)):
        template = make_templates(plan, when, tmp_path / "t" / when.slug, teams=[indicator.team])[0]
        fill(plan, when, template, tmp_path / "in" / when.slug / template.name, answers(figure))
        batch = run_validation(plan, when, [tmp_path / "in" / when.slug], db=db)
        master = run_consolidation(plan, when, batch, tmp_path / "out" / f"{when.slug}.xlsx", db=db).written[0]
    document = make_report(plan, Q3, batch, tmp_path / "out" / "QMR.docx").written[0]

    shown = _pi_row(openpyxl.load_workbook(master)["Other PIs"], LOWER)
    paper = _docx_pi_row(document, LOWER)
    data = next(r for r in openpyxl.load_workbook(master)["Data"].iter_rows(values_only=True) if r[6] == LOWER)
    header = next(openpyxl.load_workbook(master)["Data"].iter_rows(max_row=1, values_only=True))
    data = dict(zip(header, data, strict=True))
    # the register's figure stays, labelled as last year's outturn
    assert shown["Last year's outturn"] == 43.9 and paper["2014/15 outturn"] == "43.9"
    assert shown["Actual"] == 10.6 and paper["Q3 2015/16"] == "10.6"
    if comparable:
        # the arrow is computed against 5.6 in 2014/15 Q3, and says so: not against the outturn 43.9
        assert shown["Direction"] == "↓ worse" and shown["Compared with"] == "5.6 (2014/15 Q3)"
        assert paper["Direction"] == "↓ worse\nagainst 5.6 (2014/15 Q3)"
        assert (data["direction"], data["compared_period"], data["compared_actual"]) == ("worse", "2014/15 Q3", 5.6)
    else:
        assert shown["Direction"] is None and shown["Compared with"] == "no 2014/15 Q3 figure in history"
        assert paper["Direction"] == "no 2014/15 Q3 figure in history"  # no arrow, and why
        assert data["direction"] is None and data["compared_actual"] is None
        assert data["direction_note"] == "no 2014/15 Q3 figure in history"
