"""Every workbook qmr writes prints sensibly as it is: the demo's master, a feedback copy, the findings
report and a template printed to PDF by LibreOffice: no page without content, no sheet split across
pages sideways (each page of a list holds its first and last column headings), no printed word over
another (rows too short for their wrapped text run into the next row), every sheet set to landscape,
one page wide; the master's first page holds both status charts whole. The pages are kept as PNGs,
in colour and in greyscale, for a person to look at (tests/artefacts/print/)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import openpyxl
import pytest

from conftest import ARTEFACTS, convert
from qmr.demo.run import run_demo
from qmr.period import Period

pytestmark = pytest.mark.filterwarnings("ignore:Sparkline Group extension:UserWarning")
PERIOD = Period(2015, 2)
FOOTER = re.compile(r"Page \d+ of \d+")
WORD_BOX = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


def _pages(pdf: Path) -> list[str]:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    count = int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))
    return [subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(pdf), "-"], check=True,
                           capture_output=True, text=True).stdout for n in range(1, count + 1)]


def _overlapping_words(pdf: Path) -> list[list[tuple[str, str]]]:
    """Per page, the pairs of printed words drawn over each other: overlapping across by more than half
    a point and down by more than 40% of a line (the lines of one wrapped cell touch, but by less)."""
    xhtml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True,
                           text=True).stdout
    found = []
    for page in xhtml.split("<page ")[1:]:
        words = sorted(((float(a), float(b), float(c), float(d), w) for a, b, c, d, w in WORD_BOX.findall(page)),
                       key=lambda box: box[1])
        clashes = []
        for index, first in enumerate(words):
            for second in words[index + 1:]:
                if second[1] >= first[3]:
                    break  # sorted by top: no later word reaches up into this one
                down = min(first[3], second[3]) - max(first[1], second[1])
                if (second[0] < first[2] - 0.5 and first[0] < second[2] - 0.5
                        and down > 0.4 * min(first[3] - first[1], second[3] - second[1])):
                    clashes.append((first[4], second[4]))
        found.append(clashes)
    return found


def _headings(path: Path) -> list[tuple[str, str, str, str]]:
    """(sheet, first, second and last heading) of each sheet whose heading row repeats on every page."""
    found = []
    for sheet in openpyxl.load_workbook(path).worksheets:
        if sheet.sheet_state != "visible":
            continue
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, f"{path.name} {sheet.title} not fit to page"
        assert sheet.page_setup.fitToWidth in (None, 1), f"{path.name} {sheet.title} wider than a page"
        if sheet.print_title_rows:
            row = int(sheet.print_title_rows.split(":")[0].strip("$"))
            words = [str(c.value).split()[0] for c in sheet[row] if c.value not in (None, "")]
            if len(words) >= 3:
                found.append((sheet.title, words[0], words[1], words[-1]))
    return found


def _keep(pdf: Path, name: str) -> None:
    target = ARTEFACTS / "print"
    target.mkdir(parents=True, exist_ok=True)
    for old in target.glob(f"{name}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(pdf), str(target / f"{name}-colour")], check=True)
    subprocess.run(["pdftoppm", "-png", "-gray", "-r", "50", str(pdf), str(target / f"{name}-grey")],
                   check=True)


@pytest.mark.libreoffice
def test_every_workbook_prints_without_blank_pages_and_one_page_wide(soffice: str, tmp_path: Path) -> None:
    outcome = run_demo(tmp_path / "demo", PERIOD)
    template = sorted(outcome.folder.templates_for(PERIOD).glob("*.xlsx"))[0]
    assert outcome.feedback, "the demo's clerks make mistakes, so there are feedback copies"
    workbooks = {"master": outcome.master, "feedback": outcome.feedback[0], "findings": outcome.report,
                 "template": template}
    for name, path in workbooks.items():
        headings = _headings(path)
        pdf = convert(soffice, path, "pdf", tmp_path / "pdf" / name)
        pages = _pages(pdf)
        _keep(pdf, name)
        for number, (text, clashes) in enumerate(zip(pages, _overlapping_words(pdf), strict=True), start=1):
            # The Data sheet is one line per row by design (for filters): long text stops at the next column.
            if "source_cell" not in text:
                assert not clashes, f"{name} page {number}: words printed over each other: {clashes[:5]}"
            lines = [line for line in text.splitlines() if line.strip() and not FOOTER.search(line)]
            assert len(lines) >= 2, f"{name} page {number} of {len(pages)} has nothing on it: {text!r}"
            for sheet, first, second, last in headings:
                # a page that shows a sheet's heading row must show its last heading too: not cut sideways
                if re.search(rf"^\s*{re.escape(first)}\s+{re.escape(second)}\b", text, re.M):
                    assert last in text, f"{name} page {number} ({sheet}): '{last}' printed on another page"
        if name == "master":
            data = [t for t in pages if "source_cell" in t]
            assert data and len(data) <= 3, f"the Data sheet prints as {len(data)} pages"
            _check_first_page_has_both_charts(path, pages[0])


def _check_first_page_has_both_charts(master: Path, first_page: str) -> None:
    """Page one is the headline and the picture: both status charts whole, every department named on
    each (a chart across the page break, or bars too thin for their labels, loses names)."""
    assert "Milestones" in first_page and "Performance indicators" in first_page
    sheet = openpyxl.load_workbook(master)["Summary"]
    header = next(row for row in sheet.iter_rows() if row[0].value == "Milestones by status")[0].row + 1
    departments = []
    for row in sheet.iter_rows(min_row=header + 1, max_col=1, values_only=True):
        if row[0] == "All departments":
            break
        departments.append(row[0])
    assert len(departments) >= 3, departments
    flat = " ".join(first_page.split())
    for department in departments:
        assert flat.count(department) >= 2, f"page 1 names {department!r} {flat.count(department)} times"
