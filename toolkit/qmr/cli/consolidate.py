"""`qmr consolidate`: the master quarterly workbook, and history."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from qmr import cycle as quarter
from qmr.cli.context import (
    db_path,
    output_path,
    read_and_judge,
)
from qmr.cli.options import quiet_option, returns_options
from qmr.cli.output import (
    EXIT_CLEAN,
    EXIT_PROBLEMS,
    Out,
    guarded,
    plain,
    print_findings,
    summary,
)
from qmr.model import Level, Severity


@click.command()
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
    plan_obj, batch = read_and_judge(plan, period, sources, passwords, db, printer)
    target = output_path(out, period, lambda outputs: outputs.master)
    target.parent.mkdir(parents=True, exist_ok=True)
    done = quarter.run_consolidation(plan_obj, period, batch, target, db=db_path(db), strict=strict,
                                     by=Level(by) if by else None)
    batch, written = batch.plus(done.findings), done.written
    summary(printer, plan_obj, period, batch)
    # what made the run exit 1 must be visible here too, not only in the master's Validation sheet
    serious = [f for f in batch.validation.findings if f.severity in (Severity.REJECTED, Severity.ERROR)]
    if serious:
        print_findings(printer, serious, title="Rejected returns and errors (all findings: Validation sheet)",
                        limit=40)
    for path in written:
        printer.say(plain(f"{'Data table (CSV)' if path.suffix == '.csv' else 'Master workbook'}: {path}"))
    sys.exit(EXIT_PROBLEMS if batch.validation.has_problems() else EXIT_CLEAN)
