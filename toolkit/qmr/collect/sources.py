"""Collecting returned workbooks from wherever they arrived: files, folders, zip archives, saved e-mails.

Everything here is untrusted input. Nothing is extracted to disk and nothing is modified: files are
read once, archives and e-mails are opened in memory, and every refusal becomes a Finding plus a
SourceRecord. The return reader (which identifies the team from the hidden identity sheet) gets only
Candidates whose package has already been checked, so python-calamine never opens a bomb.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import io
import logging
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path, PurePosixPath

from qmr.model import Finding, Severity, SourceOutcome, SourceRecord

MB = 1024 * 1024

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
# An OpenDocument package starts with a small `mimetype` member naming its type.
ODF_PREFIX = b"application/vnd.oasis.opendocument."
ODF_SPREADSHEET = ODF_PREFIX + b"spreadsheet"  # also matches -template
MAX_MIMETYPE_BYTES = 1024
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
OTHER_OFFICE_SUFFIXES = (".docx", ".docm", ".dotx", ".pptx", ".pptm", ".potx", ".vsdx")
# Excel writes this password when a file is only "protected" so it still opens without asking.
EXCEL_DEFAULT_PASSWORD = "VelvetSweatshop"

_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class Limits:
    """How much untrusted input qmr is willing to unpack."""

    max_file_bytes: int = 20 * MB  # one workbook
    max_total_bytes: int = 200 * MB  # everything one archive (or one workbook package) unpacks to
    max_ratio: float = 100.0  # compression ratio beyond which a large member is a bomb
    ratio_floor_bytes: int = 1 * MB  # small members may compress as well as they like
    max_depth: int = 2  # containers within containers (zip in e-mail = 2)


@dataclass(frozen=True)
class Candidate:
    """A spreadsheet that looks like a return, in memory, ready for the return reader."""

    name: str  # display path: `returns/a.xlsx`, `batch.zip/q4/a.xlsx`, `mail.eml/a.xlsx`
    data: bytes = field(repr=False)  # the workbook package (decrypted when it came encrypted)
    size: int  # bytes as received
    sha256: str  # of the bytes as received (the encrypted file, if it was encrypted)
    modified: datetime  # UTC
    encrypted_was: bool = False
    container: str = ""  # the outermost archive or e-mail it came in, "" for a plain file


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_passwords(path: Path) -> tuple[dict[str, str], list[Finding]]:
    """The officer's passwords file: `TEAMCODE = password` per line, `#` comments, blank lines ignored.

    A password may contain `=` and `#` (only the first `=` splits, and only whole-line comments count);
    surrounding spaces are trimmed. Findings never repeat a password.
    """
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        return {}, [Finding(Severity.ERROR, f"cannot read the passwords file ({exc.strerror or exc})",
                            "check the --passwords path", file=name, code="passwords-unreadable")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
        findings = [Finding(Severity.WARNING, "the passwords file is not UTF-8; read it as Windows-1252",
                            "save it as UTF-8 text", file=name, code="passwords-encoding")]
    else:
        findings = []
    passwords: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        where = f"line {number}"
        if "=" not in stripped:
            findings.append(Finding(Severity.ERROR, f"{where} has no `=`; it was ignored",
                                    "write each line as TEAMCODE = password", file=name, cell=where,
                                    code="passwords-bad-line"))
            continue
        team, password = (part.strip() for part in stripped.split("=", 1))
        if not team or not password:
            missing = "team code" if not team else "password"
            findings.append(Finding(Severity.ERROR, f"{where} has no {missing}; it was ignored",
                                    "write each line as TEAMCODE = password", file=name, cell=where,
                                    code="passwords-bad-line"))
            continue
        if team in passwords:
            findings.append(Finding(Severity.WARNING, f"{where}: team {team} already has a password; "
                                    "this line was ignored", "keep one line per team", file=name,
                                    cell=where, team=team, code="passwords-duplicate"))
            continue
        passwords[team] = password
    return passwords, findings


# ---------------------------------------------------------------------------------------------------
# The walk


@dataclass
class _Run:
    """What one collect() call accumulates, so helpers stay small."""

    passwords: tuple[str, ...]
    limits: Limits
    candidates: list[Candidate] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    records: list[SourceRecord] = field(default_factory=list)

    def refuse(self, name: str, code: str, message: str, action: str = "", *, data: bytes | None = None,
               size: int | None = None, modified: datetime | None = None,
               severity: Severity = Severity.REJECTED, noted: bool = True) -> None:
        """A Sources row for a file not taken, and (when `noted`) a finding saying why."""
        outcome = SourceOutcome.REJECTED if severity is Severity.REJECTED else SourceOutcome.SKIPPED
        if noted:
            self.findings.append(Finding(severity, message, action, file=name, code=code))
        self.records.append(SourceRecord(
            file=name, team="", sha256=sha256_of(data) if data is not None else "",
            size=size if size is not None else (len(data) if data is not None else 0),
            modified=_iso(modified) if modified else "", outcome=outcome, reason=message))


def collect(
    sources: Sequence[Path],
    passwords: Mapping[str, str] | None = None,
    limits: Limits = Limits(),  # noqa: B008 - frozen, so a shared default is safe
) -> tuple[list[Candidate], list[Finding], list[SourceRecord]]:
    """Every spreadsheet that may be a return, from files, folders, zips, .eml and .msg e-mails.

    Returns the candidates (in source order; folders sorted, archive members in archive order), the
    findings about everything refused or skipped, and a SourceRecord for each refused or skipped file.
    """
    tried = [passwords[key] for key in sorted(passwords or {})]
    run = _Run(tuple(dict.fromkeys([*tried, EXCEL_DEFAULT_PASSWORD])), limits)
    seen: set[Path] = set()
    for source in sources:
        path = Path(source)
        for file in _files_of(path, run):
            key = _identity(file)
            if key in seen:
                continue  # named twice on the command line, or a file inside a folder also given
            seen.add(key)
            _take_file(file, run)
    return run.candidates, run.findings, run.records


def _identity(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def _files_of(path: Path, run: _Run) -> Iterator[Path]:
    """The files a source names: itself, or a folder's files recursively, sorted, hidden ones skipped."""
    if path.is_dir():
        found: list[Path] = []
        for root, _, files in os.walk(path):
            found.extend(Path(root) / name for name in files)
        for file in sorted(found, key=lambda p: p.relative_to(path).parts):  # one order, whatever the disk
            hidden = next((part for part in file.relative_to(path).parts if part.startswith(".")), None)
            if hidden is None:
                yield file
            else:  # listed, not read: a hidden file is the system's or an editor's, not a return
                _hidden(str(file), run, "a hidden file" if hidden == file.name else f"inside the hidden folder "
                        f"{hidden}", _size_of(file))
    elif path.exists():
        yield path
    else:
        run.refuse(str(path), "source-missing", "no such file or folder",
                   "check the path; a SOURCE is a file, a folder, a .zip, an .eml or a .msg")


