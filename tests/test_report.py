"""The QMR document for boards, read back from the .docx itself: a year-end quarter (risks, equality
actions and annual PIs due) of the conftest plan (two departments, key and other PIs, a PI whose
target is text), filled by clerks, one team silent; the master is consolidated from the same returns
and the document is checked against the master's Summary and Data sheets, then for accessibility
in its XML, then as a tagged PDF rendered to PNG pages (tests/artefacts/qmr_report/)."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import docx
import openpyxl
import pytest
from docx.oxml.ns import qn
from lxml import etree

from clerk import fill_return
from conftest import make_plan
from qmr.cycle import Report, make_report, make_templates, run_consolidation, run_validation
from qmr.model import Consolidation, Kind, Level, Plan, Status
from qmr.period import Period
from qmr.publish.master.summary import ALL_DEPARTMENTS, KIND_TABLE_TITLES
from qmr.publish.report import write_report
from qmr.publish.report.look import status_colours, status_of_text, status_text
from qmr.publish.report.wording import progress_sentence
from qmr.returns.layout import ItemSheet
from test_consolidate import summary_tables

Q4 = Period(2008, 4)
SILENT = "BSC-FIN"  # sends nothing: its items are Missing
NO_BASELINE = "BPR LI7"  # target "To be set once baseline known": the clerk reports N/A
SECTIONS = ["1 Introduction", "2 Key developments", "3 Emerging issues", "4 Progress against objectives / milestones",
            "5 Key performance indicators", "6 Other performance indicators", "7 Risk control measures",
            "8 High priority equality actions", "9 Data quality", "10 Appendices"]
APPENDICES = ["Appendix 1: Progress against objectives / milestones",
              "Appendix 2: Progress against key performance indicators",
              "Appendix 3: Progress against other performance indicators",
              "Appendix 4: Progress against risk control measures",
              "Appendix 5: Progress against high priority equality actions",
              "Appendix 6: Explanation of symbols"]
APPENDIX_KINDS = {1: "milestone", 2: "key", 3: "other", 4: "risk", 5: "equality"}
NARRATIVE = [("Key development", "Investors in People", "Reaccredited in March.\nThe assessor praised induction."),
             ("Emerging issue", "Grant settlement", "The settlement for next year is late.")]


def _answer(sheet: ItemSheet, key: str, answer: dict) -> dict:
    """The clerk's default answer, but N/A with a reason for the PI that has no target yet."""
    if key == f"indicator:{NO_BASELINE}":
        return {"progress": "N/A", "actual": None, "commentary": "No baseline until the first survey."}
    return answer


@dataclass(frozen=True)
class Quarter:
    plan: Plan
    master: Path
    report: Report

    @property
    def docx(self) -> Path:
        return self.report.written[0]


@pytest.fixture(scope="module")
def quarter(tmp_path_factory: pytest.TempPathFactory) -> Quarter:
    tmp = tmp_path_factory.mktemp("report")
    plan = make_plan()
    for template in make_templates(plan, Q4, tmp / "templates"):
        team = template.stem.split("_", 1)[1]
        if team != SILENT:
            fill_return(template, tmp / "returns" / f"{team}.xlsx",
                        _answer if team != "BSC-HR" else {"narrative": NARRATIVE})
    batch = run_validation(plan, Q4, [tmp / "returns"])
    assert batch.missing == [SILENT]
    written = run_consolidation(plan, Q4, batch, tmp / "out" / "QMR.xlsx").written
    report = make_report(plan, Q4, batch, tmp / "out" / "QMR.docx")
    assert report.written == (tmp / "out" / "QMR.docx",) and not report.findings
    return Quarter(plan, written[0], report)


# ------------------------------------------------------------------------------------------------
# Reading the document back: headings, paragraphs and tables in body order


@dataclass(frozen=True)
class Block:
    kind: str  # heading, para, table
    text: str = ""
    level: int = -1
    style: str = ""
    caption: str = ""
    rows: tuple[tuple[str, ...], ...] = ()


