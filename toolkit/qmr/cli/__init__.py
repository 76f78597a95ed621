"""The `qmr` command: a thin shell over the functions in quarter.py and friends.

Exit codes (contract): 0 done and clean; 1 done, with rejected returns or errors (outputs still
written); 2 nothing done (bad arguments, unreadable register). No traceback reaches the user.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import astuple
from datetime import date
from functools import wraps
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from qmr import cycle as quarter
from qmr.consolidate import history
from qmr.cycle import Batch, Folder, PlanError
from qmr.findings import terminal_safe
from qmr.judge.return_state import return_states
from qmr.model import Finding, Level, ReturnState, Severity, SourceOutcome
from qmr.period import Period, PeriodError
from qmr.plan.examples import DEFAULT_EXAMPLE, EXAMPLES
from qmr.returns.token import SecretError

EXIT_CLEAN, EXIT_PROBLEMS, EXIT_NOTHING_DONE = 0, 1, 2


class Out:
    """Where a command speaks: rich on stdout, silent with --quiet, no bar when not a terminal."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        # piped into a file or a log, tables get a readable width rather than rich's 80 columns
        width = None if sys.stdout.isatty() else 140
        # no emoji codes either: a file called x:fire:.xlsx is printed as it is named
        self.console = Console(quiet=quiet, highlight=False, soft_wrap=True, width=width, emoji=False)
        self.errors = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)

    def say(self, *parts: object) -> None:
        if not self.quiet:  # rich renders even a quiet console's tables: seconds for thousands of rows
            self.console.print(*parts)

    def fail(self, message: str) -> None:
        """`message` is plain text (file names, what a return said): never read as rich markup."""
        self.errors.print(f"[bold red]qmr:[/] {_escape(message)}")

    def progress(self, label: str) -> tuple[Progress | None, Callable[[int, int], None] | None]:
        """A bar on a terminal only; the callback takes (done, total)."""
        if self.quiet or not sys.stderr.isatty():
            return None, None
        bar = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                       console=self.errors, transient=True)
        task = bar.add_task(label, total=None)
        return bar, lambda done, total: bar.update(task, completed=done, total=total)


def quiet_option(command: Callable) -> Callable:
    """Every command takes --quiet (contract)."""
    return click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")(command)


def _known_example(ctx: click.Context, param: click.Parameter, name: str) -> str:
    if name not in EXAMPLES:
        raise click.BadParameter(f"unknown example {name!r}; choose from {', '.join(EXAMPLES)}")
    return name


def example_option(command: Callable) -> Callable:
    """--example NAME: one of the example registers shipped with qmr."""
    return click.option("--example", default=DEFAULT_EXAMPLE, show_default=True, callback=_known_example,
                        help=f"Example register: {', '.join(EXAMPLES)}.")(command)


def guarded(command: Callable) -> Callable:
    """Turn every failure into a one-line message and exit code 2: no traceback reaches a user."""

    @wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except click.exceptions.Exit:
            raise
        except (click.ClickException, click.Abort):
            raise
        except PlanError as error:
            out = Out(False)
            out.fail(f"{error.path}: the plan register cannot be used:")
            for finding in error.findings[:20]:
                out.errors.print(f"  {terminal_safe(finding)}", markup=False)
            if len(error.findings) > 20:
                out.errors.print(f"  ... and {len(error.findings) - 20} more")
            out.errors.print(f"Run: qmr register check {terminal_safe(error.path)}", markup=False)
            sys.exit(EXIT_NOTHING_DONE)
        except SecretError as error:
            Out(False).fail(str(error))
            sys.exit(EXIT_NOTHING_DONE)
        except OSError as error:
            Out(False).fail(f"{error.filename or ''} {error.strerror or error}".strip())
            sys.exit(EXIT_NOTHING_DONE)
        except (sqlite3.DatabaseError, history.HistoryError) as error:
            Out(False).fail(f"the history database cannot be used ({error}); check that --db names a qmr "
                            "history file (qmr.db), or give a new file name to start one.")
            sys.exit(EXIT_NOTHING_DONE)
        except Exception as error:  # the last line of defence; QMR_DEBUG=1 shows the traceback
            if os.environ.get("QMR_DEBUG"):
                raise
            _last_words(f"unexpected problem ({type(error).__name__}: {error}). Nothing was changed. "
                        "Re-run with QMR_DEBUG=1 and report the output.")
            sys.exit(EXIT_NOTHING_DONE)

    return run


