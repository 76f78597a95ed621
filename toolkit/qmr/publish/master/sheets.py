"""The master's reading sheets: Exceptions, the narrative, and the QMR appendices (Milestones, Key
PIs, Other PIs, Risks, Equality) grouped the way the board report is, with traffic lights."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from xlsxwriter.worksheet import Worksheet

from qmr.model import Kind, NarrativeEntry, ReportedItem, Status
from qmr.publish.master.rows import RowsBeside, RowSheet
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

HEADER_ROW = 3  # rows 0-2 hold the title, the period and a note
FIRST_ROW = HEADER_ROW + 1
EXCEPTION_ORDER = (Status.RED, Status.AMBER, Status.MISSING)
KIND_LABELS = {Kind.MILESTONE: "Milestone", Kind.INDICATOR: "PI", Kind.RISK: "Risk",
               Kind.EQUALITY: "Equality"}


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    value: Callable[[ReportedItem, Ordering], object]
    # text | number (formatted by the PI's unit) | status | arrow
    style: str = "text"


def _status_columns() -> list[Column]:
    return [Column("Status", 12, lambda i, o: i.status, "status")]


def _ref(i: ReportedItem, o: Ordering) -> str:
    return i.ref


def _team(i: ReportedItem, o: Ordering) -> str:
    return o.team_name(i)


def _commentary(i: ReportedItem, o: Ordering) -> str:
    return i.commentary


MILESTONE_COLUMNS = [
    Column("Ref", 9, _ref), Column("Milestone", 44, lambda i, o: i.title), Column("Team", 18, _team),
    Column("Due", 10, lambda i, o: i.due), *_status_columns(), Column("Commentary", 62, _commentary),
]
PI_COLUMNS = [
    Column("Ref", 10, _ref), Column("Indicator", 31, lambda i, o: i.title), Column("Team", 16, _team),
    # the register's figure for last year as a whole; the arrow compares with "Compared with"
    Column("Last year's outturn", 10, lambda i, o: i.previous_actual, "number"),
    Column("Target", 12, lambda i, o: i.target, "number"),
    Column("Actual", 9, lambda i, o: i.actual, "number"), *_status_columns(),
    Column("Direction", 10, lambda i, o: ARROWS.get(i.direction, i.direction), "arrow"),
    Column("Compared with", 16, lambda i, o: i.compared_with),
    Column("Commentary", 44, _commentary),
]
RISK_COLUMNS = [
    Column("Objective", 10, lambda i, o: i.objective_ref),
    Column("Risk control measures", 50, lambda i, o: i.title),
    Column("Team", 18, _team), *_status_columns(), Column("Commentary", 62, _commentary),
]
EQUALITY_COLUMNS = [
    Column("Ref", 8, _ref), Column("Action", 46, lambda i, o: i.title), Column("Team", 18, _team),
    Column("Target date", 11, lambda i, o: i.due), *_status_columns(), Column("Commentary", 60, _commentary),
]
EXCEPTION_COLUMNS = [
    *_status_columns(), Column("Department", 18, lambda i, o: department_of(i)), Column("Team", 18, _team),
    Column("Kind", 9, lambda i, o: KIND_LABELS[i.kind]), Column("Ref", 10, _ref),
    Column("Title", 36, lambda i, o: i.title), Column("Commentary", 54, _commentary),
]


@dataclass(frozen=True)
class Appendix:
    sheet: str
    title: str
    columns: list[Column]
    # the group heading under the department: objective, PI category, or none
    group: Callable[[ReportedItem, Ordering], tuple[object, str]] | None
    empty: str


def _by_objective(item: ReportedItem, order: Ordering) -> tuple[object, str]:
    title = order.objective_title(item)
    return order.objectives.get(item.objective_ref, 0), f"{item.objective_ref}  {title}".strip()


def _by_category(item: ReportedItem, order: Ordering) -> tuple[object, str]:
    category = item.category or "Other"
    return order.categories.get(category, 0), category


# when the register flags no PI as key, "none due this period" would mislead: nothing is ever due
NO_KEY_PIS = ("No PI is flagged key in the register (Indicators sheet, Key column), so this appendix is empty; "
              "every PI is in Other PIs.")

APPENDICES = {
    "Milestones": Appendix("Milestones", "Appendix: Progress against milestones", MILESTONE_COLUMNS,
                           _by_objective, "No milestones are due this period."),
    "Key PIs": Appendix("Key PIs", "Appendix: Progress against key performance indicators", PI_COLUMNS,
                        _by_category, "No key performance indicators are due this period."),
    "Other PIs": Appendix("Other PIs", "Appendix: Progress against other performance indicators", PI_COLUMNS,
                          _by_category, "No other performance indicators are due this period."),
    "Risks": Appendix("Risks", "Appendix: Risk control measures", RISK_COLUMNS, _by_objective,
                      "No risk control measures are due this period."),
    "Equality": Appendix("Equality", "Appendix: High-priority equality actions", EQUALITY_COLUMNS, None,
                         "No equality actions are due this period."),
}


def _write_item_row(sheet: RowSheet, row: int, item: ReportedItem, columns: Sequence[Column],
                    order: Ordering, styles: Styles, options: dict[str, int] | None = None) -> None:
    """One item across the columns, in a row as tall as its wrapped text needs (at outline level
    `options`)."""
    values: list[object] = []
    formats: list[object] = []
    texts = []  # each text column's value, computed once: for the cell and for the row's height
    for column in columns:
        style = column.style  # the commonest first: a text column
        if style == "text":
            value = column.value(item, order)
            formats.append(styles.text)
            texts.append((value, column.width, False))
        elif style == "status":
            value = item.status.value
            formats.append(styles.status)
        elif style == "number":
            value = column.value(item, order)
            formats.append(styles.for_unit(item.unit) if _is_number(value) else styles.text)
        else:
            value = column.value(item, order)
            formats.append(styles.center if style == "arrow" else styles.text)
        values.append(value)
    sheet.set_row(row, fitted_height(texts), None, options)
    sheet.write_cells(row, values, formats)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _start_table(sheet: Worksheet, styles: Styles, columns: Sequence[Column]) -> None:
    """The header row, written before the rows below it (the master is written row by row)."""
    # a header that wraps in its column ("Last year's outturn") gets the height of its lines
    wrapped = fitted_height((c.header, c.width, True) for c in columns) or 0
    sheet.set_row(HEADER_ROW, max(20, wrapped))
    write_header(sheet, HEADER_ROW, [c.header for c in columns], styles)


def _finish_table(sheet: Worksheet, styles: Styles, columns: Sequence[Column], last_row: int,
                  footer: str) -> None:
    """Frozen header, autofilter, conditional traffic lights, print set-up: common to every list."""
    set_columns(sheet, [c.width for c in columns])
    sheet.freeze_panes(FIRST_ROW, 0)
    sheet.autofilter(HEADER_ROW, 0, max(last_row, HEADER_ROW), len(columns) - 1)
    styles_by_col = {c.style: n for n, c in enumerate(columns)}
    if "status" in styles_by_col:
        add_status_lights(sheet, styles, FIRST_ROW, last_row, styles_by_col["status"])
    if "arrow" in styles_by_col:
        add_arrow_colours(sheet, styles, FIRST_ROW, last_row, styles_by_col["arrow"])
    print_setup(sheet, footer, HEADER_ROW)


def _blank_row(sheet: Worksheet, row: int, width: int, fmt: object) -> None:
    for col in range(width):
        sheet.write_blank(row, col, None, fmt)


def _unit_headings(sheet: Worksheet, row: int, path: tuple[str, ...], shown: list[str], width: int,
                   styles: Styles, *, outline: bool = True) -> int:
    """A heading row for each organisation level (directorate, department, division) whose unit
    changes at this item (with `outline`, at outline level = its depth); `shown` holds the units
    headed so far and is updated. Returns the next free row."""
    for depth, unit in enumerate(path):
        if depth < len(shown) and shown[depth] == unit:  # the wider units matched too, or were rewritten
            continue
        _blank_row(sheet, row, width, styles.department)
        sheet.write_string(row, 0, unit, styles.department)
        if depth and outline:
            sheet.set_row(row, None, None, {"level": depth})
        del shown[depth:]
        shown.append(unit)
        row += 1
    return row


def write_appendix(sheet: RowSheet, appendix: Appendix, items: Sequence[ReportedItem], order: Ordering,
                   styles: Styles, period: str, footer: str, body: RowsBeside[int] | None = None) -> None:
    """Heading rows for each organisation level the register uses (directorate, department,
    division), then objective / category heading rows, then the items; the outline levels let a
    reader fold a unit away. The rows under the header are `body`'s, when another process laid
    them out (appendix_body, the same rows)."""
    write_title(sheet, styles, appendix.title, period, _counts_note(items))
    columns = appendix.columns
    _start_table(sheet, styles, columns)
    row = body.splice_into(sheet) if body is not None else appendix_body(appendix, items, order, styles, sheet)
    _finish_table(sheet, styles, columns, row - 1, footer)


def appendix_body(appendix: Appendix, items: Sequence[ReportedItem], order: Ordering, styles: Styles,
                  sheet: RowSheet) -> int:
    """The appendix's rows under its header; the next free row."""
    columns = appendix.columns
    row = FIRST_ROW
    if not items:
        sheet.write_string(row, 0, appendix.empty, styles.note)
    shown: list[str] = []
    current_group: str | None = None
    depth = len(order.levels)
    group_level = {"level": depth}
    item_level = {"level": depth + 1 if appendix.group else depth}

    def sort_key(item: ReportedItem) -> tuple[object, ...]:
        key = order.item_key(item)  # the units' keys first, then team and ref
        group = appendix.group(item, order)[0] if appendix.group else 0
        return (*key[:depth], group, *key[depth:])

    for item in sorted(items, key=sort_key):
        before = list(shown)
        row = _unit_headings(sheet, row, order.path(item), shown, len(columns), styles)
        if shown != before:
            current_group = None
        if appendix.group is not None:
            group = appendix.group(item, order)[1]
            if group != current_group:
                _blank_row(sheet, row, len(columns), styles.group)
                sheet.write_string(row, 0, group, styles.group)
                sheet.set_row(row, None, None, group_level)
                current_group = group
                row += 1
        _write_item_row(sheet, row, item, columns, order, styles, item_level)
        row += 1
    return row


