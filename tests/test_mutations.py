"""Hostile edits to real filled returns, through the real pipeline (collect, then validate).

Valid returns are filled once per module the way a clerk fills them (conftest's plan, 2008/09 Q2 and
Q4, every team); hypothesis then damages copies of them in the ways people and programs do: cells
overwritten with any kind of value, rows inserted and deleted, sheets renamed, removed, reordered or
hidden, the identity changed, and the file itself truncated, bit-flipped or with zip members removed
or replaced. Whatever happens, nothing may escape: each file is either accepted or rejected with a
finding that names it, and every finding says where and what to do.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, MergedCell
from openpyxl.workbook.workbook import Workbook

from conftest import make_plan
from qmr.collect.sources import collect
from qmr.cycle import Batch, write_feedback_copies
from qmr.demo.simulate import Answer, fill_return, simulate
from qmr.judge.judgement import expected_rows
from qmr.judge.validate import Validation, validate
from qmr.model import Plan, Severity, Status
from qmr.period import Period
from qmr.returns import layout
from qmr.returns.template import write_templates

PLAN = make_plan()
PERIODS = (Period(2008, 2), Period(2008, 4))
TEAMS = tuple(t.code for t in PLAN.teams)
RETURN_NAME = "return.xlsx"

# Names the mutations pick sheets by; an index beyond these means "whatever sheet sits there".
KNOWN_SHEETS = (layout.INSTRUCTIONS_SHEET, *(s.name for s in layout.ITEM_SHEETS), layout.NARRATIVE_SHEET,
                layout.SIGNOFF_SHEET, layout.IDENTITY_SHEET)


@dataclass(frozen=True)
class Original:
    period: Period
    team: str
    data: bytes = field(repr=False)


@pytest.fixture(scope="module")
def originals(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[int, str], Original]:
    """A complete, valid, signed return for every team in Q2 and Q4, filled as a clerk fills it; one
    per period also carries loosely typed values (so normalisation is exercised)."""
    root = tmp_path_factory.mktemp("mutations")
    found: dict[tuple[int, str], Original] = {}
    for period in PERIODS:
        write_templates(PLAN, period, root / period.slug)
        for team in TEAMS:
            filled = simulate(PLAN, team, period, seed=11, signed=period.end + timedelta(days=9))
            if team == "BSC-HR":
                filled.answers["indicator:BSC Ll21"] = Answer(" green ", "9.5%", "Typed loosely")
                filled.answers["milestone:BPR2.2"] = Answer("g", None, "On course")
            out = root / "filled" / period.slug / f"{team}.xlsx"
            fill_return(root / period.slug / f"{period.slug}_{team}.xlsx", out, filled)
            found[(period.quarter, team)] = Original(period, team, out.read_bytes())
    return found


# --- reading a folder holding one file, through the whole pipeline --------------------------------


@dataclass
class Outcome:
    name: str
    validation: Validation


def run_pipeline(plan: Plan, period: Period, data: bytes, *, feedback: bool = False) -> Outcome:
    """Put `data` alone in a fresh folder as `return.xlsx`, collect the folder, validate (and, with
    `feedback`, write the feedback copies); check the file was not changed by any of it."""
    with tempfile.TemporaryDirectory() as folder:
        inbox = Path(folder) / "inbox"
        inbox.mkdir()
        path = inbox / RETURN_NAME
        path.write_bytes(data)
        candidates, findings, records = collect([inbox])
        validation = validate(plan, period, candidates, workers=1).after(findings, records)
        if feedback:
            batch = Batch(validation, tuple(t.code for t in plan.teams))
            for copy in write_feedback_copies(batch, Path(folder) / "feedback", period).written:
                with zipfile.ZipFile(copy) as package:  # a whole workbook package, not half of one
                    assert "xl/workbook.xml" in package.namelist()
        assert hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256(data).digest(), "input changed"
        return Outcome(str(path), validation)


def assert_accepted_or_rejected(plan: Plan, period: Period, outcome: Outcome) -> None:
    validation, name = outcome.validation, outcome.name
    for finding in validation.findings:
        assert finding.file == name, finding  # located: the only file there is
        assert finding.message, finding
        if finding.severity is not Severity.INFO:
            assert finding.action, f"no action for {finding}"
    accepted = [r for r in validation.accepted if r.file == name]
    rejected = [f for f in validation.findings if f.severity is Severity.REJECTED]
    if currently_in_test_context():  # statistics for --hypothesis-show-statistics
        event("accepted" if accepted else f"rejected: {sorted({f.code for f in rejected})}")
    outcomes = [s.outcome for s in validation.sources if s.file == name]
    assert len(validation.accepted) == len(accepted) <= 1
    if accepted:
        assert not rejected, rejected
        assert outcomes == ["accepted"]
        ret = accepted[0]
        assert plan.team(ret.team) is not None
        expected = expected_rows(plan, ret.team, period)
        assert set(ret.items) <= set(expected)
        for key, item in ret.items.items():
            assert item.key == key and isinstance(item.status, Status)
            assert item.actual is None or isinstance(item.actual, (float, str))
            assert isinstance(item.commentary, str)
    else:
        assert rejected, f"neither accepted nor rejected: {[str(f) for f in validation.findings]}"
        assert outcomes == ["rejected"], outcomes


# --- workbook-level mutations (openpyxl, as another program would save the file) -------------------

CONTROL_TOKEN = "QMRCONTROLTOKEN"


@dataclass
class Mutated:
    """A workbook being mutated, and control characters still to be put into its XML after saving."""

    book: Workbook
    control: list[tuple[str, str, bool]] = field(default_factory=list)  # (token, characters, raw)


def _sheet(book: Workbook, which: int | str):
    names = book.sheetnames
    if isinstance(which, str):
        return book[which] if which in names else None
    return book.worksheets[which % len(book.worksheets)] if book.worksheets else None


def _set(m: Mutated, which: int | str, row: int, column: int, value: object) -> None:
    ws = _sheet(m.book, which)
    if ws is None:
        return
    cell = ws.cell(row=row, column=column)
    if isinstance(cell, MergedCell):
        cell = ws.cell(row=row, column=1) if not isinstance(ws.cell(row=row, column=1), MergedCell) else None
        if cell is None:
            return
    kind, payload = value if isinstance(value, tuple) else ("value", value)
    if kind == "value" and isinstance(payload, str) and ILLEGAL_CHARACTERS_RE.search(payload):
        kind, payload = "control", (payload, False)  # openpyxl refuses these: put them in the XML itself
    if kind in ("value", "formula"):  # a formula is saved with no cached result (as openpyxl saves it)
        cell.value = payload
    elif kind == "formula-as-text":  # looks like a formula, stored as text
        cell.value = payload
        cell.data_type = "s"
    elif kind == "control":
        chars, raw = payload
        token = f"{CONTROL_TOKEN}{len(m.control)}X"
        m.control.append((token, chars, raw))
        cell.value = token
        cell.data_type = "s"


def apply_workbook_mutation(m: Mutated, mutation: tuple) -> None:
    op, *args = mutation
    book = m.book
    if op == "cell":
        which, row, column, value = args
        _set(m, which, row, column, value)
    elif op in ("insert-rows", "delete-rows", "insert-cols", "delete-cols"):
        which, index, amount = args
        ws = _sheet(book, which)
        if ws is not None:
            getattr(ws, op.replace("-", "_"))(index, amount)
    elif op == "rename":
        which, title = args
        ws = _sheet(book, which)
        if ws is not None:
            ws.title = title
    elif op == "remove":
        (which,) = args
        ws = _sheet(book, which)
        if ws is not None and len(book.worksheets) > 1:
            book.remove(ws)
    elif op == "move":
        which, offset = args
        ws = _sheet(book, which)
        if ws is not None:
            index = book.worksheets.index(ws)
            book.move_sheet(ws, max(-index, min(offset, len(book.worksheets) - 1 - index)))
    elif op == "state":
        which, state = args
        ws = _sheet(book, which)
        if ws is not None:
            ws.sheet_state = state
    else:  # pragma: no cover - the strategies produce only the above
        raise AssertionError(op)


def save_mutated(m: Mutated) -> bytes:
    book = m.book
    visible = [ws for ws in book.worksheets if ws.sheet_state == "visible"]
    if not visible:  # Excel cannot save a workbook with no visible sheet, and neither can openpyxl
        book.worksheets[0].sheet_state = "visible"
        visible = [book.worksheets[0]]
    book.active = book.worksheets.index(visible[0])
    for ws in book.worksheets:
        ws.sheet_view.tabSelected = ws is visible[0]
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    if m.control:
        data = rewrite_members(data, lambda name, xml: _put_control(xml, m.control))
    return data


def _put_control(xml: bytes, control: list[tuple[str, str, bool]]) -> bytes:
    for token, chars, raw in control:
        # raw: characters XML 1.0 forbids (the file is then malformed); else Excel's own _xHHHH_ escapes
        text = escape(chars)
        if not raw:
            text = ILLEGAL_CHARACTERS_RE.sub(lambda match: f"_x{ord(match.group()):04X}_", text)
        xml = xml.replace(token.encode(), text.encode())
    return xml


# --- byte-level mutations -----------------------------------------------------------------------


def rewrite_members(data: bytes, change) -> bytes:
    """The same zip package with each member's bytes passed through change(name, bytes) (None drops it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            new = change(info.filename, source.read(info.filename))
            if new is not None:
                target.writestr(info.filename, new)
    return out.getvalue()