def _last_words(message: str) -> None:
    """Say `message` on stderr and never raise: no markup, and if rich itself fails (an odd
    console, an encoding that cannot show a file's name), the bare stream, then silence."""
    try:
        Console(stderr=True, highlight=False, soft_wrap=True, emoji=False).print(f"qmr: {terminal_safe(message)}",
                                                                                 markup=False)
        return
    except Exception:  # whatever went wrong, the user gets a line, not a traceback
        pass
    with suppress(Exception):  # nowhere left to say it
        stream = sys.stderr or sys.__stderr__
        encoding = getattr(stream, "encoding", None) or "ascii"
        stream.write(f"qmr: {message}\n".encode(encoding, "backslashreplace").decode(encoding))
        stream.flush()


class PeriodType(click.ParamType):
    name = "PERIOD"

    def convert(self, value, param, ctx):
        if isinstance(value, Period):
            return value
        try:
            return Period.parse(value)
        except PeriodError as error:
            self.fail(str(error), param, ctx)


class DateType(click.ParamType):
    name = "DATE"

    def convert(self, value, param, ctx):
        from qmr.normalise import day

        if isinstance(value, date):
            return value
        parsed = day(value).value
        if parsed is None:
            self.fail(f"{value!r} is not a date; write it like 2016-01-22 or 22/01/2016", param, ctx)
        return parsed


PERIOD = PeriodType()
DATE = DateType()


