"""The history database: every accepted return's values, period by period, in one SQLite file.

It feeds direction of travel, trends and pre-filled commentary. Re-importing the same file
changes nothing; a different file from the same team for the same period supersedes the old one.
"""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from qmr.atomic import write_atomic
from qmr.findings import csv_safe
from qmr.judge.validate import AcceptedReturn
from qmr.model import Kind, PastValue
from qmr.period import Period, PeriodError

SCHEMA = """
CREATE TABLE IF NOT EXISTS returns (
    period TEXT NOT NULL,          -- label, e.g. 2015/16 Q3
    period_slug TEXT NOT NULL,     -- sortable, e.g. 2015-16-Q3
    team TEXT NOT NULL,
    file TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    signed_off TEXT,
    PRIMARY KEY (period, team)
);
CREATE TABLE IF NOT EXISTS items (
    period TEXT NOT NULL,
    team TEXT NOT NULL,
    row_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    ref TEXT NOT NULL,
    status TEXT NOT NULL,
    actual_number REAL,
    actual_text TEXT,
    commentary TEXT NOT NULL,
    PRIMARY KEY (period, team, row_key),
    FOREIGN KEY (period, team) REFERENCES returns (period, team) ON DELETE CASCADE
);
"""


@dataclass(frozen=True)
class Recorded:
    added: int = 0
    superseded: int = 0
    unchanged: int = 0


class HistoryError(Exception):
    """The history file cannot be used (not a qmr history database, damaged, locked)."""


# How long a write waits for another program (a second qmr, a database browser) to let go of the file.
BUSY_TIMEOUT_SECONDS = 5.0


def _connect(db: Path) -> sqlite3.Connection:
    """Open for writing, creating the tables in a new database."""
    try:
        connection = sqlite3.connect(db, timeout=BUSY_TIMEOUT_SECONDS)
        connection.execute("PRAGMA foreign_keys = ON")
        connection.executescript(SCHEMA)
    except sqlite3.Error as error:
        raise HistoryError(f"{db}: cannot record history ({error})") from error
    return connection


def _read(db: Path) -> sqlite3.Connection:
    """Open read-only: looking at history never changes the file, nor adds tables to someone else's."""
    try:
        connection = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
        tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error as error:
        raise HistoryError(f"{db}: not a readable qmr history database ({error})") from error
    if not {"returns", "items"} <= tables:
        connection.close()
        raise HistoryError(f"{db}: not a qmr history database (no returns and items tables)")
    return connection


def record(db: Path, period: Period, accepted: Iterable[AcceptedReturn]) -> Recorded:
    """Store accepted returns; one transaction, so a failure leaves the database as it was."""
    try:
        with closing(_connect(db)) as connection, connection:
            return _record(connection, period, accepted)
    except sqlite3.OperationalError as error:
        busy = "locked" in str(error) or "busy" in str(error)
        why = (f"another program held it for more than {BUSY_TIMEOUT_SECONDS:g} s" if busy else str(error))
        raise HistoryError(f"{db}: cannot record history ({why}); nothing was recorded") from error
    except sqlite3.Error as error:
        raise HistoryError(f"{db}: cannot record history ({error}); nothing was recorded") from error


def _record(connection: sqlite3.Connection, period: Period, accepted: Iterable[AcceptedReturn]) -> Recorded:
    added = superseded = unchanged = 0
    for ret in accepted:
        existing = connection.execute(
            "SELECT sha256 FROM returns WHERE period = ? AND team = ?", (period.label, ret.team)
        ).fetchone()
        if existing and existing[0] == ret.sha256:
            unchanged += 1
            continue
        if existing:
            connection.execute("DELETE FROM returns WHERE period = ? AND team = ?",
                               (period.label, ret.team))
            superseded += 1
        else:
            added += 1
        connection.execute(
            "INSERT INTO returns VALUES (?, ?, ?, ?, ?, ?)",
            # a file name's undecodable byte (a lone surrogate) has no UTF-8 form: stored as "?"
            (period.label, period.slug, ret.team, ret.file.encode("utf-8", "replace").decode("utf-8"), ret.sha256,
             ret.signed_off.isoformat() if ret.signed_off else None),
        )
        connection.executemany(
            "INSERT INTO items VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (period.label, ret.team, item.key, item.kind.value, item.ref, item.status.value,
                 item.actual if isinstance(item.actual, float) else None,
                 item.actual if isinstance(item.actual, str) else None, item.commentary)
                for item in ret.items.values()
            ],
        )
    return Recorded(added, superseded, unchanged)


