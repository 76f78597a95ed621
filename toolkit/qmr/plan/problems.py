"""Every problem the register reader reports, as data: its severity, message and action.

Severity follows one rule: rejected when there is no plan at all, error when a row is skipped or a
value had to be defaulted, warning when something looks doubtful but was used as written, info when
a value was normalised. Messages and actions are `str.format` templates filled with what was found;
`Findings.add` turns a problem into a located `Finding` (code `register-<code>`).

Several problems share a finding code (a blank team name and a blank PI description are both
`required-blank`): the code is the kind of finding users and tests filter on, the key here is the
exact wording.
"""

from __future__ import annotations

from dataclasses import dataclass

from qmr.findings import cell_sort_key
from qmr.model import Finding, Severity
from qmr.plan.layout import KNOWN_SETTINGS, SHEETS

REJECTED, ERROR, WARNING, INFO = Severity.REJECTED, Severity.ERROR, Severity.WARNING, Severity.INFO


@dataclass(frozen=True)
class Problem:
    severity: Severity
    message: str
    action: str
    code: str = ""  # the finding's code when it is not the problem's own key


_FIX_DATE = "type the date again (31/03/2016 or Mar 2016), or clear its date format."
_ADD_COLUMN = "Add a column headed {header!r} to row {row}: {note}"
_ADD_SHEET = ("Add a sheet named {sheet} with the header row {headers} (`qmr register new` writes a blank "
              "register).")
_PERCENT_POINTS = "Nothing to do; percentages are kept as 75 for 75%."
_YEAR_LIKE = "Write it like 2015/16."

