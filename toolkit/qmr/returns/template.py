"""The return workbook a team is sent each quarter, written with openpyxl from layout.py alone.

Every position comes from layout.py, which the return reader also uses, so the two cannot drift.
The workbook has no macros: checks are plain formulas (COUNTIF, IF, AND, OR, LEN, TRIM) that Excel,
LibreOffice and Excel Online all calculate, and sheet protection only guards against accidents.
This module puts a return together and writes one per team; the sheets are in instructions.py and
sheets.py, their look in style.py, what the clerk may type in protection.py.
"""

from __future__ import annotations

import csv
import io
import os
import re
from concurrent.futures import ProcessPoolExecutor
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from qmr.atomic import write_atomic
from qmr.model import Plan, Team
from qmr.period import Period, add_working_days
from qmr.returns import layout, sheets
from qmr.returns.checks import status_formula
from qmr.returns.instructions import write_instructions
from qmr.returns.protection import protect
from qmr.returns.style import status_cell
from qmr.returns.token import team_token

DEFAULT_DEADLINE_DAYS = 15
DISTRIBUTION_FILE = "distribution.csv"
DISTRIBUTION_COLUMNS = ("team", "team_name", "clerk", "email", "file")


def default_deadline(plan: Plan, period: Period) -> date:
    """The return date: `deadline_days` working days (setting, default 15) after the quarter ends."""
    try:
        days = int(float(plan.settings.get("deadline_days") or DEFAULT_DEADLINE_DAYS))
    except ValueError:
        days = DEFAULT_DEADLINE_DAYS
    return add_working_days(period.end, days)


def template_name(period: Period, team_code: str) -> str:
    """`2008-09-Q2_BSC-FIN.xlsx`; characters a file system dislikes in a team code become '-'."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", team_code).strip("-.") or "team"
    return f"{period.slug}_{safe}.xlsx"


def write_templates(
    plan: Plan,
    period: Period,
    out_dir: Path,
    *,
    teams: list[str] | None = None,
    deadline: date | None = None,
    previous_commentary: dict[str, dict[str, str]] | None = None,
    generated_at: datetime | None = None,
    secret: bytes | None = None,
) -> list[Path]:
    """Write one return per team (every team with something due, or `teams` in the order given) and
    distribution.csv.

    Returns the workbook paths. Raises ValueError, naming them, for team codes not in the register.
    """
    codes = list(teams) if teams else layout.teams_due(plan, period)
    unknown = [code for code in codes if plan.team(code) is None]
    if unknown:
        known = ", ".join(t.code for t in plan.teams)
        raise ValueError(f"not in the register's Teams sheet: {', '.join(unknown)} (known: {known})")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = generated_at or _now()
    previous = previous_commentary or {}
    jobs = [(code, period, out_dir / template_name(period, code), deadline, previous.get(code), stamp, secret)
            for code in dict.fromkeys(codes)]  # a code given twice gets one file
    if len(jobs) >= PARALLEL_FROM and _cores() > 1:
        with ProcessPoolExecutor(initializer=_give_worker, initargs=(plan,)) as pool:
            paths = list(pool.map(_write_job, jobs, chunksize=max(1, min(16, len(jobs) // (4 * _cores())))))
    else:
        paths = [_write_job(job, plan) for job in jobs]
    teams_sent = [plan.team(code) for code in dict.fromkeys(codes)]
    _write_distribution(out_dir / DISTRIBUTION_FILE,
                        [(p.name, t) for p, t in zip(paths, teams_sent, strict=True) if t is not None])
    return paths


PARALLEL_FROM = 8  # a template takes a tenth of a second or more: from a few, every core pays
_WORKER_PLAN: dict[str, Plan] = {}  # a pool worker's own copy of the plan, given once, not once per template


def _cores() -> int:
    return os.cpu_count() or 1


def _give_worker(plan: Plan) -> None:
    _WORKER_PLAN["plan"] = plan


def _write_job(job: tuple, plan: Plan | None = None) -> Path:
    code, period, path, deadline, previous, stamp, secret = job
    return write_return(plan or _WORKER_PLAN["plan"], code, period, path, deadline=deadline,
                        previous_commentary=previous, generated_at=stamp, secret=secret)


def write_return(
    plan: Plan,
    team_code: str,
    period: Period,
    path: Path,
    *,
    deadline: date | None = None,
    previous_commentary: dict[str, str] | None = None,
    generated_at: datetime | None = None,
    secret: bytes | None = None,
) -> Path:
    """Write one team's return workbook to `path` (atomically) and return the path. With the working
    folder's `secret`, its identity carries the team token (returns.token); without, none."""
    team = plan.team(team_code)
    if team is None:
        raise ValueError(f"team {team_code!r} is not in the register's Teams sheet")
    team_plan = plan.for_team(team_code)
    item_sheets = layout.sheets_for(team_plan, period)
    due = deadline or default_deadline(plan, period)
    previous = previous_commentary or {}

    book = Workbook()
    instructions = book.active
    instructions.title = layout.INSTRUCTIONS_SHEET
    write_instructions(instructions, plan, team, period, due, item_sheets, bool(previous))

    ranges: list[sheets.CheckRange] = []  # for the status line
    clerk_sheets: list[Worksheet] = [instructions]
    for item_sheet, rows in item_sheets:
        ws = book.create_sheet(item_sheet.name)
        clerk_sheets.append(ws)
        check = sheets.item_sheet(ws, item_sheet, rows, period, team, team_plan.indicators, previous)
        if check:
            ranges.append(check)
    narrative = book.create_sheet(layout.NARRATIVE_SHEET)
    clerk_sheets.append(narrative)
    ranges.append(sheets.narrative(narrative, team, period))
    signoff = book.create_sheet(layout.SIGNOFF_SHEET)
    clerk_sheets.append(signoff)
    ranges.append(sheets.signoff(signoff, plan, team, period))

    formula = status_formula(ranges)
    for ws in clerk_sheets:
        status_cell(ws, formula)

    identity = book.create_sheet(layout.IDENTITY_SHEET)
    token = team_token(secret, team.code, period.label, team_plan.fingerprint) if secret else ""
    sheets.identity(identity, team, period, team_plan.fingerprint, generated_at or _now(), item_sheets, token)

    protect(book)
    book.active = 0
    book.properties.creator = "qmr"
    book.properties.title = f"Quarterly monitoring return {period.label} {team.code}"
    _save(book, Path(path))
    return Path(path)


def _now() -> datetime:
    return datetime.now().astimezone().replace(microsecond=0)  # local time, with its UTC offset


def _write_distribution(path: Path, rows: list[tuple[str, Team]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(DISTRIBUTION_COLUMNS)
    for file_name, team in rows:
        writer.writerow((team.code, team.name, team.clerk_name, team.clerk_email, file_name))
    write_atomic(path, lambda tmp: tmp.write_text(buffer.getvalue(), encoding="utf-8"))


def _save(book: Workbook, path: Path) -> None:
    write_atomic(path, book.save)


