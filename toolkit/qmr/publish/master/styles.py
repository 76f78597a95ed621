"""What every sheet of the master quarterly workbook shares: the cell styles, the traffic-light
colours and conditional formats, typed cell writing, print set-up, and the board's ordering of
departments, teams, objectives and refs."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from enum import Enum

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from qmr import statuses as colours
from qmr.model import NO_DEPARTMENT, Level, Plan, ReportedItem, levels_used
from qmr.statuses import SEVERITY_COLOURS

# XlsxWriter writes colours as #RRGGBB; the palette itself is colours.py, shared with the templates.
STATUS_FILLS = {status: f"#{colour}" for status, colour in colours.STATUS_FILLS.items()}
STATUS_FONTS = {status: f"#{colour}" for status, colour in colours.STATUS_FONTS.items()}
ARROWS = {"better": "↑ better", "same": "→ same", "worse": "↓ worse"}

HEADER_FILL = "#1F3864"
DEPARTMENT_FILL = "#D9E1F2"
GROUP_FILL = "#F2F2F2"


class Styles:
    """The workbook's formats, made once (XlsxWriter formats belong to one workbook)."""

    def __init__(self, book: Workbook) -> None:
        base = {"font_name": "Arial", "font_size": 10, "valign": "top"}
        self.title = book.add_format({**base, "bold": True, "font_size": 16, "font_color": HEADER_FILL})
        self.subtitle = book.add_format({**base, "font_size": 12, "bold": True})
        self.note = book.add_format({**base, "italic": True, "font_color": "#595959"})
        self.heading = book.add_format({**base, "bold": True, "font_size": 12, "font_color": HEADER_FILL,
                                        "bottom": 1, "bottom_color": HEADER_FILL})
        self.header = book.add_format({**base, "bold": True, "font_color": "#FFFFFF", "bg_color": HEADER_FILL,
                                       "text_wrap": True, "border": 1, "border_color": "#808080"})
        self.department = book.add_format({**base, "bold": True, "font_size": 11, "bg_color": DEPARTMENT_FILL,
                                           "top": 1, "top_color": "#808080"})
        self.group = book.add_format({**base, "bold": True, "italic": True, "bg_color": GROUP_FILL})
        # List cells carry a light rule instead of printed gridlines, which would also box the titles.
        ruled = {**base, "border": 1, "border_color": "#D9D9D9"}
        self.text = book.add_format({**ruled, "text_wrap": True})
        self.bold = book.add_format({**ruled, "bold": True, "text_wrap": True})
        self.center = book.add_format({**ruled, "align": "center"})
        self.status = book.add_format({**ruled, "align": "center", "bold": True})
        self.number = book.add_format({**ruled, "num_format": "General", "align": "right"})
        self.count = book.add_format({**ruled, "num_format": "0", "align": "center"})
        self.count_total = book.add_format({**base, "num_format": "0", "align": "center", "bold": True,
                                            "top": 1, "bottom": 1})
        self.total_label = book.add_format({**base, "bold": True, "top": 1, "bottom": 1})
        self.percent = book.add_format({**ruled, "num_format": '0.0"%"', "align": "right"})
        self.pounds = book.add_format({**ruled, "num_format": '"£"#,##0', "align": "right"})
        self.prose = book.add_format({**base, "text_wrap": True})
        self.label = book.add_format({**base, "bold": True, "text_wrap": True})
        self.plain = book.add_format({**base})  # the Data sheet: one line per row, for filtering
        # The conditional formats (dxf) that colour a status cell by its text and show its symbol
        # before the word (a number format: the cell's value stays the word, for filters and the Data
        # contract).
        self.status_dxf = {
            status: book.add_format({"bg_color": fill, "font_color": STATUS_FONTS[status],
                                     "num_format": colours.symbol_format(status)})
            for status, fill in STATUS_FILLS.items()
        }
        # The findings report's colours, so a finding looks the same in the report, the feedback copy
        # and the master's Validation sheet.
        self.severity_dxf = {
            severity.value: book.add_format({"bg_color": bg, "font_color": fg, "bold": True})
            for severity, (bg, fg) in SEVERITY_COLOURS.items()
        }
        self.better_dxf = book.add_format({"font_color": "#007A33", "bold": True})
        self.worse_dxf = book.add_format({"font_color": "#C00000", "bold": True})
        # Plain fills for the legend on the Traffic lights sheet.
        self.status_fill = {
            status: book.add_format({**base, "bold": True, "align": "center", "bg_color": fill,
                                     "font_color": STATUS_FONTS[status], "border": 1})
            for status, fill in STATUS_FILLS.items()
        }

        self._by_unit = {"%": self.percent, "£": self.pounds}
        # Every cell format's style number fixed now, in the order made, rather than on first use: the
        # rows a child process lays out (rows.RowsBeside) then carry this workbook's numbers, and the
        # master is the same bytes whoever wrote which sheet. (The *_dxf ones colour conditional
        # formats: they are numbered apart, when the book is closed.)
        for name, value in list(vars(self).items()):
            if not name.endswith("_dxf"):
                for fmt in value.values() if isinstance(value, dict) else (value,):
                    if isinstance(fmt, Format):
                        fmt._get_xf_index()

    def for_unit(self, unit: str) -> object:
        """The number format a PI's values are shown in (a % PI holds 75 for 75%)."""
        return self._by_unit.get(unit, self.number)