def _counts_note(items: Sequence[ReportedItem]) -> str:
    counts = {s: sum(1 for i in items if i.status is s) for s in Status}
    shown = ", ".join(f"{n} {s.value if s is Status.NA else s.value.lower()}" for s, n in counts.items() if n)
    return f"{len(items)} items: {shown}" if items else ""


def exception_items(items: Sequence[ReportedItem], order: Ordering) -> list[ReportedItem]:
    """Red, then Amber, then Missing; within each, department, team and ref in the register's order."""
    chosen = [i for i in items if i.status in EXCEPTION_ORDER]
    return sorted(chosen, key=lambda i: (EXCEPTION_ORDER.index(i.status), *order.item_key(i)))


def write_exceptions(sheet: RowSheet, items: Sequence[ReportedItem], order: Ordering, styles: Styles,
                     period: str, footer: str) -> None:
    chosen = exception_items(items, order)
    write_title(sheet, styles, "Exceptions: red, amber and missing items", period,
                "Red first, then amber, then items with no usable return." if chosen else "")
    _start_table(sheet, styles, EXCEPTION_COLUMNS)
    row = FIRST_ROW
    if not chosen:
        sheet.write_string(row, 0, "No item is red, amber or missing this period.", styles.note)
    for item in chosen:
        _write_item_row(sheet, row, item, EXCEPTION_COLUMNS, order, styles)
        row += 1
    _finish_table(sheet, styles, EXCEPTION_COLUMNS, row - 1, footer)


