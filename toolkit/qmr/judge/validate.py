"""Judging returns against the plan: DESIGN.md's severities, one finding per problem, each naming
file, sheet, cell and what to do.

rejected  the file contributes nothing (not a return, wrong period, unknown team, tampered)
error     the item is Missing in the master (an unexplained Amber/Red/N/A keeps its status); the rest of
          the return is used
warning   worth a look (status disagrees with the figures, cumulative PI went down, ...)
info      a value qmr had to interpret (`g` read as Green, `75%` read as 75); a superseded draft
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Protocol

from qmr import normalise
from qmr.findings import has_problems
from qmr.judge import authenticity
from qmr.judge.auto_status import auto_status
from qmr.judge.parallel import ordered_map
from qmr.judge.past import PastIndex, index_past
from qmr.model import (
    Finding,
    Indicator,
    Kind,
    NarrativeEntry,
    NarrativeType,
    PastValue,
    Plan,
    Profile,
    Severity,
    SourceOutcome,
    SourceRecord,
    Status,
)
from qmr.period import Period
from qmr.plan.targets import quarter_target
from qmr.returns import layout
from qmr.returns.reader import ReturnedRow, ReturnedWorkbook, read_return
from qmr.statuses import NEEDS_COMMENTARY


class Incoming(Protocol):
    """A collected file: what `sources.collect` hands over."""

    name: str
    data: bytes
    size: int
    sha256: str
    modified: datetime


@dataclass(frozen=True)
class Origin:
    """Where a readable return can be read again: the source file it came in (itself, or the zip or
    e-mail holding it) and the SHA-256 of what was judged, to tell if it changed since."""

    source: str
    sha256: str


@dataclass(frozen=True)
class JudgedItem:
    """One row of an accepted return after judging; status Missing when it had an error."""

    key: str
    kind: Kind
    ref: str
    status: Status
    actual: float | str | None
    commentary: str
    auto_status: Status | None
    source_cell: str


@dataclass(frozen=True)
class AcceptedReturn:
    file: str
    team: str
    sha256: str
    size: int
    modified: datetime
    signed_off: date | None
    items: dict[str, JudgedItem]
    narrative: tuple[NarrativeEntry, ...]


@dataclass(frozen=True)
class Judgement:
    """What judging one return found: its items by row key, sign-off date, narrative, and findings."""

    items: dict[str, JudgedItem]
    signed_off: date | None
    narrative: tuple[NarrativeEntry, ...]
    findings: list[Finding]


@dataclass
class Validation:
    """Everything validation learned from one batch of sources."""

    accepted: list[AcceptedReturn] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    sources: list[SourceRecord] = field(default_factory=list)
    # what each readable file said it was, for feedback copies: file -> (team, Origin). Not its bytes:
    # a batch of 20,000 returns is not held in memory; a feedback copy reads its file again.
    readable: dict[str, tuple[str, Origin]] = field(default_factory=dict)
    encrypted: set[str] = field(default_factory=set)  # files that came password-protected

    def has_problems(self) -> bool:
        return has_problems(self.findings)

    def plus(self, findings: Iterable[Finding]) -> Validation:
        """This validation with what a later step (history, feedback copies) found put after its own."""
        return replace(self, findings=[*self.findings, *findings])

    def after(self, findings: Iterable[Finding], sources: Iterable[SourceRecord] = ()) -> Validation:
        """This validation with what an earlier step (collection) found put before its own."""
        return replace(self, findings=[*findings, *self.findings], sources=[*sources, *self.sources])


def validate(
    plan: Plan,
    period: Period,
    incoming: Iterable[Incoming],
    past: Sequence[PastValue] = (),
    *,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    secret: bytes | None = None,
    warn_unchecked: bool = False,
    today: date | None = None,
) -> Validation:
    """Read and judge every incoming file; the caller adds what collection found (cycle.py).
    `secret` is the working folder's (returns.token): without it, team tokens go unchecked, and with
    `warn_unchecked` (the CLI outside a working folder) one warning says so. `today` bounds a credible
    sign-off date (default: the day of the run).

    Each file is read and judged in one go on one of `workers` processes (default: every core) when
    there are enough files to pay for starting them; `incoming` may be an iterator, and a file's bytes
    are let go once it is judged. Its judgement counts only when it is its team's newest return.
    `progress` is called with (files judged so far, files found so far).
    """
    result = Validation()
    judging = Judging(plan, period, secret, authenticity.row_owners(plan, period), index_past(past, period),
                      today or date.today())
    found = 0

    def tasks() -> Iterator[tuple[Received, tuple[str, bytes, str]]]:
        nonlocal found
        for item in incoming:
            found += 1
            yield Received.of(item), (item.name, item.data, getattr(item, "sender", ""))

    candidates: list[tuple[Received, Assessment]] = []
    unchecked: list[str] = []  # returns whose team token could not be checked: no secret
    done = 0
    for item, assessment in ordered_map(assess, judging, tasks(), workers=workers):
        done += 1
        if progress:
            progress(done, found)
        result.findings.extend(assessment.findings)
        if assessment.refused is not None:
            result.sources.append(_record(item, assessment.team, SourceOutcome.REJECTED, assessment.refused))
            continue
        if secret is None and warn_unchecked:
            unchecked.append(item.name)
        result.readable[item.name] = (assessment.team, Origin(item.container or item.name, item.sha256))
        if item.encrypted_was:
            result.encrypted.add(item.name)
        candidates.append((item, assessment))

    if unchecked:
        result.findings.append(authenticity.tokens_unchecked(unchecked))
    winners = _newest_per_team(_distinct(candidates, result), result)
    chosen = {id(item) for item, _ in winners}
    for item, assessment in candidates:  # a winner's sign-off date is judged with the rest of it (judge)
        if id(item) not in chosen and assessment.impossible:
            result.findings.append(assessment.impossible)
    for item, assessment in winners:
        judged = assessment.judgement
        assert judged is not None  # every readable return is judged
        result.findings.extend(judged.findings)
        result.accepted.append(AcceptedReturn(
            item.name, assessment.team, item.sha256, item.size, item.modified,
            judged.signed_off, judged.items, judged.narrative))
        result.sources.append(_record(item, assessment.team, SourceOutcome.ACCEPTED))
    result.accepted.sort(key=lambda r: r.team)
    return result


SIGNOFF_LATEST = timedelta(days=365)  # a sign-off more than a year after the quarter ends is a typing slip


@dataclass(frozen=True)
class Received:
    """What is known of an incoming file once its bytes are let go."""

    name: str
    size: int
    sha256: str
    modified: datetime
    container: str = ""  # the archive or e-mail it came in, "" for a plain file
    encrypted_was: bool = False

    @classmethod
    def of(cls, item: Incoming) -> Received:
        return cls(item.name, item.size, item.sha256, item.modified, getattr(item, "container", "") or "",
                   bool(getattr(item, "encrypted_was", False)))


@dataclass(frozen=True)
class Judging:
    """What judging any return of the batch needs: the same for all, given to each worker once."""

    plan: Plan
    period: Period
    secret: bytes | None
    owners: authenticity.RowOwners
    earlier: PastIndex
    today: date


@dataclass(frozen=True)
class Assessment:
    """One file read and judged, before it is known whether it is its team's newest return."""

    team: str
    findings: list[Finding]  # reading's, then the refusal (when refused) or the doubts, in that order
    refused: str | None = None  # why it contributes nothing; None when it is a readable return
    signed: date = date.min  # its sign-off date when credible: what makes it newer than another
    impossible: Finding | None = None  # its sign-off date cannot be true: said when a newer one wins
    judgement: Judgement | None = None  # counts only when it wins


