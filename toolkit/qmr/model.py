"""The domain: organisation, plan items, statuses and findings, as plain data classes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, is_dataclass
from enum import Enum, StrEnum
from functools import cache, cached_property

from qmr.period import Period


class Status(StrEnum):
    GREEN = "Green"
    AMBER = "Amber"
    RED = "Red"
    NA = "N/A"
    MISSING = "Missing"


# What a clerk may choose; Missing is what qmr records when nothing usable came back.
REPORTABLE = (Status.GREEN, Status.AMBER, Status.RED, Status.NA)
YEAR_END_MILESTONE = (Status.GREEN, Status.RED, Status.NA)


class Severity(StrEnum):
    REJECTED = "rejected"
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return ("rejected", "error", "warning", "info").index(self.value)


class Kind(StrEnum):
    """What a reported row is; the `kind` column of the master's Data sheet."""

    MILESTONE = "milestone"
    INDICATOR = "indicator"
    RISK = "risk"
    EQUALITY = "equality"


class Polarity(StrEnum):
    """Which way a PI's figures are good."""

    HIGHER = "higher"
    LOWER = "lower"
    TARGET = "target"  # closest to target is best
    NONE = "none"  # contextual: no status can be computed


class Frequency(StrEnum):
    """How often a PI is reported."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SIX_MONTHLY = "six-monthly"
    ANNUAL = "annual"


class Profile(StrEnum):
    """How a PI's annual target spreads over the quarters (see plan/targets.py)."""

    CUMULATIVE = "cumulative"  # year to date
    FLAT = "flat"  # the same target each quarter
    DISCRETE = "discrete"  # each quarter on its own


def fingerprint_of(content: object) -> str:
    """sha256 (first 16 hex digits) of content as canonical JSON: the one fingerprint scheme, for the
    register (`Plan.fingerprint`) and a team's share of it (`TeamPlan.fingerprint`). Data classes
    hash as their fields and enums as their values, so equal content gives an equal fingerprint."""
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_plain)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def _plain(value: object) -> object:
    # One level of fields: json calls back here for nested ones, so this gives asdict()'s JSON without
    # its deep copies (which took most of a 10,000-item register's read).
    names = _field_names(type(value))
    if names is not None:
        return {name: getattr(value, name) for name in names}
    return str(value)


@cache  # a few data classes, each met thousands of times in a big register
def _field_names(kind: type) -> tuple[str, ...] | None:
    """A data class's field names; None for other types (a data class itself, rather than an
    instance, is one: its type is not a data class)."""
    return tuple(f.name for f in fields(kind)) if is_dataclass(kind) else None


class Level(StrEnum):
    """The organisation's levels above a team, widest first: directorate > department > division
    (any may be absent). The value is the Team / ReportedItem field naming the unit."""

    DIRECTORATE = "directorate"
    DEPARTMENT = "department"
    DIVISION = "division"

    def of(self, unit: Team | ReportedItem) -> str:
        """The unit at this level a team or item belongs to, or the group of teams outside any unit of this level."""
        # _value_ rather than .value: the enum's property lookup dominated when every item row asked
        return getattr(unit, self._value_) or self.none_label

    @property
    def none_label(self) -> str:
        """How teams outside any unit of this level are grouped and named, as a board member reads it
        (a bare "(no division)" looked like a missing value)."""
        return f"Teams outside a {self._value_}"


NO_DEPARTMENT = Level.DEPARTMENT.none_label


def levels_used(teams: Iterable[Team]) -> tuple[Level, ...]:
    """The levels a register uses (some team names a unit there), widest first; the others are skipped."""
    teams = tuple(teams)
    return tuple(level for level in Level if any(getattr(t, level.value) for t in teams))


@dataclass(frozen=True, slots=True)
class Team:
    code: str
    name: str
    directorate: str = ""
    department: str = ""
    division: str = ""
    clerk_name: str = ""
    clerk_email: str = ""
    responsible_officer: str = ""


