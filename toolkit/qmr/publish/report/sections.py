"""The QMR's body, sections 1 to 10, in the order a board reads them: the heading block, the
introduction, the teams' narrative, the counts (with a picture when there are several departments),
risks and equality actions at the half year and year end, data quality, and the list of appendices.

Every count is the master Summary's own (status_counts); the words come from wording.py."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from docx.document import Document
from docx.shared import Mm

from qmr.model import NO_DEPARTMENT, Consolidation, Kind, NarrativeEntry, ReportedItem, Status
from qmr.period import Period
from qmr.publish.master.styles import Ordering, department_of
from qmr.publish.master.summary import (
    KIND_NOUNS,
    RETURN_STATES,
    count_sentence,
    returns_by_department,
    returns_sentence,
    status_counts,
)
from qmr.publish.report import wording
from qmr.publish.report.blocks import Column, data_table, heading, labelled, paragraph
from qmr.publish.report.chart import Bar, status_chart
from qmr.publish.report.docx_xml import set_alt_text
from qmr.publish.report.look import STATUS_ORDER, status_text

APPENDIX_TITLES = (
    "Progress against objectives / milestones",
    "Progress against key performance indicators",
    "Progress against other performance indicators",
    "Progress against risk control measures",
    "Progress against high priority equality actions",
    "Explanation of symbols",
)
assert len(APPENDIX_TITLES) == wording.SYMBOLS_APPENDIX  # the introduction quotes the last one's number

SECTION_TITLES = (
    "Introduction", "Key developments", "Emerging issues", "Progress against objectives / milestones",
    "Key performance indicators", "Other performance indicators", "Risk control measures",
    "High priority equality actions", "Data quality", "Appendices",
)
CHART_WIDTH = Mm(160)


@dataclass(frozen=True)
class Scope:
    """Who the report is about: its organisation, directorates and departments, in register order."""

    organisation: str
    plan: str
    directorates: tuple[str, ...]
    departments: tuple[str, ...]

    @property
    def name(self) -> str:
        """How the introduction names what it covers."""
        if len(self.departments) == 1 and self.departments[0] != NO_DEPARTMENT:
            return _named(self.departments[0], "department")
        if len(self.directorates) == 1:
            return _named(self.directorates[0], "directorate")
        return self.organisation or "the council"


def _named(name: str, level: str) -> str:
    """'the Finance department', 'the Children & Enterprise Directorate' (not '... Directorate directorate')."""
    return f"the {name}" if level in name.lower() else f"the {name} {level}"


def scope_of(consolidation: Consolidation, order: Ordering) -> Scope:
    teams = consolidation.plan.teams
    settings = consolidation.plan.settings
    directorates = tuple(dict.fromkeys(t.directorate for t in teams if t.directorate))
    departments = order.department_names(department_of(item) for item in consolidation.items)
    return Scope(settings.get("organisation", ""), settings.get("plan", ""), directorates, tuple(departments))


def section_title(number: int) -> str:
    return f"{number} {SECTION_TITLES[number - 1]}"


def heading_block(document: Document, scope: Scope, period: Period) -> None:
    document.add_heading("Quarterly Monitoring Report", 0)
    if scope.organisation:
        labelled(document, "Council", scope.organisation)
    if scope.directorates:
        labelled(document, "Directorate" if len(scope.directorates) == 1 else "Directorates",
                 ", ".join(scope.directorates))
    if scope.departments:
        labelled(document, "Service" if len(scope.departments) == 1 else "Services", ", ".join(scope.departments))
    if scope.plan:
        labelled(document, "Plan", scope.plan)
    labelled(document, "Period", wording.period_line(period))


def narrative(document: Document, number: int, entries: Sequence[NarrativeEntry], order: Ordering,
              several: bool) -> None:
    """Section 2 or 3: each entry a numbered subheading (2.1, 2.2 ...) and the team's own words."""
    heading(document, section_title(number), 1)
    if not entries:
        paragraph(document, f"No {SECTION_TITLES[number - 1].lower()} were reported this quarter.")
        return
    indexed = sorted(enumerate(entries), key=lambda pair: (
        order.departments.get(order.team_department(pair[1].team), len(order.departments)),
        order.teams.get(pair[1].team, len(order.teams)), pair[0]))
    for sub, (_, entry) in enumerate(indexed, start=1):
        heading(document, f"{number}.{sub} {entry.title or 'Untitled'}", 2)
        for text in (entry.text or "").split("\n"):
            if text.strip():
                paragraph(document, text)
        team = order.team_name(entry.team)
        department = order.team_department(entry.team)
        shown = f"{team}, {department}" if several and department != team else team
        paragraph(document, f"Reported by {shown}.", italic=True)