def assess(judging: Judging, name: str, data: bytes, sender: str) -> Assessment:
    """Read one file and judge it (in a worker: `judging` is the same for every file)."""
    plan, period = judging.plan, judging.period
    workbook, read_findings = read_return(name, data)
    team = workbook.identity.team if workbook else next((f.team for f in read_findings if f.team), "")
    findings = _with_team(read_findings, team)
    if workbook is None:
        return Assessment(team, findings, _reason(findings))
    refusal = (authenticity.identity_refusal(plan, period, workbook)
               or authenticity.foreign_rows(workbook, judging.owners)
               or authenticity.token_refusal(workbook, period, judging.secret))
    if refusal and refusal.severity is Severity.REJECTED:
        return Assessment(team, [*findings, refusal], refusal.message)
    doubts = (refusal, authenticity.sender_mismatch(name, sender, workbook, plan))
    findings.extend(doubt for doubt in doubts if doubt)
    signed = normalise.day(workbook.signoff.get("date")).value
    # a sign-off date that cannot be true counts as none (`31/12/9999` must not beat the real one)
    credible = signed if authenticity.credible(signed, period, judging.today) else date.min
    return Assessment(team, findings, None, credible,  # type: ignore[arg-type]
                      authenticity.impossible_signoff(workbook, period, judging.today),
                      judge(plan, period, workbook, judging.earlier))


def _with_team(findings: list[Finding], team: str) -> list[Finding]:
    return [f if f.team or not team else replace(f, team=team) for f in findings]


def _reason(findings: list[Finding]) -> str:
    rejected = [f.message for f in findings if f.severity is Severity.REJECTED]
    return rejected[0] if rejected else ""


def _record(item: Incoming, team: str, outcome: SourceOutcome, reason: str = "") -> SourceRecord:
    modified = item.modified.isoformat(timespec="seconds") if item.modified else ""
    return SourceRecord(item.name, team, item.sha256, item.size, modified, outcome, reason)


