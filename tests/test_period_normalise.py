"""Periods in every accepted spelling, and the normalisation of what clerks type."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qmr import normalise
from qmr.model import Status
from qmr.period import Period, PeriodError, add_working_days, financial_year_of


@pytest.mark.parametrize("text", ["2008/09 Q4", "2008-09-Q4", "2008/09:Q4", "Q4 2008/09", " q4  2008/2009 "])
def test_every_spelling_of_a_period(text: str) -> None:
    period = Period.parse(text)
    assert period == Period(2008, 4)
    assert period.label == "2008/09 Q4"
    assert period.slug == "2008-09-Q4"


@pytest.mark.parametrize("text", ["2008/10 Q1", "2008 Q1", "Q5 2008/09", "", "2008/09 Q0", "1999/00 Q9"])
def test_bad_periods_say_how_to_write_one(text: str) -> None:
    with pytest.raises(PeriodError, match="2015/16|consecutive"):
        Period.parse(text)


def test_quarters_run_april_to_march() -> None:
    assert (Period(2015, 1).start, Period(2015, 1).end) == (date(2015, 4, 1), date(2015, 6, 30))
    assert (Period(2015, 3).start, Period(2015, 3).end) == (date(2015, 10, 1), date(2015, 12, 31))
    assert (Period(2015, 4).start, Period(2015, 4).end) == (date(2016, 1, 1), date(2016, 3, 31))
    assert Period(2015, 4).next() == Period(2016, 1)
    assert Period(2016, 1).previous() == Period(2015, 4)
    assert Period(1999, 2).financial_year == "1999/00"
    assert financial_year_of(date(2016, 3, 31)) == "2015/16"
    assert financial_year_of(date(2016, 4, 1)) == "2016/17"


def test_working_days_skip_weekends() -> None:
    assert add_working_days(date(2015, 12, 31), 1) == date(2016, 1, 1)  # a Friday
    assert add_working_days(date(2016, 1, 1), 1) == date(2016, 1, 4)


@given(st.integers(1990, 2090), st.integers(1, 4))
def test_labels_and_slugs_parse_back(year: int, quarter: int) -> None:
    period = Period(year, quarter)
    assert Period.parse(period.label) == period
    assert Period.parse(period.slug) == period
    assert Period.parse(f"Q{quarter} {period.financial_year}") == period


@pytest.mark.parametrize(
    "typed, expected",
    [("Green", Status.GREEN), ("g", Status.GREEN), (" green ", Status.GREEN), ("GREEN", Status.GREEN),
     ("a", Status.AMBER), ("RED", Status.RED), ("n/a", Status.NA), ("N/A", Status.NA)],
)
def test_statuses_are_normalised(typed: str, expected: Status) -> None:
    read = normalise.status(typed)
    assert read.value is expected
    assert bool(read.note) == (typed != expected.value)


def test_a_status_that_is_not_one_says_so() -> None:
    read = normalise.status("Purple")
    assert read.value is None and "not a progress status" in read.note
    assert normalise.status("   ").value is None and normalise.status("   ").note == ""


@pytest.mark.parametrize(
    "typed, unit, expected",
    [("75%", "%", 75.0), ("1,234", "number", 1234.0), ("£5.20", "£", 5.2), ("(12)", "number", -12.0),
     (3.0, "number", 3.0), ("50%", "number", 0.5)],
)
def test_numbers_typed_as_text_are_read(typed: object, unit: str, expected: float) -> None:
    assert normalise.number(typed, unit).value == pytest.approx(expected)


def test_percentage_formatted_fractions_are_scaled_only_when_that_fits_the_target() -> None:
    assert normalise.percent_from_fraction(0.93, "%", 95.0).value == pytest.approx(93.0)
    assert normalise.percent_from_fraction(0.9, "%", 3.8).value == pytest.approx(0.9)
    assert normalise.percent_from_fraction(0.93, "number", 95.0).value == pytest.approx(0.93)


@pytest.mark.parametrize("typed", ["31/03/2016", "2016-03-31", "31 Mar 2016", "31st March 2016", 42460.0])
def test_dates_typed_as_text_are_read(typed: object) -> None:
    assert normalise.day(typed).value == date(2016, 3, 31)


@given(st.one_of(st.text(), st.floats(allow_nan=True), st.integers(), st.none(), st.booleans(), st.dates()))
def test_normalisers_never_raise(value: object) -> None:
    for read in (normalise.status(value), normalise.number(value, "%"), normalise.day(value)):
        assert read.value is not None or read.note or normalise.is_blank(value)
    normalise.text(value)


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), st.sampled_from(["%", "number", "£"]))
def test_numbers_written_as_text_read_back_exactly(value: float, unit: str) -> None:
    typed = f"{value:.4f}"
    assert normalise.number(typed, unit).value == pytest.approx(float(typed))
