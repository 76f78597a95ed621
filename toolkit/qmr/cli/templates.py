"""`qmr templates`: one return workbook per team, to send out."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from qmr import cycle as quarter
from qmr.cli.context import (
    code_example,
    db_path,
    plan_for,
    working_folder,
)
from qmr.cli.options import DATE, plan_options, quiet_option
from qmr.cli.output import (
    Out,
    guarded,
    plain,
)
from qmr.period import Period


@click.command()
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
    plan_obj = plan_for(plan, period)
    unknown = [t for t in teams if plan_obj.team(t) is None]
    if unknown:
        raise click.BadParameter(f"not in the register: {', '.join(unknown)} (codes look like "
                                 f"{code_example(plan_obj)})", param_hint="--team")
    teams = tuple(plan_obj.team(t).code for t in teams)  # type: ignore[union-attr]  # as the register spells it
    folder = working_folder()
    target = out or (folder.templates_for(period) if folder else None)
    if target is None:
        raise click.UsageError("--out is required outside a folder made by `qmr init`")
    secret = quarter.folder_secret(folder)
    written = quarter.make_templates(plan_obj, period, target, teams=teams, deadline=deadline,
                                     db=db_path(db), secret=secret)
    Out(quiet).say(plain(f"{len(written)} templates for {period.label} in {target}\n"
                           f"Distribution list: {target / 'distribution.csv'}"))
    if secret is None:
        Out(quiet).say("These templates carry no team token (no working folder secret): qmr cannot tell "
                       "if a return's identity is edited. In a working folder, `qmr init .` makes one.")