def _distinct(candidates: list[tuple[Received, Assessment]], result: Validation
              ) -> list[tuple[Received, Assessment]]:
    """The same file received twice (forwarded again, saved from two e-mails) is one return."""
    first: dict[str, Received] = {}
    kept = []
    for item, assessment in candidates:
        if item.sha256 in first:
            result.findings.append(Finding(
                Severity.INFO, f"the same file as {first[item.sha256].name}; read once",
                "", item.name, "", "", assessment.team, "same-file-twice"))
            result.sources.append(_record(item, assessment.team, SourceOutcome.SKIPPED,
                                          f"the same file as {first[item.sha256].name}"))
            continue
        first[item.sha256] = item
        kept.append((item, assessment))
    return kept


def _newest_per_team(candidates: list[tuple[Received, Assessment]], result: Validation
                     ) -> list[tuple[Received, Assessment]]:
    """One return per team: the newest by sign-off date, then file time; the rest are superseded."""
    by_team: dict[str, list[tuple[Received, Assessment]]] = {}
    for pair in candidates:
        by_team.setdefault(pair[1].team, []).append(pair)
    winners = []
    for team in sorted(by_team):
        pairs = sorted(by_team[team], key=_newness, reverse=True)
        winner = pairs[0]
        winners.append(winner)
        for item, _ in pairs[1:]:
            message = f"superseded by {winner[0].name}, a newer return from the same team"
            result.findings.append(Finding(  # a draft replaced by a newer return is not a problem
                Severity.INFO, message,
                "Nothing to do if the newer file is the right one; otherwise send the right one again.",
                item.name, "", "", team, "superseded"))
            result.sources.append(_record(item, team, SourceOutcome.SUPERSEDED, message))
        if len(pairs) > 1:
            result.findings.append(Finding(
                Severity.INFO, f"{len(pairs)} returns from this team; used this one, the newest by sign-off "
                f"date then file time (also received: {', '.join(p[0].name for p in pairs[1:])})",
                "", winner[0].name, "", "", team, "duplicate-used"))
    return winners


def _newness(pair: tuple[Received, Assessment]) -> tuple[date, datetime, str]:
    item, assessment = pair
    return assessment.signed, item.modified, item.name


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
    expected = expected_rows(plan, team, period)
    team_plan = plan.for_team(team)
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
        sheet, _ = expected[row.key]
        judged, row_findings = _judge_row(
            row, sheet, period, indicators, previous, file, team)
        items[row.key] = judged
        findings.extend(row_findings)

    signed, signoff_findings = _judge_signoff(workbook, file, team, period)
    findings.extend(signoff_findings)
    narrative, narrative_findings = _judge_narrative(workbook, file, team)
    findings.extend(narrative_findings)
    return Judgement(items, signed, narrative, findings)


def _judge_row(
    row: ReturnedRow,
    sheet: layout.ItemSheet,
    period: Period,
    indicators: dict[str, Indicator],
    previous: dict[str, list[PastValue]],
    file: str,
    team: str,
) -> tuple[JudgedItem, list[Finding]]:
    findings: list[Finding] = []
    ref = normalise.text(row.values.get("ref"))
    progress_cell = row.cell("progress")
    commentary_cell = row.cell("commentary")
    label = f"{sheet.kind.value} {ref}"

    def find(severity: Severity, message: str, action: str, cell: str, code: str) -> None:
        findings.append(Finding(severity, f"{label}: {message}", action, file, sheet.name, cell, team, code))

    commentary = normalise.text(row.values.get("commentary"))
    status_read = normalise.status(row.values.get("progress"), done_counts=layout.done_counts(sheet))
    status: Status | None = status_read.value  # type: ignore[assignment]
    error = False  # the item is Missing in the master
    choices = layout.progress_choices(sheet, period)
    if status is None and status_read.note:
        find(Severity.ERROR, status_read.note, f"Choose one of {', '.join(choices)} from the list.",
             progress_cell, "status-invalid")
        error = True
    elif status is None:
        find(Severity.ERROR, "no progress status", f"Choose one of {', '.join(choices)} from the list.",
             progress_cell, "status-missing")
        error = True
    else:
        if status_read.note:
            find(Severity.INFO, status_read.note, "", progress_cell, "status-normalised")
        if status.value not in choices:
            find(Severity.ERROR, "Amber is not allowed for a milestone at year end: it was achieved "
                 "(Green) or not (Red)", "Choose Green or Red, and explain a Red in Commentary.",
                 progress_cell, "amber-at-year-end")
            error = True
        elif status in NEEDS_COMMENTARY and not commentary:
            # an error, but the status stands: a board must still see the Red
            what = "a reason why it cannot be reported" if status is Status.NA else "an explanation"
            find(Severity.ERROR, f"{status.value} needs {what} in Commentary",
                 f"Say in Commentary why it is {status.value} and what is being done.", commentary_cell,
                 "na-without-reason" if status is Status.NA else "commentary-missing")

    actual: float | str | None = None
    computed: Status | None = None
    indicator = indicators.get(ref) if sheet.kind is Kind.INDICATOR else None
    if indicator is not None:
        actual, computed, problem = _judge_actual(
            row, indicator, period, status, previous.get(row.key, []), find)
        error = error or problem

    history = previous.get(row.key, [])
    # compared with the last time this row was reported: last quarter, or the half year for risks
    if commentary and history and history[-1].commentary.strip() == commentary.strip():
        find(Severity.WARNING, f"commentary is unchanged from {history[-1].period.label}",
             "Update the commentary to say what happened this quarter.", commentary_cell,
             "commentary-unchanged")

    final = Status.MISSING if error or status is None else status
    return JudgedItem(row.key, sheet.kind, ref, final, actual, commentary, computed,
                      f"{sheet.name}!{progress_cell}"), findings


