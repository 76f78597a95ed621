"""Collecting returned workbooks from wherever they arrived: files, folders, zip archives, saved e-mails.

Everything here is untrusted input. Nothing is extracted to disk and nothing is modified: files are
read once, archives and e-mails are opened in memory, and every refusal becomes a Finding plus a
SourceRecord. The return reader (which identifies the team from the hidden identity sheet) gets only
Candidates whose package has already been checked, so python-calamine never opens a bomb.

This module walks the sources and decides what each file is; archives, mail and encrypted take
their own kinds, intake holds what they share, sniff what bytes are.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from qmr.collect.archives import take_zip
from qmr.collect.encrypted import EXCEL_DEFAULT_PASSWORD, take_encrypted
from qmr.collect.intake import (
    Candidate,
    Limits,
    Origin,
    Run,
    hidden,
    is_lock_file,
    lock_file,
    mb,
    sha256_of,
    size_of,
    take_workbook,
)
from qmr.collect.mail import take_eml, take_msg
from qmr.collect.passwords import read_passwords
from qmr.collect.sniff import REFUSALS, sniff
from qmr.model import Finding, Severity, SourceRecord
from qmr.returns.formats import OLE_MAGIC

__all__ = ["OLE_MAGIC", "Candidate", "Collection", "Limits", "collect", "read_passwords", "sha256_of"]


def collect(
    sources: Sequence[Path],
    passwords: Mapping[str, str] | None = None,
    limits: Limits = Limits(),  # noqa: B008 - frozen, so a shared default is safe
) -> tuple[list[Candidate], list[Finding], list[SourceRecord]]:
    """Every spreadsheet that may be a return, from files, folders, zips, .eml and .msg e-mails.

    Returns the candidates (in source order; folders sorted, archive members in archive order), the
    findings about everything refused or skipped, and a SourceRecord for each refused or skipped file.
    """
    collection = Collection(sources, passwords, limits)
    candidates = list(collection)
    return candidates, collection.findings, collection.records


class Collection:
    """`collect` one file at a time: iterating gives the candidates as each file is read, so a whole
    batch's bytes need never be in memory together; `findings` and `records` are complete once it
    has been iterated to the end."""

    def __init__(self, sources: Sequence[Path], passwords: Mapping[str, str] | None = None,
                 limits: Limits = Limits()) -> None:  # noqa: B008
        tried = [passwords[key] for key in sorted(passwords or {})]
        self._run = Run(tuple(dict.fromkeys([*tried, EXCEL_DEFAULT_PASSWORD])), limits, take)
        self._sources = tuple(sources)

    @property
    def findings(self) -> list[Finding]:
        return self._run.findings

    @property
    def records(self) -> list[SourceRecord]:
        return self._run.records

    def __iter__(self) -> Iterator[Candidate]:
        run = self._run
        seen: set[Path] = set()
        folders: dict[Path, Path] = {}  # each folder as resolved, once: resolving every file cost 40 µs
        for source in self._sources:
            path = Path(source)
            for file in _files_of(path, run):
                key = _identity(file, folders)
                if key in seen:
                    continue  # named twice on the command line, or a file inside a folder also given
                seen.add(key)
                _take_file(file, run)
                yield from run.candidates
                run.candidates.clear()


def _identity(path: Path, folders: dict[Path, Path]) -> Path:
    """The file's path with every link resolved (what path.resolve() gives), resolving its folder
    only once for all the files in it (not on Windows, where resolving also gives the name the
    case it has on disk)."""
    try:
        if path.name in ("", ".", "..") or os.name == "nt" or path.is_symlink():
            return path.resolve()
        folder = folders.get(path.parent)
        if folder is None:
            folder = folders[path.parent] = path.parent.resolve()
        return folder / path.name
    except (OSError, RuntimeError):
        return path.absolute()


def _files_of(path: Path, run: Run) -> Iterator[Path]:
    """The files a source names: itself, or a folder's files recursively, sorted, hidden ones skipped."""
    if path.is_dir():
        found: list[Path] = []
        for root, _, files in os.walk(path):
            found.extend(Path(root) / name for name in files)
        for file in sorted(found, key=lambda p: p.relative_to(path).parts):  # one order, whatever the disk
            dotted = next((part for part in file.relative_to(path).parts if part.startswith(".")), None)
            if dotted is None:
                yield file
            else:  # listed, not read: a hidden file is the system's or an editor's, not a return
                hidden(str(file), run, "a hidden file" if dotted == file.name else f"inside the hidden folder "
                       f"{dotted}", size_of(file))
    elif path.exists():
        yield path
    else:
        run.refuse(str(path), "source-missing", "no such file or folder",
                   "check the path; a SOURCE is a file, a folder, a .zip, an .eml or a .msg")


def _take_file(path: Path, run: Run) -> None:
    name = str(path)
    try:
        info = path.stat()
        if is_lock_file(name):  # not read: Excel may hold it locked, and it holds no data
            lock_file(name, run, size=info.st_size,
                       modified=datetime.fromtimestamp(info.st_mtime, tz=UTC))
            return
        if not stat.S_ISREG(info.st_mode):
            run.refuse(name, "not-a-file", "not a regular file", "give qmr files, folders or archives",
                       severity=Severity.INFO)
            return
        modified = datetime.fromtimestamp(info.st_mtime, tz=UTC)
        if info.st_size > max(run.limits.max_total_bytes, run.limits.max_file_bytes):
            run.refuse(name, "too-large", f"{mb(info.st_size)}, more than qmr will read",
                       "send the workbook on its own, not inside a larger bundle", size=info.st_size,
                       modified=modified)
            return
        with open(path, "rb") as handle:  # read-only: inputs are never modified
            data = handle.read()
    except OSError as exc:
        run.refuse(name, "unreadable", f"cannot read the file ({exc.strerror or exc})",
                   "check the file is not open elsewhere and that you may read it")
        return
    take(name, data, modified, depth=0, origin=Origin(), run=run)


def take(name: str, data: bytes, modified: datetime, depth: int, origin: Origin, run: Run,
          attachment: bool = False) -> bool:
    """Deal with one file's bytes; True when it yielded (or was) something spreadsheet-like."""
    suffix = PurePosixPath(name.replace("\\", "/")).suffix.lower()
    found = sniff(data, suffix)
    kind = found.kind
    if kind in ("workbook", "xls"):
        take_workbook(name, data, data, modified, origin, run, encrypted=False, directory=found.directory)
    elif kind == "encrypted":
        take_encrypted(name, data, modified, origin, run)
    elif kind in ("zip", "eml", "msg"):
        if depth + 1 > run.limits.max_depth:
            run.refuse(name, "nested-too-deep",
                       f"an archive or e-mail nested more than {run.limits.max_depth} deep; not opened",
                       "send the workbooks directly, or in a single zip", data=data, modified=modified)
            return True
        opener = {"zip": take_zip, "eml": take_eml, "msg": take_msg}[kind]
        return opener(name, data, modified, depth + 1, origin.within(name), run)
    elif kind in REFUSALS:
        code, message, action = REFUSALS[kind]
        run.refuse(name, code, message, action, data=data, modified=modified)
    elif attachment:
        return False  # signature images and the like: not worth a line each
    else:
        run.refuse(name, "not-spreadsheet", "not a spreadsheet; ignored", data=data, modified=modified,
                   severity=Severity.INFO)
        return False
    return True
