"""The SQLite history of results: who typed what, when, with which metrics, and where the
result file is.

The result file is the source of truth and is always written first; the history is an index
for browsing and charts. A damaged or locked database raises ``StorageError`` with a clear
French message, never a bare ``sqlite3`` error. The database runs in WAL mode so a reader
(the results browser) never blocks a writer (an exam being saved).
"""

from __future__ import annotations

import contextlib
import math
import os
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from frappe.errors import StorageError
from frappe.exercises.record import ResultRecord, format_timestamp
from frappe.locations import user_data_dir
from frappe.private_files import make_private, open_private, private_dir

__all__ = [
    "HISTORY_SCHEMA",
    "REINDEX_COMMAND",
    "History",
    "HistoryEntry",
    "default_db_path",
    "open_history",
]

HISTORY_SCHEMA = 1
# Named in every message about a history row that could not be written: the result files are
# the source of truth, and this command adds their missing rows.
REINDEX_COMMAND = "frappe history reindex"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
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

_COLUMNS = (
    "id, candidate_name, candidate_id, exercise_id, exercise_title, kind, mode, started_at, "
    "ended_at, duration_s, end_reason, profile, speed, speed_unit, faults, accuracy, "
    "keystroke_accuracy, error_rate, mark_20, passed, gross_wpm, net_wpm, characters, "
    "result_path, recognition_errors, fixed, missed, introduced"
)
# Columns added after schema 1 shipped: nullable and added in place (no version bump), so an
# older frappe sharing the database still reads and writes it (it names its columns).
_ADDED_COLUMNS = (
    ("recognition_errors", "INTEGER"),
    ("fixed", "INTEGER"),
    ("missed", "INTEGER"),
    ("introduced", "INTEGER"),
)


