"""Checks across sheets: a row's team code, objective ref and linked PIs against the sheets that
define them (matched loosely, and said so), IDs the register left blank, and teams with nothing to do."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from qmr.model import Indicator, Objective, Plan
from qmr.normalise import text as cell_text
from qmr.plan.fields import duplicate, ident, required
from qmr.plan.layout import OBJECTIVES, Sheet
from qmr.plan.rows import Reading, Row, loose, same_key


def team_ref(reading: Reading, row: Row, key: str, what: str) -> str | None:
    """A team code, matching case and spaces loosely; None (with an error: the row is left out) if unknown."""
    text = row.text(key)
    if text in reading.teams:
        return text
    for code in reading.teams:
        if same_key(code) == same_key(text):
            reading.add("team-case", row, key, text=text, code=code)
            return code
    reading.add("team-unknown", row, key, text=text, what=what)
    return None


def objective_ref(reading: Reading, row: Row, objectives: dict[str, Objective], what: str) -> Objective | None:
    """The objective a milestone or risk belongs to; None (with an error: the row is left out) if unknown."""
    text = ident(reading, row, "objective_ref")
    if text in objectives:
        return objectives[text]
    for ref, objective in objectives.items():
        if loose(ref) == loose(text):
            reading.add("objective-loose", row, "objective_ref", text=text, ref=ref)
            return objective
    where = reading.skipped.get(OBJECTIVES.name, {}).get(same_key(text))
    if where:
        reading.add("objective-left-out", row, "objective_ref", text=text, where=where)
    else:
        reading.add("objective-unknown", row, "objective_ref", text=text, what=what)
    return None


class IndicatorRefs:
    """The PIs an objective may link to, by exact and by loose ref."""

    def __init__(self, indicators: list[Indicator]) -> None:
        self.exact = {i.ref for i in indicators}
        self.by_loose: dict[str, list[str]] = {}
        for indicator in indicators:
            self.by_loose.setdefault(loose(indicator.ref), []).append(indicator.ref)

    def matches(self, token: str) -> list[str]:
        """The refs `token` may mean, matching `Ll21` to `LI21` and, failing that, the start or the end
        of a ref that carries two codes: `LI12` to `BPR LI12`, `BV 49` and `PAF A1` to `BV 49 PAF A1`."""
        key = loose(token)
        found = self.by_loose.get(key, [])
        if found:
            return found
        return sorted({ref for refs in self.by_loose.values() for ref in refs if key in _parts(ref)})


def _parts(ref: str) -> set[str]:
    """The loose forms of a ref's leading and trailing runs of words (not the whole ref)."""
    words = ref.split()
    return {loose("".join(run)) for n in range(1, len(words)) for run in (words[n:], words[:n])}


def link(reading: Reading, row: Row, token: str, refs: IndicatorRefs) -> str | None:
    """The indicator a linked ref means; None (the link is dropped, with a finding) when unknown or ambiguous."""
    if token in refs.exact:
        return token
    matches = refs.matches(token)
    if len(matches) == 1:
        reading.add("link-loose", row, "indicators", token=token, ref=matches[0])
        return matches[0]
    if matches:
        reading.add("link-ambiguous", row, "indicators", token=token, matches=", ".join(matches))
    else:
        reading.add("link-unknown", row, "indicators", token=token)
    return None


def link_tokens(row: Row) -> list[str]:
    """The refs in a Linked indicators cell, split on commas, semicolons and line breaks (one per line
    is common) before spaces are tidied, so `LI19<newline>LI20` is two refs, not `LI19 LI20`."""
    written = cell_text(row.raw("indicators"))
    return [" ".join(part.split()) for part in _LINK_SEPARATORS.split(written) if part.strip()]


_LINK_SEPARATORS = re.compile(r"[,;\r\n]+")


def id_or_new(reading: Reading, row: Row, ids: Ids, objective: Objective | None, what: str) -> str:
    """The row's ID, or the next free `prefix<n>` (with a warning) when it has none."""
    if row.raw("id") is not None:
        return ident(reading, row, "id")
    used, prefix = ids.used, ids.prefix.format(objective=objective.ref if objective else "")
    number = 1
    while same_key(f"{prefix}{number}") in used:
        number += 1
    new = f"{prefix}{number}"
    used.add(same_key(new))
    reading.add("id-generated", row, "id", what=what, ident=new, links=ids.links)
    return new


@dataclass(frozen=True)
class Ids:
    """How an item sheet's rows are identified: the IDs in use (new ones are added as they are made),
    the `prefix` of a new one ("{objective}" stands for the row's objective ref), what the ID links."""

    used: set[str]
    prefix: str
    links: str

    @classmethod
    def of(cls, rows: list[Row], prefix: str, links: str) -> Ids:
        return cls({same_key(row.text("id")) for row in rows if row.raw("id") is not None}, prefix, links)


@dataclass(slots=True)  # not frozen (nothing changes one): one is made per row, and frozen's __init__ is slow
class ItemRow:
    """A row of an item sheet with its required cells filled, a known objective (on a sheet whose
    items belong to one), a unique ID (on a sheet with IDs) and a known team."""

    row: Row
    objective: Objective | None
    ident: str
    team: str


def item_rows(reading: Reading, rows: list[Row], sheet: Sheet, what: str, *,
              objectives: dict[str, Objective] | None = None, ids: Ids | None = None) -> Iterator[ItemRow]:
    """The rows of an item sheet that can be used, each problem of the others said (the row left out).
    The team is the objective's unless the row names its own; without objectives, the row's."""
    seen: dict[str, str] = {}
    for row in rows:
        if not required(reading, row, sheet):
            continue
        objective = None
        if objectives is not None:
            objective = objective_ref(reading, row, objectives, what)
            if objective is None:
                continue
        ident = ""
        if ids is not None:
            ident = id_or_new(reading, row, ids, objective, what)
            if duplicate(reading, seen, row, "id", ident, f"{what} ID"):
                continue
        team = (objective.team if objective is not None and row.raw("team") is None
                else team_ref(reading, row, "team", what))
        if team is None:
            continue
        yield ItemRow(row, objective, ident, team)


def idle_teams(reading: Reading, plan: Plan) -> None:
    """Warn about each team that no item names: it would be sent an empty return."""
    busy = {
        item.team
        for group in (plan.objectives, plan.milestones, plan.indicators, plan.risks, plan.equality)
        for item in group
    }
    for code, row in reading.team_rows.items():
        if code not in busy:
            reading.add("team-idle", row, "code", team=code, code=code)
