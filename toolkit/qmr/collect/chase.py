"""Chasing the missing: one ready-to-send reminder e-mail (.eml) per team whose return has not arrived,
and per team whose file arrived but could not be read (asked to send it again as .xlsx, not told it
was not received).

The files open in Outlook or Thunderbird as unsent drafts (X-Unsent: 1), addressed to the team's
clerk, with the team's return workbook attached again. They are written deterministically: the
Message-ID and MIME boundary derive from period and team, and the Date is the one given (or
SOURCE_DATE_EPOCH), so re-running with the same inputs writes the same bytes.
"""

from __future__ import annotations

import hashlib
import os
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path

from qmr.atomic import write_bytes_atomic
from qmr.findings import basename
from qmr.model import Plan, Team
from qmr.period import Period
from qmr.returns.template import default_deadline, template_name
from qmr.statuses import NEEDS_COMMENTARY, listed

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
WRAP = 72  # plain-text e-mail convention
_ADDRESS_SEPARATORS = re.compile(r"[;,\s]+")


def reminder_name(period: Period, team_code: str) -> str:
    """`2008-09-Q4_BSC-FIN_reminder.eml`, with the team code made safe the way template names are."""
    return template_name(period, team_code).removesuffix(".xlsx") + "_reminder.eml"


def write_reminders(
    plan: Plan,
    period: Period,
    missing_teams: Sequence[str],
    templates_dir: Path | None,
    out_dir: Path,
    *,
    deadline: date | None = None,
    sender: str | None = None,
    sent: datetime | None = None,
    unreadable: Mapping[str, Sequence[str]] | None = None,
) -> list[Path]:
    """Write `{period.slug}_{team}_reminder.eml` into out_dir for each missing team, then for each team
    in `unreadable` (team -> the names of its files that could not be read); return the paths. An
    earlier run's reminder for this period to any other team of the register is removed, so the
    folder holds exactly the reminders to send now (other files in it are left alone).

    `sender` ("Name <address>" or an address) overrides the register's contact_name/contact_email.
    `sent` is the Date header; without it SOURCE_DATE_EPOCH, else the current time, is used.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    due = deadline or default_deadline(plan, period)
    when = _sent_time(sent)
    from_name, from_address = _sender(plan, sender)
    paths: list[Path] = []
    unread = {code: tuple(files) for code, files in (unreadable or {}).items()}
    for code in dict.fromkeys([*missing_teams, *unread]):  # each team once, in the order given
        team = plan.team(code) or Team(code, code)
        template = Path(templates_dir) / template_name(period, code) if templates_dir else None
        attachment = template if template is not None and template.is_file() else None
        message = _reminder(plan, period, team, Letter(due, when, from_name, from_address, template, attachment,
                                                       unread.get(code, ()) if code not in missing_teams else ()))
        path = out_dir / reminder_name(period, code)
        write_bytes_atomic(path, message.as_bytes(policy=policy.SMTP))
        paths.append(path)
    # last run's reminder to a team that has replied since must not be sent again with today's
    for team in plan.teams:
        if team.code not in missing_teams and team.code not in unread:
            (out_dir / reminder_name(period, team.code)).unlink(missing_ok=True)
    return paths


@dataclass(frozen=True)
class Letter:
    """What one reminder says besides the team: when, from whom, what is attached, and the files of
    the team's that could not be read (none: nothing of theirs came)."""

    due: date
    when: datetime
    from_name: str
    from_address: str
    template: Path | None
    attachment: Path | None
    unreadable: tuple[str, ...] = ()


def _reminder(plan: Plan, period: Period, team: Team, letter: Letter) -> EmailMessage:
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = (f"Please send again: {team.name} performance return for {period.label}"
                          if letter.unreadable else f"Reminder: {team.name} performance return for {period.label}")
    when, from_name, from_address, attachment = letter.when, letter.from_name, letter.from_address, letter.attachment
    if from_address:
        message["From"] = _address(from_name, from_address)
    recipients = _recipients(team.clerk_name, team.clerk_email)
    if recipients:
        message["To"] = recipients
    message["Date"] = format_datetime(when)
    domain = from_address.rpartition("@")[2] or "qmr.invalid"
    message["Message-ID"] = f"<qmr.{_token(period, team.code)}@{domain}>"
    message["X-Unsent"] = "1"  # Outlook opens it as a draft to send, not as a received mail
    message.set_content(_body(plan, period, team, letter))
    if attachment is not None:
        with open(attachment, "rb") as handle:  # read-only
            data = handle.read()
        message.add_attachment(data, maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1], filename=attachment.name)
        message.set_boundary(f"=_qmr_{_token(period, team.code)}")  # "=_" cannot occur in base64 or QP text
    return message


