"""The return workbook's layout: which sheets a team's return has, where every value sits, which
cells the clerk fills in, and how each row is keyed.

The template writer and the return reader both work from this module, so they cannot drift apart.
Bump FORMAT_VERSION whenever a position changes; the reader refuses versions it does not know.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from qmr.cells import column_letter
from qmr.model import (
    REPORTABLE,
    YEAR_END_MILESTONE,
    EqualityAction,
    Indicator,
    Kind,
    Milestone,
    NarrativeType,
    Plan,
    RiskMeasure,
    TeamPlan,
)
from qmr.period import Period
from qmr.plan.layout import POLARITY_LABELS
from qmr.plan.targets import target_shown

FORMAT_VERSION = 2  # 2: the identity sheet carries the team token
SUPPORTED_FORMATS = (1, 2)

IDENTITY_SHEET = "qmr_identity"
INSTRUCTIONS_SHEET = "Instructions"
NARRATIVE_SHEET = "Narrative"
SIGNOFF_SHEET = "Sign-off"

TITLE_ROW = 1
STATUS_ROW = 2  # the "Ready to send" / "3 problems" line on every sheet a clerk fills in
HEADER_ROW = 4
FIRST_ROW = 5

# Identity sheet: key/value pairs in A:B from row 1, then the row keys as a table.
IDENTITY_FIELDS = ("format_version", "team", "team_name", "period", "register_fingerprint",
                   "generated_at", "item_count", "team_token")
# What each format version's identity sheet has: format 1 had no team token.
IDENTITY_FIELDS_OF = {1: IDENTITY_FIELDS[:7], 2: IDENTITY_FIELDS}
# May be blank: a template written outside a working folder has no secret to make a token with.
OPTIONAL_IDENTITY_FIELDS = ("team_token",)
IDENTITY_KEYS_HEADER_ROW = len(IDENTITY_FIELDS) + 2  # one blank row between the two parts


def identity_keys_header_row(version: int) -> int:
    """Where a format version's row-key table starts (after its fields and one blank row)."""
    return len(IDENTITY_FIELDS_OF[version]) + 2


IDENTITY_KEYS_COLUMNS = ("sheet", "row", "key", "ref")  # ref: what the row's visible ref cell must show
IDENTITY_NAME_COLUMN = "A"
IDENTITY_VALUE_COLUMN = "B"


def identity_row(name: str) -> int:
    """The row of an identity field (its name in column A, its value in B)."""
    return IDENTITY_FIELDS.index(name) + 1


def identity_cell(name: str) -> str:
    """The cell holding an identity field's value, e.g. "B2" for the team: findings point at it."""
    return f"{IDENTITY_VALUE_COLUMN}{identity_row(name)}"


def identity_keys_letters() -> tuple[str, ...]:
    """The columns of the row-key table under the identity fields, one per IDENTITY_KEYS_COLUMNS."""
    return tuple(column_letter(n) for n in range(1, len(IDENTITY_KEYS_COLUMNS) + 1))

NARRATIVE_TYPES = tuple(t.value for t in NarrativeType)  # the Type dropdown, in this order
NARRATIVE_ROWS = 15  # free rows offered for narrative entries

READY = "Ready to send"



@dataclass(frozen=True)
class Field:
    """One column of an item sheet."""

    key: str
    header: str
    width: int
    is_input: bool = False
    wrap: bool = False


