"""`frappe history`: every column under its header (« Type » was missing), partial and
case-insensitive search, filters by date, exercise and mode, a table within 80 columns, and
result paths printed whole."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from frappe.cli.main import main
from frappe.exercises.record import Candidate, Mode
from frappe.reports.tables import HISTORY_HEADERS
from frappe.runs.typing import save_result
from support.records import RecordFactory


def _save(
    make_record: RecordFactory, root: Path, name: str, day: int, exercise: str, mode: Mode
) -> None:
    record = make_record()
    started = datetime(2026, 11, day, 9, 0, tzinfo=UTC)
    record = replace(
        record,
        candidate=Candidate(name, None),
        exercise_id=exercise,
        started_at=started,
        ended_at=started + timedelta(seconds=60),
    )
    save_result(
        record,
        results_dir=root / "un dossier aux noms longs" / mode,
        db_path=root / "h.db",
        mode=mode,
    )


@pytest.fixture
def db(tmp_path: Path, make_record: RecordFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COLUMNS", "80")
    _save(make_record, tmp_path, "Martin Bruno", 10, "t01-test", "exam")
    _save(
        make_record,
        tmp_path,
        "Bernard Paul-Émile de la Fontaine",
        12,
        "t02-lettre-admission",
        "practice",
    )
    _save(make_record, tmp_path, "Hélène Martinez", 14, "t01-test", "exam")
    return tmp_path / "h.db"


def _lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return capsys.readouterr().out.splitlines()


def test_headers_match_cells_and_fit_80_columns(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["history", "--db", str(db)]) == 0
    lines = _lines(capsys)
    header = next(line for line in lines if line.startswith("Date"))
    assert header.split() == [h for h in HISTORY_HEADERS]
    # Each row has as many cells as there are headers, and its mode sits under « Mode ».
    row = next(line for line in lines if "Martin Bruno" in line)
    assert row[header.index("Mode") :].startswith("exam.")
    assert row[header.index("Type") :].startswith("frappe")
    table = lines[: lines.index("Fichiers de résultat (pour « frappe report ») :")]
    assert max(len(line) for line in table) <= 80
    # Paths are never split, however narrow the terminal.
    paths = [line.strip() for line in lines if line.strip().endswith(".json")]
    assert len(paths) == 3 and all(Path(p).exists() for p in paths)


def test_partial_case_insensitive_search(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "--db", str(db), "--candidate", "martin"]) == 0
    out = "\n".join(_lines(capsys))
    assert "Martin Bruno" in out and "Hélène Martinez" in out and "Bernard" not in out
    assert main(["history", "--db", str(db), "--candidate", "HELENE"]) == 0
    out = "\n".join(_lines(capsys))
    assert "Hélène Martinez" in out and "Martin Bruno" not in out


def test_filters(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "--db", str(db), "--from", "2026-11-11", "--to", "12/11/2026"]) == 0
    out = "\n".join(_lines(capsys))
    assert "Bernard" in out and "Martin Bruno" not in out and "Hélène" not in out
    assert main(["history", "--db", str(db), "--exercise", "t01-test", "--mode", "examen"]) == 0
    out = "\n".join(_lines(capsys))
    assert "Martin Bruno" in out and "Hélène" in out and "Bernard" not in out
    assert main(["history", "--db", str(db), "--mode", "entrainement"]) == 0
    assert "Bernard" in "\n".join(_lines(capsys))
    assert main(["history", "--db", str(db), "--candidate", "personne"]) == 0
    assert "Aucun résultat." in "\n".join(_lines(capsys))
