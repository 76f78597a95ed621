"""`qmr status`: who has replied, and reminders for who has not."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from qmr.cli.context import (
    CHASE_DEFAULT,
    read_and_judge,
    working_folder,
)
from qmr.cli.options import quiet_option, returns_options
from qmr.cli.output import (
    EXIT_CLEAN,
    EXIT_PROBLEMS,
    Out,
    cell,
    guarded,
    plain,
    state_text,
)
from qmr.judge.return_state import return_states
from qmr.model import ReturnState, SourceOutcome


@click.command()
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
    plan_obj, batch = read_and_judge(plan, period, sources, passwords, None, out)
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
            row = (team.code, team.name, state_text(state), ret.file, ret.modified.strftime("%Y-%m-%d %H:%M"))
        elif state in (ReturnState.REJECTED, ReturnState.UNREADABLE):
            row = (team.code, team.name, state_text(state), "", "; ".join(reasons[team.code]))
        elif team.code not in batch.teams_expected:
            row = (team.code, team.name, "nothing due", "", f"no items to report in {period.label}")
        else:
            row = (team.code, team.name, state_text(state), "", "")
        table.add_row(*map(cell, row))
    out.say(table)
    ours = {team.code for team in plan_obj.teams}  # a return claiming a team not in the register is nobody's
    unidentified = [r for r in batch.validation.sources
                    if r.team not in ours and r.outcome is SourceOutcome.REJECTED]
    for record in unidentified:
        out.say(f"[red]not a usable return[/]: {plain(record.file)}: {plain(record.reason)}")
    if chase:
        from qmr.collect.chase import write_reminders

        folder = working_folder()
        where = templates_dir or (folder.templates_for(period) if folder else None)
        if chase == Path(CHASE_DEFAULT):
            if folder is None:
                raise click.UsageError("--chase needs a folder outside a folder made by `qmr init`")
            chase = folder.outputs_for(period).reminders
        written = write_reminders(plan_obj, period, batch.missing, where, chase, unreadable=batch.unreadable)
        out.say(plain(f"{len(written)} reminder e-mails in {chase}"))
    sys.exit(EXIT_PROBLEMS if batch.missing or batch.turned_away else EXIT_CLEAN)