def _take_file(path: Path, run: _Run) -> None:
    name = str(path)
    try:
        info = path.stat()
        if _is_lock_file(name):  # not read: Excel may hold it locked, and it holds no data
            _lock_file(name, run, size=info.st_size,
                       modified=datetime.fromtimestamp(info.st_mtime, tz=UTC))
            return
        if not stat.S_ISREG(info.st_mode):
            run.refuse(name, "not-a-file", "not a regular file", "give qmr files, folders or archives",
                       severity=Severity.INFO)
            return
        modified = datetime.fromtimestamp(info.st_mtime, tz=UTC)
        if info.st_size > max(run.limits.max_total_bytes, run.limits.max_file_bytes):
            run.refuse(name, "too-large", f"{_mb(info.st_size)}, more than qmr will read",
                       "send the workbook on its own, not inside a larger bundle", size=info.st_size,
                       modified=modified)
            return
        with open(path, "rb") as handle:  # read-only: inputs are never modified
            data = handle.read()
    except OSError as exc:
        run.refuse(name, "unreadable", f"cannot read the file ({exc.strerror or exc})",
                   "check the file is not open elsewhere and that you may read it")
        return
    _take(name, data, modified, depth=0, container="", run=run)


# ---------------------------------------------------------------------------------------------------
# One blob: decide what it is by content first, then by name.


