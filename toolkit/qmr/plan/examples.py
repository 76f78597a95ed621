"""The example registers shipped with the package, kept as one CSV per register sheet
(`workbooks/examples/<name>/<Sheet>.csv`) so that they diff well and need no binary in git.
"""

from __future__ import annotations

import csv
import io
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from qmr.plan.layout import SHEETS, header_key

# The shipped examples, each transcribed from a real plan in ../shared/seeds/ (facts, not prose):
# Halton's Children & Enterprise (2015/16) and Business Support (2008/09) plans, Hartlepool's
# Children's Services team plans (2006/07, directorate > department > division > team) and Cheshire
# West and Chester's CYP Directorate Business Plan (2011/12).
EXAMPLES = ("ced-2015-16", "bpr-2008-09", "hartlepool-cs-2006-07", "cwac-cyp-2011-12")
DEFAULT_EXAMPLE = EXAMPLES[0]


def example_folder(name: str) -> Traversable:
    """Where an example's CSVs live inside the installed package."""
    if name not in EXAMPLES:
        raise ValueError(f"unknown example {name!r}; choose one of: {', '.join(EXAMPLES)}")
    return files("qmr.workbooks") / "examples" / name


def read_rows(folder: Path | Traversable) -> dict[str, list[list[object]]]:
    """Rows per sheet from `<folder>/<Sheet>.csv`, values in `SHEETS` column order; a missing CSV
    gives no rows. The CSVs are the package's own data, so a header qmr does not know is a bug and
    raises ValueError rather than being ignored."""
    rows: dict[str, list[list[object]]] = {}
    for sheet in SHEETS:
        source = folder / f"{sheet.name}.csv"
        if not source.is_file():
            continue
        reader = csv.reader(io.StringIO(source.read_text(encoding="utf-8-sig"), newline=""))
        header = next(reader, [])
        keys = {header_key(c.header): c.key for c in sheet.columns}
        keys.update({header_key(c.key): c.key for c in sheet.columns})
        unknown = [h for h in header if header_key(h) not in keys]
        if unknown:
            raise ValueError(f"{source}: headers {unknown} are not columns of sheet {sheet.name}")
        positions = {keys[header_key(h)]: i for i, h in enumerate(header)}
        sheet_rows = []
        for record in reader:
            if not any(value.strip() for value in record):
                continue
            sheet_rows.append([
                (record[positions[c.key]] if c.key in positions and positions[c.key] < len(record) else None)
                or None
                for c in sheet.columns
            ])
        rows[sheet.name] = sheet_rows
    return rows


def example_rows(name: str) -> dict[str, list[list[object]]]:
    """The rows of a shipped example register (ValueError for an unknown name)."""
    folder = example_folder(name)
    if not folder.is_dir():
        raise FileNotFoundError(f"example {name!r} is not installed (no folder {folder})")
    return read_rows(folder)


def write_example(name: str, path: Path) -> Path:
    """Write the example register `name` as an xlsx at `path` (e.g. for `qmr init --example`)."""
    from qmr.plan.blank import write_register  # here: openpyxl costs every other command its import

    return write_register(path, example_rows(name))
