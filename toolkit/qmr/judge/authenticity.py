"""Is a return from the team it claims? The checks against impersonation, before any item is judged.

wrong-period, unknown-team  rejected: the identity names another period, or no team in the register
rows-of-another-team  rejected: the identity names one team, the rows are another's
token-mismatch        rejected: the team token does not fit the identity (edited, or another team's
                      template); a warning when no token can be checked (no secret, or none issued)
signoff-date-impossible  warning: a sign-off date that cannot be true does not count as newer
sender-not-clerk      warning: a return e-mailed by someone other than the team's clerk
"""

from __future__ import annotations

from datetime import date
from email.utils import parseaddr

from qmr import normalise
from qmr.model import Finding, Plan, Severity
from qmr.period import Period, PeriodError
from qmr.returns import layout
from qmr.returns.reader import ReturnedWorkbook
from qmr.returns.token import SECRET_NAME, token_matches

RowOwners = dict[str, tuple[str, ...]]  # row key -> the teams whose return has that row this period


def row_owners(plan: Plan, period: Period) -> RowOwners:
    """Whose row is whose, for the whole register: keys only, and a tuple (nearly always of one team)
    per key, since a national register has hundreds of thousands of rows and every judging worker
    inherits this."""
    owners: dict[str, tuple[str, ...]] = {}
    for team in plan.teams:
        for _, key in layout.row_keys(plan.for_team(team.code), period):
            had = owners.get(key, ())
            if team.code not in had:
                owners[key] = (*had, team.code)
    return owners


def identity_refusal(plan: Plan, period: Period, workbook: ReturnedWorkbook) -> Finding | None:
    """Rejected when the identity names another period or a team not in the register."""
    identity = workbook.identity
    file = workbook.file
    try:
        their_period = Period.parse(identity.period)
    except PeriodError:
        their_period = None
    if their_period != period:
        return Finding(Severity.REJECTED, f"this is a return for {identity.period}, not {period.label}",
                       f"Send the {period.label} return (file {period.slug}_{identity.team}.xlsx).",
                       file, layout.IDENTITY_SHEET, layout.identity_cell("period"), identity.team, "wrong-period")
    if plan.team(identity.team) is None:
        return Finding(Severity.REJECTED, f"team {identity.team!r} is not in the plan register",
                       "Check the register's Teams sheet, or send the team's own template.",
                       file, layout.IDENTITY_SHEET, layout.identity_cell("team"), identity.team, "unknown-team")
    return None


def foreign_rows(workbook: ReturnedWorkbook, owners: RowOwners) -> Finding | None:
    """A return whose rows are another team's: its identity was edited to claim a team it is not from."""
    team = workbook.identity.team
    foreign = [row for row in workbook.rows if owners.get(row.key) and team not in owners[row.key]]
    if not foreign:
        return None
    row = foreign[0]
    return Finding(
        Severity.REJECTED, f"this return says it is from {team}, but {len(foreign)} of its rows belong to "
        f"{', '.join(sorted(owners[row.key]))} ({normalise.text(row.values.get('ref'))} first): its identity "
        "was changed", "Ask the team to send the return made from their own template.",
        workbook.file, row.sheet, row.cell("ref"), team, "rows-of-another-team")


def token_refusal(workbook: ReturnedWorkbook, period: Period, secret: bytes | None) -> Finding | None:
    """Rejected when the team token does not fit the identity; a warning when it cannot be checked
    because the template was issued without one. (No secret at all is one warning per run:
    `tokens_unchecked`.)"""
    identity = workbook.identity
    if secret is None:
        return None
    cell = layout.identity_cell("team_token")
    if not identity.team_token:
        return Finding(
            Severity.WARNING, "this return's template carries no team token (issued before the working "
            "folder had its secret, or outside it), so qmr cannot tell whether its identity was edited",
            "Nothing to do this quarter if the return is the team's own; next quarter's templates will "
            "carry a token.", workbook.file, layout.IDENTITY_SHEET, cell, identity.team, "token-missing")
    if token_matches(secret, identity.team_token, identity.team, period.label, identity.register_fingerprint):
        return None
    return Finding(
        Severity.REJECTED, f"the team token does not match {identity.team}: the hidden identity was edited, "
        "or the file came from another team's template", f"Ask {identity.team} to send the return made from "
        "the template they were sent.", workbook.file, layout.IDENTITY_SHEET, cell, identity.team,
        "token-mismatch")


def tokens_unchecked(files: list[str]) -> Finding:
    """One warning for a run with no secret: which returns' team tokens went unchecked."""
    shown = ", ".join(files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
    return Finding(
        Severity.WARNING, f"team tokens not checked (no {SECRET_NAME}: qmr ran outside the working folder "
        f"made by `qmr init`), so an edited identity would go unnoticed: {shown}",
        "Run qmr inside the working folder that issued the templates.", SECRET_NAME,
        code="token-unchecked")


def credible(signed: object, period: Period, today: date) -> bool:
    """A sign-off date that can be true: not before the period began, not after today."""
    return isinstance(signed, date) and period.start <= signed <= today


def impossible_signoff(workbook: ReturnedWorkbook, period: Period, today: date) -> Finding | None:
    signed = normalise.day(workbook.signoff.get("date")).value
    if not isinstance(signed, date) or credible(signed, period, today):
        return None
    when = "after today" if signed > today else f"before {period.label} began ({period.start:%d/%m/%Y})"
    return Finding(
        Severity.WARNING, f"sign-off date {signed:%d/%m/%Y} is {when}; it was not used to choose the newest "
        "return", "Enter the date the return was completed.", workbook.file, layout.SIGNOFF_SHEET,
        layout.signoff_cell("date"), workbook.identity.team, "signoff-date-impossible")


def sender_mismatch(file: str, sender: str, workbook: ReturnedWorkbook, plan: Plan) -> Finding | None:
    """A return that came in an e-mail from someone other than the team's clerk (as the register says)."""
    team = plan.team(workbook.identity.team)
    clerk = _address(team.clerk_email) if team else ""
    sent_by = _address(sender)
    if not sent_by or not clerk or sent_by == clerk:
        return None
    return Finding(
        Severity.WARNING, f"e-mailed by {sent_by}, not by {team.code}'s clerk {clerk} (register, Teams sheet)",
        f"Check with {team.clerk_name or 'the clerk'} that this is their return; correct the register if "
        "the clerk changed.", file, layout.SIGNOFF_SHEET, layout.signoff_cell("completed_by"), team.code,
        "sender-not-clerk")


def _address(text: str) -> str:
    return parseaddr(normalise.text(text))[1].strip().lower()
