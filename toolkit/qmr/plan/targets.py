"""The target each quarter is judged against, from the register's annual and quarterly targets:
one home for templates (the target shown), auto_status and the master."""

from __future__ import annotations

from qmr.model import Indicator, Profile


def quarter_target(indicator: Indicator, quarter: int) -> float | None:
    """The numeric target to judge a quarter's actual against, or None when there is none.

    cumulative: the quarter's own target, else the annual target pro rata (a year-to-date figure);
    flat: the quarter's own target, else the annual target;
    discrete: the quarter's own target, else a quarter of the annual target.
    """
    own = indicator.quarter_targets[quarter - 1]
    if isinstance(own, (int, float)):
        return float(own)
    if isinstance(own, str) and own.strip():
        return None  # "Not set for Q2": no status can be computed this quarter
    annual = indicator.annual_target
    if not isinstance(annual, (int, float)):
        return None
    if indicator.profile is Profile.CUMULATIVE:
        return float(annual) * quarter / 4
    if indicator.profile is Profile.DISCRETE:
        return float(annual) / 4
    return float(annual)


def target_shown(indicator: Indicator, quarter: int) -> float | str | None:
    """The target a quarter is judged against, as templates and the master show it: the number
    auto_status uses, else the plan's own text ("To be set once baseline known")."""
    number = quarter_target(indicator, quarter)
    if number is not None:
        return number
    own = indicator.quarter_targets[quarter - 1]
    return own if isinstance(own, str) and own.strip() else indicator.annual_target
