"""auto_status and direction of travel, for every polarity and profile."""

from __future__ import annotations

import pytest

from qmr.judge.auto_status import auto_status, direction, trend
from qmr.model import Indicator, Status
from qmr.plan.targets import quarter_target


def pi(polarity: str = "higher", profile: str = "flat", annual: float | str | None = 100.0,
       quarters=(None, None, None, None), tolerance: float | None = 5.0) -> Indicator:
    return Indicator("PI", "a PI", "T", "number", polarity=polarity, profile=profile, annual_target=annual,
                     quarter_targets=quarters, tolerance=tolerance)


def test_targets_follow_the_profile() -> None:
    assert quarter_target(pi(profile="cumulative"), 2) == 50.0
    assert quarter_target(pi(profile="flat"), 2) == 100.0
    assert quarter_target(pi(profile="discrete"), 2) == 25.0
    assert quarter_target(pi(quarters=(10.0, 30.0, 60.0, 100.0)), 2) == 30.0
    assert quarter_target(pi(annual="To be set once baseline known"), 2) is None


@pytest.mark.parametrize(
    "polarity, actual, expected",
    [("higher", 100.0, Status.GREEN), ("higher", 96.0, Status.AMBER), ("higher", 90.0, Status.RED),
     ("lower", 100.0, Status.GREEN), ("lower", 104.0, Status.AMBER), ("lower", 120.0, Status.RED),
     ("target", 103.0, Status.GREEN), ("target", 92.0, Status.AMBER), ("target", 80.0, Status.RED)],
)
def test_auto_status(polarity: str, actual: float, expected: Status) -> None:
    assert auto_status(pi(polarity), 2, actual) is expected


def test_no_auto_status_without_numbers_or_polarity() -> None:
    assert auto_status(pi(annual="N/A"), 2, 50.0) is None
    assert auto_status(pi(), 2, None) is None
    assert auto_status(pi(polarity="none"), 2, 50.0) is None


def test_default_tolerance_is_five_percent_of_target() -> None:
    assert auto_status(pi(tolerance=None), 1, 96.0) is Status.AMBER
    assert auto_status(pi(tolerance=None), 1, 94.0) is Status.RED


@pytest.mark.parametrize(
    "polarity, now, before, expected",
    [("higher", 90.0, 80.0, "better"), ("higher", 70.0, 80.0, "worse"), ("higher", 80.0, 80.0, "same"),
     ("lower", 70.0, 80.0, "better"), ("lower", 90.0, 80.0, "worse"),
     ("target", 98.0, 90.0, "better"), ("target", 110.0, 95.0, "worse"), ("none", 1.0, 2.0, "")],
)
def test_direction_takes_polarity_into_account(polarity: str, now: float, before: float, expected: str) -> None:
    assert direction(pi(polarity), 1, now, before) == expected


def test_trend_compares_with_the_average_of_the_last_four() -> None:
    assert trend(pi(), 1, 60.0, [10.0, 50.0, 50.0, 50.0, 50.0]) == "better"
    assert trend(pi(), 1, 40.0, [50.0, 50.0]) == "worse"
    assert trend(pi(), 1, 40.0, [50.0]) == ""
