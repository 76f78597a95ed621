"""`qmr demo`: a whole quarter on an example register, with simulated clerks."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from qmr.cli.options import PERIOD, example_option, quiet_option
from qmr.cli.output import (
    EXIT_NOTHING_DONE,
    Out,
    guarded,
    plain,
    summary,
)
from qmr.period import Period


@click.command()
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
    summary(out, outcome.plan, outcome.period, outcome.batch)
    out.say(plain(outcome.describe()))
