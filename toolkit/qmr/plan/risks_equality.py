"""Sheets Risks and Equality: risk control measures per objective and high-priority equality
actions, both reported in Q2 and Q4."""

from __future__ import annotations

from qmr.model import EqualityAction, Objective, RiskMeasure
from qmr.plan.crossrefs import Ids, item_rows
from qmr.plan.fields import due
from qmr.plan.layout import EQUALITY, RISKS
from qmr.plan.rows import Reading, Row


def read_risks(reading: Reading, rows: list[Row], objectives: dict[str, Objective]) -> list[RiskMeasure]:
    return [RiskMeasure(item.objective.ref, item.row.text("measures"), item.team,  # type: ignore[union-attr]
                        item.row.text("responsible_officer"))
            for item in item_rows(reading, rows, RISKS, "risk", objectives=objectives)]


def read_equality(reading: Reading, rows: list[Row]) -> list[EqualityAction]:
    ids = Ids.of(rows, "EQ", "each half-year's returns")
    result = []
    for item in item_rows(reading, rows, EQUALITY, "equality action", ids=ids):
        target, _ = due(reading, item.row, "target_date", "", "target date")
        result.append(EqualityAction(item.ident, item.row.text("action"), item.team, target,
                                     item.row.text("responsible_officer")))
    return result
