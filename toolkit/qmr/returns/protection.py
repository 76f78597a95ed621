"""What a clerk may type, and where: the unlocked input cells, the dropdowns and number and date rules
Excel applies as the clerk types, and the sheet and workbook protection around everything else."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment, Protection
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.protection import SheetProtection
from openpyxl.worksheet.worksheet import Worksheet

from qmr.returns.style import BOX, INPUT_FILL, look

UNLOCKED = Protection(locked=False)


def input_cell(cell, alignment: Alignment, *, boxed: bool = True) -> None:
    """A cell the clerk fills in: unlocked under the sheet's protection, and pale yellow."""
    look(cell, protection=UNLOCKED, fill=INPUT_FILL, alignment=alignment, border=BOX if boxed else None)


def choice_list(ws: Worksheet, cells: str, choices: tuple[str, ...] | list[str], title: str, error: str,
                prompt: str | None = None) -> None:
    """A dropdown of `choices` on `cells`, refusing anything else (with `prompt` shown on selecting)."""
    shown = {"showInputMessage": True, "promptTitle": title, "prompt": prompt} if prompt is not None else {}
    rule = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True,
                          showErrorMessage=True, errorTitle=title, error=error, **shown)
    rule.add(cells)
    ws.add_data_validation(rule)


def number_rule(ws: Worksheet, cells: list[str], unit: str) -> None:
    """A numeric PI's Actual cells (all of one `unit`) take a number only."""
    example = "type 92.5 for 92.5%" if unit == "%" else "for example 120 or 3.5"
    rule = DataValidation(
        type="decimal", operator="between", formula1="-1E+15", formula2="1E+15", allow_blank=True,
        showErrorMessage=True, showInputMessage=True, errorTitle="Actual",
        error=f"The Actual must be a number ({example}). If it cannot be reported, choose N/A and "
              "say why.",
        promptTitle="Actual", prompt=f"The figure for this quarter, a number only: {example}.",
    )
    for cell in cells:
        rule.add(cell)
    ws.add_data_validation(rule)


def date_rule(ws: Worksheet, cell: str) -> None:
    """The sign-off date takes a date from 2000 to 2100 (serials 36526 to 73415)."""
    rule = DataValidation(type="date", operator="between", formula1="36526", formula2="73415",
                          allow_blank=True, showErrorMessage=True, showInputMessage=True,
                          errorTitle="Date", error="Type a date, for example 15/07/2008.",
                          promptTitle="Date", prompt="The date you completed the return, e.g. 15/07/2008.")
    rule.add(cell)
    ws.add_data_validation(rule)


def protect(book: Workbook) -> None:
    for ws in book.worksheets:
        # No password: protection stops accidental edits; resizing rows and columns stays allowed.
        ws.protection = SheetProtection(sheet=True, formatColumns=False, formatRows=False,
                                        selectLockedCells=False, selectUnlockedCells=False)
    # Renaming, deleting or adding sheets would break reading the return back.
    book.security = WorkbookProtection(lockStructure=True)
