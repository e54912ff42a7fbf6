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

import json
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from frappe.errors import StorageError
from frappe.exercises.record import ResultRecord, format_timestamp
from frappe.locations import user_data_dir
from frappe.storage.store import (
    Group,
    ResultFilter,
    RosterMember,
    StoredResult,
    decode_counts,
    decode_key_errors,
    filter_clauses,
    name_key,
    result_values,
    search_key,
)

__all__ = [
    "HISTORY_SCHEMA",
    "History",
    "HistoryEntry",
    "default_db_path",
    "open_history",
]

HISTORY_SCHEMA = 2

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

_COLUMNS = (
    "id, candidate_name, candidate_id, exercise_id, exercise_title, kind, mode, started_at, "
    "ended_at, duration_s, end_reason, profile, speed, speed_unit, faults, accuracy, "
    "keystroke_accuracy, error_rate, mark_20, passed, gross_wpm, net_wpm, characters, "
    "result_path, recognition_errors, fixed, missed, introduced, critical_errors, "
    "error_classes, weak_keys, listening_ratio, integrity_events, seance, verification"
)

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


def _parse_date(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _storage_error(path: Path, error: sqlite3.Error) -> StorageError:
    text = str(error).lower()
    if "locked" in text or "busy" in text:
        return StorageError(
            f"{path} : base d'historique verrouillée par un autre programme ; "
            "le fichier de résultat est enregistré, réessayez plus tard",
            title="Historique verrouillé",
        )
    if isinstance(error, sqlite3.DatabaseError) and (
        "not a database" in text or "malformed" in text or "corrupt" in text
    ):
        return StorageError(
            f"{path} : base d'historique endommagée ({error}) ; les fichiers de résultat "
            "restent valables, déplacez ce fichier pour repartir d'une base neuve",
            title="Historique endommagé",
        )
    if "readonly" in text or "unable to open" in text or "disk" in text:
        return StorageError(
            f"{path} : base d'historique inaccessible ({error})", title="Historique inaccessible"
        )
    return StorageError(f"{path} : erreur de la base d'historique ({error})", title="Historique")


class History:
    """An open history database. Use ``open_history`` (a context manager)."""

    def __init__(self, path: Path, *, timeout: float = 2.0) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StorageError(
                f"{path.parent} : dossier de l'historique impossible à créer ({error.strerror})"
            ) from error
        try:
            self._db = sqlite3.connect(path, timeout=timeout)
        except sqlite3.Error as error:
            raise _storage_error(path, error) from error
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.Error as error:
            self._db.close()
            raise _storage_error(path, error) from error
        if path.exists():
            path.chmod(0o600)

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
        mode: str = "exam",
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

    def results(self, query: ResultFilter | None = None) -> list[StoredResult]:
        """Results matching ``query`` (all when None), most recent first."""
        query = query or ResultFilter()
        group: Group | None = None
        if query.group is not None:
            group = self.group(query.group)
            if group is None:
                return []
        where, params = filter_clauses(query, group)
        tail = f" LIMIT {int(query.limit)}" if query.limit and group is None else ""
        sql = f"SELECT {_COLUMNS} FROM results{where} ORDER BY started_at DESC, id DESC{tail}"
        try:
            rows = self._db.execute(sql, params).fetchall()
        except sqlite3.Error as error:
            raise self._fail(error) from error
        found = [_stored_result(row) for row in rows]
        if group is not None:
            found = [r for r in found if group.member_for(r.candidate_name, r.candidate_id)]
            if query.limit:
                found = found[: query.limit]
        return found

    def entries(
        self,
        *,
        candidate: str | None = None,
        mode: str | None = None,
        kind: str | None = None,
        limit: int | None = None,
    ) -> list[StoredResult]:
        """``results`` with the filters the app used before ``ResultFilter`` (kept for them)."""
        return self.results(ResultFilter(candidate=candidate, mode=mode, kind=kind, limit=limit))

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
        return Group(
            name=str(row[0]),
            starts_on=_day(row[1]),
            ends_on=_day(row[2]),
            profile=row[3],
            speed_target=row[4],
            accuracy_target=row[5],
            members=tuple(
                RosterMember(str(m[0]), m[1], tuple(json.loads(m[2] or "[]"))) for m in members
            ),
        )

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
                    [
                        (
                            group.name,
                            position,
                            member.name,
                            member.candidate_id,
                            json.dumps(list(member.aliases), ensure_ascii=False),
                        )
                        for position, member in enumerate(group.members)
                    ],
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


def _day(value: object) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def _stored_result(row: tuple[Any, ...]) -> StoredResult:
    values = list(row)
    values[7] = _parse_date(values[7])
    values[8] = _parse_date(values[8])
    values[19] = None if values[19] is None else bool(values[19])
    values[29] = decode_counts(values[29])
    values[30] = decode_key_errors(values[30])
    values[32] = decode_counts(values[32])
    return StoredResult(*values)


@contextmanager
def open_history(path: Path | None = None, *, timeout: float = 2.0) -> Iterator[History]:
    """Open (creating if needed) the history database; StorageError when unusable."""
    history = History(path or default_db_path(), timeout=timeout)
    try:
        yield history
    finally:
        history.close()
