"""Telling a file python-calamine cannot read from an interruption.

calamine raises its own exception types for corrupt files, and on some values (a date cell holding
-1e20) its Rust code panics: that arrives as pyo3's PanicException, which derives from
BaseException and so slips past `except Exception`. Both are a problem with the file, to be
reported as a finding; KeyboardInterrupt and SystemExit are not. Rust also prints the panic (and,
with RUST_BACKTRACE set, a backtrace) straight to file descriptor 2, which `silenced_panics`
keeps away from the officer's terminal: the finding says what went wrong.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


def is_reading_failure(error: BaseException) -> bool:
    return isinstance(error, Exception) or type(error).__name__ == "PanicException"


@contextmanager
def silenced_panics() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null while calamine works; Python's own errors are exceptions."""
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all (e.g. a detached service): nothing to protect
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
