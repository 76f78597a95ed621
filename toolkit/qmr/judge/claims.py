"""Whose a file is when it could not tell us: a return that could not be read (corrupt, a bomb, its
identity sheet lost) still came from someone, and a team that sent one must not be chased as if
nothing had come. Its file name is the only clue left: `2008-09-Q3_BSC-FIN.ods`, `fin return.xls`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from qmr.findings import basename
from qmr.judge.validate import Validation
from qmr.model import Finding, SourceOutcome, SourceRecord


def team_in_name(file: str, teams: Iterable[str]) -> str:
    """The one register team whose code the file's own name carries (any case, as a whole word: not
    `FIN` inside `FINAL`), or "" when none does or it is ambiguous. A longer code wins over one it
    contains (`BSC-FIN-PAY` over `BSC-FIN`)."""
    name = basename(file).casefold()
    found = [code for code in dict.fromkeys(teams) if code and code.casefold() in name  # cheap first
             and re.search(rf"(?<![a-z0-9]){re.escape(code.casefold())}(?![a-z0-9])", name)]
    widest = [code for code in found
              if not any(other != code and code.casefold() in other.casefold() for other in found)]
    return widest[0] if len(widest) == 1 else ""


def claimed_by_name(validation: Validation, teams: Iterable[str]) -> Validation:
    """Each rejected file that named no team, given the team its file name names (not `identified`,
    so judge.return_state makes the team Unreadable rather than Missing), its findings saying so."""
    codes = tuple(teams)
    claims: dict[str, str] = {}
    sources: list[SourceRecord] = []
    for record in validation.sources:
        received = record.size > 0 or record.sha256  # not a path that was not there, or could not be read
        unnamed = record.outcome is SourceOutcome.REJECTED and not record.team and received
        team = team_in_name(record.file, codes) if unnamed else ""
        if team:
            claims[record.file] = team
            record = replace(record, team=team, identified=False)
        sources.append(record)
    if not claims:
        return validation
    findings = [_claimed(finding, claims[finding.file]) if finding.file in claims and not finding.team else finding
                for finding in validation.findings]
    return replace(validation, findings=findings, sources=sources)


def _claimed(finding: Finding, team: str) -> Finding:
    return replace(finding, team=team, message=f"{finding.message} (by its file name, {team}'s return)")
