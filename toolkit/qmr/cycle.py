"""The quarterly cycle's steps as plain functions: what each `qmr` command does, minus the terminal.

The CLI calls these; so do the tests and the demo.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from qmr.atomic import put_in_place, temporary_for
from qmr.background import in_background
from qmr.collect.sources import Collection, collect, read_passwords
from qmr.consolidate import history
from qmr.consolidate.table import by_level, consolidate
from qmr.judge.claims import claimed_by_name
from qmr.judge.return_state import return_states, teams_in
from qmr.judge.validate import Origin, Validation, validate
from qmr.model import Consolidation, Finding, Level, PastValue, Plan, ReturnState, Severity, SourceOutcome
from qmr.period import Period
from qmr.plan.reader import read_register
from qmr.publish.master import write_master, write_master_and_csv
from qmr.returns import layout
from qmr.returns.reader import OTHER_FORMAT
from qmr.returns.token import SECRET_NAME, make_secret, read_secret

CONFIG_NAME = "qmr.toml"


class PlanError(Exception):
    """The register cannot be used; carries the findings that say why."""

    def __init__(self, path: Path, findings: list[Finding]):
        self.path = path
        self.findings = findings
        super().__init__(f"{path}: the plan register has errors")


# Reading a register this large leaves the process with ~100 MB it freed but cannot give back (the
# allocator's partly used blocks), which every judging worker forked after it inherits as resident:
# such a register is read in a child, and only the plan (164 MB at 200,000 rows) comes back. A smaller
# one is read here: the plan's trip through pickle would cost more time than the memory is worth.
LARGE_REGISTER_BYTES = 4 * 1024 * 1024


def load_plan(path: Path) -> tuple[Plan, list[Finding]]:
    """The plan, or PlanError when it is unreadable or has errors (run `qmr register check`)."""
    read = in_background(read_register, path).result() if _size(path) > LARGE_REGISTER_BYTES \
        else read_register(path)
    plan, findings = read.plan, list(read.findings)
    serious = [f for f in findings if f.severity in (Severity.REJECTED, Severity.ERROR)]
    if plan is None or serious:
        raise PlanError(path, serious or findings)
    return plan, findings


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # read_register says what is wrong with it


@dataclass(frozen=True)
class PeriodOutputs:
    """Where a period's outputs go in an output folder: the one home of these names, for the CLI's
    working-folder defaults, the control workbook and the demo."""

    folder: Path  # <output>/<period slug>
    period: Period

    @classmethod
    def under(cls, output: Path, period: Period) -> PeriodOutputs:
        return cls(output / period.slug, period)

    @property
    def findings(self) -> Path:
        """The findings report (.xlsx; its .csv beside it)."""
        return self.folder / f"findings_{self.period.slug}.xlsx"

    @property
    def feedback(self) -> Path:
        return self.folder / "feedback"

    @property
    def reminders(self) -> Path:
        return self.folder / "reminders"

    @property
    def master(self) -> Path:
        return self.folder / f"QMR_{self.period.slug}.xlsx"

    @property
    def document(self) -> Path:
        """The board's Quarterly Monitoring Report (.docx)."""
        return self.folder / f"QMR_{self.period.slug}.docx"


@dataclass(frozen=True)
class Folder:
    """A working folder made by `qmr init`: where the plan, history, templates and returns live."""

    root: Path
    plan: Path
    db: Path
    templates: Path
    returns: Path
    output: Path
    secret: Path  # the team-token secret (returns.token): made by `qmr init`, never sent out

    def templates_for(self, period: Period) -> Path:
        return self.templates / period.slug

    def returns_for(self, period: Period) -> Path:
        return self.returns / period.slug

    def output_for(self, period: Period) -> Path:
        return self.outputs_for(period).folder

    def outputs_for(self, period: Period) -> PeriodOutputs:
        return PeriodOutputs.under(self.output, period)