def write_value(sheet: Worksheet, row: int, col: int, value: object, fmt: object = None) -> None:
    """Write a value by its Python type, never through XlsxWriter's auto-detection, so text from a
    return ('=1+1', '=HYPERLINK(...)', '0012', 'http://...') always arrives as text. The common
    types (text, a finite number, nothing) are told apart by their exact type first: the master
    has hundreds of thousands of cells."""
    kind = type(value)
    if kind is str:
        if value:
            sheet.write_string(row, col, value, fmt)
        else:
            sheet.write_blank(row, col, None, fmt)
        return
    if value is None:
        sheet.write_blank(row, col, None, fmt)
        return
    if (kind is float or kind is int) and math.isfinite(value):
        sheet.write_number(row, col, value, fmt)
        return
    if isinstance(value, Enum):
        value = value.value
    if value is None or value == "":
        sheet.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value, fmt)
    elif isinstance(value, (int, float)) and math.isfinite(value):
        sheet.write_number(row, col, value, fmt)
    else:
        sheet.write_string(row, col, str(value), fmt)


def set_columns(sheet: Worksheet, widths: Sequence[float], fmt: object = None) -> None:
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width, fmt)


def write_header(sheet: Worksheet, row: int, headers: Sequence[str], styles: Styles) -> None:
    for col, name in enumerate(headers):
        sheet.write_string(row, col, name, styles.header)


def write_title(sheet: Worksheet, styles: Styles, title: str, subtitle: str, note: str = "") -> None:
    sheet.set_row(0, 24)
    sheet.write_string(0, 0, title, styles.title)
    sheet.write_string(1, 0, subtitle, styles.subtitle)
    if note:
        sheet.write_string(2, 0, note, styles.note)


def print_setup(sheet: Worksheet, footer_left: str, header_row: int | None, fit_width: bool = True) -> None:
    """Landscape A4, one page wide, header row repeated, page numbers; each sheet prints on its own."""
    sheet.set_landscape()
    sheet.set_paper(9)
    if fit_width:
        sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    if header_row is not None:
        sheet.repeat_rows(header_row)
    # '&' is a control character in header/footer codes.
    safe = footer_left.replace("&", "&&")
    sheet.set_footer(f"&L&8{safe}&C&8&A&R&8Page &P of &N")
    # Lists keep gridlines on screen (for working in them) but never print them.
    sheet.hide_gridlines(1 if header_row is not None else 2)


def add_status_lights(sheet: Worksheet, styles: Styles, first_row: int, last_row: int,
                      status_col: int) -> None:
    """Traffic lights as conditional formats, so they follow the rows through sorting and filtering:
    the status cell coloured by its text and shown with its symbol ("✖ Red")."""
    if last_row < first_row:
        return
    for status, dxf in styles.status_dxf.items():
        sheet.conditional_format(first_row, status_col, last_row, status_col, {
            "type": "cell", "criteria": "==", "value": f'"{status.value}"', "format": dxf,
        })


