"""`make bench`: `qmr consolidate` timed as a user runs it, against the floor and its peers.

Every contender is a process started here, on the same files, in the same rounds (taken in turn,
so a busy spell on a shared machine hits them all): `qmr consolidate` (register read, returns read
and judged, master and Data CSV written); the floor (python-calamine reading every cell of every
return on every core, XlsxWriter writing the same rows); a pandas read_excel loop; datamaps 1.1.9
from its own venv with a datamap of the return's input cells; and `qmr templates` for the same
teams. Medians over the rounds, ratios side by side, peak RSS of each process and its children;
printed and written to build/bench.json. Timings are measured here and never asserted in a test.

    python bench/bench.py [--shape council|directorate|national ...] [--rounds 3]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

from openpyxl import load_workbook

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fixtures import PERIOD, Fixture, Shape, prepare  # noqa: E402
from peers import datamap_rows  # noqa: E402

from qmr.demo.simulate import template_rows  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
DATAMAPS_VENV = BUILD / "datamaps-venv"
DATAMAPS_VERSION = "1.1.9"

SHAPES = {
    "council": [Shape("council", 1000, 6, 4)],
    "directorate": [Shape("directorate", 300, 25, 10)],
    # national: time and peak memory only; 4,000 returns too, so memory's growth with the batch shows
    "national": [Shape("national-4000", 4000, 6, 4, peers=False, templates=False),
                 Shape("national", 20000, 6, 4, peers=False, templates=False)],
}


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_rss: int  # bytes, the process and all its children together, sampled
    code: int
    cpu: float  # user + system seconds of the process and its children: steadier than wall time on a busy machine
    # Summed RSS counts a page that forked workers still share with their parent once per process; PSS
    # shares each such page among them, so the tree's PSS is the memory the run really takes.
    peak_pss: int = 0


def _tree(pid: int) -> list[int]:
    """`pid` and all its descendants, from /proc."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    todo.extend(int(c) for c in children.read().split())
        except OSError:
            continue
    return found


def _rss(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm") as statm:
                total += int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    return total


def _pss(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as rollup:
                total += next(int(line.split()[1]) * 1024 for line in rollup if line.startswith("Pss:"))
        except (OSError, IndexError, ValueError, StopIteration):
            continue
    return total


PSS_EVERY = 5  # samples: reading smaps_rollup walks the page tables, dearer than statm


def run(command: list[str], *, cwd: Path, env: dict[str, str] | None = None, log: Path) -> Run:
    """Run `command` to its end; wall time and the peak RSS (and PSS) of it and its children."""
    before = _cpu()
    with open(log, "w") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        peak = peak_pss = samples = 0
        while process.poll() is None:
            tree = _tree(process.pid)
            peak = max(peak, _rss(tree))
            if samples % PSS_EVERY == 0:
                peak_pss = max(peak_pss, _pss(tree))
            samples += 1
            time.sleep(0.02)
        seconds = time.perf_counter() - started
    return Run(seconds, peak, process.returncode, _cpu() - before, peak_pss)


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)  # every process this one started and reaped
    return used.ru_utime + used.ru_stime


def datamaps_ready() -> Path | None:
    """The datamaps command, installed into its own venv on first use; None if it cannot be."""
    command = DATAMAPS_VENV / "bin" / "datamaps"
    if not command.exists():
        print(f"  installing datamaps {DATAMAPS_VERSION} into {DATAMAPS_VENV} ...")
        made = subprocess.run(["python3", "-m", "venv", str(DATAMAPS_VENV)], capture_output=True)
        if made.returncode == 0:
            subprocess.run([str(DATAMAPS_VENV / "bin" / "pip"), "install", "--quiet",
                            f"datamaps=={DATAMAPS_VERSION}"], capture_output=True)
    return command if command.exists() else None


def write_datamap(fixture: Fixture, path: Path) -> Path:
    book = load_workbook(fixture.files[0], read_only=False)
    lines = datamap_rows(template_rows(book))
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["cell_key", "template_sheet", "cell_reference", "type"])
        writer.writerows(lines)
    return path


