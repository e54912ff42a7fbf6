"""The SQLite history of results: who typed what, when, with which metrics, and where the
result file is.

The result file is the source of truth and is always written first; the history is an index
for browsing and charts. A damaged or locked database raises ``StorageError`` with a clear
French message, never a bare ``sqlite3`` error. The database runs in WAL mode so a reader
(the results browser) never blocks a writer (an exam being saved).

``History`` is the SQLite implementation of ``frappe.storage.store.ResultStore``. Its schema
version is explicit (table ``schema_version``); opening an older database runs each migration
step in order, in one transaction (``_MIGRATIONS``), and a newer one is refused.
"""

from __future__ import annotations

import contextlib
import math
import os
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from frappe.errors import StorageError
from frappe.exercises.record import Mode, ResultRecord, format_timestamp
from frappe.locations import user_data_dir
from frappe.private_files import make_private, open_private, private_dir
from frappe.storage.store import (
    STORED_COLUMNS,
    Group,
    ResultFilter,
    StoredResult,
    filter_clauses,
    group_from_rows,
    keep_group_members,
    name_key,
    result_values,
    roster_rows,
    search_key,
    stored_result,
)

__all__ = [
    "HISTORY_SCHEMA",
    "REINDEX_COMMAND",
    "History",
    "HistoryEntry",
    "default_db_path",
    "open_history",
]

HISTORY_SCHEMA = 2
# Named in every message about a history row that could not be written: the result files are
# the source of truth, and this command adds their missing rows.
REINDEX_COMMAND = "frappe history reindex"

# Schema 1 as it shipped (the four correction columns were added in place later).
_SCHEMA_1 = """
CREATE TABLE IF NOT EXISTS results (
    id INTEGER PRIMARY KEY,
    candidate_name TEXT NOT NULL,
    candidate_id TEXT,
    exercise_id TEXT NOT NULL,
    exercise_title TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,
    mode TEXT NOT NULL DEFAULT 'exam',
    started_at TEXT NOT NULL,
    ended_at TEXT NOT NULL,
    duration_s REAL NOT NULL,
    end_reason TEXT NOT NULL,
    profile TEXT NOT NULL,
    speed REAL,
    speed_unit TEXT,
    faults REAL,
    accuracy REAL,
    keystroke_accuracy REAL,
    error_rate REAL,
    mark_20 REAL,
    passed INTEGER,
    gross_wpm REAL,
    net_wpm REAL,
    characters INTEGER,
    result_path TEXT NOT NULL UNIQUE,
    recorded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS results_by_candidate ON results (candidate_name, started_at);
CREATE INDEX IF NOT EXISTS results_by_date ON results (started_at);
"""

# Columns schema 1 gained in place (nullable, so the frappe of that time kept working).
_SCHEMA_1_ADDED = (
    ("recognition_errors", "INTEGER"),
    ("fixed", "INTEGER"),
    ("missed", "INTEGER"),
    ("introduced", "INTEGER"),
)

# Schema 2: the trainer's tableaux de suivi — name keys for matching and searching, the
# per-result details the class and candidate views aggregate, séances, groups and rosters.
_SCHEMA_2_ADDED = (
    ("candidate_key", "TEXT"),
    ("candidate_search", "TEXT"),
    ("critical_errors", "INTEGER"),
    ("error_classes", "TEXT"),
    ("weak_keys", "TEXT"),
    ("listening_ratio", "REAL"),
    ("integrity_events", "TEXT"),
    ("seance", "TEXT"),
    ("verification", "TEXT"),
)
_SCHEMA_2_TABLES = """
CREATE INDEX IF NOT EXISTS results_by_key ON results (candidate_key);
CREATE INDEX IF NOT EXISTS results_by_candidate_id ON results (candidate_id);
CREATE TABLE IF NOT EXISTS groups (
    name TEXT PRIMARY KEY,
    starts_on TEXT,
    ends_on TEXT,
    profile TEXT,
    speed_target REAL,
    accuracy_target REAL
);
CREATE TABLE IF NOT EXISTS group_members (
    group_name TEXT NOT NULL REFERENCES groups (name) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    candidate_id TEXT,
    aliases TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (group_name, position)
);
"""

