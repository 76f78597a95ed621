"""One piece of work done in a forked child process while this one goes on with another.

Writing the master is one process's work for seconds; on a machine with a second core, an output
that needs only what is already in memory (the Data CSV) is written beside it instead of after it.
The child is forked, so what the work reads is shared with it, not pickled; only the result (or the
exception) comes back. Where fork is not available the work is simply done when its result is asked
for, in this process: the same outputs, only later.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Generic, TypeVar

T = TypeVar("T")

# The child's work, set by the pool's initializer in the child only (inherited through fork: not
# pickled, and never set in the parent).
_work: tuple[Callable[..., Any], tuple[Any, ...]] | None = None


def _start(work: Callable[..., Any], arguments: tuple[Any, ...]) -> None:
    global _work
    _work = (work, arguments)


def _run() -> Any:
    assert _work is not None
    work, arguments = _work
    return work(*arguments)


class Background(Generic[T]):
    """Work under way in a child process (or waiting to be done here, without fork)."""

    def __init__(self, work: Callable[..., T], arguments: tuple[Any, ...], pool: ProcessPoolExecutor | None):
        self._work, self._arguments, self._pool = work, arguments, pool
        self._future: Future[T] | None = pool.submit(_run) if pool is not None else None

    def result(self) -> T:
        """The work's result, waiting for it; its exception is raised here. A child that died without
        one (killed, out of memory) is retried here, so the output is still made."""
        try:
            if self._future is None:
                return self._work(*self._arguments)
            try:
                return self._future.result()
            except BrokenProcessPool:
                return self._work(*self._arguments)
        finally:
            self._close()

    def cancel(self) -> None:
        """Stop the work: the caller failed and wants none of it."""
        if self._pool is not None:
            for process in list(getattr(self._pool, "_processes", {}).values()):
                process.terminate()
        self._close()

    def _close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def in_background(work: Callable[..., T], *arguments: Any) -> Background[T]:
    """Start `work(*arguments)` in a forked child, when this machine has a core to spare for it."""
    if (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return Background(work, arguments, None)
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"),
                               initializer=_start, initargs=(work, arguments))
    return Background(work, arguments, pool)
