"""Zip archives: opened in memory under the limits, members taken in archive order; a member whose
path would write outside a folder (were it extracted) is refused, though nothing is ever extracted."""

from __future__ import annotations

import io
import re
import stat
import zipfile
import zlib
from datetime import datetime

from qmr.collect.intake import (
    Origin,
    Run,
    hidden,
    is_bomb_member,
    is_lock_file,
    lock_file,
    mb,
    ratio,
    short,
    zip_time,
)

_DRIVE = re.compile(r"^[A-Za-z]:")


def take_zip(name: str, data: bytes, modified: datetime, depth: int, origin: Origin, run: Run) -> bool:
    limits = run.limits
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        run.refuse(name, "zip-corrupt", f"a damaged zip archive ({short(exc)})",
                   "ask for the archive again, or for the workbooks themselves", data=data, modified=modified)
        return True
    with zf:
        total = sum(info.file_size for info in infos)
        if total > limits.max_total_bytes:
            run.refuse(name, "zip-bomb", f"the archive unpacks to {mb(total)}, more than the "
                       f"{mb(limits.max_total_bytes)} qmr will unpack: not opened",
                       "do not open it; ask for the workbooks themselves", data=data, modified=modified)
            return True
        for info in infos:  # archive order
            _take_member(name, zf, info, modified, depth, origin, run)
    return True


def _take_member(archive: str, zf: zipfile.ZipFile, info: zipfile.ZipInfo, fallback: datetime, depth: int,
                 origin: Origin, run: Run) -> None:
    limits = run.limits
    raw_name = info.filename
    name = f"{archive}/{raw_name.lstrip('/')}"
    if info.is_dir():
        return
    parts = [p for p in raw_name.replace("\\", "/").split("/") if p]
    if "__MACOSX" in parts:
        hidden(name, run, "macOS resource data (__MACOSX)", info.file_size, zip_time(info, fallback))
        return
    if any(p.startswith(".") and p not in (".", "..") for p in parts):
        hidden(name, run, "a hidden entry of the archive", info.file_size, zip_time(info, fallback))
        return
    trick = _path_trick(info)
    if trick:
        code, message = trick
        run.refuse(name, code, message, "do not extract this archive; ask for the workbooks themselves",
                   size=info.file_size, modified=fallback)
        return
    modified = zip_time(info, fallback)
    if is_lock_file(raw_name):
        lock_file(name, run, size=info.file_size, modified=modified)
        return
    if info.flag_bits & 0x1:
        run.refuse(name, "zip-encrypted-member", "encrypted inside the zip archive; qmr cannot open it",
                   "ask for the archive again without a zip password (a workbook password is fine)",
                   size=info.file_size, modified=modified)
        return
    if is_bomb_member(info, limits):
        run.refuse(name, "zip-bomb", f"unpacks {ratio(info)}x its compressed size: a zip bomb, not opened",
                   "do not open it; ask for the workbooks themselves", size=info.file_size, modified=modified)
        return
    is_archive = raw_name.lower().endswith((".zip", ".eml", ".msg"))
    if info.file_size > (limits.max_total_bytes if is_archive else limits.max_file_bytes):
        run.refuse(name, "too-large", f"{mb(info.file_size)} unpacked, more than qmr will read",
                   "send the workbook on its own", size=info.file_size, modified=modified)
        return
    try:
        with zf.open(info) as handle:
            data = handle.read(info.file_size + 1)  # zipfile stops at the declared size and checks the CRC
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError,
            zlib.error) as exc:
        run.refuse(name, "zip-corrupt", f"damaged inside the zip archive ({short(exc)})",
                   "ask for the archive again, or for the workbooks themselves",
                   size=info.file_size, modified=modified)
        return
    run.take(name, data, modified, depth, origin, run)


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
