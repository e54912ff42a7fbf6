"""The history survives damage (issue 14 §3): rows edited by hand or another program are
shown as one line each while the good rows are listed, and a database of another program is
refused before anything is written to it."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from frappe.cli.main import main
from frappe.errors import StorageError
from frappe.exercises.results import score_record
from frappe.storage.history import open_history
from support.records import RecordFactory


def filled_history(db: Path, make_record: RecordFactory, count: int) -> None:
    with open_history(db) as history:
        for number in range(count):
            record = make_record(candidate=f"Martin Claire {number}")
            history.add(record, score_record(record).metrics_dict(), db.parent / f"{number}.json")


def test_damaged_rows_are_listed_apart_from_the_good_ones(
    tmp_path: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "history.sqlite3"
    filled_history(db, make_record, 4)
    with sqlite3.connect(db) as raw:
        raw.execute("UPDATE results SET started_at = 'hier soir' WHERE id = 1")
        raw.execute("UPDATE results SET speed = 'rapide' WHERE id = 2")
        raw.execute("UPDATE results SET passed = 'oui' WHERE id = 3")
    problems: list[str] = []
    with open_history(db) as history:
        entries = history.entries(problems=problems)
    assert [entry.id for entry in entries] == [4]
    assert len(problems) == 3
    assert any("started_at" in p and "hier soir" in p for p in problems)
    assert any("speed" in p and "rapide" in p for p in problems)
    assert main(["history", "--db", str(db)]) == 1
    out, err = capsys.readouterr()
    assert f"{tmp_path / '3.json'}" in out and "0.json" not in out
    lines = err.strip().splitlines()
    assert len(lines) == 3 and all("endommagée" in line for line in lines)


def test_a_foreign_sqlite_database_is_refused_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    foreign = tmp_path / "comptabilite.sqlite3"
    with sqlite3.connect(foreign) as raw:
        raw.execute("CREATE TABLE factures (numero INTEGER, montant REAL)")
        raw.execute("INSERT INTO factures VALUES (1, 12.5)")
    raw.close()
    before = hashlib.sha256(foreign.read_bytes()).hexdigest()
    with (
        pytest.raises(StorageError, match="pas une base d'historique frappe"),
        open_history(foreign),
    ):
        pass
    assert main(["history", "--db", str(foreign)]) == 1
    assert "pas une base d'historique frappe" in capsys.readouterr().err
    assert main(["history", "reindex", str(tmp_path), "--db", str(foreign)]) == 1
    assert hashlib.sha256(foreign.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["comptabilite.sqlite3"]


def test_a_file_that_is_not_a_database_is_refused_untouched(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("Réunion de l'équipe pédagogique jeudi.\n" * 50, "utf-8")
    before = notes.read_bytes()
    with pytest.raises(StorageError, match="endommagée"), open_history(notes):
        pass
    assert notes.read_bytes() == before