def blocks(path: Path) -> list[Block]:
    document = docx.Document(str(path))
    found: list[Block] = []
    for element in document.element.body.iterchildren():
        if element.tag == qn("w:p"):
            paragraph = docx.text.paragraph.Paragraph(element, document)
            style = paragraph.style.name if paragraph.style is not None else ""
            if style == "Title" or style.startswith("Heading "):
                level = 0 if style == "Title" else int(style.split()[1])
                found.append(Block("heading", paragraph.text, level, style))
            elif paragraph.text.strip():
                found.append(Block("para", paragraph.text, style=style))
        elif element.tag == qn("w:tbl"):
            table = docx.table.Table(element, document)
            caption = element.find(f"{qn('w:tblPr')}/{qn('w:tblCaption')}")
            found.append(Block("table", caption=caption.get(qn("w:val")) if caption is not None else "",
                               rows=tuple(tuple(c.text for c in row.cells) for row in table.rows)))
    return found


def section(found: list[Block], title: str) -> list[Block]:
    """The blocks under a level-1 heading, up to the next one."""
    start = next(n for n, b in enumerate(found) if b.kind == "heading" and b.text == title)
    end = next((n for n, b in enumerate(found[start + 1:], start + 1) if b.kind == "heading" and b.level == 1),
               len(found))
    return found[start + 1:end]


def count_row(table: Block) -> dict[str, int]:
    """A one-row counts table as {"Total": n, "Green": n, ...} (status headers read back to their word)."""
    header, values = table.rows
    names = [h if h == "Total" else status_of_text(h).value for h in header]
    return dict(zip(names, map(int, values), strict=True))


def data_sheet(master: Path) -> list[dict[str, object]]:
    ws = openpyxl.load_workbook(master, read_only=True)["Data"]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


# ------------------------------------------------------------------------------------------------
# Content: sections in order, section 4-8 counts = master Summary, appendix rows = master Data


def test_sections_and_appendices_in_order(quarter: Quarter) -> None:
    found = blocks(quarter.docx)
    assert found[0] == Block("heading", "Quarterly Monitoring Report", 0, "Title")
    block = [b.text for b in found[1:7] if b.kind == "para"]
    assert "Period: Quarter 4 to year-end 31 March 2009" in block
    assert "Services: Business Support, Commissioning" in block
    assert [b.text for b in found if b.kind == "heading" and b.level == 1] == SECTIONS
    assert [b.text for b in found if b.kind == "heading" and b.text.startswith("Appendix")] == APPENDICES
    introduction = " ".join(b.text for b in section(found, SECTIONS[0]))
    assert "fourth quarter period up to year end 31 March 2009" in introduction
    assert "explained in Appendix 6" in introduction and APPENDICES[5].startswith("Appendix 6: Explanation")
    # the narrative, numbered 2.1, 3.1 ..., in the teams' own words
    developments = section(found, SECTIONS[1])
    assert [b.text for b in developments if b.kind == "heading"][:1] == ["2.1 Investors in People"]
    assert any(b.text == "The assessor praised induction." for b in developments)
    # HR before Commissioning, as the register lists them (Commissioning sent the clerk's default narrative)
    assert [b.text for b in section(found, SECTIONS[2]) if b.kind == "heading"] == [
        "3.1 Grant settlement", "3.2 Recruitment pressures"]
    # the list in section 10 names the appendices as their headings do
    assert [b.text for b in section(found, SECTIONS[9])][:len(APPENDICES) + 1] == [*APPENDICES, APPENDICES[0]]


