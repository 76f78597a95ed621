"""The one traffic-light palette: every status readable as text on its fill, told apart in a
greyscale print, and carried by a symbol of its own shape as well as its word."""

from __future__ import annotations

import itertools

import pytest

from qmr.model import Status
from qmr.statuses import (
    GREYSCALE_GAP,
    MIN_CONTRAST,
    SEVERITY_COLOURS,
    STATUS_STYLES,
    contrast_ratio,
    greyscale_lightness,
    label,
    relative_luminance,
    status_of_label,
)


def test_the_formulas_give_the_published_reference_values() -> None:
    # WCAG's own end points and the well-known 4.5:1 grey (#767676 on white is 4.54:1)
    assert relative_luminance("000000") == 0 and relative_luminance("#FFFFFF") == pytest.approx(1)
    assert contrast_ratio("000000", "FFFFFF") == pytest.approx(21)
    assert contrast_ratio("767676", "FFFFFF") == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("FFFFFF", "767676") == contrast_ratio("767676", "FFFFFF")
    # greys print as themselves: L* of mid grey #777777 is about 50
    assert greyscale_lightness("000000") == 0 and greyscale_lightness("FFFFFF") == pytest.approx(100)
    assert greyscale_lightness("777777") == pytest.approx(50, abs=0.5)
    # the old palette's complaint, measured: Amber FFC000 and N/A BFBFBF printed as the same grey
    assert abs(greyscale_lightness("FFC000") - greyscale_lightness("BFBFBF")) < 1


@pytest.mark.parametrize("status", list(Status))
def test_text_on_every_status_fill_has_a_contrast_of_at_least_4_5(status: Status) -> None:
    style = STATUS_STYLES[status]
    assert contrast_ratio(style.text, style.fill) >= MIN_CONTRAST >= 4.5, (status, style)


def test_severity_colours_are_readable_too() -> None:
    for severity, (background, text) in SEVERITY_COLOURS.items():
        assert contrast_ratio(text, background) >= MIN_CONTRAST, severity


@pytest.mark.parametrize(("first", "second"), list(itertools.combinations(list(Status), 2)))
def test_every_two_status_fills_print_as_clearly_different_greys(first: Status, second: Status) -> None:
    gap = abs(greyscale_lightness(STATUS_STYLES[first].fill) - greyscale_lightness(STATUS_STYLES[second].fill))
    assert gap >= GREYSCALE_GAP >= 20, (first, second, round(gap, 1))


def test_each_status_has_a_symbol_of_its_own_and_a_label_of_symbol_and_word() -> None:
    symbols = [STATUS_STYLES[s].symbol for s in Status]
    assert len(set(symbols)) == len(Status) and all(len(s) == 1 and not s.isalnum() for s in symbols)
    for status in Status:
        assert label(status) == f"{STATUS_STYLES[status].symbol} {status.value}"
        assert status_of_label(label(status)) is status and status_of_label(f" {status.value} ") is status
    assert status_of_label("Greenish") is None
