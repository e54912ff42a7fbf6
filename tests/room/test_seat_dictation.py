"""Dictation séances on seats, against a real PostgreSQL: a seat's home screen offers the
dictation, the candidate identifies, reads the dictation's rules and transcribes on the seat's
own player (its copy of the recording checked against the séance's hash); every journal line
reaches the server; a seat that dies mid-dictation is taken over by a fresh seat with the
document and the time left; the trainer's official result is the seat's own score.

The player is the dictation tests' fake (``tests/tui/test_dictation_screen.py``); the real
PortAudio player on an ALSA file PCM runs in ``test_room_dictation_e2e.py``.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
import room_helpers
from textual.pilot import Pilot
from textual.widgets import Button, DataTable, Input, OptionList

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tui"))
from test_dictation_screen import Players
from tui_support import asynctest, click

from frappe.exercises.dictations import find_dictation
from frappe.exercises.playback import PlaybackAction
from frappe.exercises.record import Candidate
from frappe.runs.common import StoragePaths
from frappe.runs.dictation import DictationSpec
from frappe.runs.room_dictation import (
    RoomRunningDictation,
    audio_fingerprint,
    start_room_dictation,
)
from frappe.runs.room_monitor import AttemptTracker
from frappe.storage.journal import JournalContents, read_journal
from frappe.storage.room import client, official
from frappe.storage.room.seat_link import AttemptTicket, connect_seat
from frappe.tui.app import FrappeApp, make_app
from frappe.tui.config import AppConfig, DictationOptions, StartDashboard, StartRoomTake
from frappe.tui.dialogs.confirm import ConfirmScreen
from frappe.tui.screens.dictation import DictationScreen
from frappe.tui.screens.dictation_results import DictationResultsScreen
from frappe.tui.screens.results import KEYS_AFTER_BELL_S
from frappe.tui.screens.room_dashboard import COLUMNS, RoomDashboardScreen
from frappe.tui.screens.seance import SeanceScreen
from support.fakes import FakeClock
from support.postgres_server import RoomDatabase

D08 = "d08-certificat-medical"


def open_dictation_seance(
    room_db: RoomDatabase,
    *,
    exercise_id: str | None = None,
    audio_sha256: str | None = None,
    correction: bool = False,
) -> client.SeanceInfo:
    """A 10-minute séance of d08 as ``frappe room open --dictation d08`` opens it."""
    dictation = find_dictation(D08)
    config = DictationSpec(
        candidate=Candidate("", None),
        dictation=dictation,
        deadline_s=600.0,
        exercise="correction" if correction else "transcription",
    ).session_config()
    if exercise_id is not None:
        config = dataclasses.replace(config, exercise_id=exercise_id)
    audio = audio_fingerprint(dictation)
    with client.connect(room_db.trainer_url) as trainer:
        return client.open_seance(
            trainer,
            config,
            profile_name="dictee",
            audio_sha256=audio_sha256 or audio.sha256,
            audio_duration_s=audio.duration_s,
        )


@pytest.fixture
def seance(room_db: RoomDatabase) -> Iterator[client.SeanceInfo]:
    """A dictation séance of its own in the session's shared room database, closed after."""
    opened = open_dictation_seance(room_db)
    yield opened
    close_quietly(room_db, opened.id)


def close_quietly(room_db: RoomDatabase, seance_id: str) -> None:
    with psycopg.connect(room_db.admin_url, autocommit=True) as admin:
        admin.execute(
            "UPDATE frappe.seance SET closed_at = now() WHERE id = %s AND closed_at IS NULL",
            (seance_id,),
        )


def seat_app(
    root: Path, clock: FakeClock, url: str, players: Players, start: StartRoomTake | None = None
) -> FrappeApp:
    config = AppConfig(
        storage=StoragePaths(
            results_dir=root / "results",
            db_path=root / "history.sqlite3",
            journal_dir=root / "journals",
            presets_dir=root / "presets",
        ),
        clock=clock,
        tick_interval=0.1,
        check_journals=False,
        room_url=url,
        # The seat's player: the dictation tests' fake (no sound card needed).
        dictation=DictationOptions(player_factory=players, auto_pedal=False),
    )
    return make_app(config, start)


async def wait_until(pilot: Pilot[int], predicate: Callable[[], bool], timeout: float = 20) -> None:
    """The room helpers' wait, with more time: a dictation seat starts its player first."""
    await room_helpers.wait_until(pilot, predicate, timeout)


async def type_text(pilot: Pilot[int], clock: FakeClock, text: str) -> None:
    for char in text:
        clock.advance(0.25)
        await pilot.press(char)