def _judge_actual(row, indicator: Indicator, period: Period, status: Status | None,
                  history: list[PastValue], find) -> tuple[float | str | None, Status | None, bool]:
    """The PI's actual: a number for numeric PIs; also its auto_status and history checks."""
    cell = row.cell("actual")
    raw = row.values.get("actual")
    if not indicator.numeric:
        return (normalise.text(raw) or None), None, False
    if normalise.is_blank(raw):
        if status is not None and status is not Status.NA:
            find(Severity.ERROR, "no actual for the quarter", "Enter the figure for the quarter "
                 "(a number), or choose N/A and explain why it cannot be reported.", cell, "actual-missing")
            return None, None, True
        return None, None, False
    read = normalise.number(raw, indicator.unit)
    if read.value is None and status is Status.NA:  # no figure to report: what was typed is said
        if normalise.no_figure(raw):
            find(Severity.INFO, f"read {normalise.text(raw)!r} as no figure (Progress is N/A)", "", cell,
                 "actual-no-figure")
        else:
            find(Severity.WARNING, f"the actual {read.note}; ignored, as Progress is N/A",
                 "Leave Actual empty when the figure cannot be reported; say why in Commentary.", cell,
                 "actual-ignored")
        return None, None, False
    if read.value is None:
        find(Severity.ERROR, f"the actual {read.note}", f"Enter {_number_wanted(indicator.unit)} with no "
             "words; put any explanation in Commentary.", cell, "actual-not-number")
        return None, None, True
    if read.note:
        find(Severity.INFO, read.note, "", cell, "actual-normalised")
    actual = float(read.value)  # type: ignore[arg-type]
    if not isinstance(raw, str):  # typed as text, "0.5%" means what it says; a bare 0.93 may be 93%
        reference = quarter_target(indicator, period.quarter)
        if reference is None:
            reference = _number(indicator.previous_actual)
        scaled = normalise.percent_from_fraction(actual, indicator.unit, reference)
        if scaled.note:
            find(Severity.INFO, scaled.note, "Enter percentages as whole numbers (75 for 75%).", cell,
                 "percent-scaled")
        actual = float(scaled.value)  # type: ignore[arg-type]
    computed = auto_status(indicator, period.quarter, actual)
    if computed and status and status not in (Status.NA, computed):
        find(Severity.WARNING, f"reported {status.value} but the figures give {computed.value} "
             f"(actual {normalise.text(actual)} against target "
             f"{normalise.text(quarter_target(indicator, period.quarter))})",
             "Check the actual and the status; explain in Commentary if the status is right.",
             row.cell("progress"), "status-disagrees")
    same_year = [v for v in history if v.period.year == period.year]
    last = same_year[-1] if same_year else None
    if (indicator.profile is Profile.CUMULATIVE and last is not None and isinstance(last.actual, float)
            and actual < last.actual):
        find(Severity.WARNING, f"a cumulative (year-to-date) figure went down from "
             f"{normalise.text(last.actual)} in {last.period.label} to {normalise.text(actual)}",
             "Enter the year-to-date figure, not this quarter's alone.", cell, "cumulative-down")
    numbers = [v.actual for v in history if isinstance(v.actual, float)]
    if len(numbers) >= 3:
        middle = statistics.median(numbers)
        if middle and (abs(actual) > 10 * abs(middle) or abs(actual) < abs(middle) / 10):
            find(Severity.WARNING, f"{normalise.text(actual)} is far outside this PI's history "
                 f"(median {normalise.text(middle)})", "Check the figure and its unit.", cell,
                 "outside-history")
    return actual, computed, False


def _number_wanted(unit: str) -> str:
    """What the Actual must be, in words: "a number", "a number (%)", "a number (£)"."""
    return "a number" if unit in ("", "number") else f"a number ({unit})"


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


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