# A history entry is a stored result (the name the app used before the store interface).
HistoryEntry = StoredResult


def _columns(db: sqlite3.Connection) -> set[str]:
    return {str(row[1]) for row in db.execute("PRAGMA table_info(results)")}


def _add_columns(db: sqlite3.Connection, columns: tuple[tuple[str, str], ...]) -> None:
    present = _columns(db)
    for name, sql_type in columns:
        if name not in present:
            db.execute(f"ALTER TABLE results ADD COLUMN {name} {sql_type}")


def _migrate_1_to_2(db: sqlite3.Connection) -> None:
    """Schema 1 → 2: new nullable columns, name keys computed for the existing rows, the group
    tables. Rows keep every value; details that only the result files hold (error classes,
    weak keys) stay empty for old rows."""
    _add_columns(db, _SCHEMA_1_ADDED)
    _add_columns(db, _SCHEMA_2_ADDED)
    rows = db.execute("SELECT id, candidate_name FROM results").fetchall()
    db.executemany(
        "UPDATE results SET candidate_key = ?, candidate_search = ? WHERE id = ?",
        [(name_key(name), search_key(name), row_id) for row_id, name in rows],
    )
    _run_script(db, _SCHEMA_2_TABLES)


def _run_script(db: sqlite3.Connection, script: str) -> None:
    # executescript() would commit the migration's transaction half-way: run one by one.
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


# Version n → the step that brings a database from n to n + 1.
_MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {1: _migrate_1_to_2}


def default_db_path() -> Path:
    """``<user data dir>/history.sqlite3``."""
    return user_data_dir() / "history.sqlite3"


