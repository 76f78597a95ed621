"""The officer's control workbook, the VBA modules and the xlwings entry points (macros/).

xlwings needs desktop Excel, which this machine cannot have: the entry points run here against a
small stand-in for xlwings' Book / Sheet / Range, backed by the generated control workbook itself
(openpyxl), so the named cells they read and write are the real ones.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from conftest import convert
from qmr import cli
from qmr import cycle as quarter
from qmr.cells import column_letter
from qmr.control.workbook import (
    FINDINGS_COLUMNS,
    FINDINGS_NAME,
    RESULTS,
    SETTINGS,
    ControlError,
    read_control,
    setting_cells,
    write_control_workbook,
)
from qmr.demo.simulate import Answer, fill_return, simulate
from qmr.period import Period
from qmr.returns import layout

MACROS = Path(__file__).parent.parent / "macros"
Q3 = Period(2008, 3)


def load_entry_points():
    spec = importlib.util.spec_from_file_location("qmr_xlwings", MACROS / "qmr_xlwings.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------------------------------------
# A stand-in for the parts of xlwings the entry points use, over an openpyxl workbook


class FakeRange:
    def __init__(self, sheet: FakeSheet, row: int, column: int, last: tuple[int, int] | None = None):
        self.sheet, self.row, self.column = sheet, row, column
        self.last = last or (row, column)

    @property
    def value(self):
        return self.sheet.ws.cell(self.row, self.column).value

    @value.setter
    def value(self, value) -> None:
        rows = value if isinstance(value, list) and value and isinstance(value[0], list) else [[value]]
        for r, row in enumerate(rows):
            for c, item in enumerate(row):
                self.sheet.ws.cell(self.row + r, self.column + c).value = item

    def clear_contents(self) -> None:
        for r in range(self.row, self.last[0] + 1):
            for c in range(self.column, self.last[1] + 1):
                self.sheet.ws.cell(r, c).value = None

    def get_address(self, row_absolute=True, column_absolute=True, include_sheetname=False) -> str:
        cell = f"{column_letter(self.column)}{self.row}"
        return f"{self.sheet.ws.title}!{cell}" if include_sheetname else cell

    @property
    def last_cell(self) -> FakeRange:
        return FakeRange(self.sheet, *self.last)


class FakeSheet:
    def __init__(self, ws):
        self.ws = ws

    def range(self, first: tuple[int, int], last: tuple[int, int] | None = None) -> FakeRange:
        return FakeRange(self, first[0], first[1], last)

    @property
    def used_range(self) -> FakeRange:
        return FakeRange(self, 1, 1, (self.ws.max_row, self.ws.max_column))


class FakeName:
    def __init__(self, book: FakeBook, name: str):
        sheet, cell = next(iter(book.wb.defined_names[name].destinations))
        coordinate = openpyxl.utils.cell.coordinate_from_string(cell.replace("$", ""))
        self.refers_to_range = FakeRange(FakeSheet(book.wb[sheet]), coordinate[1],
                                         openpyxl.utils.column_index_from_string(coordinate[0]))


class FakeNames:
    def __init__(self, book: FakeBook):
        self.book = book

    def __getitem__(self, name: str) -> FakeName:
        return FakeName(self.book, name)


class FakeBook:
    def __init__(self, path: Path):
        self.fullname = str(path)
        self.wb = openpyxl.load_workbook(path)
        self.names = FakeNames(self)


# ------------------------------------------------------------------------------------------------
# A working folder with this quarter's returns: one clean, one careless, one team missing


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> quarter.Folder:
    work = quarter.init_folder(tmp_path / "work", "bpr-2008-09")
    plan, _ = quarter.load_plan(work.plan)
    templates = {t.stem.split("_", 1)[1]: t for t in quarter.make_templates(plan, Q3, work.templates_for(Q3))}
    signed = date(2009, 1, 12)
    fill_return(templates["BSC-FIN"], work.returns_for(Q3) / "finance.xlsx",
                simulate(plan, "BSC-FIN", Q3, 7, signed=signed))
    careless = simulate(plan, "BSC-PP", Q3, 7, signed=signed)
    key = next(k for k in careless.answers if k.startswith("milestone:"))
    careless.answers[key] = Answer("Amber", None, "")
    fill_return(templates["BSC-PP"], work.returns_for(Q3) / "planning.xlsx", careless)
    monkeypatch.chdir(work.root)
    return work


def control(folder: quarter.Folder, **values: str) -> Path:
    return write_control_workbook(folder.root / "control.xlsx", {"period": "2008/09 Q3"} | values)


def invoke(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(cli.main, [str(a) for a in args], prog_name="qmr")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result.exit_code, result.output


# ------------------------------------------------------------------------------------------------
# The workbook and its names


def test_every_setting_has_a_named_cell_with_its_default(tmp_path: Path) -> None:
    path = write_control_workbook(tmp_path / "control.xlsx")
    book = openpyxl.load_workbook(path)
    for setting in SETTINGS + RESULTS:
        sheet, cell = next(iter(book.defined_names[setting.name].destinations))
        assert (sheet, cell) == ("Settings", setting_cells()[setting.name])
        if setting in SETTINGS:
            assert (book[sheet][cell.replace("$", "")].value or "") == setting.default
    sheet, cell = next(iter(book.defined_names[FINDINGS_NAME].destinations))
    assert [c.value for c in book[sheet][1]][: len(FINDINGS_COLUMNS)] == list(FINDINGS_COLUMNS)
    settings = read_control(path)
    assert settings.plan == tmp_path / "plan.xlsx" and settings.period is None and settings.command == "qmr"


def test_a_bad_setting_names_its_cell(tmp_path: Path) -> None:
    path = write_control_workbook(tmp_path / "control.xlsx", {"period": "next quarter", "deadline": "soon"})
    with pytest.raises(ControlError, match=r"Settings!B5: .*2015/16 Q3"):
        read_control(path)


def test_the_vba_modules_use_only_names_the_workbook_has(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(write_control_workbook(tmp_path / "control.xlsx"))
    console = (MACROS / "QmrConsole.bas").read_text()
    used = set(re.findall(r'NamedCell\("([A-Z_]+)"\)', console))
    assert used >= {"QMR_COMMAND", "QMR_PERIOD", "QMR_OUTPUT", "QMR_LAST_EXIT", "QMR_FINDINGS"}
    assert used <= set(book.defined_names.keys())
    for command in ("templates", "status", "validate", "consolidate", "report"):
        assert f'RunQmr "{command}"' in console


def test_the_return_check_module_follows_the_return_layout() -> None:
    module = (MACROS / "QmrReturnCheck.bas").read_text()
    constants = dict(re.findall(r'Private Const (\w+) As \w+ = ("[^"]*"|\S+)', module))
    assert int(constants["STATUS_ROW"]) == layout.STATUS_ROW
    assert int(constants["HEADER_ROW"]) == layout.HEADER_ROW
    assert int(constants["FIRST_ROW"]) == layout.FIRST_ROW
    assert constants["READY"].strip('"') == layout.READY
    assert constants["CHECK_HEADER"].strip('"') == "Check"


@pytest.mark.libreoffice
def test_the_control_workbook_opens_in_libreoffice_with_its_names(soffice: str, tmp_path: Path) -> None:
    path = write_control_workbook(tmp_path / "control.xlsx", {"period": "2008/09 Q3"})
    saved = convert(soffice, path, "xlsx", tmp_path / "libreoffice")
    settings = read_control(saved)  # every named cell survived the round trip
    assert settings.period == Q3 and settings.plan == saved.parent / "plan.xlsx"


# ------------------------------------------------------------------------------------------------
# qmr --control behaves as the same options on the command line


def test_control_gives_the_same_validation_as_the_command_line(folder: quarter.Folder, tmp_path: Path) -> None:
    path = control(folder)
    by_control = invoke("validate", "--control", path, "--quiet")
    report = folder.output_for(Q3) / f"findings_{Q3.slug}.xlsx"
    by_control_csv = report.with_suffix(".csv").read_bytes()
    assert (folder.output_for(Q3) / "feedback").is_dir()
    by_hand = invoke("validate", "--plan", "plan.xlsx", "--period", "2008/09 Q3", "returns/2008-09-Q3",
                     "--report", tmp_path / "by-hand.xlsx", "--feedback", tmp_path / "fb", "--quiet")
    assert by_control[0] == by_hand[0] == 1  # the careless return has an error
    assert by_control_csv == (tmp_path / "by-hand.csv").read_bytes()
    assert sorted(p.name for p in (folder.output_for(Q3) / "feedback").iterdir()) == \
        sorted(p.name for p in (tmp_path / "fb").iterdir())


def test_the_command_line_wins_over_the_control_workbook(folder: quarter.Folder, tmp_path: Path) -> None:
    path = control(folder, period="2008/09 Q1")
    code, _ = invoke("templates", "--control", path, "--period", "2008/09 Q3", "--quiet")
    assert code == 0
    assert (folder.templates_for(Q3) / f"{Q3.slug}_BSC-FIN.xlsx").exists()  # Q3, in Q3's own folder
    assert not folder.templates_for(Period(2008, 1)).exists()


def test_a_control_workbook_in_the_working_folder_is_used_without_the_option(folder: quarter.Folder) -> None:
    control(folder)
    code, _ = invoke("consolidate", "--quiet")  # no --period: the workbook's
    assert code == 1
    assert (folder.output_for(Q3) / f"QMR_{Q3.slug}.xlsx").exists()


def test_an_unusable_control_workbook_is_a_clear_message(folder: quarter.Folder) -> None:
    path = control(folder, period="someday")
    code, output = invoke("status", "--control", path)
    assert code == 2 and "Settings!B5" in output


# ------------------------------------------------------------------------------------------------
# The xlwings entry points, through the stand-in


def test_validate_entry_point_reads_the_named_cells_and_writes_back(folder: quarter.Folder) -> None:
    entry = load_entry_points()
    book = FakeBook(control(folder))
    book.wb["Findings"]["A40"] = "an old finding that must go"
    outcome = entry.validate(book)
    assert outcome.exit_code == 1
    cells = {name: cell.replace("$", "") for name, cell in setting_cells().items()}
    settings = book.wb["Settings"]
    assert settings[cells["QMR_LAST_COMMAND"]].value == "qmr validate"
    assert settings[cells["QMR_LAST_EXIT"]].value == 1
    assert "findings" in settings[cells["QMR_LAST_MESSAGE"]].value
    assert settings[cells["QMR_LAST_RUN"]].value
    findings = [[c.value for c in row] for row in book.wb["Findings"].iter_rows(min_row=2) if row[0].value]
    assert findings == [[str(getattr(f, column)) or None for column in FINDINGS_COLUMNS] for f in outcome.findings]
    assert any(row[0] == "error" and row[1] == "BSC-PP" for row in findings)
    assert book.wb["Findings"]["A40"].value is None
    assert (folder.output_for(Q3) / f"findings_{Q3.slug}.xlsx").exists()


def test_templates_and_status_entry_points(folder: quarter.Folder) -> None:
    entry = load_entry_points()
    book = FakeBook(control(folder))
    outcome = entry.status(book)
    assert outcome.exit_code == 1 and "BSC-MIC" in outcome.message  # the team that has not replied
    outcome = entry.templates(book)
    assert outcome.exit_code == 0 and len(outcome.written) == 3


def test_entry_points_use_the_working_folders_team_token(folder: quarter.Folder) -> None:
    """A button run gives templates their team tokens and checks returns' tokens, as the CLI does."""
    entry = load_entry_points()
    book = FakeBook(control(folder))
    written = entry.templates(book).written
    identity = openpyxl.load_workbook(written[0])[layout.IDENTITY_SHEET]
    assert identity[layout.identity_cell("team_token")].value  # the folder's secret made a token
    outcome = entry.validate(FakeBook(control(folder)))
    # the fixture's returns were filled from templates made without the secret
    assert {f.team for f in outcome.findings if f.code == "token-missing"} == {"BSC-FIN", "BSC-PP"}


