"""The results store: one sqlite table, one row per point, written as points finish.

Table ``results``
-----------------
``point_id`` (TEXT, primary key), ``design_id`` (TEXT: the id of the config
without its seeds), ``config`` (canonical JSON), ``status`` (``ok`` or
``failed``), ``error`` (TEXT, the failure message), ``started_at`` (ISO 8601,
UTC), ``seconds`` (REAL, wall time of the point), then one column per metric
name, added the first time the name appears and typed INTEGER, REAL or TEXT
by its first value (untyped when that value is null).

Every point is committed in its own transaction, and the database runs in WAL
mode, so killing the process loses at most the points still being computed.
Table ``meta`` holds the last scenario run into the directory.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cosim.errors import CosimInputError

Metric = float | int | str | None
DB_NAME = "results.sqlite"
FIXED_COLUMNS = ("point_id", "design_id", "config", "status", "error", "started_at", "seconds")
# Lower case only: sqlite column names are case-insensitive, so "Acc" and
# "acc" would silently share a column.
METRIC_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
# A column first seen as None gets no declared type, so later values keep theirs.
_SQL_TYPE = {bool: "INTEGER", int: "INTEGER", float: "REAL", str: "TEXT", type(None): ""}


@dataclass(frozen=True)
class PointResult:
    """The outcome of one point.

    Parameters
    ----------
    point_id, design_id : str
        Ids from :mod:`cosim.studies.points`.
    config : dict
        The point's config.
    status : {"ok", "failed"}
    error : str or None
        Why the point failed.
    started_at : str
        Start time, ISO 8601 in UTC.
    seconds : float
        Wall time of the evaluation, in s.
    metrics : dict of str to float, int, str or None
        What the evaluation returned (empty when it failed).
    """

    point_id: str
    design_id: str
    config: dict[str, Any]
    status: str
    error: str | None
    started_at: str
    seconds: float
    metrics: dict[str, Metric] = field(default_factory=dict)


def check_metric_name(name: Any) -> str:
    """Return ``name`` if it can be a metric column, else raise ValueError."""
    if not isinstance(name, str) or not METRIC_NAME.match(name) or name in FIXED_COLUMNS:
        raise ValueError(f"metric name {name!r} must match [a-z][a-z0-9_]* and not be one of "
                         + ", ".join(FIXED_COLUMNS))
    return name


class ResultStore:
    """The ``results.sqlite`` of one study directory.

    Parameters
    ----------
    path : str or Path
        Database file; created with its tables when missing.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if self.path.is_symlink() or (self.path.exists() and not self.path.is_file()):
            raise CosimInputError(str(self.path), "must be a regular file (not a symlink, "
                                  "directory or device) to be a cosim results database")
        try:
            # isolation_level=None: transactions are explicit, so that a new
            # metric column and its row commit together.
            self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            tables = {r[0] for r in self._db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            if tables and "results" not in tables:  # never add our tables to another database
                raise CosimInputError(str(self.path), "is not a cosim results database (it "
                                      f"holds the tables {', '.join(sorted(tables)[:5])})")
            self._columns = self._read_columns()
            if tables:  # checked before anything is written to the file
                self._check_columns()
            self._db.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode survives a killed process; only an OS crash
            # could lose the last commits.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS results (point_id TEXT PRIMARY KEY, "
                "design_id TEXT NOT NULL, config TEXT NOT NULL, "
                "status TEXT NOT NULL CHECK (status IN ('ok', 'failed')), error TEXT, "
                "started_at TEXT, seconds REAL)"
            )
            self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            self._columns = self._read_columns()
        except sqlite3.OperationalError as exc:
            raise sqlite_problem(self.path, exc) from None
        except sqlite3.DatabaseError as exc:
            raise CosimInputError(str(self.path), f"is not a cosim results database ({exc})") \
                from None
        self._check_columns()

    def _check_columns(self) -> None:
        missing = [c for c in FIXED_COLUMNS if c not in self._columns]
        if missing:
            self._db.close()
            raise CosimInputError(str(self.path), "is not a cosim results database (table "
                                  f"results lacks {', '.join(missing)})")

    def _read_columns(self) -> dict[str, str]:
        return {row[1]: row[2] for row in self._db.execute("PRAGMA table_info(results)")}

    @property
    def metric_names(self) -> list[str]:
        """Metric columns, in the order they first appeared."""
        return [c for c in self._columns if c not in FIXED_COLUMNS]

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def check_integrity(self) -> None:
        """Raise :class:`CosimInputError` if SQLite finds the file damaged.

        ``PRAGMA quick_check`` reads every page once (about a second per
        100 MB), so a run refuses a damaged database before it writes to it.
        """
        try:
            problems = [r[0] for r in self._db.execute("PRAGMA quick_check(3)")]
        except sqlite3.DatabaseError as exc:
            raise sqlite_problem(self.path, exc) from None
        if problems != ["ok"]:
            raise sqlite_problem(self.path, sqlite3.DatabaseError(
                "database disk image is malformed: " + "; ".join(problems)))

    def set_meta(self, key: str, value: Any) -> None:
        """Store ``value`` (JSON-able) under ``key`` in table ``meta``."""
        self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))

    def get_meta(self, key: str) -> Any:
        """The value stored under ``key``, or None."""
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def statuses(self, point_ids: Sequence[str] | None = None) -> dict[str, str]:
        """``point_id -> status`` of every stored point, or of those of ``point_ids``."""
        if point_ids is None:
            return dict(self._db.execute("SELECT point_id, status FROM results"))
        out: dict[str, str] = {}
        for chunk in _chunks(point_ids):
            out.update(self._db.execute("SELECT point_id, status FROM results WHERE point_id "
                                        f"IN ({', '.join('?' * len(chunk))})", chunk))
        return out

    def record(self, result: PointResult) -> None:
        """Write one point (replacing an earlier row of the same id) in one transaction."""
        metrics = {check_metric_name(k): v for k, v in result.metrics.items()}
        row: dict[str, Any] = {
            "point_id": result.point_id,
            "design_id": result.design_id,
            "config": json.dumps(result.config, sort_keys=True),
            "status": result.status,
            "error": result.error,
            "started_at": result.started_at,
            "seconds": result.seconds,
            **metrics,
        }
        names = ", ".join(f'"{k}"' for k in row)
        marks = ", ".join("?" for _ in row)
        self._db.execute("BEGIN IMMEDIATE")
        try:
            for name, value in metrics.items():
                if name not in self._columns:
                    sql_type = _SQL_TYPE.get(type(value), "TEXT")
                    self._db.execute(f'ALTER TABLE results ADD COLUMN "{name}" {sql_type}'.strip())
                    self._columns[name] = sql_type
            self._db.execute(f"INSERT OR REPLACE INTO results ({names}) VALUES ({marks})",
                             list(row.values()))
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            self._columns = self._read_columns()
            raise

    def rows(self, point_ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """Stored rows as dicts (``config`` parsed), optionally only ``point_ids``.

        Rows come in the order of ``point_ids`` when given, else by point_id.
        """
        if point_ids is None:
            return self._select("ORDER BY point_id", [])
        by_id: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(point_ids):
            for row in self._select(f"WHERE point_id IN ({', '.join('?' * len(chunk))})", chunk):
                by_id[row["point_id"]] = row
        return [by_id[p] for p in point_ids if p in by_id]

    def _select(self, clause: str, args: Sequence[str]) -> list[dict[str, Any]]:
        cursor = self._db.execute(f"SELECT * FROM results {clause}", args)
        names = [d[0] for d in cursor.description]
        out = []
        for values in cursor:
            row = dict(zip(names, values, strict=True))
            row["config"] = json.loads(row["config"])
            out.append(row)
        return out


def _chunks(items: Sequence[str], size: int = 500) -> Iterator[Sequence[str]]:
    """``items`` in slices small enough for one SQL statement's variables."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def sqlite_problem(path: Path, exc: sqlite3.Error) -> CosimInputError:
    """An input error naming the database ``path`` and what SQLite found wrong with it."""
    text = str(exc)
    if "full" in text:
        what = "the disk is full; free space and rerun to resume"
    elif "readonly" in text or "read-only" in text:
        what = "is read-only (or its directory is); the run needs to write it"
    elif "malformed" in text or "not a database" in text:
        what = ("is corrupt; move it away, or pass --fresh to delete it and compute every "
                "point again")
    elif "unable to open" in text:
        what = "cannot be opened (check that its directory is writable)"
    else:
        what = "SQLite cannot use it"
    return CosimInputError(str(path), f"{what} (SQLite: {text})")


def remove_database(out_dir: Path) -> None:
    """Delete ``results.sqlite`` and its WAL side files in ``out_dir``, if present."""
    for suffix in ("", "-wal", "-shm"):
        (out_dir / (DB_NAME + suffix)).unlink(missing_ok=True)


def metric_columns(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """Metric names present in ``rows``, in first-seen order."""
    seen: dict[str, None] = {}
    for row in rows:
        for key in row:
            if key not in FIXED_COLUMNS:
                seen.setdefault(key, None)
    return list(seen)