def _parse_date(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError(value)
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _storage_error(path: Path, error: sqlite3.Error) -> StorageError:
    text = str(error).lower()
    if "locked" in text or "busy" in text:
        return StorageError(
            f"{path} : base d'historique verrouillée par un autre programme ; le fichier de "
            f"résultat est enregistré, « {REINDEX_COMMAND} » l'ajoutera à l'historique",
            title="Historique verrouillé",
        )
    if isinstance(error, sqlite3.DatabaseError) and (
        "not a database" in text or "malformed" in text or "corrupt" in text
    ):
        return StorageError(
            f"{path} : base d'historique endommagée ({error}) ; les fichiers de résultat "
            f"restent valables : déplacez ce fichier puis « {REINDEX_COMMAND} » la reconstruit",
            title="Historique endommagé",
        )
    if "readonly" in text or "unable to open" in text or "disk" in text:
        return StorageError(
            f"{path} : base d'historique inaccessible ({error}) ; le fichier de résultat est "
            f"enregistré, « {REINDEX_COMMAND} » l'ajoutera à l'historique",
            title="Historique inaccessible",
        )
    return StorageError(
        f"{path} : erreur de la base d'historique ({error}) ; « {REINDEX_COMMAND} » "
        "reconstruit l'historique depuis les fichiers de résultat",
        title="Historique",
    )


def _refuse_foreign(path: Path) -> None:
    """StorageError when ``path`` is an SQLite database of another program (checked read-only,
    before frappe writes anything to it: WAL mode, tables). A missing or empty file is fine."""
    try:
        if not path.exists() or path.stat().st_size == 0:
            return
    except OSError as error:
        raise StorageError(f"{path} : base d'historique illisible ({error.strerror})") from error
    try:
        probe = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=2.0)
    except sqlite3.Error as error:
        raise _storage_error(path, error) from error
    try:
        tables = {
            str(row[0])
            for row in probe.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        columns = {str(row[1]) for row in probe.execute("PRAGMA table_info(results)")}
    except sqlite3.Error as error:
        raise _storage_error(path, error) from error
    finally:
        probe.close()
    if tables and not {"result_path", "candidate_name", "started_at"}.issubset(columns):
        raise StorageError(
            f"{path} : ce n'est pas une base d'historique frappe (tables : "
            f"{', '.join(sorted(tables)[:5])}) ; elle n'a pas été modifiée",
            title="Historique refusé",
        )


class History:
    """An open history database. Use ``open_history`` (a context manager)."""

    def __init__(self, path: Path, *, timeout: float = 2.0) -> None:
        self.path = path
        try:
            private_dir(path.parent)
        except OSError as error:
            raise StorageError(
                f"{path.parent} : dossier de l'historique impossible à créer ({error.strerror})"
            ) from error
        _refuse_foreign(path)
        try:
            if not path.exists():
                # Created 0600 before SQLite opens it: its -wal and -shm files take its mode.
                os.close(open_private(path, os.O_WRONLY | os.O_CREAT))
            self._db = sqlite3.connect(path, timeout=timeout)
        except OSError as error:
            raise StorageError(
                f"{path} : base d'historique impossible à créer ({error.strerror})",
                title="Historique inaccessible",
            ) from error
        except sqlite3.Error as error:
            raise _storage_error(path, error) from error
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.Error as error:
            self._db.close()
            raise _storage_error(path, error) from error
        for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
            with contextlib.suppress(OSError):
                make_private(path.with_name(name))

    def _version(self) -> int | None:
        exists = self._db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
        ).fetchone()
        if exists is None:
            return None
        row = self._db.execute("SELECT MAX(version) FROM schema_version").fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def _migrate(self) -> None:
        version = self._version()
        if version == HISTORY_SCHEMA:
            return  # the usual case: no write, no lock
        if version is not None and version > HISTORY_SCHEMA:
            raise StorageError(
                f"{self.path} : base d'historique d'une version plus récente de frappe "
                f"(schéma {version}, connu : {HISTORY_SCHEMA})"
            )
        # Every step in one explicit transaction (sqlite3 would run DDL outside one), so a
        # failed migration leaves the database exactly as it was.
        self._db.execute("BEGIN IMMEDIATE")
        try:
            version = self._version()  # another process may have migrated meanwhile
            if version is not None and version > HISTORY_SCHEMA:
                raise StorageError(
                    f"{self.path} : base d'historique d'une version plus récente de frappe "
                    f"(schéma {version}, connu : {HISTORY_SCHEMA})"
                )
            if version is None:
                # A new database, or one older than the version table: build schema 1 (no-op
                # on existing tables), then migrate like any schema 1 database.
                self._db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER)")
                _run_script(self._db, _SCHEMA_1)
                version = 1
            while version < HISTORY_SCHEMA:
                _MIGRATIONS[version](self._db)
                version += 1
            self._db.execute("DELETE FROM schema_version")
            self._db.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
            self._db.commit()
        except BaseException:
            self._db.rollback()
            raise

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def _fail(self, error: sqlite3.Error) -> StorageError:
        return _storage_error(self.path, error)

    def add(
        self,
        record: ResultRecord,
        metrics: Mapping[str, Any],
        result_path: Path,
        *,
        mode: Mode = "exam",
        seance: str | None = None,
    ) -> int:
        """Record a result (again: the row of the same result file is replaced); its row id.

        ``metrics`` is the score's ``metrics_dict()`` (typing, transcription or correction):
        missing metrics are stored as NULL.
        """
        values = result_values(record, metrics, result_path, mode=mode, seance=seance)
        values["recorded_at"] = format_timestamp(datetime.now(UTC))
        names = ", ".join(values)
        marks = ", ".join(f":{name}" for name in values)
        updates = ", ".join(f"{name}=excluded.{name}" for name in values if name != "result_path")
        try:
            with self._db:
                cursor = self._db.execute(
                    f"INSERT INTO results ({names}) VALUES ({marks}) "
                    f"ON CONFLICT(result_path) DO UPDATE SET {updates} RETURNING id",
                    values,
                )
                row = cursor.fetchone()
        except sqlite3.Error as error:
            raise self._fail(error) from error
        return int(row[0])

    def results(
        self, query: ResultFilter | None = None, *, problems: list[str] | None = None
    ) -> list[StoredResult]:
        """Results matching ``query`` (all when None), most recent first.

        A damaged row (wrong type, unreadable date: edited by hand or by another program) is
        left out; one line per such row is appended to ``problems`` when given.
        """
        query = query or ResultFilter()
        group: Group | None = None
        if query.group is not None:
            group = self.group(query.group)
            if group is None:
                return []
        where, params = filter_clauses(query, group)
        tail = f" LIMIT {int(query.limit)}" if query.limit and group is None else ""
        sql = f"SELECT {STORED_COLUMNS} FROM results{where} ORDER BY started_at DESC, id DESC{tail}"
        try:
            rows = self._db.execute(sql, params).fetchall()
        except sqlite3.Error as error:
            raise self._fail(error) from error
        found: list[StoredResult] = []
        for row in rows:
            try:
                found.append(_stored_result(row))
            except (ValueError, TypeError) as error:
                if problems is not None:
                    problems.append(f"{self.path} : ligne {row[0]!r} endommagée ignorée ({error})")
        return keep_group_members(found, group, query.limit)

    def entries(
        self,
        *,
        candidate: str | None = None,
        mode: Mode | None = None,
        kind: str | None = None,
        limit: int | None = None,
        problems: list[str] | None = None,
    ) -> list[StoredResult]:
        """``results`` with the filters the app used before ``ResultFilter`` (kept for them)."""
        return self.results(
            ResultFilter(candidate=candidate, mode=mode, kind=kind, limit=limit), problems=problems
        )

    def result_paths(self) -> set[str]:
        """The result files the history has a row for (as stored: absolute paths)."""
        try:
            rows = self._db.execute("SELECT result_path FROM results").fetchall()
        except sqlite3.Error as error:
            raise self._fail(error) from error
        return {str(row[0]) for row in rows}

    def candidates(self) -> list[str]:
        """Distinct candidate names, alphabetical."""
        try:
            rows = self._db.execute(
                "SELECT DISTINCT candidate_name FROM results ORDER BY candidate_name COLLATE NOCASE"
            ).fetchall()
        except sqlite3.Error as error:
            raise self._fail(error) from error
        return [str(row[0]) for row in rows]

    def groups(self) -> list[Group]:
        """Every group with its roster, by name."""
        try:
            names = [
                str(row[0])
                for row in self._db.execute("SELECT name FROM groups ORDER BY name COLLATE NOCASE")
            ]
        except sqlite3.Error as error:
            raise self._fail(error) from error
        return [group for name in names if (group := self.group(name)) is not None]

    def group(self, name: str) -> Group | None:
        """The group of that exact name, or None."""
        try:
            row = self._db.execute(
                "SELECT name, starts_on, ends_on, profile, speed_target, accuracy_target "
                "FROM groups WHERE name = ?",
                (name,),
            ).fetchone()
            if row is None:
                return None
            members = self._db.execute(
                "SELECT name, candidate_id, aliases FROM group_members WHERE group_name = ? "
                "ORDER BY position",
                (name,),
            ).fetchall()
        except sqlite3.Error as error:
            raise self._fail(error) from error
        return group_from_rows(row, members)

    def save_group(self, group: Group) -> None:
        """Create or replace a group and its whole roster (in one transaction)."""
        try:
            with self._db:
                self._db.execute("DELETE FROM groups WHERE name = ?", (group.name,))
                self._db.execute(
                    "INSERT INTO groups (name, starts_on, ends_on, profile, speed_target, "
                    "accuracy_target) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        group.name,
                        None if group.starts_on is None else group.starts_on.isoformat(),
                        None if group.ends_on is None else group.ends_on.isoformat(),
                        group.profile,
                        group.speed_target,
                        group.accuracy_target,
                    ),
                )
                self._db.executemany(
                    "INSERT INTO group_members (group_name, position, name, candidate_id, "
                    "aliases) VALUES (?, ?, ?, ?, ?)",
                    roster_rows(group),
                )
        except sqlite3.Error as error:
            raise self._fail(error) from error

    def delete_group(self, name: str) -> bool:
        """Remove a group and its roster (never results); whether it existed."""
        try:
            with self._db:
                cursor = self._db.execute("DELETE FROM groups WHERE name = ?", (name,))
        except sqlite3.Error as error:
            raise self._fail(error) from error
        return cursor.rowcount > 0


