"""The "correct the speech-recognition draft" exercise without the UI: the draft a session
starts from, records and journals that carry it, scoring dispatch, batch output, history."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from frappe.cli.main import main
from frappe.errors import ExerciseError, JournalError, RecordError
from frappe.exercises.dictations import find_dictation, load_dictation
from frappe.exercises.drafts import read_draft
from frappe.exercises.record import Candidate, RecordSettings, ResultRecord, sha256_text
from frappe.exercises.results import score_record
from frappe.exercises.session import Session, SessionConfig
from frappe.runs.batch_scoring import BatchSettings, score_one
from frappe.runs.common import interrupted_record, restore_session
from frappe.runs.dictation import (
    DictationSpec,
    close_dictation_journal,
    load_saved_transcription,
    save_transcription,
    unfinished_dictations,
)
from frappe.scoring import scoring_profile
from frappe.scoring.correction import CorrectionScore
from frappe.scoring.keystrokes import replay
from frappe.storage import history as history_module
from frappe.storage.files import read_record, write_record
from frappe.storage.history import open_history
from frappe.storage.journal import JournalHeader, create_journal, read_journal
from frappe.tui.screens.history import entry_cells
from support.correction import (
    DRAFT,
    FINAL,
    REFERENCE,
    config,
    corrected_session,
    finished_record,
    replace_in,
)
from support.fakes import FakeClock

# -- session and record ------------------------------------------------------------------------


def test_the_session_starts_from_the_draft_and_the_record_carries_it() -> None:
    record = finished_record()
    assert record.kind == "correction" and record.typed == FINAL
    assert record.draft == DRAFT and record.draft_source == "injected"
    assert replay(record.keystrokes, DRAFT) == FINAL
    with pytest.raises(ValueError):
        replay(record.keystrokes)  # the edits only make sense on the draft
    data = json.loads(json.dumps(record.to_dict()))
    assert data["draft"] == {"text": DRAFT, "sha256": sha256_text(DRAFT), "source": "injected"}
    assert list(data)[:8][-2:] == ["draft", "typed"]  # next to reference and typed
    again = ResultRecord.from_dict(data)
    assert again.draft == DRAFT and again.draft_source == "injected"
    assert again.typed == FINAL and again.keystrokes == record.keystrokes


def test_other_kinds_have_no_draft_key() -> None:
    session = Session(
        SessionConfig(
            candidate=Candidate("Martin Claire"),
            exercise_id="d",
            exercise_title="",
            reference=REFERENCE,
            settings=RecordSettings(None, True, scoring_profile("dictee")),
            kind="transcription",
        )
    )
    session.edit(0, 0, "Madame")
    session.stop()
    data = session.to_record().to_dict()
    assert "draft" not in data and session.to_record().draft is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("draft"), "draft"),
        (lambda d: d["draft"].pop("text"), "draft.text"),
        (lambda d: d["draft"].update(sha256="0" * 64), "empreinte sha256"),
        (lambda d: d["draft"].update(source=3), "draft.source"),
        (
            lambda d: d["draft"].update(text=REFERENCE, sha256=sha256_text(REFERENCE)),
            "journal de frappe",
        ),
        (lambda d: d.update(kind="transcription"), "« draft » n'a pas de sens"),
    ],
)
def test_a_bad_draft_is_a_one_line_record_error(change: object, message: str) -> None:
    data = finished_record().to_dict()
    change(data)  # type: ignore[operator]
    with pytest.raises(RecordError, match=message) as caught:
        ResultRecord.from_dict(data)
    assert "\n" not in str(caught.value)


def test_a_draft_belongs_to_a_correction_only() -> None:
    with pytest.raises(ValueError, match="correction"):
        SessionConfig(
            candidate=Candidate("X"),
            exercise_id="d",
            exercise_title="",
            reference=REFERENCE,
            settings=RecordSettings(None, True, scoring_profile("dictee")),
            kind="transcription",
            initial_text=DRAFT,
        )
    record = finished_record()
    with pytest.raises(ValueError, match="correction"):
        replace(record, draft=None)
    with pytest.raises(ValueError, match="correction"):
        replace(record, kind="transcription")


def test_score_record_compares_draft_final_text_and_reference() -> None:
    record = finished_record()
    score = score_record(record)
    assert isinstance(score, CorrectionScore)
    assert [e.ref for e in score.fixed] == ["Marchal"]
    assert len(score.missed) == 4 and [e.hyp for e in score.introduced] == ["cardiaques."]
    # The name is fixed: no critical identity error left in the final text.
    assert score.final.critical_errors == 0
    assert score.final.comparison.errors  # the missed and introduced errors are still faults
    missed = score.errors_dict()["missed"]
    hospitalised = next(e for e in missed if e["hyp"] == "hospitalisé")
    assert hospitalised["ref"] == "hospitalisée" and hospitalised["final"] == "hospitalisé"


# -- journal -----------------------------------------------------------------------------------


def header(tmp_path: Path) -> JournalHeader:
    return JournalHeader(
        session_id="c0ffee01",
        created_at=datetime(2026, 5, 4, 8, 30, tzinfo=UTC),
        config=config(),
        mode="practice",
        results_dir=str(tmp_path / "results"),
        db_path=str(tmp_path / "history.sqlite3"),
    )


def crashed_correction(tmp_path: Path) -> Path:
    """A correction journaled, two edits made, then the process dies."""
    journal = create_journal(header(tmp_path), tmp_path / "journals")
    clock = FakeClock()
    session = corrected_session(clock, listener=journal)
    journal.heartbeat(session.elapsed_ms)
    journal.close()
    return journal.path


def test_a_correction_journal_keeps_the_draft_and_resumes_from_it(tmp_path: Path) -> None:
    path = crashed_correction(tmp_path)
    first = json.loads(path.read_text("utf-8").splitlines()[0])
    assert first["kind"] == "correction" and first["draft"]["text"] == DRAFT
    contents = read_journal(path)
    assert contents.header.config.kind == "correction"
    assert contents.header.config.initial_text == DRAFT
    assert contents.header.config.draft_source == "injected"
    assert contents.typed == FINAL and not contents.warnings
    clock = FakeClock()
    session = restore_session(contents, clock=clock)
    assert session.typed == FINAL and session.config.draft == DRAFT
    replace_in(session, "est été", "a été")
    session.stop()
    record = session.to_record()
    assert record.draft == DRAFT
    assert ResultRecord.from_dict(record.to_dict()).typed == FINAL.replace("est été", "a été")


def test_a_tampered_draft_in_the_journal_header_is_refused(tmp_path: Path) -> None:
    path = crashed_correction(tmp_path)
    lines = path.read_text("utf-8").splitlines()
    head = json.loads(lines[0])
    head["draft"]["text"] = DRAFT.replace("Marchand", "Marchan")
    path.write_text("\n".join([json.dumps(head), *lines[1:]]) + "\n", "utf-8")
    with pytest.raises(JournalError, match="brouillon"):
        read_journal(path)


def test_closing_a_crashed_correction_saves_it_as_interrupted(tmp_path: Path) -> None:
    path = crashed_correction(tmp_path)
    contents = read_journal(path)
    assert unfinished_dictations(tmp_path / "journals") == [contents]
    record = interrupted_record(contents)
    assert record.kind == "correction" and record.draft == DRAFT and record.typed == FINAL
    saved = close_dictation_journal(contents)
    assert saved.record.end_reason == "interrupted" and saved.correction is not None
    assert len(saved.correction.fixed) == 1 and len(saved.correction.introduced) == 1
    assert read_record(saved.path).draft == DRAFT
    assert unfinished_dictations(tmp_path / "journals") == []
    with open_history(tmp_path / "history.sqlite3") as history:
        (entry,) = history.entries()
    assert entry.kind == "correction" and entry.mode == "practice"
    assert (entry.fixed, entry.missed, entry.introduced) == (1, 4, 1)


# -- saving, history, batch --------------------------------------------------------------------


def test_saved_correction_stores_counts_and_error_lists(tmp_path: Path) -> None:
    saved = save_transcription(
        finished_record(), results_dir=tmp_path / "results", db_path=tmp_path / "h.sqlite3"
    )
    assert saved.correction is not None and saved.score is saved.correction.final
    stored = read_record(saved.path).score
    assert stored is not None
    assert (stored["fixed"], stored["missed"], stored["introduced"]) == (1, 4, 1)
    assert stored["recognition_errors"] == 5 and stored["fix_rate"] == pytest.approx(0.2)
    assert [e["ref"] for e in stored["recognition"]["fixed"]] == ["Marchal"]
    assert [e["hyp"] for e in stored["recognition"]["introduced"]] == ["cardiaques."]
    reopened = load_saved_transcription(saved.path)
    assert reopened.correction is not None and len(reopened.correction.missed) == 4
    with open_history(tmp_path / "h.sqlite3") as history:
        (entry,) = history.entries(kind="correction")
    assert entry_cells(entry)[3] == "correction 1/5"
    assert entry.mark_20 == saved.score.mark_20


def test_an_older_history_database_gains_the_correction_columns(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite3"
    with sqlite3.connect(db) as old:
        old.executescript(history_module._SCHEMA_1)  # schema 1 as first shipped
        old.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        old.execute("INSERT INTO schema_version (version) VALUES (1)")
    saved = save_transcription(finished_record(), results_dir=tmp_path / "r", db_path=db)
    assert saved.history_error is None
    with open_history(db) as history:
        (entry,) = history.entries()
    assert (entry.recognition_errors, entry.fixed) == (5, 1)


def test_batch_reports_fixed_missed_and_introduced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    room = tmp_path / "salle"
    write_record(finished_record(), room / "a-correction.json")
    without_draft = finished_record().to_dict()
    del without_draft["draft"]
    (room / "b-broken.json").write_text(json.dumps(without_draft), "utf-8")
    entry = score_one(room / "a-correction.json", BatchSettings(None, None, None))
    assert entry["ok"] and entry["metrics"]["kind"] == "correction"
    metrics = entry["metrics"]
    assert (metrics["fixed"], metrics["missed"], metrics["introduced"]) == (1, 4, 1)
    assert [e["hyp"] for e in entry["recognition"]["introduced"]] == ["cardiaques."]
    assert {e["op"] for e in entry["errors"]} <= {"substitution", "omission", "insertion"}

    assert (
        main(["score", str(room), "--format", "csv", "--csv-style", "international", "--jobs", "1"])
        == 1
    )
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["ok"], r["fixed"], r["missed"], r["introduced"]) for r in rows] == [
        ("True", "1", "4", "1"),
        ("False", "", "", ""),
    ]
    assert "champ « draft » manquant" in rows[1]["error"]

    assert main(["score", str(room), "--jobs", "1"]) == 1
    table = capsys.readouterr().out
    assert "brouillon" in table and "1/5 +1" in table and "1 notés, 1 en erreur" in table


# -- drafts of the corpus ----------------------------------------------------------------------


@pytest.fixture
def exercise(tmp_path: Path) -> Path:
    """A copy of a bundled exercise without its draft (the test writes the draft it wants)."""
    source = find_dictation("d01").folder
    folder = tmp_path / "corpus" / source.name
    folder.mkdir(parents=True)
    for name in ("exercise.toml", "reference.txt"):
        shutil.copy(source / name, folder / name)
    return folder


def test_read_draft_normalises_the_file_and_names_its_source(exercise: Path) -> None:
    dictation = load_dictation(exercise)
    with pytest.raises(ExerciseError, match="Pas de brouillon") as caught:
        read_draft(dictation)
    assert f"frappe asr inject {dictation.id}" in str(caught.value)
    with pytest.raises(ExerciseError, match="Pas de brouillon"):
        DictationSpec(Candidate("X"), dictation, None, exercise="correction").session_config()
    text = "Madame Lucie Marchand,\nvoici e\u0301te\u0301.\n"
    (exercise / "draft.txt").write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    draft = read_draft(dictation)
    assert draft.text == "Madame Lucie Marchand,\nvoici été." and draft.source == "asr"
    (exercise / "draft.errors.json").write_text("[]", "utf-8")
    assert read_draft(dictation).source == "injected"
    built = DictationSpec(Candidate("X"), dictation, None, exercise="correction").session_config()
    assert built.kind == "correction" and built.initial_text == draft.text
    assert built.draft_source == "injected" and built.reference == dictation.reference_text()
    (exercise / "draft.txt").write_text("\n\n", "utf-8")
    with pytest.raises(ExerciseError, match="vide"):
        read_draft(dictation)