def apply_byte_mutation(data: bytes, mutation: tuple) -> bytes:
    op, *args = mutation
    if op == "truncate":
        (offset,) = args
        return data[: offset % (len(data) + 1)]
    if op == "flip":
        (flips,) = args
        changed = bytearray(data)
        for offset, mask in flips:
            if changed:
                changed[offset % len(changed)] ^= mask
        return bytes(changed)
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return data  # already broken past zip surgery
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            contents = {name: archive.read(name) for name in names}
    except Exception:  # an earlier flip broke a member: damaged enough
        return data
    if not names:
        return data
    (which, payload) = args if op == "replace-member" else (args[0], None)
    victim = names[which % len(names)]
    if op == "remove-member":
        return rewrite_members(data, lambda name, xml: None if name == victim else xml)
    # replace-member
    kind, value = payload
    original = contents[victim]
    new = {
        "bytes": lambda: value,
        "empty": lambda: b"",
        "truncated": lambda: original[: value % (len(original) + 1)],
        "other-member": lambda: contents[names[value % len(names)]],
        "xml": lambda: value,
    }[kind]()
    return rewrite_members(data, lambda name, xml: new if name == victim else xml)


# --- strategies ---------------------------------------------------------------------------------

FORMULAS = ("=1/0", '=HYPERLINK("http://example.org","click")', "=SUM(A1:A3)", "=A1", "+1", "-2+3",
            "@SUM(1)", '=cmd|" /C calc"!A0', "=IF(1,\"Green\")", "=#REF!")
