"""Sheet Settings: name / value pairs for the whole register."""

from __future__ import annotations

import re

from qmr.normalise import read_number
from qmr.plan.layout import KNOWN_SETTINGS
from qmr.plan.rows import Reading, Row, plain_text
from qmr.plan.values import financial_year
from qmr.plan.vocab import EMAIL


def read_settings(reading: Reading, rows: list[Row]) -> None:
    """Each setting into `reading.settings`, its value checked when qmr uses it."""
    seen: dict[str, str] = {}
    for row in rows:
        if row.raw("name") is None:
            reading.add("setting-no-name", row, "value", value=row.text("value"))
            continue
        name = re.sub(r"[\s\-]+", "_", row.text("name").strip().lower())
        raw = row.raw("value")
        text = raw.strip() if isinstance(raw, str) else plain_text(raw)
        if name in seen:
            reading.add("setting-duplicate", row, "name", name=name, where=seen[name])
            continue
        seen[name] = row.cell("name")
        if name not in KNOWN_SETTINGS:
            reading.add("setting-unknown", row, "name", name=row.text("name"))
        value = _checked(reading, row, name, text) if text else None
        if value is not None:
            reading.settings[name] = value


def _checked(reading: Reading, row: Row, name: str, text: str) -> str | None:
    """The setting's value as qmr keeps it; None (reported) when it cannot be used."""
    if name == "financial_year":
        year = financial_year(text)
        if year is None:
            reading.add("financial-year-invalid", row, "value", text=text)
            return None
        if year != text:
            reading.add("financial-year-normalised", row, "value", text=text, year=year)
        return year
    if name == "contact_email" and not EMAIL.match(text):
        reading.add("contact-email-invalid", row, "value", text=text)
    if name == "deadline_days":
        number, _ = read_number(text)
        if number is None or not number.is_integer() or not 0 <= number <= 100:
            reading.add("setting-invalid", row, "value", text=text)
            return None
        return str(int(number))
    return text
