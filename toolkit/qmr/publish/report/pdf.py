"""The QMR as a tagged PDF, converted by LibreOffice headless from the .docx: headings, tables
and the chart's alt text become the PDF's structure tree, which screen readers and accessibility
checkers read (UseTaggedPDF)."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from qmr.atomic import write_bytes_atomic

FILTER_OPTIONS = {
    "UseTaggedPDF": {"type": "boolean", "value": "true"},
    "ExportBookmarks": {"type": "boolean", "value": "true"},  # headings as the PDF's outline
    "DisplayPDFDocumentTitle": {"type": "boolean", "value": "true"},  # the title, not the file name
}
TIMEOUT = 300  # seconds; a QMR converts in a few, a first start of LibreOffice takes longer


class PdfError(Exception):
    """The PDF could not be made; the message says why and what to do."""


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_pdf(document: Path, target: Path) -> Path:
    """Write `target` (a tagged PDF) from the .docx `document`, atomically."""
    program = soffice()
    if program is None:
        raise PdfError("LibreOffice (soffice) is not installed, so no PDF was made; install it "
                       "(Debian: libreoffice-writer-nogui) or save the .docx as PDF from Word")
    with tempfile.TemporaryDirectory(prefix="qmr-pdf-") as work:
        folder = Path(work)
        # a private profile: a LibreOffice the officer has open, or a parallel run, does not interfere
        command = [program, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
                   "--norestore", "--convert-to", f"pdf:writer_pdf_Export:{json.dumps(FILTER_OPTIONS)}",
                   "--outdir", str(folder / "out"), str(document)]
        try:
            result = subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise PdfError(f"LibreOffice could not convert {document} ({error})") from None
        produced = folder / "out" / f"{document.stem}.pdf"
        if result.returncode != 0 or not produced.is_file():
            said = (result.stderr or result.stdout).decode("utf-8", "replace").strip().splitlines()
            raise PdfError(f"LibreOffice did not convert {document}" + (f" ({said[-1]})" if said else "")
                           + "; open the .docx in Word and save it as PDF instead")
        return write_bytes_atomic(target, produced.read_bytes())