def _use_control(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """--control: the control workbook's settings become this command's defaults (the command line
    still wins). Without --control, a control.xlsx in the working folder is used the same way."""
    from qmr.control.workbook import CONTROL_NAME, ControlError, command_defaults, read_control

    if value is None:
        folder = quarter.find_folder(Path.cwd())
        found = folder.root / CONTROL_NAME if folder else None
        if found is None or not found.is_file():
            return None
        value = found
    value = Path(os.path.relpath(value))  # findings name files as the officer sees them, as in _folder()
    try:
        settings = read_control(value)
    except ControlError as error:
        raise click.BadParameter(str(error), ctx=ctx, param=param) from error

    def later(key: str) -> Callable[[], object]:
        # period-dependent folders follow a --period given on the command line
        return lambda: command_defaults(ctx.info_name or "", settings, ctx.params.get("period")).get(key)

    defaults = command_defaults(ctx.info_name or "", settings, None)
    ctx.default_map = {**(ctx.default_map or {}), **{key: later(key) for key in defaults}}
    return value


def plan_options(command: Callable) -> Callable:
    """--plan and --period, which every command about a quarter takes, and --control, which can
    supply them (and the folders) from the officer's control workbook."""
    command = click.option("--control", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                           is_eager=True, expose_value=False, callback=_use_control,
                           help="Control workbook whose settings fill in options not given here "
                                "(default: the working folder's control.xlsx, if any).")(command)
    command = click.option("--period", type=PERIOD, required=True,
                           help="e.g. 2015/16 Q3 (also 2015-16-Q3, 2015/16:Q3, Q3 2015/16).")(command)
    return click.option("--plan", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                        help="Plan register (default: the working folder's plan.xlsx).")(command)


def returns_options(command: Callable) -> Callable:
    """--plan, --period, SOURCE... and --passwords: what every command that reads returns takes."""
    command = click.option("--passwords", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                           help="File of TEAM = password lines for password-protected returns.")(command)
    command = click.argument("sources", nargs=-1, type=click.Path(path_type=Path))(command)
    return plan_options(command)


def _folder() -> Folder | None:
    """The working folder around the current directory, its paths relative to here: findings name
    files as the officer sees them (returns/2015-16-Q3/x.xlsx), not by their full path."""
    folder = quarter.find_folder(Path.cwd())
    if folder is None:
        return None
    return Folder(*(Path(os.path.relpath(path)) for path in astuple(folder)))


def _plan_path(plan: Path | None) -> Path:
    if plan is not None:
        return plan
    folder = _folder()
    if folder is None:
        raise click.UsageError("--plan is required outside a folder made by `qmr init`")
    return folder.plan


def _db_path(db: Path | None) -> Path | None:
    if db is not None:
        return db
    folder = _folder()
    return folder.db if folder else None


CHASE_DEFAULT = "<output>/<period>/reminders"  # what `--chase` alone stands for


def _plan_for(plan: Path | None, period: Period) -> quarter.Plan:
    """The plan register, refusing a period outside its financial year (exit 2)."""
    plan_obj, _ = quarter.load_plan(_plan_path(plan))
    try:
        quarter.check_period(plan_obj, period)
    except quarter.PeriodOutsidePlan as error:
        raise click.UsageError(str(error)) from error
    return plan_obj


def _folder_plan() -> quarter.Plan | None:
    """The working folder's register, when there is one that reads cleanly."""
    folder = _folder()
    if folder is None or not folder.plan.exists():
        return None
    with suppress(PlanError, OSError):
        return quarter.load_plan(folder.plan)[0]
    return None


def _code_example(plan: quarter.Plan | None) -> str:
    """A team code to quote in a hint: one of the register in use."""
    return plan.teams[0].code if plan is not None and plan.teams else "FIN"


def _sources(sources: Sequence[Path], period: Period) -> list[Path]:
    if sources:
        return list(sources)
    folder = _folder()
    if folder is None:
        raise click.UsageError("give at least one SOURCE (file, folder, .zip, .eml or .msg)")
    return [folder.returns_for(period)]


def _output(path: Path | None, period: Period, pick: Callable[[quarter.PeriodOutputs], Path]) -> Path:
    if path is not None:
        return path
    folder = _folder()
    if folder is None:
        raise click.UsageError("--out is required outside a folder made by `qmr init`")
    return pick(folder.outputs_for(period))


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="qmr")
def main() -> None:
    """qmr: a council's quarterly performance monitoring, through Excel.

    \b
    The quarter, step by step:
      qmr init q                      a working folder with an example plan register
      qmr register check plan.xlsx    every problem in the register, by sheet, row and column
      qmr templates --period "2015/16 Q3"        one return workbook per team, to send out
      qmr status    --period "2015/16 Q3" --chase reminders    who has replied
      qmr validate  --period "2015/16 Q3" --feedback fix       what each team must fix
      qmr consolidate --period "2015/16 Q3"      the master quarterly workbook
      qmr report --period "2015/16 Q3" --pdf     the board's QMR document (Word, tagged PDF)

    Inside a folder made by `qmr init`, --plan, --out and SOURCE default to its layout.
    """


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@example_option
@quiet_option
@guarded
def init(directory: Path, example: str, quiet: bool) -> None:
    """Create a working folder: plan.xlsx (an example register), qmr.toml and subfolders."""
    folder = quarter.init_folder(directory, example)
    Out(quiet).say(_escape(f"Working folder ready: {folder.root}\n  plan register: {folder.plan}\n"
                           f"  history:       {folder.db}\nNext: cd {folder.root} && qmr register check plan.xlsx"))


@main.group()
def register() -> None:
    """The plan register: write a blank one, or check one."""


@register.command("new")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@quiet_option
@guarded
def register_new(path: Path, quiet: bool) -> None:
    """Write a blank plan register with instructions, dropdowns and one example row per sheet."""
    from qmr.plan.blank import write_register

    if path.exists():
        raise click.UsageError(f"{path} already exists; qmr does not overwrite a register")
    write_register(path)
    Out(quiet).say(_escape(f"Blank register written: {path}"))