_TEXT = (str,)
_OPT_TEXT = (str, type(None))
_NUMBER = (int, float)
_OPT_NUMBER = (int, float, type(None))
_OPT_INT = (int, type(None))
# The columns of ``_COLUMNS`` in order, with the Python types SQLite may give back for them.
_ROW_TYPES: tuple[tuple[str, tuple[type, ...]], ...] = (
    ("id", (int,)),
    ("candidate_name", _TEXT),
    ("candidate_id", _OPT_TEXT),
    ("exercise_id", _TEXT),
    ("exercise_title", _TEXT),
    ("kind", _TEXT),
    ("mode", _TEXT),
    ("started_at", _TEXT),
    ("ended_at", _TEXT),
    ("duration_s", _NUMBER),
    ("end_reason", _TEXT),
    ("profile", _TEXT),
    ("speed", _OPT_NUMBER),
    ("speed_unit", _OPT_TEXT),
    ("faults", _OPT_NUMBER),
    ("accuracy", _OPT_NUMBER),
    ("keystroke_accuracy", _OPT_NUMBER),
    ("error_rate", _OPT_NUMBER),
    ("mark_20", _OPT_NUMBER),
    ("passed", _OPT_INT),
    ("gross_wpm", _OPT_NUMBER),
    ("net_wpm", _OPT_NUMBER),
    ("characters", _OPT_INT),
    ("result_path", _TEXT),
    ("recognition_errors", _OPT_INT),
    ("fixed", _OPT_INT),
    ("missed", _OPT_INT),
    ("introduced", _OPT_INT),
    ("critical_errors", _OPT_INT),
    ("error_classes", _OPT_TEXT),
    ("weak_keys", _OPT_TEXT),
    ("listening_ratio", _OPT_NUMBER),
    ("integrity_events", _OPT_TEXT),
    ("seance", _OPT_TEXT),
    ("verification", _OPT_TEXT),
)
_REAL_COLUMNS = tuple(
    index for index, (_name, kinds) in enumerate(_ROW_TYPES) if kinds in (_NUMBER, _OPT_NUMBER)
)