@dataclass(frozen=True)
class ItemSheet:
    """A sheet with one row per plan item: prefilled columns, then the clerk's inputs, then a check."""

    name: str
    kind: Kind
    fields: tuple[Field, ...]
    ref_field: str  # the visible column holding the item's own ref, compared with the row keys
    # each field's column letters, worked out once: every finding about a row names its cells
    _letters: dict[str, str] = dataclasses.field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        letters = {f.key: column_letter(n) for n, f in reversed(list(enumerate(self.fields, start=1)))}
        object.__setattr__(self, "_letters", letters)  # the first of a repeated key, as index() finds

    def index(self, key: str) -> int:
        """1-based column number of a field."""
        for number, field in enumerate(self.fields, start=1):
            if field.key == key:
                return number
        raise KeyError(key)

    def letter(self, key: str) -> str:
        try:
            return self._letters[key]
        except KeyError:
            raise KeyError(key) from None

    def cell(self, key: str, row: int) -> str:
        return f"{self.letter(key)}{row}"

    @property
    def inputs(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.is_input)

    @property
    def check_letter(self) -> str:
        return column_letter(len(self.fields) + 1)


PROGRESS = Field("progress", "Progress", 12, is_input=True)
COMMENTARY = Field("commentary", "Commentary", 60, is_input=True, wrap=True)

MILESTONES = ItemSheet(
    "Milestones",
    Kind.MILESTONE,
    (
        Field("ref", "ID", 9),
        Field("objective_ref", "Objective ref", 11),
        Field("objective", "Objective", 34, wrap=True),
        Field("title", "Milestone", 50, wrap=True),
        Field("due", "Due", 11),
        PROGRESS,
        COMMENTARY,
    ),
    ref_field="ref",
)

INDICATORS = ItemSheet(
    "Indicators",
    Kind.INDICATOR,
    (
        Field("ref", "Ref", 11),
        Field("title", "Description", 42, wrap=True),
        Field("category", "Category", 16, wrap=True),
        Field("unit", "Unit", 8),
        Field("polarity", "Polarity", 13, wrap=True),
        Field("previous_actual", "Previous year's actual", 12, wrap=True),
        Field("annual_target", "Annual target", 12, wrap=True),
        Field("quarter_target", "Quarter target", 12, wrap=True),
        Field("actual", "Actual this quarter", 12, is_input=True),
        PROGRESS,
        COMMENTARY,
    ),
    ref_field="ref",
)

RISKS = ItemSheet(
    "Risks",
    Kind.RISK,
    (
        Field("ref", "Objective ref", 11),
        Field("objective", "Objective", 34, wrap=True),
        Field("title", "Risk control measures", 50, wrap=True),
        PROGRESS,
        COMMENTARY,
    ),
    ref_field="ref",
)

EQUALITY = ItemSheet(
    "Equality",
    Kind.EQUALITY,
    (
        Field("ref", "ID", 8),
        Field("title", "Equality action", 50, wrap=True),
        Field("due", "Target date", 11),
        PROGRESS,
        COMMENTARY,
    ),
    ref_field="ref",
)

ITEM_SHEETS: tuple[ItemSheet, ...] = (MILESTONES, INDICATORS, RISKS, EQUALITY)
# The sheets whose cells a return's reader takes values from.
INPUT_SHEETS: tuple[str, ...] = (*(sheet.name for sheet in ITEM_SHEETS), NARRATIVE_SHEET, SIGNOFF_SHEET)


@dataclass(frozen=True)
class SignoffCell:
    key: str
    label: str
    row: int
    choices: tuple[str, ...] = ()


SIGNOFF_VALUE_COLUMN = "C"
SIGNOFF_CELLS = (
    SignoffCell("completed_by", "Completed by (name)", 5),
    SignoffCell("job_title", "Job title", 6),
    SignoffCell("date", "Date completed", 7),
    SignoffCell("confirmed", "I confirm the data-quality statement above", 9, ("Yes",)),
)
SIGNOFF_STATEMENT_ROW = 8  # the assurance statement itself (text from the register)


def signoff_cell(key: str) -> str:
    """The cell a sign-off value is typed into (`C7` for the date)."""
    return next(f"{SIGNOFF_VALUE_COLUMN}{c.row}" for c in SIGNOFF_CELLS if c.key == key)

# Narrative: Type, Title, Text in columns A:C from FIRST_ROW.
NARRATIVE_FIELDS = (
    Field("type", "Type", 18, is_input=True),
    Field("title", "Title", 36, is_input=True, wrap=True),
    Field("text", "Text", 90, is_input=True, wrap=True),
)


