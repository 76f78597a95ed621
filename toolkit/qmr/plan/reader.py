"""Reading and checking the plan register: the workbook performance officers maintain.

Everything is driven by `register_layout.SHEETS`. Real plans are messy, so nothing here raises on
what a user typed: each problem becomes a Finding naming the sheet and cell and saying what to do.
Severity follows one rule: error when a row is skipped or a value had to be defaulted, warning when
something looks doubtful but was used as written, info when a value was normalised.
"""

from __future__ import annotations

import hashlib
import json
import re
import warnings
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from pathlib import Path

from python_calamine import CalamineWorkbook

from qmr.calamine_errors import is_reading_failure, silenced_panics
from qmr.cells import column_letter
from qmr.findings import cell_sort_key
from qmr.model import EqualityAction, Finding, Indicator, Milestone, Objective, Plan, RiskMeasure, Severity, Team
from qmr.normalise import is_blank as _blank
from qmr.normalise import percent_from_fraction, read_number
from qmr.normalise import text as cell_text
from qmr.period import financial_year_of
from qmr.plan.layout import (
    CATEGORIES,
    EQUALITY,
    INDICATORS,
    KNOWN_SETTINGS,
    MILESTONES,
    OBJECTIVES,
    POLARITY_LABELS,
    RISKS,
    SETTINGS,
    SHEETS,
    TEAMS,
    Sheet,
    header_key,
)
from qmr.plan.values import Due, dates_in_text, financial_year, parse_due

# Sheets without which there is no plan at all; the others only add to it.
REQUIRED_SHEETS = (TEAMS.name, OBJECTIVES.name, MILESTONES.name, INDICATORS.name)

# Columns without which a row means nothing: a blank one skips the row. Other required columns are
# defaulted (with an error) so that one missing e-mail address does not lose a whole team.
ROW_KEYS: dict[str, tuple[str, ...]] = {
    TEAMS.name: ("code",),
    OBJECTIVES.name: ("ref", "team"),
    MILESTONES.name: ("objective_ref", "text"),
    INDICATORS.name: ("ref", "team"),
    RISKS.name: ("objective_ref", "measures"),
    EQUALITY.name: ("action", "team"),
    SETTINGS.name: ("name",),
}

# Optional columns whose absence changes every row: one finding at the header row says what follows
# and what to add (the rows then say nothing more about the missing column).
OPTIONAL_MATTERS: dict[str, dict[str, tuple[Severity, str]]] = {
    INDICATORS.name: {
        "polarity": (Severity.ERROR, "every PI is read with polarity none, so qmr cannot tell good from bad"),
        "frequency": (Severity.WARNING, "every PI is taken to be reported quarterly"),
        "profile": (Severity.WARNING, "every PI is taken to be flat (the same target each quarter)"),
        "annual_target": (Severity.WARNING, "no PI has an annual target, so no status can be computed"),
    },
    MILESTONES.name: {
        "due": (Severity.WARNING, "milestones are undated unless their text sets a date (by March 2016)"),
    },
    EQUALITY.name: {"target_date": (Severity.WARNING, "no equality action has a target date")},
}


def errors(findings: Iterable[Finding]) -> bool:
    """Whether any finding is an error or worse (what makes `qmr register check` exit non-zero)."""
    return any(f.severity in (Severity.REJECTED, Severity.ERROR) for f in findings)


# --------------------------------------------------------------------------------------------------
# Vocabularies: what users type for each choice column


def _vocab(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {header_key(word) or word: canonical for canonical, words in table.items() for word in words}


_UNITS = _vocab(
    {
        "%": ("%", "percent", "percentage", "per cent", "pct"),
        "number": ("number", "no", "no.", "num", "count", "numeric", "#", "n", "integer"),
        "£": ("£", "gbp", "pounds", "cost", "money", "currency", "£s", "£000", "£k"),
        "rate": ("rate", "ratio", "per 1000", "per 1,000", "per 10,000", "per 100,000"),
        "text": ("text", "narrative", "qualitative", "descriptive"),
    }
)
_POLARITIES = _vocab(
    {
        "higher": ("higher", "high", "up", "increase", "maximise", "bigger is better", POLARITY_LABELS["higher"]),
        "lower": (
            "lower",
            "low",
            "down",
            "decrease",
            "reduce",
            "minimise",
            "smaller is better",
            POLARITY_LABELS["lower"],
        ),
        "target": ("target", "closest", "on target", "closest to target is best", POLARITY_LABELS["target"]),
        "none": ("none", "n/a", "na", "-", "contextual", "no polarity"),
    }
)
_FREQUENCIES = _vocab(
    {
        "monthly": ("monthly", "month", "m"),
        "quarterly": ("quarterly", "quarter", "q", "qtr", "qtrly"),
        "six-monthly": (
            "six-monthly",
            "6-monthly",
            "half-yearly",
            "biannual",
            "bi-annual",
            "biannually",
            "twice yearly",
            "twice a year",
        ),
        "annual": ("annual", "annually", "yearly", "year", "a", "once a year"),
    }
)
_PROFILES = _vocab(
    {
        "cumulative": ("cumulative", "ytd", "year to date", "cum", "cumulative (year to date)"),
        "flat": ("flat", "same", "constant", "level"),
        "discrete": ("discrete", "per quarter", "each quarter", "quarter on its own", "snapshot"),
    }
)
_YES = {"yes", "y", "true", "key", "1"}
_NO = {"no", "n", "false", "other", "0", ""}
_RISK_WORDS = {
    "high": "High",
    "h": "High",
    "medium": "Medium",
    "med": "Medium",
    "m": "Medium",
    "low": "Low",
    "l": "Low",
}
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[A-Za-z]{2,}$")
_TEAM_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.&+-]*$")
_RANGE = re.compile(r"\d+\s*[-\u2013]\s*\d+$")


def _loose(ref: str) -> str:
    """Compare refs ignoring spaces and case, and a lower-case l typed for I (`Ll21` vs `LI21`)."""
    return re.sub(r"\s+", "", ref.replace("l", "I")).upper()


def _same_key(ref: str) -> str:
    return re.sub(r"\s+", "", ref).upper()


# --------------------------------------------------------------------------------------------------
# Reading sheets into located rows


