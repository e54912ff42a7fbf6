"""Session journals: written line by line, read back after a crash (torn last line included),
resumed with the remaining time, closed as interrupted, archived — never deleted."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from frappe.errors import JournalError
from frappe.exercises.record import Candidate, RecordSettings
from frappe.exercises.session import Session, SessionConfig, SessionState
from frappe.runs.closing import close_journal
from frappe.runs.common import StoragePaths, interrupted_record, restore_session
from frappe.runs.typing import resume_test
from frappe.scoring import scoring_profile
from frappe.storage.files import read_record
from frappe.storage.history import open_history
from frappe.storage.journal import (
    JournalHeader,
    archive_journal,
    create_journal,
    is_in_use,
    read_journal,
    reopen_journal,
    unfinished_journals,
)
from support.fakes import FakeClock

REFERENCE = "Le patient est sorti ce matin. Il va bien."


def header(tmp_path: Path, limit: float | None = 60.0) -> JournalHeader:
    config = SessionConfig(
        candidate=Candidate("Durand Élodie", "E-12"),
        exercise_id="t99",
        exercise_title="Sortie",
        reference=REFERENCE,
        settings=RecordSettings(limit, False, scoring_profile("belge"), live_feedback=False),
    )
    return JournalHeader(
        session_id="abcd1234",
        created_at=datetime(2026, 5, 4, 8, 30, tzinfo=UTC),
        config=config,
        mode="exam",
        results_dir=str(tmp_path / "results"),
        db_path=str(tmp_path / "history.sqlite3"),
    )


def run_session(tmp_path: Path, text: str, *, step: float = 0.5) -> tuple[Session, Path]:
    """Type ``text`` with a journal and drop everything without finishing (a crash)."""
    clock = FakeClock()
    journal = create_journal(header(tmp_path), tmp_path / "journals")
    session = Session(header(tmp_path).config, clock=clock, listener=journal)
    for char in text:
        clock.now += step
        session.press("space" if char == " " else char, char)
    journal.heartbeat(session.elapsed_ms)
    clock.now += 3.0
    journal.heartbeat(session.elapsed_ms)  # the candidate paused 3 s before the crash
    path = journal.path
    journal.close()  # what the kernel does for a killed process: the lock goes away
    return session, path


def test_journal_is_private_and_starts_with_a_header(tmp_path: Path) -> None:
    journal = create_journal(header(tmp_path), tmp_path / "journals")
    try:
        mode = stat.S_IMODE(os.stat(journal.path).st_mode)
        assert mode == 0o600
        first = json.loads(journal.path.read_text("utf-8").splitlines()[0])
        assert first["frappe_journal"] == 1
        assert first["candidate"] == {"name": "Durand Élodie", "id": "E-12"}
        assert first["reference"]["sha256"]
        assert first["settings"]["scoring_profile"]["name"] == "belge"
    finally:
        journal.close()


def test_every_key_is_on_disk_before_the_next_one(tmp_path: Path) -> None:
    clock = FakeClock()
    journal = create_journal(header(tmp_path), tmp_path / "journals")
    session = Session(header(tmp_path).config, clock=clock, listener=journal)
    session.press("L", "L")
    session.press("e", "e")
    # Read through another descriptor while the writer is still open: nothing is buffered.
    contents = read_journal(journal.path)
    assert contents.typed == "Le"
    assert contents.started_at is not None
    journal.close()


def test_journal_is_synced_by_the_background_thread(tmp_path: Path) -> None:
    journal = create_journal(header(tmp_path), tmp_path / "journals", sync_interval=0.05)
    try:
        before = journal.last_sync
        journal.event({"t_ms": 0, "type": "focus_lost"})
        for _ in range(200):
            if journal.last_sync > before:
                break
            os.sched_yield()
            import time  # noqa: PLC0415

            time.sleep(0.01)
        assert journal.last_sync > before
    finally:
        journal.close()


def test_read_back_after_a_crash_gives_text_and_time_used(tmp_path: Path) -> None:
    session, path = run_session(tmp_path, "Le patient est")
    contents = read_journal(path)
    assert contents.typed == "Le patient est"
    last_key = contents.keystrokes[-1].t_ms
    assert contents.elapsed_ms == last_key + 3000  # the heartbeat counts the pause
    assert contents.elapsed_ms == session.elapsed_ms
    assert contents.remaining_s == pytest.approx(60 - contents.elapsed_ms / 1000)
    assert contents.end_reason is None and contents.result_path is None
    assert contents.warnings == ()


def test_torn_last_line_is_tolerated(tmp_path: Path) -> None:
    _session, path = run_session(tmp_path, "Le patient")
    with path.open("ab") as handle:
        handle.write(b'{"k":[9000,"x","ins')  # power cut in the middle of a write
    contents = read_journal(path)
    assert contents.typed == "Le patient"
    assert contents.warnings and "incomplète" in contents.warnings[0]


def test_resume_after_a_torn_line_appends_cleanly(tmp_path: Path) -> None:
    _session, path = run_session(tmp_path, "Le pat")
    with path.open("ab") as handle:
        handle.write(b'{"k":[9000,')
    contents = read_journal(path)
    clock = FakeClock(5000.0)
    writer = reopen_journal(path)
    session = restore_session(contents, clock=clock, listener=writer)
    for char in "ient":
        clock.now += 0.4
        session.press(char, char)
    writer.close()
    again = read_journal(path)
    assert again.typed == "Le patient"
    assert any("illisible" in w for w in again.warnings)  # the old torn line, kept, skipped


def test_inconsistent_tail_keeps_the_consistent_prefix(tmp_path: Path) -> None:
    _session, path = run_session(tmp_path, "Le pa")
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"k":[99999,"backspace","delete",0,"Z"]}\n')
    contents = read_journal(path)
    assert contents.typed == "Le pa"
    assert any("incohérent" in w for w in contents.warnings)


def test_not_a_journal_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"hello": 1}\n', encoding="utf-8")
    with pytest.raises(JournalError, match="pas un journal"):
        read_journal(path)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(JournalError, match="vide"):
        read_journal(empty)


def test_tampered_reference_is_refused(tmp_path: Path) -> None:
    _session, path = run_session(tmp_path, "Le")
    lines = path.read_text("utf-8").splitlines()
    first = json.loads(lines[0])
    first["reference"]["text"] = "Autre texte"
    path.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n", encoding="utf-8")
    with pytest.raises(JournalError, match="empreinte"):
        read_journal(path)


def test_unknown_mode_is_refused_and_practice_read_back(tmp_path: Path) -> None:
    _session, path = run_session(tmp_path, "Le")
    lines = path.read_text("utf-8").splitlines()
    first = json.loads(lines[0])
    for mode, expected in (("practice", "practice"), ("examen", None)):
        first["mode"] = mode
        path.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n", encoding="utf-8")
        if expected is None:
            with pytest.raises(JournalError, match="mode inconnu 'examen'"):
                read_journal(path)
        else:
            assert read_journal(path).header.mode == expected


def test_live_journal_is_locked_and_not_offered(tmp_path: Path) -> None:
    journal = create_journal(header(tmp_path), tmp_path / "journals")
    try:
        assert is_in_use(journal.path)
        assert unfinished_journals(tmp_path / "journals") == []
        with pytest.raises(JournalError, match="déjà utilisé"):
            reopen_journal(journal.path)
    finally:
        journal.close()
    assert not is_in_use(journal.path)
    assert [c.path for c in unfinished_journals(tmp_path / "journals")] == [journal.path]


def test_resume_test_gives_remaining_time_and_same_destination(tmp_path: Path) -> None:
    _session, path = run_session(tmp_path, "Le patient est sorti")
    contents = read_journal(path)
    clock = FakeClock(7000.0)
    running = resume_test(contents, clock=clock)
    session = running.session
    assert session.state is SessionState.RESUMED
    assert session.typed == "Le patient est sorti"
    assert session.remaining_s == pytest.approx(contents.remaining_s)
    assert running.results_dir == tmp_path / "results"
    for char in " ce matin. Il va bien.":
        clock.now += 0.3
        session.press("space" if char == " " else char, char)
    assert session.end_reason == "completed"
    saved = running.save()
    record = read_record(saved.path)
    assert record.typed == REFERENCE
    assert any(e["type"] == "resumed" for e in record.events)
    assert not path.exists()
    assert (path.parent / "archive" / path.name).exists()  # archived, not deleted
    with open_history(tmp_path / "history.sqlite3") as history:
        assert [e.result_path for e in history.entries()] == [str(saved.path.resolve())]


def test_close_as_interrupted_writes_a_record_and_archives(tmp_path: Path) -> None:
    _session, path = run_session(tmp_path, "Le patient est")
    contents = read_journal(path)
    record = interrupted_record(contents)
    assert record.end_reason == "interrupted"
    assert record.typed == "Le patient est"
    assert record.duration_s == pytest.approx(contents.elapsed_ms / 1000)
    assert not any(e["type"] == "resumed" for e in record.events)
    saved = close_journal(contents, StoragePaths(tmp_path / "r", tmp_path / "h.db", tmp_path))
    assert saved.path.parent == tmp_path / "results"  # where the test meant to save it
    assert read_record(saved.path).end_reason == "interrupted"
    assert unfinished_journals(tmp_path / "journals") == []
    archived = list((tmp_path / "journals" / "archive").iterdir())
    assert [p.name for p in archived] == [path.name]
    assert '"result"' in archived[0].read_text("utf-8")


def test_journal_with_saved_result_is_archived_on_detection(tmp_path: Path) -> None:
    _session, path = run_session(tmp_path, "Le")
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"end":"stopped","t":1000}\n{"result":"/somewhere.json"}\n')
    assert unfinished_journals(tmp_path / "journals") == []
    assert (path.parent / "archive" / path.name).exists()


def test_ended_but_unsaved_journal_is_closed_with_its_own_reason(tmp_path: Path) -> None:
    _session, path = run_session(tmp_path, "Le")
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"end":"timeout","t":60000}\n')
    contents = read_journal(path)
    assert contents.end_reason == "timeout"
    assert contents.elapsed_ms == 60000
    with pytest.raises(JournalError, match="terminé"):
        resume_test(contents)
    assert interrupted_record(contents).end_reason == "timeout"


def test_archive_never_overwrites(tmp_path: Path) -> None:
    folder = tmp_path / "j"
    folder.mkdir()
    (folder / "archive").mkdir()
    (folder / "archive" / "a.jsonl").write_text("old", encoding="utf-8")
    (folder / "a.jsonl").write_text("new", encoding="utf-8")
    target = archive_journal(folder / "a.jsonl")
    assert target.name == "a.1.jsonl"
    assert (folder / "archive" / "a.jsonl").read_text("utf-8") == "old"