def narrative_letter(key: str) -> str:
    """The column of a narrative field ("type", "title" or "text")."""
    return column_letter(next(n for n, f in enumerate(NARRATIVE_FIELDS, start=1) if f.key == key))


def narrative_cell(key: str, row: int) -> str:
    return f"{narrative_letter(key)}{row}"


NARRATIVE_LETTERS = tuple(column_letter(n) for n in range(1, len(NARRATIVE_FIELDS) + 1))


def progress_choices(sheet: ItemSheet, period: Period) -> tuple[str, ...]:
    """The dropdown offered in a sheet's Progress column: no Amber for milestones at year end."""
    return _YEAR_END_CHOICES if sheet.kind is Kind.MILESTONE and period.year_end else _REPORTABLE_CHOICES


_REPORTABLE_CHOICES = tuple(s.value for s in REPORTABLE)
_YEAR_END_CHOICES = tuple(s.value for s in YEAR_END_MILESTONE)


def done_counts(sheet: ItemSheet) -> bool:
    """Whether `Complete` / `Achieved` mean Green in a sheet's Progress: things that get done."""
    return sheet.kind in (Kind.MILESTONE, Kind.EQUALITY)


@dataclass(frozen=True)
class Row:
    """One item as it appears in a return: its key, and the prefilled values by field key."""

    key: str
    values: dict[str, object]


# A row's key is `kind:ref`, with `#n` for the n-th row of a repeated ref. It is written into the
# identity sheet and the history database, so it is the one format every stage calls below.
KEY_SEPARATOR = ":"
OCCURRENCE_MARK = "#"


def row_key(kind: Kind, ref: str, occurrence: int = 1) -> str:
    """Stable key of a row; a repeated ref (several risk measures of one objective) gets #2, #3."""
    base = f"{kind.value}{KEY_SEPARATOR}{ref}"
    return base if occurrence == 1 else f"{base}{OCCURRENCE_MARK}{occurrence}"


def key_ref(key: str) -> str:
    """The ref part of a row key. A ref that itself ends in `#n` reads as a repeat, which is why the
    identity sheet also carries the ref each row shows; use this where the key is all there is."""
    ref = key.partition(KEY_SEPARATOR)[2]
    base, mark, number = ref.rpartition(OCCURRENCE_MARK)
    return base if mark and number.isdigit() and int(number) > 1 else ref


def key_kind(key: str) -> Kind | None:
    """The kind a row key names, or None when it names none."""
    try:
        return Kind(key.partition(KEY_SEPARATOR)[0])
    except ValueError:
        return None


def is_row_key(key: str, kind: Kind, ref: str) -> bool:
    """Whether `key` is exactly what row_key gives for this kind and ref (some occurrence): compared
    whole, never by prefix, so `indicator:BPR LI15` is not a key of `BPR LI1`."""
    base = row_key(kind, ref)
    if key == base:
        return True
    number = key[len(base) + 1:] if key.startswith(base + OCCURRENCE_MARK) else ""
    return number.isdigit() and not number.startswith("0") and int(number) >= 2


def _keyed(kind: Kind, items: list[tuple[str, dict[str, object]]]) -> list[Row]:
    return [Row(key, values) for key, (_, values) in zip(_keys(kind, [ref for ref, _ in items]), items, strict=True)]