@dataclass
class _Row:
    sheet: str
    number: int  # 1-based row number in the sheet
    values: dict[str, object]  # column key -> raw cell value
    letters: dict[str, str]  # column key -> column letter

    def cell(self, key: str) -> str:
        """The key's cell; the whole row (`7:7`) when the sheet has no such column."""
        letter = self.letters.get(key)
        return f"{letter}{self.number}" if letter else f"{self.number}:{self.number}"

    def raw(self, key: str) -> object:
        return self.values.get(key)

    def text(self, key: str) -> str:
        return _text(self.values.get(key))


def _in_year(day: date | None, year: str) -> bool:
    """Whether a day falls in a financial year written like 2015/16 (April to March)."""
    return day is not None and date(int(year[:4]), 4, 1) <= day <= date(int(year[:4]) + 1, 3, 31)


def _text(value: object) -> str:
    """A cell value as single-line text; whole numbers lose their `.0`, dates are ISO."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value != value:
        return ""
    return " ".join(cell_text(value).split())


# A PI's figures in the order they are judged against each other (label as in findings).
_FIGURES = {
    "annual_target": "annual target",
    "previous_actual": "previous actual",
    "q1_target": "Q1 target",
    "q2_target": "Q2 target",
    "q3_target": "Q3 target",
    "q4_target": "Q4 target",
}

_SHEET_ORDER = {sheet.name: number for number, sheet in enumerate(SHEETS)}


def _position(cell: str) -> tuple[int, int]:
    """(row, column) for ordering findings: a whole row (`7:7`) before its cells, no cell first."""
    first = cell.split(":")[0]
    if first.isdigit():
        return int(first), 0
    kind, row, column, _ = cell_sort_key(cell)
    return (row, column) if kind == 1 else (0, 0)


class _Findings:
    """Collects findings and hands them back in sheet, row, column order (same input, same output)."""

    def __init__(self, file: str) -> None:
        self.file = file
        self._items: list[tuple[tuple[int, int, int, int], Finding]] = []

    def add(
        self,
        severity: Severity,
        code: str,
        message: str,
        action: str = "",
        sheet: str = "",
        cell: str = "",
        team: str = "",
    ) -> None:
        key = (_SHEET_ORDER.get(sheet, -1), *_position(cell), len(self._items))
        self._items.append((key, Finding(severity, message, action, self.file, sheet, cell, team, f"register-{code}")))

    def sorted(self) -> list[Finding]:
        return [finding for _, finding in sorted(self._items, key=lambda item: item[0])]


def _open(path: Path, out: _Findings) -> CalamineWorkbook | None:
    where = "the plan register"
    if path.name.startswith("~$"):
        out.add(
            Severity.REJECTED,
            "lock-file",
            f"{path.name} is an Excel lock file, not a register",
            "Open the register itself (the file without ~$ in front of its name).",
        )
        return None
    if not path.is_file():
        out.add(
            Severity.REJECTED,
            "not-found",
            f"{where} {path} does not exist or is not a file",
            "Check the path, or create a register with `qmr register new PATH`.",
        )
        return None
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        out.add(
            Severity.REJECTED,
            "unreadable",
            f"cannot open {where}: {exc.strerror or exc}",
            "Check the file's permissions and that no other program has it locked.",
        )
        return None
    if head.startswith(b"\xd0\xcf\x11\xe0") and path.suffix.lower() in (".xlsx", ".xlsm"):
        out.add(
            Severity.REJECTED,
            "encrypted",
            f"{where} is password-protected",
            "Save a copy without a password (File > Info > Protect Workbook) and use that.",
        )
        return None
    try:
        return CalamineWorkbook.from_path(str(path))
    except BaseException as exc:  # calamine raises several types for corrupt or foreign files
        if not is_reading_failure(exc):
            raise
        out.add(
            Severity.REJECTED,
            "unreadable",
            f"cannot read {where}: {str(exc)[:200]}",
            "Open it in Excel and save it again as an Excel Workbook (.xlsx).",
        )
        return None


def _find_sheet(names: list[str], sheet: Sheet, out: _Findings) -> str | None:
    if sheet.name in names:
        return sheet.name
    for name in names:
        if header_key(name) == header_key(sheet.name):
            out.add(
                Severity.INFO,
                "sheet-name",
                f"sheet {name!r} read as {sheet.name!r}",
                f"Rename the sheet to {sheet.name}.",
                sheet=name,
            )
            return name
    return None


def _grid_by_rows(book: CalamineWorkbook, actual: str) -> tuple[list[list[object]], list[int]]:
    """The sheet's cells from A1, as `to_python(skip_empty_area=False)` gives them, read row by row,
    and the (1-based) numbers of the rows calamine could not convert.

    calamine panics on some values (-1e20 in a date-formatted cell) and, read as a whole, loses the
    sheet; its row iterator fails on exactly the bad row and then carries on with the next one.
    """
    sheet = book.get_sheet_by_name(actual)
    if sheet.end is None:
        return [], []
    last_row, last_col = sheet.end
    read: list[list[object] | None] = []
    rows = iter(sheet.iter_rows())
    for _ in range(last_row + 2):  # every step reads or fails on one row: bounded even if calamine loops
        try:
            values = next(rows)
        except StopIteration:
            break
        except BaseException as exc:
            if not is_reading_failure(exc):
                raise
            read.append(None)
            continue
        read.append(list(values))
    offset = max(0, last_row + 1 - len(read))  # some calamine versions start at the first row with data
    grid: list[list[object]] = [[] for _ in range(offset)]
    bad = []
    for number, values in enumerate(read, start=offset + 1):
        if values is None:
            bad.append(number)
            grid.append([])
        else:
            grid.append([None] * max(0, last_col + 1 - len(values)) + values)
    return grid, bad


def _recover_rows(path: Path, actual: str, numbers: list[int]) -> dict[int, tuple[list[object], list[str]]]:
    """Rows calamine could not read, read with openpyxl instead: each row's values from column A and
    the cells it could not read either (Excel shows them as #####); {} when openpyxl fails too."""
    import openpyxl  # only on this rare path: calamine reads every register that is well formed

    recovered: dict[int, tuple[list[object], list[str]]] = {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about the very cell reported here
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            try:
                worksheet = book[actual]
                for number in numbers:
                    values: list[object] = []
                    unreadable = []
                    for cells in worksheet.iter_rows(min_row=number, max_row=number, min_col=1):
                        for index, cell in enumerate(cells, start=1):
                            value = getattr(cell, "value", None)
                            if getattr(cell, "data_type", "") == "e":
                                unreadable.append(f"{column_letter(index)}{number}")
                                value = None
                            values.append(value)
                    recovered[number] = (values, unreadable)
            finally:
                book.close()
    except Exception:  # openpyxl cannot read it either: the rows are reported as lost
        return {}
    return recovered


def _sheet_grid(
    book: CalamineWorkbook, path: Path, actual: str, sheet: Sheet, out: _Findings
) -> list[list[object]] | None:
    """The sheet's cells from A1 (None, with an error, when it cannot be read at all); a cell neither
    reader can convert costs its value (or at worst its row), never the sheet, and is reported where it is."""
    try:
        with silenced_panics():
            try:
                return book.get_sheet_by_name(actual).to_python(skip_empty_area=False)
            except BaseException as exc:  # including calamine's panics on impossible dates
                if not is_reading_failure(exc):
                    raise
            grid, bad = _grid_by_rows(book, actual)
    except BaseException as exc:
        if not is_reading_failure(exc):
            raise
        out.add(
            Severity.ERROR,
            "sheet-unreadable",
            f"sheet {actual} cannot be read: {str(exc)[:200]}",
            "Open the register in Excel, check the sheet and save it again.",
            sheet=sheet.name,
        )
        return None
    recovered = _recover_rows(path, actual, bad) if bad else {}
    for number in bad:
        if number not in recovered:
            out.add(
                Severity.ERROR,
                "row-unreadable",
                f"row {number} cannot be read: a cell holds a value Excel cannot show (it shows #####, "
                "typically a number in a date-formatted cell); the row is left out",
                f"Correct the cell showing ##### in row {number}: type the date again, or clear its date format.",
                sheet=sheet.name,
                cell=f"{number}:{number}",
            )
            continue
        values, unreadable = recovered[number]
        grid[number - 1] = values
        for cell in unreadable:
            out.add(
                Severity.ERROR,
                "cell-unreadable",
                f"cell {cell} cannot be read: it holds a number Excel cannot show as a date (it shows #####); "
                "it is read as blank",
                f"Correct {cell}: type the date again (31/03/2016 or Mar 2016), or clear its date format.",
                sheet=sheet.name,
                cell=cell,
            )
    return grid


def _read_sheet(book: CalamineWorkbook, path: Path, actual: str, sheet: Sheet, out: _Findings) -> list[_Row]:
    """The sheet's data rows, by column key; [] (with an error) when a row-key column is missing."""
    grid = _sheet_grid(book, path, actual, sheet, out)
    if grid is None:
        return []
    header_at = next((i for i, row in enumerate(grid) if any(not _blank(v) for v in row)), None)
    if header_at is None:
        if sheet.name in REQUIRED_SHEETS:
            out.add(
                Severity.ERROR,
                "sheet-empty",
                f"sheet {sheet.name} is empty",
                f"Put the header row ({', '.join(c.header for c in sheet.columns)}) in row 1 and "
                "fill in a row per item.",
                sheet=sheet.name,
                cell="A1",
            )
        return []
    header_row = header_at + 1
    by_key = {}
    for col in sheet.columns:
        by_key[header_key(col.header)] = col
        by_key[header_key(col.key)] = col
    letters: dict[str, str] = {}
    positions: dict[str, int] = {}
    ignored = []
    for index, value in enumerate(grid[header_at]):
        if _blank(value):
            continue
        col = by_key.get(header_key(value))
        letter = column_letter(index + 1)
        if col is None:
            ignored.append(f"{_text(value)} ({letter})")
        elif col.key in letters:
            out.add(
                Severity.WARNING,
                "header-duplicate",
                f"column {col.header!r} appears twice; {letter} is ignored",
                "Delete or rename the second one.",
                sheet=sheet.name,
                cell=f"{letter}{header_row}",
            )
        else:
            letters[col.key] = letter
            positions[col.key] = index
    if ignored:
        out.add(
            Severity.INFO,
            "header-ignored",
            f"columns not used by qmr: {', '.join(ignored)}",
            "Nothing to do if they are your own notes; otherwise check the spelling of the header.",
            sheet=sheet.name,
            cell=f"{header_row}:{header_row}",
        )
    unusable = False
    for col in sheet.columns:
        if col.required and col.key not in letters:
            skips = col.key in ROW_KEYS.get(sheet.name, ())
            out.add(
                Severity.ERROR,
                "column-missing",
                f"required column {col.header!r} is missing" + ("; no row of this sheet can be read" if skips else ""),
                f"Add a column headed {col.header!r} to row {header_row}: {col.note}",
                sheet=sheet.name,
                cell=f"{header_row}:{header_row}",
            )
            unusable = unusable or skips
    if unusable:
        return []
    rows = []
    for offset, raw in enumerate(grid[header_at + 1 :], start=header_row + 1):
        values = {key: (raw[i] if i < len(raw) else None) for key, i in positions.items()}
        values = {key: (None if _blank(v) else v) for key, v in values.items()}
        if all(v is None for v in values.values()):
            continue
        rows.append(_Row(sheet.name, offset, values, letters))
    for key, (severity, consequence) in OPTIONAL_MATTERS.get(sheet.name, {}).items():
        if rows and key not in letters:
            col = sheet.column(key)
            out.add(
                severity,
                "column-missing",
                f"column {col.header!r} is missing: {consequence}",
                f"Add a column headed {col.header!r} to row {header_row}: {col.note}",
                sheet=sheet.name,
                cell=f"{header_row}:{header_row}",
            )
    return rows


# --------------------------------------------------------------------------------------------------
# Building the plan


@dataclass
class _Builder:
    out: _Findings
    settings: dict[str, str] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)  # by exact code
    team_rows: dict[str, _Row] = field(default_factory=dict)
    skipped: dict[str, dict[str, str]] = field(default_factory=dict)  # sheet -> key -> cell of its error

    def add(
        self, severity: Severity, code: str, row: _Row, key: str, message: str, action: str = "", team: str = ""
    ) -> None:
        self.out.add(severity, code, message, action, row.sheet, row.cell(key), team)

    def skip(self, row: _Row, key: str, message: str, action: str, ref: str = "", code: str = "skipped") -> None:
        self.add(Severity.ERROR, code, row, key, message + "; the row is left out", action)
        if ref:
            self.skipped.setdefault(row.sheet, {}).setdefault(_same_key(ref), row.cell(key))

    def required(self, row: _Row, sheet: Sheet) -> bool:
        """Whether the row has its row keys; reports each blank required value."""
        ok = True
        for key in ROW_KEYS[sheet.name]:
            if row.raw(key) is None:
                col = sheet.column(key)
                self.add(
                    Severity.ERROR,
                    "required-blank",
                    row,
                    key,
                    f"{col.header} is blank; the row is left out",
                    f"Fill in {col.header}: {col.note}",
                )
                ok = False
        return ok

    def ident(self, row: _Row, key: str) -> str:
        """A ref, id or code: whitespace tidied (and said so)."""
        value = row.raw(key)
        text = _text(value)
        if isinstance(value, str) and value != text:
            self.add(
                Severity.INFO,
                "spaces",
                row,
                key,
                f"extra spaces removed: {value!r} read as {text!r}",
                "Tidy the cell so refs match exactly everywhere.",
            )
        return text

    def team_ref(self, row: _Row, key: str, what: str) -> str | None:
        """A team code, matched loosely, matching case and spaces loosely; None (with an error) if unknown."""
        text = row.text(key)
        if text in self.teams:
            return text
        for code in self.teams:
            if _same_key(code) == _same_key(text):
                self.add(
                    Severity.INFO,
                    "team-case",
                    row,
                    key,
                    f"team {text!r} read as {code!r}",
                    f"Write the code exactly as on sheet Teams: {code}.",
                )
                return code
        self.skip(
            row,
            key,
            f"team {text!r} is not on sheet Teams",
            f"Add team {text!r} to sheet Teams, or use one of its codes for this {what}.",
            code="team-unknown",
        )
        return None

    def duplicate(self, seen: dict[str, str], row: _Row, key: str, text: str, what: str) -> bool:
        """True (with an error) when this ref was already used on an earlier row."""
        norm = _same_key(text)
        if norm in seen:
            self.add(
                Severity.ERROR,
                "duplicate",
                row,
                key,
                f"{what} {text!r} is a duplicate of {row.sheet}!{seen[norm]}; the row is left out",
                f"Give each {what} its own {row.sheet} row and a unique value.",
            )
            return True
        seen[norm] = row.cell(key)
        return False

    def choice(self, row: _Row, key: str, vocab: dict[str, str], default: str, what: str) -> str:
        """A value from a fixed list, accepting common spellings (info) and defaulting bad ones (error)."""
        text = row.text(key)
        if not text:
            return default
        canonical = vocab.get(header_key(text) or text)
        if canonical is None:
            allowed = ", ".join(sorted(set(vocab.values()), key=list(vocab.values()).index))
            self.add(
                Severity.ERROR,
                "choice-invalid",
                row,
                key,
                f"{what} {text!r} is not one of {allowed}; {default!r} is used",
                f"Choose {what} from the dropdown: {allowed}.",
            )
            return default
        if canonical != text:
            self.add(
                Severity.INFO,
                "choice-normalised",
                row,
                key,
                f"{what} {text!r} read as {canonical!r}",
                f"Choose {canonical!r} from the dropdown.",
            )
        return canonical

    def yes_no(self, row: _Row, key: str) -> bool:
        value = row.raw(key)
        if isinstance(value, bool):
            return value
        text = row.text(key).lower()
        if text in _YES:
            return True
        if text not in _NO:
            self.add(
                Severity.ERROR,
                "choice-invalid",
                row,
                key,
                f"Key {row.text(key)!r} is not Yes or No; No is used",
                "Choose Yes or No from the dropdown.",
            )
        return False

    def risk(self, row: _Row, key: str) -> str:
        value = row.raw(key)
        if value is None:
            return ""
        number, _ = read_number(value)
        if number is not None:
            if number.is_integer() and 1 <= number <= 16:
                return str(int(number))
            self.add(
                Severity.ERROR,
                "risk-invalid",
                row,
                key,
                f"risk score {row.text(key)} is outside 1-16; it is left blank",
                "Use a score from 1 to 16 (1-4 Low, 5-10 Medium, 11-16 High) or High, Medium, Low.",
            )
            return ""
        text = row.text(key)
        level = _RISK_WORDS.get(text.lower())
        if level is None:
            self.add(
                Severity.ERROR,
                "risk-invalid",
                row,
                key,
                f"risk {text!r} is not High, Medium, Low or a score 1-16; it is left blank",
                "Use High, Medium, Low or a score from 1 to 16.",
            )
            return ""
        if level != text:
            self.add(
                Severity.INFO, "choice-normalised", row, key, f"risk {text!r} read as {level!r}", f"Write {level}."
            )
        return level

    def due(self, row: _Row, key: str, year: str, what: str) -> tuple[str, date | None]:
        """The normalised due text and day; unparseable text is kept as written (with an error)."""
        value = row.raw(key)
        due = parse_due(value)
        if due is None:
            text = row.text(key)
            self.add(
                Severity.ERROR,
                "date-invalid",
                row,
                key,
                f"{what} {text!r} is not a date qmr understands; it is shown as written but lateness cannot be judged",
                "Write a date (31/03/2016), a month (Mar 2016), a quarter (Q4 2015/16), Ongoing, or leave it blank.",
            )
            return text, None
        shown = _text(value)
        if due.note or (isinstance(value, str) and due.text != shown and due.text):
            note = f" ({due.note})" if due.note else ""
            self.add(
                Severity.INFO,
                "date-normalised",
                row,
                key,
                f"{what} {shown!r} read as {due.text!r}{note}",
                f"Nothing to do; {due.text} is how qmr will show it.",
            )
        self.check_year(row, key, due, year, what)
        return due.text, due.day

    def due_from_text(self, row: _Row, text: str, year: str) -> tuple[str, date | None]:
        """The deadline an undated milestone sets in its text ("by March 2009"), when inside its year.

        Only deadline phrases count (see `register_values.dates_in_text`); a date outside the
        milestone's financial year is more likely history than a deadline, so Due stays blank.
        """
        found = dates_in_text(text)
        if not found:
            return "", None
        inside = [due for due in found if not year or _in_year(due.day, year)]
        if not inside:
            seen = ", ".join(due.text for due in found)
            self.add(
                Severity.WARNING,
                "date-from-text-outside-year",
                row,
                "due",
                f"the milestone's text names {seen}, outside its financial year {year}; Due is left blank",
                "Write the due date in Due, or check the date in the text and the Year column.",
            )
            return "", None
        chosen = inside[-1]
        self.add(
            Severity.INFO,
            "date-from-text",
            row,
            "due",
            f"due date {chosen.text} taken from the milestone's text",
            f"Nothing to do; or write {chosen.text} in Due.",
        )
        return chosen.text, chosen.day

    def check_year(self, row: _Row, key: str, due: Due, year: str, what: str) -> None:
        if due.day is None or not year:
            return
        if not _in_year(due.day, year):
            self.add(
                Severity.WARNING,
                "date-outside-year",
                row,
                key,
                f"{what} {due.text} is outside its financial year {year}",
                "Check the date and the Year column; move the item to the year it belongs to.",
            )

    def value(self, row: _Row, key: str, unit: str, what: str) -> float | str | None:
        """A PI figure: a float, text for a text target (no status computable), or None when blank."""
        value = row.raw(key)
        if value is None:
            return None
        number, how = read_number(value)
        if number is None:
            text = row.text(key)
            if unit != "text":
                self.add(
                    Severity.INFO,
                    "target-text",
                    row,
                    key,
                    f"{what} {text!r} is not a number, so no status can be computed against it",
                    "Nothing to do if that is intended; enter a number once it is known.",
                )
            return text
        if how == "percent" and unit != "%":
            self.add(
                Severity.WARNING,
                "percent-unit",
                row,
                key,
                f"{what} {value!r} has a % sign but the PI's unit is {unit}; read as {_text(number)}",
                "Check the Unit column, or drop the % sign.",
            )
        elif how == "percent":
            self.add(
                Severity.INFO,
                "number-normalised",
                row,
                key,
                f"{what} {value!r} read as {_text(number)}",
                "Nothing to do; percentages are kept as 75 for 75%.",
            )
        elif how:
            self.add(
                Severity.INFO,
                "number-as-text",
                row,
                key,
                f"{what} {value!r} is a number stored as text; read as {_text(number)}",
                "Re-enter it as a number (Excel marks such cells with a green triangle).",
            )
        return number

    # -- sheets ---------------------------------------------------------------------------------

    def read_settings(self, rows: list[_Row]) -> None:
        seen: dict[str, str] = {}
        for row in rows:
            if row.raw("name") is None:
                self.add(
                    Severity.WARNING,
                    "setting-no-name",
                    row,
                    "value",
                    f"value {row.text('value')!r} has no setting name; it is ignored",
                    "Put the setting's name in column Setting.",
                )
                continue
            name = re.sub(r"[\s\-]+", "_", row.text("name").strip().lower())
            raw = row.raw("value")
            text = raw.strip() if isinstance(raw, str) else _text(raw)
            if name in seen:
                self.add(
                    Severity.WARNING,
                    "setting-duplicate",
                    row,
                    "name",
                    f"setting {name} is also at Settings!{seen[name]}; this one is ignored",
                    "Keep one row per setting.",
                )
                continue
            seen[name] = row.cell("name")
            if name not in KNOWN_SETTINGS:
                self.add(
                    Severity.INFO,
                    "setting-unknown",
                    row,
                    "name",
                    f"setting {row.text('name')!r} is not used by qmr",
                    f"Nothing to do; qmr understands: {', '.join(KNOWN_SETTINGS)}.",
                )
            if not text:
                continue
            if name == "financial_year":
                year = financial_year(text)
                if year is None:
                    self.add(
                        Severity.WARNING,
                        "year-invalid",
                        row,
                        "value",
                        f"financial year {text!r} is not like 2015/16; it is ignored",
                        "Write it like 2015/16.",
                    )
                    continue
                if year != text:
                    self.add(
                        Severity.INFO,
                        "year-normalised",
                        row,
                        "value",
                        f"financial year {text!r} read as {year}",
                        f"Write {year}.",
                    )
                text = year
            if name == "contact_email" and not _EMAIL.match(text):
                self.add(
                    Severity.WARNING,
                    "email-invalid",
                    row,
                    "value",
                    f"{text!r} is not an e-mail address",
                    "Write one address like name@council.gov.uk.",
                )
            if name == "deadline_days":
                number, _ = read_number(text)
                if number is None or not number.is_integer() or not 0 <= number <= 100:
                    self.add(
                        Severity.ERROR,
                        "setting-invalid",
                        row,
                        "value",
                        f"deadline_days {text!r} is not a whole number of days; the default is used",
                        "Write a number of working days such as 15.",
                    )
                    continue
                text = str(int(number))
            self.settings[name] = text

    def read_teams(self, rows: list[_Row]) -> None:
        seen: dict[str, str] = {}
        for row in rows:
            if not self.required(row, TEAMS):
                continue
            code = self.ident(row, "code")
            if self.duplicate(seen, row, "code", code, "team code"):
                continue
            if not _TEAM_CODE.match(code):
                self.add(
                    Severity.WARNING,
                    "code-shape",
                    row,
                    "code",
                    f"team code {code!r} has characters that do not suit file names",
                    "Use letters, digits and hyphens only, e.g. BSC-FIN.",
                )
            name = row.text("name")
            if not name:
                self.add(
                    Severity.ERROR,
                    "required-blank",
                    row,
                    "name",
                    f"team name is blank; {code} is used",
                    "Fill in the team's name as managers know it.",
                    team=code,
                )
                name = code
            email = row.text("clerk_email")
            if not email and "clerk_email" in row.letters:
                self.add(
                    Severity.ERROR,
                    "required-blank",
                    row,
                    "clerk_email",
                    "clerk email is blank: nobody can be sent this team's return",
                    "Fill in the clerk's e-mail address.",
                    team=code,
                )
            for address in filter(None, re.split(r"[;,\s]+", email)):
                if not _EMAIL.match(address):
                    self.add(
                        Severity.WARNING,
                        "email-invalid",
                        row,
                        "clerk_email",
                        f"{address!r} is not an e-mail address",
                        "Write addresses like name@council.gov.uk, separated by semicolons.",
                        team=code,
                    )
            self.teams[code] = Team(
                code,
                name,
                row.text("directorate"),
                row.text("department"),
                row.text("division"),
                row.text("clerk_name"),
                email,
                row.text("responsible_officer"),
            )
            self.team_rows[code] = row

    def read_indicators(self, rows: list[_Row]) -> list[Indicator]:
        seen: dict[str, str] = {}
        result = []
        for row in rows:
            if not self.required(row, INDICATORS):
                continue
            ref = self.ident(row, "ref")
            if self.duplicate(seen, row, "ref", ref, "PI ref"):
                continue
            if _RANGE.search(ref):
                self.add(
                    Severity.WARNING,
                    "ref-range",
                    row,
                    "ref",
                    f"{ref!r} looks like a range of PIs; qmr treats it as one PI",
                    "Put each PI on its own row (BV 38, BV 39, ...), one ref each.",
                )
            if re.search(r"L[l]\d", ref):
                self.add(
                    Severity.WARNING,
                    "ref-lower-l",
                    row,
                    "ref",
                    f"{ref!r} has a lower-case l where LI (capital i) is usual",
                    "If LI was meant, correct it here and in returns' history.",
                )
            team = self.team_ref(row, "team", "PI")
            if team is None:
                self.skipped.setdefault(INDICATORS.name, {})[_same_key(ref)] = row.cell("team")
                continue
            description = row.text("description")
            if not description:
                self.add(
                    Severity.ERROR,
                    "required-blank",
                    row,
                    "description",
                    "PI description is blank",
                    "Describe what is measured; clerks see it on their return.",
                    team=team,
                )
            unit = self.unit(row)
            polarity = self.choice(row, "polarity", _POLARITIES, "none", "polarity")
            if unit != "text" and row.raw("polarity") is None and "polarity" in row.letters:
                self.add(
                    Severity.ERROR,
                    "polarity-missing",
                    row,
                    "polarity",
                    f"numeric PI {ref} has no polarity, so qmr cannot tell good from bad",
                    "Choose higher, lower, target (closest to target) or none.",
                    team=team,
                )
            frequency = self.choice(row, "frequency", _FREQUENCIES, "quarterly", "frequency")
            profile = self.choice(row, "profile", _PROFILES, "flat", "profile")
            category = row.text("category")
            for known in CATEGORIES:
                if category != known and header_key(category) == header_key(known):
                    self.add(
                        Severity.INFO,
                        "choice-normalised",
                        row,
                        "category",
                        f"category {category!r} read as {known!r}",
                        f"Choose {known!r} from the dropdown.",
                    )
                    category = known
            figures = {key: self.value(row, key, unit, what) for key, what in _FIGURES.items()}
            tolerance = self.tolerance(row)
            if unit == "%":
                figures = self.percent_fractions(row, ref, figures, tolerance)
            previous, target = figures["previous_actual"], figures["annual_target"]
            quarters = tuple(figures[f"q{q}_target"] for q in range(1, 5))
            result.append(
                Indicator(
                    ref,
                    description,
                    team,
                    unit,
                    category,
                    self.yes_no(row, "key"),
                    polarity,
                    frequency,
                    profile,
                    previous,
                    target,
                    quarters,
                    tolerance,
                )
            )
        return result

    def percent_fractions(
        self, row: _Row, ref: str, figures: dict[str, float | str | None], tolerance: float | None
    ) -> dict[str, float | str | None]:
        """A % PI's figures with those typed in Excel's percentage format (82% is stored as 0.82)
        read as percentage points (82), which is how qmr keeps percentages.

        calamine gives no number formats, so the row decides: a fraction is scaled when that brings it
        nearer the row's largest figure above 1 (`normalise.percent_from_fraction`), so a sickness
        target of 0.9 beside last year's 4.1 stays 0.9. When every figure is 1 or less nothing can
        tell them apart from small percentages: they are kept, with a warning.
        """
        numbers = {key: value for key, value in figures.items() if isinstance(value, float)}
        fractions = [
            key
            for key, value in numbers.items()
            if 0 < abs(value) <= 1 and isinstance(row.raw(key), (int, float)) and not isinstance(row.raw(key), bool)
        ]
        if not fractions:
            return figures
        points = [value for value in numbers.values() if abs(value) > 1]
        if not points:
            # info, not warning: real PIs are this small (permanent exclusions: 0.02%, target 0.35%)
            shown = ", ".join(f"{_FIGURES[key]} {_text(numbers[key])}" for key in fractions)
            self.add(
                Severity.INFO,
                "percent-fractions",
                row,
                fractions[0],
                f"every figure of % PI {ref} is 1 or less ({shown}); they are read as written, "
                f"so {_text(numbers[fractions[0]])} means {_text(numbers[fractions[0]])}%",
                "If they were typed as percentages (82%), Excel stored them as fractions (0.82): type 82 for "
                "82%. Otherwise nothing to do.",
            )
            return figures
        reference = max(points, key=abs)
        result = dict(figures)
        for key in fractions:
            normalised = percent_from_fraction(numbers[key], "%", reference)
            if not normalised.note:
                continue
            result[key] = normalised.value
            self.add(
                Severity.INFO,
                "percent-fraction",
                row,
                key,
                f"{_FIGURES[key]} {_text(numbers[key])} read as {_text(normalised.value)}: Excel stores a "
                f"percentage typed as {_text(normalised.value)}% as the fraction {_text(numbers[key])}",
                "Nothing to do; percentages are kept as 75 for 75%.",
            )
        if result != figures and tolerance is not None and 0 < tolerance < 1:
            self.add(
                Severity.WARNING,
                "percent-tolerance",
                row,
                "tolerance",
                f"amber tolerance {_text(tolerance)} is read as {_text(tolerance)} percentage points; if it "
                f"was typed as {_text(round(tolerance * 100, 10))}% like the row's other figures, it is too small",
                f"Type the tolerance in percentage points, e.g. {_text(round(tolerance * 100, 10))} for "
                f"{_text(round(tolerance * 100, 10))}%.",
            )
        return result

    def unit(self, row: _Row) -> str:
        if row.raw("unit") is None:
            number, _ = read_number(row.raw("annual_target"))
            default = "number" if number is not None else "text"
            if "unit" in row.letters:
                self.add(
                    Severity.ERROR,
                    "required-blank",
                    row,
                    "unit",
                    f"unit is blank; {default!r} is used",
                    "Choose %, number, £, rate or text.",
                )
            return default
        return self.choice(row, "unit", _UNITS, "number", "unit")

    def tolerance(self, row: _Row) -> float | None:
        value = row.raw("tolerance")
        if value is None:
            return None
        number, how = read_number(value)
        if number is None or number < 0:
            self.add(
                Severity.ERROR,
                "tolerance-invalid",
                row,
                "tolerance",
                f"amber tolerance {row.text('tolerance')!r} is not a positive number; it is ignored",
                "Write how far off target is still Amber, in the PI's unit, e.g. 2.",
            )
            return None
        if how:
            self.add(
                Severity.INFO,
                "number-as-text",
                row,
                "tolerance",
                f"amber tolerance {value!r} read as {_text(number)}",
                "Re-enter it as a number.",
            )
        return number

    def link(self, row: _Row, token: str, by_exact: dict[str, str], by_loose: dict[str, list[str]]) -> str | None:
        """The indicator a linked ref means, matching `LI12` to `BPR LI12` and `Ll21` to `LI21`."""
        if token in by_exact:
            return token
        loose = _loose(token)
        matches = by_loose.get(loose, [])
        if not matches:  # a ref without its prefix: LI12 for BPR LI12
            matches = sorted(
                {
                    ref
                    for key, refs in by_loose.items()
                    for ref in refs
                    if any(_loose("".join(ref.split()[i:])) == loose for i in range(1, len(ref.split())))
                }
            )
        if len(matches) == 1:
            self.add(
                Severity.WARNING,
                "link-loose",
                row,
                "indicators",
                f"linked indicator {token!r} taken to be {matches[0]!r}",
                f"Write {matches[0]} exactly as on sheet Indicators.",
            )
            return matches[0]
        if matches:
            self.add(
                Severity.ERROR,
                "link-ambiguous",
                row,
                "indicators",
                f"linked indicator {token!r} could be any of {', '.join(matches)}; it is dropped",
                "Write the full ref exactly as on sheet Indicators.",
            )
        else:
            self.add(
                Severity.ERROR,
                "link-unknown",
                row,
                "indicators",
                f"linked indicator {token!r} is not on sheet Indicators; it is dropped",
                "Add the PI to sheet Indicators or correct the ref.",
            )
        return None

    @staticmethod
    def link_tokens(row: _Row) -> list[str]:
        """The refs in a Linked indicators cell, split on commas, semicolons and line breaks (one per line
        is common) before spaces are tidied, so `LI19<newline>LI20` is two refs, not `LI19 LI20`."""
        written = cell_text(row.raw("indicators"))
        return [" ".join(part.split()) for part in re.split(r"[,;\r\n]+", written) if part.strip()]

    def read_objectives(self, rows: list[_Row], indicators: list[Indicator]) -> list[Objective]:
        by_exact = {i.ref: i.ref for i in indicators}
        by_loose: dict[str, list[str]] = {}
        for ind in indicators:
            by_loose.setdefault(_loose(ind.ref), []).append(ind.ref)
        seen: dict[str, str] = {}
        result = []
        for row in rows:
            if not self.required(row, OBJECTIVES):
                continue
            ref = self.ident(row, "ref")
            if self.duplicate(seen, row, "ref", ref, "objective ref"):
                continue
            team = self.team_ref(row, "team", "objective")
            if team is None:
                self.skipped.setdefault(OBJECTIVES.name, {})[_same_key(ref)] = row.cell("team")
                continue
            title = row.text("title")
            if not title:
                self.add(
                    Severity.ERROR,
                    "required-blank",
                    row,
                    "title",
                    "objective title is blank",
                    "Copy the objective's wording from the plan.",
                    team=team,
                )
            links = []
            for token in self.link_tokens(row):
                if _RANGE.search(token):
                    self.add(
                        Severity.WARNING,
                        "ref-range",
                        row,
                        "indicators",
                        f"linked indicator {token!r} is a range",
                        "List each PI ref, separated by commas.",
                    )
                found = self.link(row, token, by_exact, by_loose)
                if found and found not in links:
                    links.append(found)
            result.append(
                Objective(
                    ref,
                    title,
                    team,
                    row.text("corporate_priority"),
                    row.text("area_of_focus"),
                    self.yes_no(row, "key"),
                    row.text("responsible_officer"),
                    self.risk(row, "initial_risk"),
                    self.risk(row, "residual_risk"),
                    tuple(links),
                )
            )
        return result

    def objective_ref(self, row: _Row, objectives: dict[str, Objective], what: str) -> Objective | None:
        text = self.ident(row, "objective_ref")
        if text in objectives:
            return objectives[text]
        for ref, objective in objectives.items():
            if _loose(ref) == _loose(text):
                self.add(
                    Severity.WARNING,
                    "objective-loose",
                    row,
                    "objective_ref",
                    f"objective {text!r} taken to be {ref!r}",
                    f"Write {ref} exactly as on sheet Objectives.",
                )
                return objective
        where = self.skipped.get(OBJECTIVES.name, {}).get(_same_key(text))
        if where:
            self.skip(
                row,
                "objective_ref",
                f"objective {text!r} was itself left out (see Objectives!{where})",
                f"Fix the objective's row at Objectives!{where}.",
                code="objective-unknown",
            )
        else:
            self.skip(
                row,
                "objective_ref",
                f"{what} belongs to objective {text!r}, which is not on sheet Objectives",
                "Correct the objective ref or add the objective.",
                code="objective-unknown",
            )
        return None

    def id_or_new(self, row: _Row, used: set[str], prefix: str, what: str, links: str) -> str:
        """The row's ID, or the next free `prefix<n>` (with a warning) when it has none."""
        if row.raw("id") is not None:
            return self.ident(row, "id")
        number = 1
        while _same_key(f"{prefix}{number}") in used:
            number += 1
        ident = f"{prefix}{number}"
        used.add(_same_key(ident))
        self.add(
            Severity.WARNING,
            "id-generated",
            row,
            "id",
            f"{what} has no ID; {ident} is used",
            f"Give it an ID of its own: IDs link {links}, so they must not change.",
        )
        return ident

    def read_milestones(self, rows: list[_Row], objectives: dict[str, Objective]) -> list[Milestone]:
        used = {_same_key(row.text("id")) for row in rows if row.raw("id") is not None}
        seen: dict[str, str] = {}
        result = []
        for row in rows:
            if not self.required(row, MILESTONES):
                continue
            objective = self.objective_ref(row, objectives, "milestone")
            if objective is None:
                continue
            ident = self.id_or_new(row, used, f"{objective.ref}.", "milestone", "each quarter's returns")
            if self.duplicate(seen, row, "id", ident, "milestone ID"):
                continue
            team = objective.team
            if row.raw("team") is not None:
                team = self.team_ref(row, "team", "milestone")
                if team is None:
                    continue
            text = row.text("text")
            year = ""
            if row.raw("year") is not None:
                year = financial_year(row.text("year")) or ""
                if not year:
                    self.add(
                        Severity.WARNING,
                        "year-invalid",
                        row,
                        "year",
                        f"year {row.text('year')!r} is not a financial year like 2015/16; it is ignored",
                        "Write it like 2015/16.",
                    )
                elif year != row.text("year"):
                    self.add(
                        Severity.INFO,
                        "year-normalised",
                        row,
                        "year",
                        f"year {row.text('year')!r} read as {year}",
                        f"Write {year}.",
                    )
            if row.raw("due") is None:
                due, day = self.due_from_text(row, text, year or self.settings.get("financial_year", ""))
            else:
                due, day = self.due(row, "due", year, "due date")
            if not year:
                year = (financial_year_of(day) if day else "") or self.settings.get("financial_year", "")
            result.append(Milestone(ident, objective.ref, text, team, due, year, row.text("responsible_officer")))
        return result

    def read_risks(self, rows: list[_Row], objectives: dict[str, Objective]) -> list[RiskMeasure]:
        result = []
        for row in rows:
            if not self.required(row, RISKS):
                continue
            objective = self.objective_ref(row, objectives, "risk")
            if objective is None:
                continue
            team = objective.team
            if row.raw("team") is not None:
                team = self.team_ref(row, "team", "risk")
                if team is None:
                    continue
            result.append(RiskMeasure(objective.ref, row.text("measures"), team, row.text("responsible_officer")))
        return result

    def read_equality(self, rows: list[_Row]) -> list[EqualityAction]:
        used = {_same_key(row.text("id")) for row in rows if row.raw("id") is not None}
        seen: dict[str, str] = {}
        result = []
        for row in rows:
            if not self.required(row, EQUALITY):
                continue
            ident = self.id_or_new(row, used, "EQ", "equality action", "each half-year's returns")
            if self.duplicate(seen, row, "id", ident, "equality action ID"):
                continue
            team = self.team_ref(row, "team", "equality action")
            if team is None:
                continue
            target, _ = self.due(row, "target_date", "", "target date")
            result.append(EqualityAction(ident, row.text("action"), team, target, row.text("responsible_officer")))
        return result

    def idle_teams(self, plan: Plan) -> None:
        busy = {
            item.team
            for group in (plan.objectives, plan.milestones, plan.indicators, plan.risks, plan.equality)
            for item in group
        }
        for code, row in self.team_rows.items():
            if code not in busy:
                self.add(
                    Severity.WARNING,
                    "team-idle",
                    row,
                    "code",
                    f"team {code} has nothing to report (no objective, milestone, PI, risk or equality "
                    "action names it)",
                    "Give the team items on the other sheets, or delete its row so it is not sent a return.",
                    team=code,
                )


def fingerprint(plan: Plan) -> str:
    """sha256 (first 16 hex digits) of the plan's content, not its file: re-saving does not change it."""
    content = {
        "teams": [asdict(t) for t in plan.teams],
        "objectives": [asdict(o) for o in plan.objectives],
        "milestones": [asdict(m) for m in plan.milestones],
        "indicators": [asdict(i) for i in plan.indicators],
        "risks": [asdict(r) for r in plan.risks],
        "equality": [asdict(e) for e in plan.equality],
        "settings": plan.settings,
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def read_register(path: Path) -> tuple[Plan | None, list[Finding]]:
    """The plan in a register workbook, and every problem found in it.

    The plan is None only when the file cannot be read or a required sheet is missing; otherwise
    bad rows are left out or bad values defaulted, each with a finding.
    """
    path = Path(path)
    out = _Findings(path.name)
    try:
        plan = _read(path, out)
    except BaseException as exc:  # a bug must not turn a user's bad cell into a traceback
        if not is_reading_failure(exc):
            raise
        out.add(
            Severity.REJECTED,
            "internal-error",
            f"qmr could not read the register: {type(exc).__name__}: {str(exc)[:200]}",
            "Please report this to the qmr maintainers with the register attached.",
        )
        plan = None
    return plan, out.sorted()


def _read(path: Path, out: _Findings) -> Plan | None:
    book = _open(path, out)
    if book is None:
        return None
    names = list(book.sheet_names)
    rows: dict[str, list[_Row]] = {}
    missing = []
    for sheet in SHEETS:
        actual = _find_sheet(names, sheet, out)
        if actual is None:
            required = sheet.name in REQUIRED_SHEETS
            out.add(
                Severity.REJECTED if required else Severity.WARNING,
                "sheet-missing",
                f"the register has no sheet {sheet.name!r}" + ("" if required else "; it is taken as empty"),
                f"Add a sheet named {sheet.name} with the header row "
                f"{', '.join(c.header for c in sheet.columns)} (`qmr register new` writes a blank register).",
                sheet=sheet.name,
            )
            if required:
                missing.append(sheet.name)
            rows[sheet.name] = []
            continue
        rows[sheet.name] = _read_sheet(book, path, actual, sheet, out)
    if missing:
        return None
    build = _Builder(out)
    build.read_settings(rows[SETTINGS.name])
    build.read_teams(rows[TEAMS.name])
    indicators = build.read_indicators(rows[INDICATORS.name])
    objectives = build.read_objectives(rows[OBJECTIVES.name], indicators)
    by_ref = {o.ref: o for o in objectives}
    milestones = build.read_milestones(rows[MILESTONES.name], by_ref)
    risks = build.read_risks(rows[RISKS.name], by_ref)
    equality = build.read_equality(rows[EQUALITY.name])
    plan = Plan(
        tuple(build.teams.values()),
        tuple(objectives),
        tuple(milestones),
        tuple(indicators),
        tuple(risks),
        tuple(equality),
        dict(build.settings),
    )
    build.idle_teams(plan)
    if not plan.teams:
        out.add(Severity.ERROR, "no-teams", "the register has no usable team", "Fill in sheet Teams.", sheet=TEAMS.name)
    return replace(plan, fingerprint=fingerprint(plan))


def check_register(path: Path) -> list[Finding]:
    """Every problem in the register (for `qmr register check`; exit non-zero when `errors()`)."""
    _, findings = read_register(path)
    return findings