@dataclass(frozen=True, slots=True)
class Objective:
    ref: str
    title: str
    team: str
    corporate_priority: str = ""
    area_of_focus: str = ""
    key: bool = False
    responsible_officer: str = ""
    initial_risk: str = ""
    residual_risk: str = ""
    indicators: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Milestone:
    id: str
    objective_ref: str
    text: str
    team: str
    due: str = ""  # as the plan has it: "Mar 2016", "2016-03-31", "Ongoing" or ""
    year: str = ""
    responsible_officer: str = ""


@dataclass(frozen=True, slots=True)
class Indicator:
    ref: str
    description: str
    team: str
    unit: str  # %, number, £, rate, text
    category: str = ""
    key: bool = False
    polarity: Polarity = Polarity.NONE
    frequency: Frequency = Frequency.QUARTERLY
    profile: Profile = Profile.FLAT
    previous_actual: float | str | None = None
    annual_target: float | str | None = None
    quarter_targets: tuple[float | str | None, ...] = (None, None, None, None)
    tolerance: float | None = None

    def __post_init__(self) -> None:
        # the enums' own members even when built from their words ("higher"), e.g. by tests
        object.__setattr__(self, "polarity", Polarity(self.polarity))
        object.__setattr__(self, "frequency", Frequency(self.frequency))
        object.__setattr__(self, "profile", Profile(self.profile))

    @property
    def numeric(self) -> bool:
        return self.unit != "text"

    def due_in(self, quarter: int) -> bool:
        """Whether the PI is reported in this quarter (annual only at Q4, six-monthly at Q2/Q4)."""
        if self.frequency is Frequency.ANNUAL:
            return quarter == 4
        if self.frequency is Frequency.SIX_MONTHLY:
            return quarter in (2, 4)
        return True


@dataclass(frozen=True, slots=True)
class RiskMeasure:
    objective_ref: str
    measures: str
    team: str
    responsible_officer: str = ""

    @property
    def ref(self) -> str:
        return self.objective_ref


@dataclass(frozen=True, slots=True)
class EqualityAction:
    id: str
    action: str
    team: str
    target_date: str = ""
    responsible_officer: str = ""


@dataclass(frozen=True)
class Plan:
    """Everything the register says, in register order."""

    teams: tuple[Team, ...]
    objectives: tuple[Objective, ...]
    milestones: tuple[Milestone, ...]
    indicators: tuple[Indicator, ...]
    risks: tuple[RiskMeasure, ...] = ()
    equality: tuple[EqualityAction, ...] = ()
    settings: dict[str, str] = field(default_factory=dict)
    fingerprint: str = ""

    def content_fingerprint(self) -> str:
        """What the register says, hashed; not its file, so re-saving or reordering columns changes nothing."""
        return fingerprint_of({
            "teams": self.teams, "objectives": self.objectives, "milestones": self.milestones,
            "indicators": self.indicators, "risks": self.risks, "equality": self.equality,
            "settings": self.settings,
        })

    def team(self, code: str) -> Team | None:
        """The team with this code, matched without regard to case (`bsc-fin` is BSC-FIN)."""
        return self._teams.get(code) or self._teams_folded.get(code.casefold())

    def objective(self, ref: str) -> Objective | None:
        return self._objectives.get(ref)

    def for_team(self, code: str) -> TeamPlan:
        return self._by_team.get(code) or TeamPlan(self.team(code) or Team(code, code), (), (), (), (), ())

    # Indexes, built once per plan: a council has hundreds of teams and thousands of items, and
    # every return is judged against its own team's share.
    @cached_property
    def _teams(self) -> dict[str, Team]:
        return {team.code: team for team in reversed(self.teams)}  # the first of a duplicate wins

    @cached_property
    def _teams_folded(self) -> dict[str, Team]:
        return {team.code.casefold(): team for team in reversed(self.teams)}

    @cached_property
    def _objectives(self) -> dict[str, Objective]:
        return {objective.ref: objective for objective in reversed(self.objectives)}

    @cached_property
    def _by_team(self) -> dict[str, TeamPlan]:
        shares: dict[str, tuple[list, list, list, list, list]] = {}
        for number, items in enumerate((self.objectives, self.milestones, self.indicators, self.risks,
                                        self.equality)):
            for item in items:
                shares.setdefault(item.team, ([], [], [], [], []))[number].append(item)
        return {
            code: TeamPlan(self.team(code) or Team(code, code), *(tuple(part) for part in parts),
                           objective_titles=self._titles_for(parts[1], parts[3]))
            for code, parts in shares.items()
        }

    def _titles_for(self, milestones: list[Milestone], risks: list[RiskMeasure]) -> dict[str, str]:
        refs = [m.objective_ref for m in milestones] + [r.objective_ref for r in risks]
        return {ref: objective.title for ref in refs if (objective := self.objective(ref)) is not None}