PROBLEMS: dict[str, Problem] = {
    # -- the file ---------------------------------------------------------------------------------
    "lock-file": Problem(REJECTED, "{name} is an Excel lock file, not a register",
                         "Open the register itself (the file without ~$ in front of its name)."),
    "not-found": Problem(REJECTED, "the plan register {path} does not exist or is not a file",
                         "Check the path, or create a register with `qmr register new PATH`."),
    "cannot-open": Problem(REJECTED, "cannot open the plan register: {reason}",
                           "Check the file's permissions and that no other program has it locked.", "unreadable"),
    "encrypted": Problem(REJECTED, "the plan register is password-protected",
                         "Save a copy without a password (File > Info > Protect Workbook) and use that."),
    "unreadable": Problem(REJECTED, "cannot read the plan register: {reason}",
                          "Open it in Excel and save it again as an Excel Workbook (.xlsx)."),
    "internal-error": Problem(REJECTED, "qmr could not read the register: {error}",
                              "Please report this to the qmr maintainers with the register attached."),
    # -- sheets, headers and cells ----------------------------------------------------------------
    "sheet-name": Problem(INFO, "sheet {name!r} read as {expected!r}", "Rename the sheet to {expected}."),
    "sheet-missing": Problem(REJECTED, "the register has no sheet {sheet!r}", _ADD_SHEET),
    "sheet-missing-optional": Problem(WARNING, "the register has no sheet {sheet!r}; it is taken as empty",
                                      _ADD_SHEET, "sheet-missing"),
    "sheet-unreadable": Problem(ERROR, "sheet {actual} cannot be read: {reason}",
                                "Open the register in Excel, check the sheet and save it again."),
    "row-unreadable": Problem(
        ERROR, "row {number} cannot be read: a cell holds a value Excel cannot show (it shows #####, typically a "
        "number in a date-formatted cell); the row is left out",
        "Correct the cell showing ##### in row {number}: type the date again, or clear its date format."),
    "cell-unreadable": Problem(
        ERROR, "cell {cell} cannot be read: it holds a number Excel cannot show as a date (it shows #####); it "
        "is read as blank", "Correct {cell}: " + _FIX_DATE),
    "sheet-empty": Problem(ERROR, "sheet {sheet} is empty",
                           "Put the header row ({headers}) in row 1 and fill in a row per item."),
    "header-duplicate": Problem(WARNING, "column {header!r} appears twice; {letter} is ignored",
                                "Delete or rename the second one."),
    "header-ignored": Problem(INFO, "columns not used by qmr: {ignored}",
                              "Nothing to do if they are your own notes; otherwise check the spelling of the header."),
    "column-missing": Problem(ERROR, "required column {header!r} is missing", _ADD_COLUMN),
    "row-key-column-missing": Problem(
        ERROR, "required column {header!r} is missing; no row of this sheet can be read", _ADD_COLUMN,
        "column-missing"),
    # optional columns whose absence changes every row (see sheets.OPTIONAL_MATTERS)
    "polarity-column-missing": Problem(
        ERROR, "column {header!r} is missing: every PI is read with polarity none, so qmr cannot tell good from bad",
        _ADD_COLUMN, "column-missing"),
    "frequency-column-missing": Problem(
        WARNING, "column {header!r} is missing: every PI is taken to be reported quarterly", _ADD_COLUMN,
        "column-missing"),
    "profile-column-missing": Problem(
        WARNING, "column {header!r} is missing: every PI is taken to be flat (the same target each quarter)",
        _ADD_COLUMN, "column-missing"),
    "annual-target-column-missing": Problem(
        WARNING, "column {header!r} is missing: no PI has an annual target, so no status can be computed",
        _ADD_COLUMN, "column-missing"),
    "due-column-missing": Problem(
        WARNING, "column {header!r} is missing: milestones are undated unless their text sets a date "
        "(by March 2016)", _ADD_COLUMN, "column-missing"),
    "target-date-column-missing": Problem(
        WARNING, "column {header!r} is missing: no equality action has a target date", _ADD_COLUMN,
        "column-missing"),
    # -- values in any sheet ----------------------------------------------------------------------
    "required-blank": Problem(ERROR, "{header} is blank; the row is left out", "Fill in {header}: {note}"),
    "spaces": Problem(INFO, "extra spaces removed: {value!r} read as {text!r}",
                      "Tidy the cell so refs match exactly everywhere."),
    "duplicate": Problem(ERROR, "{what} {text!r} is a duplicate of {sheet}!{where}; the row is left out",
                         "Give each {what} its own {sheet} row and a unique value."),
    "choice-invalid": Problem(ERROR, "{what} {text!r} is not one of {allowed}; {default!r} is used",
                              "Choose {what} from the dropdown: {allowed}."),
    "choice-normalised": Problem(INFO, "{what} {text!r} read as {canonical!r}",
                                 "Choose {canonical!r} from the dropdown."),
    "key-invalid": Problem(ERROR, "Key {text!r} is not Yes or No; No is used", "Choose Yes or No from the dropdown.",
                           "choice-invalid"),
    "risk-score-invalid": Problem(
        ERROR, "risk score {text} is outside 1-16; it is left blank",
        "Use a score from 1 to 16 (1-4 Low, 5-10 Medium, 11-16 High) or High, Medium, Low.", "risk-invalid"),
    "risk-invalid": Problem(ERROR, "risk {text!r} is not High, Medium, Low or a score 1-16; it is left blank",
                            "Use High, Medium, Low or a score from 1 to 16."),
    "risk-normalised": Problem(INFO, "risk {text!r} read as {level!r}", "Write {level}.", "choice-normalised"),
    "date-invalid": Problem(
        ERROR, "{what} {text!r} is not a date qmr understands; it is shown as written but lateness cannot be judged",
        "Write a date (31/03/2016), a month (Mar 2016), a quarter (Q4 2015/16), Ongoing, or leave it blank."),
    # a Due cell that is not one date (plan.due_cells): read, and said how
    "milestones-split": Problem(WARNING, "{what} {text!r} holds {count} milestones; read as {listed}",
                                "Give each milestone its own row with its own ID and due date."),
    "date-undated": Problem(
        WARNING, "{what} {text!r} names no date; the milestone is read as undated (ongoing) and shown as written, "
        "so lateness cannot be judged", "Write a date (Mar 2007) if it has a deadline, or Ongoing if it has none."),
    "date-range": Problem(INFO, "{what} {text!r} read as its end, {due}", "Nothing to do; or write {due}."),
    "date-in-due": Problem(INFO, "{what} {text!r}: due date {due} taken from the words",
                           "Write {due} in Due and the words in the milestone's text."),
    "date-in-due-guess": Problem(WARNING, "{what} {text!r}: due date {due} taken from the words around it",
                                 "Check the date; write it in Due and the words in the milestone's text.",
                                 "date-in-due"),
    "date-normalised": Problem(INFO, "{what} {shown!r} read as {due!r}{note}",
                               "Nothing to do; {due} is how qmr will show it."),
    "date-outside-year": Problem(WARNING, "{what} {due} is outside its financial year {year}",
                                 "Check the date and the Year column; move the item to the year it belongs to."),
    "year-invalid": Problem(WARNING, "year {text!r} is not a financial year like 2015/16; it is ignored", _YEAR_LIKE),
    "year-normalised": Problem(INFO, "year {text!r} read as {year}", "Write {year}."),
    # -- cross-sheet references -------------------------------------------------------------------
    "team-case": Problem(INFO, "team {text!r} read as {code!r}", "Write the code exactly as on sheet Teams: {code}."),
    "team-unknown": Problem(ERROR, "team {text!r} is not on sheet Teams; the row is left out",
                            "Add team {text!r} to sheet Teams, or use one of its codes for this {what}."),
    "objective-loose": Problem(WARNING, "objective {text!r} taken to be {ref!r}",
                               "Write {ref} exactly as on sheet Objectives."),
    "objective-left-out": Problem(
        ERROR, "objective {text!r} was itself left out (see Objectives!{where}); the row is left out",
        "Fix the objective's row at Objectives!{where}.", "objective-unknown"),
    "objective-unknown": Problem(
        ERROR, "{what} belongs to objective {text!r}, which is not on sheet Objectives; the row is left out",
        "Correct the objective ref or add the objective."),
    "link-loose": Problem(WARNING, "linked indicator {token!r} taken to be {ref!r}",
                          "Write {ref} exactly as on sheet Indicators."),
    "link-ambiguous": Problem(ERROR, "linked indicator {token!r} could be any of {matches}; it is dropped",
                              "Write the full ref exactly as on sheet Indicators."),
    # a warning: the objective itself is whole and reported on; only the link to a PI the plan
    # never defines (or a garbled ref) is lost, and the officer may not own that PI's definition
    "link-unknown": Problem(WARNING, "linked indicator {token!r} is not on sheet Indicators; it is dropped",
                            "Add the PI to sheet Indicators or correct the ref."),
    "link-range": Problem(WARNING, "linked indicator {token!r} is a range", "List each PI ref, separated by commas.",
                          "ref-range"),
    "id-generated": Problem(WARNING, "{what} has no ID; {ident} is used",
                            "Give it an ID of its own: IDs link {links}, so they must not change."),
    "team-idle": Problem(
        WARNING, "team {code} has nothing to report (no objective, milestone, PI, risk or equality action names it)",
        "Give the team items on the other sheets, or delete its row so it is not sent a return."),
    "no-teams": Problem(ERROR, "the register has no usable team", "Fill in sheet Teams."),
    # -- Settings ---------------------------------------------------------------------------------
    "setting-no-name": Problem(WARNING, "value {value!r} has no setting name; it is ignored",
                               "Put the setting's name in column Setting."),
    "setting-duplicate": Problem(WARNING, "setting {name} is also at Settings!{where}; this one is ignored",
                                 "Keep one row per setting."),
    "setting-unknown": Problem(INFO, "setting {name!r} is not used by qmr",
                               f"Nothing to do; qmr understands: {', '.join(KNOWN_SETTINGS)}."),
    "financial-year-invalid": Problem(WARNING, "financial year {text!r} is not like 2015/16; it is ignored",
                                      _YEAR_LIKE, "year-invalid"),
    "financial-year-normalised": Problem(INFO, "financial year {text!r} read as {year}", "Write {year}.",
                                         "year-normalised"),
    "contact-email-invalid": Problem(WARNING, "{text!r} is not an e-mail address",
                                     "Write one address like name@council.gov.uk.", "email-invalid"),
    "setting-invalid": Problem(ERROR, "deadline_days {text!r} is not a whole number of days; the default is used",
                               "Write a number of working days such as 15."),
    # -- Teams ------------------------------------------------------------------------------------
    "code-shape": Problem(WARNING, "team code {code!r} has characters that do not suit file names",
                          "Use letters, digits and hyphens only, e.g. BSC-FIN."),
    "team-name-blank": Problem(ERROR, "team name is blank; {code} is used",
                               "Fill in the team's name as managers know it.", "required-blank"),
    "clerk-email-blank": Problem(ERROR, "clerk email is blank: nobody can be sent this team's return",
                                 "Fill in the clerk's e-mail address.", "required-blank"),
    "department-blank": Problem(WARNING, "team {team} has no department while other teams have one: the "
                                "master lists its items under {heading!r}",
                                "Fill in the team's department as the other teams' rows do (leave every "
                                "row blank only if the council has no departments)."),
    "email-invalid": Problem(WARNING, "{address!r} is not an e-mail address",
                             "Write addresses like name@council.gov.uk, separated by semicolons."),
    # -- Objectives and Milestones ----------------------------------------------------------------
    "objective-title-blank": Problem(ERROR, "objective title is blank", "Copy the objective's wording from the plan.",
                                     "required-blank"),
    "date-from-text": Problem(INFO, "due date {due} taken from the milestone's text",
                              "Nothing to do; or write {due} in Due."),
    "date-from-text-outside-year": Problem(
        WARNING, "the milestone's text names {seen}, outside its financial year {year}; Due is left blank",
        "Write the due date in Due, or check the date in the text and the Year column."),
    # -- Indicators -------------------------------------------------------------------------------
    "ref-range": Problem(WARNING, "{ref!r} looks like a range of PIs; qmr treats it as one PI",
                         "Put each PI on its own row (BV 38, BV 39, ...), one ref each."),
    "ref-lower-l": Problem(WARNING, "{ref!r} has a lower-case l where LI (capital i) is usual",
                           "If LI was meant, correct it here and in returns' history."),
    "description-blank": Problem(ERROR, "PI description is blank",
                                 "Describe what is measured; clerks see it on their return.", "required-blank"),
    "unit-blank": Problem(ERROR, "unit is blank; {default!r} is used", "Choose %, number, £, rate or text.",
                          "required-blank"),
    "polarity-missing": Problem(ERROR, "numeric PI {ref} has no polarity, so qmr cannot tell good from bad",
                                "Choose higher, lower, target (closest to target) or none."),
    "target-text": Problem(INFO, "{what} {text!r} is not a number, so no status can be computed against it",
                           "Nothing to do if that is intended; enter a number once it is known."),
    "percent-unit": Problem(WARNING, "{what} {value!r} has a % sign but the PI's unit is {unit}; read as {number}",
                            "Check the Unit column, or drop the % sign."),
    "number-normalised": Problem(INFO, "{what} {value!r} read as {number}", _PERCENT_POINTS),
    "number-as-text": Problem(INFO, "{what} {value!r} is a number stored as text; read as {number}",
                              "Re-enter it as a number (Excel marks such cells with a green triangle)."),
    "tolerance-as-text": Problem(INFO, "amber tolerance {value!r} read as {number}", "Re-enter it as a number.",
                                 "number-as-text"),
    "tolerance-invalid": Problem(ERROR, "amber tolerance {text!r} is not a positive number; it is ignored",
                                 "Write how far off target is still Amber, in the PI's unit, e.g. 2."),
    "percent-fractions": Problem(
        INFO, "every figure of % PI {ref} is 1 or less ({shown}); they are read as written, so {first} means "
        "{first}%", "If they were typed as percentages (82%), Excel stored them as fractions (0.82): type 82 for "
        "82%. Otherwise nothing to do."),
    "percent-fraction": Problem(
        INFO, "{what} {fraction} read as {points}: Excel stores a percentage typed as {points}% as the fraction "
        "{fraction}", _PERCENT_POINTS),
    "percent-tolerance": Problem(
        WARNING, "amber tolerance {tolerance} is read as {tolerance} percentage points; if it was typed as "
        "{percent}% like the row's other figures, it is too small",
        "Type the tolerance in percentage points, e.g. {percent} for {percent}%."),
}

