"""The master's Movers sheet: what got worse and what got better since each item's last report, worst
first, with last time's and this time's commentary side by side (the order is consolidate's)."""

from __future__ import annotations

from collections.abc import Sequence

from qmr.model import Movement, Mover
from qmr.publish.master.rows import RowSheet
from qmr.publish.master.sheets import FIRST_ROW, HEADER_ROW, KIND_LABELS
from qmr.publish.master.styles import (
    ARROWS,
    Ordering,
    Styles,
    add_arrow_colours,
    add_status_lights,
    department_of,
    fitted_height,
    print_setup,
    set_columns,
    write_header,
    write_title,
)

MOVEMENT_LABELS = {Movement.WORSE: ARROWS["worse"], Movement.BETTER: ARROWS["better"],
                   Movement.CHANGED: "changed", Movement.NEW: "new"}
HEADERS = ("Movement", "Was", "Now", "Department", "Team", "Kind", "Ref", "Title", "Last time",
           "Commentary last time", "Commentary now")
WIDTHS = (10, 11, 11, 16, 16, 8, 9, 30, 9, 42, 42)
WRAPPED = (False, False, False, True, True, False, False, True, False, True, True)
NO_HISTORY = ("No earlier quarter is in history, so there is nothing to compare with: this sheet lists "
              "movements from the next quarter on (consolidate with --db to keep history).")
NOTHING_MOVED = "No item's status changed since its last report, and no item is new."


def movement_counts(movers: Sequence[Mover]) -> dict[Movement, int]:
    return {movement: sum(1 for m in movers if m.movement is movement) for movement in Movement}


def movers_sentence(movers: Sequence[Mover], has_history: bool) -> str:
    """The Summary's line: '2 items got worse, 1 better, 0 changed to or from N/A or Missing, 3 new'."""
    if not has_history:
        return "No earlier quarter in history to compare with."
    counts = movement_counts(movers)
    worse = counts[Movement.WORSE]
    return (f"{worse} {'item' if worse == 1 else 'items'} got worse, {counts[Movement.BETTER]} better, "
            f"{counts[Movement.CHANGED]} changed to or from N/A or Missing, {counts[Movement.NEW]} new: "
            "see the Movers sheet")


def _row(mover: Mover, order: Ordering) -> tuple[object, ...]:
    item = mover.item
    return (MOVEMENT_LABELS[mover.movement], mover.previous_status, item.status, department_of(item),
            order.team_name(item), KIND_LABELS[item.kind], item.ref, item.title, mover.previous_period,
            mover.previous_commentary, item.commentary)


def write_movers(sheet: RowSheet, movers: Sequence[Mover], has_history: bool, order: Ordering,
                 styles: Styles, period: str, footer: str) -> None:
    write_title(sheet, styles, "Movers: what changed since the last report", period,
                "Worse first (Green to Red, then Amber to Red, then Green to Amber), then better, then "
                "changes to or from N/A or Missing, then new items." if movers else "")
    sheet.set_row(HEADER_ROW, 20)
    write_header(sheet, HEADER_ROW, HEADERS, styles)  # before the rows: the master is written row by row
    row = FIRST_ROW
    if not has_history or not movers:
        sheet.write_string(row, 0, NO_HISTORY if not has_history else NOTHING_MOVED, styles.note)
    formats = [styles.center, styles.status, styles.status, *[styles.text] * (len(HEADERS) - 3)]
    for mover in movers:
        values = _row(mover, order)
        sheet.set_row(row, fitted_height(zip(values, WIDTHS, [False] * len(values), strict=True)))
        sheet.write_cells(row, values, formats)
        row += 1
    last = row - 1
    set_columns(sheet, WIDTHS)
    sheet.freeze_panes(FIRST_ROW, 0)
    sheet.autofilter(HEADER_ROW, 0, max(last, HEADER_ROW), len(HEADERS) - 1)
    for col in (1, 2):
        add_status_lights(sheet, styles, FIRST_ROW, last, col)
    add_arrow_colours(sheet, styles, FIRST_ROW, last, 0)
    print_setup(sheet, footer, HEADER_ROW)
