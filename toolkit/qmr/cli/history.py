"""`qmr history`: what the history database holds."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from qmr.cli.context import (
    code_example,
    db_path,
    folder_plan,
)
from qmr.cli.options import quiet_option
from qmr.cli.output import (
    Out,
    cell,
    guarded,
    plain,
)
from qmr.consolidate import history


@click.group(name="history")
def history_group() -> None:
    """What the history database holds."""


def _history_db(db: Path | None) -> Path:
    path = db_path(db)
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
        table.add_row(*map(cell, (period, returns, items)))
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
        example = code_example(folder_plan())
        raise click.BadParameter(f"nothing is stored for team {team!r} in {path}; write the team code as in "
                                 f"the register (e.g. {example})", param_hint="TEAM")
    table = Table("Period", "Kind", "Ref", "Status", "Actual", "Commentary")
    for row in rows:
        table.add_row(*map(cell, row))
    Out(quiet).say(table)


@history_group.command("export")
@click.argument("csv_path", metavar="CSV", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path))
@quiet_option
@guarded
def history_export(csv_path: Path, db: Path | None, quiet: bool) -> None:
    """Export every stored value as CSV."""
    count = history.export_csv(_history_db(db), csv_path)
    Out(quiet).say(plain(f"{count} rows written to {csv_path}"))