NARRATIVE_COLUMNS = ("Team", "Title", "Details")
NARRATIVE_WIDTHS = (22, 36, 90)


def write_narrative(sheet: Worksheet, title: str, entries: Sequence[NarrativeEntry], order: Ordering,
                    styles: Styles, period: str, footer: str, empty: str) -> None:
    """The teams' own words, under headings for each organisation level the register uses, in the
    register's team order."""
    write_title(sheet, styles, title, period)
    write_header(sheet, HEADER_ROW, NARRATIVE_COLUMNS, styles)
    indexed = sorted(enumerate(entries), key=lambda pair: (
        order.path_key(pair[1].team), order.teams.get(pair[1].team, len(order.teams)), pair[0]))
    row = FIRST_ROW
    if not entries:
        sheet.write_string(row, 0, empty, styles.note)
    shown: list[str] = []
    for _, entry in indexed:
        row = _unit_headings(sheet, row, order.path(entry.team), shown, len(NARRATIVE_COLUMNS), styles,
                             outline=False)
        sheet.write_string(row, 0, order.team_name(entry.team), styles.text)
        sheet.write_string(row, 1, entry.title, styles.bold)
        sheet.write_string(row, 2, entry.text, styles.text)
        sheet.set_row(row, fitted_height(zip((order.team_name(entry.team), entry.title, entry.text),
                                             NARRATIVE_WIDTHS, (False, True, False), strict=True)))
        row += 1
    set_columns(sheet, NARRATIVE_WIDTHS)
    sheet.freeze_panes(FIRST_ROW, 0)
    sheet.autofilter(HEADER_ROW, 0, max(row - 1, HEADER_ROW), len(NARRATIVE_COLUMNS) - 1)
    print_setup(sheet, footer, HEADER_ROW)
