"""The return's own Check formulas: qmr's judging rules as far as plain formulas can apply them, so
"Ready to send" in the workbook means qmr will find no error (DESIGN.md, "Validation").

The spellings come from qmr.normalise, the same home the validator reads them from: `g`, ` green `
and `R` pass here because qmr reads them; `tbc`, `18 cases` and `48.5 (provisional)` in a numeric
Actual are flagged here because qmr rejects them. Formulas use only IF, AND, OR, NOT, TRIM, LEN,
SUBSTITUTE, MID, VALUE, ISNUMBER, ISTEXT and ISLOGICAL, which Excel, LibreOffice and Excel Online share.
String comparison with = ignores case in all three, which is how qmr compares statuses too.

Known limits (formulas cannot see them; qmr still reports them): a date typed into Actual (a date
is a number to a formula), thousands separators in the wrong places (`1,2`), a `£` or `%` in the
middle of a figure, and non-breaking spaces.
"""

from __future__ import annotations

from collections.abc import Iterable

from qmr import normalise, statuses
from qmr.model import Status
from qmr.returns import layout
from qmr.statuses import NEEDS_COMMENTARY

# What a Check cell says a row needs (what the clerk reads, and what tests look for).
NEED_PROGRESS = "Choose a progress status"
NEED_LISTED_PROGRESS = "Choose a progress status from the list"
NEED_ACTUAL = "Enter the actual"
NEED_NUMBER = "Enter the actual as a number only"
NEED_EXPLANATION = f"Explain {'/'.join(s.value for s in NEEDS_COMMENTARY)} in Commentary"
NEED_TYPE = "Choose a type"
NEED_TITLE = "Enter a title"
NEED_TEXT = "Enter the text"
SIGNOFF_NEEDS = {
    "completed_by": "Enter your name",
    "date": "Enter the date completed",
    "confirmed": "Choose Yes to confirm",
}
EXPLAINED_WORDS = statuses.listed(NEEDS_COMMENTARY)  # "Amber, Red and N/A": the statuses that need a Commentary

# What may be left of a figure typed as text once `£`, `%`, brackets and commas are taken out.
_NUMBER_CHARACTERS = "0123456789.+-eE"


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def any_of(expression: str, words: list[str]) -> str:
    """True when `expression` equals one of `words` (ignoring case, as Excel and qmr do)."""
    return "OR(" + ",".join(f"{expression}={_quoted(word)}" for word in words) + ")"


def words_for(choices: tuple[str, ...], done_counts: bool, wanted: tuple[Status, ...] | None = None) -> list[str]:
    """Every spelling qmr reads as one of `choices` (or of `wanted` among them), in a stable order."""
    return sorted(word for word, status in normalise.status_words(done_counts).items()
                  if status.value in choices and (wanted is None or status in wanted))


def figure_is_number(cell: str) -> str:
    """True when qmr reads the cell as a number: a real number (not TRUE/FALSE), or text such as
    ` 42 `, `1,200`, `£1,200`, `75%`, `(12)`, `4.2e1` (normalise.number's rules)."""
    typed = f"TRIM({cell})"
    bare = typed
    for symbol in ("£", "%", "(", ")", ","):
        bare = f'SUBSTITUTE({bare},"{symbol}","")'
    bare = f"TRIM({bare})"
    rest = bare
    for character in _NUMBER_CHARACTERS:
        rest = f'SUBSTITUTE({rest},"{character}","")'
    # a sign only at the start or in the exponent, so that 1-2 is not read as a date
    inner = f"MID({bare},2,99)"
    for exponent in ("e-", "E-", "e+", "E+"):
        inner = f'SUBSTITUTE({inner},"{exponent}","")'
    signs = f'LEN({inner})=LEN(SUBSTITUTE(SUBSTITUTE({inner},"-",""),"+",""))'
    as_text = f'AND(ISTEXT({cell}),{bare}<>"",LEN({rest})=0,{signs},ISNUMBER(VALUE({bare})))'
    return f"OR(AND(ISNUMBER({cell}),NOT(ISLOGICAL({cell}))),{as_text})"


def row_check(row: int, progress: str, commentary: str, actual: str | None, choices: tuple[str, ...],
              done_counts: bool) -> str:
    """The check formula of one item row: "" when qmr will find no error, else the first thing the
    row needs. `actual` is the Actual column of a numeric PI, else None."""
    p, c = f"TRIM({progress}{row})", f"TRIM({commentary}{row})"
    listed = any_of(p, words_for(choices, done_counts))
    explained = words_for(choices, done_counts, NEEDS_COMMENTARY)
    tail = '""'
    if actual:
        a = f"{actual}{row}"
        no_figure = any_of(p, words_for(choices, done_counts, (Status.NA,)))
        tail = (f'IF({no_figure},"",IF(TRIM({a})="","{NEED_ACTUAL}",'
                f'IF({figure_is_number(a)},"","{NEED_NUMBER}")))')
    if explained:
        tail = f'IF(AND({any_of(p, explained)},{c}=""),"{NEED_EXPLANATION}",{tail})'
    return f'=IF({p}="","{NEED_PROGRESS}",IF({listed},{tail},"{NEED_LISTED_PROGRESS}"))'


def yes_check(cell: str, need: str) -> str:
    """The sign-off confirmation: `Yes`, `Y`, ` yes ` confirm, as qmr reads them."""
    return f'=IF({any_of(f"TRIM({cell})", list(normalise.YES_WORDS))},"",{_quoted(need)})'


def narrative_check(row: int, type_: str, title: str, text: str) -> str:
    """A Narrative row: empty is fine; else it needs a listed type, a title and the text."""
    typed = ",".join(f'{type_}{row}="{t}"' for t in layout.NARRATIVE_TYPES)
    return (
        f'=IF(AND(TRIM({type_}{row})="",TRIM({title}{row})="",TRIM({text}{row})=""),"",'
        f'IF(OR({typed}),IF(TRIM({title}{row})="","{NEED_TITLE}",IF(TRIM({text}{row})="","{NEED_TEXT}","")),'
        f'"{NEED_TYPE}"))'
    )


def status_formula(checks: Iterable[tuple[str, str, int]]) -> str:
    """The status line from every sheet's (name, check range, cells in it): problems are the non-empty
    check cells. `n - COUNTIF(range,"")` counts them the same way in Excel, LibreOffice and Excel
    Online (COUNTIF "" matches blanks and formulas giving "")."""
    parts = [f"({count}-COUNTIF('{sheet}'!{cells},\"\"))" for sheet, cells, count in checks]
    total = "+".join(parts) or "0"
    return f'=IF({total}=0,"{layout.READY}",IF({total}=1,"1 problem",{total}&" problems"))'