def default_db_path() -> Path:
    """``<user data dir>/history.sqlite3``."""
    return user_data_dir() / "history.sqlite3"


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One row of the history.

    Attributes:
        id: Row id.
        candidate_name: Candidate name.
        candidate_id: Optional identifier.
        exercise_id: Text or dictation id.
        exercise_title: Its title.
        kind: ``typing``, ``transcription`` or ``correction``.
        mode: ``exam`` or ``practice``.
        started_at: First key press (UTC).
        ended_at: End (UTC).
        duration_s: Typing time.
        end_reason: completed, timeout, stopped, interrupted.
        profile: Scoring profile name.
        speed: Headline speed in ``speed_unit``.
        speed_unit: Unit of ``speed``.
        faults: Faults under the profile.
        accuracy: Final-text accuracy (0–1).
        keystroke_accuracy: Correct key presses / key presses, or None.
        error_rate: Faults per reference word reached.
        mark_20: Mark out of 20.
        passed: Pass/fail under the profile.
        gross_wpm: Gross words (5 characters) per minute.
        net_wpm: Net words per minute.
        characters: Characters typed.
        result_path: The result file.
        recognition_errors: For a correction, the draft's recognition errors (else None)…
        fixed: …those the trainee fixed…
        missed: …those left wrong…
        introduced: …and the errors the trainee added where the draft was right.
    """

    id: int
    candidate_name: str
    candidate_id: str | None
    exercise_id: str
    exercise_title: str
    kind: str
    mode: str
    started_at: datetime
    ended_at: datetime
    duration_s: float
    end_reason: str
    profile: str
    speed: float | None
    speed_unit: str | None
    faults: float | None
    accuracy: float | None
    keystroke_accuracy: float | None
    error_rate: float | None
    mark_20: float | None
    passed: bool | None
    gross_wpm: float | None
    net_wpm: float | None
    characters: int | None
    result_path: str
    recognition_errors: int | None = None
    fixed: int | None = None
    missed: int | None = None
    introduced: int | None = None

    @classmethod
    def _from_row(cls, row: tuple[Any, ...]) -> HistoryEntry:
        """The entry of a row; ValueError naming the first column that is not what frappe
        writes (a row edited by hand or by another program)."""
        values = list(row)
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
        values[19] = None if values[19] is None else bool(values[19])
        values[9] = float(values[9])
        for index in (12, 14, 15, 16, 17, 18, 20, 21):
            values[index] = None if values[index] is None else float(values[index])
        return cls(*values)


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
)


def _shown(value: object) -> str:
    """A stored value as one short line (control characters escaped)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _integer(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _real(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


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


_OWN_TABLES = frozenset({"schema_version", "results"})


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
    except sqlite3.Error as error:
        raise _storage_error(path, error) from error
    finally:
        probe.close()
    if tables and not _OWN_TABLES.issubset(tables):
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

    def _migrate(self) -> None:
        with self._db:
            self._db.executescript(_SCHEMA)
            row = self._db.execute("SELECT MAX(version) FROM schema_version").fetchone()
            version = row[0] if row else None
            if version is None:
                self._db.execute(
                    "INSERT INTO schema_version (version) VALUES (?)", (HISTORY_SCHEMA,)
                )
            elif version > HISTORY_SCHEMA:
                raise StorageError(
                    f"{self.path} : base d'historique d'une version plus récente de frappe "
                    f"(schéma {version}, connu : {HISTORY_SCHEMA})"
                )
            present = {row[1] for row in self._db.execute("PRAGMA table_info(results)")}
            for name, sql_type in _ADDED_COLUMNS:
                if name not in present:
                    self._db.execute(f"ALTER TABLE results ADD COLUMN {name} {sql_type}")

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def add(
        self,
        record: ResultRecord,
        metrics: Mapping[str, Any],
        result_path: Path,
        *,
        mode: str = "exam",
    ) -> int:
        """Record a result (again: the row of the same result file is replaced); its row id.

        ``metrics`` is the score's ``metrics_dict()`` (typing, transcription or correction):
        missing metrics are stored as NULL.
        """
        profile = record.settings.profile
        passed = metrics.get("passed")
        values: Mapping[str, Any] = {
            "candidate_name": record.candidate.name,
            "candidate_id": record.candidate.id,
            "exercise_id": record.exercise_id,
            "exercise_title": record.exercise_title,
            "kind": record.kind,
            "mode": mode,
            "started_at": format_timestamp(record.started_at),
            "ended_at": format_timestamp(record.ended_at),
            "duration_s": record.duration_s,
            "end_reason": record.end_reason,
            "profile": str(metrics.get("profile", profile.name)),
            "speed": _real(metrics.get("speed")),
            "speed_unit": str(metrics.get("speed_unit", profile.speed_unit)),
            "faults": _real(metrics.get("faults")),
            "accuracy": _real(metrics.get("accuracy")),
            "keystroke_accuracy": _real(metrics.get("keystroke_accuracy")),
            "error_rate": _real(metrics.get("error_rate")),
            "mark_20": _real(metrics.get("mark_20")),
            "passed": None if passed is None else int(bool(passed)),
            "gross_wpm": _real(metrics.get("gross_wpm")),
            "net_wpm": _real(metrics.get("net_wpm")),
            "characters": metrics.get("characters"),
            "result_path": str(result_path.resolve()),
            "recognition_errors": _integer(metrics.get("recognition_errors")),
            "fixed": _integer(metrics.get("fixed")),
            "missed": _integer(metrics.get("missed")),
            "introduced": _integer(metrics.get("introduced")),
            "recorded_at": format_timestamp(datetime.now(UTC)),
        }
        names = ", ".join(values)
        marks = ", ".join(f":{name}" for name in values)
        updates = ", ".join(f"{name}=excluded.{name}" for name in values if name != "result_path")
        try:
            with self._db:
                cursor = self._db.execute(
                    f"INSERT INTO results ({names}) VALUES ({marks}) "
                    f"ON CONFLICT(result_path) DO UPDATE SET {updates} RETURNING id",
                    dict(values),
                )
                row = cursor.fetchone()
        except sqlite3.Error as error:
            raise _storage_error(self.path, error) from error
        return int(row[0])

    def entries(
        self,
        *,
        candidate: str | None = None,
        mode: str | None = None,
        kind: str | None = None,
        limit: int | None = None,
        problems: list[str] | None = None,
    ) -> list[HistoryEntry]:
        """Rows, most recent first; ``candidate`` matches the name case-insensitively.

        A damaged row (wrong type, unreadable date) is left out; one line per such row is
        appended to ``problems`` when given.
        """
        clauses: list[str] = []
        params: list[Any] = []
        if candidate:
            clauses.append("candidate_name = ? COLLATE NOCASE")
            params.append(candidate)
        if mode:
            clauses.append("mode = ?")
            params.append(mode)
        if kind:
            clauses.append("kind = ?")
            params.append(kind)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        tail = f" LIMIT {int(limit)}" if limit else ""
        query = f"SELECT {_COLUMNS} FROM results{where} ORDER BY started_at DESC, id DESC{tail}"
        try:
            rows = self._db.execute(query, params).fetchall()
        except sqlite3.Error as error:
            raise _storage_error(self.path, error) from error
        entries: list[HistoryEntry] = []
        for row in rows:
            try:
                entries.append(HistoryEntry._from_row(row))
            except ValueError as error:
                if problems is not None:
                    problems.append(f"{self.path} : ligne {row[0]!r} endommagée ignorée ({error})")
        return entries

    def result_paths(self) -> set[str]:
        """The result files the history has a row for (as stored: absolute paths)."""
        try:
            rows = self._db.execute("SELECT result_path FROM results").fetchall()
        except sqlite3.Error as error:
            raise _storage_error(self.path, error) from error
        return {str(row[0]) for row in rows}

    def candidates(self) -> list[str]:
        """Distinct candidate names, alphabetical."""
        try:
            rows = self._db.execute(
                "SELECT DISTINCT candidate_name FROM results ORDER BY candidate_name COLLATE NOCASE"
            ).fetchall()
        except sqlite3.Error as error:
            raise _storage_error(self.path, error) from error
        return [str(row[0]) for row in rows]


@contextmanager
def open_history(path: Path | None = None, *, timeout: float = 2.0) -> Iterator[History]:
    """Open (creating if needed) the history database; StorageError when unusable."""
    history = History(path or default_db_path(), timeout=timeout)
    try:
        yield history
    finally:
        history.close()