def add_arrow_colours(sheet: Worksheet, styles: Styles, first_row: int, last_row: int, col: int) -> None:
    if last_row < first_row:
        return
    for word, dxf in (("better", styles.better_dxf), ("worse", styles.worse_dxf)):
        sheet.conditional_format(first_row, col, last_row, col, {
            "type": "text", "criteria": "containing", "value": word, "format": dxf,
        })


LINE_HEIGHT = 12.75  # points per line of 10pt Arial
# Characters of mixed-case text per column width unit (a Calibri-11 '0', 7px): 10pt Arial averages
# about 5px a character (measured on LibreOffice's PDF: 75 characters fill a width-54 column);
# 11pt Calibri, the workbook default openpyxl writes in, about 6px. Bold takes about 12% more.
ARIAL_10_PER_UNIT, CALIBRI_11_PER_UNIT, BOLD_WIDER = 1.25, 1.1, 0.88


# a path breaks after each slash as well as at spaces (LibreOffice wraps it there)
_BREAKS = re.compile(r"(?<=[/\\]) *| ")


def _fits(text: str, capacity: int) -> bool:
    """A line of text this short never wraps: the wrap counts each break after a slash as a character."""
    return len(text) + text.count("/") + text.count("\\") <= capacity


def wrapped_lines(text: str, width: float, bold: bool = False, per_unit: float = ARIAL_10_PER_UNIT) -> int:
    """How many lines a wrapped cell of this column width needs, by greedy word wrap, for text of
    `per_unit` characters per width unit. Generous rather than short: a row too short for its text
    runs into the next one in print."""
    return _lines(text, max(1, int(width * per_unit * (BOLD_WIDER if bold else 1))))


def _lines(text: str, capacity: int) -> int:
    if "\n" not in text and _fits(text, capacity):  # most cells: one line, without splitting them
        return 1
    return sum(_paragraph_lines(paragraph, capacity) for paragraph in text.split("\n"))


def _paragraph_lines(paragraph: str, capacity: int) -> int:
    if _fits(paragraph, capacity):
        return 1
    if "/" in paragraph or "\\" in paragraph or "  " in paragraph or paragraph[0] == " " or paragraph[-1] == " ":
        return _word_by_word(paragraph, capacity)
    # Words apart by one space each (most commentary): a line ends at the last space within reach,
    # found in one search, instead of adding up the words one by one.
    count, start, end = 1, 0, len(paragraph)
    while end - start > capacity:
        space = paragraph.rfind(" ", start, start + capacity + 1)
        if space > start:
            count, start = count + 1, space + 1
            continue
        # a word longer than the line breaks anywhere, a line at a time; its rest starts the next line
        word = paragraph.find(" ", start)
        extra = ((end if word < 0 else word) - start - 1) // capacity
        count, start = count + extra, start + extra * capacity
    return count


def _word_by_word(paragraph: str, capacity: int) -> int:
    """The greedy wrap of a paragraph, word by word: each break after a slash, or a space, counts
    as one character."""
    count, used = 1, 0
    for size in map(len, _BREAKS.split(paragraph)):
        if used and used + 1 + size <= capacity:
            used += 1 + size
        elif used:
            count, used = count + 1, size
        else:
            used = size
        if used > capacity:  # a word longer than the line breaks anywhere, a line at a time
            extra = (used - 1) // capacity
            count, used = count + extra, used - extra * capacity
    return count


def fitted_height(cells: Iterable[tuple[object, float, bool]]) -> float | None:
    """The row height wrapped text needs, or None for one line (the default height).

    Set explicitly because LibreOffice does not re-fit row heights when it opens an xlsx, and a
    cut-off commentary is worse than a slightly generous row in Excel."""
    lines = 1
    for text, width, bold in cells:  # wrapped_lines of each text, without a call for the short ones
        if isinstance(text, str):
            capacity = max(1, int(width * ARIAL_10_PER_UNIT * (BOLD_WIDER if bold else 1)))
            if len(text) > capacity // 2 or "\n" in text:  # at most half a line fits whatever it holds
                lines = max(lines, _lines(text, capacity))
    return None if lines <= 1 else LINE_HEIGHT * lines + 3


