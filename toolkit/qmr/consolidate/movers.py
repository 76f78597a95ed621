"""What moved: items whose status changed since their last report in history, worst first.

Green, Amber and Red are one scale, so a move along it is worse or better by how many steps (Green
to Red before Amber to Red before Green to Amber: two steps first, then the one that ends in Red).
N/A and Missing are off that scale: a move to or from them is listed as changed, after the worse
and better ones. An item with no earlier report at all is new. The comparison is with the item's
last report, which for a risk or equality action (Q2 and Q4 only) is two quarters back.
"""

from __future__ import annotations

from collections.abc import Sequence

from qmr.judge.past import PastIndex
from qmr.model import Movement, Mover, ReportedItem, Status

SCALE = {Status.GREEN: 0, Status.AMBER: 1, Status.RED: 2}
GROUP_ORDER = (Movement.WORSE, Movement.BETTER, Movement.CHANGED, Movement.NEW)


def movement(before: Status, now: Status) -> Movement | None:
    """How a status moved, or None when it did not."""
    if before is now:
        return None
    if before in SCALE and now in SCALE:
        return Movement.WORSE if SCALE[now] > SCALE[before] else Movement.BETTER
    return Movement.CHANGED


def _status(text: str) -> Status:
    try:
        return Status(text)
    except ValueError:  # history holds what was accepted; anything else was not a usable status
        return Status.MISSING


def find_movers(items: Sequence[tuple[ReportedItem, str]], history: PastIndex) -> list[Mover]:
    """Movers among (item, return row key) pairs, worst movement first, then in the items' order."""
    movers: list[tuple[tuple[int, ...], Mover]] = []
    for position, (item, row_key) in enumerate(items):
        earlier = history.get((item.team, row_key), [])
        if not earlier:
            movers.append(((GROUP_ORDER.index(Movement.NEW), 0, 0, position), Mover(item, Movement.NEW)))
            continue
        period, last = earlier[-1]
        before = _status(last.status)
        moved = movement(before, item.status)
        if moved is None:
            continue
        steps = abs(SCALE.get(item.status, 0) - SCALE.get(before, 0))
        # bigger moves first; among equal moves the one ending worse (worse) or better (better) first
        ending = -SCALE.get(item.status, 0) if moved is Movement.WORSE else SCALE.get(item.status, 0)
        key = (GROUP_ORDER.index(moved), -steps, ending, position)
        movers.append((key, Mover(item, moved, period.label, before, last.commentary)))
    return [mover for _, mover in sorted(movers, key=lambda pair: pair[0])]
