"""The shortcuts judging takes must say what the long ways say: a return's row keys without their
prefilled values, column letters worked out once, a share of the register fingerprinted."""

from __future__ import annotations

import dataclasses
import hashlib
import json

from conftest import make_plan
from qmr.cells import column_letter
from qmr.judge.authenticity import row_owners
from qmr.model import Plan, fingerprint_of
from qmr.period import Period
from qmr.returns import layout

PERIODS = [Period.parse(f"2015/16 Q{quarter}") for quarter in (1, 2, 3, 4)]


def _with_repeats(plan: Plan) -> Plan:
    """The plan with a risk measure repeated: its second row is keyed #2."""
    return dataclasses.replace(plan, risks=plan.risks + plan.risks[:1])


def test_row_keys_are_the_keys_of_the_rows_a_return_has() -> None:
    plan = _with_repeats(make_plan())
    for period in PERIODS:
        for team in plan.teams:
            share = plan.for_team(team.code)
            rows = [(sheet, row.key) for sheet, rows in layout.sheets_for(share, period) for row in rows]
            assert layout.row_keys(share, period) == rows, (team.code, period)
        owners: dict[str, dict[str, None]] = {}  # each key's teams, once each, in register order
        for team in plan.teams:
            for _, rows in layout.sheets_for(plan.for_team(team.code), period):
                for row in rows:
                    owners.setdefault(row.key, {})[team.code] = None
        assert row_owners(plan, period) == {key: tuple(teams) for key, teams in owners.items()}
        assert layout.teams_due(plan, period) == [
            team.code for team in plan.teams
            if any(rows for _, rows in layout.sheets_for(plan.for_team(team.code), period))]


def test_column_letters_are_the_fields_columns() -> None:
    for sheet in layout.ITEM_SHEETS:
        for field in sheet.fields:
            assert sheet.letter(field.key) == column_letter(sheet.index(field.key))
        assert layout.sheet_named(sheet.name) is sheet


def test_a_fingerprint_hashes_every_field_of_every_record() -> None:
    plan = make_plan()

    def plain(value: object) -> object:  # the scheme as first written, with dataclasses' own fields()
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        return str(value)

    for team in plan.teams:
        share = plan.for_team(team.code)
        content = {"team": share.team, "objectives": share.objectives, "milestones": share.milestones,
                   "indicators": share.indicators, "risks": share.risks, "equality": share.equality,
                   "objective_titles": share.objective_titles, "a class": Plan}
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=plain)
        assert fingerprint_of(content) == hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]