def menu_ids(app: FrappeApp) -> list[str]:
    menu = app.screen_stack[0].query_one("#home-menu", OptionList)
    return [menu.get_option_at_index(i).id or "" for i in range(menu.option_count)]


def attempts(room_db: RoomDatabase, seance_id: str) -> list[client.AttemptStatus]:
    with client.connect(room_db.trainer_url) as trainer:
        return client.list_attempts(trainer, seance_id)


def central_journal(room_db: RoomDatabase, attempt_id: int, path: Path) -> JournalContents:
    """The server's copy of an attempt's journal, read as a journal."""
    with client.connect(room_db.trainer_url) as trainer:
        lines = client.attempt_lines(trainer, attempt_id)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return read_journal(path)


def dictation_screen(app: FrappeApp) -> DictationScreen:
    screen = app.screen
    assert isinstance(screen, DictationScreen), type(screen)
    return screen


async def hand_in(pilot: Pilot[int], app: FrappeApp) -> DictationResultsScreen:
    await pilot.press("ctrl+t")
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
    await click(pilot, "#confirm")
    await wait_until(pilot, lambda: isinstance(app.screen, DictationResultsScreen), timeout=20)
    results = app.screen
    assert isinstance(results, DictationResultsScreen)
    return results


def official_result(room_db: RoomDatabase, seance_id: str, name: str) -> official.OfficialResult:
    with client.connect(room_db.trainer_url) as trainer:
        _seance, results = official.seance_results(trainer, seance_id)
    return next(r for r in results if r.candidate.name == name)


def local_metrics(results: DictationResultsScreen) -> dict[str, object]:
    """The seat's own score of the dictation as its result file keeps it (figures and faults
    one by one), less the listening statistics, which only the seat can measure."""
    score = dict(results.saved.record.score or {})
    score.pop("listening")
    loaded: dict[str, object] = json.loads(json.dumps(score))
    return loaded


@asynctest
async def test_a_seat_takes_a_dictation_seance_and_the_official_result_is_its_score(
    room_db: RoomDatabase, seance: client.SeanceInfo, tmp_path: Path
) -> None:
    clock, players = FakeClock(), Players(duration_s=66.2)
    app = seat_app(tmp_path, clock, room_db.seat_url, players)
    async with app.run_test(size=(120, 30)) as pilot:
        entry = f"seance:{seance.id}"
        await wait_until(pilot, lambda: entry in menu_ids(app))
        menu = app.screen.query_one("#home-menu", OptionList)
        index = menu_ids(app).index(entry)
        assert str(menu.get_option_at_index(index).prompt) == (
            "Séance en cours : Certificat médical initial — entorse de cheville (10 min) "
            f"[{seance.id}] — Rejoindre"
        )
        menu.highlighted = index
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, SeanceScreen))
        seance_screen = app.screen
        assert isinstance(seance_screen, SeanceScreen)
        seance_screen.query_one("#seance-name", Input).value = "Martin Claire"
        await click(pilot, "#start")
        await wait_until(pilot, lambda: seance_screen.running is not None)
        rules = str(seance_screen.query_one("#seance-rules").render())
        assert (
            "Dictée : Certificat médical initial — entorse de cheville (environ 145 mots)" in rules
        )
        assert "Durée : 10 min" in rules and "Écoutez l'enregistrement au casque" in rules
        assert str(seance_screen.query_one("#start", Button).label) == "Commencer la dictée"
        await click(pilot, "#start")
        await wait_until(pilot, lambda: isinstance(app.screen, DictationScreen))
        screen = dictation_screen(app)
        assert isinstance(screen.running, RoomRunningDictation)
        assert screen.running.mode == "exam"
        await wait_until(pilot, lambda: bool(players.made) and screen.controls is not None)
        assert players.last.loaded == find_dictation(D08).audio  # the seat's own copy
        await pilot.press("escape")  # play: the clock starts
        clock.advance(4.0)
        players.last.advance(4.0)
        await pilot.press("f3")  # slower
        await type_text(pilot, clock, "Je soussigné")
        await wait_until(pilot, lambda: "Salle : connecté" in screen.status.render_text().plain)
        [attempt] = attempts(room_db, seance.id)
        # Every line reaches the server: the text typed, the listening.
        await wait_until(
            pilot,
            lambda: (
                central_journal(room_db, attempt.attempt_id, tmp_path / "c.jsonl").typed
                == "Je soussigné"
            ),
        )
        central = central_journal(room_db, attempt.attempt_id, tmp_path / "c.jsonl")
        actions = [e["action"] for e in central.events if e["type"] == "playback"]
        assert actions == ["play", "speed"]
        results = await hand_in(pilot, app)
        saved = results.saved
        assert saved.record.typed == "Je soussigné"
    [attempt] = attempts(room_db, seance.id)
    assert attempt.state == "handed_in" and attempt.candidate.name == "Martin Claire"
    # The trainer's result: scored from the central journal with the séance's reference and
    # the dictée barème stored on the server — the same figures as the seat's.
    result = official_result(room_db, seance.id, "Martin Claire")
    assert result.record.kind == "transcription" and result.record.typed == "Je soussigné"
    assert result.metrics["profile"] == "dictee"
    assert result.metrics == local_metrics(results)
    assert result.metrics["faults"] == saved.score.faults > 100  # 143 words left out