def test_report_entry_point_writes_the_board_document(folder: quarter.Folder) -> None:
    entry = load_entry_points()
    book = FakeBook(control(folder))
    outcome = entry.report(book)
    assert outcome.written == (folder.output_for(Q3) / f"QMR_{Q3.slug}.docx",) and outcome.written[0].exists()
    cell = setting_cells()["QMR_LAST_COMMAND"].replace("$", "")
    assert book.wb["Settings"][cell].value == "qmr report"


def test_an_entry_point_with_a_blank_period_says_so_in_the_workbook(folder: quarter.Folder) -> None:
    entry = load_entry_points()
    book = FakeBook(write_control_workbook(folder.root / "control.xlsx"))
    outcome = entry.consolidate(book)
    cell = setting_cells()["QMR_LAST_MESSAGE"].replace("$", "")
    assert outcome.exit_code == 2 and "Period" in book.wb["Settings"][cell].value


def test_an_entry_point_refuses_a_period_outside_the_register(folder: quarter.Folder) -> None:
    entry = load_entry_points()
    book = FakeBook(control(folder, period="2015/16 Q3"))
    outcome = entry.templates(book)
    assert outcome.exit_code == 2 and "2008/09" in outcome.message and "2015/16 Q3" in outcome.message
    assert not folder.templates_for(Period(2015, 3)).exists()


