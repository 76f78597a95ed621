"""Judging returns against the plan: DESIGN.md's severities, one finding per problem, each naming
file, sheet, cell and what to do.

rejected  the file contributes nothing (not a return, wrong period, unknown team, tampered)
error     the item is Missing in the master (an unexplained Amber/Red/N/A keeps its status); the rest of
          the return is used
warning   worth a look (status disagrees with the figures, cumulative PI went down, ...)
info      a value qmr had to interpret (`g` read as Green, `75%` read as 75); a superseded draft

This module judges a batch: each file read, authenticated and judged on a worker (`assess`), then one
return kept per team. judgement.py judges one return, items.py one row of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Protocol

from qmr import normalise
from qmr.findings import has_problems
from qmr.judge import authenticity
from qmr.judge.items import JudgedItem
from qmr.judge.judgement import Judgement, judge
from qmr.judge.parallel import ordered_map
from qmr.judge.past import PastIndex, index_past
from qmr.model import (
    Finding,
    NarrativeEntry,
    PastValue,
    Plan,
    Severity,
    SourceOutcome,
    SourceRecord,
)
from qmr.period import Period
from qmr.returns.reader import read_return


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


@dataclass(frozen=True, slots=True)
class AcceptedReturn:
    file: str
    team: str
    sha256: str
    size: int
    modified: datetime
    signed_off: date | None
    items: dict[str, JudgedItem]
    narrative: tuple[NarrativeEntry, ...]


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


IMPLAUSIBLE = "signoff-date-implausible"  # the judge's own finding on the same cell


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
    candidates = _readable(judging, incoming, result, workers, progress, warn_unchecked=warn_unchecked)
    winners = _newest_per_team(_distinct(candidates, result), result)
    chosen = {id(item) for item, _ in winners}
    for item, assessment in candidates:  # a winner's sign-off date is judged with the rest of it
        if id(item) not in chosen and assessment.impossible:
            result.findings.append(assessment.impossible)
    for item, assessment in winners:
        judged = assessment.judgement
        assert judged is not None  # every readable return is judged
        result.findings.extend(judged.findings)
        if assessment.impossible and not any(f.code == IMPLAUSIBLE for f in judged.findings):
            # the judge knows the period, not the day of the run: a date after today but within a year
            # of the quarter's end passes its check, and would otherwise go unremarked
            result.findings.append(assessment.impossible)
        result.accepted.append(AcceptedReturn(
            item.name, assessment.team, item.sha256, item.size, item.modified,
            judged.signed_off, judged.items, judged.narrative))
        result.sources.append(_record(item, assessment.team, SourceOutcome.ACCEPTED))
    result.accepted.sort(key=lambda r: r.team)
    return result


def _readable(judging: Judging, incoming: Iterable[Incoming], result: Validation, workers: int | None,
              progress: Callable[[int, int], None] | None, *, warn_unchecked: bool
              ) -> list[tuple[Received, Assessment]]:
    """Every file assessed, on the workers; the refused ones recorded in `result`, the rest returned."""
    secret = judging.secret
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
    return candidates


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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
