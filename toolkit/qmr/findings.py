"""Findings in the order people read them, and made safe to hand on: one home for the ordering
(severity, then where) that the findings report, the feedback copies and the master share, and for
the guard on text that a spreadsheet would run as a formula."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from qmr.model import Finding, Severity

# A cell reference as findings carry it (`F5`, `$F$5`), letters and row captured; shared with feedback.
CELL_RE = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")
# A CSV field starting with one of these is run as a formula when Excel opens the file.
_CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# What a terminal would act on rather than show: C0 controls (but newline and tab), DEL, C1 controls,
# and the bidirectional overrides that reorder what follows them.
_TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def basename(name: str) -> str:
    """The last part of a file's name as findings give it: a path in either spelling, an archive
    member (`batch.zip/q4/a.xlsx`), an e-mail's attachment (`mail.eml/a.xlsx`)."""
    return name.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


def terminal_safe(text: object) -> str:
    """Text from an input (a file name, a member of a zip, a clerk's commentary) as it may reach a
    terminal: every control character shown escaped (`\\x1b`), so none is ever acted on."""
    def shown(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _TERMINAL_UNSAFE.sub(shown, str(text))


def cell_sort_key(cell: str) -> tuple[int, int, int, str]:
    """Order cells as a person reads a sheet: by row then column, numerically (A2 before A10).

    A range sorts by its first cell; no cell sorts first (it is about the whole sheet); anything
    unparseable sorts last, by its text, so the order is still total and stable.
    """
    text = cell.strip()
    if not text:
        return (0, 0, 0, "")
    match = CELL_RE.match(text.split(":")[0])
    if match is None:
        return (2, 0, 0, text)
    letters, row = match.groups()
    column = 0
    for char in letters.upper():
        column = column * 26 + ord(char) - 64
    return (1, int(row), column, text)


def finding_sort_key(finding: Finding) -> tuple[object, ...]:
    """Rejected, error, warning, info; then team, file, sheet, cell; then the rest so ties are stable."""
    return (
        finding.severity.rank,
        finding.team.casefold(), finding.team,
        finding.file.casefold(), finding.file,
        finding.sheet.casefold(), finding.sheet,
        cell_sort_key(finding.cell),
        finding.code, finding.message, finding.action,
    )


def sorted_findings(findings: Sequence[Finding]) -> list[Finding]:
    return sorted(findings, key=finding_sort_key)


def csv_safe(text: str) -> str:
    """Guard a CSV field Excel would run as a formula (a message may quote a return's `=...` value):
    a leading apostrophe makes Excel show it as text. The xlsx report needs no guard."""
    return "'" + text if text.startswith(_CSV_FORMULA_START) else text


def has_problems(findings: Iterable[Finding]) -> bool:
    """Whether any finding makes a run exit 1: a rejected return or an error (DESIGN.md)."""
    return any(f.severity in (Severity.REJECTED, Severity.ERROR) for f in findings)