def find_folder(start: Path) -> Folder | None:
    """The qmr working folder containing `start` (its qmr.toml), if any."""
    for candidate in [start, *start.parents]:
        config = candidate / CONFIG_NAME
        if config.is_file():
            try:
                values = tomllib.loads(config.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
                return None
            paths = {key: candidate / str(values.get(key, default)) for key, default in
                     (("plan", "plan.xlsx"), ("db", "qmr.db"), ("templates", "templates"),
                      ("returns", "returns"), ("output", "output"))}
            return Folder(candidate, **paths, secret=candidate / SECRET_NAME)
    return None


CONFIG_TEXT = """\
# qmr working folder (made by `qmr init`). Paths are relative to this file.
plan = "plan.xlsx"        # the plan register: edit it in Excel, check it with `qmr register check`
db = "qmr.db"             # history of accepted returns (SQLite)
templates = "templates"   # templates/<period>/ : what `qmr templates` writes, to send to teams
returns = "returns"       # returns/<period>/   : save what teams send back here (files, zips, e-mails)
output = "output"         # output/<period>/    : master workbook, findings, feedback copies, reminders
"""


def init_folder(root: Path, example: str) -> Folder:
    from qmr.plan.examples import write_example

    root.mkdir(parents=True, exist_ok=True)
    config = root / CONFIG_NAME
    if not config.exists():
        config.write_text(CONFIG_TEXT, encoding="utf-8")
    folder = find_folder(root)
    assert folder is not None
    if not folder.plan.exists():
        write_example(example, folder.plan)
    for directory in (folder.templates, folder.returns, folder.output):
        directory.mkdir(parents=True, exist_ok=True)
    make_secret(folder.secret)  # an older folder gets its secret now; an existing one is kept
    return folder


def folder_secret(folder: Folder | None) -> bytes | None:
    """The working folder's team-token secret; None outside a folder, or for one made before it existed."""
    return read_secret(folder.secret) if folder else None


class PeriodOutsidePlan(ValueError):
    """The period is not in the plan register's financial year: its targets would be the wrong year's."""


def check_period(plan: Plan, period: Period) -> None:
    """Refuse a period outside the register's financial year (Settings: financial_year)."""
    year = str(plan.settings.get("financial_year", "") or "").strip()
    if year and year != period.financial_year:
        raise PeriodOutsidePlan(
            f"{period.label} is outside the plan register, which is for {year}: its targets and "
            f"milestones are {year}'s. Give a period of {year}, or update the register for "
            f"{period.financial_year} (Settings: financial_year) first.")


def make_templates(plan: Plan, period: Period, out: Path, *, teams: Sequence[str] | None = None,
                   deadline: date | None = None, db: Path | None = None, secret: bytes | None = None
                   ) -> list[Path]:
    """Templates for a period, with last quarter's accepted commentary pre-filled from history, and
    with the working folder's `secret`, each team's token."""
    from qmr.returns.template import write_templates  # here: openpyxl costs every other command its import

    previous = history.commentary_for(db, period)
    return write_templates(plan, period, out, teams=list(teams) if teams else None, deadline=deadline,
                           previous_commentary=previous or None, secret=secret)


@dataclass
class Batch:
    """One validation run over the sources, with what came of each file."""

    validation: Validation
    teams_expected: tuple[str, ...] = field(default=())
    team_names: dict[str, str] = field(default_factory=dict)
    past: list[PastValue] = field(default_factory=list)  # history as it stood before this run
    passwords: dict[str, str] = field(default_factory=dict, repr=False)  # team -> password, from --passwords

    def plus(self, findings: Sequence[Finding]) -> Batch:
        """This batch with a later step's findings added (the step itself changes nothing)."""
        return replace(self, validation=self.validation.plus(findings)) if findings else self

    @property
    def states(self) -> dict[str, ReturnState]:
        """Each team with something due -> where its return stands."""
        return return_states(self.teams_expected, self.validation.sources)

    @property
    def missing(self) -> list[str]:
        """The teams to remind: nothing of theirs came (an unreadable file is not 'not received')."""
        return teams_in(self.states, ReturnState.MISSING)

    @property
    def unreadable(self) -> dict[str, list[str]]:
        """The teams to ask to send again -> their files: all they sent could not be read, and only
        the file name said whose it was (judge.claims)."""
        teams = set(teams_in(self.states, ReturnState.UNREADABLE))
        files: dict[str, list[str]] = {}
        for record in self.validation.sources:
            if record.team in teams and record.outcome is SourceOutcome.REJECTED:
                files.setdefault(record.team, []).append(record.file)
        return files

    @property
    def turned_away(self) -> list[str]:
        """Every team code a file claimed (in the register or not) whose files were all refused."""
        claimed = sorted({s.team for s in self.validation.sources if s.team})
        return teams_in(return_states(claimed, self.validation.sources), ReturnState.REJECTED,
                        ReturnState.UNREADABLE)


def run_validation(plan: Plan, period: Period, sources: Sequence[Path], *,
                   passwords: Path | None = None, db: Path | None = None, workers: int | None = None,
                   progress=None, secret: bytes | None = None, warn_unchecked: bool = False) -> Batch:
    """Collect every source, read and judge each return, and pick the newest per team."""
    secrets: dict[str, str] = {}
    password_findings: list[Finding] = []
    if passwords is not None:
        secrets, password_findings = read_passwords(passwords)
    past = history.load_past(db)
    collection = Collection(sources, secrets)  # read file by file as the returns are judged
    judged = validate(plan, period, collection, past, workers=workers, progress=progress, secret=secret,
                      warn_unchecked=warn_unchecked)
    # each step returned its own findings and sources; the batch lists them in the order they arose
    result = judged.after([*password_findings, *collection.findings], collection.records)
    result = claimed_by_name(result, [team.code for team in plan.teams])  # an unreadable file is still a team's
    return Batch(result, tuple(layout.teams_due(plan, period)), {t.code: t.name for t in plan.teams}, past,
                 secrets)


@dataclass(frozen=True)
class Consolidated:
    """What consolidating wrote, and what went wrong after the master was written (history)."""

    consolidation: Consolidation
    written: list[Path]
    findings: list[Finding]


@dataclass(frozen=True)
class FeedbackCopies:
    """The feedback copies written, and a warning for each return no copy could be made of."""

    written: list[Path]
    findings: list[Finding]


def run_consolidation(plan: Plan, period: Period, batch: Batch, out: Path, *, db: Path | None = None,
                      strict: bool = False, by: Level | None = None) -> Consolidated:
    """Write the master (and, with `by`, one per department or division: `QMR_<period>_<unit>.xlsx`)
    and the Data table as CSV beside it, then record accepted returns in history.

    History is written after the master so that a failed write leaves history untouched; with
    `strict`, nothing is recorded when any return was rejected or had errors.
    """
    consolidation = consolidate(plan, period, batch.validation, batch.past)
    csv_path = out.with_suffix(".csv")
    try:
        temporary: Path | None = temporary_for(csv_path)
    except OSError as error:  # no temporary for the CSV: the master is still worth writing
        temporary, csv_error = None, error
    try:  # failing here, nothing was done: the caller exits 2
        master = write_master_and_csv(consolidation, out, temporary)
    except BaseException:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        raise
    written = [master.path]
    if temporary is not None:  # put in place now the master is, before any other master is written
        csv_error = _csv_in_place(temporary, csv_path, master.csv_error)
    findings: list[Finding] = []
    if by is not None:
        for name, part in by_level(consolidation, by).items():
            target = out.with_name(f"{out.stem}_{_slug(name, by)}{out.suffix}")
            try:
                written.append(write_master(part, target))
            except OSError as error:  # the master is written: a finding and exit 1, not "nothing done"
                findings.append(output_failed(target, error))
    if csv_error is None:
        written.append(csv_path)
    else:
        findings.append(output_failed(csv_path, csv_error))
    if db is not None and not (strict and batch.validation.has_problems()):
        try:
            history.record(db, period, batch.validation.accepted)
        except history.HistoryError as error:  # the master is written: say so, and exit 1, not 2
            findings.append(Finding(
                Severity.ERROR, f"history not updated: {error}", "Check the history file (--db) and run "
                "consolidate again; the master was written.", str(db), code="history-not-updated"))
    return Consolidated(consolidation, written, findings)


@dataclass(frozen=True)
class Report:
    """What `make_report` wrote: the documents (and PDFs), and any PDF that could not be made."""

    consolidation: Consolidation
    written: tuple[Path, ...]
    findings: tuple[Finding, ...] = ()


def make_report(plan: Plan, period: Period, batch: Batch, out: Path, *, by: Level | None = None,
                pdf: bool = False) -> Report:
    """The Quarterly Monitoring Report (.docx) from the same consolidation as the master, one for the
    whole scope or, with `by`, one per department or division (`QMR_<period>_<unit>.docx`); with
    `pdf`, a tagged PDF beside each.
    Records nothing in history (consolidate does that). A PDF that cannot be made is a finding:
    the .docx is written by then."""
    from qmr.publish.report import write_report
    from qmr.publish.report.pdf import PdfError, convert_to_pdf

    consolidation = consolidate(plan, period, batch.validation, batch.past)
    if by is not None:
        parts = [(part, out.with_name(f"{out.stem}_{_slug(name, by)}{out.suffix}"))
                 for name, part in by_level(consolidation, by).items()]
    else:
        parts = [(consolidation, out)]
    written: list[Path] = []
    findings: list[Finding] = []
    for part, path in parts:
        written.append(write_report(part, path))
        if pdf:
            try:
                written.append(convert_to_pdf(path, path.with_suffix(".pdf")))
            except PdfError as error:
                findings.append(Finding(Severity.ERROR, f"no PDF made: {error}", "The .docx is written; "
                                        "make the PDF from it in Word (File > Save As > PDF).", str(path),
                                        code="pdf-failed"))
    return Report(consolidation, tuple(written), tuple(findings))


def _csv_in_place(temporary: Path, path: Path, failed: OSError | None) -> OSError | None:
    """The CSV written into `temporary` put at `path`, unless writing it `failed`; why it is not
    there, or None. No temporary is left either way."""
    try:
        if failed is None:
            put_in_place(temporary, path)
    except OSError as error:
        failed = error
    finally:
        temporary.unlink(missing_ok=True)  # gone by now, unless it could not be put in place
    return failed


def output_failed(path: Path, error: OSError) -> Finding:
    """The finding for an output that could not be written after others were (disk full, no access)."""
    return Finding(Severity.ERROR, f"not written ({error.strerror or error})",
                   "Free space or fix the folder's permissions and run the command again; the outputs "
                   "listed were written.", str(path), code="output-not-written")


def write_feedback_copies(batch: Batch, folder: Path, period: Period, *,
                          max_sheet_bytes: int | None = None) -> FeedbackCopies:
    """Per readable return with problems, a copy of the team's own workbook marked up to fix.
    A return openpyxl cannot open, or larger than the feedback limit (`max_sheet_bytes`, default
    publish.feedback's), gets a warning finding instead of a copy; the others still get theirs."""
    from qmr.publish.feedback import write_all_feedback

    failures: list[Finding] = []

    def cannot(name: str, error: Exception) -> None:
        failures.append(Finding(
            Severity.WARNING, f"no feedback copy could be made ({error})",
            "Send the team the findings report instead.", name, code="feedback-failed"))

    by_file: dict[str, list[Finding]] = {}
    for finding in batch.validation.findings:
        by_file.setdefault(finding.file, []).append(finding)
    # an older draft that a newer return replaced needs no marking up: the newer one is what counts
    superseded = {s.file for s in batch.validation.sources if s.outcome is SourceOutcome.SUPERSEDED}
    # and a return whose only news is the format it came in has nothing to mark up either
    wanted = {name: origin for name, (_, origin) in sorted(batch.validation.readable.items())
              if name not in superseded and any(f.severity is not Severity.INFO and f.code != OTHER_FORMAT
                                                for f in by_file.get(name, []))}
    again = _read_again(wanted, batch.passwords)
    for name in wanted.keys() - again.keys():
        cannot(name, Exception("the file changed or went away after it was checked; check it again"))
    returns = [(name, again[name], by_file[name]) for name in wanted if name in again]
    # a return that came protected goes back protected, with its team's password
    protect = {name: batch.passwords[team] for name, (team, _) in batch.validation.readable.items()
               if name in batch.validation.encrypted and team in batch.passwords}
    written = write_all_feedback(returns, folder, period_label=period.label, team_names=batch.team_names,
                                 on_error=cannot, passwords=protect, max_sheet_bytes=max_sheet_bytes)
    return FeedbackCopies(written, failures)


def _read_again(wanted: dict[str, Origin], passwords: dict[str, str]) -> dict[str, bytes]:
    """The bytes of each wanted return, read again from its source file (each source once); a return
    whose bytes are no longer the ones judged is left out."""
    by_source: dict[str, list[str]] = {}
    for name, origin in wanted.items():
        by_source.setdefault(origin.source, []).append(name)
    found: dict[str, bytes] = {}
    for source in by_source:
        candidates, _, _ = collect([Path(source)], passwords)
        for candidate in candidates:
            origin = wanted.get(candidate.name)
            if origin is not None and origin.sha256 == candidate.sha256:
                found[candidate.name] = candidate.data
    return found


def _slug(name: str, level: Level) -> str:
    cleaned = "".join(ch if ch.isalnum() else "-" for ch in name).strip("-")
    while "--" in cleaned:
        cleaned = cleaned.replace("--", "-")
    return cleaned or level.value
