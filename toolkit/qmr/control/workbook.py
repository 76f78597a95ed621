"""The control workbook's layout (one home for every named cell), writing it, and reading it back.

Every setting is a defined name pointing at one cell of the `Settings` sheet, so the VBA modules,
the xlwings entry points and `qmr --control` find it by name wherever a user moves it. Paths are
relative to the workbook's own folder, so a working folder can be moved or shared as a whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from qmr import cycle
from qmr.atomic import write_atomic
from qmr.normalise import day, is_blank, text
from qmr.period import Period, PeriodError

SETTINGS_SHEET = "Settings"
FINDINGS_SHEET = "Findings"
INSTRUCTIONS_SHEET = "Instructions"
CONTROL_NAME = "control.xlsx"  # the name qmr looks for in a working folder

LABEL_COLUMN, VALUE_COLUMN, HELP_COLUMN = "A", "B", "C"
FIRST_SETTING_ROW = 4


@dataclass(frozen=True)
class Setting:
    """One named settings cell: the defined name, its label, what to type, the default offered."""

    name: str
    key: str
    label: str
    help: str
    default: str = ""


SETTINGS: tuple[Setting, ...] = (
    Setting("QMR_PLAN", "plan", "Plan register", "The plan register workbook.", "plan.xlsx"),
    Setting("QMR_PERIOD", "period", "Period", "The quarter to work on, e.g. 2015/16 Q3."),
    Setting("QMR_DB", "db", "History file", "History of accepted returns (SQLite).", "qmr.db"),
    Setting("QMR_TEMPLATES", "templates", "Templates folder",
            "Where templates are written; each period gets its own subfolder.", "templates"),
    Setting("QMR_RETURNS", "returns", "Returns folder",
            "Where returned files are saved; each period gets its own subfolder.", "returns"),
    Setting("QMR_OUTPUT", "output", "Output folder",
            "Master, findings, feedback copies and reminders; a subfolder per period.", "output"),
    Setting("QMR_DEADLINE", "deadline", "Deadline",
            "Return deadline (blank: 15 working days after the quarter ends)."),
    Setting("QMR_PASSWORDS", "passwords", "Passwords file",
            "File of TEAM = password lines for protected returns (blank if none)."),
    Setting("QMR_COMMAND", "command", "qmr command",
            "How the buttons start qmr: the full path to qmr (qmr.exe on Windows) if it is not on the PATH.",
            "qmr"),
)

# Cells the buttons (VBA) and the xlwings entry points write after each run.
RESULTS: tuple[Setting, ...] = (
    Setting("QMR_LAST_COMMAND", "last_command", "Last command", "What was run."),
    Setting("QMR_LAST_RUN", "last_run", "Last run at", "When it finished."),
    Setting("QMR_LAST_EXIT", "last_exit", "Exit code", "0 clean; 1 done with problems; 2 nothing done."),
    Setting("QMR_LAST_MESSAGE", "last_message", "Result", "What qmr said."),
)
FINDINGS_NAME = "QMR_FINDINGS"  # top-left cell of the Findings table's header row
FINDINGS_COLUMNS = ("severity", "team", "file", "sheet", "cell", "message", "action", "code")

_PATH_KEYS = ("plan", "db", "templates", "returns", "output", "passwords")


class ControlError(Exception):
    """A control workbook qmr cannot use; the message names the file and cell and what to type."""


@dataclass(frozen=True)
class ControlSettings:
    """What a control workbook says, paths resolved against its own folder; None where blank."""

    path: Path
    plan: Path | None = None
    period: Period | None = None
    db: Path | None = None
    templates: Path | None = None
    returns: Path | None = None
    output: Path | None = None
    deadline: date | None = None
    passwords: Path | None = None
    command: str = "qmr"


def setting_cells() -> dict[str, str]:
    """Defined name -> absolute cell on the Settings sheet, e.g. QMR_PLAN -> $B$4."""
    cells = {s.name: f"${VALUE_COLUMN}${FIRST_SETTING_ROW + i}" for i, s in enumerate(SETTINGS)}
    first_result = FIRST_SETTING_ROW + len(SETTINGS) + 3
    cells.update({r.name: f"${VALUE_COLUMN}${first_result + i}" for i, r in enumerate(RESULTS)})
    return cells


def write_control_workbook(path: Path, values: dict[str, str] | None = None) -> Path:
    """Write a control workbook at `path`; `values` (by setting key) overrides the defaults."""
    # openpyxl is imported where it is used: every command looks for a control workbook, and its
    # import (a quarter of a second) would otherwise be paid by each run that has none
    from openpyxl import Workbook
    from openpyxl.workbook.defined_name import DefinedName

    chosen = {s.key: s.default for s in SETTINGS} | (values or {})
    workbook = Workbook()
    _instructions(workbook.active)
    settings = workbook.create_sheet(SETTINGS_SHEET)
    _settings_sheet(settings, chosen)
    _findings_sheet(workbook.create_sheet(FINDINGS_SHEET))
    for name, cell in setting_cells().items():
        workbook.defined_names[name] = DefinedName(name, attr_text=f"'{SETTINGS_SHEET}'!{cell}")
    workbook.defined_names[FINDINGS_NAME] = DefinedName(FINDINGS_NAME, attr_text=f"'{FINDINGS_SHEET}'!$A$1")
    workbook.active = 1
    return write_atomic(path, workbook.save)


def _instructions(sheet) -> None:
    from openpyxl.styles import Alignment, Font

    sheet.title = INSTRUCTIONS_SHEET
    lines = [
        ("qmr control workbook", Font(bold=True, size=16)),
        ("", None),
        ("1. Fill in the Settings sheet: the plan register, the period and the folders. Paths are relative "
         "to the folder this workbook is saved in.", None),
        ("2. Without macros: save this workbook, then run qmr with --control, e.g.", None),
        ('       qmr validate --control control.xlsx', Font(name="Consolas")),
        ("   Anything given on the command line wins over the workbook. Saved as control.xlsx in a folder "
         "made by `qmr init`, qmr reads it without --control.", None),
        ("3. With macros (your own IT allowing): import macros/QmrConsole.bas (Developer > Visual Basic > "
         "File > Import), save as .xlsm, and add buttons for RunTemplates, RunStatus, RunValidate, "
         "RunConsolidate and RunReport. Each saves the workbook, runs qmr with these settings and writes the "
         "result into the 'Last run' cells and the findings into the Findings sheet.", None),
        ("4. With xlwings: see macros/README.md; the same buttons call macros/qmr_xlwings.py.", None),
        ("", None),
        ("Returns sent to teams never contain macros: this workbook is only for the performance officer.", None),
    ]
    for row, (line, font) in enumerate(lines, start=1):
        cell = sheet.cell(row=row, column=1, value=line)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if font is not None:
            cell.font = font
    sheet.column_dimensions["A"].width = 110
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _settings_sheet(sheet, chosen: dict[str, str]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    cells = setting_cells()
    sheet["A1"] = "Settings"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = "Type in the yellow cells. Each has a name (Formulas > Name Manager) that qmr and the buttons use."
    for column, header in zip((LABEL_COLUMN, VALUE_COLUMN, HELP_COLUMN), ("Setting", "Value", "What to type"),
                              strict=True):
        sheet[f"{column}3"] = header
        sheet[f"{column}3"].font = Font(bold=True)
    fill = PatternFill("solid", fgColor="FFF2CC")
    for setting in SETTINGS:
        row = int(cells[setting.name].split("$")[2])
        sheet[f"{LABEL_COLUMN}{row}"] = setting.label
        value = sheet[f"{VALUE_COLUMN}{row}"]
        value.value = chosen.get(setting.key) or None
        value.fill = fill
        value.protection = Protection(locked=False)
        sheet[f"{HELP_COLUMN}{row}"] = setting.help
        sheet[f"{HELP_COLUMN}{row}"].alignment = Alignment(wrap_text=True, vertical="top")
    period_cell = cells["QMR_PERIOD"].replace("$", "")
    hint = DataValidation(type="textLength", operator="greaterThan", formula1="0", allow_blank=True,
                          showInputMessage=True, promptTitle="Period", prompt="e.g. 2015/16 Q3")
    hint.add(period_cell)
    sheet.add_data_validation(hint)
    first_result = int(cells[RESULTS[0].name].split("$")[2])
    sheet[f"{LABEL_COLUMN}{first_result - 1}"] = "Last run (written by the buttons)"
    sheet[f"{LABEL_COLUMN}{first_result - 1}"].font = Font(bold=True)
    for result in RESULTS:
        row = int(cells[result.name].split("$")[2])
        sheet[f"{LABEL_COLUMN}{row}"] = result.label
        sheet[f"{HELP_COLUMN}{row}"] = result.help
        sheet[f"{VALUE_COLUMN}{row}"].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions[LABEL_COLUMN].width = 24
    sheet.column_dimensions[VALUE_COLUMN].width = 48
    sheet.column_dimensions[HELP_COLUMN].width = 70
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _findings_sheet(sheet) -> None:
    from openpyxl.styles import Font

    for column, header in enumerate(FINDINGS_COLUMNS, start=1):
        sheet.cell(row=1, column=column, value=header).font = Font(bold=True)
    for letter, width in zip("ABCDEFGH", (10, 14, 40, 14, 8, 70, 55, 22), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def read_control(path: Path) -> ControlSettings:
    """The settings a control workbook holds; ControlError naming the cell for anything unusable."""
    from openpyxl import load_workbook

    path = Path(path)
    try:
        workbook = load_workbook(path, data_only=True)
    except Exception as error:  # openpyxl raises many types for a file it cannot read
        raise ControlError(f"{path}: cannot be read as a control workbook ({error}); "
                           "make a new one with `qmr control-workbook`") from error
    raw: dict[str, object] = {}
    for setting in SETTINGS:
        defined = workbook.defined_names.get(setting.name)
        if defined is None:
            raise ControlError(f"{path}: has no cell named {setting.name} ({setting.label}); make a new control "
                               "workbook with `qmr control-workbook`")
        sheet_name, cell = next(iter(defined.destinations))
        raw[setting.key] = (workbook[sheet_name][cell.replace("$", "")].value, f"{sheet_name}!{cell.replace('$', '')}")
    return settings_from_cells(path, raw)


def settings_from_cells(path: Path, raw: dict[str, tuple[object, str]]) -> ControlSettings:
    """ControlSettings from each setting's (cell value, cell address), however the cells were read
    (openpyxl from the saved file, or xlwings from the open workbook): one set of rules for both."""
    base = Path(path).parent
    values: dict[str, object] = {}
    for key in _PATH_KEYS:
        value, _ = raw.get(key, (None, ""))
        values[key] = None if is_blank(value) else base / text(value)
    period_value, where = raw.get("period", (None, ""))
    if not is_blank(period_value):
        try:
            values["period"] = Period.parse(text(period_value))
        except PeriodError as error:
            raise ControlError(f"{path} {where}: {error}; type the period like 2015/16 Q3") from error
    deadline_value, where = raw.get("deadline", (None, ""))
    if isinstance(deadline_value, datetime):
        values["deadline"] = deadline_value.date()
    elif not is_blank(deadline_value):
        parsed = day(deadline_value).value
        if parsed is None:
            raise ControlError(f"{path} {where}: {text(deadline_value)!r} is not a date; type it like 22/01/2016")
        values["deadline"] = parsed
    command, _ = raw.get("command", (None, ""))
    return ControlSettings(path=Path(path), command=text(command) or "qmr", **values)


def command_defaults(command: str, settings: ControlSettings, period: Period | None) -> dict[str, object]:
    """Option values for a `qmr` command from the control workbook, by click parameter name; the
    command line still wins. `period` is the one given on the command line, if any: period-dependent
    folders follow it."""
    period = period or settings.period
    values: dict[str, object] = {"plan": settings.plan, "period": settings.period, "db": settings.db,
                                 "passwords": settings.passwords}
    if command == "templates":
        values["deadline"] = settings.deadline
    if period is not None:
        slug = period.slug
        outputs = cycle.PeriodOutputs.under(settings.output, period) if settings.output else None
        if settings.returns is not None:
            values["sources"] = (settings.returns / slug,)
        if command == "templates" and settings.templates is not None:
            values["out"] = settings.templates / slug
        if command == "status" and settings.templates is not None:
            values["templates_dir"] = settings.templates / slug  # reminders attach the team's template
        if outputs is not None:
            values.update({
                "validate": {"report": outputs.findings, "feedback": outputs.feedback},
                "consolidate": {"out": outputs.master},
                "report": {"out": outputs.document},
            }.get(command, {}))
    return {key: value for key, value in values.items() if value is not None}