def counts_table(document: Document, caption: str, counts: dict[Status, int], text_width: int) -> None:
    """The one-row table of counts: the total, then one column per status, headed by symbol and word."""
    columns = [Column("Total", 1), *(Column(status_text(s), 1) for s in STATUS_ORDER)]
    data_table(document, caption, columns, [[str(sum(counts.values())), *(str(counts[s]) for s in STATUS_ORDER)]],
               text_width)


def _sentence(document: Document, text: str) -> None:
    """The counts in words, before their table and kept on its page (with the sentence after the
    table, keep-with-next on the table's cells did not hold in LibreOffice's PDF)."""
    paragraph(document, text).paragraph_format.keep_with_next = True


def by_kind(items: Sequence[ReportedItem], key: str) -> list[ReportedItem]:
    """The items a section or appendix counts: milestones, key PIs, other PIs, risks, equality."""
    if key == "milestone":
        return [i for i in items if i.kind is Kind.MILESTONE]
    if key in ("key", "other"):
        return [i for i in items if i.kind is Kind.INDICATOR and i.key == (key == "key")]
    return [i for i in items if i.kind is Kind(key)]


def milestones_section(document: Document, consolidation: Consolidation, scope: Scope, period: Period,
                       text_width: int) -> None:
    heading(document, section_title(4), 1)
    items = by_kind(consolidation.items, "milestone")
    counts = status_counts(items)
    _sentence(document, wording.progress_sentence(counts, "milestone", period))
    counts_table(document, "Milestones by status", counts, text_width)
    if len(scope.departments) > 1:
        _department_chart(document, items, scope, "Milestones by status and department")


def _department_chart(document: Document, items: Sequence[ReportedItem], scope: Scope, title: str) -> None:
    bars = [Bar(name, status_counts(i for i in items if department_of(i) == name)) for name in scope.departments]
    png = status_chart(title, bars)
    document.add_picture(io.BytesIO(png), width=CHART_WIDTH)
    picture = document.inline_shapes[-1]
    # the alt text says what the picture shows, in the master Summary's own words per department
    description = f"{title}, a bar chart. " + "; ".join(
        f"{bar.label}: {count_sentence(bar.counts, Kind.MILESTONE)}" for bar in bars) + "."
    set_alt_text(picture, description, title)
    paragraph(document, f"Figure 1: {title}.", style="Caption")


def indicators_section(document: Document, number: int, consolidation: Consolidation, key: str,
                       period: Period, order: Ordering, text_width: int) -> None:
    """Section 5 or 6: counts met / not met / cannot be reported, naming those that cannot."""
    heading(document, section_title(number), 1)
    items = by_kind(consolidation.items, key)
    counts = status_counts(items)
    _sentence(document, wording.progress_sentence(counts, key, period))
    if items:
        counts_table(document, f"{SECTION_TITLES[number - 1]} by status", counts, text_width)
    for status, lead in ((Status.NA, "cannot be reported"), (Status.MISSING, "have not been reported")):
        named = sorted((i for i in items if i.status is status), key=order.item_key)
        if not named:
            continue
        paragraph(document, f"These {lead}:" if len(named) > 1 else f"This {lead.replace('have', 'has')}:")
        for item in named:
            reason = f": {item.commentary}" if item.commentary else ""
            paragraph(document, f"{item.ref} {item.title}{reason}", style="List Bullet")


def half_year_section(document: Document, number: int, consolidation: Consolidation, kind: Kind,
                      period: Period, text_width: int) -> None:
    """Section 7 or 8: reported at Q2 and Q4; a sentence saying so in Q1 and Q3."""
    heading(document, section_title(number), 1)
    if not period.half_year:
        paragraph(document, wording.half_year_only(kind, period))
        return
    items = by_kind(consolidation.items, kind.value)
    counts = status_counts(items)
    _sentence(document, wording.progress_sentence(counts, kind, period))
    if items:
        counts_table(document, f"{KIND_NOUNS[kind][1].capitalize()} by status", counts, text_width)


def data_quality_section(document: Document, consolidation: Consolidation, order: Ordering) -> None:
    heading(document, section_title(9), 1)
    paragraph(document, wording.DATA_QUALITY)
    returns = returns_by_department(consolidation, order)  # as the master's Summary counts them
    if returns:
        total = {state: sum(r[state] for r in returns.values()) for state in RETURN_STATES}
        paragraph(document, f"{returns_sentence(total)}.")
    if any(item.status is Status.MISSING for item in consolidation.items):
        paragraph(document, wording.MISSING_NOTE)


def appendices_list(document: Document) -> None:
    heading(document, section_title(10), 1)
    for number, title in enumerate(APPENDIX_TITLES, start=1):
        paragraph(document, f"Appendix {number}: {title}", style="List Bullet")
