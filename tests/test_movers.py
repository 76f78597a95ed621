"""Movers: two quarters run through one history file, and the master's Movers sheet checked against
a table worked out by hand (worst movement first, unchanged items absent, new items marked new)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from openpyxl import load_workbook

from qmr.consolidate.movers import movement
from qmr.cycle import load_plan, make_templates, run_consolidation, run_validation
from qmr.demo.simulate import template_rows
from qmr.model import Movement, Status
from qmr.period import Period
from qmr.plan.examples import write_example
from qmr.publish.master.movers import HEADERS, NO_HISTORY
from test_history import fill

pytestmark = pytest.mark.filterwarnings("ignore:Sparkline Group extension:UserWarning")

Q1, Q2 = Period(2015, 1), Period(2015, 2)
TEAM, LATE = "CED-TAF", "CED-CIC"


def test_movement_along_the_scale_and_off_it() -> None:
    assert movement(Status.GREEN, Status.RED) is Movement.WORSE
    assert movement(Status.RED, Status.AMBER) is Movement.BETTER
    assert movement(Status.GREEN, Status.NA) is Movement.CHANGED
    assert movement(Status.MISSING, Status.GREEN) is Movement.CHANGED
    assert movement(Status.AMBER, Status.AMBER) is None


def _keys(template: Path) -> list[str]:
    return [key for _, _, key in template_rows(load_workbook(template))]


def test_two_quarters_through_one_history_file(tmp_path: Path) -> None:
    plan, _ = load_plan(write_example("ced-2015-16", tmp_path / "plan.xlsx"))
    db = tmp_path / "qmr.db"
    templates = {when: make_templates(plan, when, tmp_path / "t" / when.slug) for when in (Q1, Q2)}
    team_template = {when: next(t for t in paths if TEAM in t.name) for when, paths in templates.items()}
    both = [k for k in _keys(team_template[Q1]) if k in _keys(team_template[Q2]) and k.startswith("milestone:")]
    assert len(both) >= 5, both
    # the hand table: (Q1 status, Q2 status) per row; every other row is Green both times
    hand = {both[0]: ("Green", "Amber"), both[1]: ("Red", "Green"), both[2]: ("Green", "Red"),
            both[3]: ("Amber", "Red"), both[4]: ("Amber", "Amber")}
    quarter = {Q1: 0, Q2: 1}

    def answer(sheet, key, indicator, period):
        status = hand.get(key, ("Green", "Green"))[quarter[period]]
        actual = None if indicator is None else (50.0 if indicator.numeric else "on track")
        return status, actual, f"{period.label}: {key} is {status}."

    for when in (Q1, Q2):
        inbox = tmp_path / "in" / when.slug
        for template in templates[when]:
            if not (when == Q1 and LATE in template.name):  # LATE sends nothing at Q1
                fill(plan, when, template, inbox / template.name, answer)
        batch = run_validation(plan, when, [inbox], db=db)
        done = run_consolidation(plan, when, batch, tmp_path / "out" / f"{when.slug}.xlsx", db=db)
        consolidation, written = done.consolidation, done.written
        if when == Q1:  # nothing earlier in history: the sheet says so
            first = openpyxl.load_workbook(written[0])
            assert first["Movers"]["A5"].value == NO_HISTORY
            assert consolidation.movers == ()

    sheet = openpyxl.load_workbook(written[0])["Movers"]
    assert [c.value for c in sheet[4]] == list(HEADERS)
    rows = [dict(zip(HEADERS, r, strict=True)) for r in sheet.iter_rows(min_row=5, values_only=True)]
    ref = {key: key.split(":", 1)[1] for key in hand}
    changed = [(r["Movement"], r["Was"], r["Now"], r["Ref"]) for r in rows if r["Movement"] != "new"]
    # worked out by hand: Green to Red, then Amber to Red, then Green to Amber, then the better one
    assert changed == [
        ("↓ worse", "Green", "Red", ref[both[2]]),
        ("↓ worse", "Amber", "Red", ref[both[3]]),
        ("↓ worse", "Green", "Amber", ref[both[0]]),
        ("↑ better", "Red", "Green", ref[both[1]]),
    ]
    assert ref[both[4]] not in {r["Ref"] for r in rows}  # Amber both times: not a mover
    # both commentaries side by side, each from its own quarter
    top = rows[0]
    assert top["Last time"] == Q1.label
    assert top["Commentary last time"] == f"{Q1.label}: {both[2]} is Green."
    assert top["Commentary now"] == f"{Q2.label}: {both[2]} is Red."
    # new: never reported before (LATE's rows: history has nothing of them), marked new, no "was"
    late = next(t for t in templates[Q2] if LATE in t.name)
    new_keys = {k.split(":", 1)[1] for k in _keys(late)}
    new_rows = [r for r in rows if r["Movement"] == "new"]
    assert new_keys and {r["Ref"] for r in new_rows} == new_keys
    assert all(r["Was"] is None and r["Commentary last time"] is None for r in new_rows)
    assert rows.index(new_rows[0]) == len(changed)  # new items after the changes
    # the Summary counts what got worse and better
    summary = [r for r in openpyxl.load_workbook(written[0])["Summary"].iter_rows(values_only=True)
               if r[0] == "Since the last report"]
    assert summary[0][1].startswith(f"3 items got worse, 1 better, 0 changed to or from N/A or Missing, "
                                    f"{len(new_rows)} new")
