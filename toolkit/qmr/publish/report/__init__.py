"""The Quarterly Monitoring Report for boards, as Word (.docx), from the same consolidated table as
the master workbook: sections 1-9 on portrait pages, the appendices on landscape ones.

Made to be published: real heading styles in order (Title, then Heading 1, 2, 3, 4, never skipping
a level), the title and language (en-GB) set in the core properties and the styles' defaults, table
header rows marked and repeated on every page, alt text on the chart, status by symbol and word as
well as colour, and no tables used for layout. The same consolidation gives the same bytes: the
document's dates are the quarter's end and every zip member carries one fixed time.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path

import docx
from docx.document import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.shared import Mm, Pt, RGBColor

from qmr.atomic import write_bytes_atomic
from qmr.model import Consolidation, Kind, NarrativeType
from qmr.publish.master import created_date
from qmr.publish.master.styles import Ordering
from qmr.publish.report import sections, wording
from qmr.publish.report.appendices import write_appendices
from qmr.publish.report.docx_xml import add_page_number, set_language, xml_text
from qmr.publish.report.look import HEADER_FILL

LANGUAGE = "en-GB"
FONT = "Arial"
A4 = (Mm(210), Mm(297))
MARGIN = Mm(20)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def report_title(consolidation: Consolidation) -> str:
    organisation = consolidation.plan.settings.get("organisation", "")
    return " ".join(p for p in (organisation, "Quarterly Monitoring Report", consolidation.period.label) if p)


def _setup(document: Document, consolidation: Consolidation, title: str) -> None:
    properties = document.core_properties
    properties.title = title
    properties.subject = consolidation.plan.settings.get("plan", "") or "Quarterly Monitoring Report"
    properties.author = consolidation.plan.settings.get("organisation", "") or "qmr"
    properties.last_modified_by = "qmr"
    properties.comments = "Quarterly Monitoring Report written by qmr from the consolidated returns."
    properties.keywords = "quarterly monitoring report; performance"
    properties.revision = 1
    when = created_date(consolidation.period)
    properties.created = when
    properties.modified = when
    properties.last_printed = datetime(2000, 1, 1)
    set_language(document, LANGUAGE)
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(11)
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3", "Heading 4", "Caption", "List Bullet"):
        style = document.styles[name]
        style.font.name = FONT
        if name.startswith(("Heading", "Title")) or name == "Caption":
            style.font.color.rgb = RGBColor.from_string(HEADER_FILL.lstrip("#"))  # 11:1 on white
        # the template's theme fonts would override the name for East Asian and complex scripts
        fonts = style.element.rPr.find(docx.oxml.ns.qn("w:rFonts")) if style.element.rPr is not None else None
        if fonts is not None:
            for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
                fonts.attrib.pop(docx.oxml.ns.qn(attribute), None)
    section = document.sections[0]
    section.page_width, section.page_height = A4
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, MARGIN)
    footer = section.footer.paragraphs[0]
    footer.add_run(xml_text(f"{title}. Page "))
    add_page_number(footer)


def _text_width(document: Document) -> int:
    section = document.sections[-1]
    return section.page_width - section.left_margin - section.right_margin


def build(consolidation: Consolidation) -> Document:
    """The report as a python-docx Document."""
    period = consolidation.period
    document = docx.Document()
    title = report_title(consolidation)
    _setup(document, consolidation, title)
    order = Ordering(consolidation.plan, consolidation.items)
    scope = sections.scope_of(consolidation, order)
    width = _text_width(document)
    several = len(scope.departments) > 1

    sections.heading_block(document, scope, period)
    sections.heading(document, sections.section_title(1), 1)
    for text in wording.introduction(scope.name, period):
        sections.paragraph(document, text)
    for number, kind in ((2, NarrativeType.KEY_DEVELOPMENT), (3, NarrativeType.EMERGING_ISSUE)):
        entries = [e for e in consolidation.narrative if e.type == kind]
        sections.narrative(document, number, entries, order, several)
    sections.milestones_section(document, consolidation, scope, period, width)
    for number, key in ((5, "key"), (6, "other")):
        sections.indicators_section(document, number, consolidation, key, period, order, width)
    for number, kind in ((7, Kind.RISK), (8, Kind.EQUALITY)):
        sections.half_year_section(document, number, consolidation, kind, period, width)
    sections.data_quality_section(document, consolidation, order)
    sections.appendices_list(document)

    landscape = document.add_section(WD_SECTION.NEW_PAGE)
    landscape.orientation = WD_ORIENT.LANDSCAPE
    landscape.page_width, landscape.page_height = A4[1], A4[0]
    write_appendices(document, consolidation.items, period, order, scope, _text_width(document))
    return document


def _fixed_times(data: bytes) -> bytes:
    """The same package with every member stamped 1980-01-01, so equal documents are equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, _ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            target.writestr(member, source.read(info.filename))
    return out.getvalue()


def write_report(consolidation: Consolidation, path: Path) -> Path:
    """Write the QMR document to `path` atomically and return the path."""
    buffer = io.BytesIO()
    build(consolidation).save(buffer)
    return write_bytes_atomic(Path(path), _fixed_times(buffer.getvalue()))