@asynctest
async def test_a_dead_seat_s_dictation_resumes_on_a_fresh_seat_with_its_text_and_time(
    room_db: RoomDatabase, seance: client.SeanceInfo, tmp_path: Path
) -> None:
    clock_a, players_a = FakeClock(), Players(duration_s=66.2)
    start = StartRoomTake(Candidate("Durand Léa", "C-7"), seance.id, skip_instructions=True)
    app = seat_app(tmp_path / "a", clock_a, room_db.seat_url, players_a, start)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DictationScreen))
        screen = dictation_screen(app)
        await wait_until(pilot, lambda: screen.controls is not None)
        await pilot.press("escape")
        clock_a.advance(20.0)
        players_a.last.advance(20.0)
        await pilot.press("escape")  # pause at 20 s of the recording
        await type_text(pilot, clock_a, "Je soussigné")
        running = screen.running
        assert isinstance(running, RoomRunningDictation) and running.ticket is not None
        attempt_id = running.ticket.attempt_id
        await wait_until(
            pilot,
            lambda: (
                central_journal(room_db, attempt_id, tmp_path / "a.jsonl").typed == "Je soussigné"
            ),
        )
        # The PC dies: nothing more is sent, the journal stays where it is.
        assert running.sender is not None
        running.sender.stop()
        running.journal.close()
        app.exit(0)
    central = central_journal(room_db, attempt_id, tmp_path / "a.jsonl")
    assert central.remaining_s is not None and central.remaining_s < 600 - 20
    with client.connect(room_db.trainer_url) as trainer:
        client.release_attempt(trainer, attempt_id)

    # A fresh seat offers « Reprendre sur ce poste » and goes on with the document and the time.
    clock_c, players_c = FakeClock(), Players(duration_s=66.2)
    seat = seat_app(tmp_path / "c", clock_c, room_db.seat_url, players_c)
    async with seat.run_test(size=(120, 30)) as pilot:
        entry = f"resume:{attempt_id}"
        await wait_until(pilot, lambda: entry in menu_ids(seat))
        menu = seat.screen.query_one("#home-menu", OptionList)
        index = menu_ids(seat).index(entry)
        assert str(menu.get_option_at_index(index).prompt).startswith(
            "Reprendre sur ce poste : Durand Léa"
        )
        menu.highlighted = index
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(seat.screen, DictationScreen))
        screen = dictation_screen(seat)
        assert isinstance(screen.running, RoomRunningDictation)
        session = screen.running.session
        assert session.typed == "Je soussigné"
        await wait_until(pilot, lambda: screen.editor.text == "Je soussigné")  # once mounted
        assert session.remaining_s == pytest.approx(central.remaining_s, abs=0.3)
        await wait_until(pilot, lambda: screen.controls is not None)
        assert players_c.last.position_s == pytest.approx(20.0)  # where it was left
        await pilot.press("end")
        await type_text(pilot, clock_c, ", docteur")
        results = await hand_in(pilot, seat)
        assert results.saved.record.typed == "Je soussigné, docteur"
    [attempt] = attempts(room_db, seance.id)
    assert attempt.state == "handed_in" and attempt.seat != "" and attempt.takeovers == 1
    result = official_result(room_db, seance.id, "Durand Léa")
    assert result.record.typed == "Je soussigné, docteur"
    assert result.metrics == local_metrics(results)