@register.command("check")
@click.argument("plan", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@quiet_option
@guarded
def register_check(plan: Path, quiet: bool) -> None:
    """Report every problem in a plan register; exit 1 when any is an error, 2 when it cannot be read."""
    from qmr.plan.reader import read_register

    read = read_register(plan)
    findings = read.findings
    out = Out(quiet)
    if read.plan is None:  # not readable as a register at all: nothing was checked (exit 2)
        out.fail(f"{plan}: cannot be read as a plan register:")
        for finding in findings:
            if finding.severity is Severity.REJECTED:
                out.errors.print(f"  {terminal_safe(finding)}", markup=False)
        sys.exit(EXIT_NOTHING_DONE)
    _print_findings(out, findings, title=f"Register check: {plan}")
    serious = sum(f.severity in (Severity.ERROR, Severity.REJECTED) for f in findings)
    if serious:  # on stderr, so that --quiet still says why the exit code is 1
        out.fail(f"{serious} error(s): the register cannot be used until they are fixed.")
        sys.exit(EXIT_PROBLEMS)
    out.say("[green]The register is usable.[/]" + (" Warnings above are worth a look." if findings else ""))


@main.command()
@plan_options
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Folder for the templates.")
@click.option("--team", "teams", multiple=True, help="Only this team code (repeatable).")
@click.option("--deadline", type=DATE, help="Return deadline (default: 15 working days after quarter end).")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path),
              help="History: pre-fill last quarter's commentary.")
@quiet_option
@guarded
def templates(plan: Path | None, period: Period, out: Path | None, teams: tuple[str, ...],
              deadline: date | None, db: Path | None, quiet: bool) -> None:
    """Write one return workbook per team for a period, and a distribution list."""
    plan_obj = _plan_for(plan, period)
    unknown = [t for t in teams if plan_obj.team(t) is None]
    if unknown:
        raise click.BadParameter(f"not in the register: {', '.join(unknown)} (codes look like "
                                 f"{_code_example(plan_obj)})", param_hint="--team")
    teams = tuple(plan_obj.team(t).code for t in teams)  # type: ignore[union-attr]  # as the register spells it
    folder = _folder()
    target = out or (folder.templates_for(period) if folder else None)
    if target is None:
        raise click.UsageError("--out is required outside a folder made by `qmr init`")
    secret = quarter.folder_secret(folder)
    written = quarter.make_templates(plan_obj, period, target, teams=teams, deadline=deadline,
                                     db=_db_path(db), secret=secret)
    Out(quiet).say(_escape(f"{len(written)} templates for {period.label} in {target}\n"
                           f"Distribution list: {target / 'distribution.csv'}"))
    if secret is None:
        Out(quiet).say("These templates carry no team token (no working folder secret): qmr cannot tell "
                       "if a return's identity is edited. In a working folder, `qmr init .` makes one.")


def _validate(plan: Path | None, period: Period, sources: Sequence[Path], passwords: Path | None,
              db: Path | None, out: Out) -> tuple[quarter.Plan, Batch]:
    plan_obj = _plan_for(plan, period)
    paths = _sources(sources, period)
    missing = [p for p in paths if not p.exists()]
    if missing and len(missing) == len(paths):
        if sources:
            raise click.UsageError(f"no such source: {', '.join(map(str, missing))}")
        raise click.UsageError(f"no returns folder for {period.label}: {missing[0]} does not exist. Save "
                               "the teams' returns there (files, zips or e-mails), or give SOURCE paths")
    bar, advance = out.progress("Reading returns")
    if bar:
        bar.start()
    try:
        batch = quarter.run_validation(plan_obj, period, paths, passwords=passwords, db=_db_path(db),
                                       progress=advance, secret=quarter.folder_secret(_folder()),
                                       warn_unchecked=True)
    finally:
        if bar:
            bar.stop()
    return plan_obj, batch


@main.command(name="validate")
@returns_options
@click.option("--feedback", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for feedback copies: each team's own workbook with problems highlighted.")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path),
              help="Findings report (.xlsx, and a .csv beside it).")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), help="History database.")
