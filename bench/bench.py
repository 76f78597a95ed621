"""`make bench`: how fast qmr consolidates N returns, against the honest floor and a pandas loop.

The floor reads every cell of every return with python-calamine and writes the same rows with
XlsxWriter; nothing can consolidate faster than that. The pandas loop is what an analyst would
write: read_excel on every sheet of every file, concat, to_excel. qmr's time is validate +
consolidate + master, as `qmr consolidate` runs them. All three run in this one process, on the
same files, and the ratios are printed side by side. Timings are measured here and never asserted.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
import xlsxwriter
from python_calamine import CalamineWorkbook

from qmr.cycle import load_plan, run_consolidation, run_validation
from qmr.demo.simulate import fill_return, simulate
from qmr.model import Plan
from qmr.period import Period
from qmr.plan.examples import write_example
from qmr.returns import layout
from qmr.returns.template import write_templates

PERIOD = Period(2015, 3)


def synthetic_plan(base: Plan, count: int) -> Plan:
    """`count` teams, each a copy of one of the example's teams with all its items (refs made unique)."""
    teams, objectives, milestones, indicators = [], [], [], []
    reporting = [base.team(code) for code in layout.teams_due(base, PERIOD)]  # each copy sends a return
    for number in range(count):
        source = reporting[number % len(reporting)]
        code = f"{source.code}-{number:04d}"
        teams.append(replace(source, code=code))
        suffix = f"/{number:04d}"
        for o in base.objectives:
            if o.team == source.code:
                objectives.append(replace(o, ref=o.ref + suffix, team=code))
        for m in base.milestones:
            if m.team == source.code:
                milestones.append(replace(m, id=m.id + suffix, objective_ref=m.objective_ref + suffix, team=code))
        for i in base.indicators:
            if i.team == source.code:
                indicators.append(replace(i, ref=i.ref + suffix, team=code))
    return replace(base, teams=tuple(teams), objectives=tuple(objectives), milestones=tuple(milestones),
                   indicators=tuple(indicators), risks=(), equality=())


def prepare(count: int, folder: Path) -> tuple[Plan, Path]:
    """Templates and filled returns for `count` teams, made once and kept for later runs."""
    folder.mkdir(parents=True, exist_ok=True)
    register = folder / "plan.xlsx"
    if not register.exists():
        write_example("ced-2015-16", register)
    base, _ = load_plan(register)
    plan = synthetic_plan(base, count)
    # cached by what the returns hold, so a changed register or generator never reuses stale files
    shape = hashlib.sha256(repr((base.fingerprint, [t.code for t in plan.teams],
                                 [i.ref for i in plan.indicators])).encode()).hexdigest()[:10]
    inbox = folder / f"returns-{count}-{shape}"
    if inbox.exists() and len(list(inbox.glob("*.xlsx"))) == count:
        return plan, inbox
    templates = folder / f"templates-{count}-{shape}"
    started = time.perf_counter()
    paths = write_templates(plan, PERIOD, templates)
    inbox.mkdir(exist_ok=True)
    for path in paths:
        team = path.stem.split("_", 1)[1]
        fill_return(path, inbox / path.name, simulate(plan, team, PERIOD, seed=1))
    print(f"prepared {count} filled returns in {time.perf_counter() - started:.1f} s (not timed below)")
    return plan, inbox


def floor(files: list[Path], out: Path) -> int:
    """Read every cell with calamine, write the same rows with XlsxWriter."""
    book = xlsxwriter.Workbook(str(out), {"constant_memory": True})
    sheet = book.add_worksheet("Data")
    row_number = 0
    for path in files:
        workbook = CalamineWorkbook.from_path(str(path))
        for name in workbook.sheet_names:
            for row in workbook.get_sheet_by_name(name).to_python(skip_empty_area=False):
                for column, value in enumerate(row):
                    if value != "":
                        sheet.write(row_number, column, value if isinstance(value, (int, float)) else str(value))
                row_number += 1
        workbook.close()
    book.close()
    return row_number


def pandas_loop(files: list[Path], out: Path) -> int:
    frames = []
    for path in files:
        for name, frame in pd.read_excel(path, sheet_name=None, header=None, engine="openpyxl").items():
            if name in (layout.MILESTONES.name, layout.INDICATORS.name):
                frames.append(frame.assign(source=path.name))
    table = pd.concat(frames, ignore_index=True).astype(str)
    table.to_excel(out, engine="xlsxwriter", index=False)
    return len(table)


def qmr_run(plan: Plan, inbox: Path, out: Path) -> int:
    batch = run_validation(plan, PERIOD, [inbox])
    consolidation = run_consolidation(plan, PERIOD, batch, out).consolidation
    return len(consolidation.items)


def timed(label: str, run) -> float:
    started = time.perf_counter()
    rows = run()
    seconds = time.perf_counter() - started
    print(f"  {label:<38} {seconds:8.2f} s   ({rows} rows)")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--returns", type=int, default=200, help="number of synthetic returns")
    parser.add_argument("--folder", type=Path, default=Path("build/bench"))
    parser.add_argument("--skip-pandas", action="store_true", help="the pandas loop is slow for large N")
    args = parser.parse_args(argv)

    plan, inbox = prepare(args.returns, args.folder)
    files = sorted(inbox.glob("*.xlsx"))
    size = sum(p.stat().st_size for p in files)
    print(f"{len(files)} returns, {size / 1e6:.1f} MB, {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    out = args.folder / "out"
    out.mkdir(exist_ok=True)
    floor_s = timed("floor: calamine read + XlsxWriter write", lambda: floor(files, out / "floor.xlsx"))
    qmr_s = timed("qmr: validate + consolidate + master", lambda: qmr_run(plan, inbox, out / "master.xlsx"))
    pandas_s = None
    if not args.skip_pandas:
        pandas_s = timed("pandas read_excel loop + to_excel", lambda: pandas_loop(files, out / "pandas.xlsx"))

    print("\nratios (lower is better for qmr):")
    print(f"  qmr / floor   = {qmr_s / floor_s:6.2f}x   (goal: within 2x)")
    if pandas_s is not None:
        print(f"  pandas / qmr  = {pandas_s / qmr_s:6.2f}x   (how much faster qmr is than the pandas loop)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
