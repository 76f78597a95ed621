"""The consolidated table: one ReportedItem per plan item due this period, from the accepted
returns, with Missing for everything nobody reported, and direction of travel from history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from qmr.consolidate.movers import find_movers
from qmr.judge.auto_status import direction, no_direction_reason, trend
from qmr.judge.items import JudgedItem
from qmr.judge.past import index_past
from qmr.judge.validate import AcceptedReturn, Validation
from qmr.model import (
    Consolidation,
    Indicator,
    Kind,
    Level,
    PastValue,
    Plan,
    Profile,
    ReportedItem,
    Status,
    Team,
)
from qmr.period import Period
from qmr.plan.targets import target_shown
from qmr.returns import layout


def consolidate(
    plan: Plan, period: Period, validation: Validation, past: Sequence[PastValue] = ()
) -> Consolidation:
    accepted = {r.team: r for r in validation.accepted}
    history = index_past(past, period)
    objectives = {o.ref: o for o in plan.objectives}
    indicators = {i.ref: i for i in plan.indicators}
    items: list[ReportedItem] = []
    keyed: list[tuple[ReportedItem, str]] = []
    for team in plan.teams:
        received = accepted.get(team.code)
        for sheet, rows in layout.sheets_for(plan.for_team(team.code), period):
            for row in rows:
                items.append(_item(plan, period, team, sheet, row, received, objectives, indicators, history))
                keyed.append((items[-1], row.key))
    trends = _key_trends(plan, period, items, history)
    narrative = tuple(entry for r in validation.accepted for entry in r.narrative)
    return Consolidation(
        period=period,
        plan=plan,
        items=tuple(items),
        narrative=narrative,
        findings=tuple(validation.findings),
        sources=tuple(sorted(validation.sources, key=lambda s: (s.file, s.outcome))),
        trends=trends,
        movers=tuple(find_movers(keyed, history)) if history else (),
        has_history=bool(history),
    )


NO_COMMENTARY = "no commentary given"  # an unexplained Amber/Red/N/A: its status stands, and says so


def _commentary(judged: JudgedItem | None) -> str:
    if judged is None:
        return ""
    if not judged.commentary and judged.status in (Status.AMBER, Status.RED, Status.NA):
        return NO_COMMENTARY
    return judged.commentary


def _item(plan, period, team: Team, sheet, row, received: AcceptedReturn | None, objectives, indicators,
          history) -> ReportedItem:
    values = row.values
    ref = str(values.get("ref", ""))
    objective_ref = str(values.get("objective_ref", ""))
    if sheet.kind is Kind.RISK:
        objective_ref = ref
    objective = objectives.get(objective_ref)
    judged = received.items.get(row.key) if received else None
    indicator = indicators.get(ref) if sheet.kind is Kind.INDICATOR else None

    target = target_shown(indicator, period.quarter) if indicator is not None else None
    travel = (_travel(indicator, period, judged.actual if judged else None,
                      history.get((team.code, row.key), [])) if indicator is not None else Travel())

    return ReportedItem(
        period=period,
        directorate=team.directorate,
        department=team.department,
        team=team.code,
        kind=sheet.kind,
        objective_ref=objective_ref,
        ref=ref,
        title=str(values.get("title", "")),
        due=str(values.get("due", "") or ""),
        target=target,
        actual=judged.actual if judged else None,
        status=judged.status if judged else Status.MISSING,
        auto_status=judged.auto_status if judged else None,
        direction=travel.direction,
        commentary=_commentary(judged),
        source_file=received.file if received else "",
        source_cell=judged.source_cell if judged else "",
        team_name=team.name,
        division=team.division,
        objective_title=objective.title if objective else "",
        key=(indicator.key if indicator else bool(objective and objective.key)),
        category=indicator.category if indicator else "",
        unit=indicator.unit if indicator else "",
        polarity=indicator.polarity.value if indicator else "",
        previous_actual=indicator.previous_actual if indicator else None,
        trend=travel.trend,
        year_to_date=travel.year_to_date,
        compared_period=travel.compared_period,
        compared_actual=travel.compared_actual,
        direction_note=travel.direction_note,
    )


@dataclass(frozen=True)
class Travel:
    """A PI's movement worked out from history: direction against the same quarter last year (and
    the figure it compared with, or why there is none), the long trend, the year to date."""

    direction: str = ""
    compared_period: str = ""
    compared_actual: float | None = None
    direction_note: str = ""
    trend: str = ""
    year_to_date: float | None = None


def _travel(indicator: Indicator, period: Period, actual: float | str | None,
            earlier: list[tuple[Period, PastValue]]) -> Travel:
    compared = period.same_quarter_last_year()
    compared_label = compared.label  # worked out once: shown, and quoted in the note
    compared_actual = next((v.actual for p, v in earlier if p == compared and isinstance(v.actual, float)), None)
    numeric_actual = actual if isinstance(actual, float) else None
    # a year-to-date figure is only comparable with the same quarter of other years
    comparable = [(p, v) for p, v in earlier
                  if indicator.profile is not Profile.CUMULATIVE or p.quarter == period.quarter]
    recent = [v.actual for _, v in comparable if isinstance(v.actual, float)]
    return Travel(
        direction=direction(indicator, period.quarter, numeric_actual, compared_actual),
        compared_period=compared_label,
        compared_actual=compared_actual,
        direction_note=no_direction_reason(indicator, period.quarter, numeric_actual, compared_actual,
                                           compared_label),
        trend=trend(indicator, period.quarter, numeric_actual, recent),
        year_to_date=(_year_to_date(period, numeric_actual, earlier)
                      if indicator.profile is Profile.DISCRETE else None),
    )


def _year_to_date(period: Period, actual: float | None, earlier: list[tuple[Period, PastValue]]) -> float | None:
    """A per-quarter PI's total for the year so far; None unless every earlier quarter is known."""
    if actual is None:
        return None
    this_year = {p.quarter: v.actual for p, v in earlier if p.year == period.year and p.quarter < period.quarter}
    values = [this_year.get(q) for q in range(1, period.quarter)]
    if not all(isinstance(v, float) for v in values):
        return None
    return sum(values, actual)  # type: ignore[arg-type]


