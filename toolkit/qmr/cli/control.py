"""`qmr control-workbook`: the officer's control workbook."""

from __future__ import annotations

from pathlib import Path

import click

from qmr.cli.options import quiet_option
from qmr.cli.output import (
    Out,
    guarded,
    plain,
)


@click.command("control-workbook")
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
    Out(quiet).say(plain(f"Control workbook written: {path}\nFill in its Settings sheet, then run e.g. "
                           f"qmr validate --control {path}"))
