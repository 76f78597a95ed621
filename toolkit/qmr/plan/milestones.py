"""Sheet Milestones: the actions of each objective, their team, due date and financial year."""

from __future__ import annotations

from datetime import date

from qmr.model import Milestone, Objective
from qmr.period import financial_year_of
from qmr.plan.crossrefs import Ids, item_rows
from qmr.plan.due_cells import MilestonePart, due_parts, split_row
from qmr.plan.due_cells import Reading as DueReading
from qmr.plan.fields import due
from qmr.plan.layout import MILESTONES
from qmr.plan.rows import Reading, Row, in_year, same_key
from qmr.plan.values import dates_in_text, financial_year, parse_due


def read_milestones(reading: Reading, rows: list[Row], objectives: dict[str, Objective]) -> list[Milestone]:
    ids = Ids.of(rows, "{objective}.", "each quarter's returns")
    used = ids.used  # split Due cells make IDs too
    result = []
    for item in item_rows(reading, rows, MILESTONES, "milestone", objectives=objectives, ids=ids):
        row, ident, team = item.row, item.ident, item.team
        objective: Objective = item.objective  # type: ignore[assignment]  # every milestone has one
        text = row.text("text")
        year = _year(reading, row)
        default_year = reading.settings.get("financial_year", "")
        officer = row.text("responsible_officer")
        written = row.raw("due")
        if isinstance(written, str) and parse_due(written) is None:  # several dates, words, no date
            for part in _split(reading, row, ident, text, officer, used):
                day = part.part.due.day
                if day is not None and year and not in_year(day, year):
                    reading.add("date-outside-year", row, "due", what=f"due date of {part.ident}",
                                due=part.part.due.text, year=year)
                part_year = year or (financial_year_of(day) if day else "") or default_year
                result.append(Milestone(part.ident, objective.ref, part.text, team, part.part.due.text, part_year,
                                        part.officer))
            continue
        if written is None:
            shown, day = _due_from_text(reading, row, text, year or default_year)
        else:
            shown, day = due(reading, row, "due", year, "due date")
        if not year:
            year = (financial_year_of(day) if day else "") or default_year
        result.append(Milestone(ident, objective.ref, text, team, shown, year, officer))
    return result


def _split(reading: Reading, row: Row, ident: str, text: str, officer: str, used: set[str]) -> list[MilestonePart]:
    """The milestones a Due cell that is not one date stands for (plan.due_cells), with how it was read."""
    written = row.text("due")
    parts = split_row(ident, text, officer, due_parts(written), lambda new: same_key(new) in used)
    if len(parts) > 1:
        used.update(same_key(part.ident) for part in parts)
        listed = ", ".join(f"{part.ident} ({part.part.due.text or 'undated'})" for part in parts)
        reading.add("milestones-split", row, "due", what="due date", text=written, count=len(parts), listed=listed)
    else:
        how, facts = parts[0].part.reading, {"what": "due date", "text": written, "due": parts[0].part.due.text}
        if how is DueReading.UNDATED:
            reading.add("date-undated", row, "due", **facts)
        elif how is DueReading.RANGE:
            reading.add("date-range", row, "due", **facts)
        elif how is DueReading.DEADLINE:
            reading.add("date-in-due", row, "due", **facts)
        elif how is DueReading.IN_TEXT:
            reading.add("date-in-due-guess", row, "due", **facts)
    return parts


def _year(reading: Reading, row: Row) -> str:
    """The milestone's own financial year (2015/16), or "" when it has none that qmr can read."""
    if row.raw("year") is None:
        return ""
    written = row.text("year")
    year = financial_year(written) or ""
    if not year:
        reading.add("year-invalid", row, "year", text=written)
    elif year != written:
        reading.add("year-normalised", row, "year", text=written, year=year)
    return year


def _due_from_text(reading: Reading, row: Row, text: str, year: str) -> tuple[str, date | None]:
    """The deadline an undated milestone sets in its text ("by March 2009"), when inside its year.

    Only deadline phrases count (see `plan.values.dates_in_text`); a date outside the
    milestone's financial year is more likely history than a deadline, so Due stays blank.
    """
    found = dates_in_text(text)
    if not found:
        return "", None
    inside = [candidate for candidate in found if not year or in_year(candidate.day, year)]
    if not inside:
        seen = ", ".join(candidate.text for candidate in found)
        reading.add("date-from-text-outside-year", row, "due", seen=seen, year=year)
        return "", None
    chosen = inside[-1]
    reading.add("date-from-text", row, "due", due=chosen.text)
    return chosen.text, chosen.day
