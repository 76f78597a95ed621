"""`qmr demo`: a whole quarter on the embedded example, with simulated clerks.

Three earlier quarters are run quietly first, so that history gives direction of travel and trends.
Then the demo quarter: templates go out, most clerks reply properly, some make the mistakes real
clerks make (statuses typed by hand or as one letter, N/A / n/a / - typed in Actual for a PI that
cannot be reported, text in number cells, Amber and Red with no explanation, a file sent twice,
last quarter's file, an Excel lock file, returns in a zip, in an e-mail and saved from LibreOffice as
.ods) and one team never replies, so that validation, feedback and chasing all have something to show.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from qmr.collect.chase import write_reminders
from qmr.consolidate import history
from qmr.cycle import (
    Batch,
    Folder,
    folder_secret,
    init_folder,
    load_plan,
    make_templates,
    run_consolidation,
    run_validation,
    write_feedback_copies,
)
from qmr.demo.simulate import Answer, fill_return, simulate
from qmr.model import Kind, Plan, Polarity
from qmr.period import Period, PeriodError
from qmr.plan.examples import DEFAULT_EXAMPLE
from qmr.plan.targets import quarter_target
from qmr.publish.findings_report import write_findings_report
from qmr.publish.report.pdf import soffice
from qmr.returns import layout

MARKER = ".qmr-demo"
DEMO_QUARTER = 3  # Q3: two quarters of this year and last year's Q3 go into history first


class DemoError(Exception):
    """The demo folder cannot be used."""


@dataclass
class DemoOutcome:
    plan: Plan
    period: Period
    folder: Folder
    batch: Batch
    master: Path
    report: Path
    feedback: list[Path] = field(default_factory=list)
    reminders: list[Path] = field(default_factory=list)
    story: list[str] = field(default_factory=list)

    def describe(self) -> str:
        lines = ["", "What the simulated clerks did:"]
        lines += [f"  - {line}" for line in self.story]
        lines += [
            "",
            f"Master workbook:  {self.master}",
            f"Findings report:  {self.report} (and .csv)",
            f"Feedback copies:  {len(self.feedback)} in {self.feedback[0].parent if self.feedback else '-'}",
            f"Reminder e-mails: {len(self.reminders)} in "
            f"{self.reminders[0].parent if self.reminders else '-'}",
            f"History:          {self.folder.db}",
        ]
        return "\n".join(lines)


def demo_period(plan: Plan) -> Period:
    """The quarter the demo reports on: Q3 of the register's own financial year (its Settings)."""
    year = plan.settings.get("financial_year", "")
    try:
        return Period.parse(f"{year} Q{DEMO_QUARTER}")
    except PeriodError as error:
        raise DemoError(f"the example register has no usable financial_year setting ({year!r})") from error


def run_demo(directory: Path, period: Period | None = None, *, example: str = DEFAULT_EXAMPLE,
             seed: int = 2016) -> DemoOutcome:
    """The whole cycle on `example`, for `period` (default: Q3 of the example's own year)."""
    folder = _fresh_folder(directory, example)
    plan, _ = load_plan(folder.plan)
    period = period or demo_period(plan)
    for earlier in (period.same_quarter_last_year(), *_earlier_this_year(period)):
        _quiet_quarter(plan, earlier, folder, seed)

    secret = folder_secret(folder)
    templates = make_templates(plan, period, folder.templates_for(period), db=folder.db, secret=secret)
    inbox = folder.returns_for(period)
    inbox.mkdir(parents=True, exist_ok=True)
    story = _clerks(plan, period, folder, templates, inbox, seed)

    batch = run_validation(plan, period, [inbox], db=folder.db, secret=secret)
    outputs = folder.outputs_for(period)
    outputs.folder.mkdir(parents=True, exist_ok=True)
    report, _ = write_findings_report(batch.validation.findings, outputs.findings)
    feedback = write_feedback_copies(batch, outputs.feedback, period).written
    reminders = write_reminders(plan, period, batch.missing, folder.templates_for(period), outputs.reminders,
                                unreadable=batch.unreadable)
    master = outputs.master
    run_consolidation(plan, period, batch, master, db=folder.db)
    return DemoOutcome(plan, period, folder, batch, master, report, feedback, reminders, story)


def _fresh_folder(directory: Path, example: str) -> Folder:
    """The demo owns its folder: refuse a folder with other things in it, start clean otherwise."""
    if directory.exists() and any(directory.iterdir()) and not (directory / MARKER).exists():
        raise DemoError(f"{directory} exists and was not made by `qmr demo`; choose another folder")
    if directory.exists():
        shutil.rmtree(directory)
    folder = init_folder(directory, example)
    (directory / MARKER).write_text("made by qmr demo; `qmr demo` deletes and remakes this folder\n")
    return folder


def _earlier_this_year(period: Period) -> list[Period]:
    return [Period(period.year, q) for q in range(1, period.quarter)]