def contenders(fixture: Fixture, work: Path, datamaps: Path | None, qmr: str, before: str | None
               ) -> dict[str, tuple[list[str], dict | None]]:
    """name -> (command, environment) for every process this shape times."""
    python = str(ROOT / ".venv" / "bin" / "python")
    peers = str(ROOT / "bench" / "peers.py")
    period = PERIOD.label
    commands: dict[str, tuple[list[str], dict | None]] = {}
    for label, command in (("", qmr), (" (before)", before)):
        if command:
            commands[f"qmr consolidate{label}"] = (
                [command, "consolidate", "--plan", str(fixture.register), "--period", period, str(fixture.inbox),
                 "--out", str(work / f"master{label.strip(' ()')}.xlsx")], None)
    if fixture.shape.peers:
        commands["floor"] = ([python, peers, "floor", str(fixture.inbox), str(work / "floor.xlsx")], None)
        commands["pandas read_excel loop"] = ([python, peers, "pandas", str(fixture.inbox),
                                               str(work / "pandas.xlsx")], None)
        if datamaps is not None:
            home = work / "datamaps-home"
            env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
                   "XDG_DATA_HOME": str(home / ".local" / "share")}
            datamap = write_datamap(fixture, work / "datamap.csv")
            commands[f"datamaps {DATAMAPS_VERSION}"] = ([str(datamaps), "import", "templates", "-m", "--inputdir",
                                                        str(fixture.inbox), "-d", str(datamap)], env)
    for label, command in (("", qmr), (" (before)", before)):
        if command and fixture.shape.templates:
            commands[f"qmr templates{label}"] = ([command, "templates", "--plan", str(fixture.register), "--period",
                                                 period, "--out", str(work / "templates")], None)
    return commands


def measure(fixture: Fixture, rounds: int, datamaps: Path | None, qmr: str, before: str | None,
            outputs: Path, template_rounds: int) -> dict:
    """Every contender `rounds` times, in turn; medians, peaks and ratios."""
    work = outputs / fixture.shape.name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    commands = contenders(fixture, work, datamaps, qmr, before)
    runs: dict[str, list[Run]] = {name: [] for name in commands}
    for number in range(rounds):
        for name, (command, env) in commands.items():
            if name.startswith("qmr templates") and number >= template_rounds:
                continue
            if name.startswith("qmr templates"):
                shutil.rmtree(work / "templates", ignore_errors=True)
            result = run(command, cwd=work, env=env, log=work / f"{name.replace(' ', '_')}.log")
            if result.code not in (0, 1):  # qmr exits 1 when a return has problems: still a full run
                print(f"  {name} failed (exit {result.code}); see {work}")
            runs[name].append(result)
            print(f"  round {number + 1}: {name:<24} {result.seconds:7.2f} s  {result.cpu:7.2f} s CPU  "
                  f"{result.peak_rss / 2**20:7.0f} MB RSS  {result.peak_pss / 2**20:7.0f} MB PSS")
    files = fixture.files
    report = {
        "returns": len(files), "items": fixture.shape.items, "milestones_per_return": fixture.shape.milestones,
        "indicators_per_return": fixture.shape.indicators, "rounds": rounds,
        "megabytes": round(sum(p.stat().st_size for p in files) / 1e6, 1),
        "qmr": qmr,
        "contenders": {name: {"median_s": round(statistics.median(r.seconds for r in results), 2),
                              "seconds": [round(r.seconds, 2) for r in results],
                              "median_cpu_s": round(statistics.median(r.cpu for r in results), 2),
                              "peak_rss_mb": round(max(r.peak_rss for r in results) / 2**20),
                              "peak_pss_mb": round(max(r.peak_pss for r in results) / 2**20),
                              "exit": sorted({r.code for r in results})}
                       for name, results in runs.items() if results},
    }
    medians = {name: entry["median_s"] for name, entry in report["contenders"].items()}
    qmr = medians["qmr consolidate"]
    ratios = {}
    if "floor" in medians:
        ratios["qmr / floor"] = round(qmr / medians["floor"], 2)
        cpu = {name: entry["median_cpu_s"] for name, entry in report["contenders"].items()}
        ratios["qmr / floor, CPU seconds"] = round(cpu["qmr consolidate"] / cpu["floor"], 2)
    for name in medians:
        if name.startswith(("pandas", "datamaps")):
            ratios[f"{name} / qmr"] = round(medians[name] / qmr, 2)
    before = medians.get("qmr consolidate (before)")
    if before is not None:
        ratios["qmr consolidate (before) / qmr"] = round(before / qmr, 2)
        if "floor" in medians:
            ratios["qmr consolidate (before) / floor"] = round(before / medians["floor"], 2)
    report["ratios"] = ratios
    return report