_SHEET_ORDER = {sheet.name: number for number, sheet in enumerate(SHEETS)}


def _position(cell: str) -> tuple[int, int]:
    """(row, column) for ordering findings: a whole row (`7:7`) before its cells, no cell first."""
    first = cell.split(":")[0]
    if first.isdigit():
        return int(first), 0
    kind, row, column, _ = cell_sort_key(cell)
    return (row, column) if kind == 1 else (0, 0)


class Findings:
    """Collects findings and hands them back in sheet, row, column order (same input, same output)."""

    def __init__(self, file: str) -> None:
        self.file = file
        self._items: list[tuple[tuple[int, int, int, int], Finding]] = []

    def add(self, problem: str, sheet: str = "", cell: str = "", /, *, team: str = "", **facts: object) -> None:
        """Report `PROBLEMS[problem]` at sheet and cell, its templates filled with the facts found
        (positional-only, so that a template may name a fact `sheet` or `cell` too)."""
        known = PROBLEMS[problem]
        facts = {"team": team, **facts}
        finding = Finding(known.severity, known.message.format(**facts), known.action.format(**facts), self.file,
                          sheet, cell, team, f"register-{known.code or problem}")
        key = (_SHEET_ORDER.get(sheet, -1), *_position(cell), len(self._items))
        self._items.append((key, finding))

    def sorted(self) -> tuple[Finding, ...]:
        return tuple(finding for _, finding in sorted(self._items, key=lambda item: item[0]))
