"""The bench's inputs, made once and cached under build/bench/ by content: a real register workbook
of N synthetic teams, and N returns filled as clerks fill them.

A clerk's fill (openpyxl into the unlocked cells, `qmr.demo.simulate`) costs about half a second a
return, too slow for 20,000. So a few teams' templates are written and filled for real, and every
other team's return is a copy of one of them with the team's identity swapped in: team codes are
fixed-width (QT00042) and every ref starts with one, so swapping the code in the workbook's XML
changes nothing but whose return it is. The copy also carries its own team's register fingerprint,
so qmr judges each copy exactly as it would judge that team's real return.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from qmr.cycle import load_plan
from qmr.demo.simulate import fill_return, simulate
from qmr.period import Period
from qmr.plan.blank import write_register
from qmr.plan.layout import SHEETS
from qmr.returns.template import template_name, write_templates

PERIOD = Period(2015, 3)
BASE_TEAMS = 8  # teams filled for real; the rest are copies of these with their own identity
_CODE = "QT{:05d}"

# What decides the fixtures' content: the register's rows, where a return puts each value (returns/layout),
# the clerks' answers and the team fingerprint (model).
_SOURCES = ("bench/fixtures.py", "toolkit/qmr/model.py", "toolkit/qmr/plan/blank.py",
            "toolkit/qmr/plan/layout.py", "toolkit/qmr/returns/layout.py", "toolkit/qmr/demo/simulate.py")


@dataclass(frozen=True)
class Shape:
    """A collection to time: how many teams send a return, and what each return asks about."""

    name: str
    returns: int
    milestones: int  # per team
    indicators: int  # per team
    peers: bool = True  # time the floor's peers (pandas, datamaps) too
    templates: bool = True  # time `qmr templates` too

    @property
    def items(self) -> int:
        return self.returns * (self.milestones + self.indicators)


@dataclass(frozen=True)
class Fixture:
    shape: Shape
    register: Path
    inbox: Path  # the filled returns, one per team

    @property
    def files(self) -> list[Path]:
        return sorted(self.inbox.glob("*.xlsx"))


def _source_key(root: Path, shape: Shape) -> str:
    digest = hashlib.sha256(repr((shape.returns, shape.milestones, shape.indicators, BASE_TEAMS)).encode())
    for name in _SOURCES:
        digest.update((root / name).read_bytes())
    return digest.hexdigest()[:12]


def register_rows(shape: Shape) -> dict[str, list[list[object]]]:
    """The register's rows: each team one objective with its milestones and PIs, due this year."""
    columns = {sheet.name: [c.key for c in sheet.columns] for sheet in SHEETS}

    def row(sheet: str, **values: object) -> list[object]:
        return [values.get(key) for key in columns[sheet]]

    rows: dict[str, list[list[object]]] = {sheet.name: [] for sheet in SHEETS}
    rows["Settings"] = [row("Settings", name="organisation", value="Bench Borough Council"),
                        row("Settings", name="plan", value=f"Bench plan ({shape.name})")]
    for number in range(shape.returns):
        code = _CODE.format(number)
        department = f"Department {number % 12 + 1}"
        rows["Teams"].append(row("Teams", code=code, name=f"Team {code}", directorate="Bench Directorate",
                                 department=department, division=f"Division {number % 40 + 1}",
                                 clerk_name=f"Performance clerk, {code}", clerk_email=f"{code.lower()}@example.org",
                                 responsible_officer=f"Divisional Manager, {code}"))
        pis = [f"{code} PI{n:02d}" for n in range(1, shape.indicators + 1)]
        rows["Objectives"].append(row(
            "Objectives", ref=code, title=f"Improve outcomes for residents served by {code} through better services",
            corporate_priority="Children and Young People", area_of_focus="14", key="Yes" if number % 3 == 0 else "No",
            team=code, responsible_officer=f"Operational Director, {code}", initial_risk="High",
            residual_risk="Medium", indicators=", ".join(pis[:3])))
        for n in range(1, shape.milestones + 1):
            rows["Milestones"].append(row(
                "Milestones", id=f"{code}.{n:02d}", objective_ref=code,
                text=f"Deliver stage {n} of the {code} improvement plan and report progress to the management team",
                due=("Mar 2016", "Dec 2015", "Ongoing", None)[n % 4], year="2015/16",
                responsible_officer=f"Service Manager {n % 5 + 1}, {code}"))
        for n, ref in enumerate(pis, start=1):
            percent = n % 2 == 1
            rows["Indicators"].append(row(
                "Indicators", ref=ref, description=f"Measure {n} of how well {code} serves its residents",
                key="Yes" if n == 1 else "No", unit="%" if percent else "number",
                polarity="higher" if percent else "lower", frequency="quarterly", profile="flat",
                previous_actual=80 + n % 10 if percent else 40 + n, annual_target=85 if percent else 35 + n,
                q3_target=84 if percent else 36 + n, team=code))
    return rows


def prepare(shape: Shape, root: Path, folder: Path) -> Fixture:
    """The shape's register and filled returns, from the cache when their content is unchanged."""
    key = _source_key(root, shape)
    home = folder / f"{shape.returns}x{shape.milestones}+{shape.indicators}-{key}"
    register, inbox = home / "register.xlsx", home / "returns"
    fixture = Fixture(shape, register, inbox)
    if (home / "complete").exists():
        return fixture
    if home.exists():
        shutil.rmtree(home)
    inbox.mkdir(parents=True)
    started = time.perf_counter()
    write_register(register, register_rows(shape))
    plan, _ = load_plan(register)
    base = [_CODE.format(n) for n in range(min(BASE_TEAMS, shape.returns))]
    templates = write_templates(plan, PERIOD, home / "templates", teams=base)
    filled = [fill_return(t, home / "filled" / t.name, simulate(plan, code, PERIOD, seed=7))
              for code, t in zip(base, templates, strict=True)]
    parts = [_parts(path) for path in filled]
    prints = {team.code: plan.for_team(team.code).fingerprint for team in plan.teams}
    for number, team in enumerate(plan.teams):
        source = number % len(base)
        _copy_as(parts[source], base[source], prints[base[source]], team.code, prints[team.code],
                 inbox / template_name(PERIOD, team.code))
    shutil.rmtree(home / "templates")
    (home / "complete").write_text("")
    print(f"  built {shape.returns} returns for {shape.name} in {time.perf_counter() - started:.0f} s (cached)")
    return fixture


def _parts(path: Path) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(path) as source:
        return [(info, source.read(info)) for info in source.infolist()]


def _copy_as(parts: list[tuple[zipfile.ZipInfo, bytes]], code: str, fingerprint: str, new_code: str,
             new_fingerprint: str, out: Path) -> None:
    """Write the return `parts` (of team `code`) as team `new_code`'s."""
    swaps = {code.encode(): new_code.encode(), code.lower().encode(): new_code.lower().encode(),
             fingerprint.encode(): new_fingerprint.encode()}
    pattern = re.compile(b"|".join(re.escape(k) for k in swaps))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in parts:
            if info.filename.endswith(".xml"):
                data = pattern.sub(lambda m: swaps[m.group(0)], data)
            target.writestr(info, data)
