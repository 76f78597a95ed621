"""Sheet Objectives: the service objectives, their owning team, risks and linked PIs."""

from __future__ import annotations

from qmr.model import Indicator, Objective
from qmr.plan.crossrefs import IndicatorRefs, link, link_tokens, team_ref
from qmr.plan.fields import duplicate, ident, required, risk, yes_no
from qmr.plan.layout import OBJECTIVES
from qmr.plan.rows import Reading, Row
from qmr.plan.vocab import RANGE


def read_objectives(reading: Reading, rows: list[Row], indicators: list[Indicator]) -> list[Objective]:
    refs = IndicatorRefs(indicators)
    seen: dict[str, str] = {}
    result = []
    for row in rows:
        if not required(reading, row, OBJECTIVES):
            continue
        ref = ident(reading, row, "ref")
        if duplicate(reading, seen, row, "ref", ref, "objective ref"):
            continue
        team = team_ref(reading, row, "team", "objective")
        if team is None:
            reading.left_out(OBJECTIVES.name, ref, row.cell("team"))
            continue
        title = row.text("title")
        if not title:
            reading.add("objective-title-blank", row, "title", team=team)
        links = _links(reading, row, refs)
        result.append(
            Objective(
                ref,
                title,
                team,
                row.text("corporate_priority"),
                row.text("area_of_focus"),
                yes_no(reading, row, "key"),
                row.text("responsible_officer"),
                risk(reading, row, "initial_risk"),
                risk(reading, row, "residual_risk"),
                links,
            )
        )
    return result


def _links(reading: Reading, row: Row, refs: IndicatorRefs) -> tuple[str, ...]:
    """The objective's linked PIs, each once, those that match no PI dropped (with an error)."""
    links: list[str] = []
    for token in link_tokens(row):
        if RANGE.search(token):
            reading.add("link-range", row, "indicators", token=token)
        found = link(reading, row, token, refs)
        if found and found not in links:
            links.append(found)
    return tuple(links)