def load_past(db: Path | None) -> list[PastValue]:
    """Every stored item value, oldest period first. A missing database is an empty history."""
    if db is None or not db.exists():
        return []
    with closing(_read(db)) as connection:
        rows = connection.execute(
            "SELECT i.period, i.team, i.kind, i.ref, i.status, i.actual_number, i.actual_text, i.commentary, "
            "i.row_key FROM items i JOIN returns r USING (period, team) ORDER BY r.period_slug, i.team, i.row_key"
        ).fetchall()
    past = []
    for label, team, kind, ref, status, number, text, commentary, row_key in rows:
        try:  # history only stores labels qmr wrote, but a hand-edited row must not stop a run
            period = Period.parse(label)
        except PeriodError:
            continue
        past.append(PastValue(period, team, Kind(kind), ref, status, number if number is not None else text,
                              commentary, row_key))
    return past


def commentary_for(db: Path | None, period: Period) -> dict[str, dict[str, str]]:
    """team -> row key -> the latest commentary accepted before `period`, to pre-fill its templates:
    last quarter's for most rows, the half year's for risks, last year's for annual PIs."""
    result: dict[str, dict[str, str]] = {}
    for value in load_past(db):  # oldest first, so later periods overwrite earlier ones
        if value.commentary and value.period < period:
            result.setdefault(value.team, {})[value.key] = value.commentary
    return result


def periods(db: Path) -> list[tuple[str, int, int]]:
    """(period, returns, items) for every stored period, oldest first."""
    with closing(_read(db)) as connection:
        return connection.execute(
            "SELECT r.period, COUNT(DISTINCT r.team), COUNT(i.row_key) FROM returns r "
            "LEFT JOIN items i USING (period, team) GROUP BY r.period ORDER BY MIN(r.period_slug)"
        ).fetchall()


def team_rows(db: Path, team: str) -> list[tuple]:
    """A team's stored values: period, kind, ref, status, actual, commentary."""
    with closing(_read(db)) as connection:
        return connection.execute(
            "SELECT i.period, i.kind, i.ref, i.status, COALESCE(i.actual_number, i.actual_text), "
            "i.commentary FROM items i JOIN returns r USING (period, team) WHERE i.team = ? COLLATE NOCASE "
            "ORDER BY r.period_slug, i.row_key", (team,)
        ).fetchall()


EXPORT_COLUMNS = ("period", "team", "kind", "ref", "status", "actual", "commentary", "file", "sha256")


def export_csv(db: Path, path: Path) -> int:
    """Every stored value as CSV (UTF-8 with BOM for Excel); returns the number of rows."""
    with closing(_read(db)) as connection:
        rows = connection.execute(
            "SELECT i.period, i.team, i.kind, i.ref, i.status, COALESCE(i.actual_number, i.actual_text), "
            "i.commentary, r.file, r.sha256 FROM items i JOIN returns r USING (period, team) "
            "ORDER BY r.period_slug, i.team, i.row_key"
        ).fetchall()
    def write(temporary: Path) -> None:
        with temporary.open("w", newline="", encoding="utf-8-sig") as handle:
            writer = csv.writer(handle)
            writer.writerow(EXPORT_COLUMNS)
            # a clerk's commentary starting with `=` must stay text when the CSV is opened in Excel
            writer.writerows([csv_safe(v) if isinstance(v, str) else v for v in row] for row in rows)

    write_atomic(path, write)
    return len(rows)