def show(name: str, report: dict) -> None:
    print(f"\n{name}: {report['returns']} returns of {report['milestones_per_return']} milestones + "
          f"{report['indicators_per_return']} PIs ({report['items']} items, {report['megabytes']} MB), "
          f"median of {report['rounds']}")
    print(f"  {'':<26} {'median s':>9} {'CPU s':>7} {'peak RSS MB':>12} {'peak PSS MB':>12}")
    for contender, entry in report["contenders"].items():
        print(f"  {contender:<26} {entry['median_s']:9.2f} {entry['median_cpu_s']:7.2f} {entry['peak_rss_mb']:12d}"
              f" {entry['peak_pss_mb']:12d}")
    for ratio, value in report["ratios"].items():
        print(f"  {ratio:<32} {value:6.2f}x")


def _compiled(command: Path) -> None:
    """Byte-compile the qmr package that `command` runs, as installing it from a wheel does: an
    editable install compiles nothing, and with PYTHONDONTWRITEBYTECODE set (as on some machines)
    every timed run would compile qmr's modules again, a cost no user who installed qmr pays."""
    located = shutil.which(str(command))
    python = Path(located).resolve().with_name("python") if located else None
    found = subprocess.run([str(python), "-c", "import qmr, pathlib; print(pathlib.Path(qmr.__file__).parent)"],
                           capture_output=True, text=True) if python and python.exists() else None
    if found is None or found.returncode != 0:
        print(f"  note: could not byte-compile the qmr that {command} runs; its first round compiles it")
        return
    subprocess.run([str(python), "-m", "compileall", "-q", found.stdout.strip()], check=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", action="append", choices=sorted(SHAPES), help="default: all")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--returns", type=int, help="override the shape's number of returns (quick checks)")
    parser.add_argument("--prepare-only", action="store_true", help="build (or find) the fixtures, time nothing")
    parser.add_argument("--qmr", default=str(ROOT / ".venv" / "bin" / "qmr"),
                        help="the qmr command to time (e.g. another checkout's, for a before/after table)")
    parser.add_argument("--skip", action="append", default=[], help="leave out this shape (e.g. national-4000)")
    parser.add_argument("--template-rounds", type=int, help="rounds of `qmr templates` (default: --rounds)")
    parser.add_argument("--before", help="also time this qmr command in the same rounds (a before/after table)")
    parser.add_argument("--peers", action=argparse.BooleanOptionalAction, default=True,
                        help="also time the floor, pandas and datamaps (--no-peers: qmr only)")
    parser.add_argument("--out", type=Path, default=BUILD / "bench.json")
    args = parser.parse_args(argv)
    if args.before and Path(args.before).exists():
        args.before = str(Path(args.before).resolve())  # each contender runs in its own folder

    for command in (args.qmr, args.before):
        if command:
            _compiled(Path(command))
    load = os.getloadavg()
    print(f"{os.cpu_count()} cores, load {load[0]:.2f}, Python {platform.python_version()}")
    datamaps = datamaps_ready()
    results: dict[str, dict] = {}
    for shape in [s for key in (args.shape or list(SHAPES)) for s in SHAPES[key] if s.name not in args.skip]:
        if args.returns:
            shape = replace(shape, returns=args.returns)
        if not args.peers:
            shape = replace(shape, peers=False)
        fixture = prepare(shape, ROOT, BUILD / "bench" / "fixtures")
        if args.prepare_only:
            continue
        print(f"{shape.name}: {shape.returns} returns")
        rounds = args.rounds if shape.returns < 10000 else 1  # national: one round keeps `make bench` short
        results[shape.name] = measure(fixture, rounds, datamaps, args.qmr, args.before,
                                      BUILD / "bench" / "out" / args.out.stem,
                                      rounds if args.template_rounds is None else args.template_rounds)
        show(shape.name, results[shape.name])
    if args.prepare_only:
        return 0
    peaks = {name: r["contenders"]["qmr consolidate"] for name, r in results.items()}
    print("\nqmr consolidate peak memory, RSS summed / PSS (MB): "
          + ", ".join(f"{results[name]['returns']} returns {e['peak_rss_mb']} / {e['peak_pss_mb']}"
                      for name, e in peaks.items()))
    report = {"machine": {"cores": os.cpu_count(), "load_at_start": [round(v, 2) for v in load],
                          "load_at_end": [round(v, 2) for v in os.getloadavg()], "python": platform.python_version()},
              "command": " ".join(["python", "bench/bench.py", *(argv if argv is not None else sys.argv[1:])]),
              "shapes": results}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
