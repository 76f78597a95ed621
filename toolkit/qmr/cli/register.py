"""`qmr register new` and `qmr register check`: the plan register."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from qmr.cli.options import quiet_option
from qmr.cli.output import (
    EXIT_NOTHING_DONE,
    EXIT_PROBLEMS,
    Out,
    guarded,
    plain,
    print_findings,
)
from qmr.findings import terminal_safe
from qmr.model import Severity


@click.group()
def register() -> None:
    """The plan register: write a blank one, or check one."""


@register.command("new")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@quiet_option
@guarded
def register_new(path: Path, quiet: bool) -> None:
    """Write a blank plan register with instructions, dropdowns and one example row per sheet."""
    from qmr.plan.blank import write_register

    if path.exists():
        raise click.UsageError(f"{path} already exists; qmr does not overwrite a register")
    write_register(path)
    Out(quiet).say(plain(f"Blank register written: {path}"))


@register.command("check")
@click.argument("plan", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@quiet_option
@guarded
def register_check(plan: Path, quiet: bool) -> None:
    """Report every problem in a plan register; exit 1 when any is an error, 2 when it cannot be read."""
    from qmr.plan.reader import read_register

    read = read_register(plan)
    findings = read.findings
    out = Out(quiet)
    if read.plan is None:  # not readable as a register at all: nothing was checked (exit 2)
        out.fail(f"{plan}: cannot be read as a plan register:")
        for finding in findings:
            if finding.severity is Severity.REJECTED:
                out.errors.print(f"  {terminal_safe(finding)}", markup=False)
        sys.exit(EXIT_NOTHING_DONE)
    print_findings(out, findings, title=f"Register check: {plan}")
    serious = sum(f.severity in (Severity.ERROR, Severity.REJECTED) for f in findings)
    if serious:  # on stderr, so that --quiet still says why the exit code is 1
        out.fail(f"{serious} error(s): the register cannot be used until they are fixed.")
        sys.exit(EXIT_PROBLEMS)
    out.say("[green]The register is usable.[/]" + (" Warnings above are worth a look." if findings else ""))
