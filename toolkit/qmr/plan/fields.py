"""Reading one value of a register row, whatever its sheet: refs, choices, Yes/No, risks, dates, years
and figures. Nothing raises on what a user typed: each problem is reported at its cell and the value
is tidied, defaulted or kept as written (see plan/problems.py for the wording)."""

from __future__ import annotations

from datetime import date

from qmr.normalise import read_number
from qmr.plan.layout import Sheet, header_key
from qmr.plan.rows import Reading, Row, in_year, plain_text, same_key
from qmr.plan.sheets import ROW_KEYS
from qmr.plan.values import parse_due
from qmr.plan.vocab import NO_WORDS, RISK_WORDS, YES_WORDS


def required(reading: Reading, row: Row, sheet: Sheet) -> bool:
    """Whether the row has its row keys; reports each blank one (the row is then left out)."""
    ok = True
    for key in ROW_KEYS[sheet.name]:
        if row.raw(key) is None:
            col = sheet.column(key)
            reading.add("required-blank", row, key, header=col.header, note=col.note)
            ok = False
    return ok


def ident(reading: Reading, row: Row, key: str) -> str:
    """A ref, id or code: whitespace tidied (and said so)."""
    value = row.raw(key)
    text = plain_text(value)
    if isinstance(value, str) and value != text:
        reading.add("spaces", row, key, value=value, text=text)
    return text


def duplicate(reading: Reading, seen: dict[str, str], row: Row, key: str, text: str, what: str) -> bool:
    """True (with an error) when this ref was already used on an earlier row of the sheet."""
    norm = same_key(text)
    if norm in seen:
        reading.add("duplicate", row, key, what=what, text=text, sheet=row.sheet, where=seen[norm])
        return True
    seen[norm] = row.cell(key)
    return False


def choice(reading: Reading, row: Row, key: str, vocab: dict[str, str], default: str, what: str) -> str:
    """A value from a fixed list, accepting common spellings (info) and defaulting bad ones (error)."""
    default = str(default)  # an enum's word, as the findings show it
    text = row.text(key)
    if not text:
        return default
    canonical = vocab.get(header_key(text) or text)
    if canonical is None:
        allowed = ", ".join(sorted(set(vocab.values()), key=list(vocab.values()).index))
        reading.add("choice-invalid", row, key, what=what, text=text, allowed=allowed, default=default)
        return default
    if canonical != text:
        reading.add("choice-normalised", row, key, what=what, text=text, canonical=canonical)
    return canonical


def yes_no(reading: Reading, row: Row, key: str) -> bool:
    value = row.raw(key)
    if isinstance(value, bool):
        return value
    text = row.text(key).lower()
    if text in YES_WORDS:
        return True
    if text not in NO_WORDS:
        reading.add("key-invalid", row, key, text=row.text(key))
    return False


def risk(reading: Reading, row: Row, key: str) -> str:
    """High, Medium or Low, or a score 1-16 as text; "" (with an error) for anything else."""
    value = row.raw(key)
    if value is None:
        return ""
    number, _ = read_number(value)
    if number is not None:
        if number.is_integer() and 1 <= number <= 16:
            return str(int(number))
        reading.add("risk-score-invalid", row, key, text=row.text(key))
        return ""
    text = row.text(key)
    level = RISK_WORDS.get(text.lower())
    if level is None:
        reading.add("risk-invalid", row, key, text=text)
        return ""
    if level != text:
        reading.add("risk-normalised", row, key, text=text, level=level)
    return level


def due(reading: Reading, row: Row, key: str, year: str, what: str) -> tuple[str, date | None]:
    """The normalised due text and day; unparseable text is kept as written (with an error)."""
    value = row.raw(key)
    parsed = parse_due(value)
    if parsed is None:
        text = row.text(key)
        reading.add("date-invalid", row, key, what=what, text=text)
        return text, None
    shown = plain_text(value)
    if parsed.note or (isinstance(value, str) and parsed.text != shown and parsed.text):
        note = f" ({parsed.note})" if parsed.note else ""
        reading.add("date-normalised", row, key, what=what, shown=shown, due=parsed.text, note=note)
    if parsed.day is not None and year and not in_year(parsed.day, year):
        reading.add("date-outside-year", row, key, what=what, due=parsed.text, year=year)
    return parsed.text, parsed.day


def figure(reading: Reading, row: Row, key: str, unit: str, what: str) -> float | str | None:
    """A PI figure: a float, text for a text target (no status computable), or None when blank."""
    value = row.raw(key)
    if value is None:
        return None
    number, how = read_number(value)
    if number is None:
        text = row.text(key)
        if unit != "text":
            reading.add("target-text", row, key, what=what, text=text)
        return text
    if how == "percent" and unit != "%":
        reading.add("percent-unit", row, key, what=what, value=value, unit=unit, number=plain_text(number))
    elif how == "percent":
        reading.add("number-normalised", row, key, what=what, value=value, number=plain_text(number))
    elif how:
        reading.add("number-as-text", row, key, what=what, value=value, number=plain_text(number))
    return number
