"""The plan register's sheets and columns: one description used by the blank-register writer,
the register reader and the register checker, so the three cannot disagree.

Headers are matched case-insensitively, ignoring spaces, underscores and punctuation, so that a
performance officer who types "Clerk Email" or "clerk_email" is not punished for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from qmr.model import Frequency, Polarity, Profile

YES_NO = ("Yes", "No")
RISK_LEVELS = ("High", "Medium", "Low")
UNITS = ("%", "number", "£", "rate", "text")
# The dropdowns of the domain's enums, in the enums' order (their one home is qmr.model).
POLARITIES: tuple[Polarity, ...] = tuple(Polarity)
FREQUENCIES: tuple[Frequency, ...] = tuple(Frequency)
PROFILES: tuple[Profile, ...] = tuple(Profile)
# How each polarity reads in a sentence: register dropdown hints, template columns.
POLARITY_LABELS: dict[Polarity, str] = {
    Polarity.HIGHER: "Higher is better",
    Polarity.LOWER: "Lower is better",
    Polarity.TARGET: "Closest to target",
    Polarity.NONE: "None",
}

CATEGORIES = (
    "Corporate Health",
    "Cost & Efficiency",
    "Fair Access",
    "Quality",
    "Service Delivery",
)


@dataclass(frozen=True)
class Column:
    """One register column: its header, what it is for, and what values it takes."""

    key: str
    header: str
    note: str
    required: bool = False
    choices: tuple[str, ...] = ()
    # choices that are suggestions (a dropdown that also accepts other text)
    open_choices: bool = False
    width: int = 16


@dataclass(frozen=True)
class Sheet:
    name: str
    purpose: str
    columns: tuple[Column, ...]
    example: tuple[str, ...] = field(default=())

    def column(self, key: str) -> Column:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(key)


TEAMS = Sheet(
    "Teams",
    "One row per team that sends a return. Directorate, department and division may be blank.",
    (
        Column("code", "Code", "Short unique team code, used in file names (e.g. BSC-FIN).", True, width=14),
        Column("name", "Name", "Team name as managers know it.", True, width=30),
        Column("directorate", "Directorate", "Directorate the team belongs to (may be blank).", width=26),
        Column("department", "Department", "Department (may be blank).", width=26),
        Column("division", "Division", "Division (may be blank).", width=26),
        Column("clerk_name", "Clerk name", "Who fills in the return (a role is fine).", width=22),
        Column("clerk_email", "Clerk email", "Where the return and reminders are sent.", True, width=30),
        Column("responsible_officer", "Responsible officer", "Officer accountable for the return.", width=22),
    ),
    ("BSC-FIN", "Finance", "Resources", "Business Support", "Financial Services",
     "Finance performance clerk", "finance.performance@example.org", "Divisional Manager Finance"),
)

OBJECTIVES = Sheet(
    "Objectives",
    "One row per service objective.",
    (
        Column("ref", "Ref", "Unique objective reference (e.g. BPR1, CED01).", True, width=10),
        Column("title", "Title", "The objective as written in the plan.", True, width=50),
        Column("corporate_priority", "Corporate priority", "Corporate priority it serves.", width=24),
        Column("area_of_focus", "Area of focus", "Area of focus code(s).", width=16),
        Column("key", "Key", "Yes if a key objective (reported in the QMR body).", choices=YES_NO, width=8),
        Column("team", "Team", "Code of the owning team (sheet Teams).", True, width=14),
        Column("responsible_officer", "Responsible officer", "Accountable officer(s).", width=22),
        Column("initial_risk", "Initial risk", "High/Medium/Low, or a score 1-16.", choices=RISK_LEVELS,
               open_choices=True, width=12),
        Column("residual_risk", "Residual risk", "High/Medium/Low, or a score 1-16.", choices=RISK_LEVELS,
               open_choices=True, width=12),
        Column("indicators", "Linked indicators", "Indicator refs, separated by commas.", width=24),
    ),
    ("BPR1", "Maintain a sound financial position for the directorate", "Corporate Effectiveness", "AOF 33",
     "Yes", "BSC-FIN", "DM Finance and Resources", "Medium", "Low", "BPR LI12"),
)

MILESTONES = Sheet(
    "Milestones",
    "One row per milestone (action) of an objective.",
    (
        Column("id", "ID", "Unique milestone id (e.g. BPR1.1).", True, width=10),
        Column("objective_ref", "Objective ref", "Ref of its objective (sheet Objectives).", True, width=12),
        Column("text", "Milestone", "What will be done, as written in the plan.", True, width=60),
        Column("due", "Due", "Due date: a date, a month (Mar 2016), 'Ongoing' or blank.", width=12),
        Column("year", "Year", "Financial year it belongs to (2015/16).", width=10),
        Column("team", "Team", "Team code if not the objective's team.", width=14),
        Column("responsible_officer", "Responsible officer", "Accountable officer(s).", width=22),
    ),
    ("BPR1.1", "BPR1", "Report the 2007/08 budget outturn to the directorate management team", "Jun 2008",
     "2008/09", "", "DM Finance and Resources"),
)

INDICATORS = Sheet(
    "Indicators",
    "One row per performance indicator (PI).",
    (
        Column("ref", "Ref", "Unique PI reference (e.g. BPR LI12, NI 198).", True, width=12),
        Column("description", "Description", "What is measured.", True, width=50),
        Column("category", "Category", "PI category (or the register's own).", choices=CATEGORIES,
               open_choices=True, width=18),
        Column("key", "Key", "Yes for a key PI, No for other PIs.", choices=YES_NO, width=8),
        Column("unit", "Unit", "%, number, £, rate or text.", True, choices=UNITS, width=9),
        Column("polarity", "Polarity", "higher / lower is better, target = closest to target, none.",
               choices=POLARITIES, width=10),
        Column("frequency", "Frequency", "How often reported; an annual PI is only due in Q4.",
               choices=FREQUENCIES, width=12),
        Column("profile", "Profile", "cumulative (year to date), flat (same target each quarter) or "
               "discrete (each quarter on its own).", choices=PROFILES, width=12),
        Column("previous_actual", "Previous actual", "Last year's outturn (number or text).", width=12),
        Column("annual_target", "Annual target", "Target for the year (number or text such as N/A).",
               width=12),
        Column("q1_target", "Q1 target", "Optional quarterly target.", width=10),
        Column("q2_target", "Q2 target", "Optional quarterly target.", width=10),
        Column("q3_target", "Q3 target", "Optional quarterly target.", width=10),
        Column("q4_target", "Q4 target", "Optional quarterly target.", width=10),
        Column("tolerance", "Amber tolerance", "How far off target is still Amber (same unit).", width=10),
        Column("team", "Team", "Code of the owning team.", True, width=14),
    ),
    ("BPR LI12", "% of days lost to sickness absence", "Corporate Health", "No", "%", "lower", "quarterly",
     "flat", "4.1", "3.8", "", "", "", "", "0.5", "BSC-FIN"),
)

RISKS = Sheet(
    "Risks",
    "Risk control measures per objective; reported in Q2 and Q4.",
    (
        Column("objective_ref", "Objective ref", "Ref of the objective the risk belongs to.", True, width=12),
        Column("measures", "Control measures", "The risk control measures to report on.", True, width=60),
        Column("responsible_officer", "Responsible officer", "Accountable officer(s).", width=22),
        Column("team", "Team", "Team code if not the objective's team.", width=14),
    ),
    ("BPR1", "Monthly budget monitoring with cost centre managers", "DM Finance and Resources", ""),
)

EQUALITY = Sheet(
    "Equality",
    "High-priority equality actions; reported in Q2 and Q4.",
    (
        Column("id", "ID", "Unique action id (e.g. EQ1).", True, width=8),
        Column("action", "Action", "The equality action.", True, width=60),
        Column("target_date", "Target date", "When it should be done.", width=12),
        Column("responsible_officer", "Responsible officer", "Accountable officer(s).", width=22),
        Column("team", "Team", "Code of the owning team.", True, width=14),
    ),
    ("EQ1", "Complete equality impact assessments for all policies", "Mar 2009", "Operational Director",
     "BSC-FIN"),
)

SETTINGS = Sheet(
    "Settings",
    "Name / value pairs for the whole register.",
    (
        Column("name", "Setting", "Setting name.", True, width=26),
        Column("value", "Value", "Its value.", width=50),
    ),
)

# Settings the toolkit understands, with a note for the blank register.
KNOWN_SETTINGS: dict[str, str] = {
    "organisation": "Council name shown on returns and the master.",
    "plan": "Plan title (e.g. Children & Enterprise Directorate Business Plan 2015-18).",
    "financial_year": "Financial year of the plan's targets (2015/16).",
    "contact_name": "Performance officer named on every return.",
    "contact_email": "Where returns are sent.",
    "deadline_days": "Working days after quarter end that returns are due (default 15).",
    "assurance_statement": "Data-quality statement clerks confirm on the Sign-off sheet.",
}

SHEETS: tuple[Sheet, ...] = (TEAMS, OBJECTIVES, MILESTONES, INDICATORS, RISKS, EQUALITY, SETTINGS)


def header_key(text: object) -> str:
    """Canonical form of a header for matching: lower case letters and digits only."""
    if type(text) is str:  # the choice cells: a register repeats the same few words in every row
        return _text_key(text)
    return _NOT_KEY.sub("", str(text or "").lower())


_NOT_KEY = re.compile(r"[^a-z0-9]")


@lru_cache(maxsize=4096)
def _text_key(text: str) -> str:
    return _NOT_KEY.sub("", text.lower())
