"""Writing outputs so that a crash never leaves half a file: write a temporary file in the same
folder (so the rename stays on one file system), then replace the target in one rename."""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def write_atomic(path: Path, write: Callable[[Path], object]) -> Path:
    """Call `write(temporary path)`, then rename the result over `path`; on failure remove it."""
    path = Path(path)
    temporary = temporary_for(path)
    try:
        write(temporary)
        put_in_place(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def temporary_for(path: Path) -> Path:
    """A new, empty temporary file beside `path` (its folder made if need be), named so that a later
    write of `path` removes it if this run is killed before `put_in_place`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    return Path(name)


def put_in_place(temporary: Path, path: Path) -> Path:
    """Rename a finished temporary over `path` in one step, with the permissions `path` should have."""
    os.chmod(temporary, _new_file_mode(path))
    os.replace(temporary, path)
    return path


# A run killed mid-write leaves its temporary behind; one older than this is nobody's any more
# (a write in progress touches its file far more often), so the next write of the same name removes it.
STALE_AFTER_SECONDS = 120


def remove_stale_temporaries(path: Path, *, now: float | None = None) -> list[Path]:
    """Remove `.<name>.XXXXXXXX.tmp` files (write_atomic's own pattern for this target) that an earlier,
    killed run left beside `path`; nothing else is touched. Returns what was removed."""
    pattern = re.compile(rf"^\.{re.escape(path.name)}\.[A-Za-z0-9_]{{8}}\.tmp$")
    cutoff = (time.time() if now is None else now) - STALE_AFTER_SECONDS
    removed = []
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return removed
    for entry in entries:
        try:
            if pattern.match(entry.name) and entry.is_file(follow_symlinks=False) \
                    and entry.stat(follow_symlinks=False).st_mtime < cutoff:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:  # gone already, or not ours to remove: leave it
            continue
    return removed


def write_bytes_atomic(path: Path, data: bytes) -> Path:
    return write_atomic(path, lambda temporary: temporary.write_bytes(data))


def _new_file_mode(path: Path) -> int:
    """Keep an existing file's permissions; a new file gets what the umask allows (mkstemp gives 0600)."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask
