"""The options the `qmr` commands share: --quiet, --example, --plan/--period/--control, the
returns' SOURCE... and --passwords, and the PERIOD and DATE types.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from pathlib import Path

import click

from qmr import cycle as quarter
from qmr.period import Period, PeriodError
from qmr.plan.examples import DEFAULT_EXAMPLE, EXAMPLES


def quiet_option(command: Callable) -> Callable:
    """Every command takes --quiet (contract)."""
    return click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")(command)


def _known_example(ctx: click.Context, param: click.Parameter, name: str) -> str:
    if name not in EXAMPLES:
        raise click.BadParameter(f"unknown example {name!r}; choose from {', '.join(EXAMPLES)}")
    return name


def example_option(command: Callable) -> Callable:
    """--example NAME: one of the example registers shipped with qmr."""
    return click.option("--example", default=DEFAULT_EXAMPLE, show_default=True, callback=_known_example,
                        help=f"Example register: {', '.join(EXAMPLES)}.")(command)


class PeriodType(click.ParamType):
    name = "PERIOD"

    def convert(self, value, param, ctx):
        if isinstance(value, Period):
            return value
        try:
            return Period.parse(value)
        except PeriodError as error:
            self.fail(str(error), param, ctx)


class DateType(click.ParamType):
    name = "DATE"

    def convert(self, value, param, ctx):
        from qmr.normalise import day

        if isinstance(value, date):
            return value
        parsed = day(value).value
        if parsed is None:
            self.fail(f"{value!r} is not a date; write it like 2016-01-22 or 22/01/2016", param, ctx)
        return parsed


PERIOD = PeriodType()


DATE = DateType()


def _use_control(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """--control: the control workbook's settings become this command's defaults (the command line
    still wins). Without --control, a control.xlsx in the working folder is used the same way."""
    from qmr.control.workbook import CONTROL_NAME, ControlError, command_defaults, read_control

    if value is None:
        folder = quarter.find_folder(Path.cwd())
        found = folder.root / CONTROL_NAME if folder else None
        if found is None or not found.is_file():
            return None
        value = found
    value = Path(os.path.relpath(value))  # findings name files as the officer sees them, as in working_folder()
    try:
        settings = read_control(value)
    except ControlError as error:
        raise click.BadParameter(str(error), ctx=ctx, param=param) from error

    def later(key: str) -> Callable[[], object]:
        # period-dependent folders follow a --period given on the command line
        return lambda: command_defaults(ctx.info_name or "", settings, ctx.params.get("period")).get(key)

    defaults = command_defaults(ctx.info_name or "", settings, None)
    ctx.default_map = {**(ctx.default_map or {}), **{key: later(key) for key in defaults}}
    return value


def plan_options(command: Callable) -> Callable:
    """--plan and --period, which every command about a quarter takes, and --control, which can
    supply them (and the folders) from the officer's control workbook."""
    command = click.option("--control", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                           is_eager=True, expose_value=False, callback=_use_control,
                           help="Control workbook whose settings fill in options not given here "
                                "(default: the working folder's control.xlsx, if any).")(command)
    command = click.option("--period", type=PERIOD, required=True,
                           help="e.g. 2015/16 Q3 (also 2015-16-Q3, 2015/16:Q3, Q3 2015/16).")(command)
    return click.option("--plan", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                        help="Plan register (default: the working folder's plan.xlsx).")(command)


def returns_options(command: Callable) -> Callable:
    """--plan, --period, SOURCE... and --passwords: what every command that reads returns takes."""
    command = click.option("--passwords", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                           help="File of TEAM = password lines for password-protected returns.")(command)
    command = click.argument("sources", nargs=-1, type=click.Path(path_type=Path))(command)
    return plan_options(command)