def test_section_counts_are_the_master_summary(quarter: Quarter) -> None:
    found = blocks(quarter.docx)
    summary = summary_tables(quarter.master)

    def master(kind: Kind) -> dict[str, int]:
        row = summary[KIND_TABLE_TITLES[kind]][ALL_DEPARTMENTS]
        return {name: int(row[name]) for name in ("Total", *(s.value for s in Status))}

    milestones = section(found, SECTIONS[3])
    counts = count_row(next(b for b in milestones if b.kind == "table"))
    assert counts == master(Kind.MILESTONE)
    assert counts["Missing"] > 0 and counts["Green"] > 0  # the silent team's milestones, and real answers
    sentence = next(b.text for b in milestones if b.kind == "para")
    assert sentence.startswith(f"{counts['Green']} of the {counts['Total']} milestones have been met this year")
    # the master counts all PIs together; the report splits them into key (5) and other (6)
    key, other = (count_row(next(b for b in section(found, SECTIONS[n]) if b.kind == "table")) for n in (4, 5))
    assert {name: key[name] + other[name] for name in key} == master(Kind.INDICATOR)
    assert key["Total"] and other["Total"]
    # the PI that cannot be reported is named, with the clerk's reason
    named = [b.text for b in section(found, SECTIONS[5]) if b.style == "List Bullet"]
    assert any(t.startswith(NO_BASELINE) and t.endswith("No baseline until the first survey.") for t in named)
    for number, kind in ((6, Kind.RISK), (7, Kind.EQUALITY)):  # due at Q4
        table = next(b for b in section(found, SECTIONS[number]) if b.kind == "table")
        assert count_row(table) == master(kind), kind


def test_every_appendix_row_is_a_data_row(quarter: Quarter) -> None:
    shown: Counter[tuple[str, str, Status, str]] = Counter()
    for block in blocks(quarter.docx):
        number = int(block.caption.split(":")[0].split()[1]) if block.caption.startswith("Appendix") else 0
        if number not in APPENDIX_KINDS:
            continue
        header, *rows = block.rows
        ref, progress, commentary = (header.index(name) for name in ("Ref", "Progress", "Commentary"))
        for row in rows:
            status = status_of_text(row[progress])
            assert status is not None and row[progress] == status_text(status), row
            shown[(APPENDIX_KINDS[number], row[ref], status, row[commentary])] += 1
    wanted: Counter[tuple[str, str, Status, str]] = Counter()
    for row in data_sheet(quarter.master):
        kind = str(row["kind"])
        if kind == "indicator":
            kind = "key" if row["key"] else "other"
        wanted[(kind, str(row["ref"]), Status(row["status"]), str(row["commentary"] or ""))] += 1
    assert shown == wanted
    assert {kind for kind, *_ in wanted} == set(APPENDIX_KINDS.values())


def test_quarter_aware_wording() -> None:
    counts = {Status.GREEN: 48, Status.AMBER: 0, Status.RED: 7, Status.NA: 0, Status.MISSING: 0}
    assert progress_sentence(counts, "milestone", Q4) == "48 of the 55 milestones have been met this year, 7 have not."
    q2 = Period(2008, 2)
    assert progress_sentence({**counts, Status.AMBER: 2}, "milestone", q2) == (
        "48 of the 57 milestones are on course to be achieved, 2 are uncertain, 7 will not be achieved in the "
        "timeframe.")
    assert progress_sentence({**counts, Status.NA: 1, Status.MISSING: 2}, "key", Q4) == (
        "48 of the 58 key performance indicators have met the annual target, 7 have not; 1 cannot be reported and "
        "2 have not been reported (no usable return).")


def test_q3_says_risks_and_equality_are_half_yearly(tmp_path: Path) -> None:
    from test_master import make_consolidation

    path = write_report(make_consolidation("2008/09 Q3"), tmp_path / "q3.docx")
    found = blocks(path)
    assert "Period: Quarter 3 to period end 31 December 2008" in [b.text for b in found]
    for title in (SECTIONS[6], SECTIONS[7]):
        body = section(found, title)
        assert [b.kind for b in body] == ["para"]
        assert "reported at the half year (Quarter 2) and the year end (Quarter 4)" in body[0].text
    assert re.match(r"\d+ of the \d+ milestones (is|are) on course to be achieved",
                    next(b.text for b in section(found, SECTIONS[3]) if b.kind == "para"))


def test_text_from_returns_cannot_break_the_document(tmp_path: Path) -> None:
    """Control characters (which XML forbids) are dropped; formula-looking text stays text."""
    from test_master import make_consolidation

    base = make_consolidation("2008/09 Q2")
    items = tuple(replace(i, commentary="=1+1 \x07bell\x00 and \x1b[31mred") if n == 0 else i
                  for n, i in enumerate(base.items))
    path = write_report(Consolidation(base.period, base.plan, items, base.narrative), tmp_path / "odd.docx")
    rows = [row for b in blocks(path) if b.caption.startswith("Appendix 1") for row in b.rows]
    assert any("=1+1 bell and [31mred" in cell for row in rows for cell in row)


