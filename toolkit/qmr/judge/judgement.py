"""Judging one readable return of the right period from a known team: each of its rows (items.py),
its sign-off, its narrative, and whether the register changed since its template was made."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from qmr import normalise
from qmr.judge.items import JudgedItem, judge_row
from qmr.judge.past import PastIndex
from qmr.model import Finding, NarrativeEntry, NarrativeType, Plan, Severity
from qmr.period import Period
from qmr.returns import layout
from qmr.returns.reader import ReturnedWorkbook

SIGNOFF_LATEST = timedelta(days=365)  # a sign-off more than a year after the quarter ends is a typing slip


@dataclass(frozen=True, slots=True)
class Judgement:
    """What judging one return found: its items by row key, sign-off date, narrative, and findings."""

    items: dict[str, JudgedItem]
    signed_off: date | None
    narrative: tuple[NarrativeEntry, ...]
    findings: list[Finding]


def expected_rows(plan: Plan, team: str, period: Period) -> dict[str, tuple[layout.ItemSheet, dict]]:
    """Row key -> (sheet, prefilled values) for what a team's return for a period must report."""
    team_plan = plan.for_team(team)
    return {
        row.key: (sheet, row.values)
        for sheet, rows in layout.sheets_for(team_plan, period)
        for row in rows
    }


def judge(
    plan: Plan, period: Period, workbook: ReturnedWorkbook, earlier: PastIndex | None = None
) -> Judgement:
    """Judge one readable return of the right period and a known team; `earlier` is the history."""
    team = workbook.identity.team
    file = workbook.file
    findings: list[Finding] = []
    team_plan = plan.for_team(team)
    expected = {key: sheet for sheet, key in layout.row_keys(team_plan, period)}  # where each row belongs
    indicators = {i.ref: i for i in team_plan.indicators}
    previous = {key: [value for _, value in values]
                for (owner, key), values in (earlier or {}).items() if owner == team}

    if workbook.identity.register_fingerprint != team_plan.fingerprint:
        findings.append(Finding(
            Severity.WARNING, "this template was made before the team's part of the plan register changed",
            "Usually harmless: rows no longer in the register are ignored, new ones show as Missing. "
            "Send the team a new template if its items changed much.",
            file, layout.IDENTITY_SHEET, layout.identity_cell("register_fingerprint"), team,
            "register-changed"))

    items: dict[str, JudgedItem] = {}
    for row in workbook.rows:
        if row.key not in expected:
            findings.append(Finding(
                Severity.WARNING, f"{normalise.text(row.values.get('ref'))} is no longer in the plan register for "
                f"{period.label}; its row is ignored", "Nothing to do unless the register is wrong.",
                file, row.sheet, row.cell("ref"), team, "row-not-in-register"))
            continue
        judged, row_findings = judge_row(row, expected[row.key], period, indicators, previous, file, team)
        items[row.key] = judged
        findings.extend(row_findings)

    signed, signoff_findings = _judge_signoff(workbook, file, team, period)
    findings.extend(signoff_findings)
    narrative, narrative_findings = _judge_narrative(workbook, file, team)
    findings.extend(narrative_findings)
    return Judgement(items, signed, narrative, findings)