def _quiet_quarter(plan: Plan, period: Period, folder: Folder, seed: int) -> None:
    """A quarter in which every clerk replied properly, recorded in history."""
    out = folder.templates_for(period)
    inbox = folder.returns_for(period)
    secret = folder_secret(folder)
    for template in make_templates(plan, period, out, db=folder.db, secret=secret):
        team = template.stem.split("_", 1)[1]
        fill_return(template, inbox / template.name, simulate(plan, team, period, seed))
    batch = run_validation(plan, period, [inbox], db=folder.db, secret=secret)
    history.record(folder.db, period, batch.validation.accepted)


def _clerks(plan: Plan, period: Period, folder: Folder, templates: list[Path], inbox: Path,
            seed: int) -> list[str]:
    """Fill every template as its clerk would; a few clerks make the usual mistakes."""
    story = []
    by_team = {t.stem.split("_", 1)[1]: t for t in templates}
    teams = list(by_team)
    silent, typed, careless, twice, zipped, mailed, stale, hasty, calc = (teams + [""] * 9)[:9]
    for team, template in by_team.items():
        if team == silent:
            story.append(f"{team} never replied (see the reminder e-mail and the Missing items)")
            continue
        filled = simulate(plan, team, period, seed)
        target = inbox / f"{team} QMR return.xlsx"
        if team == typed:
            story.append(_not_reportable(filled, plan, team, period))
            _typed_loosely(filled, plan)
            story.append(f"{team} typed statuses by hand ('g', ' green ', 'R', 'a') and '75%' as text: "
                         "read, with notes")
        if team == careless:
            _careless(filled)
            story.append(f"{team} chose Amber and reported a Red with no commentary, and typed 'tbc' as an "
                         "actual: errors (the Amber and the Red stand, 'no commentary given'; the 'tbc' PI "
                         "is Missing)")
        if team == hasty:
            _hasty(filled, plan, team, period, seed)
            story.append(f"{team} kept last quarter's commentary on two items and called a PI Green that "
                         "its figures put at Red: warnings")
        if team == twice:
            early = simulate(plan, team, period, seed + 1, signed=period.end - timedelta(days=10))
            fill_return(template, inbox / f"{team} return FIRST DRAFT.xlsx", early)
            story.append(f"{team} sent a first draft and then the final: the draft is superseded")
        if team == zipped:
            target = inbox / f"{team}.zip"
            _zip(template, filled, target, period)
            story.append(f"{team} sent its return inside a zip")
            continue
        if team == mailed:
            _email(plan, team, template, filled, inbox / f"RE {team} quarterly return.eml", period)
            story.append(f"{team} replied by e-mail; the saved .eml is read directly")
            continue
        if team == stale:
            old = folder.templates_for(period.previous()) / f"{period.previous().slug}_{team}.xlsx"
            if old.exists():
                last = simulate(plan, team, period.previous(), seed)
                fill_return(old, inbox / f"{team} last quarter.xlsx", last)
                story.append(f"{team} also dropped in last quarter's file: rejected as the wrong period")
        fill_return(template, target, filled)
        if team == calc:
            story.append(_saved_as_ods(team, target))
    lock = inbox / f"~${teams[-1]} QMR return.xlsx"
    lock.write_bytes(b"\x00" * 165)  # what Excel leaves beside an open file
    story.append("an Excel lock file (~$...) was copied along: skipped")
    return story


def _saved_as_ods(team: str, xlsx: Path) -> str:
    """The clerk's return opened and saved again in LibreOffice Calc as .ods, when LibreOffice is here."""
    program = soffice()
    if program is not None:
        with tempfile.TemporaryDirectory(prefix="qmr-demo-") as work:
            profile = (Path(work) / "profile").as_uri()
            with contextlib.suppress(OSError, subprocess.TimeoutExpired):  # then the .xlsx goes instead
                subprocess.run([program, f"-env:UserInstallation={profile}", "--headless", "--norestore",
                                "--convert-to", "ods", "--outdir", str(xlsx.parent), str(xlsx)],
                               capture_output=True, timeout=300, check=False)
        if xlsx.with_suffix(".ods").is_file():
            xlsx.unlink()
            return (f"{team} saved its return from LibreOffice as .ods: read as the .xlsx would be, with a "
                    "warning asking for .xlsx next time")
    return f"{team} would have sent its return as .ods, but LibreOffice is not installed here: it sent the .xlsx"


# what clerks type in Actual when a figure cannot be reported (Progress N/A): no figure, said so
NO_FIGURE_TYPED = ("N/A", "n/a", "-")
NOT_REPORTABLE_BECAUSE = (
    "the national data set is published annually in the autumn.",
    "the provider's data return for the quarter has not been received yet.",
    "the measure is being redefined nationally and no figure is published this quarter.",
)