LOOSE = ("Green", "Amber", "Red", "N/A", "Missing", "g", " GREEN ", "a", "r", "n/a", "na", "Purple", "yes",
         "Yes", "No", "75%", "0.75", "75", "tbc", "1,234.5", "£1,000", "-0", "1e309", "nan", "TRUE",
         "#N/A", "#DIV/0!", "BSC-HR", "BSC-COM", "BSC-XYZ", "2008/09 Q2", "2008/09 Q4", "2009/10 Q1",
         "format_version", "team", "milestone:BPR1.1", "indicator:BPR LI1", "Milestones", "Indicators",
         "1", "99", "-1", "0", "", " ", "\n", "\t", "31/02/2009", "2009-04-10", "10 April 2009")

values = st.one_of(
    st.none(),
    st.sampled_from(LOOSE),
    st.text(max_size=30),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=date(1900, 3, 1), max_value=date(9999, 12, 31)),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(9999, 12, 31)),
    st.times(),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3000)),
    st.tuples(st.just("formula"), st.sampled_from(FORMULAS)),
    st.tuples(st.just("formula-as-text"), st.sampled_from(FORMULAS)),
    st.integers(min_value=200, max_value=40_000).map(lambda n: ("value", ("long text " * (n // 10 + 1))[:n])),
    st.tuples(st.just("control"), st.tuples(
        st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=31), min_size=1, max_size=4),
        st.booleans())),
)

sheet_refs = st.one_of(st.sampled_from(KNOWN_SHEETS), st.integers(min_value=0, max_value=20))


def _input_cells(sheet: layout.ItemSheet, columns: list[int], typed: st.SearchStrategy = values
                 ) -> st.SearchStrategy[tuple]:
    return st.tuples(st.just("cell"), st.just(sheet.name), st.integers(layout.FIRST_ROW, layout.FIRST_ROW + 3),
                     st.sampled_from(columns), typed)


def clerk_cells_of(typed: st.SearchStrategy) -> st.SearchStrategy[tuple]:
    """What a clerk can type into: the inputs of every item sheet, the sign-off, the narrative."""
    return st.one_of(
        *(_input_cells(sheet, [sheet.index(f.key) for f in sheet.inputs], typed) for sheet in layout.ITEM_SHEETS),
        st.tuples(st.just("cell"), st.just(layout.SIGNOFF_SHEET),
                  st.sampled_from([c.row for c in layout.SIGNOFF_CELLS]), st.just(3), typed),
        st.tuples(st.just("cell"), st.just(layout.NARRATIVE_SHEET),
                  st.integers(layout.FIRST_ROW, layout.FIRST_ROW + 16), st.integers(1, 3), typed),
    )


def _calamine_cannot_date(value: object) -> bool:
    """A number so far below zero that calamine panics turning it into a date (see
    test_a_number_calamine_cannot_date_is_a_clean_rejection)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value < -1e11


clerk_cells = clerk_cells_of(values)
readable_clerk_cells = clerk_cells_of(values.filter(lambda v: not _calamine_cannot_date(v)))

cell_mutations = st.one_of(
    clerk_cells,
    st.tuples(st.just("cell"), sheet_refs, st.integers(1, 40), st.integers(1, 16), values),
    *(_input_cells(sheet, [sheet.index(sheet.ref_field)]) for sheet in layout.ITEM_SHEETS),
    # the identity: its key/value pairs, then the row keys
    st.tuples(st.just("cell"), st.just(layout.IDENTITY_SHEET),
              st.integers(1, layout.IDENTITY_KEYS_HEADER_ROW + 12), st.integers(1, 4), values),
)

titles = st.one_of(
    st.sampled_from([*KNOWN_SHEETS, "milestones", "INDICATORS", "Indicators ", "PIs", "What to fix", "Sheet1"]),
    st.text(alphabet=st.characters(blacklist_characters="[]:*?/\\'", blacklist_categories=("Cs", "Cc")),
            min_size=1, max_size=31).filter(lambda t: t.strip() == t),
)

workbook_mutations = st.one_of(
    cell_mutations,
    cell_mutations,
    st.tuples(st.sampled_from(["insert-rows", "delete-rows", "insert-cols", "delete-cols"]), sheet_refs,
              st.integers(1, 30), st.integers(1, 3)),
    st.tuples(st.just("rename"), sheet_refs, titles),
    st.tuples(st.just("remove"), sheet_refs),
    st.tuples(st.just("move"), sheet_refs, st.integers(-8, 8)),
    st.tuples(st.just("state"), sheet_refs, st.sampled_from(["hidden", "veryHidden", "visible"])),
)

member_payloads = st.one_of(
    st.tuples(st.just("bytes"), st.binary(max_size=200)),
    st.tuples(st.just("empty"), st.none()),
    st.tuples(st.just("truncated"), st.integers(0, 10**6)),
    st.tuples(st.just("other-member"), st.integers(0, 50)),
    st.tuples(st.just("xml"), st.sampled_from([
        b"<?xml version='1.0'?><worksheet/>",
        b"<?xml version='1.0'?><a><b>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><x>&b;</x>',
        b"<?xml version='1.0' encoding='UTF-16'?><x/>",
        b"\xef\xbb\xbf<sst xmlns='http://schemas.openxmlformats.org/spreadsheetml/2006/main' count='9'/>",
    ])),
)

byte_mutations = st.one_of(
    st.tuples(st.just("truncate"), st.integers(0, 10**6)),
    st.tuples(st.just("flip"), st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 255)), min_size=1,
                                        max_size=8)),
    st.tuples(st.just("remove-member"), st.integers(0, 50)),
    st.tuples(st.just("replace-member"), st.integers(0, 50), member_payloads),
)

which_return = st.tuples(st.sampled_from([p.quarter for p in PERIODS]), st.sampled_from(TEAMS))

COMMON = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                       HealthCheck.too_slow, HealthCheck.data_too_large])


def mutate(original: Original, wb_ops: list[tuple], byte_ops: list[tuple]) -> bytes:
    data = original.data
    if wb_ops:
        m = Mutated(load_workbook(io.BytesIO(data)))
        for op in wb_ops:
            apply_workbook_mutation(m, op)
        data = save_mutated(m)
    for op in byte_ops:
        data = apply_byte_mutation(data, op)
    return data


@settings(COMMON, max_examples=160)
@given(which=which_return, wb_ops=st.lists(workbook_mutations, min_size=1, max_size=5))
def test_workbook_edits_never_escape(originals, which, wb_ops) -> None:
    original = originals[which]
    data = mutate(original, wb_ops, [])
    assert_accepted_or_rejected(PLAN, original.period, run_pipeline(PLAN, original.period, data, feedback=True))


@settings(COMMON, max_examples=100)
@given(which=which_return, values_typed=st.lists(readable_clerk_cells, min_size=1, max_size=12))
def test_any_values_typed_into_the_inputs_never_reject(originals, which, values_typed) -> None:
    """Whatever lands in the cells a clerk may type into, the return is accepted and read whole:
    bad values are findings about those cells, never a reason to refuse the file."""
    original = originals[which]
    data = mutate(original, values_typed, [])
    outcome = run_pipeline(PLAN, original.period, data)
    assert_accepted_or_rejected(PLAN, original.period, outcome)
    assert len(outcome.validation.accepted) == 1, [str(f) for f in outcome.validation.findings]
    assert set(outcome.validation.accepted[0].items) == set(expected_rows(PLAN, original.team, original.period))


def test_a_number_calamine_cannot_date_is_a_clean_rejection(originals) -> None:
    """calamine panics (a Rust panic, a BaseException in Python) on a date cell holding -1e20; the file
    is refused with a finding, and the rest of the batch goes on."""
    original = originals[(4, "BSC-FIN")]
    row = next(c.row for c in layout.SIGNOFF_CELLS if c.key == "date")
    data = mutate(original, [("cell", layout.SIGNOFF_SHEET, row, 3, -1e20)], [])
    outcome = run_pipeline(PLAN, original.period, data)
    assert_accepted_or_rejected(PLAN, original.period, outcome)
    (finding,) = [f for f in outcome.validation.findings if f.severity is Severity.REJECTED]
    assert finding.code == "date-impossible" and "date" in finding.action
    assert (finding.sheet, finding.cell) == (layout.SIGNOFF_SHEET, f"{layout.SIGNOFF_VALUE_COLUMN}{row}")


@settings(COMMON, max_examples=120)
@given(which=which_return, byte_ops=st.lists(byte_mutations, min_size=1, max_size=3))
def test_damaged_files_never_escape(originals, which, byte_ops) -> None:
    original = originals[which]
    data = mutate(original, [], byte_ops)
    assert_accepted_or_rejected(PLAN, original.period, run_pipeline(PLAN, original.period, data))


@settings(COMMON, max_examples=60)
@given(which=which_return, wb_ops=st.lists(workbook_mutations, max_size=3),
       byte_ops=st.lists(byte_mutations, min_size=1, max_size=2))
def test_edited_then_damaged_files_never_escape(originals, which, wb_ops, byte_ops) -> None:
    original = originals[which]
    data = mutate(original, wb_ops, byte_ops)
    assert_accepted_or_rejected(PLAN, original.period, run_pipeline(PLAN, original.period, data, feedback=True))


# --- the baseline: the unmutated returns are accepted, and re-saving changes nothing read --------


def read_back(period: Period, data: bytes) -> tuple:
    """Everything validation read from one return, without the file name."""
    outcome = run_pipeline(PLAN, period, data)
    validation = outcome.validation
    assert len(validation.accepted) == 1, [str(f) for f in validation.findings]
    ret = validation.accepted[0]
    narrative = tuple((n.team, n.type, n.title, n.text, n.source_cell) for n in ret.narrative)
    findings = sorted((f.severity.value, f.code, f.sheet, f.cell, f.message, f.action, f.team)
                      for f in validation.findings)
    return ret.team, ret.items, ret.signed_off, narrative, findings


@pytest.mark.parametrize("quarter", [p.quarter for p in PERIODS])
@pytest.mark.parametrize("team", TEAMS)
def test_unmutated_returns_are_accepted_whole(originals, quarter: int, team: str) -> None:
    original = originals[(quarter, team)]
    read_team, items, signed, narrative, findings = read_back(original.period, original.data)
    assert read_team == team
    assert set(items) == set(expected_rows(PLAN, team, original.period))
    assert all(item.status is not Status.MISSING for item in items.values())
    assert signed == original.period.end + timedelta(days=9)
    assert narrative
    assert not [f for f in findings if f[0] in ("rejected", "error")], findings
    if team == "BSC-HR":  # the loosely typed values were read, and said so
        assert items["indicator:BSC Ll21"].status is Status.GREEN
        assert items["indicator:BSC Ll21"].actual == pytest.approx(9.5)
        assert items["milestone:BPR2.2"].status is Status.GREEN
        assert {"status-normalised", "actual-normalised"} <= {f[1] for f in findings}


def resave(data: bytes, times: int = 1) -> bytes:
    for _ in range(times):
        buffer = io.BytesIO()
        load_workbook(io.BytesIO(data)).save(buffer)
        data = buffer.getvalue()
    return data


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=which_return, times=st.integers(1, 3))
def test_resaved_returns_read_the_same(originals, which, times: int) -> None:
    original = originals[which]
    resaved = resave(original.data, times)
    assert read_back(original.period, resaved) == read_back(original.period, original.data)


# Characters a clerk can type into a cell (openpyxl refuses the C0 controls other than tab/newline).
typed_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters=[
    chr(c) for c in range(32) if chr(c) not in "\t\n"]), max_size=60)


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("templates")
    for period in PERIODS:
        write_templates(PLAN, period, root)
    return root


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=which_return, seed=st.integers(0, 1000), data=st.data())
def test_any_typed_answers_survive_resaving(templates, which, seed: int, data) -> None:
    """Whatever a clerk types (any status spelling, any actual, any commentary), re-saving the
    workbook in another program reads back to exactly the same items and findings."""
    quarter, team = which
    period = next(p for p in PERIODS if p.quarter == quarter)
    filled = simulate(PLAN, team, period, seed=seed)
    for key in sorted(filled.answers):
        if data.draw(st.booleans(), label=f"change {key}"):
            filled.answers[key] = Answer(
                data.draw(st.one_of(st.none(), st.sampled_from(LOOSE), typed_text), label="status"),
                # openpyxl writes 15 significant digits, so 1.7976931348623157e308 would come back as
                # infinity: keep to the range a spreadsheet can hold exactly (Excel's own is 9.99e307)
                data.draw(st.one_of(st.none(), st.floats(min_value=-1e300, max_value=1e300),
                                    st.integers(-(10**9), 10**9), typed_text), label="actual"),
                data.draw(st.one_of(st.none(), typed_text), label="commentary"))
    with tempfile.TemporaryDirectory() as folder:
        filled_path = fill_return(templates / f"{period.slug}_{team}.xlsx", Path(folder) / "filled.xlsx", filled)
        first = filled_path.read_bytes()
    assert read_back(period, resave(first)) == read_back(period, first)