def _judge_signoff(workbook: ReturnedWorkbook, file: str, team: str, period: Period
                   ) -> tuple[date | None, list[Finding]]:
    findings = []
    values = workbook.signoff
    column = layout.SIGNOFF_VALUE_COLUMN
    cells = {c.key: f"{column}{c.row}" for c in layout.SIGNOFF_CELLS}
    sheet = layout.SIGNOFF_SHEET
    if normalise.is_blank(values.get("completed_by")):
        findings.append(Finding(Severity.WARNING, "sign-off: no name in 'Completed by'",
                                "Enter who completed the return.", file, sheet, cells["completed_by"],
                                team, "signoff-missing"))
    confirmed = normalise.yes(values.get("confirmed"))
    if confirmed.value is None:
        findings.append(Finding(Severity.WARNING, "sign-off: the data-quality statement is not confirmed",
                                "Read the statement and choose Yes.", file, sheet, cells["confirmed"],
                                team, "signoff-unconfirmed"))
    elif confirmed.note:
        findings.append(Finding(Severity.INFO, f"sign-off: {confirmed.note}", "", file, sheet,
                                cells["confirmed"], team, "signoff-normalised"))
    signed = normalise.day(values.get("date"))
    if signed.value is None and not normalise.is_blank(values.get("date")):
        findings.append(Finding(Severity.WARNING, f"sign-off date: {signed.note}",
                                "Enter the date as a date, e.g. 14/01/2016.", file, sheet, cells["date"],
                                team, "signoff-date-invalid"))
    elif signed.value is None:
        findings.append(Finding(Severity.WARNING, "sign-off: no date", "Enter the date the return was "
                                "completed.", file, sheet, cells["date"], team, "signoff-missing"))
    elif signed.note:
        findings.append(Finding(Severity.INFO, f"sign-off date: {signed.note}", "", file, sheet,
                                cells["date"], team, "date-normalised"))
    if signed.value is not None and not period.start <= signed.value <= period.end + SIGNOFF_LATEST:
        # e.g. a number typed into the date cell: 8539 shows as 18/05/1923
        findings.append(Finding(Severity.WARNING, f"sign-off date {signed.value:%d/%m/%Y} cannot be right for "
                                f"{period.label} ({period.start:%d/%m/%Y} to {period.end:%d/%m/%Y})",
                                "Enter the date the return was completed, e.g. "
                                f"{period.end + timedelta(days=14):%d/%m/%Y}.", file, sheet, cells["date"],
                                team, "signoff-date-implausible"))
    return signed.value, findings  # type: ignore[return-value]


def _judge_narrative(workbook: ReturnedWorkbook, file: str, team: str
                     ) -> tuple[tuple[NarrativeEntry, ...], list[Finding]]:
    entries = []
    findings = []
    sheet = layout.NARRATIVE_SHEET

    def find(severity: Severity, message: str, action: str, cell: str, code: str) -> None:
        findings.append(Finding(severity, message, action, file, sheet, cell, team, code))

    choices = " or ".join(layout.NARRATIVE_TYPES)
    for row in workbook.narrative:
        title, body = normalise.text(row.title), normalise.text(row.text)
        typed = normalise.narrative_type(row.type, layout.NARRATIVE_TYPES)
        if not title and not body:
            if not normalise.is_blank(row.type):  # a type alone says nothing: do not drop it silently
                find(Severity.WARNING, f"narrative row {row.row} has a type but no title or text; ignored",
                     "Give it a title and text, or clear the row.", layout.narrative_cell("type", row.row),
                     "narrative-empty")
            continue
        kind = NarrativeType(typed.value if isinstance(typed.value, str) else layout.NARRATIVE_TYPES[0])
        type_cell, title_cell, text_cell = (layout.narrative_cell(key, row.row) for key in ("type", "title", "text"))
        if typed.value is None:
            what = typed.note or "has no type"
            find(Severity.WARNING, f"narrative row {row.row}: {what}; shown as a {kind.lower()}",
                 f"Choose {choices} in column {layout.narrative_letter('type')}.", type_cell, "narrative-type")
        elif typed.note:
            find(Severity.INFO, f"narrative row {row.row}: {typed.note}", "", type_cell,
                 "narrative-type-normalised")
        if not title:
            find(Severity.WARNING, f"narrative row {row.row} has text but no title",
                 f"Give the entry a short title in column {layout.narrative_letter('title')}.", title_cell,
                 "narrative-no-title")
        elif not body:
            find(Severity.WARNING, f"narrative row {row.row} has a title but no text",
                 f"Write the entry's text in column {layout.narrative_letter('text')}.", text_cell,
                 "narrative-no-text")
        entries.append(NarrativeEntry(team, kind, title, body, file, f"{sheet}!{text_cell}"))
    return tuple(entries), findings
