"""What qmr works out itself about a PI: the status its figures imply, and its direction of travel.

The reported status is always the one shown; `auto_status` exists so that a disagreement can be
raised as a finding and so managers can see both.
"""

from __future__ import annotations

from collections.abc import Sequence

from qmr.model import Indicator, Polarity, Status
from qmr.plan.targets import quarter_target

# Without a tolerance in the register, a miss of up to 5% of the target is Amber.
DEFAULT_TOLERANCE_SHARE = 0.05


def auto_status(indicator: Indicator, quarter: int, actual: float | None) -> Status | None:
    """Green when the target is met, Amber when missed by no more than the tolerance, else Red.

    None when it cannot be computed: no numeric actual or target, or no polarity.
    """
    target = quarter_target(indicator, quarter)
    if actual is None or target is None or indicator.polarity is Polarity.NONE:
        return None
    tolerance = indicator.tolerance
    if tolerance is None:
        tolerance = abs(target) * DEFAULT_TOLERANCE_SHARE
    if indicator.polarity is Polarity.TARGET:
        gap = abs(actual - target)
        if gap <= tolerance:
            return Status.GREEN
        return Status.AMBER if gap <= 2 * tolerance else Status.RED
    shortfall = target - actual if indicator.polarity is Polarity.HIGHER else actual - target
    if shortfall <= 0:
        return Status.GREEN
    return Status.AMBER if shortfall <= tolerance else Status.RED


def compare(indicator: Indicator, now: float, before: float, target: float | None) -> str:
    """better / same / worse, taking polarity into account; "" when polarity gives no direction."""
    if indicator.polarity is Polarity.TARGET:
        if target is None:
            return ""
        now, before = -abs(now - target), -abs(before - target)
    elif indicator.polarity is Polarity.LOWER:
        now, before = -now, -before
    elif indicator.polarity is not Polarity.HIGHER:
        return ""
    if abs(now - before) <= 1e-9 * max(1.0, abs(before)):
        return "same"
    return "better" if now > before else "worse"


def direction(indicator: Indicator, quarter: int, actual: float | None, last_year: float | None) -> str:
    """Direction of travel against the same quarter last year."""
    if actual is None or last_year is None:
        return ""
    return compare(indicator, actual, last_year, quarter_target(indicator, quarter))


def no_direction_reason(indicator: Indicator, quarter: int, actual: float | None, last_year: float | None,
                        compared: str) -> str:
    """Why `direction` gives no arrow, as a reader is told it; "" when it gives one. `compared`
    names the quarter looked for, e.g. 2014/15 Q3."""
    if not indicator.numeric:
        return "no direction for a text PI"
    if indicator.polarity is Polarity.NONE:
        return "no direction: the register gives this PI no polarity"
    if actual is None:
        return "no figure this quarter to compare"
    if last_year is None:
        return f"no {compared} figure in history"
    if indicator.polarity is Polarity.TARGET and quarter_target(indicator, quarter) is None:
        return "no numeric target to be closest to"
    return ""


def trend(indicator: Indicator, quarter: int, actual: float | None, recent: Sequence[float]) -> str:
    """Long trend: this value against the average of the last four values (needs at least two)."""
    last = list(recent)[-4:]
    if actual is None or len(last) < 2:
        return ""
    return compare(indicator, actual, sum(last) / len(last), quarter_target(indicator, quarter))
