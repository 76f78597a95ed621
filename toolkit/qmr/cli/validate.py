"""`qmr validate`: what each team must fix, with feedback copies and a findings report."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from qmr import cycle as quarter
from qmr.cli.context import (
    read_and_judge,
    working_folder,
)
from qmr.cli.options import quiet_option, returns_options
from qmr.cli.output import (
    EXIT_CLEAN,
    EXIT_PROBLEMS,
    Out,
    guarded,
    plain,
    print_findings,
    say_missing,
    summary,
)


@click.command(name="validate")
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
    plan_obj, batch = read_and_judge(plan, period, sources, passwords, db, out)
    folder = working_folder()
    if folder is not None:  # a working folder: the report and feedback copies go to output/<period>/
        outputs = folder.outputs_for(period)
        report, feedback = report or outputs.findings, feedback or outputs.feedback
    written = []
    if feedback:  # before the findings are shown and the report written, so a copy not made is in both
        copies = quarter.write_feedback_copies(batch, feedback, period)
        written, batch = copies.written, batch.plus(copies.findings)
    summary(out, plan_obj, period, batch)
    print_findings(out, batch.validation.findings, title="Findings", limit=40,
                   empty="nothing to report in the returns received" if batch.missing else "nothing to report")
    say_missing(out, period, batch, in_folder=folder is not None)
    if feedback:
        out.say(plain(f"{len(written)} feedback {'copy' if len(written) == 1 else 'copies'} in {feedback}"
                      if written else "No feedback copies: no return received has a problem to mark up."))
    if report:
        from qmr.publish.findings_report import write_findings_report

        xlsx, csv_path = write_findings_report(batch.validation.findings, report)
        out.say(plain(f"Findings report: {xlsx} and {csv_path}"))
    sys.exit(EXIT_PROBLEMS if batch.validation.has_problems() else EXIT_CLEAN)
