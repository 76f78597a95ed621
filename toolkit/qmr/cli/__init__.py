"""The `qmr` command: a thin shell over the functions in cycle.py and friends, one module per command
(or group of commands); options.py, context.py and output.py hold what they share.

Exit codes (contract): 0 done and clean; 1 done, with rejected returns or errors (outputs still
written); 2 nothing done (bad arguments, unreadable register). No traceback reaches the user.
"""

from __future__ import annotations

import click

from qmr.cli import consolidate, control, demo, history, init, register, report, status, templates, validate


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="qmr")
def main() -> None:
    """qmr: a council's quarterly performance monitoring, through Excel.

    \b
    The quarter, step by step:
      qmr init q                      a working folder with an example plan register
      qmr register check plan.xlsx    every problem in the register, by sheet, row and column
      qmr templates --period "2015/16 Q3"        one return workbook per team, to send out
      qmr status    --period "2015/16 Q3" --chase reminders    who has replied
      qmr validate  --period "2015/16 Q3" --feedback fix       what each team must fix
      qmr consolidate --period "2015/16 Q3"      the master quarterly workbook
      qmr report --period "2015/16 Q3" --pdf     the board's QMR document (Word, tagged PDF)

    Inside a folder made by `qmr init`, --plan, --out and SOURCE default to its layout.
    """


for command in (init.init, register.register, templates.templates, validate.validate_command,
                consolidate.consolidate, report.report, status.status, control.control_workbook,
                history.history_group, demo.demo):
    main.add_command(command)


if __name__ == "__main__":  # pragma: no cover
    main()