def _body(plan: Plan, period: Period, team: Team, letter: Letter) -> str:
    from_name, template, attachment = letter.from_name, letter.template, letter.attachment
    contact = " at ".join(p for p in (from_name, letter.from_address) if p) or "the performance team"
    late = letter.due < letter.when.date()
    quarter = f"{period.label} ({_day(period.start)} to {_day(period.end)})"
    file_name = template.name if template is not None else template_name(period, team.code)
    when_due = (f"It was due by {_day(letter.due)}; please send it as soon as you can."
                if late else f"It is due by {_day(letter.due)}.")
    if letter.unreadable:
        files = ", ".join(basename(file) for file in letter.unreadable)
        opening = (f"Thank you for sending {files} for the quarterly performance monitoring return of "
                   f"{team.name} ({team.code}) for {quarter}. Your file could not be read, so the return "
                   "has not been counted: please send it again, saved as an Excel Workbook (.xlsx). "
                   + when_due)
    else:
        opening = (f"We have not yet received the quarterly performance monitoring return of {team.name} "
                   f"({team.code}) for {quarter}. " + when_due)
    paragraphs = [f"Dear {team.clerk_name or team.name + ' team'},", opening]
    if attachment is not None:
        paragraphs.append(f"Your team's return workbook, {file_name}, is attached again in case you need it. "
                          "If you have already started filling in your copy, carry on with that one.")
    else:
        paragraphs.append(f"Your team's return workbook ({file_name}) is not attached to this e-mail. Please "
                          f"use the copy you were sent, or ask {contact} for a new one.")
    paragraphs += [
        "In the workbook, choose a Progress status and write a Commentary for each milestone and indicator, "
        "enter the Actual for each indicator, add any key developments or emerging issues on the Narrative "
        "sheet, and complete the Sign-off sheet. The line at the top of each sheet says \"Ready to send\" "
        f"when nothing is missing. {listed(NEEDS_COMMENTARY)} always need a commentary saying why.",
        f"Save it as an Excel Workbook (.xlsx), keeping its sheets and rows as they are, and e-mail it to "
        f"{contact}.",
        "If you have already sent it again as .xlsx, thank you, and please ignore this e-mail." if letter.unreadable
        else "If you have already sent your return, thank you, and please ignore this reminder.",
        "Kind regards,",
    ]
    signature = [p for p in (from_name, plan.settings.get("organisation", "")) if p]
    text = "\n\n".join(textwrap.fill(p, WRAP, break_long_words=False, break_on_hyphens=False)
                       for p in paragraphs)
    return text + "\n" + "\n".join(signature) + "\n"


def _sender(plan: Plan, sender: str | None) -> tuple[str, str]:
    if sender:
        name, address = parseaddr(sender)
        return (name, address) if "@" in address else (sender.strip(), "")
    return plan.settings.get("contact_name", "").strip(), plan.settings.get("contact_email", "").strip()


def _address(name: str, address: str) -> Address | str:
    try:
        return Address(display_name=name, addr_spec=address)  # quotes names with commas correctly
    except (ValueError, IndexError, TypeError):
        return address  # an odd address from the register: let the mail client complain, not us


def _recipients(name: str, cell: str) -> tuple[Address, ...] | str:
    """The clerk cell's addresses (the register allows several, split by `;`, `,` or spaces) as
    Address objects, the clerk's name on the first; a comma-separated string when one is odd."""
    parts = [part for part in _ADDRESS_SEPARATORS.split(cell.strip()) if part]
    addresses = [_address(name if number == 0 else "", part) for number, part in enumerate(parts)]
    if all(isinstance(address, Address) for address in addresses):
        return tuple(a for a in addresses if isinstance(a, Address))
    return ", ".join(str(address) for address in addresses)


def _sent_time(sent: datetime | None) -> datetime:
    if sent is not None:
        return sent if sent.tzinfo else sent.replace(tzinfo=UTC)
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime.now().astimezone().replace(microsecond=0)


def _token(period: Period, team_code: str) -> str:
    return hashlib.sha256(f"qmr-reminder|{period.slug}|{team_code}".encode()).hexdigest()[:24]


def _day(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


