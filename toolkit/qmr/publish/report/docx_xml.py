"""What python-docx has no API for, set through its XML layer: the document language, table header
rows that are marked as headers and repeat on every page, table captions, cell shading, picture alt
text, page-number fields; and text made safe for XML (a clerk's commentary may hold control
characters, which lxml refuses)."""

from __future__ import annotations

import re

from docx.document import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shape import InlineShape
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph

# XML 1.0 allows tab, newline and carriage return below 0x20, and nothing in the surrogate range.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(value: object) -> str:
    """A value as text Word can hold: None is empty, characters XML forbids are dropped."""
    if value is None:
        return ""
    return _NOT_XML.sub("", str(value))


def _child(parent, tag: str):
    """The first child `tag` of `parent`, made (appended) when there is none."""
    found = parent.find(qn(tag))
    if found is None:
        found = OxmlElement(tag)
        parent.append(found)
    return found


def set_language(document: Document, language: str) -> None:
    """The language a screen reader and a spell checker use: in the core properties and as the
    w:lang of the document defaults, which every style inherits."""
    document.core_properties.language = language
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        styles.insert(0, defaults)
    run_defaults = defaults.find(qn("w:rPrDefault"))
    if run_defaults is None:
        run_defaults = OxmlElement("w:rPrDefault")
        defaults.insert(0, run_defaults)
    properties = _child(run_defaults, "w:rPr")
    for old in properties.findall(qn("w:lang")):
        properties.remove(old)
    lang = OxmlElement("w:lang")
    for attribute in ("w:val", "w:eastAsia", "w:bidi"):
        lang.set(qn(attribute), language)
    properties.append(lang)  # w:lang is the last run property but a few; none follow it here


def mark_header_row(row: _Row) -> None:
    """Mark a table row as its header: read as column headers, repeated at the top of every page."""
    properties = row._tr.get_or_add_trPr()
    for tag in ("w:tblHeader",):
        if properties.find(qn(tag)) is None:
            element = OxmlElement(tag)
            element.set(qn("w:val"), "true")
            properties.append(element)


def keep_rows_whole(row: _Row) -> None:
    """A row is not split across two pages (a row taller than a page still is)."""
    properties = row._tr.get_or_add_trPr()
    if properties.find(qn("w:cantSplit")) is None:
        element = OxmlElement("w:cantSplit")
        element.set(qn("w:val"), "true")
        properties.insert(0, element)  # cantSplit comes before tblHeader in CT_TrPr


def set_caption(table: Table, caption: str, description: str = "") -> None:
    """The table's title and description (what Word shows as its alt text)."""
    properties = table._tbl.tblPr
    for tag, text in (("w:tblCaption", caption), ("w:tblDescription", description)):
        if text:
            element = _child(properties, tag)
            element.set(qn("w:val"), xml_text(text))


def shade(cell: _Cell, fill: str) -> None:
    """A cell's background colour ("RRGGBB")."""
    properties = cell._tc.get_or_add_tcPr()
    shading = _child(properties, "w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)


def set_alt_text(picture: InlineShape, description: str, title: str = "") -> None:
    """Alt text of an inline picture: docPr's descr (read aloud, exported to PDF as /Alt)."""
    properties = picture._inline.docPr
    properties.set("descr", xml_text(description))
    if title:
        properties.set("title", xml_text(title))


def add_page_number(paragraph: Paragraph) -> None:
    """A PAGE field: Word and LibreOffice fill in the page's number."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)
