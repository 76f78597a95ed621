"""Sheet Indicators: the performance indicators (PIs), their unit, polarity, targets and tolerance."""

from __future__ import annotations

import re

from qmr.model import Frequency, Indicator, Polarity, Profile
from qmr.normalise import percent_from_fraction, read_number
from qmr.plan.crossrefs import team_ref
from qmr.plan.fields import choice, duplicate, figure, ident, required, yes_no
from qmr.plan.layout import CATEGORIES, INDICATORS, header_key
from qmr.plan.rows import Reading, Row, plain_text
from qmr.plan.vocab import FREQUENCY_WORDS, POLARITY_WORDS, PROFILE_WORDS, RANGE, UNIT_WORDS

# A PI's figures in the order they are judged against each other (label as in findings).
FIGURES = {
    "annual_target": "annual target",
    "previous_actual": "previous actual",
    "q1_target": "Q1 target",
    "q2_target": "Q2 target",
    "q3_target": "Q3 target",
    "q4_target": "Q4 target",
}

Figures = dict[str, float | str | None]
_LOWER_L = re.compile(r"L[l]\d")  # LI typed as Ll


def read_indicators(reading: Reading, rows: list[Row]) -> list[Indicator]:
    seen: dict[str, str] = {}
    result = []
    for row in rows:
        if not required(reading, row, INDICATORS):
            continue
        ref = ident(reading, row, "ref")
        if duplicate(reading, seen, row, "ref", ref, "PI ref"):
            continue
        if RANGE.search(ref):
            reading.add("ref-range", row, "ref", ref=ref)
        if _LOWER_L.search(ref):
            reading.add("ref-lower-l", row, "ref", ref=ref)
        team = team_ref(reading, row, "team", "PI")
        if team is None:
            reading.left_out(INDICATORS.name, ref, row.cell("team"))
            continue
        result.append(_indicator(reading, row, ref, team))
    return result


def _indicator(reading: Reading, row: Row, ref: str, team: str) -> Indicator:
    description = row.text("description")
    if not description:
        reading.add("description-blank", row, "description", team=team)
    unit = _unit(reading, row)
    polarity = Polarity(choice(reading, row, "polarity", POLARITY_WORDS, Polarity.NONE, "polarity"))
    if unit != "text" and row.raw("polarity") is None and "polarity" in row.letters:
        reading.add("polarity-missing", row, "polarity", team=team, ref=ref)
    frequency = Frequency(choice(reading, row, "frequency", FREQUENCY_WORDS, Frequency.QUARTERLY, "frequency"))
    profile = Profile(choice(reading, row, "profile", PROFILE_WORDS, Profile.FLAT, "profile"))
    category = _category(reading, row)
    figures: Figures = {key: figure(reading, row, key, unit, what) for key, what in FIGURES.items()}
    tolerance = _tolerance(reading, row)
    if unit == "%":
        figures = _percent_fractions(reading, row, ref, figures, tolerance)
    return Indicator(
        ref,
        description,
        team,
        unit,
        category,
        yes_no(reading, row, "key"),
        polarity,
        frequency,
        profile,
        figures["previous_actual"],
        figures["annual_target"],
        tuple(figures[f"q{q}_target"] for q in range(1, 5)),
        tolerance,
    )


def _unit(reading: Reading, row: Row) -> str:
    if row.raw("unit") is None:
        number, _ = read_number(row.raw("annual_target"))
        default = "number" if number is not None else "text"
        if "unit" in row.letters:
            reading.add("unit-blank", row, "unit", default=default)
        return default
    return choice(reading, row, "unit", UNIT_WORDS, "number", "unit")


def _category(reading: Reading, row: Row) -> str:
    """The PI's category, in the dropdown's spelling when it is one of them written differently."""
    category = row.text("category")
    key = header_key(category)
    for known, known_key in _CATEGORY_KEYS:
        if category != known and key == known_key:
            reading.add("choice-normalised", row, "category", what="category", text=category, canonical=known)
            category = known
            key = known_key
    return category


_CATEGORY_KEYS = tuple((known, header_key(known)) for known in CATEGORIES)


def _tolerance(reading: Reading, row: Row) -> float | None:
    value = row.raw("tolerance")
    if value is None:
        return None
    number, how = read_number(value)
    if number is None or number < 0:
        reading.add("tolerance-invalid", row, "tolerance", text=row.text("tolerance"))
        return None
    if how:
        reading.add("tolerance-as-text", row, "tolerance", value=value, number=plain_text(number))
    return number


def _percent_fractions(reading: Reading, row: Row, ref: str, figures: Figures, tolerance: float | None) -> Figures:
    """A % PI's figures with those typed in Excel's percentage format (82% is stored as 0.82)
    read as percentage points (82), which is how qmr keeps percentages.

    calamine gives no number formats, so the row decides: a fraction is scaled when that brings it
    nearer the row's largest figure above 1 (`normalise.percent_from_fraction`), so a sickness
    target of 0.9 beside last year's 4.1 stays 0.9. When every figure is 1 or less nothing can
    tell them apart from small percentages: they are kept, with a note.
    """
    numbers = {key: value for key, value in figures.items() if isinstance(value, float)}
    fractions = [
        key
        for key, value in numbers.items()
        if 0 < abs(value) <= 1 and isinstance(row.raw(key), (int, float)) and not isinstance(row.raw(key), bool)
    ]
    if not fractions:
        return figures
    points = [value for value in numbers.values() if abs(value) > 1]
    if not points:
        # info, not warning: real PIs are this small (permanent exclusions: 0.02%, target 0.35%)
        shown = ", ".join(f"{FIGURES[key]} {plain_text(numbers[key])}" for key in fractions)
        reading.add("percent-fractions", row, fractions[0], ref=ref, shown=shown,
                    first=plain_text(numbers[fractions[0]]))
        return figures
    reference = max(points, key=abs)
    result = dict(figures)
    for key in fractions:
        normalised = percent_from_fraction(numbers[key], "%", reference)
        if not normalised.note:
            continue
        result[key] = normalised.value
        reading.add("percent-fraction", row, key, what=FIGURES[key], fraction=plain_text(numbers[key]),
                    points=plain_text(normalised.value))
    if result != figures and tolerance is not None and 0 < tolerance < 1:
        reading.add("percent-tolerance", row, "tolerance", tolerance=plain_text(tolerance),
                    percent=plain_text(round(tolerance * 100, 10)))
    return result