def test_same_consolidation_same_bytes(tmp_path: Path) -> None:
    from test_master import make_consolidation

    consolidation = make_consolidation("2008/09 Q2")
    first = write_report(consolidation, tmp_path / "a.docx").read_bytes()
    assert write_report(consolidation, tmp_path / "b.docx").read_bytes() == first


# ------------------------------------------------------------------------------------------------
# Accessibility, from the XML


def _xml(path: Path, member: str) -> etree._Element:
    with zipfile.ZipFile(path) as package:
        return etree.fromstring(package.read(member))


NS = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
      "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
      "dc": "http://purl.org/dc/elements/1.1/",
      "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"}
W = f"{{{NS['w']}}}"


def test_title_and_language(quarter: Quarter) -> None:
    core = _xml(quarter.docx, "docProps/core.xml")
    assert core.findtext("dc:title", namespaces=NS) == "Halton Borough Council Quarterly Monitoring Report 2008/09 Q4"
    assert core.findtext("dc:language", namespaces=NS) == "en-GB"
    styles = _xml(quarter.docx, "word/styles.xml")
    lang = styles.find("w:docDefaults/w:rPrDefault/w:rPr/w:lang", NS)
    assert lang is not None and lang.get(W + "val") == "en-GB"


def test_tables_have_marked_repeating_header_rows_and_no_layout_tables(quarter: Quarter) -> None:
    body = _xml(quarter.docx, "word/document.xml")
    tables = body.findall(".//w:tbl", NS)
    assert len(tables) >= 10
    for table in tables:
        assert table.find(".//w:tc//w:tbl", NS) is None, "a table inside a table is layout"
        rows = table.findall("w:tr", NS)
        assert len(rows) >= 2
        assert rows[0].find("w:trPr/w:tblHeader", NS) is not None
        assert all(row.find("w:trPr/w:tblHeader", NS) is None for row in rows[1:])
        assert all("".join(tc.itertext()).strip() for tc in rows[0].findall("w:tc", NS)), "an empty header"
        caption = table.find("w:tblPr/w:tblCaption", NS)
        assert caption is not None and caption.get(W + "val")


def test_every_picture_has_alt_text(quarter: Quarter) -> None:
    body = _xml(quarter.docx, "word/document.xml")
    pictures = body.findall(".//wp:docPr", NS)
    assert len(pictures) == 1  # two departments: the status-by-department chart in section 4
    description = pictures[0].get("descr")
    assert "Business Support:" in description and "Commissioning:" in description
    assert re.search(r"Commissioning: \d+ milestones?: ", description)


def test_headings_are_real_styles_in_order(quarter: Quarter) -> None:
    levels = [b.level for b in blocks(quarter.docx) if b.kind == "heading"]
    assert levels[0] == 0 and levels.count(0) == 1
    for before, after in zip(levels, levels[1:], strict=False):
        assert after <= before + 1, f"heading level jumps from {before} to {after}"
    body = _xml(quarter.docx, "word/document.xml")
    # no paragraph made to look like a heading by bold text alone: section titles are Heading 1
    for paragraph in body.iter(W + "p"):
        text = "".join(paragraph.itertext())
        if text in SECTIONS:
            assert paragraph.find("w:pPr/w:pStyle", NS).get(W + "val") == "Heading1"


def test_status_by_symbol_word_and_colour(quarter: Quarter) -> None:
    body = _xml(quarter.docx, "word/document.xml")
    seen = set()
    for cell in body.iter(W + "tc"):
        text = "".join(cell.itertext())
        status = status_of_text(text)
        if status is None:
            continue
        assert text == status_text(status)  # never the word without its symbol
        seen.add(status)
        shading = cell.find("w:tcPr/w:shd", NS)
        if shading is not None and shading.get(W + "fill") != "1F3864":  # not a header cell
            fill, ink = status_colours(status)
            assert shading.get(W + "fill") == fill
            colour = cell.find(".//w:rPr/w:color", NS)
            assert colour is not None and colour.get(W + "val") == ink
    assert seen == set(Status)


