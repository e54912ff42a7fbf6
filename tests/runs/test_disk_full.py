"""Typing is never lost silently (issue 14 §3): a real full disk during a typing test and a
dictation, a journal that holds its lines in memory and writes them when space comes back, the
result saved in another folder, the remaining time of a resumed journal, results never written
over, and history rows recovered by ``frappe history reindex``."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from frappe.cli.main import main
from frappe.errors import FrappeError, JournalError
from frappe.exercises.dictations import find_dictation
from frappe.exercises.record import Candidate
from frappe.exercises.texts import Text
from frappe.runs.closing import close_journal
from frappe.runs.common import JOURNAL_DISK_FULL, JOURNAL_FAILING, StoragePaths, journal_alarm
from frappe.runs.dictation import DictationSpec, start_dictation
from frappe.runs.reindex import reindex_history
from frappe.runs.typing import RunningTest, TypingSpec, resume_test, start_test
from frappe.scoring import scoring_profile
from frappe.storage.files import read_record
from frappe.storage.history import REINDEX_COMMAND, open_history
from frappe.storage.journal import JournalWriter, read_journal, unfinished_journals
from frappe.tui.dialogs.save_elsewhere import suggested_folders
from frappe.tui.unfinished import describe_journal
from support.fakes import FakeClock
from support.full_disk import FullDisk

# 400 characters of the project's own (fictional) material.
BODY = (
    "Madame Lefort est entrée au service de médecine le lundi matin pour une douleur au genou "
    "droit. Le bilan sanguin est normal et la radiographie ne montre pas de fracture. Elle "
    "marche avec une canne et garde un bon moral. Le kinésithérapeute passera chaque jour "
    "pendant une semaine. La sortie est prévue vendredi si la douleur diminue, avec une "
    "ordonnance de soins et un rendez-vous de contrôle dans un mois au cabinet du docteur."
)[:400]
TEXT = Text(id="t-disque", title="Genou", level=1, theme="test", body=BODY)


def storage_on(folder: Path) -> StoragePaths:
    return StoragePaths(folder / "results", folder / "history.sqlite3", folder / "journals")


def spec(limit: float = 600.0) -> TypingSpec:
    return TypingSpec(
        Candidate("Martin Claire", "C-42"), TEXT, limit, True, scoring_profile(), False
    )


def type_text(
    running: RunningTest | object,
    clock: FakeClock,
    text: str,
    *,
    step: float = 0.2,
    at: dict[int, object] | None = None,
) -> list[str]:
    """Type ``text`` key by key with the journal's heartbeat, as the screen does; runs
    ``at[i]()`` before character ``i``; returns the alarm shown after each key."""
    session = running.session  # type: ignore[attr-defined]
    journal = running.journal  # type: ignore[attr-defined]
    alarms = []
    for index, char in enumerate(text):
        if at and index in at:
            at[index]()  # type: ignore[operator]
        clock.now += step
        session.press("space" if char == " " else char, char)
        journal.heartbeat(session.elapsed_ms)
        alarms.append(journal_alarm(journal))
    return alarms


def test_typing_goes_on_through_a_full_disk_and_the_journal_catches_up(
    full_disk: FullDisk,
) -> None:
    clock = FakeClock()
    running = start_test(spec(), storage_on(full_disk.root), clock=clock)
    alarms = type_text(running, clock, BODY, at={150: full_disk.fill, 300: full_disk.free})
    # The candidate is told at the first key the disk refuses (the journal's last page of the
    # tmpfs still took a few lines), at every key after it while the disk is full, and no
    # longer once there is room.
    assert alarms[:150] == [""] * 150
    first = alarms.index(JOURNAL_DISK_FULL)
    assert 150 <= first < 300
    assert alarms[first:300] == [JOURNAL_DISK_FULL] * (300 - first)
    assert alarms[300:] == [""] * 100
    assert running.session.typed == BODY
    saved = running.save()
    # All 400 characters are in the result, in the journal (nothing torn, nothing skipped) and
    # in the history.
    assert read_record(saved.path).typed == BODY
    archived = read_journal(next((full_disk.root / "journals" / "archive").glob("*.jsonl")))
    assert archived.typed == BODY and archived.warnings == ()
    assert archived.elapsed_ms == running.session.elapsed_ms
    with open_history(full_disk.root / "history.sqlite3") as history:
        assert [e.result_path for e in history.entries()] == [str(saved.path.resolve())]


def test_a_crash_while_the_disk_is_full_resumes_with_the_time_of_what_was_kept(
    full_disk: FullDisk,
) -> None:
    clock = FakeClock()
    storage = storage_on(full_disk.root)
    running = start_test(spec(), storage, clock=clock)
    type_text(running, clock, BODY[:300], at={150: full_disk.fill})
    assert running.journal.unwritten_bytes > 0
    running.journal.close()  # killed: what is held in memory is gone
    full_disk.free()
    contents = read_journal(running.journal.path)
    kept = contents.typed
    assert BODY.startswith(kept) and 150 <= len(kept) < 300
    # A prefix: at most the line the disk cut in half, at the very end.
    assert contents.warnings in (
        (),
        ("dernière ligne incomplète ignorée (coupure pendant l'écriture)",),
    )
    # The time used is that of the last line written (key n is at (n-1) × 0.2 s), not of the
    # typing lost with the crash.
    assert (len(kept) - 2) * 200 <= contents.elapsed_ms <= len(kept) * 200
    assert contents.remaining_s == pytest.approx(600 - contents.elapsed_ms / 1000)
    resumed = resume_test(contents, storage, clock=clock)
    assert resumed.session.typed == kept
    assert resumed.session.remaining_s == pytest.approx(contents.remaining_s)
    resumed.journal.close()


def test_a_result_the_full_disk_refuses_is_saved_in_another_folder(
    full_disk: FullDisk, tmp_path: Path
) -> None:
    clock = FakeClock()
    running = start_test(spec(), storage_on(full_disk.root), clock=clock)
    type_text(running, clock, BODY, at={200: full_disk.fill})
    running.session.stop()
    with pytest.raises(FrappeError, match="disque plein"):
        running.save()
    assert running.session.typed == BODY  # still in memory
    elsewhere = tmp_path / "cle-usb"
    saved = running.save(elsewhere)
    assert saved.path.parent == elsewhere
    assert read_record(saved.path).typed == BODY
    # The journal could not note where the result went, but it is archived all the same: it
    # is not offered again as an unfinished test (closing it would make a second result).
    assert saved.journal_error is not None and "n'a pas pu noter le résultat" in saved.journal_error
    assert unfinished_journals(full_disk.root / "journals") == []
    # The history (on the full disk) could not take the row: the message names the command
    # that adds it later, which does once there is room again.
    assert saved.history_error is not None and REINDEX_COMMAND in saved.history_error
    assert "réessayez plus tard" not in saved.history_error
    full_disk.free()
    report = reindex_history([elsewhere], full_disk.root / "history.sqlite3")
    assert report.added == [saved.path] and report.problems == []
    with open_history(full_disk.root / "history.sqlite3") as history:
        assert [e.characters for e in history.entries()] == [len(BODY)]


def test_a_dictation_goes_on_through_a_full_disk_and_saves_elsewhere(
    full_disk: FullDisk, tmp_path: Path
) -> None:
    clock = FakeClock()
    running = start_dictation(
        DictationSpec(Candidate("Durand Léa"), find_dictation("d08"), None),
        storage_on(full_disk.root),
        clock=clock,
    )
    reference = running.session.config.reference
    words = reference.split(" ")
    full_disk.fill()
    typed = ""
    alarms = []
    for word in words:
        clock.now += 0.5
        running.session.edit(len(typed), 0, word + " ", key="w")
        typed += word + " "
        running.journal.heartbeat(running.session.elapsed_ms)
        alarms.append(journal_alarm(running.journal))
    first = alarms.index(JOURNAL_DISK_FULL)
    assert set(alarms[first:]) == {JOURNAL_DISK_FULL}
    running.session.stop()
    with pytest.raises(FrappeError, match="disque plein"):
        running.save()
    saved = running.save(tmp_path / "ailleurs")
    assert read_record(saved.path).typed == typed
    full_disk.free()


def test_a_journal_with_a_hole_stops_the_time_at_the_hole(tmp_path: Path) -> None:
    clock = FakeClock()
    running = start_test(spec(), storage_on(tmp_path), clock=clock)
    type_text(running, clock, BODY[:20])
    running.journal.close()
    lines = running.journal.path.read_text("utf-8").splitlines()
    # Lose the 11th keystroke (as a journal written before this fix could), then let 30 s of
    # heartbeats and keystrokes follow.
    strokes = [i for i, line in enumerate(lines) if line.startswith('{"k"')]
    del lines[strokes[10]]
    lines += [json.dumps({"t": 30_000 + 250 * n}) for n in range(4)]
    running.journal.path.write_text("\n".join(lines) + "\n", "utf-8")
    contents = read_journal(running.journal.path)
    assert contents.typed == BODY[:10]
    # The clock started at the first key: the 10th kept key was at 1.8 s, the lost one at 2 s.
    assert 1800 <= contents.elapsed_ms <= 2000
    assert contents.remaining_s is not None and contents.remaining_s >= 598
    # The resume list tells the trainer before resuming.
    assert "frappe(s) écartée(s)" in describe_journal(contents)


def test_closing_a_journal_never_overwrites_an_existing_result(tmp_path: Path) -> None:
    clock = FakeClock()
    storage = storage_on(tmp_path)
    running = start_test(spec(), storage, clock=clock)
    type_text(running, clock, BODY[:50])
    running.session.stop()
    saved = running.save()
    first = saved.path.read_bytes()
    # The journal's « result » line was lost (disk full at that moment): the journal is back
    # among the unfinished ones and the trainer closes it.
    archived = next((tmp_path / "journals" / "archive").glob("*.jsonl"))
    lines = [line for line in archived.read_text("utf-8").splitlines() if '"result"' not in line]
    journal = tmp_path / "journals" / archived.name
    journal.write_text("\n".join(lines) + "\n", "utf-8")
    closed = close_journal(read_journal(journal), storage)
    assert saved.path.read_bytes() == first
    assert closed.path != saved.path and closed.path.parent == saved.path.parent
    assert closed.path.name == saved.path.stem + "-2.json"
    assert closed.notice is not None and saved.path.name in closed.notice
    assert read_record(closed.path).typed == BODY[:50]


def test_a_locked_history_names_the_reindex_command(tmp_path: Path) -> None:
    clock = FakeClock()
    storage = storage_on(tmp_path)
    with open_history(storage.db_path):
        pass
    locker = sqlite3.connect(storage.db_path)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        running = start_test(spec(), storage, clock=clock)
        type_text(running, clock, BODY[:30])
        running.session.stop()
        saved = running.save()
    finally:
        locker.rollback()
        locker.close()
    assert saved.history_error is not None
    assert REINDEX_COMMAND in saved.history_error
    assert "réessayez plus tard" not in saved.history_error
    assert main(["history", "reindex", str(storage.results_dir), "--db", str(storage.db_path)]) == 0
    with open_history(storage.db_path) as history:
        assert [e.result_path for e in history.entries()] == [str(saved.path.resolve())]


def test_reindex_adds_what_is_missing_and_reports_bad_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = FakeClock()
    storage = storage_on(tmp_path)
    paths = []
    for mode in ("exam", "practice"):
        running = start_test(replace(spec(), mode=mode), storage, clock=clock)  # type: ignore[arg-type]
        type_text(running, clock, BODY[:40])
        running.session.stop()
        paths.append(running.save().path)
    (storage.results_dir / "notes.json").write_text('{"pas": "un résultat"}', "utf-8")
    fresh = tmp_path / "neuve.sqlite3"
    code = main(["history", "reindex", str(storage.results_dir), "--db", str(fresh)])
    out, err = capsys.readouterr()
    assert code == 1
    assert "2 résultat(s) ajouté(s), 0 déjà présent(s), 1 fichier(s) écarté(s)" in out
    assert err.count("\n") == 1 and "notes.json" in err
    with open_history(fresh) as history:
        modes = {Path(e.result_path).name: e.mode for e in history.entries()}
    assert modes == {paths[0].name: "exam", paths[1].name: "practice"}
    assert main(["history", "reindex", str(storage.results_dir), "--db", str(fresh)]) == 1
    assert "0 résultat(s) ajouté(s), 2 déjà présent(s)" in capsys.readouterr().out


def test_a_test_does_not_start_without_its_journal(full_disk: FullDisk) -> None:
    full_disk.fill()
    with pytest.raises(JournalError, match="disque plein"):
        start_test(spec(), storage_on(full_disk.root), clock=FakeClock())
    assert list((full_disk.root / "journals").glob("*.jsonl")) == []


def test_any_other_write_error_is_an_alarm_too(tmp_path: Path) -> None:
    # A real write error that is not a full disk: the journal's descriptor is a pipe whose
    # reader is gone (EPIPE), as when the journal's device disappears.
    reader, writer = os.pipe()
    os.close(reader)
    journal = JournalWriter(tmp_path / "j.jsonl", writer, sync_interval=3600)
    try:
        journal.heartbeat(1000)
        assert not journal.healthy and not journal.disk_full
        assert journal.unwritten_bytes > 0
        assert journal_alarm(journal) == JOURNAL_FAILING
        assert "prévenez le surveillant" in JOURNAL_FAILING
    finally:
        journal.close()


def test_the_folders_offered_are_on_another_disk(full_disk: FullDisk, tmp_path: Path) -> None:
    home = tmp_path / "maison"
    home.mkdir()
    same_disk = full_disk.root / "results"
    same_disk.mkdir()
    assert suggested_folders(same_disk, home=home)[-1:] == [home]
    assert same_disk not in suggested_folders(same_disk, home=full_disk.root)
    assert full_disk.root not in suggested_folders(same_disk, home=full_disk.root)


_FILE_SIZE_LIMIT_SCRIPT = """
import json, resource, signal, sys
from pathlib import Path
sys.path[:0] = [sys.argv[2], str(Path(sys.argv[2]).parent)]
from test_disk_full import BODY, FakeClock, spec, storage_on, type_text
from frappe.runs.common import journal_alarm
from frappe.runs.typing import start_test
from frappe.storage.journal import read_journal

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
folder = Path(sys.argv[1])
clock = FakeClock()
running = start_test(spec(), storage_on(folder), clock=clock)
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
limit = running.journal.path.stat().st_size + 2000
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
alarms = type_text(running, clock, BODY[:300])
resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
alarms += type_text(running, clock, BODY[300:])
running.journal.close()
print(json.dumps({
    "alarms": alarms,
    "typed": running.session.typed,
    "journal": read_journal(running.journal.path).typed,
}))
"""


def test_a_file_size_limit_is_survived_without_root(tmp_path: Path) -> None:
    # The same path as a full disk, through the kernel's per-process file size limit (EFBIG),
    # which needs no privilege: runs where a tmpfs cannot be mounted.
    tests_dir = Path(__file__).resolve().parent
    done = subprocess.run(
        [sys.executable, "-c", _FILE_SIZE_LIMIT_SCRIPT, str(tmp_path), str(tests_dir)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    alarms = report["alarms"]
    first = alarms.index(JOURNAL_DISK_FULL)
    assert 0 < first < 300 and set(alarms[first:300]) == {JOURNAL_DISK_FULL}
    assert alarms[300:] == [""] * 100
    assert report["typed"] == BODY and report["journal"] == BODY