@asynctest
async def test_take_again_after_a_crash_on_the_same_seat_resumes_the_local_dictation(
    room_db: RoomDatabase, seance: client.SeanceInfo, tmp_path: Path
) -> None:
    clock, players = FakeClock(), Players(duration_s=66.2)
    start = StartRoomTake(Candidate("Petit Paul"), seance.id, skip_instructions=True)
    app = seat_app(tmp_path, clock, room_db.seat_url, players, start)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DictationScreen))
        await type_text(pilot, clock, "Je")
        running = dictation_screen(app).running
        assert isinstance(running, RoomRunningDictation) and running.sender is not None
        running.sender.stop()
        running.journal.close()
        app.exit(0)
    again = seat_app(tmp_path, clock, room_db.seat_url, Players(duration_s=66.2), start)
    async with again.run_test(size=(120, 30)) as pilot:
        await wait_until(pilot, lambda: isinstance(again.screen, DictationScreen))
        screen = dictation_screen(again)
        assert isinstance(screen.running, RoomRunningDictation)
        assert screen.running.session.typed == "Je"
        await wait_until(pilot, lambda: screen.editor.text == "Je")  # once mounted
        await pilot.press("end")
        await type_text(pilot, clock, " soussigné")
        await hand_in(pilot, again)
        clock.advance(KEYS_AFTER_BELL_S)  # keys typed on after the end do nothing a moment
        await pilot.press("escape")  # kiosk: leaving the results ends the program
        await wait_until(pilot, lambda: again.return_code is not None)
    assert again.return_code == 0
    [attempt] = attempts(room_db, seance.id)  # the same attempt, not a second one
    assert attempt.state == "handed_in"
    assert official_result(room_db, seance.id, "Petit Paul").record.typed == "Je soussigné"


@pytest.mark.parametrize(
    ("exercise_id", "audio_sha256", "message"),
    [
        (
            None,
            "0" * 64,
            "frappe : l'enregistrement de la dictée d08-certificat-medical sur ce poste diffère "
            "de celui de la séance (empreinte SHA-256) : copiez celui du formateur",
        ),
        (
            "d99-absente",
            None,
            "frappe : la dictée d99-absente de la séance est absente de ce poste : installez-la "
            "(corpus du formateur) ou changez de poste",
        ),
    ],
)
@asynctest
async def test_a_seat_without_the_seance_s_recording_refuses_in_one_line(
    room_db: RoomDatabase,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    exercise_id: str | None,
    audio_sha256: str | None,
    message: str,
) -> None:
    opened = open_dictation_seance(room_db, exercise_id=exercise_id, audio_sha256=audio_sha256)
    try:
        start = StartRoomTake(Candidate("Roux Rémi"), opened.id, skip_instructions=True)
        app = seat_app(tmp_path, FakeClock(), room_db.seat_url, Players(), start)
        async with app.run_test() as pilot:
            await wait_until(pilot, lambda: app.return_code is not None)
        assert app.return_code == 1
        # One message (the app's exit prints it wrapped to the terminal's width).
        assert " ".join(capsys.readouterr().err.split()) == message
        assert attempts(room_db, opened.id) == []  # refused before joining: nothing to release
    finally:
        close_quietly(room_db, opened.id)


def test_the_dashboard_shows_a_dictation_s_words_and_listening_position(
    room_db: RoomDatabase, tmp_path: Path
) -> None:
    """Progress of a transcription: words typed over the reference's words; of a correction
    (the draft is as long as the reference from the start): the part of the recording heard.
    The player's position is shown either way."""
    for correction, expected in ((False, 2 / 145), (True, 33.1 / 66.2)):
        opened = open_dictation_seance(room_db, correction=correction)
        try:
            with client.connect(room_db.seat_url) as seat:
                joined = client.join_seance(seat, opened.id, Candidate("Vidal Inès"))
            config = joined.seance.session_config(Candidate("Vidal Inès"))
            header = joined.seance.journal_header(Candidate("Vidal Inès")).to_dict()
            playback = {"t_ms": 0, "type": "playback", "action": "play", "position_s": 0.0,
                        "target_s": 33.1, "speed": 1.0, "playing": True}  # fmt: skip
            lines = [
                json.dumps(header),
                json.dumps({"start": "2026-11-29T09:00:00.000000Z", "t": 0}),
                json.dumps({"e": playback}),
                json.dumps({"k": [500, "J", "insert", 0, "Je soussigné"]}),
            ]
            with client.connect(room_db.trainer_url) as trainer:
                [status] = client.list_attempts(trainer, opened.id)
            tracker = AttemptTracker(status, time.monotonic())
            tracker.feed(lines, time.monotonic())
            view = tracker.view(time.monotonic(), opened)
            assert config.kind == ("correction" if correction else "transcription")
            assert view.progress == pytest.approx(expected, abs=0.01)
            assert view.listening_s == pytest.approx(33.1)
            from frappe.tui.screens.room_dashboard import view_cells  # noqa: PLC0415

            assert view_cells(view)[4].endswith("· ♪ 00:34")
        finally:
            close_quietly(room_db, opened.id)


