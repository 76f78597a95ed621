"""xlwings entry points for the officer's control workbook (`qmr control-workbook`).

Each function is called from a button through xlwings' RunPython, e.g.

    Sub RunValidate()
        RunPython "import qmr_xlwings; qmr_xlwings.validate()"
    End Sub

It reads the settings from the workbook's named cells as they are on screen (no need to save
first), calls the toolkit's functions directly (not the shell), and writes the result into the
'Last run' cells and every finding into the Findings sheet. xlwings needs desktop Excel on Windows
or macOS; install it with `pip install "qmr[xlwings]"`. The qmr core never imports this module.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from qmr.control.run import EXIT_NOTHING_DONE, RunOutcome, run
from qmr.control.workbook import (
    FINDINGS_COLUMNS,
    FINDINGS_NAME,
    RESULTS,
    SETTINGS,
    ControlError,
    ControlSettings,
    settings_from_cells,
)
from qmr.findings import csv_safe


def templates(book: Any = None) -> RunOutcome:
    return _run("templates", book)


def status(book: Any = None) -> RunOutcome:
    return _run("status", book)


def validate(book: Any = None) -> RunOutcome:
    return _run("validate", book)


def consolidate(book: Any = None) -> RunOutcome:
    return _run("consolidate", book)


def report(book: Any = None) -> RunOutcome:
    return _run("report", book)


def _caller() -> Any:
    import xlwings  # only here: the optional extra, imported when Excel calls us

    return xlwings.Book.caller()


def read_settings(book: Any) -> ControlSettings:
    """The settings as the open workbook shows them, by defined name."""
    raw: dict[str, tuple[object, str]] = {}
    for setting in SETTINGS:
        cell = _named(book, setting.name)
        raw[setting.key] = (cell.value, cell.get_address(False, False, include_sheetname=True))
    return settings_from_cells(book.fullname, raw)


def _run(command: str, book: Any) -> RunOutcome:
    book = book if book is not None else _caller()
    try:
        outcome = run(command, read_settings(book))
    except ControlError as error:
        outcome = RunOutcome(command, EXIT_NOTHING_DONE, str(error))
    write_outcome(book, outcome)
    return outcome


def write_outcome(book: Any, outcome: RunOutcome) -> None:
    """The 'Last run' cells, then the Findings table (header kept, old rows cleared)."""
    values = {"last_command": f"qmr {outcome.command}", "last_run": datetime.now().strftime("%Y-%m-%d %H:%M"),
              "last_exit": outcome.exit_code, "last_message": outcome.message}
    for result in RESULTS:
        _named(book, result.name).value = values[result.key]
    top_left = _named(book, FINDINGS_NAME)
    sheet = top_left.sheet
    used = sheet.used_range
    if used.last_cell.row > top_left.row:
        sheet.range((top_left.row + 1, top_left.column),
                    (used.last_cell.row, top_left.column + len(FINDINGS_COLUMNS) - 1)).clear_contents()
    top_left.value = [list(FINDINGS_COLUMNS)]
    rows = [[_cell_text(getattr(finding, column)) for column in FINDINGS_COLUMNS] for finding in outcome.findings]
    if rows:
        sheet.range((top_left.row + 1, top_left.column)).value = rows


def _named(book: Any, name: str) -> Any:
    try:
        return book.names[name].refers_to_range
    except Exception as error:  # xlwings raises KeyError or a COM error for a missing name
        raise ControlError(f"{book.fullname}: has no cell named {name}; make a new control workbook with "
                           "`qmr control-workbook`") from error


def _cell_text(value: object) -> str:
    """Text as text: a finding quoting a clerk's `=...` must not become a formula in Excel (the
    leading apostrophe that guards a CSV field does the same in a cell)."""
    return csv_safe("" if value is None else str(value))
