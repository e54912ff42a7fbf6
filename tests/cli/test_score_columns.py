"""`frappe score` for trainers' sheets: the CSV defaults to French Excel (`;`, decimal comma,
UTF-8 BOM, French headers, ISO dates), `--csv-style international` keeps the comma/dot form, and
table, CSV and JSON gain date, candidate id, mode, duration, error rate, critical errors and
passed/validé."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from frappe.cli.main import main
from frappe.storage.files import write_record
from support.correction import finished_record
from support.records import RecordFactory


@pytest.fixture
def room(tmp_path: Path, make_record: RecordFactory) -> Path:
    folder = tmp_path / "salle"
    write_record(make_record(), folder / "a-exam.json")
    write_record(make_record(candidate="Durand Paul"), folder / "practice" / "b.json")
    write_record(finished_record(), folder / "c-correction.json")
    return folder


def test_french_csv_is_the_default(
    room: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "notes.csv"
    assert main(["score", str(room), "--format", "csv", "--output", str(out), "--jobs", "1"]) == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 3
    by_name = {row["Candidat"]: row for row in rows}
    claire = next(r for r in rows if r["Fichier"].endswith("a-exam.json"))
    assert claire["Identifiant"] == "C-001" and claire["Date"] == "2026-11-23"
    assert claire["Mode"] == "examen" and claire["Durée (s)"] == "60"
    assert claire["Réussi / validé"] == "non" and claire["Noté"] == "oui"
    rate = float(claire["Taux d'erreurs"].replace(",", "."))
    assert 0 < rate < 1 and "," in claire["Taux d'erreurs"]
    assert by_name["Durand Paul"]["Mode"] == "entraînement"
    correction = next(r for r in rows if r["Fichier"].endswith("c-correction.json"))
    assert correction["Erreurs critiques"] != "" and correction["Corrigées"] == "1"


def test_international_csv_keeps_the_old_form(room: Path, tmp_path: Path) -> None:
    out = tmp_path / "notes.csv"
    args = ["score", str(room), "--format", "csv", "--csv-style", "international"]
    assert main([*args, "--output", str(out), "--jobs", "1"]) == 0
    text = out.read_text("utf-8")
    assert not text.startswith("\ufeff")
    assert text.startswith("file,ok,error,candidate,exercise,profile,wer,cer,")
    rows = list(csv.DictReader(io.StringIO(text)))
    row = next(r for r in rows if r["file"].endswith("a-exam.json"))
    assert row["candidate_id"] == "C-001" and row["mode"] == "exam"
    assert row["date"] == "2026-11-23T09:00:00.000Z" and float(row["duration_s"]) == 60.0
    assert "." in row["error_rate"] and row["passed"] == "False"


def test_json_and_table_columns(
    room: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["score", str(room), "--format", "json", "--jobs", "1"]) == 0
    entries = json.loads(capsys.readouterr().out)
    metrics = next(e["metrics"] for e in entries if e["file"].endswith("a-exam.json"))
    for key in ("date", "candidate_id", "mode", "duration_s", "error_rate", "passed"):
        assert key in metrics, key
    assert "critical_errors" in metrics
    practice = next(e["metrics"] for e in entries if e["file"].endswith("b.json"))
    assert practice["mode"] == "practice"
    monkeypatch.setenv("COLUMNS", "120")  # typing and correction together: every column
    assert main(["score", str(room), "--jobs", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = next(line for line in lines if line.startswith("n°"))
    assert "WER" in header and "brouillon" in header and "crit" in header
    # A room of typing tests fits 80 columns.
    (room / "c-correction.json").unlink()
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["score", str(room), "--jobs", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = next(line for line in lines if line.startswith("n°"))
    for label in (
        "candidat",
        "date",
        "mode",
        "durée",
        "faut.",
        "err.",
        "note",
        "résultat",
    ):
        assert label in header, label
    table = lines[: lines.index("Fichiers :")]
    assert max(len(line) for line in table) <= 80
    row = next(line for line in table if "Martin Claire (C-001)" in line)
    assert "23/11" in row and "ex." in row and "1:00" in row and "échoué" in row
    assert any(line.strip().endswith("a-exam.json") for line in lines)
