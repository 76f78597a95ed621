"""The register reader's fast paths give what the general ones give: text cells tidied without
normalise.text, refs compared without a regex, cached header keys, due dates and years, rows picked
out of the grid, and a fingerprint whose bytes are the stored ones (templates and history keep it)."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import openpyxl
from hypothesis import given
from hypothesis import strategies as st

from qmr.model import Polarity, Team, fingerprint_of
from qmr.normalise import text as cell_text
from qmr.plan.layout import MILESTONES, header_key
from qmr.plan.problems import Findings
from qmr.plan.rows import Row, plain_text, same_key
from qmr.plan.sheets import _picker, read_sheet
from qmr.plan.values import _due_of_text, financial_year, parse_due

# Every kind of space Python knows (str.isspace), and some that look like one but are not.
SPACES = st.sampled_from(["\u00a0", "\u2003", "\u3000", "\x1c", "\x85", "\t", "\n", "\r", "\u200b", "\ufeff"])
CELL_TEXT = st.lists(st.one_of(st.text(max_size=6), SPACES), max_size=8).map("".join)


@given(CELL_TEXT)
def test_text_cells_are_tidied_as_normalise_text_would(value: str) -> None:
    assert plain_text(value) == " ".join(cell_text(value).split())


@given(st.one_of(CELL_TEXT, st.none(), st.booleans(), st.floats(), st.integers(), st.dates()))
def test_a_rows_text_is_its_cells_plain_text(value: object) -> None:
    assert Row("Teams", 2, {"code": value}, {"code": "A"}).text("code") == plain_text(value)


def test_other_cells_keep_their_own_text() -> None:
    assert [plain_text(v) for v in (None, True, False, 3.0, 2.5, 7, float("nan"), datetime(2016, 3, 31))] == [
        "", "Yes", "No", "3", "2.5", "7", "", "2016-03-31"]


@given(CELL_TEXT)
def test_same_key_drops_what_a_whitespace_regex_drops(ref: str) -> None:
    assert same_key(ref) == re.sub(r"\s+", "", ref).upper()


@given(CELL_TEXT)
def test_header_key_of_text_is_the_uncached_one_every_time(text: str) -> None:
    expected = re.sub(r"[^a-z0-9]", "", text.lower())
    assert header_key(text) == expected
    assert header_key(text) == expected  # from the cache


def test_header_key_of_other_values_tells_types_apart() -> None:
    # 1, 1.0 and True are equal as keys of a cache; their header keys are not
    assert [header_key(v) for v in (1, 1.0, True, None, 0, "")] == ["1", "10", "true", "", "", ""]


def test_due_texts_read_from_the_cache_are_the_first_reading() -> None:
    for text in ("Mar 2016", " mar  2016. ", "31/03/2016", "Q4 2015/16", "Ongoing", "31/02/2016", "", "soon"):
        first = parse_due(text)
        assert parse_due(text) == first == _due_of_text.__wrapped__(text)  # cached, and as read uncached
    assert parse_due(" mar  2016. ") == parse_due("Mar 2016")
    assert parse_due(datetime(2016, 3, 1)) == parse_due(date(2016, 3, 1))
    assert parse_due(date(2016, 3, 1)).note == "a date on the 1st is read as the whole month"  # type: ignore[union-attr]
    assert parse_due(42460).note == "an Excel day number"  # type: ignore[union-attr]
    assert parse_due("Mar 2016").note == ""  # type: ignore[union-attr]
    assert parse_due("31/02/2016") is None


def test_financial_years_read_from_the_cache_are_the_first_reading() -> None:
    assert [financial_year(t) for t in ("2015-16", "2015-16", " 15 / 16 ", "2015/17", 2015.0)] == [
        "2015/16", "2015/16", "2015/16", None, None]


def test_rows_shorter_than_the_header_are_padded_with_blanks() -> None:
    pick = _picker((0, 2, 4))
    assert list(pick(["a", "b", "c", "d", "e"])) == ["a", "c", "e"]
    assert list(pick(["a", "b", "c"])) == ["a", "c", None]
    assert list(pick([])) == [None, None, None]
    assert list(_picker((1,))(["a", "b"])) == ["b"]


def test_blank_cells_and_rows_as_read_from_a_workbook(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = MILESTONES.name
    ws.append([c.header for c in MILESTONES.columns])
    ws.append(["M1", "O1", "  ", None, "2015/16"])
    ws.append(["   ", None, "\t"])
    ws.append([None, None, None, None, None, None, 0])
    book.save(tmp_path / "r.xlsx")
    from python_calamine import CalamineWorkbook

    calamine = CalamineWorkbook.from_path(str(tmp_path / "r.xlsx"))
    rows = read_sheet(calamine, tmp_path / "r.xlsx", MILESTONES.name, MILESTONES, Findings("r.xlsx"))
    assert [(row.number, row.values) for row in rows] == [
        (2, {"id": "M1", "objective_ref": "O1", "text": None, "due": None, "year": "2015/16", "team": None,
             "responsible_officer": None}),
        (4, {"id": None, "objective_ref": None, "text": None, "due": None, "year": None, "team": None,
             "responsible_officer": 0}),
    ]


def test_fingerprint_bytes_are_unchanged() -> None:
    # the value main's encoder gave for this content: a change here invalidates stored templates
    content = {
        "teams": (Team("BSC-FIN", "Finance", "Resources", "", "", "clerk", "a@b.org", "DM"),),
        "polarity": Polarity.HIGHER, "kind": Team, "day": date(2016, 3, 31),
        "figures": [1.5, None, True, "N/A"], "settings": {"b": "2", "a": "é"},
    }
    assert fingerprint_of(content) == "edcb1d62ade6bf53"
