"""A dictation without UI: session + journal + transcription record + history; listening
statistics from playback events; passages of the reference found in ``timings.json``;
the ``dictations`` and ``dictation`` commands."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from frappe.cli.main import main
from frappe.errors import JournalError
from frappe.exercises.dictations import find_dictation, load_dictation
from frappe.exercises.playback import PlaybackAction
from frappe.exercises.record import Candidate
from frappe.exercises.timings import PassageFinder, WordTiming, load_timings
from frappe.runs.common import StoragePaths
from frappe.runs.dictation import (
    DictationSpec,
    close_dictation_journal,
    load_saved_transcription,
    resume_dictation,
    start_dictation,
    unfinished_dictations,
)
from frappe.runs.listening import listening_summary, playback_event
from frappe.storage.files import read_record
from frappe.storage.history import open_history
from frappe.storage.journal import read_journal
from support.fakes import FakeClock


@pytest.fixture
def storage(tmp_path: Path) -> StoragePaths:
    return StoragePaths(tmp_path / "results", tmp_path / "h.sqlite3", tmp_path / "journals")


def spec(deadline_s: float | None = None) -> DictationSpec:
    return DictationSpec(Candidate("Durand Léa"), find_dictation("d08"), deadline_s)


def action(
    name: str, position: float, target: float, speed: float, playing: bool
) -> PlaybackAction:
    return PlaybackAction(0, name, position, speed, target, playing)


def test_a_dictation_is_journaled_scored_and_saved(storage: StoragePaths) -> None:
    clock = FakeClock(50.0)
    running = start_dictation(spec(), storage, clock=clock)
    session = running.session
    reference = session.config.reference
    assert session.config.kind == "transcription"
    assert session.config.settings.profile.name == "dictee"
    running.log_playback(action("play", 0.0, 0.0, 1.0, True))  # starts the clock
    clock.now += 40.0
    running.log_playback(action("pause", 40.0, 40.0, 1.0, False))
    wrong = reference.replace("Marchal", "Marchand") if "Marchal" in reference else reference
    session.edit(0, 0, wrong[:10], key="a")
    session.edit(10, 0, wrong[10:], key="b")
    session.edit(0, 3, reference[:3], key="c")  # an edit at the start
    clock.now += 20.0
    session.stop()
    saved = running.save()
    record = read_record(saved.path)
    assert record.kind == "transcription" and record.duration_s == 60.0
    assert [e["action"] for e in record.events if e["type"] == "playback"] == ["play", "pause"]
    assert saved.listening.listened_s == 40.0
    assert record.score is not None and record.score["listening"]["listened_s"] == 40.0
    assert record.settings.identity and record.settings.terminology
    with open_history(storage.db_path) as history:
        (entry,) = history.entries()
    assert entry.kind == "transcription" and entry.mark_20 == saved.score.mark_20
    again = load_saved_transcription(saved.path)
    assert again.score.mark_20 == saved.score.mark_20
    assert again.listening.listened_s == 40.0


def test_an_unfinished_dictation_is_closed_as_interrupted(storage: StoragePaths) -> None:
    running = start_dictation(spec(600.0), storage, clock=FakeClock(50.0))
    running.session.edit(0, 0, "Je soussigné", key="x")
    running.journal.close()  # the process died
    (contents,) = unfinished_dictations(storage.journal_dir)
    saved = close_dictation_journal(contents, storage)
    assert saved.record.end_reason == "interrupted" and saved.record.typed == "Je soussigné"
    assert unfinished_dictations(storage.journal_dir) == []


def test_a_typing_journal_is_not_resumed_as_a_dictation(
    storage: StoragePaths, tmp_path: Path
) -> None:
    from frappe.exercises.texts import list_texts  # noqa: PLC0415
    from frappe.runs.typing import TypingSpec, start_test  # noqa: PLC0415
    from frappe.scoring import scoring_profile  # noqa: PLC0415

    test = start_test(
        TypingSpec(Candidate("A"), list_texts()[0], 60.0, True, scoring_profile(), False), storage
    )
    test.session.press("a", "a")
    test.journal.close()
    assert unfinished_dictations(storage.journal_dir) == []
    with pytest.raises(JournalError, match="pas celui d'une dictée"):
        resume_dictation(read_journal(test.journal.path), storage)


def test_listening_statistics_from_playback_events() -> None:
    events = [
        playback_event(0, action("play", 0.0, 0.0, 1.0, True)),
        playback_event(10_000, action("speed", 10.0, 10.0, 0.75, True)),
        playback_event(18_000, action("pause", 16.0, 16.0, 0.75, False)),
        # Rewind on resume (2 s) is the player's doing, not a replay.
        playback_event(20_000, action("resume", 16.0, 14.0, 0.75, True)),
        playback_event(24_000, action("skip", 17.0, 7.0, 0.75, True)),  # a replay
        {"t_ms": 25_000, "type": "paste_refused", "chars": 3},
    ]
    summary = listening_summary(events, end_ms=28_000, duration_s=60.0)
    assert summary.listened_s == pytest.approx(10 + 8 + 4 + 4)
    assert summary.by_speed == {1.0: pytest.approx(10.0), 0.75: pytest.approx(16.0)}
    assert summary.pauses == 1 and summary.replays == 1
    assert summary.heard_s == pytest.approx(17.0)  # 0–17 s
    # Heard again: 14–16 s (after the rewind on resume) and 7–10 s (after the skip back).
    assert summary.reheard_s == pytest.approx(2.0 + 3.0)
    assert summary.heard_ratio == pytest.approx(17.0 / 60.0)
    assert summary.actions == {"play": 1, "speed": 1, "pause": 1, "resume": 1, "skip": 1}
    assert json.loads(json.dumps(summary.to_dict()))["by_speed"] == {"0.75": 16.0, "1": 10.0}


def test_an_unknown_playback_action_in_a_record_counts_as_other_and_keeps_the_timing() -> None:
    events = [
        playback_event(0, action("play", 0.0, 0.0, 1.0, True)),
        {
            "t_ms": 5_000,
            "type": "playback",
            "action": "warp",
            "position_s": 5.0,
            "speed": 1.0,
            "target_s": 5.0,
            "playing": False,
        },
    ]
    summary = listening_summary(events, end_ms=9_000, duration_s=60.0)
    assert summary.actions == {"play": 1, "other": 1}
    assert summary.listened_s == pytest.approx(5.0)


def test_no_playback_means_empty_statistics() -> None:
    summary = listening_summary([], end_ms=1000, duration_s=None)
    assert summary.listened_s == 0 and summary.heard_ratio is None and summary.replays == 0


def test_passages_of_the_reference_are_found_through_the_recognised_words() -> None:
    reference = "Madame Lucie Marchal, née le 12/03/1958, est venue.\n\nElle va bien."
    # Recognised words: dictated punctuation, a date said in words, a misrecognised name.
    said = "madame lucie marchand virgule née le 12 mars 1958 virgule est venue point elle va bien"
    timings = tuple(WordTiming(w, i * 0.5, i * 0.5 + 0.4) for i, w in enumerate(said.split()))
    finder = PassageFinder(reference, timings)
    # « Marchal, » is « marchand virgule » (1.0–1.9 s), with 0.6 s before and 0.4 s after.
    name = reference.index("Marchal")
    assert finder.passage(name, name + len("Marchal")) == pytest.approx((0.4, 2.3))
    # The date is everything said between « le » and « est »: « 12 mars 1958 virgule ».
    date = reference.index("12/03/1958")
    assert finder.passage(date, date + 10) == pytest.approx((3.0 - 0.6, 4.9 + 0.4))
    # An insertion (empty span) is located by the words around it.
    gap = reference.index("Elle")
    assert finder.passage(gap, gap) is not None


def test_timings_file_absent_or_broken_gives_no_passages(tmp_path: Path) -> None:
    assert load_timings(tmp_path) is None
    (tmp_path / "timings.json").write_text("{not json", "utf-8")
    assert load_timings(tmp_path) is None
    (tmp_path / "timings.json").write_text(json.dumps({"words": [{"text": "a"}]}), "utf-8")
    assert load_timings(tmp_path) is None
    (tmp_path / "timings.json").write_text(
        json.dumps({"words": [{"text": "a", "start_s": 0.1, "end_s": 0.3, "probability": 1}]}),
        "utf-8",
    )
    assert load_timings(tmp_path) == (WordTiming("a", 0.1, 0.3),)


def test_a_copied_exercise_keeps_its_timings(tmp_path: Path) -> None:
    folder = tmp_path / "d08"
    source = find_dictation("d08").folder
    shutil.copytree(source, folder)
    (folder / "timings.json").unlink(missing_ok=True)
    dictation = load_dictation(folder)
    # The copy's own folder is read, not the bundled exercise's (which may have timings).
    assert dictation.folder == folder and load_timings(folder) is None


def test_dictations_command_lists_the_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dictations", "--keys"]) == 0
    out = capsys.readouterr().out
    assert "d01-lettre-confrere-cardio" in out and "ponct. dictée" in out and "20 min" in out
    assert "| Échap | lecture / pause" in out and "`dictation.back_slower`" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["dictation", "d99", "--candidate", "A"], "dictée inconnue"),
        (["dictation", "d0", "--candidate", "A"], "« d0 » désigne plusieurs dictées : d01-"),
        (["dictation", "d01", "--candidate", "  "], "nom du candidat est vide"),
        (["dictation", "d01", "--candidate", "A", "--deadline", "10s"], "hors limites"),
        (["dictation", "d01", "--candidate", "A", "--deadline", "vingt"], "durée illisible"),
    ],
)
def test_dictation_command_errors_are_one_line(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_only_the_trainees_own_actions_start_the_clock(storage: StoragePaths) -> None:
    running = start_dictation(spec(600.0), storage, clock=FakeClock(50.0))
    assert running.log_playback(action("load", 0.0, 0.0, 1.0, False)) is None  # not recorded
    running.log_playback(action("ended", 66.0, 66.0, 1.0, False))
    assert running.session.state.value == "ready"
    running.log_playback(action("skip", 0.0, 2.0, 1.0, False))
    assert running.session.state.value == "running"
    assert [e["action"] for e in running.session.events] == ["ended", "skip"]
    running.journal.close()
