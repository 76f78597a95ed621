"""The master's Summary sheet: the counts a QMR quotes, for the whole scope and per unit of each
organisation level the register breaks down by (department, division, ...), the returns received /
missing / rejected, and the charts a board looks at first."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from xlsxwriter.utility import quote_sheetname, xl_range_abs
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from qmr.judge.return_state import return_states
from qmr.model import Consolidation, Kind, Level, ReportedItem, ReturnState, Status
from qmr.period import Period
from qmr.publish.master.movers import movers_sentence
from qmr.publish.master.styles import (
    STATUS_FILLS,
    Ordering,
    Styles,
    fitted_height,
    natural_key,
    print_setup,
    set_columns,
)

STATUS_ORDER = (Status.GREEN, Status.AMBER, Status.RED, Status.NA, Status.MISSING)
# How a kind is named in a sentence: singular, plural.
KIND_NOUNS = {
    Kind.MILESTONE: ("milestone", "milestones"),
    Kind.INDICATOR: ("PI", "PIs"),
    Kind.RISK: ("risk control measure", "risk control measures"),
    Kind.EQUALITY: ("equality action", "equality actions"),
}
KIND_TABLE_TITLES = {
    Kind.MILESTONE: "Milestones by status",
    Kind.INDICATOR: "Performance indicators by status",
    Kind.RISK: "Risk control measures by status",
    Kind.EQUALITY: "Equality actions by status",
}
RETURN_STATES = (ReturnState.RECEIVED, ReturnState.MISSING, ReturnState.REJECTED)
WIDTH = 7  # columns A:G: a label, then Green, Amber, Red, N/A, Missing, Total
WIDTHS = (34, 11, 11, 11, 11, 11, 11)
# The status charts stand side by side across the landscape page (1045 px inside the margins; A:G is
# 735), so each has the page's height for its bars. Frame: title, legend and value axis.
CHART_WIDTH, CHART_GAP, CHART_FRAME, CHART_BAR = 515, 10, 95, 24  # px
MIN_BAR = 16  # px: below this LibreOffice drops every other department's name (9 pt labels)
ROW_PX, DEFAULT_ROW, HEADING_ROW = 20, 15.0, 18.0  # a default row is 15 pt (20 px); a heading's 12 pt
# What A4 landscape holds inside print_setup's margins and footer (516 pt), less room for LibreOffice's
# own row fitting: page one must hold the headline and both status charts, never half a chart.
PAGE_BODY = 490.0
TREND_CHART = (355, 200)  # two across A:G, placed like the status charts
TREND_CHART_ROWS = 11
NOTHING_DUE = "No team had anything due this period, so there is nothing to chart."


def status_counts(items: Iterable[ReportedItem]) -> dict[Status, int]:
    """Items by status, every status present (zero when none)."""
    counted = Counter(item.status for item in items)
    return {status: counted.get(status, 0) for status in STATUS_ORDER}


def count_sentence(counts: dict[Status, int], kind: Kind) -> str:
    """'43 milestones: 32 green, 0 amber, 11 red', then N/A and missing only when there are some."""
    singular, plural = KIND_NOUNS[kind]
    total = sum(counts.values())
    if total == 0:
        return f"No {plural} due this period"
    parts = [f"{counts[s]} {s.value.lower()}" for s in (Status.GREEN, Status.AMBER, Status.RED)]
    parts += [f"{counts[s]} {s.value if s is Status.NA else s.value.lower()}"
              for s in (Status.NA, Status.MISSING) if counts[s]]
    return f"{total} {singular if total == 1 else plural}: {', '.join(parts)}"


def team_returns(consolidation: Consolidation) -> dict[str, str]:
    """Each team expected to report (it has items due) -> received, missing or rejected.

    Received: an item came from a file, or a file of the team was accepted. Rejected: nothing
    received and every file of the team was turned away. Missing: nothing arrived at all."""
    expected = sorted({item.team for item in consolidation.items})
    states = return_states(expected, consolidation.sources)
    # the Summary's three columns: a file that could not be read was turned away too
    return {team: ReturnState.REJECTED if state is ReturnState.UNREADABLE else state
            for team, state in states.items()}


def breakdown_levels(order: Ordering, teams: Sequence[str]) -> tuple[Level, ...]:
    """The levels the Summary counts by: each level the register uses that splits these teams into
    more than one unit (one unit's counts would only repeat "At a glance"), else the narrowest used."""
    splitting = tuple(level for position, level in enumerate(order.levels)
                      if len({order.path(team)[position] for team in teams}) > 1)
    return splitting or order.levels[-1:]


def all_units(level: Level) -> str:
    """The total row's label: "All departments", "All divisions"."""
    return f"All {level.value}s"


ALL_DEPARTMENTS = all_units(Level.DEPARTMENT)


def returns_by_level(consolidation: Consolidation, order: Ordering, level: Level) -> dict[str, dict[str, int]]:
    per_team = team_returns(consolidation)
    unit = {item.team: level.of(item) for item in consolidation.items}
    result: dict[str, dict[str, int]] = {}
    for team, state in per_team.items():
        counts = result.setdefault(unit[team], dict.fromkeys(RETURN_STATES, 0))
        counts[state] += 1
    return {name: result[name] for name in order.unit_names(level, result)}


def returns_by_department(consolidation: Consolidation, order: Ordering) -> dict[str, dict[str, int]]:
    return returns_by_level(consolidation, order, Level.DEPARTMENT)


def returns_sentence(counts: dict[str, int]) -> str:
    total = sum(counts.values())
    noun = "return" if total == 1 else "returns"
    return (f"{total} {noun} expected: {counts['received']} received, {counts['missing']} missing, "
            f"{counts['rejected']} rejected")


def kinds_present(items: Sequence[ReportedItem]) -> list[Kind]:
    """Milestones and PIs always (a QMR quotes them even when zero); risks and equality when due."""
    present = {item.kind for item in items}
    return [k for k in Kind if k in (Kind.MILESTONE, Kind.INDICATOR) or k in present]


class _Cursor:
    """The next free row of a sheet being written top to bottom, and the points written so far (to
    know what still fits on the first printed page)."""

    def __init__(self, row: int = 0, points: float = 0.0) -> None:
        self.row = row
        self.points = points

    def take(self, rows: int = 1, height: float = DEFAULT_ROW) -> int:
        row = self.row
        self.row += rows
        self.points += rows * height
        return row


def _sentence_row(sheet: Worksheet, cursor: _Cursor, label: str, text: str, styles: Styles) -> None:
    height = fitted_height([(label, WIDTHS[0], True), (text, sum(WIDTHS[1:]), False)])
    row = cursor.take(height=height or DEFAULT_ROW)
    # merge_range writes through auto-detection, so merge blank and write the text explicitly.
    sheet.write_string(row, 0, label, styles.label)
    sheet.merge_range(row, 1, row, WIDTH - 1, "", styles.prose)
    sheet.write_string(row, 1, text, styles.prose)
    sheet.set_row(row, height)


def _heading(sheet: Worksheet, cursor: _Cursor, text: str, styles: Styles) -> int:
    """A section heading ruled across the whole width of the page, at a known height (12 pt type)."""
    row = cursor.take(height=HEADING_ROW)
    sheet.set_row(row, HEADING_ROW)
    for col in range(1, WIDTH):
        sheet.write_blank(row, col, None, styles.heading)
    sheet.write_string(row, 0, text, styles.heading)
    return row


def write_summary(book: Workbook, sheet: Worksheet, consolidation: Consolidation, styles: Styles,
                  order: Ordering, footer: str) -> None:
    items = consolidation.items
    settings = consolidation.plan.settings
    organisation = settings.get("organisation", "")
    set_columns(sheet, WIDTHS)
    sheet.write_string(0, 0, organisation or "Quarterly Monitoring Report", styles.title)
    sheet.set_row(0, 24)
    sheet.write_string(1, 0, f"Quarterly Monitoring Report, {consolidation.period.label}", styles.subtitle)
    sheet.set_row(1, HEADING_ROW)
    if settings.get("plan"):
        sheet.write_string(2, 0, settings["plan"], styles.note)
    print_setup(sheet, footer, None)
    cursor = _Cursor(4, 24 + HEADING_ROW + 2 * DEFAULT_ROW)

    kinds = kinds_present(items)
    levels = breakdown_levels(order, [t.code for t in consolidation.plan.teams])
    grouped = _grouped(items, levels, order)
    returns = {level: returns_by_level(consolidation, order, level) for level in levels}
    _at_a_glance(sheet, cursor, consolidation, kinds, returns[levels[0]], styles)

    cursor.take()
    charted = levels[0]  # the widest breakdown is the picture; narrower ones are in the tables
    by_unit = grouped[charted]
    _heading(sheet, cursor, f"Status by {charted.value}", styles)
    units = list(by_unit)
    chart_kinds = (Kind.MILESTONE, Kind.INDICATOR) if units else ()
    anchor, bar = 0, CHART_BAR
    if units:
        anchor, bar = _place_charts(sheet, cursor, len(units))
    else:  # a chart of no units would draw from an empty (reversed) range: say so instead
        _sentence_row(sheet, cursor, "Nothing due", NOTHING_DUE, styles)
        cursor.take()
    for level in levels:
        _unit_sentences(sheet, cursor, level, kinds, grouped[level], returns[level], styles)

    tables: dict[Kind, int] = {}
    for level in levels:
        for kind in kinds:
            cursor.take()
            title = KIND_TABLE_TITLES[kind] if level is charted else f"{KIND_TABLE_TITLES[kind]}, by {level.value}"
            header = _status_table(sheet, cursor, title, level, grouped[level], kind, styles)
            if level is charted:
                tables[kind] = header
        cursor.take()
        _returns_table(sheet, cursor, level, returns[level], styles)

    for index, kind in enumerate(chart_kinds):
        title = KIND_TABLE_TITLES[kind].replace(" by status", "")
        counts = {n: status_counts(i for i in by_unit[n] if i.kind is kind) for n in units}
        chart = _status_chart(book, sheet.get_name(), tables[kind], counts, title, bar)
        sheet.insert_chart(anchor, 0, chart, {
            "x_offset": index * (CHART_WIDTH + CHART_GAP), "y_offset": 4,
            "description": chart_alt_text(f"{title} by status and {charted.value}", counts)})

    if consolidation.trends:
        cursor.take()
        _trends_table(book, sheet, cursor, consolidation, styles)


def _grouped(items: Sequence[ReportedItem], levels: list[Level], order: Ordering
             ) -> dict[Level, dict[str, list[ReportedItem]]]:
    """The items by unit at each level, units in the register's order whatever order the teams came in."""
    grouped: dict[Level, dict[str, list[ReportedItem]]] = {level: {} for level in levels}
    for item in sorted(items, key=order.item_key):
        for level in levels:
            grouped[level].setdefault(level.of(item), []).append(item)
    for level in levels:
        grouped[level] = {name: grouped[level][name] for name in order.unit_names(level, grouped[level])}
    return grouped


def _at_a_glance(sheet: Worksheet, cursor: _Cursor, consolidation: Consolidation, kinds: list[Kind],
                 returns: dict[str, dict[str, int]], styles: Styles) -> None:
    """One sentence each: the items of each kind by status, the returns, what needs attention, movers."""
    items = consolidation.items
    _heading(sheet, cursor, "At a glance", styles)
    for kind in kinds:
        counts = status_counts(i for i in items if i.kind is kind)
        _sentence_row(sheet, cursor, KIND_NOUNS[kind][1].capitalize() if kind is not Kind.INDICATOR
                      else "Performance indicators", count_sentence(counts, kind), styles)
    total_returns = {state: sum(r[state] for r in returns.values()) for state in RETURN_STATES}
    _sentence_row(sheet, cursor, "Returns", returns_sentence(total_returns), styles)
    attention = sum(1 for i in items if i.status in (Status.RED, Status.AMBER, Status.MISSING))
    _sentence_row(sheet, cursor, "Needing attention",
                  f"{attention} {'item is' if attention == 1 else 'items are'} red, amber or missing: "
                  "see the Exceptions sheet", styles)
    _sentence_row(sheet, cursor, "Since the last report",
                  movers_sentence(consolidation.movers, consolidation.has_history), styles)


def _unit_sentences(sheet: Worksheet, cursor: _Cursor, level: Level, kinds: list[Kind],
                    grouped: dict[str, list[ReportedItem]], returns: dict[str, dict[str, int]],
                    styles: Styles) -> None:
    """"By division": the QMR's sentences for each unit of the level."""
    _heading(sheet, cursor, f"By {level.value}", styles)
    for name, unit_items in grouped.items():
        # milestones and PIs always; risks and equality only where the unit has some
        unit_kinds = [k for k in kinds if k in (Kind.MILESTONE, Kind.INDICATOR) or
                      any(i.kind is k for i in unit_items)]
        parts = [count_sentence(status_counts(i for i in unit_items if i.kind is k), k) for k in unit_kinds]
        if name in returns:
            parts.append(returns_sentence(returns[name]))
        _sentence_row(sheet, cursor, name, "\n".join(parts), styles)


def _status_table(sheet: Worksheet, cursor: _Cursor, title: str, level: Level,
                  grouped: dict[str, list[ReportedItem]], kind: Kind, styles: Styles) -> int:
    """A unit x status table with a total row; returns the header row (charts read from it)."""
    _heading(sheet, cursor, title, styles)
    header = cursor.take()
    for col, name in enumerate([level.value.capitalize(), *(s.value for s in STATUS_ORDER), "Total"]):
        sheet.write_string(header, col, name, styles.header)
    totals = dict.fromkeys(STATUS_ORDER, 0)
    for name, unit_items in grouped.items():
        row = _name_row(sheet, cursor, name)  # a long division name wraps inside its row
        counts = status_counts(i for i in unit_items if i.kind is kind)
        sheet.write_string(row, 0, name, styles.text)
        for col, status in enumerate(STATUS_ORDER, start=1):
            sheet.write_number(row, col, counts[status], styles.count)
            totals[status] += counts[status]
        sheet.write_number(row, len(STATUS_ORDER) + 1, sum(counts.values()), styles.count)
    row = cursor.take()
    sheet.write_string(row, 0, all_units(level), styles.total_label)
    for col, status in enumerate(STATUS_ORDER, start=1):
        sheet.write_number(row, col, totals[status], styles.count_total)
    sheet.write_number(row, len(STATUS_ORDER) + 1, sum(totals.values()), styles.count_total)
    return header


def _name_row(sheet: Worksheet, cursor: _Cursor, name: str) -> int:
    """A table row tall enough for its unit's name wrapped in the label column."""
    height = fitted_height([(name, WIDTHS[0], False)])
    row = cursor.take(height=height or DEFAULT_ROW)
    if height:
        sheet.set_row(row, height)
    return row


def _returns_table(sheet: Worksheet, cursor: _Cursor, level: Level, returns: dict[str, dict[str, int]],
                   styles: Styles) -> None:
    _heading(sheet, cursor, f"Returns by {level.value}", styles)
    header = cursor.take()
    for col, name in enumerate([level.value.capitalize(), "Expected", "Received", "Missing", "Rejected"]):
        sheet.write_string(header, col, name, styles.header)
    totals = dict.fromkeys(RETURN_STATES, 0)
    for name, counts in returns.items():
        row = _name_row(sheet, cursor, name)
        sheet.write_string(row, 0, name, styles.text)
        sheet.write_number(row, 1, sum(counts.values()), styles.count)
        for col, state in enumerate(RETURN_STATES, start=2):
            sheet.write_number(row, col, counts[state], styles.count)
            totals[state] += counts[state]
    row = cursor.take()
    sheet.write_string(row, 0, all_units(level), styles.total_label)
    sheet.write_number(row, 1, sum(totals.values()), styles.count_total)
    for col, state in enumerate(RETURN_STATES, start=2):
        sheet.write_number(row, col, totals[state], styles.count_total)


def chart_height(departments: int, bar: int = CHART_BAR) -> int:
    """Pixels for a bar chart of this many departments: title, legend and axis, then a bar each."""
    return CHART_FRAME + bar * departments


def chart_rows(departments: int, bar: int = CHART_BAR) -> int:
    """Default-height rows (20 px) a chart covers, with a row to spare below it."""
    return -(-chart_height(departments, bar) // ROW_PX) + 1


def chart_bar(departments: int, room: float) -> int | None:
    """The thickest bar (CHART_BAR down to MIN_BAR px) at which a chart of this many departments fits
    in `room` points, or None when even the thinnest does not."""
    for bar in range(CHART_BAR, MIN_BAR - 1, -1):
        if chart_rows(departments, bar) * DEFAULT_ROW <= room:
            return bar
    return None


def _place_charts(sheet: Worksheet, cursor: _Cursor, departments: int) -> tuple[int, int]:
    """The row for the status charts (side by side, above the tables they draw from) and their bar
    thickness. Page one is the headline and the picture, so the bars thin until the charts fit on it,
    and the detail starts a new page; with too many departments for that, the charts start page two
    at full size."""
    bar = chart_bar(departments, PAGE_BODY - cursor.points)
    anchor = cursor.take(chart_rows(departments, bar or CHART_BAR))
    sheet.set_h_pagebreaks([cursor.row] if bar else [anchor, cursor.row])
    return anchor, bar or CHART_BAR


def chart_alt_text(title: str, counts: dict[str, dict[Status, int]]) -> str:
    """What a status chart shows, in numbers, for a screen reader and a PDF's alt text."""
    parts = []
    for name, by_status in counts.items():
        shown = ", ".join(f"{by_status[s]} {s.value}" for s in STATUS_ORDER if by_status[s])
        parts.append(f"{name}: {shown or 'nothing due'}")
    return f"Bar chart, {title}. " + "; ".join(parts) + "."


def _status_chart(book: Workbook, sheet_name: str, header: int, counts: dict[str, dict[Status, int]], title: str,
                  bar: int) -> object:
    """Stacked horizontal bars, one per department named on its axis (long names read across, never
    rotated into the legend), coloured like the traffic lights, the register's first department on top.

    Each series carries the figures its cells hold (`*_data`): the chart's cached values, which a
    constant_memory sheet cannot give back once its rows are written."""
    chart = book.add_chart({"type": "bar", "subtype": "stacked"})
    first, last = header + 1, header + len(counts)
    for col, status in enumerate(STATUS_ORDER, start=1):
        chart.add_series({
            "name": [sheet_name, header, col], "name_data": [status.value],
            "categories": [sheet_name, first, 0, last, 0], "categories_data": list(counts),
            "values": [sheet_name, first, col, last, col],
            "values_data": [by_status[status] for by_status in counts.values()],
            "fill": {"color": STATUS_FILLS[status]},
            # a dark outline, so the near-white N/A segment shows on white paper and in grey
            "border": {"color": "#404040", "width": 0.5},
            "gap": 60,
        })
    chart.set_title({"name": title, "name_font": {"size": 11, "bold": True}})
    # for a bar chart XlsxWriter's y axis is the category axis (drawn vertically), x the values
    # reversed, the register's first department is on top; crossing at the last keeps the value
    # axis at the bottom
    chart.set_y_axis({"reverse": True, "crossing": "max", "num_font": {"size": 9}})
    chart.set_x_axis({"major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}},
                      "num_format": "0", "min": 0, "num_font": {"size": 8}})
    chart.set_legend({"position": "top", "font": {"size": 9}})
    chart.set_size({"width": CHART_WIDTH, "height": chart_height(len(counts), bar)})
    return chart


def _trend_alt_text(ref: str, item: ReportedItem | None, series: Sequence[tuple[Period, float]]) -> str:
    values = ", ".join(f"{period.label} {value:g}{item.unit if item and item.unit == '%' else ''}"
                       for period, value in series)
    return f"Line chart of {ref}{': ' + item.title if item else ''} by quarter: {values}."


def _trends_table(book: Workbook, sheet: Worksheet, cursor: _Cursor, consolidation: Consolidation,
                  styles: Styles) -> None:
    """Key PI values over time: a row per PI with a sparkline (for the screen), then a small line
    chart per PI (for print, where LibreOffice draws sparklines faintly). PIs differ in unit and
    scale, so one chart of them all would flatten most lines; each gets its own axis."""
    _heading(sheet, cursor, "Key PI trends", styles)
    periods = sorted({period for series in consolidation.trends.values() for period, _ in series})
    indicators = {item.ref: item for item in consolidation.items if item.kind is Kind.INDICATOR}
    header = cursor.take()
    names = ["PI", *(p.label for p in periods), "Trend"]
    for col, name in enumerate(names):
        sheet.write_string(header, col, name, styles.header)
    trend_col = len(names) - 1
    if trend_col > WIDTH - 1:
        sheet.set_column(WIDTH, trend_col, 11)
    sheet.set_column(trend_col, trend_col, 18)
    rows: list[tuple[str, int, str, list[float | None]]] = []  # ref, row, label, values (the chart's cache)
    for ref in sorted(consolidation.trends, key=natural_key):
        row = cursor.take()
        sheet.set_row(row, 30)  # room for the sparkline to show a shape
        item = indicators.get(ref)
        # The chart below takes its title from this cell: register text reaches a chart only through a
        # cell written as a string, since XlsxWriter reads a title or series name that looks like
        # `=...`, or `Sheet!A1`, as a reference.
        text = f"{ref}: {item.title}" if item else ref
        sheet.write_string(row, 0, text, styles.text)
        values = dict(consolidation.trends[ref])
        rows.append((ref, row, text, [values.get(period) for period in periods]))
        fmt = styles.for_unit(item.unit if item else "")
        for col, period in enumerate(periods, start=1):
            if period in values:
                sheet.write_number(row, col, values[period], fmt)
        sheet.add_sparkline(row, trend_col, {
            "range": f"{quote_sheetname(sheet.get_name())}!{xl_range_abs(row, 1, row, len(periods))}",
            "markers": True, "last_point": True, "series_color": "#1F3864", "last_color": "#FF0000",
            "weight": 2.25,
        })
    cursor.take()
    name = sheet.get_name()
    for index, (ref, row, text, values_data) in enumerate(rows):
        chart = _trend_chart(book, name, header, row, text, values_data, [p.label for p in periods])
        right = index % 2
        sheet.insert_chart(cursor.row + (index // 2) * TREND_CHART_ROWS, 2 if right else 0, chart,
                           {"x_offset": 55 if right else 0, "y_offset": 0,
                            "description": _trend_alt_text(ref, indicators.get(ref), consolidation.trends[ref])})
    cursor.take(((len(rows) + 1) // 2) * TREND_CHART_ROWS)


def _trend_chart(book: Workbook, name: str, header: int, row: int, text: str, values_data: list[float | None],
                 labels: list[str]) -> object:
    """One PI's line chart, from its row of the trends table (`header` holds the period labels)."""
    chart = book.add_chart({"type": "line"})
    # the PI's label cell, never the text itself (see _trends_table); the text only as the cached value
    # (`*_data`, see _status_chart)
    label = [name, row, 0]
    chart.add_series({
        "name": label, "name_data": [text],
        "categories": [name, header, 1, header, len(labels)], "categories_data": labels,
        "values": [name, row, 1, row, len(labels)], "values_data": values_data,
        "line": {"color": "#1F3864", "width": 2}, "marker": {"type": "circle", "size": 5,
                                                             "fill": {"color": "#1F3864"}},
    })
    chart.set_title({"name": label, "data": [text], "name_font": {"size": 9}})
    chart.set_legend({"none": True})
    chart.set_y_axis({"major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}},
                      "num_font": {"size": 8}})
    chart.set_x_axis({"num_font": {"size": 8}})
    chart.show_blanks_as("span")
    chart.set_size({"width": TREND_CHART[0], "height": TREND_CHART[1]})
    return chart