def _shown(value: object) -> str:
    """A stored value as one short line (control characters escaped)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _check_row(values: list[Any]) -> None:
    """ValueError naming the first column that is not what frappe writes."""
    for index, (name, kinds) in enumerate(_ROW_TYPES):
        value = values[index]
        if value is None and type(None) in kinds:
            continue
        if not isinstance(value, kinds) or isinstance(value, bool):
            raise ValueError(f"colonne {name} : {_shown(value)} inattendu")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"colonne {name} : {_shown(value)} inattendu")
    for index in (7, 8):
        try:
            values[index] = _parse_date(values[index])
        except ValueError:
            raise ValueError(
                f"colonne {_ROW_TYPES[index][0]} : date illisible {_shown(values[index])}"
            ) from None
    for index in _REAL_COLUMNS:
        if values[index] is not None:
            values[index] = float(values[index])


def _stored_result(row: tuple[Any, ...]) -> StoredResult:
    """The result of a row; ValueError naming the column when the row is damaged."""
    values = list(row)
    _check_row(values)
    return stored_result(values)


@contextmanager
def open_history(path: Path | None = None, *, timeout: float = 2.0) -> Iterator[History]:
    """Open (creating if needed) the history database; StorageError when unusable."""
    history = History(path or default_db_path(), timeout=timeout)
    try:
        yield history
    finally:
        history.close()