def test_the_control_workbook_and_the_working_folder_name_the_same_outputs(folder: quarter.Folder) -> None:
    from qmr.control.workbook import command_defaults

    settings = read_control(control(folder))
    outputs = folder.outputs_for(Q3)
    assert command_defaults("validate", settings, None)["report"] == outputs.findings
    assert command_defaults("validate", settings, None)["feedback"] == outputs.feedback
    assert command_defaults("consolidate", settings, None)["out"] == outputs.master
    assert command_defaults("report", settings, None)["out"] == outputs.document


# ------------------------------------------------------------------------------------------------
# The core never imports xlwings


def test_the_core_never_imports_xlwings() -> None:
    script = """
import importlib, pkgutil, sys
class NoXlwings:
    def find_spec(self, name, path=None, target=None):
        if name == "xlwings" or name.startswith("xlwings."):
            raise ImportError("xlwings is not installed")
sys.meta_path.insert(0, NoXlwings())
import qmr
for info in pkgutil.walk_packages(qmr.__path__, "qmr."):
    importlib.import_module(info.name)
import runpy
runpy.run_path(sys.argv[1])  # the entry points themselves load without xlwings
assert not any(name.split(".")[0] == "xlwings" for name in sys.modules), "xlwings was imported"
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", script, str(MACROS / "qmr_xlwings.py")], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