def _not_reportable(filled, plan: Plan, team: str, period: Period) -> str:
    """A few numeric PIs that cannot be reported this quarter: Progress N/A, a no-figure word typed
    in Actual, the reason in Commentary."""
    numeric = [layout.row_key(Kind.INDICATOR, i.ref) for i in plan.for_team(team).indicators if i.numeric]
    keys = [key for key in numeric if key in filled.answers][:len(NO_FIGURE_TYPED)]
    for key, typed, because in zip(keys, NO_FIGURE_TYPED, NOT_REPORTABLE_BECAUSE, strict=False):
        filled.answers[key] = Answer("N/A", typed, f"At the end of {period.end:%B %Y}: cannot be reported, as "
                                     + because)
    if not keys:
        return f"{team} had no numeric PI due, so it reported none as N/A"
    shown = ", ".join(f"'{t}'" for t in NO_FIGURE_TYPED[:len(keys)])
    return (f"{team} could not report {len(keys)} PIs: Progress N/A, {shown} typed in Actual and the reason "
            "in Commentary: N/A with no figure, with notes")


def _typed_loosely(filled, plan: Plan) -> None:
    """Statuses typed by hand (a word in any case and spacing, or its first letter), and percentages
    typed with a % sign (as text), as clerks do."""
    percent = {layout.row_key(Kind.INDICATOR, i.ref) for i in plan.indicators if i.unit == "%"}
    by_hand = {"Green": ("g", " green ", "GREEN"), "Amber": ("a",), "Red": ("R",)}
    seen = dict.fromkeys(by_hand, 0)  # each spelling in turn, so a few items of a status show them all
    for key, answer in filled.answers.items():
        word = str(answer.status)
        if word in by_hand:
            answer.status = by_hand[word][seen[word] % len(by_hand[word])]
            seen[word] += 1
        if key in percent and isinstance(answer.actual, float):
            answer.actual = f"{answer.actual:g}%"


def _hasty(filled, plan: Plan, team: str, period: Period, seed: int) -> None:
    """Last quarter's commentary left in place, and a PI reported Green whatever its figures say."""
    last = simulate(plan, team, period.previous(), seed)
    for key in [k for k in filled.answers if k in last.answers][:2]:
        filled.answers[key].commentary = last.answers[key].commentary
    for indicator in plan.for_team(team).indicators:
        key = layout.row_key(Kind.INDICATOR, indicator.ref)
        target = quarter_target(indicator, period.quarter)
        if key in filled.answers and indicator.polarity in (Polarity.HIGHER, Polarity.LOWER) and target:
            missed = target * (0.5 if indicator.polarity is Polarity.HIGHER else 1.5)
            filled.answers[key] = Answer("Green", round(missed, 1), "On track.")
            return


def _careless(filled) -> None:
    """Amber twice and Red once with no commentary; 'tbc' typed for a figure not yet known."""
    answers = list(filled.answers.items())
    for (key, answer), status in zip(answers[:3], ("Amber", "Amber", "Red"), strict=False):
        filled.answers[key] = Answer(status, answer.actual, "")
    for key, answer in answers[3:]:
        if layout.key_kind(key) is Kind.INDICATOR and isinstance(answer.actual, float):
            answer.actual = "tbc"
            break


def _reply_time(period: Period, days: int = 0) -> datetime:
    """When a simulated clerk replies: a fortnight after the quarter ends, so each example's
    returns carry dates of its own year (and reruns the same ones)."""
    return datetime.combine(period.end + timedelta(days=15 + days), datetime.min.time(), UTC).replace(
        hour=10, minute=30)


def _zip(template: Path, filled, target: Path, period: Period) -> None:
    staging = target.with_suffix(".staging.xlsx")
    fill_return(template, staging, filled)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        sent = _reply_time(period)
        info = zipfile.ZipInfo(f"returns/{template.name}", date_time=sent.timetuple()[:6])
        archive.writestr(info, staging.read_bytes())
    staging.unlink()
    target.write_bytes(buffer.getvalue())


def _email(plan: Plan, team: str, template: Path, filled, target: Path, period: Period) -> None:
    staging = target.with_suffix(".staging.xlsx")
    fill_return(template, staging, filled)
    clerk = plan.team(team)
    message = EmailMessage()
    message["From"] = f"{clerk.clerk_name} <{clerk.clerk_email}>" if clerk else "clerk@example.org"
    message["To"] = plan.settings.get("contact_email", "performance@example.org")
    message["Subject"] = f"RE: {period.label} quarterly monitoring return"
    message["Date"] = format_datetime(_reply_time(period, days=3) + timedelta(minutes=42))
    message.set_content("Please find our return attached.\n")
    message.add_attachment(staging.read_bytes(), maintype="application",
                           subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           filename=template.name)
    staging.unlink()
    target.write_bytes(bytes(message))