@quiet_option
@guarded
def validate_command(plan, period, sources, feedback, report, passwords, db, quiet) -> None:
    """Check returned workbooks and say exactly what each team must fix. Changes no input.

    SOURCES are files, folders (searched recursively), .zip archives and saved e-mails (.eml, .msg);
    in a working folder they default to returns/<period>/.
    """
    out = Out(quiet)
    plan_obj, batch = _validate(plan, period, sources, passwords, db, out)
    folder = _folder()
    if folder is not None:  # a working folder: the report and feedback copies go to output/<period>/
        outputs = folder.outputs_for(period)
        report, feedback = report or outputs.findings, feedback or outputs.feedback
    written = []
    if feedback:  # before the findings are shown and the report written, so a copy not made is in both
        copies = quarter.write_feedback_copies(batch, feedback, period)
        written, batch = copies.written, batch.plus(copies.findings)
    _summary(out, plan_obj, period, batch)
    _print_findings(out, batch.validation.findings, title="Findings", limit=40,
                    empty="nothing to report in the returns received" if batch.missing else "nothing to report")
    _say_missing(out, period, batch, in_folder=folder is not None)
    if feedback:
        out.say(_escape(f"{len(written)} feedback {'copy' if len(written) == 1 else 'copies'} in {feedback}"
                        if written else "No feedback copies: no return received has a problem to mark up."))
    if report:
        from qmr.publish.findings_report import write_findings_report

        xlsx, csv_path = write_findings_report(batch.validation.findings, report)
        out.say(_escape(f"Findings report: {xlsx} and {csv_path}"))
    sys.exit(EXIT_PROBLEMS if batch.validation.has_problems() else EXIT_CLEAN)


@main.command()
@returns_options
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Master workbook to write.")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), help="History database.")
@click.option("--strict", is_flag=True, help="Record nothing in history if any return was rejected or "
              "had errors.")
@click.option("--by", "by", type=click.Choice([level.value for level in Level]),
              help="Also one master per department (or division, or directorate): MASTER_<unit>.xlsx.")
@quiet_option
@guarded
def consolidate(plan, period, sources, out, db, strict, by, passwords, quiet) -> None:
    """Consolidate returns into the master quarterly workbook (and record them in history).

    SOURCES are files, folders (searched recursively), .zip archives and saved e-mails (.eml, .msg);
    in a working folder they default to returns/<period>/.
    """
    printer = Out(quiet)
    plan_obj, batch = _validate(plan, period, sources, passwords, db, printer)
    target = _output(out, period, lambda outputs: outputs.master)
    target.parent.mkdir(parents=True, exist_ok=True)
    done = quarter.run_consolidation(plan_obj, period, batch, target, db=_db_path(db), strict=strict,
                                     by=Level(by) if by else None)
    batch, written = batch.plus(done.findings), done.written
    _summary(printer, plan_obj, period, batch)
    # what made the run exit 1 must be visible here too, not only in the master's Validation sheet
    serious = [f for f in batch.validation.findings if f.severity in (Severity.REJECTED, Severity.ERROR)]
    if serious:
        _print_findings(printer, serious, title="Rejected returns and errors (all findings: Validation sheet)",
                        limit=40)
    for path in written:
        printer.say(_escape(f"{'Data table (CSV)' if path.suffix == '.csv' else 'Master workbook'}: {path}"))
    sys.exit(EXIT_PROBLEMS if batch.validation.has_problems() else EXIT_CLEAN)


@main.command()
@returns_options
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="QMR document to write (.docx; default output/<period>/QMR_<period>.docx).")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path),
              help="History database (direction of travel; nothing is recorded).")
@click.option("--by", "by", type=click.Choice([level.value for level in Level]),
              help="One document per department (or division, or directorate) instead: QMR_<unit>.docx.")