def natural_key(text: str) -> tuple[object, ...]:
    """'BPR1.2' before 'BPR1.10': digits compare as numbers (split alternates text, number)."""
    return tuple(int(part) if part.isdigit() else part for part in _DIGITS.split(text.lower()))


_DIGITS = re.compile(r"(\d+)")  # compiled once: every item's key splits its ref


def department_of(item: ReportedItem) -> str:
    return item.department or NO_DEPARTMENT


def ranked(known: Iterable[str], found: Iterable[str]) -> dict[str, int]:
    """Positions for names: the register's order first, then names the register lacks, sorted."""
    order: dict[str, int] = {}
    for name in known:
        order.setdefault(name, len(order))
    for name in sorted(set(found) - set(order), key=natural_key):
        order[name] = len(order)
    return order


class Ordering:
    """The board's reading order, taken from the register (its directorates, departments, divisions
    and teams as the plan lists them), so the master reads like the plan and never depends on dict
    or set order. `levels` are the organisation levels the register uses, widest first: the
    appendices and the narrative group by each of them and skip the others."""

    def __init__(self, plan: Plan, items: Sequence[ReportedItem]) -> None:
        # a register naming no level at all still gets one group, "Teams outside a department", as before
        self.levels: tuple[Level, ...] = levels_used(plan.teams) or (Level.DEPARTMENT,)
        self.units = {level: ranked(map(level.of, plan.teams), map(level.of, items)) for level in Level}
        self.departments = self.units[Level.DEPARTMENT]
        self.teams = ranked((t.code for t in plan.teams), (i.team for i in items))
        self.objectives = ranked((o.ref for o in plan.objectives), (i.objective_ref for i in items))
        self.categories = ranked((ind.category or "Other" for ind in plan.indicators),
                                 (i.category or "Other" for i in items))
        self._titles = {o.ref: o.title for o in plan.objectives}
        self._team_names = {t.code: t.name for t in plan.teams}
        self._teams = {t.code: t for t in plan.teams}
        # each item's key, computed once: every sheet sorts by it. The item is kept beside its key, so
        # the id stays that item's while the entry exists.
        self._keys: dict[int, tuple[ReportedItem, tuple[object, ...]]] = {}
        self._ranks = tuple(self.units[level] for level in self.levels)

    def path(self, item_or_code: ReportedItem | str) -> tuple[str, ...]:
        """The units an item (or a team) sits in at each level used, widest first."""
        unit = self._teams.get(item_or_code) if isinstance(item_or_code, str) else item_or_code
        if unit is None:
            return tuple(level.none_label for level in self.levels)
        return tuple(level.of(unit) for level in self.levels)

    def path_key(self, item_or_code: ReportedItem | str) -> tuple[int, ...]:
        return tuple(ranks.get(name, len(ranks))
                     for ranks, name in zip(self._ranks, self.path(item_or_code), strict=True))

    def item_key(self, item: ReportedItem) -> tuple[object, ...]:
        """Units in the register's order at each level used, then team, then ref ('1.2' before '1.10')."""
        known = self._keys.get(id(item))
        if known is not None and known[0] is item:
            return known[1]
        key = (*self.path_key(item), self.teams[item.team], natural_key(item.ref))
        self._keys[id(item)] = (item, key)
        return key

    def unit_names(self, level: Level, names: Iterable[str]) -> list[str]:
        ranks = self.units[level]
        return sorted(set(names), key=lambda name: ranks.get(name, len(ranks)))

    def department_names(self, names: Iterable[str]) -> list[str]:
        return self.unit_names(Level.DEPARTMENT, names)

    def objective_title(self, item: ReportedItem) -> str:
        return item.objective_title or self._titles.get(item.objective_ref, "")

    def team_name(self, item_or_code: ReportedItem | str) -> str:
        if isinstance(item_or_code, ReportedItem):
            return item_or_code.team_name or self._team_names.get(item_or_code.team, item_or_code.team)
        return self._team_names.get(item_or_code, item_or_code)

    def team_department(self, code: str) -> str:
        team = self._teams.get(code)
        return Level.DEPARTMENT.of(team) if team else NO_DEPARTMENT