@dataclass(frozen=True)
class TeamPlan:
    """One team's share of the plan: what its return asks about."""

    team: Team
    objectives: tuple[Objective, ...]
    milestones: tuple[Milestone, ...]
    indicators: tuple[Indicator, ...]
    risks: tuple[RiskMeasure, ...]
    equality: tuple[EqualityAction, ...]
    # titles of every objective its milestones and risks belong to, its own or another team's
    objective_titles: dict[str, str] = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        """What this team's return asks about, hashed: a template made from an older register is
        only worth a warning when this share changed, not when another team's or a setting did."""
        return fingerprint_of({
            "team": self.team, "objectives": self.objectives, "milestones": self.milestones,
            "indicators": self.indicators, "risks": self.risks, "equality": self.equality,
            "objective_titles": self.objective_titles,
        })


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing wrong (or worth knowing) about an input, located precisely, with what to do."""

    severity: Severity
    message: str
    action: str = ""
    file: str = ""
    sheet: str = ""
    cell: str = ""
    team: str = ""
    code: str = ""  # a stable short name for the kind of finding, e.g. "status-invalid"

    @property
    def location(self) -> str:
        """`file Sheet!B7`, or as much of it as is known."""
        place = f"{self.sheet}!{self.cell}" if self.sheet and self.cell else self.sheet
        return " ".join(p for p in (self.file, place) if p)

    def __str__(self) -> str:
        where = self.location
        text = f"{self.severity}: {where}: {self.message}" if where else f"{self.severity}: {self.message}"
        return f"{text} -> {self.action}" if self.action else text


# The master's `Data` sheet starts with exactly these columns, in this order (contract).
DATA_COLUMNS = (
    "period", "directorate", "department", "team", "kind", "objective_ref", "ref", "title", "due",
    "target", "actual", "status", "auto_status", "direction", "commentary", "source_file", "source_cell",
)

def figure(value: object, unit: str) -> str:
    """A PI's figure as a reader reads it: 95%, £1,200, 12.5; text targets as written."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    if unit == "%":
        return f"{text}%"
    if unit == "£":
        return f"£{text}"
    return text


def data_cell(value: object) -> object:
    """A Data sheet cell: an enum as its text, a period as its label."""
    if isinstance(value, Enum):
        return value.value
    return value.label if isinstance(value, Period) else value


@dataclass(frozen=True, slots=True)
class ReportedItem:
    """One plan item as reported for a period (or Missing): a row of the consolidated table.

    The first fields are the Data sheet's contract columns; the rest help the master group and
    explain rows. `team` is the team code; a missing item has status Missing and no source.
    """

    period: Period  # the Data sheet shows its label, e.g. 2015/16 Q3
    directorate: str
    department: str
    team: str
    kind: Kind
    objective_ref: str
    ref: str
    title: str
    due: str
    target: float | str | None
    actual: float | str | None
    status: Status
    auto_status: Status | None
    direction: str  # better / same / worse, or "" when there is no history to compare with
    commentary: str
    source_file: str
    source_cell: str  # the cell holding the reported status, e.g. Milestones!F5
    # beyond the contract
    team_name: str = ""
    division: str = ""
    objective_title: str = ""
    key: bool = False  # key objective / key PI
    category: str = ""
    unit: str = ""
    polarity: str = ""
    previous_actual: float | str | None = None
    trend: str = ""  # better / same / worse than the average of the last four values
    year_to_date: float | None = None  # discrete PIs: this quarter plus the year's earlier quarters
    # what `direction` compares with: the same quarter last year as history holds it (not the
    # register's previous_actual, which is last year's outturn), and why there is no direction
    compared_period: str = ""  # that quarter's label, e.g. 2014/15 Q3 (PIs only)
    compared_actual: float | None = None  # its figure in history, when it has one
    direction_note: str = ""  # why `direction` is blank, e.g. "no 2014/15 Q3 figure in history"

    @property
    def compared_with(self) -> str:
        """What the direction arrow was computed from, as the appendices show it beside the arrow:
        "5.6% (2014/15 Q3)"; without an arrow, why not."""
        if self.direction and self.compared_actual is not None:
            return f"{figure(self.compared_actual, self.unit)} ({self.compared_period})"
        return self.direction_note

    def data_row(self) -> tuple[object, ...]:
        """The contract columns as a sheet or CSV holds them: enums as their text, the period as its label."""
        return tuple(data_cell(getattr(self, name)) for name in DATA_COLUMNS)