def _key_trends(plan: Plan, period: Period, items: list[ReportedItem], history
                ) -> dict[str, tuple[tuple[Period, float], ...]]:
    """Key PI series (history then this period) for the Summary's trend charts."""
    trends: dict[str, tuple[tuple[Period, float], ...]] = {}
    for item in items:
        if item.kind is not Kind.INDICATOR or not item.key:
            continue
        earlier = history.get((item.team, layout.row_key(Kind.INDICATOR, item.ref)), [])
        series = [(p, v.actual) for p, v in earlier if isinstance(v.actual, float)]
        if isinstance(item.actual, float):
            series.append((period, item.actual))
        if len(series) >= 2:
            trends[item.ref] = tuple(series)
    return trends


def by_level(consolidation: Consolidation, level: Level) -> dict[str, Consolidation]:
    """One consolidation per unit of `level` (department, division, ...), named as the master's
    Summary names them; teams outside any unit of the level form the "Teams outside a division" part."""
    def unit_of(team_code: str) -> str:
        team = consolidation.plan.team(team_code)
        return level.of(team) if team else level.none_label

    result: dict[str, Consolidation] = {}
    for name in sorted({unit_of(t.code) for t in consolidation.plan.teams}):
        codes = {t.code for t in consolidation.plan.teams if unit_of(t.code) == name}
        plan = replace(consolidation.plan,
                       teams=tuple(t for t in consolidation.plan.teams if t.code in codes))
        result[name] = replace(
            consolidation,
            plan=plan,
            items=tuple(i for i in consolidation.items if i.team in codes),
            narrative=tuple(n for n in consolidation.narrative if n.team in codes),
            findings=tuple(f for f in consolidation.findings if f.team in codes),
            sources=tuple(s for s in consolidation.sources if s.team in codes),
            trends={ref: series for ref, series in consolidation.trends.items()
                    if any(i.ref == ref and i.team in codes for i in consolidation.items)},
            movers=tuple(m for m in consolidation.movers if m.item.team in codes),
        )
    return result


def by_department(consolidation: Consolidation) -> dict[str, Consolidation]:
    """One consolidation per department (see `by_level`)."""
    return by_level(consolidation, Level.DEPARTMENT)