def test_appendices_are_landscape(quarter: Quarter) -> None:
    document = docx.Document(str(quarter.docx))
    first, last = document.sections[0], document.sections[-1]
    assert len(document.sections) == 2
    assert first.page_width < first.page_height
    assert last.orientation == docx.enum.section.WD_ORIENT.LANDSCAPE and last.page_width > last.page_height
    # the portrait section ends (its sectPr) after "10 Appendices" and before Appendix 1
    texts = []
    for element in document.element.body.iterchildren():
        if element.tag == qn("w:p"):
            texts.append("<break>" if element.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None
                         else docx.text.paragraph.Paragraph(element, document).text)
    heading = len(texts) - 1 - texts[::-1].index(APPENDICES[0])  # the heading, not section 10's list
    assert texts.index(SECTIONS[9]) < texts.index("<break>") < heading


# ------------------------------------------------------------------------------------------------
# Tagged PDF through LibreOffice, rendered to PNG pages to look at


@pytest.mark.libreoffice
def test_pdf_is_tagged_and_rendered(quarter: Quarter, soffice: str, artefacts: Path, tmp_path: Path) -> None:
    plan = quarter.plan
    batch = run_validation(plan, Q4, [quarter.master.parent.parent / "returns"])
    report = make_report(plan, Q4, batch, tmp_path / "QMR.docx", pdf=True)
    assert not report.findings
    assert report.written == (tmp_path / "QMR.docx", tmp_path / "QMR.pdf")
    assert report.written[0].read_bytes() == quarter.docx.read_bytes()  # the same returns, the same document
    pdf = report.written[1].read_bytes()
    assert b"/StructTreeRoot" in pdf and b"/MarkInfo<</Marked true>>" in pdf
    assert b"/Lang(en-GB)" in pdf
    tags = Counter(re.findall(rb"/S/(\w+)", pdf))
    assert tags[b"H1"] == len(SECTIONS) and tags[b"TH"] and tags[b"Table"] and tags[b"Figure"] == 1
    assert b"/Alt" in pdf  # the chart's alt text reached the PDF

    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm (poppler-utils) is needed to render the pages"
    pages = artefacts / "qmr_report"
    shutil.rmtree(pages, ignore_errors=True)
    pages.mkdir()
    shutil.copy(report.written[1], pages / "QMR_2008-09-Q4.pdf")
    subprocess.run([pdftoppm, "-r", "80", "-png", str(report.written[1]), str(pages / "page")], check=True,
                   timeout=120)
    assert len(list(pages.glob("page-*.png"))) >= 4


def test_no_libreoffice_means_no_pdf_and_a_finding(quarter: Quarter, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # nowhere to find soffice
    batch = run_validation(quarter.plan, Q4, [quarter.master.parent.parent / "returns"])
    report = make_report(quarter.plan, Q4, batch, tmp_path / "QMR.docx", pdf=True)
    assert report.written == (tmp_path / "QMR.docx",)
    assert [f.code for f in report.findings] == ["pdf-failed"]
    assert "LibreOffice" in report.findings[0].message


def test_one_document_per_department(quarter: Quarter, tmp_path: Path) -> None:
    batch = run_validation(quarter.plan, Q4, [quarter.master.parent.parent / "returns"])
    report = make_report(quarter.plan, Q4, batch, tmp_path / "QMR.docx", by=Level.DEPARTMENT)
    assert [p.name for p in report.written] == ["QMR_Business-Support.docx", "QMR_Commissioning.docx"]
    for path, name in zip(report.written, ("Business Support", "Commissioning"), strict=True):
        found = blocks(path)
        assert f"Service: {name}" in [b.text for b in found]
        text = " ".join(b.text for b in found) + " ".join(" ".join(row) for b in found for row in b.rows)
        others = [t for t in quarter.plan.teams if t.department != name]
        assert others and not [t.code for t in others if t.code in text]  # nothing of the other department
        assert name not in [b.text for b in found if b.kind == "heading"]  # one department: no subheads
        assert not _xml(path, "word/document.xml").findall(".//wp:docPr", NS)  # no chart of one department
