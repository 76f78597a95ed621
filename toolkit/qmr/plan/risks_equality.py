"""Sheets Risks and Equality: risk control measures per objective and high-priority equality
actions, both reported in Q2 and Q4."""

from __future__ import annotations

from qmr.model import EqualityAction, Objective, RiskMeasure
from qmr.plan.crossrefs import id_or_new, objective_ref, team_ref
from qmr.plan.fields import due, duplicate, required
from qmr.plan.layout import EQUALITY, RISKS
from qmr.plan.rows import Reading, Row, same_key


def read_risks(reading: Reading, rows: list[Row], objectives: dict[str, Objective]) -> list[RiskMeasure]:
    result = []
    for row in rows:
        if not required(reading, row, RISKS):
            continue
        objective = objective_ref(reading, row, objectives, "risk")
        if objective is None:
            continue
        team = objective.team
        if row.raw("team") is not None:
            team = team_ref(reading, row, "team", "risk")
            if team is None:
                continue
        result.append(RiskMeasure(objective.ref, row.text("measures"), team, row.text("responsible_officer")))
    return result


def read_equality(reading: Reading, rows: list[Row]) -> list[EqualityAction]:
    used = {same_key(row.text("id")) for row in rows if row.raw("id") is not None}
    seen: dict[str, str] = {}
    result = []
    for row in rows:
        if not required(reading, row, EQUALITY):
            continue
        ident = id_or_new(reading, row, used, "EQ", "equality action", "each half-year's returns")
        if duplicate(reading, seen, row, "id", ident, "equality action ID"):
            continue
        team = team_ref(reading, row, "team", "equality action")
        if team is None:
            continue
        target, _ = due(reading, row, "target_date", "", "target date")
        result.append(EqualityAction(ident, row.text("action"), team, target, row.text("responsible_officer")))
    return result