class NarrativeType(StrEnum):
    """What a narrative entry is: sections 2 and 3 of the QMR."""

    KEY_DEVELOPMENT = "Key development"
    EMERGING_ISSUE = "Emerging issue"


@dataclass(frozen=True, slots=True)
class NarrativeEntry:
    """A key development or emerging issue a team reported (sections 2 and 3 of the QMR)."""

    team: str
    type: NarrativeType
    title: str
    text: str
    source_file: str = ""
    source_cell: str = ""


class SourceOutcome(StrEnum):
    """What became of a file qmr looked at (the Outcome column of the master's Sources sheet)."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"  # an older return of a team that sent a newer one: info, not a problem
    SKIPPED = "skipped"  # not a return at all (a lock file, the same file twice): nothing to do


class ReturnState(StrEnum):
    """Where a team's return stands this period (judge/return_state.py works it out)."""

    RECEIVED = "received"  # a return was accepted (older drafts it superseded change nothing)
    REJECTED = "rejected"  # files came, each one turned away: the team must send again
    UNREADABLE = "unreadable"  # a file known to be the team's (from outside it) could not be read at all
    MISSING = "missing"  # nothing came


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """A file qmr looked at, and what became of it (the master's Sources sheet)."""

    file: str
    team: str
    sha256: str
    size: int
    modified: str  # ISO 8601, UTC
    outcome: SourceOutcome
    reason: str = ""
    # False when the file gave no identity, so its team (if any) was known from elsewhere, e.g. the
    # e-mail it came in: such a team did send something, and is not chased as if it had not
    identified: bool = True


class Movement(StrEnum):
    """How an item's status moved since its last report (the master's Movers sheet)."""

    WORSE = "worse"      # along Green -> Amber -> Red
    BETTER = "better"    # along Red -> Amber -> Green
    CHANGED = "changed"  # to or from N/A or Missing: neither better nor worse
    NEW = "new"          # never reported before


@dataclass(frozen=True, slots=True)
class Mover:
    """An item whose status changed since its last report in history, or that is new."""

    item: ReportedItem
    movement: Movement
    previous_period: str = ""
    previous_status: Status | None = None
    previous_commentary: str = ""


@dataclass(frozen=True)
class Consolidation:
    """Everything the master workbook shows for one period."""

    period: Period
    plan: Plan
    items: tuple[ReportedItem, ...]
    narrative: tuple[NarrativeEntry, ...] = ()
    findings: tuple[Finding, ...] = ()
    sources: tuple[SourceRecord, ...] = ()
    # key PI trends from history: ref -> ((period, value), ...) oldest first
    trends: dict[str, tuple[tuple[Period, float], ...]] = field(default_factory=dict)
    # worst movement first; has_history says whether anything earlier was there to compare with
    movers: tuple[Mover, ...] = ()
    has_history: bool = False


@dataclass(frozen=True, slots=True)
class PastValue:
    """One item as accepted in an earlier period (from history): feeds direction of travel,
    trends, 'unchanged commentary' warnings and pre-filled templates."""

    period: Period
    team: str
    kind: Kind
    ref: str
    status: str
    actual: float | str | None
    commentary: str
    # The return row it was reported in, as the return layout keyed it and history stored it: the
    # domain keeps the key whole rather than knowing the layout's format (returns/layout.row_key).
    key: str
