"""`qmr init`: a working folder."""

from __future__ import annotations

from pathlib import Path

import click

from qmr import cycle as quarter
from qmr.cli.options import example_option, quiet_option
from qmr.cli.output import (
    Out,
    guarded,
    plain,
)


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@example_option
@quiet_option
@guarded
def init(directory: Path, example: str, quiet: bool) -> None:
    """Create a working folder: plan.xlsx (an example register), qmr.toml and subfolders."""
    folder = quarter.init_folder(directory, example)
    Out(quiet).say(plain(f"Working folder ready: {folder.root}\n  plan register: {folder.plan}\n"
                           f"  history:       {folder.db}\nNext: cd {folder.root} && qmr register check plan.xlsx"))
