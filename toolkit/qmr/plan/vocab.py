"""What users type in the register's choice columns, and the shapes of codes and addresses."""

from __future__ import annotations

import re

from qmr.model import Frequency, Polarity, Profile
from qmr.plan.layout import POLARITY_LABELS, header_key


def _vocab(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Each typed word (as a header key) -> its canonical value, as plain text."""
    return {header_key(word) or word: str(canonical) for canonical, words in table.items() for word in words}


UNIT_WORDS = _vocab(
    {
        "%": ("%", "percent", "percentage", "per cent", "pct"),
        "number": ("number", "no", "no.", "num", "count", "numeric", "#", "n", "integer"),
        "£": ("£", "gbp", "pounds", "cost", "money", "currency", "£s", "£000", "£k"),
        "rate": ("rate", "ratio", "per 1000", "per 1,000", "per 10,000", "per 100,000"),
        "text": ("text", "narrative", "qualitative", "descriptive"),
    }
)
POLARITY_WORDS = _vocab(
    {
        Polarity.HIGHER: (
            "higher",
            "high",
            "up",
            "increase",
            "maximise",
            "bigger is better",
            POLARITY_LABELS[Polarity.HIGHER],
        ),
        Polarity.LOWER: (
            "lower",
            "low",
            "down",
            "decrease",
            "reduce",
            "minimise",
            "smaller is better",
            POLARITY_LABELS[Polarity.LOWER],
        ),
        Polarity.TARGET: (
            "target",
            "closest",
            "on target",
            "closest to target is best",
            POLARITY_LABELS[Polarity.TARGET],
        ),
        Polarity.NONE: ("none", "n/a", "na", "-", "contextual", "no polarity"),
    }
)
FREQUENCY_WORDS = _vocab(
    {
        Frequency.MONTHLY: ("monthly", "month", "m"),
        Frequency.QUARTERLY: ("quarterly", "quarter", "q", "qtr", "qtrly"),
        Frequency.SIX_MONTHLY: (
            "six-monthly",
            "6-monthly",
            "half-yearly",
            "biannual",
            "bi-annual",
            "biannually",
            "twice yearly",
            "twice a year",
        ),
        Frequency.ANNUAL: ("annual", "annually", "yearly", "year", "a", "once a year"),
    }
)
PROFILE_WORDS = _vocab(
    {
        Profile.CUMULATIVE: ("cumulative", "ytd", "year to date", "cum", "cumulative (year to date)"),
        Profile.FLAT: ("flat", "same", "constant", "level"),
        Profile.DISCRETE: ("discrete", "per quarter", "each quarter", "quarter on its own", "snapshot"),
    }
)
YES_WORDS = {"yes", "y", "true", "key", "1"}
NO_WORDS = {"no", "n", "false", "other", "0", ""}
RISK_WORDS = {
    "high": "High",
    "h": "High",
    "medium": "Medium",
    "med": "Medium",
    "m": "Medium",
    "low": "Low",
    "l": "Low",
}
EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[A-Za-z]{2,}$")
TEAM_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.&+-]*$")
RANGE = re.compile(r"\d+\s*[-\u2013]\s*\d+$")
