"""The typing session state machine: clock, backspace policy, dead keys, paste, bursts,
focus, completion, resume, and the record it builds."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frappe.exercises.copy_progress import CopyProgress
from frappe.exercises.dead_keys import after_dead_key, compose_dead_key
from frappe.exercises.record import Candidate, EndReason, RecordSettings, ResultRecord
from frappe.exercises.session import Edit, Session, SessionConfig, SessionState
from frappe.runs.typing import typing_score
from frappe.scoring import Keystroke, replay, scoring_profile
from support.fakes import FakeClock

REFERENCE = "La fête est prête.\n\nÀ demain, Émile."


class Recorder:
    """A SessionListener that keeps what it hears."""

    def __init__(self) -> None:
        self.started: list[int] = []
        self.strokes: list[Keystroke] = []
        self.events: list[dict[str, Any]] = []
        self.finished: list[tuple[EndReason, int]] = []

    def session_started(self, started_at: datetime, t_ms: int) -> None:
        self.started.append(t_ms)

    def keystroke(self, stroke: Keystroke) -> None:
        self.strokes.append(stroke)

    def event(self, event: Mapping[str, Any]) -> None:
        self.events.append(dict(event))

    def session_finished(self, reason: EndReason, t_ms: int) -> None:
        self.finished.append((reason, t_ms))


def make_config(
    reference: str = REFERENCE,
    *,
    limit: float | None = 60.0,
    backspace: bool = True,
    end_when_complete: bool = True,
) -> SessionConfig:
    return SessionConfig(
        candidate=Candidate("Martin Claire", "C-7"),
        exercise_id="t00",
        exercise_title="Essai",
        reference=reference,
        settings=RecordSettings(limit, backspace, scoring_profile(), live_feedback=False),
        end_when_complete=end_when_complete,
    )


KEY_NAMES = {" ": "space", "^": "circumflex_accent", "¨": "diaeresis", "\n": "enter"}


def type_text(session: Session, clock: FakeClock, text: str, step: float = 0.2) -> None:
    for char in text:
        clock.advance(step)
        if char == "\n":
            session.press("enter", None)
        elif char == "\b":
            session.press("backspace", None)
        else:
            session.press(KEY_NAMES.get(char, char), char)


def test_clock_starts_on_first_key_and_counts_down() -> None:
    clock = FakeClock(500.0)
    session = Session(make_config(), clock=clock)
    clock.advance(30)  # reading the text before starting costs nothing
    assert session.state is SessionState.READY
    assert session.remaining_s == 60.0
    session.press("L", "L")
    assert session.state is SessionState.RUNNING
    assert session.elapsed_ms == 0
    clock.advance(12.5)
    assert session.elapsed_ms == 12_500
    assert session.remaining_s == pytest.approx(47.5)


def test_time_out_ends_the_session_and_refuses_later_keys() -> None:
    clock = FakeClock(500.0)
    recorder = Recorder()
    session = Session(make_config(limit=10.0), clock=clock, listener=recorder)
    type_text(session, clock, "La f", step=1.0)
    clock.advance(9.0)
    assert session.tick() is True
    assert session.state is SessionState.FINISHED
    assert session.end_reason == "timeout"
    result = session.press("e", "e")
    assert result.refused == "finished"
    assert session.typed == "La f"
    record = session.to_record()
    assert record.duration_s == 10.0  # exactly the limit, not the late tick
    assert recorder.finished == [("timeout", 10_000)]


def test_key_after_the_limit_is_refused_even_without_a_tick() -> None:
    clock = FakeClock(500.0)
    session = Session(make_config(limit=5.0), clock=clock)
    session.press("L", "L")
    clock.advance(6)
    result = session.press("a", "a")
    assert result.finished and result.refused == "finished"
    assert session.typed == "L"


def test_backspace_allowed_erases_and_is_logged() -> None:
    clock = FakeClock(500.0)
    session = Session(make_config(), clock=clock)
    type_text(session, clock, "Lx\ba")
    assert session.typed == "La"
    assert [k.op for k in session.keystrokes] == ["insert", "insert", "delete", "insert"]
    assert replay(session.keystrokes) == "La"


def test_backspace_disabled_is_refused_and_logged() -> None:
    clock = FakeClock(500.0)
    session = Session(make_config(backspace=False), clock=clock)
    type_text(session, clock, "Lx")
    result = session.press("backspace", None)
    assert result.refused == "backspace-disabled"
    assert session.typed == "Lx"
    assert session.keystrokes[-1].op == "none" and session.keystrokes[-1].key == "backspace"


def test_backspace_on_empty_text_has_no_effect() -> None:
    session = Session(make_config(), clock=FakeClock(500.0))
    assert session.press("backspace", None).refused == "empty"
    assert session.typed == ""


@pytest.mark.parametrize(
    ("dead", "letter", "expected"),
    [("^", "e", "ê"), ("^", "a", "â"), ("¨", "e", "ë"), ("¨", "i", "ï"), ("^", "E", "Ê")],
)
def test_compose_dead_key(dead: str, letter: str, expected: str) -> None:
    assert compose_dead_key(dead, letter) == expected


def test_compose_dead_key_refuses_impossible_pairs() -> None:
    assert compose_dead_key("^", "x") is None
    assert compose_dead_key("^", "1") is None
    assert compose_dead_key("?", "e") is None


@pytest.mark.parametrize(
    ("char", "text", "follow", "pending"),
    [
        ("e", "ê", "", ""),
        (" ", "^", "", ""),
        ("^", "^", "", ""),
        ("¨", "^", "", "¨"),
        ("x", "^", "x", ""),
    ],
)
def test_the_session_follows_the_dead_key_rule_the_editor_uses(
    char: str, text: str, follow: str, pending: str
) -> None:
    # One rule (frappe.exercises.dead_keys) for the copy test and the transcription editor:
    # what the editor inserts (text + follow) is what the session types.
    outcome = after_dead_key("^", char, "^¨")
    assert outcome == (text, follow, pending)
    clock = FakeClock(500.0)
    session = Session(make_config(), clock=clock)
    session.press("circumflex_accent", "^")
    clock.now += 0.2
    session.press(char, char)
    assert session.typed == outcome.text + outcome.follow
    assert session.pending == outcome.pending


def test_dead_key_composition_is_one_character_and_no_error() -> None:
    clock = FakeClock(500.0)
    session = Session(make_config("La fête est prête."), clock=clock)
    type_text(session, clock, "La f")
    pending = session.press("circumflex_accent", "^")
    assert pending.pending == "^" and not pending.edits
    assert session.typed == "La f"
    result = session.press("e", "e")
    assert result.edits == (Edit(4, "", "ê"),)
    assert session.typed == "La fê"
    assert session.progress is not None and session.progress.wrong_positions() == []
    inserts = [k for k in session.keystrokes if k.op == "insert"]
    assert inserts[-1] == Keystroke(inserts[-1].t_ms, "^+e", "insert", 4, "ê")


def test_dead_key_then_space_gives_the_accent_and_then_other_key_gives_both() -> None:
    clock = FakeClock(500.0)
    session = Session(make_config("^ ^x"), clock=clock)
    session.press("circumflex_accent", "^")
    session.press("space", " ")
    assert session.typed == "^"
    session.press("space", " ")
    session.press("circumflex_accent", "^")
    session.press("x", "x")
    assert session.typed == "^ ^x"


def test_backspace_cancels_a_pending_dead_key() -> None:
    session = Session(make_config(), clock=FakeClock(500.0))
    session.press("L", "L")
    session.press("circumflex_accent", "^")
    session.press("backspace", None)
    assert session.pending == "" and session.typed == "L"


def test_decomposed_character_is_normalised_to_one() -> None:
    session = Session(make_config(), clock=FakeClock(500.0))
    session.press("e", "e\u0302")
    assert session.typed == "ê"


def test_paste_is_refused_and_logged() -> None:
    clock = FakeClock(500.0)
    recorder = Recorder()
    session = Session(make_config(), clock=clock, listener=recorder)
    type_text(session, clock, "La")
    session.paste("fête est prête")
    assert session.typed == "La"
    assert recorder.events[-1]["type"] == "paste_refused"
    assert recorder.events[-1]["chars"] == 14
    assert session.events[-1]["t_ms"] == session.elapsed_ms


def paste_keys(session: Session, clock: FakeClock, text: str, gap: float = 0.0005) -> None:
    """Keys arriving as a terminal delivers a paste without its markers: the first after a
    human pause, the others ``gap`` seconds apart."""
    clock.advance(0.3)
    type_text(session, clock, text[:1], step=0)
    type_text(session, clock, text[1:], step=gap)


def paste_keys_now(session: Session, clock: FakeClock, text: str, gap: float = 0.0005) -> None:
    """More of a paste, its first key right now."""
    type_text(session, clock, text[:1], step=0)
    type_text(session, clock, text[1:], step=gap)


def test_keys_at_machine_speed_are_a_refused_paste_taken_back_from_its_first_key() -> None:
    clock = FakeClock(500.0)
    recorder = Recorder()
    session = Session(make_config(end_when_complete=False), clock=clock, listener=recorder)
    type_text(session, clock, "La ")
    paste_keys(session, clock, "fête est prête.\n\nÀ demain")
    assert session.typed == "La "  # the 7 keys inserted before the 8th showed a paste are gone
    assert session.progress is not None and session.progress.marker() == 3
    type_text(session, clock, "fête")  # typing goes on as usual, and closes the run
    assert session.typed == "La fête"
    [event] = [e for e in session.events if e["type"] == "paste_refused"]
    assert event["chars"] == len("fête est prête.\n\nÀ demain")
    assert event["via"] == "keys"
    assert recorder.events == [dict(e) for e in session.events]
    taken_back = [k for k in session.keystrokes if k.key == "paste-refused"]
    assert "".join(k.text for k in reversed(taken_back)) == "fête es"
    assert replay(session.keystrokes) == session.typed
    assert recorder.strokes == list(session.keystrokes)


def test_a_refused_paste_is_logged_by_the_clock_tick_and_at_the_end() -> None:
    clock = FakeClock(500.0)
    session = Session(make_config(end_when_complete=False), clock=clock)
    type_text(session, clock, "La ")
    paste_keys(session, clock, "fête est prête")
    assert not [e for e in session.events if e["type"] == "paste_refused"]  # still arriving
    clock.advance(0.5)
    session.tick()
    assert [e["chars"] for e in session.events if e["type"] == "paste_refused"] == [14]
    paste_keys(session, clock, "À demain, Émile")
    session.stop()
    record = session.to_record()
    assert [e["chars"] for e in record.events if e["type"] == "paste_refused"] == [14, 15]
    assert record.typed == "La "


def test_a_fast_typist_is_never_taken_for_a_paste() -> None:
    # 150 wpm is ~80 ms a key; rollover sends two keys 2 ms apart now and then.
    clock = FakeClock(500.0)
    session = Session(make_config(end_when_complete=False), clock=clock)
    for index, char in enumerate(REFERENCE):
        clock.advance(0.002 if index % 3 == 1 else 0.08)
        session.press(KEY_NAMES.get(char, char), char)
    assert session.typed == REFERENCE
    assert not [e for e in session.events if e["type"] == "paste_refused"]


def test_a_paste_handed_over_in_pieces_is_refused_whole() -> None:
    # Under load a terminal may write a paste in pieces: 6 characters, then the rest 12 ms later.
    clock = FakeClock(500.0)
    session = Session(make_config(end_when_complete=False), clock=clock)
    type_text(session, clock, "La ")
    paste_keys(session, clock, "fête e")
    clock.advance(0.012)
    paste_keys_now(session, clock, "st prête.\n\nÀ demain")
    assert session.typed == "La "
    type_text(session, clock, "f")
    [event] = [e for e in session.events if e["type"] == "paste_refused"]
    assert event["chars"] == len("fête est prête.\n\nÀ demain")


def test_a_held_key_repeating_is_not_a_paste() -> None:
    clock = FakeClock(500.0)
    session = Session(make_config(end_when_complete=False), clock=clock)
    type_text(session, clock, "La ")
    type_text(session, clock, "-" * 20, step=0.025)  # key repeat at 40 per second
    assert session.typed == "La " + "-" * 20
    assert not [e for e in session.events if e["type"] == "paste_refused"]


def test_seven_keys_at_machine_speed_are_not_yet_a_paste() -> None:
    clock = FakeClock(500.0)
    session = Session(make_config(end_when_complete=False), clock=clock)
    type_text(session, clock, "La ")
    paste_keys(session, clock, "fête es")
    assert session.typed == "La fête es"


def test_gaps_are_measured_on_arrival_times_not_on_a_late_event_loop() -> None:
    clock = FakeClock(500.0)
    session = Session(make_config(end_when_complete=False), clock=clock)
    arrived = 10.0
    for char in "La fête est":  # the loop was busy: handled at once, but typed 90 ms apart
        arrived += 0.09
        session.press(KEY_NAMES.get(char, char), char, arrived_s=arrived)
    assert session.typed == "La fête est"
    for char in " prête.\n\nÀ":  # handled one by one, but read from the terminal in one piece
        clock.advance(0.2)
        session.press(KEY_NAMES.get(char, char), char, arrived_s=arrived + 1.0)
    assert session.typed == "La fête est"
    assert session.press("x", "x", arrived_s=arrived + 1.0).refused == "paste"


def test_a_paste_after_a_dead_key_gives_the_dead_key_back() -> None:
    clock = FakeClock(500.0)
    session = Session(make_config(end_when_complete=False), clock=clock)
    type_text(session, clock, "La f")
    clock.advance(0.2)
    session.press("circumflex_accent", "^")
    clock.advance(0.2)
    paste_keys(session, clock, "ete est pr^ete")  # composes ê with the candidate's ^ first
    assert session.typed == "La f"
    assert session.pending == "^"
    clock.advance(0.2)
    session.press("e", "e")
    assert session.typed == "La fê"


def test_focus_events_are_logged() -> None:
    clock = FakeClock(500.0)
    session = Session(make_config(), clock=clock)
    session.press("L", "L")
    clock.advance(2)
    session.focus_lost()
    clock.advance(3)
    session.focus_gained()
    assert [(e["type"], e["t_ms"]) for e in session.events] == [
        ("focus_lost", 2000),
        ("focus_gained", 5000),
    ]


def test_fast_run_is_flagged_as_a_burst() -> None:
    clock = FakeClock(500.0)
    session = Session(make_config(end_when_complete=False), clock=clock)
    type_text(session, clock, "La ", step=0.2)
    type_text(session, clock, "fête est pr", step=0.008)  # 8 ms apart: implausible
    type_text(session, clock, "ête", step=0.2)
    bursts = [e for e in session.events if e["type"] == "burst"]
    assert len(bursts) == 1
    assert bursts[0]["kind"] == "fast-run"
    assert bursts[0]["chars"] >= 10


def test_normal_typing_is_not_a_burst() -> None:
    clock = FakeClock(500.0)
    session = Session(make_config(end_when_complete=False), clock=clock)
    type_text(session, clock, "La fête est prête.", step=0.12)
    assert not [e for e in session.events if e["type"] == "burst"]


def test_many_characters_in_one_event_are_flagged() -> None:
    session = Session(make_config(), clock=FakeClock(500.0))
    session.press("x", "fête")
    assert session.events[0]["kind"] == "single-event"
    assert session.typed == "fête"


def test_enter_keeps_paragraph_structure() -> None:
    clock = FakeClock(500.0)
    session = Session(make_config(), clock=clock)
    type_text(session, clock, "La fête est prête.\n\nÀ")
    assert session.typed == "La fête est prête.\n\nÀ"
    assert session.progress is not None
    assert session.progress.marker() == REFERENCE.index("À") + 1


def test_text_completed_ends_the_session() -> None:
    clock = FakeClock(500.0)
    session = Session(make_config("Il va bien."), clock=clock)
    type_text(session, clock, "Il va bien")
    assert not session.finished
    result = session.press(".", ".")
    assert result.finished
    assert session.end_reason == "completed"


def test_stop_ends_with_stopped_and_builds_a_valid_record() -> None:
    clock = FakeClock(500.0)
    wall = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    session = Session(make_config(), clock=clock, wall_clock=lambda: wall)
    type_text(session, clock, "La fte est prête.\n\nA")
    session.stop()
    record = session.to_record()
    assert record.end_reason == "stopped"
    assert record.duration_s == pytest.approx(session.elapsed_s)
    again = ResultRecord.from_dict(record.to_dict())
    assert again.typed == record.typed
    score = typing_score(record)
    assert [e.ref for e in score.comparison.errors] == ["fête"]


def test_record_before_the_end_is_an_error() -> None:
    session = Session(make_config(), clock=FakeClock(500.0))
    with pytest.raises(ValueError, match="pas terminée"):
        session.to_record()


def test_generic_edits_for_a_transcription_editor() -> None:
    config = SessionConfig(
        candidate=Candidate("X"),
        exercise_id="d01",
        exercise_title="Dictée",
        reference="Le patient va bien.",
        settings=RecordSettings(None, True, scoring_profile("dictee")),
        kind="transcription",
    )
    session = Session(config, clock=FakeClock(500.0))
    session.edit(0, 0, "Le patent va bien.")
    session.edit(6, 0, "i")  # cursor moved back into the text
    session.edit(0, 2, "Ce", key="replace")
    assert session.typed == "Ce patient va bien."
    assert replay(session.keystrokes) == session.typed
    assert session.progress is None
    with pytest.raises(ValueError, match="hors du texte"):
        session.edit(99, 0, "x")


def test_restore_rebuilds_text_and_time_and_waits_for_a_key() -> None:
    clock = FakeClock(500.0)
    first = Session(make_config(limit=60.0), clock=clock)
    type_text(first, clock, "La fê", step=1.0)  # 4 s used (clock starts at the first key)
    recorder = Recorder()
    clock2 = FakeClock(9000.0)
    resumed = Session.restore(
        make_config(limit=60.0),
        keystrokes=first.keystrokes,
        events=first.events,
        elapsed_ms=first.elapsed_ms,
        started_at=first.started_at,
        clock=clock2,
        listener=recorder,
    )
    assert resumed.state is SessionState.RESUMED
    assert resumed.typed == "La fê"
    assert resumed.remaining_s == pytest.approx(56.0)
    clock2.advance(100)  # the clock waits for the candidate
    assert resumed.remaining_s == pytest.approx(56.0)
    resumed.press("t", "t")
    clock2.advance(2)
    assert resumed.elapsed_ms == 6000
    assert recorder.events[0]["type"] == "resumed"
    assert recorder.started == [4000]


def test_copy_progress_marks_only_the_wrong_word() -> None:
    progress = CopyProgress("Le chat dort bien.", scoring_profile().normalization)
    typed = "Le chta dort"
    progress.apply(Edit(0, "", typed))
    wrong = progress.wrong_positions()
    assert wrong == [typed.index("ta"), typed.index("ta") + 1]
    assert progress.marker() == len("Le chat dort")


def test_copy_progress_accepts_tolerated_forms() -> None:
    progress = CopyProgress("C’est l’œuvre d’Émile.", scoring_profile().normalization)
    progress.apply(Edit(0, "", "C'est l'oeuvre d'Emile."))
    assert progress.wrong_positions() == []
    assert progress.completed()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["a", "é", " ", "\n", "^", "e", "¨", "i", "x", "\b"]),
        ),
        max_size=60,
    )
)
def test_any_key_sequence_replays_to_the_typed_text(keys: list[str]) -> None:
    clock = FakeClock(500.0)
    session = Session(make_config(end_when_complete=False, limit=None), clock=clock)
    type_text(session, clock, "".join(keys), step=0.05)
    assert replay(session.keystrokes) == session.typed
    progress = session.progress
    assert progress is not None
    fresh = CopyProgress(REFERENCE, scoring_profile().normalization)
    fresh.apply(Edit(0, "", session.typed))
    assert fresh.wrong_positions() == progress.wrong_positions()
    assert fresh.marker() == progress.marker()


def test_wrong_spans_cut_a_row_into_right_and_wrong_runs() -> None:
    progress = CopyProgress("La fête est prête.", scoring_profile().normalization)
    progress.apply(Edit(0, "", "La fxte est prete"))
    flags = [progress.is_wrong(p) for p in range(20)]
    spans = progress.wrong_spans(0, 20)
    assert [bad for a, b, bad in spans for _ in range(a, b)] == flags
    assert spans[0] == (0, 4, False) and spans[1] == (4, 7, True)
    assert progress.wrong_spans(5, 9) == [(5, 7, True), (7, 9, False)]
    assert progress.wrong_spans(25, 30) == [(25, 30, False)]


def test_time_given_back_pushes_the_limit_and_survives_a_resume() -> None:
    clock = FakeClock(500.0)
    first = Session(make_config(limit=60.0), clock=clock)
    type_text(first, clock, "La", step=1.0)
    first.add_time(30_000)  # the dictation's output was lost for 30 s
    clock.advance(80.0)
    assert not first.tick() and first.remaining_s == pytest.approx(9.0)
    events = [*first.events, {"t_ms": 2000, "type": "time_added", "ms": 30_000}]
    resumed = Session.restore(
        make_config(limit=60.0),
        keystrokes=first.keystrokes,
        events=events,
        elapsed_ms=first.elapsed_ms,
        started_at=first.started_at,
        clock=FakeClock(500.0),
    )
    assert resumed.time_limit_ms == 90_000 and resumed.remaining_s == pytest.approx(9.0)
