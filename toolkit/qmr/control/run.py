"""The quarter's commands run from a control workbook's settings, for the Excel-side helpers
(xlwings' RunPython calls these through macros/qmr_xlwings.py): the same cycle functions the CLI
calls, returning what to write back into the workbook instead of printing it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qmr import cycle
from qmr.control.workbook import ControlError, ControlSettings
from qmr.findings import has_problems, sorted_findings
from qmr.judge.return_state import return_states, teams_in
from qmr.model import Finding, ReturnState, Severity
from qmr.period import Period

COMMANDS = ("templates", "status", "validate", "consolidate", "report")
EXIT_CLEAN, EXIT_PROBLEMS, EXIT_NOTHING_DONE = 0, 1, 2  # as the CLI's (contract)


@dataclass(frozen=True)
class RunOutcome:
    """What a command did: its exit code as the CLI would give it, one line to show, the findings."""

    command: str
    exit_code: int
    message: str
    findings: tuple[Finding, ...] = ()
    written: tuple[Path, ...] = ()


def run(command: str, settings: ControlSettings) -> RunOutcome:
    """Run one command with the control workbook's settings; problems with the settings or the plan
    come back as exit code 2 and a message, never as an exception."""
    if command not in COMMANDS:
        return RunOutcome(command, EXIT_NOTHING_DONE, f"unknown command {command!r}; one of {', '.join(COMMANDS)}")
    try:
        period = _need(settings.period, "Period")
        plan_path = _need(settings.plan, "Plan register")
        plan, _ = cycle.load_plan(plan_path)
        cycle.check_period(plan, period)
        return _COMMANDS[command](settings, plan, period)
    except (ControlError, cycle.PeriodOutsidePlan) as error:
        return RunOutcome(command, EXIT_NOTHING_DONE, str(error))
    except cycle.PlanError as error:
        return RunOutcome(command, EXIT_NOTHING_DONE, f"{error.path}: the plan register cannot be used; "
                          f"run qmr register check {error.path}", tuple(error.findings))
    except OSError as error:
        return RunOutcome(command, EXIT_NOTHING_DONE, f"{error.filename or ''} {error.strerror or error}".strip())


def _need(value, label: str):
    if value is None:
        raise ControlError(f"the {label} setting is blank; fill it in on the Settings sheet")
    return value


def _outputs(settings: ControlSettings, period: Period) -> cycle.PeriodOutputs:
    return cycle.PeriodOutputs.under(_need(settings.output, "Output folder"), period)


def _batch(settings: ControlSettings, plan, period: Period) -> cycle.Batch:
    returns = _need(settings.returns, "Returns folder") / period.slug
    if not returns.is_dir():
        raise ControlError(f"there is no returns folder for {period.label} ({returns}); save the returns there")
    return cycle.run_validation(plan, period, [returns], passwords=settings.passwords, db=settings.db,
                                secret=_secret(settings), warn_unchecked=True)


def _secret(settings: ControlSettings) -> bytes | None:
    """The team-token secret of the working folder the control workbook sits in, as the CLI uses it:
    without it, a button run would neither give templates their tokens nor check returns' tokens."""
    return cycle.folder_secret(cycle.find_folder(settings.path.parent))


def _templates(settings: ControlSettings, plan, period: Period) -> RunOutcome:
    out = _need(settings.templates, "Templates folder") / period.slug
    written = cycle.make_templates(plan, period, out, deadline=settings.deadline, db=settings.db,
                                   secret=_secret(settings))
    return RunOutcome("templates", EXIT_CLEAN, f"{len(written)} templates for {period.label} in {out}",
                      written=tuple(written))


def _status(settings: ControlSettings, plan, period: Period) -> RunOutcome:
    batch = _batch(settings, plan, period)
    states = return_states((team.code for team in plan.teams), batch.validation.sources)
    received = sorted(teams_in(states, ReturnState.RECEIVED))
    rejected = sorted(teams_in(states, ReturnState.REJECTED, ReturnState.UNREADABLE))
    missing = batch.missing
    message = (f"{period.label}: {len(received)} received, {len(missing)} missing"
               + (f" ({', '.join(missing)})" if missing else "") + f", {len(rejected)} rejected"
               + (f" ({', '.join(rejected)})" if rejected else ""))
    problems = bool(missing or rejected)
    return RunOutcome("status", EXIT_PROBLEMS if problems else EXIT_CLEAN, message,
                      tuple(sorted_findings(batch.validation.findings)))


def _validate(settings: ControlSettings, plan, period: Period) -> RunOutcome:
    from qmr.publish.findings_report import write_findings_report

    batch = _batch(settings, plan, period)
    outputs = _outputs(settings, period)
    report, csv_path = write_findings_report(batch.validation.findings, outputs.findings)
    feedback = cycle.write_feedback_copies(batch, outputs.feedback, period)
    copies = feedback.written
    findings = tuple(sorted_findings([*batch.validation.findings, *feedback.findings]))
    serious = sum(f.severity in (Severity.REJECTED, Severity.ERROR) for f in findings)
    message = (f"{period.label}: {len(findings)} findings ({serious} rejected or errors); report {report}; "
               f"{len(copies)} feedback copies in {outputs.feedback}")
    return RunOutcome("validate", EXIT_PROBLEMS if batch.validation.has_problems() else EXIT_CLEAN, message,
                      findings, (report, csv_path, *copies))


def _consolidate(settings: ControlSettings, plan, period: Period) -> RunOutcome:
    batch = _batch(settings, plan, period)
    target = _outputs(settings, period).master
    done = cycle.run_consolidation(plan, period, batch, target, db=settings.db)
    findings = tuple(sorted_findings([*batch.validation.findings, *done.findings]))
    return RunOutcome("consolidate", EXIT_PROBLEMS if has_problems(findings) else EXIT_CLEAN,
                      f"Master workbook: {done.written[0]}", findings, tuple(done.written))


def _report(settings: ControlSettings, plan, period: Period) -> RunOutcome:
    batch = _batch(settings, plan, period)
    target = _outputs(settings, period).document
    made = cycle.make_report(plan, period, batch, target)
    findings = tuple(sorted_findings([*batch.validation.findings, *made.findings]))
    problems = batch.validation.has_problems() or bool(made.findings)
    return RunOutcome("report", EXIT_PROBLEMS if problems else EXIT_CLEAN, f"QMR document: {made.written[0]}",
                      findings, made.written)


_COMMANDS = {"templates": _templates, "status": _status, "validate": _validate, "consolidate": _consolidate,
             "report": _report}
