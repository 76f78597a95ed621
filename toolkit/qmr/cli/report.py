"""`qmr report`: the board's QMR document."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from qmr import cycle as quarter
from qmr.cli.context import (
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
    target = output_path(out, period, lambda outputs: outputs.document)
    if target.suffix.lower() != ".docx":
        raise click.BadParameter(f"{target} must end in .docx", param_hint="--out")
    printer = Out(quiet)
    plan_obj, batch = read_and_judge(plan, period, sources, passwords, db, printer)
    result = quarter.make_report(plan_obj, period, batch, target, by=Level(by) if by else None, pdf=pdf)
    summary(printer, plan_obj, period, batch)
    serious = [f for f in (*batch.validation.findings, *result.findings)
               if f.severity in (Severity.REJECTED, Severity.ERROR)]
    if serious:
        print_findings(printer, serious, title="Rejected returns and errors", limit=40)
    for path in result.written:
        printer.say(plain(f"{'Tagged PDF' if path.suffix == '.pdf' else 'QMR document'}: {path}"))
    sys.exit(EXIT_PROBLEMS if batch.validation.has_problems() or result.findings else EXIT_CLEAN)
