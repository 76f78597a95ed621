"""The QMR's words that change with the quarter: the period line, the introduction, and the
sentences that turn section 4-8's counts into what a board reads ("48 of the 55 milestones have been
met this year, 7 have not"). Q4 is the year end: achieved or not; Q1-Q3 say on course or not."""

from __future__ import annotations

from datetime import date

from qmr.model import Kind, Status
from qmr.period import Period

ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth"}
SYMBOLS_APPENDIX = 6  # the explanation of symbols: the last of the appendices, quoted by section 1

# (singular, plural) as a section names its items
NOUNS = {
    "milestone": ("milestone", "milestones"),
    "key": ("key performance indicator", "key performance indicators"),
    "other": ("other performance indicator", "other performance indicators"),
    Kind.RISK: ("risk control measure", "risk control measures"),
    Kind.EQUALITY: ("high priority equality action", "high priority equality actions"),
}


def long_date(day: date) -> str:
    """31 March 2009: how a council report writes a date."""
    return f"{day.day} {day:%B %Y}"


def period_line(period: Period) -> str:
    """'Quarter 4 to year-end 31 March 2009', 'Quarter 2 to period end 30 September 2008'."""
    end = "year-end" if period.year_end else "period end"
    return f"Quarter {period.quarter} to {end} {long_date(period.end)}"


def introduction(scope: str, period: Period) -> list[str]:
    """Section 1's paragraphs: what the report covers, and where the symbols are explained."""
    end = "year end" if period.year_end else "period end"
    return [
        f"This quarterly monitoring report covers {scope} for the {ORDINALS[period.quarter]} quarter period up to "
        f"{end} {long_date(period.end)} ({period.financial_year}). It describes key developments and progress "
        "against all objectives and performance indicators for the service.",
        "The way in which the traffic light symbols have been used to reflect progress to date is explained "
        f"in Appendix {SYMBOLS_APPENDIX}. Each status is shown by its symbol and its word as well as by colour.",
    ]


def _n(count: int, noun: tuple[str, str]) -> str:
    return f"{count} {noun[0] if count == 1 else noun[1]}"


# What Green means for each kind of item, as a verb phrase after has/have (year end) or is/are.
_ACHIEVED = {"milestone": "been met this year", "key": "met the annual target", "other": "met the annual target",
             Kind.RISK: "been implemented", Kind.EQUALITY: "been completed"}
_ON_COURSE = {"milestone": "on course to be achieved", "key": "on course to meet the annual target",
              "other": "on course to meet the annual target", Kind.RISK: "on course to be implemented",
              Kind.EQUALITY: "on course to be completed"}
_WILL_NOT = {"milestone": "will not be achieved in the timeframe", "key": "will not without intervention",
             "other": "will not without intervention", Kind.RISK: "will not be implemented in the timeframe",
             Kind.EQUALITY: "will not be completed in the timeframe"}


def progress_sentence(counts: dict[Status, int], noun_key: object, period: Period) -> str:
    """The counts of one kind as a sentence, worded for the quarter: at year end 'have been met this
    year, ... have not', before it 'are on course to be achieved, ... will not be'."""
    noun = NOUNS[noun_key]
    total = sum(counts.values())
    if total == 0:
        return f"No {noun[1]} are due for report this quarter."
    green, amber, red = counts[Status.GREEN], counts[Status.AMBER], counts[Status.RED]
    if period.year_end:
        sentence = f"{green} of the {_n(total, noun)} {'has' if green == 1 else 'have'} {_ACHIEVED[noun_key]}"
        if red:
            sentence += f", {red} {'has' if red == 1 else 'have'} not"
    else:
        sentence = f"{green} of the {_n(total, noun)} {'is' if green == 1 else 'are'} {_ON_COURSE[noun_key]}"
    if amber:
        sentence += f", {amber} {'is' if amber == 1 else 'are'} uncertain"
    if red and not period.year_end:
        sentence += f", {red} {_WILL_NOT[noun_key]}"
    extra = []
    if counts[Status.NA]:
        extra.append(f"{counts[Status.NA]} cannot be reported")
    if counts[Status.MISSING]:
        missing = counts[Status.MISSING]
        extra.append(f"{missing} {'has' if missing == 1 else 'have'} not been reported (no usable return)")
    if extra:
        sentence += "; " + " and ".join(extra)
    return sentence + "."


def half_year_only(noun_key: object, period: Period) -> str:
    """Sections 7 and 8 outside Q2 and Q4."""
    return (f"Progress against {NOUNS[noun_key][1]} is reported at the half year (Quarter 2) and the year end "
            f"(Quarter 4); there is nothing to report for Quarter {period.quarter}.")


DATA_QUALITY = (
    "The author provides assurance that the information contained within this report is accurate and valid "
    "and that every effort has been made to avoid the omission of data. Where data has been estimated, has "
    "been sourced directly from partner or other agencies, or where there are any concerns regarding the "
    "limitations of its use, this has been clearly annotated in the commentary."
)
MISSING_NOTE = ("Items shown as Missing had no usable return: the team sent nothing, left the status blank, "
                "or the entry could not be accepted (see the master workbook's Validation sheet).")
