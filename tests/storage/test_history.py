"""The SQLite history: schema and version, WAL, rows from records, clear errors when the
database is damaged or locked (and the result file is written anyway)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from frappe.errors import StorageError
from frappe.exercises.results import score_record
from frappe.runs.typing import save_result
from frappe.storage.history import HISTORY_SCHEMA, open_history
from support.records import RecordFactory


def test_add_and_list_entries(tmp_path: Path, make_record: RecordFactory) -> None:
    db = tmp_path / "h" / "history.sqlite3"
    record = make_record()
    score = score_record(record)
    with open_history(db) as history:
        row = history.add(record, score.metrics_dict(), tmp_path / "a.json", mode="practice")
        entries = history.entries()
    assert row == entries[0].id
    entry = entries[0]
    assert entry.candidate_name == "Martin Claire"
    assert entry.candidate_id == "C-001"
    assert entry.exercise_id == "t01-test"
    assert entry.kind == "typing" and entry.mode == "practice"
    assert entry.profile == "frappe" and entry.speed_unit == "mots/min"
    assert entry.faults == pytest.approx(score.metrics_dict()["faults"])
    assert entry.passed is False
    assert entry.started_at == record.started_at
    assert entry.result_path == str((tmp_path / "a.json").resolve())


def test_schema_version_and_wal(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite3"
    with open_history(db):
        pass
    connection = sqlite3.connect(db)
    try:
        assert connection.execute("SELECT version FROM schema_version").fetchall() == [
            (HISTORY_SCHEMA,)
        ]
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        connection.close()


def test_same_result_file_is_one_row(tmp_path: Path, make_record: RecordFactory) -> None:
    record = make_record()
    metrics = score_record(record).metrics_dict()
    with open_history(tmp_path / "h.db") as history:
        history.add(record, metrics, tmp_path / "a.json")
        history.add(record, metrics, tmp_path / "a.json")
        history.add(make_record(candidate="Bernard Paul"), metrics, tmp_path / "b.json")
        assert len(history.entries()) == 2
        assert [e.candidate_name for e in history.entries(candidate="martin claire")] == [
            "Martin Claire"
        ]
        assert history.candidates() == ["Bernard Paul", "Martin Claire"]


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    with open_history(db):
        pass
    connection = sqlite3.connect(db)
    connection.execute("INSERT INTO schema_version VALUES (99)")
    connection.commit()
    connection.close()
    with pytest.raises(StorageError, match="plus récente"):
        open_history(db).__enter__()


def test_damaged_database_gives_a_clear_message(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite3"
    db.write_bytes(b"ceci n'est pas une base SQLite" * 200)
    with pytest.raises(StorageError, match="endommagée") as caught, open_history(db):
        pass
    assert str(db) in str(caught.value)


def test_locked_database_gives_a_clear_message(tmp_path: Path, make_record: RecordFactory) -> None:
    db = tmp_path / "history.sqlite3"
    with open_history(db):
        pass
    locker = sqlite3.connect(db)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        record = make_record()
        metrics = score_record(record).metrics_dict()
        with (
            pytest.raises(StorageError, match="verrouillée"),
            open_history(db, timeout=0.1) as history,
        ):
            history.add(record, metrics, tmp_path / "x.json")
    finally:
        locker.rollback()
        locker.close()


def test_result_file_is_written_even_when_the_history_is_damaged(
    tmp_path: Path, make_record: RecordFactory
) -> None:
    db = tmp_path / "history.sqlite3"
    db.write_bytes(b"garbage" * 1000)
    saved = save_result(make_record(), results_dir=tmp_path / "results", db_path=db)
    assert saved.path.exists()
    assert saved.history_error is not None and "endommagée" in saved.history_error
    assert saved.record.score is not None and "faults" in saved.record.score
