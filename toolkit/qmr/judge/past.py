"""Earlier periods' values, indexed the way judging and consolidating one period look them up."""

from __future__ import annotations

from collections.abc import Sequence

from qmr.model import PastValue
from qmr.period import Period

# (team, row key) -> earlier values, oldest first
PastIndex = dict[tuple[str, str], list[tuple[Period, PastValue]]]


def index_past(past: Sequence[PastValue], before: Period) -> PastIndex:
    """Every value from a period before `before`, by team and return row, oldest first."""
    index: PastIndex = {}
    for value in past:
        if value.period < before:
            index.setdefault((value.team, value.key), []).append((value.period, value))
    for values in index.values():
        values.sort(key=lambda pair: pair[0])
    return index