@click.option("--pdf", is_flag=True, help="Also a tagged PDF beside each document (needs LibreOffice).")
@quiet_option
@guarded
def report(plan, period, sources, out, db, by, pdf, passwords, quiet) -> None:
    """Write the Quarterly Monitoring Report for boards (Word), from the same returns as the master.

    SOURCES are files, folders (searched recursively), .zip archives and saved e-mails (.eml, .msg);
    in a working folder they default to returns/<period>/.
    """
    target = _output(out, period, lambda outputs: outputs.document)
    if target.suffix.lower() != ".docx":
        raise click.BadParameter(f"{target} must end in .docx", param_hint="--out")
    printer = Out(quiet)
    plan_obj, batch = _validate(plan, period, sources, passwords, db, printer)
    result = quarter.make_report(plan_obj, period, batch, target, by=Level(by) if by else None, pdf=pdf)
    _summary(printer, plan_obj, period, batch)
    serious = [f for f in (*batch.validation.findings, *result.findings)
               if f.severity in (Severity.REJECTED, Severity.ERROR)]
    if serious:
        _print_findings(printer, serious, title="Rejected returns and errors", limit=40)
    for path in result.written:
        printer.say(_escape(f"{'Tagged PDF' if path.suffix == '.pdf' else 'QMR document'}: {path}"))
    sys.exit(EXIT_PROBLEMS if batch.validation.has_problems() or result.findings else EXIT_CLEAN)


@main.command()
@returns_options
@click.option("--chase", type=click.Path(file_okay=False, path_type=Path), is_flag=False, flag_value=CHASE_DEFAULT,
              help="Write a reminder e-mail (.eml, template attached) for each team not yet received, and a "
              "send-again e-mail for each team whose file could not be read, into DIRECTORY (in a working "
              "folder, --chase alone: output/<period>/reminders).")
@click.option("--templates", "templates_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where this period's templates are (to attach to reminders).")
@quiet_option
@guarded
def status(plan, period, sources, chase, templates_dir, passwords, quiet) -> None:
    """Which teams have sent a usable return, which are missing, which were rejected and why.

    SOURCES are files, folders (searched recursively), .zip archives and saved e-mails (.eml, .msg);
    in a working folder they default to returns/<period>/.
    """
    out = Out(quiet)
    plan_obj, batch = _validate(plan, period, sources, passwords, None, out)
    table = Table(title=Text(f"Returns for {period.label}", "table.title"))
    for column in ("Team", "Name", "State", "File", "Received / why"):
        table.add_column(column)
    accepted = {r.team: r for r in batch.validation.accepted}
    reasons: dict[str, list[str]] = {}
    for record in batch.validation.sources:
        if record.team and record.outcome is SourceOutcome.REJECTED:
            reasons.setdefault(record.team, []).append(f"{record.file}: {record.reason}")
    states = return_states((t.code for t in plan_obj.teams), batch.validation.sources)
    for team in plan_obj.teams:
        state = states[team.code]
        if state is ReturnState.RECEIVED:
            ret = accepted[team.code]
            row = (team.code, team.name, _state_text(state), ret.file, ret.modified.strftime("%Y-%m-%d %H:%M"))
        elif state in (ReturnState.REJECTED, ReturnState.UNREADABLE):
            row = (team.code, team.name, _state_text(state), "", "; ".join(reasons[team.code]))
        elif team.code not in batch.teams_expected:
            row = (team.code, team.name, "nothing due", "", f"no items to report in {period.label}")
        else:
            row = (team.code, team.name, _state_text(state), "", "")
        table.add_row(*map(_cell, row))
    out.say(table)
    ours = {team.code for team in plan_obj.teams}  # a return claiming a team not in the register is nobody's
    unidentified = [r for r in batch.validation.sources
                    if r.team not in ours and r.outcome is SourceOutcome.REJECTED]
    for record in unidentified:
        out.say(f"[red]not a usable return[/]: {_escape(record.file)}: {_escape(record.reason)}")
    if chase:
        from qmr.collect.chase import write_reminders

        folder = _folder()
        where = templates_dir or (folder.templates_for(period) if folder else None)
        if chase == Path(CHASE_DEFAULT):
            if folder is None:
                raise click.UsageError("--chase needs a folder outside a folder made by `qmr init`")
            chase = folder.outputs_for(period).reminders
        written = write_reminders(plan_obj, period, batch.missing, where, chase, unreadable=batch.unreadable)
        out.say(_escape(f"{len(written)} reminder e-mails in {chase}"))
    sys.exit(EXIT_PROBLEMS if batch.missing or batch.turned_away else EXIT_CLEAN)


