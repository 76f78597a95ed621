"""What collecting takes in: the limits, the candidate a return becomes, and one run's record of
everything taken or refused. Shared by the walk (sources), archives, e-mails and encrypted files."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from qmr.findings import basename
from qmr.model import Finding, Severity, SourceOutcome, SourceRecord
from qmr.returns.formats import OLE_MAGIC

MB = 1024 * 1024


@dataclass(frozen=True)
class Origin:
    """Where a file came from: the outermost archive or e-mail, and who sent the e-mail."""

    container: str = ""  # "" for a plain file
    sender: str = ""  # the From of the e-mail it was attached to (possibly inside a zip), "" if none

    def within(self, name: str) -> Origin:
        """The origin of what is inside `name`, an archive or e-mail (the outermost one counts)."""
        return Origin(self.container or name, self.sender)


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
    sender: str = ""  # the From of the e-mail it came attached to, "" if it did not come by e-mail


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Run:
    """What one collect() call accumulates, so helpers stay small. `take` deals with one file's bytes
    (sources.take): archives and e-mails hand their members back to it."""

    passwords: tuple[str, ...]
    limits: Limits
    take: Callable[..., bool]
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
            modified=iso(modified) if modified else "", outcome=outcome, reason=message))


def take_workbook(name: str, data: bytes, received: bytes, modified: datetime, origin: Origin, run: Run,
                  *, encrypted: bool, directory: Sequence[zipfile.ZipInfo] | None) -> None:
    """Check the package is safe for the reader to open in memory, then keep it (`directory`: its zip
    directory as sniff read it; None for an .xls)."""
    limits = run.limits
    if len(received) > limits.max_file_bytes:
        run.refuse(name, "too-large", f"{mb(len(received))}, more than the {mb(limits.max_file_bytes)} "
                   "a return may be", "ask the team to remove pictures or pasted data and send it again",
                   data=received, modified=modified)
        return
    problem = package_problem(data, limits, directory)
    if problem:
        code, message = problem
        action = ("ask the team to open it in Excel and save it again as .xlsx" if code == "workbook-corrupt"
                  else "do not open this file; ask the team to send their return again")
        run.refuse(name, code, message, action, data=received, modified=modified)
        return
    run.candidates.append(Candidate(name=name, data=data, size=len(received), sha256=sha256_of(received),
                                    modified=modified, encrypted_was=encrypted, container=origin.container,
                                    sender=origin.sender))


def package_problem(data: bytes, limits: Limits, directory: Sequence[zipfile.ZipInfo] | None
                    ) -> tuple[str, str] | None:
    """Why a workbook package must not be opened (bomb or damage), or None, from its zip directory
    alone (`directory`, as sniff read it; None for an .xls). Decompressing every part to
    verify it is the return reader's first step: it runs in parallel there, and still before calamine
    sees the file (returns.extent.package_problem). An .xls is no package: nothing in it is
    compressed, so its size is all there is to bound here."""
    if data.startswith(OLE_MAGIC):
        return None
    if directory is None:  # not a package: sniff read no directory, so it is no zip at all
        return "workbook-corrupt", "the workbook is damaged (not a package)"
    return _directory_problem(directory, limits)


def _directory_problem(infos: Sequence[zipfile.ZipInfo], limits: Limits) -> tuple[str, str] | None:
    total = sum(info.file_size for info in infos)
    if total > limits.max_total_bytes:
        return "workbook-bomb", f"the workbook unpacks to {mb(total)}: a zip bomb, not a return"
    for info in infos:
        if is_bomb_member(info, limits):
            return "workbook-bomb", (f"part {info.filename} unpacks {ratio(info)}x its size: "
                                     "a zip bomb, not a return")
        if info.flag_bits & 0x1:
            return "workbook-corrupt", "the workbook package has encrypted parts"
    return None


def is_bomb_member(info: zipfile.ZipInfo, limits: Limits) -> bool:
    if info.file_size <= limits.ratio_floor_bytes:
        return False
    return info.compress_size <= 0 or info.file_size / info.compress_size > limits.max_ratio


def is_lock_file(name: str) -> bool:
    return basename(name).startswith("~$")


def lock_file(name: str, run: Run, size: int = 0, modified: datetime | None = None) -> None:
    run.refuse(name, "lock-file", "Excel lock file, not a return; the real file is beside it",
               "nothing to do (close the workbook in Excel to make it go away)", size=size,
               modified=modified, severity=Severity.INFO)


def hidden(name: str, run: Run, what: str, size: int, modified: datetime | None = None) -> None:
    run.refuse(name, "hidden-file", f"{what}; ignored, as hidden files are",
               "nothing to do; a return must not be hidden (its name must not start with a dot)",
               size=size, modified=modified, severity=Severity.INFO, noted=False)  # Sources only: no noise


def size_of(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def zip_time(info: zipfile.ZipInfo, fallback: datetime) -> datetime:
    try:
        return datetime(*info.date_time, tzinfo=UTC)  # zip times carry no zone; take them as UTC
    except (TypeError, ValueError):
        return fallback


def utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso(value: datetime) -> str:
    return utc(value).isoformat(timespec="seconds")


def mb(size: int) -> str:
    return f"{size / MB:.1f} MB"


def ratio(info: zipfile.ZipInfo) -> str:
    return "∞" if info.compress_size <= 0 else f"{info.file_size // info.compress_size:,}"


def short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]