def _take(name: str, data: bytes, modified: datetime, depth: int, container: str, run: _Run,
          attachment: bool = False) -> bool:
    """Deal with one file's bytes; True when it yielded (or was) something spreadsheet-like."""
    suffix = PurePosixPath(name.replace("\\", "/")).suffix.lower()
    kind = _sniff(data, suffix)
    if kind == "workbook":
        _take_workbook(name, data, data, modified, container, run, encrypted=False)
    elif kind == "encrypted":
        _take_encrypted(name, data, modified, container, run)
    elif kind in ("zip", "eml", "msg"):
        if depth + 1 > run.limits.max_depth:
            run.refuse(name, "nested-too-deep",
                       f"an archive or e-mail nested more than {run.limits.max_depth} deep; not opened",
                       "send the workbooks directly, or in a single zip", data=data, modified=modified)
            return True
        opener = {"zip": _take_zip, "eml": _take_eml, "msg": _take_msg}[kind]
        return opener(name, data, modified, depth + 1, container or name, run)
    elif kind in _REFUSALS:
        code, message, action = _REFUSALS[kind]
        run.refuse(name, code, message, action, data=data, modified=modified)
    elif attachment:
        return False  # signature images and the like: not worth a line each
    else:
        run.refuse(name, "not-spreadsheet", "not a spreadsheet; ignored", data=data, modified=modified,
                   severity=Severity.INFO)
        return False
    return True


_REFUSALS = {
    "xls": ("xls-old-format", "saved as Excel 97-2003 (.xls)",
            "ask the team to save as .xlsx (Excel Workbook)"),
    "xlsb": ("xlsb-format", "binary workbook (.xlsb)", "ask the team to save as .xlsx (Excel Workbook)"),
    "ods": ("ods-format", "OpenDocument spreadsheet (.ods)",
            "ask the team to save as .xlsx (Excel Workbook); LibreOffice: File > Save As, Excel 2007-365"),
    "csv": ("csv-format", "a CSV file, not the return workbook",
            "ask the team to send the workbook they were given, saved as .xlsx"),
    "corrupt": ("workbook-corrupt", "not a readable Excel workbook (damaged, or not really .xlsx)",
                "ask the team to open it in Excel and save it again as .xlsx"),
    "corrupt-msg": ("msg-corrupt", "not a readable Outlook message (.msg)",
                    "save the e-mail again from Outlook, or save its attachments and give those"),
}


def _sniff(data: bytes, suffix: str) -> str:
    """What the bytes are: workbook, encrypted, zip, eml, msg, or a refusal kind, or "other"."""
    if data.startswith(ZIP_MAGICS):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
                mimetype = _odf_mimetype(zf) if "mimetype" in names else b""
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError,
                RuntimeError, zlib.error):
            return "corrupt" if suffix in WORKBOOK_SUFFIXES else ("zip" if suffix == ".zip" else "other")
        if "xl/workbook.xml" in names:
            return "workbook"
        if "xl/workbook.bin" in names:
            return "xlsb"
        if mimetype.startswith(ODF_SPREADSHEET):
            return "ods"
        if "[Content_Types].xml" in names or mimetype.startswith(ODF_PREFIX):
            return "corrupt" if suffix in WORKBOOK_SUFFIXES else "other"  # a Word, Writer or other document
        # Any other zip, even one holding a file that happens to be called `mimetype`: its members are
        # examined, under the archive limits (so a huge `mimetype` member is a bomb like any other).
        return "corrupt" if suffix in WORKBOOK_SUFFIXES else "zip"
    if data.startswith(OLE_MAGIC):
        return _sniff_ole(data, suffix)
    if suffix == ".eml":
        return "eml"
    if suffix == ".msg":
        return "corrupt-msg"
    if suffix in (".xls", ".xlt"):
        return "xls"  # e.g. an HTML or XML "spreadsheet" someone named .xls
    if suffix in WORKBOOK_SUFFIXES:
        return "corrupt"
    if suffix == ".zip":
        return "zip"  # _take_zip reports it as a corrupt archive
    return {".xlsb": "xlsb", ".ods": "ods", ".csv": "csv"}.get(suffix, "other")


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


