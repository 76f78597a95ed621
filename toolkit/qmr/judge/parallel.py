"""Work spread over processes, results in input order, with only a few chunks of input in flight:
the items (returns' bytes) come from an iterator and are let go as soon as their chunk is done, so a
batch of 20,000 returns is never in memory at once.

What every item's work needs alike (the plan, the history) is the `context`, given to each worker
once when it starts, not pickled with every chunk.
"""

from __future__ import annotations

import gc
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import chain, islice
from typing import Any

from qmr.background import give_back_freed_memory

CHUNK = 8  # items per task: amortises the task's pickling and hand-over
AHEAD = 4  # chunks in flight per worker: keeps every core busy, bounds what is held
SERIAL_BELOW = 24  # below this many items, starting processes costs more than it saves

# The worker process's context, set once by the pool's initializer (each worker is its own process:
# nothing here is shared or changed after start-up).
_context: object = None


def _start(context: object) -> None:
    global _context
    _context = context


def _run_chunk(work: Callable[..., Any], chunk: list[tuple]) -> list[Any]:
    return [work(_context, *arguments) for arguments in chunk]


def ordered_map(work: Callable[..., Any], context: object, items: Iterable[tuple[Any, tuple]], *,
                workers: int | None = None) -> Iterator[tuple[Any, Any]]:
    """(key, work(context, *arguments)) for each (key, arguments) of `items`, in order. `work` must be
    a module-level function; the keys stay in this process, the arguments go to a worker."""
    count = workers or os.cpu_count() or 1
    iterator = iter(items)
    first = list(islice(iterator, SERIAL_BELOW))
    if count <= 1 or len(first) < SERIAL_BELOW:
        for key, arguments in chain(first, iterator):
            yield key, work(context, *arguments)
        return
    # Forked workers share the parent's pages until something writes to them; the collector's own
    # bookkeeping in each object header is such a write. Frozen objects are left alone by it, so the
    # plan and history stay shared instead of being copied into every worker.
    give_back_freed_memory()
    gc.freeze()
    try:
        yield from _in_pool(work, context, count, chain(first, iterator))
    finally:
        gc.unfreeze()


def _in_pool(work: Callable[..., Any], context: object, count: int, items: Iterator[tuple[Any, tuple]]
             ) -> Iterator[tuple[Any, Any]]:
    pending: deque[tuple[list[Any], Future[list[Any]]]] = deque()
    with ProcessPoolExecutor(max_workers=count, initializer=_start, initargs=(context,)) as pool:
        for chunk in _chunks(items):
            keys = [key for key, _ in chunk]
            pending.append((keys, pool.submit(_run_chunk, work, [arguments for _, arguments in chunk])))
            del chunk  # the arguments are the task's now, and let go when it is done
            if len(pending) >= count * AHEAD:
                yield from _finished(pending.popleft())
        while pending:
            yield from _finished(pending.popleft())


def _chunks(items: Iterator[tuple[Any, tuple]]) -> Iterator[list[tuple[Any, tuple]]]:
    while chunk := list(islice(items, CHUNK)):
        yield chunk


def _finished(task: tuple[list[Any], Future[list[Any]]]) -> Iterator[tuple[Any, Any]]:
    keys, future = task
    yield from zip(keys, future.result(), strict=True)