def _keys(kind: Kind, refs: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    keys = []
    for ref in refs:
        seen[ref] = seen.get(ref, 0) + 1
        keys.append(row_key(kind, ref, seen[ref]))
    return keys


def _blank(value: object) -> object:
    return "" if value is None else value


def _due(sheet: ItemSheet, plan: TeamPlan, period: Period) -> list[tuple[str, object]]:
    """(ref, register item) for each row a team's return has on one item sheet, in register order."""
    if sheet.kind is Kind.MILESTONE:
        return [(m.id, m) for m in plan.milestones]
    if sheet.kind is Kind.INDICATOR:
        return [(i.ref, i) for i in plan.indicators if i.due_in(period.quarter)]
    if not period.half_year:
        return []
    if sheet.kind is Kind.RISK:
        return [(r.objective_ref, r) for r in plan.risks]
    return [(e.id, e) for e in plan.equality]


def sheet_rows(sheet: ItemSheet, plan: TeamPlan, period: Period) -> list[Row]:
    """The rows a team's return has on one item sheet, in register order (empty if not due)."""
    titles = plan.objective_titles
    values: dict[Kind, Callable[[Any], dict[str, object]]] = {
        Kind.MILESTONE: lambda m: _milestone_values(m, titles),
        Kind.INDICATOR: lambda i: _indicator_values(i, period),
        Kind.RISK: lambda r: _risk_values(r, titles),
        Kind.EQUALITY: _equality_values,
    }
    return _keyed(sheet.kind, [(ref, values[sheet.kind](item)) for ref, item in _due(sheet, plan, period)])


def row_keys(plan: TeamPlan, period: Period) -> list[tuple[ItemSheet, str]]:
    """(sheet, row key) for every row of a team's return, in order: the keys of `sheets_for`'s rows,
    without working out their prefilled values (judging a return needs only where each row belongs)."""
    return [(sheet, key) for sheet in ITEM_SHEETS
            for key in _keys(sheet.kind, [ref for ref, _ in _due(sheet, plan, period)])]


def sheets_for(plan: TeamPlan, period: Period) -> list[tuple[ItemSheet, list[Row]]]:
    """The item sheets a return has, in order. Risks and Equality only in Q2/Q4 (and only when the
    team has some); Milestones and Indicators always, so every return has the same core shape."""
    result = []
    for sheet in ITEM_SHEETS:
        rows = sheet_rows(sheet, plan, period)
        if sheet.kind in (Kind.RISK, Kind.EQUALITY) and not rows:
            continue
        result.append((sheet, rows))
    return result


def teams_due(plan: Plan, period: Period) -> list[str]:
    """Codes of the teams with something to report in a period, in register order: a team whose
    only PIs are annual has no return to send in Q1-Q3, so it gets no template and no reminder."""
    return [team.code for team in plan.teams if row_keys(plan.for_team(team.code), period)]


def sheet_named(name: str) -> ItemSheet:
    try:
        return _ITEM_SHEETS_BY_NAME[name]
    except KeyError:
        raise KeyError(name) from None


_ITEM_SHEETS_BY_NAME = {sheet.name: sheet for sheet in reversed(ITEM_SHEETS)}  # the first of a name, as before


def is_item_sheet(name: str) -> bool:
    return any(sheet.name == name for sheet in ITEM_SHEETS)


def _milestone_values(m: Milestone, titles: dict[str, str]) -> dict[str, object]:
    return {
        "ref": m.id,
        "objective_ref": m.objective_ref,
        "objective": titles.get(m.objective_ref, ""),
        "title": m.text,
        "due": m.due,
    }


def _indicator_values(i: Indicator, period: Period) -> dict[str, object]:
    return {
        "ref": i.ref,
        "title": i.description,
        "category": i.category,
        "unit": i.unit,
        "polarity": POLARITY_LABELS.get(i.polarity, i.polarity),
        "previous_actual": _blank(i.previous_actual),
        "annual_target": _blank(i.annual_target),
        "quarter_target": _blank(target_shown(i, period.quarter)),
    }


def _risk_values(r: RiskMeasure, titles: dict[str, str]) -> dict[str, object]:
    return {"ref": r.objective_ref, "objective": titles.get(r.objective_ref, ""), "title": r.measures}


def _equality_values(e: EqualityAction) -> dict[str, object]:
    return {"ref": e.id, "title": e.action, "due": e.target_date}
