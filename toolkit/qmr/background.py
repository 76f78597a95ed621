"""One piece of work done in a forked child process while this one goes on with another.

Writing the master is one process's work for seconds; on a machine with a second core, work that
needs only what is already in memory (the rows of the master's largest sheets, the Data CSV, a
large register's reading) is done beside it instead of in turn.
The child is forked, so what the work reads is shared with it, not pickled; only the result (or the
exception) comes back, and the child exits as soon as it has sent it (an idle child would keep its
share of the parent's pages resident). Only on Linux (macOS forks unsafely once its frameworks are
loaded; Windows cannot), with a second CPU this process may use, and when the fork succeeds;
otherwise the work is simply done when its result is asked for, in this process: the same outputs,
only later.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import pickle
import sys
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def _child(connection: Connection, work: Callable[..., Any], arguments: tuple[Any, ...],
           then: Callable[[], Any] | None) -> None:
    try:
        connection.send(_outcome(work, arguments))
        if then is not None:  # the first result is on its way: the parent need not wait for this one
            connection.send(_outcome(then, ()))
        connection.close()
    except OSError:  # the parent is gone: nobody to tell
        pass


def _outcome(work: Callable[..., Any], arguments: tuple[Any, ...]) -> tuple[bool, Any]:
    try:
        outcome: tuple[bool, Any] = (True, work(*arguments))
    except BaseException as error:  # noqa: BLE001 - every failure goes back to the parent to be raised there
        error.add_note(f"in a background process:\n{traceback.format_exc()}")
        outcome = (False, error)
    try:
        pickle.loads(pickle.dumps(outcome))  # what the parent cannot unpickle is said as text instead
    except Exception as unpicklable:  # noqa: BLE001
        outcome = (False, RuntimeError(f"background work failed: {outcome[1]!r} ({unpicklable})"))
    return outcome


def _spare_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # a container limited to one CPU has no core to spare
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def can_fork() -> bool:
    return sys.platform.startswith("linux") and _spare_cpus() >= 2


class Background(Generic[T]):
    """Work under way in a child process (or waiting to be done here), and optionally more work
    (`then`) that the child does after sending the first result: a caller that needs the first soon
    and the second only later waits for neither longer than it must."""

    def __init__(self, work: Callable[..., T], arguments: tuple[Any, ...], then: Callable[[], Any] | None = None):
        self._work, self._arguments, self._then = work, arguments, then
        self._process: BaseProcess | None = None
        self._connection: Connection | None = None
        if can_fork():
            self._start()

    def _start(self) -> None:
        give_back_freed_memory()
        context = multiprocessing.get_context("fork")
        try:
            receiving, sending = context.Pipe(duplex=False)
        except OSError:  # no file descriptors left: done here instead
            return
        try:
            self._process = context.Process(target=_child, args=(sending, self._work, self._arguments,
                                                                 self._then), daemon=True)
            self._process.start()
        except OSError:  # no memory or processes left to fork with: done here instead
            self._process = None
            receiving.close()
            return
        finally:
            sending.close()  # the child's end: only the child holds it now, so its death is seen here
        self._connection = receiving

    def result(self) -> T:
        """The work's result, waiting for it; its exception is raised here. A child that died without
        sending one (killed, out of memory) has its work done again here, so the output is still made."""
        return self._received(self._work, self._arguments, last=self._then is None)

    def then_result(self) -> Any:
        """The `then` work's result, once result() has been had: as result() gives its own."""
        assert self._then is not None
        return self._received(self._then, (), last=True)

    def _received(self, work: Callable[..., Any], arguments: tuple[Any, ...], *, last: bool) -> Any:
        if self._connection is None:
            return work(*arguments)
        try:
            succeeded, value = self._connection.recv()
        except EOFError:
            self._close()
            return work(*arguments)
        except BaseException:
            self.cancel()
            raise
        if last:
            self._close()
        if succeeded:
            return value
        raise value

    def cancel(self) -> None:
        """Stop the work: the caller failed and wants none of it."""
        if self._process is not None:
            self._process.terminate()
        self._close()

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self._process is not None:
            self._process.join()
            self._process = None


def give_back_freed_memory() -> None:
    """Return to the system the memory this process has freed but its C allocator still holds, so a
    child forked next does not inherit it as resident. Reading a large register through calamine frees
    tens of MB that glibc keeps (70 MB at 200,000 rows), which each judging worker would otherwise map
    too. Costs a few hundredths of a second; does nothing off Linux or where the C library is not glibc."""
    if not sys.platform.startswith("linux"):
        return
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the C library the interpreter itself is linked with
    except (OSError, AttributeError):  # not glibc (musl): nothing to give back this way
        return
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    trim(0)


def in_background(work: Callable[..., T], *arguments: Any, then: Callable[[], Any] | None = None
                  ) -> Background[T]:
    """Start `work(*arguments)` in a forked child, when this machine has a core to spare for it, and
    `then()` in the same child once its result is sent."""
    return Background(work, arguments, then)