# ---------------------------------------------------------------------------------------------------
# Workbooks


def _take_workbook(name: str, data: bytes, received: bytes, modified: datetime, container: str, run: _Run,
                   *, encrypted: bool) -> None:
    """Check the package is safe for the reader to open in memory, then keep it."""
    limits = run.limits
    if len(received) > limits.max_file_bytes:
        run.refuse(name, "too-large", f"{_mb(len(received))}, more than the {_mb(limits.max_file_bytes)} "
                   "a return may be", "ask the team to remove pictures or pasted data and send it again",
                   data=received, modified=modified)
        return
    problem = _package_problem(data, limits)
    if problem:
        code, message = problem
        action = ("ask the team to open it in Excel and save it again as .xlsx" if code == "workbook-corrupt"
                  else "do not open this file; ask the team to send their return again")
        run.refuse(name, code, message, action, data=received, modified=modified)
        return
    run.candidates.append(Candidate(name=name, data=data, size=len(received), sha256=sha256_of(received),
                                    modified=modified, encrypted_was=encrypted, container=container))


def _package_problem(data: bytes, limits: Limits) -> tuple[str, str] | None:
    """Why a workbook package must not be opened (bomb or damage), or None, from its zip directory
    alone. Decompressing every part to verify it is the return reader's first step: it runs in
    parallel there, and still before calamine sees the file (returns.extent.package_problem)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            total = sum(info.file_size for info in infos)
            if total > limits.max_total_bytes:
                return "workbook-bomb", f"the workbook unpacks to {_mb(total)}: a zip bomb, not a return"
            for info in infos:
                if _is_bomb_member(info, limits):
                    return "workbook-bomb", (f"part {info.filename} unpacks {_ratio(info)}x its size: "
                                             "a zip bomb, not a return")
                if info.flag_bits & 0x1:
                    return "workbook-corrupt", "the workbook package has encrypted parts"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError,
            RuntimeError, zlib.error) as exc:
        return "workbook-corrupt", f"the workbook is damaged ({_short(exc)})"
    return None


def _take_encrypted(name: str, data: bytes, modified: datetime, container: str, run: _Run) -> None:
    import msoffcrypto  # only needed for the odd protected return

    if len(data) > run.limits.max_file_bytes:
        run.refuse(name, "too-large", f"{_mb(len(data))}, more than the {_mb(run.limits.max_file_bytes)} "
                   "a return may be", "ask the team to remove pictures and send it again",
                   data=data, modified=modified)
        return
    for password in run.passwords:
        try:
            office = msoffcrypto.OfficeFile(io.BytesIO(data))
            office.load_key(password=password, verify_password=True)
            out = io.BytesIO()
            office.decrypt(out)
        except Exception:  # wrong password and damaged files both land here; try the next
            continue
        plain = out.getvalue()
        if _sniff(plain, ".xlsx") != "workbook":
            run.refuse(name, "not-spreadsheet", "password-protected, and not an Excel workbook once opened",
                       data=data, modified=modified, severity=Severity.INFO)
            return
        _take_workbook(name, plain, data, modified, container, run, encrypted=True)
        return
    run.refuse(name, "password-protected",
               "password-protected; add the team's password to the passwords file (--passwords)",
               "or ask the team to send it again without a password", data=data, modified=modified)


# ---------------------------------------------------------------------------------------------------
# Containers


def _take_zip(name: str, data: bytes, modified: datetime, depth: int, container: str, run: _Run) -> bool:
    limits = run.limits
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        run.refuse(name, "zip-corrupt", f"a damaged zip archive ({_short(exc)})",
                   "ask for the archive again, or for the workbooks themselves", data=data, modified=modified)
        return True
    with zf:
        total = sum(info.file_size for info in infos)
        if total > limits.max_total_bytes:
            run.refuse(name, "zip-bomb", f"the archive unpacks to {_mb(total)}, more than the "
                       f"{_mb(limits.max_total_bytes)} qmr will unpack: not opened",
                       "do not open it; ask for the workbooks themselves", data=data, modified=modified)
            return True
        for info in infos:  # archive order
            _take_member(name, zf, info, modified, depth, container, run)
    return True


def _take_member(archive: str, zf: zipfile.ZipFile, info: zipfile.ZipInfo, fallback: datetime, depth: int,
                 container: str, run: _Run) -> None:
    limits = run.limits
    raw_name = info.filename
    name = f"{archive}/{raw_name.lstrip('/')}"
    if info.is_dir():
        return
    parts = [p for p in raw_name.replace("\\", "/").split("/") if p]
    if "__MACOSX" in parts:
        _hidden(name, run, "macOS resource data (__MACOSX)", info.file_size, _zip_time(info, fallback))
        return
    if any(p.startswith(".") and p not in (".", "..") for p in parts):
        _hidden(name, run, "a hidden entry of the archive", info.file_size, _zip_time(info, fallback))
        return
    trick = _path_trick(info)
    if trick:
        code, message = trick
        run.refuse(name, code, message, "do not extract this archive; ask for the workbooks themselves",
                   size=info.file_size, modified=fallback)
        return
    modified = _zip_time(info, fallback)
    if _is_lock_file(raw_name):
        _lock_file(name, run, size=info.file_size, modified=modified)
        return
    if info.flag_bits & 0x1:
        run.refuse(name, "zip-encrypted-member", "encrypted inside the zip archive; qmr cannot open it",
                   "ask for the archive again without a zip password (a workbook password is fine)",
                   size=info.file_size, modified=modified)
        return
    if _is_bomb_member(info, limits):
        run.refuse(name, "zip-bomb", f"unpacks {_ratio(info)}x its compressed size: a zip bomb, not opened",
                   "do not open it; ask for the workbooks themselves", size=info.file_size, modified=modified)
        return
    is_archive = raw_name.lower().endswith((".zip", ".eml", ".msg"))
    if info.file_size > (limits.max_total_bytes if is_archive else limits.max_file_bytes):
        run.refuse(name, "too-large", f"{_mb(info.file_size)} unpacked, more than qmr will read",
                   "send the workbook on its own", size=info.file_size, modified=modified)
        return
    try:
        with zf.open(info) as handle:
            data = handle.read(info.file_size + 1)  # zipfile stops at the declared size and checks the CRC
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError,
            zlib.error) as exc:
        run.refuse(name, "zip-corrupt", f"damaged inside the zip archive ({_short(exc)})",
                   "ask for the archive again, or for the workbooks themselves",
                   size=info.file_size, modified=modified)
        return
    _take(name, data, modified, depth, container, run)


def _path_trick(info: zipfile.ZipInfo) -> tuple[str, str] | None:
    """Member names that would write outside a folder if extracted: refused even though we never extract."""
    if info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16):
        return "zip-symlink", "a symbolic link inside the zip archive; refused"
    raw = info.filename
    if raw.startswith(("/", "\\")):
        return "zip-unsafe-path", "an absolute path inside the zip archive; refused"
    if _DRIVE.match(raw):
        return "zip-unsafe-path", "a drive letter in a path inside the zip archive; refused"
    if ".." in raw.replace("\\", "/").split("/"):
        return "zip-unsafe-path", "a path climbing out of the archive (`..`); refused"
    return None


def _is_bomb_member(info: zipfile.ZipInfo, limits: Limits) -> bool:
    if info.file_size <= limits.ratio_floor_bytes:
        return False
    return info.compress_size <= 0 or info.file_size / info.compress_size > limits.max_ratio


def _take_eml(name: str, data: bytes, modified: datetime, depth: int, container: str, run: _Run) -> bool:
    try:
        message = email.message_from_bytes(data, policy=email.policy.default)
        if not list(message.keys()):
            raise ValueError("no e-mail headers")
        parts = list(_eml_attachments(message))
        sent = _eml_date(message) or modified
    except Exception as exc:  # the email package can fail in many ways on odd input
        run.refuse(name, "email-corrupt", f"not a readable e-mail ({_short(exc)})",
                   "save the e-mail again (File > Save As), or save its attachments and give those",
                   data=data, modified=modified)
        return True
    return _take_attachments(name, data, parts, sent, modified, depth, container, run)


def _eml_attachments(message: EmailMessage) -> Iterator[tuple[str, bytes]]:
    for number, part in enumerate(message.walk(), start=1):
        if part.is_multipart():
            continue
        filename = part.get_filename()
        if not filename and part.get_content_disposition() != "attachment":
            continue  # the body itself
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            yield (filename or f"attachment-{number}"), payload


def _eml_date(message: EmailMessage) -> datetime | None:
    try:
        header = message["Date"]
        value = getattr(header, "datetime", None) if header is not None else None
    except Exception:  # a malformed Date header is not worth refusing the mail for
        return None
    return _utc(value) if isinstance(value, datetime) else None


def _take_msg(name: str, data: bytes, modified: datetime, depth: int, container: str, run: _Run) -> bool:
    import extract_msg

    logging.getLogger("extract_msg").setLevel(logging.ERROR)  # it is chatty about harmless oddities
    parts: list[tuple[str, bytes]] = []
    try:
        message = extract_msg.openMsg(data, delayAttachments=False)
        try:
            sent = message.date if isinstance(getattr(message, "date", None), datetime) else None
            for number, attachment in enumerate(message.attachments, start=1):
                payload = attachment.data
                if isinstance(payload, bytes):
                    filename = attachment.longFilename or attachment.shortFilename or f"attachment-{number}"
                    parts.append((str(filename), payload))
        finally:
            message.close()
    except Exception as exc:  # extract-msg raises many kinds of error on damaged input
        run.refuse(name, "msg-corrupt", f"not a readable Outlook message ({_short(exc)})",
                   "save the e-mail again from Outlook, or save its attachments and give those",
                   data=data, modified=modified)
        return True
    when = _utc(sent) if sent else modified
    return _take_attachments(name, data, parts, when, modified, depth, container, run)


def _take_attachments(name: str, data: bytes, parts: list[tuple[str, bytes]], sent: datetime,
                      modified: datetime, depth: int, container: str, run: _Run) -> bool:
    found = False
    for filename, payload in parts:
        display = f"{name}/{_basename(filename)}"
        if _is_lock_file(filename):
            continue
        if len(payload) > run.limits.max_total_bytes:
            run.refuse(display, "too-large", f"{_mb(len(payload))}, more than qmr will read",
                       "send the workbook on its own", size=len(payload), modified=sent)
            found = True
            continue
        found = _take(display, payload, sent, depth, container, run, attachment=True) or found
    if not found:
        run.refuse(name, "email-no-spreadsheet", "an e-mail with no spreadsheet attached; ignored",
                   "check whether the team meant to attach their return", data=data, modified=modified,
                   severity=Severity.INFO)
    return True


# ---------------------------------------------------------------------------------------------------
# Small helpers


def _is_lock_file(name: str) -> bool:
    return _basename(name).startswith("~$")


def _lock_file(name: str, run: _Run, size: int = 0, modified: datetime | None = None) -> None:
    run.refuse(name, "lock-file", "Excel lock file, not a return; the real file is beside it",
               "nothing to do (close the workbook in Excel to make it go away)", size=size,
               modified=modified, severity=Severity.INFO)


def _hidden(name: str, run: _Run, what: str, size: int, modified: datetime | None = None) -> None:
    run.refuse(name, "hidden-file", f"{what}; ignored, as hidden files are",
               "nothing to do; a return must not be hidden (its name must not start with a dot)",
               size=size, modified=modified, severity=Severity.INFO, noted=False)  # Sources only: no noise


def _size_of(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _basename(name: str) -> str:
    return name.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


def _zip_time(info: zipfile.ZipInfo, fallback: datetime) -> datetime:
    try:
        return datetime(*info.date_time, tzinfo=UTC)  # zip times carry no zone; take them as UTC
    except (TypeError, ValueError):
        return fallback


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _iso(value: datetime) -> str:
    return _utc(value).isoformat(timespec="seconds")


def _mb(size: int) -> str:
    return f"{size / MB:.1f} MB"


def _ratio(info: zipfile.ZipInfo) -> str:
    return "∞" if info.compress_size <= 0 else f"{info.file_size // info.compress_size:,}"


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]
