"""Section 10's appendices, on landscape pages: milestones by objective, key and other PIs by
category, risk control measures, equality actions (Q2 and Q4), and the explanation of symbols.
Each row is an item of the consolidated table as the master's Data sheet holds it: its ref, its
reported status (symbol and word) and its commentary, never recomputed."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from docx.document import Document

from qmr.model import Kind, ReportedItem, figure
from qmr.period import Period
from qmr.publish.master.styles import ARROWS, Ordering, department_of
from qmr.publish.master.tables import DIRECTIONS, legend_rows
from qmr.publish.report import wording
from qmr.publish.report.blocks import Cell, Column, data_table, heading, paragraph
from qmr.publish.report.sections import APPENDIX_TITLES, Scope, by_kind

Row = Callable[[ReportedItem, Ordering], list[Cell]]


def _objective(item: ReportedItem, order: Ordering) -> str:
    return f"{item.objective_ref} {order.objective_title(item)}".strip()


def _milestone_row(item: ReportedItem, order: Ordering) -> list[Cell]:
    return [item.ref, _objective(item, order), item.title, item.status, item.commentary]


def _pi_row(item: ReportedItem, order: Ordering) -> list[Cell]:
    return [item.ref, item.title, figure(item.previous_actual, item.unit), figure(item.target, item.unit),
            figure(item.actual, item.unit), item.status, _direction(item), item.commentary]


def _direction(item: ReportedItem) -> str:
    """The arrow over the figure it was computed from ("↓ worse", "against 5.6 (2014/15 Q3)"), or
    without an arrow, why not: one cell, so the table keeps the width its commentary needs."""
    if item.direction:
        return f"{ARROWS.get(item.direction, item.direction)}\nagainst {item.compared_with}"
    return item.compared_with


def _risk_row(item: ReportedItem, order: Ordering) -> list[Cell]:
    return [item.ref, order.objective_title(item), item.title, item.status, item.commentary]


def _equality_row(item: ReportedItem, order: Ordering) -> list[Cell]:
    return [item.ref, item.title, item.due, item.status, item.commentary]


MILESTONE_COLUMNS = [Column("Ref", 1.3), Column("Objective", 3.2), Column("Milestone", 4.0),
                     Column("Progress", 1.6), Column("Commentary", 6.0)]
RISK_COLUMNS = [Column("Ref", 1.3), Column("Objective", 3.2), Column("Risk control measures", 4.0),
                Column("Progress", 1.6), Column("Commentary", 6.0)]
EQUALITY_COLUMNS = [Column("Ref", 1.3), Column("Action", 5.0), Column("Target date", 1.5),
                    Column("Progress", 1.6), Column("Commentary", 6.0)]


def pi_columns(period: Period) -> list[Column]:
    last_year = Period(period.year - 1, 4).financial_year
    # the figure columns fit "2007/08" and "Q4 2008/09" unbroken in 10pt bold (shares of 17.5)
    # the register's figure is last year's outturn; the direction compares with the same quarter
    # last year as history holds it, named in the Direction cell
    return [Column("Ref", 1.4), Column("Description", 3.0), Column(f"{last_year} outturn", 1.7),
            Column("Target", 1.7), Column(f"Q{period.quarter} {period.financial_year}", 1.7),
            Column("Progress", 1.6), Column("Direction", 2.2), Column("Commentary", 4.2)]


def _groups(items: Sequence[ReportedItem], order: Ordering, group: Callable[[ReportedItem], str] | None,
            rank: Callable[[ReportedItem], int]) -> list[tuple[str, str, list[ReportedItem]]]:
    """(department, group, items) in the master's order: department, group, team, ref."""
    ordered = sorted(items, key=lambda i: (order.departments[department_of(i)], rank(i), *order.item_key(i)[1:]))
    result: list[tuple[str, str, list[ReportedItem]]] = []
    for item in ordered:
        key = (department_of(item), group(item) if group else "")
        if not result or result[-1][:2] != key:
            result.append((*key, []))
        result[-1][2].append(item)
    return result


def _listing(document: Document, number: int, items: Sequence[ReportedItem], columns: list[Column], row: Row,
             order: Ordering, scope: Scope, text_width: int, empty: str,
             group: Callable[[ReportedItem], str] | None = None,
             rank: Callable[[ReportedItem], int] = lambda i: 0) -> None:
    """One appendix: a table per department (and per group, under its own subheading)."""
    title = f"Appendix {number}: {APPENDIX_TITLES[number - 1]}"
    heading(document, title, 2)
    if not items:
        paragraph(document, empty)
        return
    several = len(scope.departments) > 1
    current = None
    for department, name, members in _groups(items, order, group, rank):
        if several and department != current:
            heading(document, department, 3)
            current = department
        if name:
            heading(document, name, 4 if several else 3)
        caption = " - ".join(part for part in (title, department if several else "", name) if part)
        data_table(document, caption, columns, [row(i, order) for i in members], text_width)


def write_appendices(document: Document, items: Sequence[ReportedItem], period: Period, order: Ordering,
                     scope: Scope, text_width: int) -> None:
    _listing(document, 1, by_kind(items, "milestone"), MILESTONE_COLUMNS, _milestone_row, order, scope,
             text_width, "No milestones are due for report this quarter.",
             rank=lambda i: order.objectives.get(i.objective_ref, 0))
    category = lambda i: i.category or "Other"  # noqa: E731 - the master groups PIs the same way
    for number, key in ((2, "key"), (3, "other")):
        _listing(document, number, by_kind(items, key), pi_columns(period), _pi_row, order, scope, text_width,
                 f"No {wording.NOUNS[key][1]} are due for report this quarter.", group=category,
                 rank=lambda i: order.categories.get(category(i), 0))
    for number, kind, columns, row in ((4, Kind.RISK, RISK_COLUMNS, _risk_row),
                                       (5, Kind.EQUALITY, EQUALITY_COLUMNS, _equality_row)):
        empty = (wording.half_year_only(kind, period) if not period.half_year
                 else f"No {wording.NOUNS[kind][1]} are due for report this quarter.")
        _listing(document, number, by_kind(items, kind.value), columns, row, order, scope, text_width, empty,
                 rank=lambda i: order.objectives.get(i.objective_ref, 0))
    symbols(document, period, text_width)


def symbols(document: Document, period: Period, text_width: int) -> None:
    """Appendix 6: what each symbol means this quarter (the master's Traffic lights wording)."""
    number = wording.SYMBOLS_APPENDIX
    title = f"Appendix {number}: {APPENDIX_TITLES[number - 1]}"
    heading(document, title, 2)
    paragraph(document, "Each status is shown by its symbol, its word and its colour."
              + (" This is the year end: a milestone is either achieved or not." if period.year_end else ""))
    rows: list[list[Cell]] = [[status, *texts] for status, *texts in legend_rows()]
    data_table(document, f"{title} - status", [Column("Symbol", 1.2), Column("Objectives and milestones "
                                                                                  "(Quarters 1 to 3)", 3.0),
                                               Column("Milestones at year end (Quarter 4)", 3.0),
                                               Column("Performance indicators", 3.0)], rows, text_width)
    paragraph(document, "Direction of travel for performance indicators compares this quarter with the same "
                        "quarter last year:")
    data_table(document, f"{title} - direction of travel", [Column("Direction", 1.2), Column("Meaning", 8.0)],
               [[ARROWS.get(word, "(blank)"), meaning] for word, meaning in DIRECTIONS], text_width)
