"""Sheet Teams: the teams that send a return, and where it is sent."""

from __future__ import annotations

import re

from qmr.model import NO_DEPARTMENT, Team
from qmr.plan.fields import duplicate, ident, required
from qmr.plan.layout import TEAMS
from qmr.plan.rows import Reading, Row
from qmr.plan.vocab import EMAIL, TEAM_CODE

_ADDRESS_SEPARATORS = re.compile(r"[;,\s]+")


def read_teams(reading: Reading, rows: list[Row]) -> None:
    """Each usable team into `reading.teams` (by code), for the other sheets to refer to."""
    seen: dict[str, str] = {}
    for row in rows:
        if not required(reading, row, TEAMS):
            continue
        code = ident(reading, row, "code")
        if duplicate(reading, seen, row, "code", code, "team code"):
            continue
        if not TEAM_CODE.match(code):
            reading.add("code-shape", row, "code", code=code)
        name = row.text("name")
        if not name:
            reading.add("team-name-blank", row, "name", team=code, code=code)
            name = code
        email = row.text("clerk_email")
        if not email and "clerk_email" in row.letters:
            reading.add("clerk-email-blank", row, "clerk_email", team=code)
        for address in filter(None, _ADDRESS_SEPARATORS.split(email)):
            if not EMAIL.match(address):
                reading.add("email-invalid", row, "clerk_email", team=code, address=address)
        reading.teams[code] = Team(
            code,
            name,
            row.text("directorate"),
            row.text("department"),
            row.text("division"),
            row.text("clerk_name"),
            email,
            row.text("responsible_officer"),
        )
        reading.team_rows[code] = row
    _departments_blank(reading)


def _departments_blank(reading: Reading) -> None:
    """A team with no department among teams that have one is a slip: it would sit apart in the master."""
    teams = list(reading.teams.values())
    if not any(team.department for team in teams):
        return  # a council without departments: nothing to say
    for team in teams:
        if not team.department:
            reading.add("department-blank", reading.team_rows[team.code], "department", team=team.code,
                        heading=NO_DEPARTMENT)
