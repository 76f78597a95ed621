"""What a command takes from the working folder when an option is not given: the register, the
history, the returns folder, where outputs go; and reading and judging the returns, which status,
validate, consolidate and report share.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import astuple
from pathlib import Path

import click

from qmr import cycle as quarter
from qmr.cli.output import Out
from qmr.cycle import Batch, Folder, PlanError
from qmr.period import Period


def working_folder() -> Folder | None:
    """The working folder around the current directory, its paths relative to here: findings name
    files as the officer sees them (returns/2015-16-Q3/x.xlsx), not by their full path."""
    folder = quarter.find_folder(Path.cwd())
    if folder is None:
        return None
    return Folder(*(Path(os.path.relpath(path)) for path in astuple(folder)))


def plan_path(plan: Path | None) -> Path:
    if plan is not None:
        return plan
    folder = working_folder()
    if folder is None:
        raise click.UsageError("--plan is required outside a folder made by `qmr init`")
    return folder.plan


def db_path(db: Path | None) -> Path | None:
    if db is not None:
        return db
    folder = working_folder()
    return folder.db if folder else None


CHASE_DEFAULT = "<output>/<period>/reminders"  # what `--chase` alone stands for


def plan_for(plan: Path | None, period: Period) -> quarter.Plan:
    """The plan register, refusing a period outside its financial year (exit 2)."""
    plan_obj, _ = quarter.load_plan(plan_path(plan))
    try:
        quarter.check_period(plan_obj, period)
    except quarter.PeriodOutsidePlan as error:
        raise click.UsageError(str(error)) from error
    return plan_obj


def folder_plan() -> quarter.Plan | None:
    """The working folder's register, when there is one that reads cleanly."""
    folder = working_folder()
    if folder is None or not folder.plan.exists():
        return None
    with suppress(PlanError, OSError):
        return quarter.load_plan(folder.plan)[0]
    return None


def code_example(plan: quarter.Plan | None) -> str:
    """A team code to quote in a hint: one of the register in use."""
    return plan.teams[0].code if plan is not None and plan.teams else "FIN"


def source_paths(sources: Sequence[Path], period: Period) -> list[Path]:
    if sources:
        return list(sources)
    folder = working_folder()
    if folder is None:
        raise click.UsageError("give at least one SOURCE (file, folder, .zip, .eml or .msg)")
    return [folder.returns_for(period)]


def output_path(path: Path | None, period: Period, pick: Callable[[quarter.PeriodOutputs], Path]) -> Path:
    if path is not None:
        return path
    folder = working_folder()
    if folder is None:
        raise click.UsageError("--out is required outside a folder made by `qmr init`")
    return pick(folder.outputs_for(period))


def read_and_judge(plan: Path | None, period: Period, sources: Sequence[Path], passwords: Path | None,
              db: Path | None, out: Out) -> tuple[quarter.Plan, Batch]:
    plan_obj = plan_for(plan, period)
    paths = source_paths(sources, period)
    missing = [p for p in paths if not p.exists()]
    if missing and len(missing) == len(paths):
        if sources:
            raise click.UsageError(f"no such source: {', '.join(map(str, missing))}")
        raise click.UsageError(f"no returns folder for {period.label}: {missing[0]} does not exist. Save "
                               "the teams' returns there (files, zips or e-mails), or give SOURCE paths")
    bar, advance = out.progress("Reading returns")
    if bar:
        bar.start()
    try:
        batch = quarter.run_validation(plan_obj, period, paths, passwords=passwords, db=db_path(db),
                                       progress=advance, secret=quarter.folder_secret(working_folder()),
                                       warn_unchecked=True)
    finally:
        if bar:
            bar.stop()
    return plan_obj, batch