@asynctest
async def test_the_trainer_s_dashboard_follows_a_dictation_seat_live(
    room_db: RoomDatabase, seance: client.SeanceInfo, tmp_path: Path
) -> None:
    """The dashboard's row of a seat transcribing: words typed, where its player stands, the
    hand-in and its faults and mark (no speed for a dictation), through the server's
    notifications."""
    with client.connect(room_db.seat_url) as seat:
        joined = client.join_seance(seat, seance.id, Candidate("Vidal Inès"), seat="PC-12")
    ticket = AttemptTicket(joined.key.attempt_id, joined.key.token, seance.id)
    clock = FakeClock()
    running = start_room_dictation(
        joined.seance.session_config(Candidate("Vidal Inès")),
        find_dictation(D08),
        ticket,
        StoragePaths(
            tmp_path / "results", tmp_path / "h.sqlite3", tmp_path / "journals", tmp_path / "p"
        ),
        lambda: connect_seat(room_db.seat_url, timeout_s=1.0),
        clock=clock,
        sync_interval=0.05,
    )
    trainer = AppConfig(
        storage=StoragePaths(tmp_path / "t", tmp_path / "t.db", tmp_path / "tj", tmp_path / "tp"),
        clock=FakeClock(),
        check_journals=False,
    )
    app = make_app(trainer, StartDashboard(room_db.trainer_url, seance.id))
    async with app.run_test(size=(170, 30)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, RoomDashboardScreen))
        screen = app.screen
        assert isinstance(screen, RoomDashboardScreen)

        def cells() -> dict[str, str]:
            table = screen.query_one(DataTable)
            if table.row_count == 0:
                return {}
            row = table.get_row(str(ticket.attempt_id))
            return {key: str(cell) for (key, _label), cell in zip(COLUMNS, row, strict=True)}

        await wait_until(pilot, lambda: cells().get("state") == "en attente")
        running.log_playback(PlaybackAction(0, "play", 0.0, 1.0, 0.0, True))
        clock.advance(30.0)
        running.log_playback(PlaybackAction(0, "pause", 30.0, 1.0, 30.0, False))
        words = " ".join(find_dictation(D08).reference_text().split()[:29])
        running.session.edit(0, 0, words)  # 29 of the 145 words: 20 %
        await wait_until(pilot, lambda: cells().get("progress") == "20 % · ♪ 00:30")
        assert cells()["state"] == "en cours" and cells()["seat"] == "PC-12"
        running.session.stop()
        running.save()
        await wait_until(pilot, lambda: "/20" in cells().get("result", ""))
        assert cells()["state"] == "terminé"
        assert "faute(s)" in cells()["result"] and "mots/min" not in cells()["result"]


@asynctest
async def test_joining_from_the_home_screen_without_the_recording_says_why(
    room_db: RoomDatabase, tmp_path: Path
) -> None:
    """« Rejoindre » on a seat whose copy of the recording differs: one notification, the
    candidate stays on the identification, and the trainer sees no attempt to release."""
    opened = open_dictation_seance(room_db, audio_sha256="f" * 64)
    try:
        app = seat_app(tmp_path, FakeClock(), room_db.seat_url, Players())
        async with app.run_test(size=(120, 30)) as pilot:
            entry = f"seance:{opened.id}"
            await wait_until(pilot, lambda: entry in menu_ids(app))
            menu = app.screen.query_one("#home-menu", OptionList)
            menu.highlighted = menu_ids(app).index(entry)
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, SeanceScreen))
            screen = app.screen
            assert isinstance(screen, SeanceScreen)
            screen.query_one("#seance-name", Input).value = "Roux Rémi"
            await click(pilot, "#start")
            room_notes = lambda: [n for n in app._notifications if n.title == "Salle"]  # noqa: E731
            await wait_until(pilot, lambda: bool(room_notes()))
            [note] = room_notes()
            assert note.message == (
                "l'enregistrement de la dictée d08-certificat-medical sur ce poste diffère de "
                "celui de la séance (empreinte SHA-256) : copiez celui du formateur"
            )
            assert app.screen is screen and screen.running is None
            assert not screen.query_one("#start", Button).disabled  # may try again
        assert attempts(room_db, opened.id) == []
    finally:
        close_quietly(room_db, opened.id)
