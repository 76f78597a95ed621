"""How the `qmr` commands speak: the console (quiet, no bar when piped), tables of findings and
returns, plain text kept from being read as markup, and the guard that turns every failure into one
line and exit code 2.

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
from functools import wraps

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from qmr.consolidate import history
from qmr.cycle import Batch, PlanError
from qmr.findings import terminal_safe
from qmr.model import Finding, ReturnState, Severity
from qmr.period import Period
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
        self.errors.print(f"[bold red]qmr:[/] {plain(message)}")

    def progress(self, label: str) -> tuple[Progress | None, Callable[[int, int], None] | None]:
        """A bar on a terminal only; the callback takes (done, total)."""
        if self.quiet or not sys.stderr.isatty():
            return None, None
        bar = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                       console=self.errors, transient=True)
        task = bar.add_task(label, total=None)
        return bar, lambda done, total: bar.update(task, completed=done, total=total)


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
            last_words(f"unexpected problem ({type(error).__name__}: {error}). Nothing was changed. "
                        "Re-run with QMR_DEBUG=1 and report the output.")
            sys.exit(EXIT_NOTHING_DONE)

    return run


def last_words(message: str) -> None:
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


# A national collection has thousands of teams: past this many, the summary lists only the teams with
# something to see (missing, rejected, errors, warnings), and counts the rest.
SUMMARY_EVERY_TEAM_UP_TO = 40


def summary(out: Out, plan, period: Period, batch: Batch) -> None:
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
        table.add_row(*map(cell, (code, state_text(state), found.get(Severity.REJECTED, 0),
                                   found.get(Severity.ERROR, 0), found.get(Severity.WARNING, 0))))
    if clean:
        table.caption = Text(f"and {clean} more teams received with nothing to report")
    out.say(table)


def print_findings(out: Out, findings: Sequence[Finding], *, title: str, limit: int = 200,
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
        table.add_row(Text(str(finding.severity), colours[finding.severity]), *map(cell, (
            finding.location, finding.message, finding.action)))
    out.say(table)
    if len(shown) > limit:
        out.say(f"... and {len(shown) - limit} more (write them all with --report).")


# Past this many, the line on teams that sent nothing names the first ones and counts the rest.
MISSING_NAMED_UP_TO = 20


def say_missing(out: Out, period: Period, batch: Batch, *, in_folder: bool) -> None:
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
    out.say(plain(f"{who}: {named}. Their items will be Missing in the master. To remind them (an e-mail "
                  f"each, its template attached): {chase}"))


def plain(text: object) -> str:
    """Plain text (a path, a file name, what a return said) made safe to print as rich markup."""
    return escape(terminal_safe(text))


STATE_COLOURS = {ReturnState.RECEIVED: "green", ReturnState.REJECTED: "red", ReturnState.UNREADABLE: "red",
                 ReturnState.MISSING: "yellow"}


def state_text(state: ReturnState) -> Text:
    return Text(state.value, STATE_COLOURS[state])


def cell(value: object) -> Text:
    """A table cell from data: shown as it is, never read as markup (a `[/x]` in a file name or
    a clerk's commentary is text). None is an empty cell; a styled Text is kept."""
    if isinstance(value, Text):
        return value
    return Text("" if value is None else terminal_safe(value))