@main.command("control-workbook")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@quiet_option
@guarded
def control_workbook(path: Path, quiet: bool) -> None:
    """Write the officer's control workbook: named settings cells (plan, period, folders, deadline),
    instructions and a Findings sheet. Buttons are optional: see macros/README.md."""
    from qmr.control.workbook import write_control_workbook

    if path.exists():
        raise click.UsageError(f"{path} already exists; qmr does not overwrite a control workbook")
    write_control_workbook(path)
    Out(quiet).say(_escape(f"Control workbook written: {path}\nFill in its Settings sheet, then run e.g. "
                           f"qmr validate --control {path}"))


@main.group(name="history")
def history_group() -> None:
    """What the history database holds."""


def _history_db(db: Path | None) -> Path:
    path = _db_path(db)
    if path is None or not path.exists():
        raise click.UsageError("no history database: give --db, or run inside a folder made by `qmr init` "
                               "after a consolidation")
    return path


@history_group.command("periods")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path))
@quiet_option
@guarded
def history_periods(db: Path | None, quiet: bool) -> None:
    """Periods stored, with how many returns and items each."""
    table = Table("Period", "Returns", "Items")
    for period, returns, items in history.periods(_history_db(db)):
        table.add_row(*map(_cell, (period, returns, items)))
    Out(quiet).say(table)


@history_group.command("show")
@click.argument("team")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path))
@quiet_option
@guarded
def history_show(team: str, db: Path | None, quiet: bool) -> None:
    """Every stored value of one team."""
    path = _history_db(db)
    rows = history.team_rows(path, team)
    if not rows:
        example = _code_example(_folder_plan())
        raise click.BadParameter(f"nothing is stored for team {team!r} in {path}; write the team code as in "
                                 f"the register (e.g. {example})", param_hint="TEAM")
    table = Table("Period", "Kind", "Ref", "Status", "Actual", "Commentary")
    for row in rows:
        table.add_row(*map(_cell, row))
    Out(quiet).say(table)


@history_group.command("export")
@click.argument("csv_path", metavar="CSV", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path))
@quiet_option
@guarded
def history_export(csv_path: Path, db: Path | None, quiet: bool) -> None:
    """Export every stored value as CSV."""
    count = history.export_csv(_history_db(db), csv_path)
    Out(quiet).say(_escape(f"{count} rows written to {csv_path}"))


@main.command()
@click.argument("directory", required=False, default="qmr-demo",
                type=click.Path(file_okay=False, path_type=Path))
@click.option("--period", type=PERIOD, help="Quarter to report on  [default: Q3 of the example's own year]")
@example_option
@quiet_option
@guarded
def demo(directory: Path, period: Period | None, example: str, quiet: bool) -> None:
    """Run a whole quarter on an example register, with simulated clerks."""
    from qmr.demo.run import DemoError, run_demo

    out = Out(quiet)
    try:
        outcome = run_demo(directory, period, example=example)
    except DemoError as error:
        out.fail(str(error))
        sys.exit(EXIT_NOTHING_DONE)
    _summary(out, outcome.plan, outcome.period, outcome.batch)
    out.say(_escape(outcome.describe()))


# A national collection has thousands of teams: past this many, the summary lists only the teams with
# something to see (missing, rejected, errors, warnings), and counts the rest.
SUMMARY_EVERY_TEAM_UP_TO = 40


