"""Reading and checking the plan register: the workbook performance officers maintain.

Everything is driven by `plan.layout.SHEETS`. Real plans are messy, so nothing here raises on what a
user typed: each problem becomes a Finding naming the sheet and cell and saying what to do (the
problems and their wording are data, in plan/problems.py). This module opens the workbook and its
sheets; each sheet family is read by its own module (teams, objectives, milestones, indicators,
risks_equality, settings) and the checks across sheets are in crossrefs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from python_calamine import CalamineWorkbook

from qmr.calamine_errors import is_reading_failure
from qmr.model import Finding, Plan, Severity
from qmr.plan.crossrefs import idle_teams
from qmr.plan.indicators import read_indicators
from qmr.plan.layout import (
    EQUALITY,
    INDICATORS,
    MILESTONES,
    OBJECTIVES,
    RISKS,
    SETTINGS,
    SHEETS,
    TEAMS,
    Sheet,
    header_key,
)
from qmr.plan.milestones import read_milestones
from qmr.plan.objectives import read_objectives
from qmr.plan.problems import Findings
from qmr.plan.risks_equality import read_equality, read_risks
from qmr.plan.rows import Reading, Row
from qmr.plan.settings import read_settings
from qmr.plan.sheets import REQUIRED_SHEETS, headers, read_sheet
from qmr.plan.teams import read_teams


@dataclass(frozen=True)
class RegisterRead:
    """What reading a register gave: the plan, and every problem found in it (sheet, row, column order).

    The plan is None only when the file cannot be read or a required sheet is missing; otherwise
    bad rows are left out or bad values defaulted, each with a finding.
    """

    plan: Plan | None
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> bool:
        return errors(self.findings)


def errors(findings: Iterable[Finding]) -> bool:
    """Whether any finding is an error or worse (what makes `qmr register check` exit non-zero)."""
    return any(f.severity in (Severity.REJECTED, Severity.ERROR) for f in findings)


def read_register(path: Path) -> RegisterRead:
    """The plan in a register workbook, and every problem found in it."""
    path = Path(path)
    out = Findings(path.name)
    try:
        plan = _read(path, out)
    except BaseException as exc:  # a bug must not turn a user's bad cell into a traceback
        if not is_reading_failure(exc):
            raise
        out.add("internal-error", error=f"{type(exc).__name__}: {str(exc)[:200]}")
        plan = None
    return RegisterRead(plan, out.sorted())


def check_register(path: Path) -> tuple[Finding, ...]:
    """Every problem in the register (for `qmr register check`; exit non-zero when `errors()`)."""
    return read_register(path).findings


def _read(path: Path, out: Findings) -> Plan | None:
    book = _open(path, out)
    if book is None:
        return None
    rows = _rows(book, path, out)
    if rows is None:
        return None
    reading = Reading(out)
    read_settings(reading, rows[SETTINGS.name])
    read_teams(reading, rows[TEAMS.name])
    indicators = read_indicators(reading, rows[INDICATORS.name])
    objectives = read_objectives(reading, rows[OBJECTIVES.name], indicators)
    by_ref = {o.ref: o for o in objectives}
    plan = Plan(
        tuple(reading.teams.values()),
        tuple(objectives),
        tuple(read_milestones(reading, rows[MILESTONES.name], by_ref)),
        tuple(indicators),
        tuple(read_risks(reading, rows[RISKS.name], by_ref)),
        tuple(read_equality(reading, rows[EQUALITY.name])),
        dict(reading.settings),
    )
    idle_teams(reading, plan)
    if not plan.teams:
        out.add("no-teams", TEAMS.name)
    return replace(plan, fingerprint=plan.content_fingerprint())


def _rows(book: CalamineWorkbook, path: Path, out: Findings) -> dict[str, list[Row]] | None:
    """Each sheet's rows by sheet name ([] for a missing optional sheet); None when a required one is missing."""
    names = list(book.sheet_names)
    rows: dict[str, list[Row]] = {}
    missing = False
    for sheet in SHEETS:
        actual = _find_sheet(names, sheet, out)
        if actual is not None:
            rows[sheet.name] = read_sheet(book, path, actual, sheet, out)
            continue
        required = sheet.name in REQUIRED_SHEETS
        out.add("sheet-missing" if required else "sheet-missing-optional", sheet.name, sheet=sheet.name,
                headers=headers(sheet))
        missing = missing or required
        rows[sheet.name] = []
    return None if missing else rows


def _find_sheet(names: list[str], sheet: Sheet, out: Findings) -> str | None:
    if sheet.name in names:
        return sheet.name
    for name in names:
        if header_key(name) == header_key(sheet.name):
            out.add("sheet-name", name, name=name, expected=sheet.name)
            return name
    return None


def _open(path: Path, out: Findings) -> CalamineWorkbook | None:
    if path.name.startswith("~$"):
        out.add("lock-file", name=path.name)
        return None
    if not path.is_file():
        out.add("not-found", path=path)
        return None
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        out.add("cannot-open", reason=exc.strerror or exc)
        return None
    if head.startswith(b"\xd0\xcf\x11\xe0") and path.suffix.lower() in (".xlsx", ".xlsm"):
        out.add("encrypted")
        return None
    try:
        return CalamineWorkbook.from_path(str(path))
    except BaseException as exc:  # calamine raises several types for corrupt or foreign files
        if not is_reading_failure(exc):
            raise
        out.add("unreadable", reason=str(exc)[:200])
        return None
