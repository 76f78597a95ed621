"""What a file's bytes are, by content first and then by name, and the refusals table: the kinds qmr
recognises but does not read, each with its finding code, message and what to do. Workbooks saved as
.xlsm, .xlsb, .ods or .xls are read like .xlsx ones (returns.formats), with a warning."""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass

from qmr.returns.formats import OLE_MAGIC

ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
# An OpenDocument package starts with a small `mimetype` member naming its type.
ODF_PREFIX = b"application/vnd.oasis.opendocument."
ODF_SPREADSHEET = ODF_PREFIX + b"spreadsheet"  # also matches -template
MAX_MIMETYPE_BYTES = 1024
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".ods")  # zip packages of a workbook qmr reads
OTHER_OFFICE_SUFFIXES = (".docx", ".docm", ".dotx", ".pptx", ".pptm", ".potx", ".vsdx")

REFUSALS = {
    "xls-text": ("xls-not-excel", "named .xls but not an Excel workbook (a web page or text file saved "
                 "under an Excel name)", "ask the team to save the return as .xlsx (Excel Workbook)"),
    "csv": ("csv-format", "a CSV file, not the return workbook",
            "ask the team to send the workbook they were given, saved as .xlsx"),
    "corrupt": ("workbook-corrupt", "not a readable Excel workbook (damaged, or not really .xlsx)",
                "ask the team to open it in Excel and save it again as .xlsx"),
    "corrupt-msg": ("msg-corrupt", "not a readable Outlook message (.msg)",
                    "save the e-mail again from Outlook, or save its attachments and give those"),
}


@dataclass(frozen=True)
class Sniffed:
    """What the bytes are (`kind`: workbook, a zip package: .xlsx, .xlsm, .xlsb, .ods; xls, an Excel
    97-2003 OLE file; encrypted, zip, eml, msg, or a refusal kind, or "other"), and for a workbook
    package its zip directory, read once here so that checking the package (intake.package_problem)
    need not read it again."""

    kind: str
    directory: tuple[zipfile.ZipInfo, ...] | None = None


def sniff(data: bytes, suffix: str) -> Sniffed:
    """What the bytes are, by content first and then by name."""
    if data.startswith(ZIP_MAGICS):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                directory = tuple(zf.infolist())
                names = {info.filename for info in directory}
                mimetype = _odf_mimetype(zf) if "mimetype" in names else b""
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError,
                RuntimeError, zlib.error):
            return Sniffed("corrupt" if suffix in WORKBOOK_SUFFIXES else ("zip" if suffix == ".zip" else "other"))
        if "xl/workbook.xml" in names or "xl/workbook.bin" in names or mimetype.startswith(ODF_SPREADSHEET):
            return Sniffed("workbook", directory)
        return Sniffed(_other_zip(names, mimetype, suffix))
    return Sniffed(_not_a_package(data, suffix))


def _other_zip(names: set[str], mimetype: bytes, suffix: str) -> str:
    if "[Content_Types].xml" in names or mimetype.startswith(ODF_PREFIX):
        return "corrupt" if suffix in WORKBOOK_SUFFIXES else "other"  # a Word, Writer or other document
    # Any other zip, even one holding a file that happens to be called `mimetype`: its members are
    # examined, under the archive limits (so a huge `mimetype` member is a bomb like any other).
    return "corrupt" if suffix in WORKBOOK_SUFFIXES else "zip"


def _not_a_package(data: bytes, suffix: str) -> str:
    if data.startswith(OLE_MAGIC):
        return _sniff_ole(data, suffix)
    if suffix == ".eml":
        return "eml"
    if suffix == ".msg":
        return "corrupt-msg"
    if suffix in (".xls", ".xlt"):
        return "xls-text"  # e.g. an HTML or XML "spreadsheet" someone named .xls
    if suffix in WORKBOOK_SUFFIXES:
        return "corrupt"
    if suffix == ".zip":
        return "zip"  # take_zip reports it as a corrupt archive
    return "csv" if suffix == ".csv" else "other"


def _odf_mimetype(zf: zipfile.ZipFile) -> bytes:
    """The first bytes of an OpenDocument package's `mimetype` member, or b"" when the member is too
    large to be one (a real one is a few dozen bytes) or cannot be read: never unpacks more than that."""
    info = zf.getinfo("mimetype")
    if info.file_size > MAX_MIMETYPE_BYTES or info.flag_bits & 0x1:
        return b""
    try:
        with zf.open(info) as handle:
            return handle.read(100).strip()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError, zlib.error):
        return b""


def _sniff_ole(data: bytes, suffix: str) -> str:
    import olefile  # a dependency of msoffcrypto-tool and extract-msg

    try:
        with olefile.OleFileIO(data) as ole:
            streams = {"/".join(entry) for entry in ole.listdir(streams=True, storages=True)}
    except Exception:  # olefile raises many kinds of error on damaged input
        if suffix == ".msg":
            return "corrupt-msg"
        return "corrupt" if suffix in (*WORKBOOK_SUFFIXES, ".xls") else "other"
    if "EncryptionInfo" in streams and "EncryptedPackage" in streams:
        return "other" if suffix in OTHER_OFFICE_SUFFIXES else "encrypted"
    if "Workbook" in streams or "Book" in streams:
        return "xls"
    if "__properties_version1.0" in streams or any(s.startswith("__substg1.0_") for s in streams):
        return "msg"
    return "corrupt-msg" if suffix == ".msg" else ("corrupt" if suffix in WORKBOOK_SUFFIXES else "other")