def _summary(out: Out, plan, period: Period, batch: Batch) -> None:
    """Received / missing / rejected and findings by severity, by team."""
    if out.quiet:
        return
    validation = batch.validation
    states = batch.states  # the teams with something due: a code not in the register is nobody's
    counts = Counter(ReturnState.REJECTED if s is ReturnState.UNREADABLE else s for s in states.values())
    unread = sum(s is ReturnState.UNREADABLE for s in states.values())
    table = Table(title=Text(f"{period.label}: {counts[ReturnState.RECEIVED]} received, "
                             f"{counts[ReturnState.MISSING]} missing, {counts[ReturnState.REJECTED]} rejected"
                             + (f" ({unread} could not be read)" if unread else "")
                             + f" of {len(batch.teams_expected)} teams with something due", "table.title"))
    for column in ("Team", "Return", "Rejected", "Errors", "Warnings"):
        table.add_column(column)
    by_team: dict[str, dict[Severity, int]] = {}
    for finding in validation.findings:
        by_team.setdefault(finding.team, {}).setdefault(finding.severity, 0)
        by_team[finding.team][finding.severity] += 1
    every_team = len(states) <= SUMMARY_EVERY_TEAM_UP_TO
    clean = 0
    for code, state in states.items():
        found = by_team.get(code, {})
        if not every_team and state is ReturnState.RECEIVED and not found:
            clean += 1
            continue
        table.add_row(*map(_cell, (code, _state_text(state), found.get(Severity.REJECTED, 0),
                                   found.get(Severity.ERROR, 0), found.get(Severity.WARNING, 0))))
    if clean:
        table.caption = Text(f"and {clean} more teams received with nothing to report")
    out.say(table)


def _print_findings(out: Out, findings: Sequence[Finding], *, title: str, limit: int = 200,
                    empty: str = "nothing to report") -> None:
    shown = [f for f in findings if f.severity is not Severity.INFO] or list(findings)
    if not shown:
        out.say(Text(f"{title}: {empty}."))
        return
    table = Table(title=Text(title, "table.title"), show_lines=False)
    for column in ("Severity", "Where", "Problem", "What to do"):
        table.add_column(column, overflow="fold")
    colours = {Severity.REJECTED: "red", Severity.ERROR: "red", Severity.WARNING: "yellow",
               Severity.INFO: "cyan"}
    for finding in shown[:limit]:
        table.add_row(Text(str(finding.severity), colours[finding.severity]), *map(_cell, (
            finding.location, finding.message, finding.action)))
    out.say(table)
    if len(shown) > limit:
        out.say(f"... and {len(shown) - limit} more (write them all with --report).")


# Past this many, the line on teams that sent nothing names the first ones and counts the rest.
MISSING_NAMED_UP_TO = 20


def _say_missing(out: Out, period: Period, batch: Batch, *, in_folder: bool) -> None:
    """Validation judges what came, so a team that sent nothing is no finding; but "nothing to report"
    must not read as "all in". The exit code stays as the contract has it (1 for rejected returns
    and errors); `qmr status` is the command whose exit says teams are missing."""
    missing = batch.missing
    if not missing:
        return
    expected = len(batch.teams_expected)
    named = ", ".join(missing[:MISSING_NAMED_UP_TO])
    if len(missing) > MISSING_NAMED_UP_TO:
        named += f" and {len(missing) - MISSING_NAMED_UP_TO} more (qmr status lists them all)"
    who = (f"None of the {expected} teams with something due has sent a return yet" if len(missing) == expected
           else f"{len(missing)} of the {expected} teams with something due sent nothing")
    chase = (f'qmr status --period "{period.label}" --chase' if in_folder
             else f'qmr status --plan PLAN --period "{period.label}" SOURCE... --chase DIR')
    out.say(_escape(f"{who}: {named}. Their items will be Missing in the master. To remind them (an e-mail "
                    f"each, its template attached): {chase}"))


def _escape(text: object) -> str:
    """Plain text (a path, a file name, what a return said) made safe to print as rich markup."""
    return escape(terminal_safe(text))


STATE_COLOURS = {ReturnState.RECEIVED: "green", ReturnState.REJECTED: "red", ReturnState.UNREADABLE: "red",
                 ReturnState.MISSING: "yellow"}


def _state_text(state: ReturnState) -> Text:
    return Text(state.value, STATE_COLOURS[state])


def _cell(value: object) -> Text:
    """A table cell from data: shown as it is, never read as markup (a `[/x]` in a file name or
    a clerk's commentary is text). None is an empty cell; a styled Text is kept."""
    if isinstance(value, Text):
        return value
    return Text("" if value is None else terminal_safe(value))


if __name__ == "__main__":  # pragma: no cover
    main()
