"""The room in the app, against a real PostgreSQL: a seat's home screen offers the open séance,
the candidate identifies and types with the link state in the status bar; the trainer's
dashboard follows the seats live, sees a dead seat go silent, releases it, and a fresh seat
resumes the attempt from its home screen."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from room_helpers import attempts, choose_home_entry, menu_ids, wait_until
from textual.widgets import DataTable, Input

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tui"))
from tui_support import asynctest, click, type_keys

from frappe.exercises.record import Candidate
from frappe.runs.common import StoragePaths
from frappe.runs.room_test import RoomRunningTest, start_room_test
from frappe.storage.room import client
from frappe.storage.room.seat_link import AttemptTicket, connect_seat
from frappe.tui.app import make_app
from frappe.tui.config import AppConfig, StartDashboard, StartRoomTake
from frappe.tui.results_keys import KEYS_AFTER_BELL_S
from frappe.tui.screens.results import ResultsScreen
from frappe.tui.screens.room_dashboard import RoomDashboardScreen
from frappe.tui.screens.seance import SeanceScreen
from frappe.tui.screens.typing import TypingScreen
from support.fakes import FakeClock
from support.postgres_server import RoomDatabase

REFERENCE = "Le patient est sorti ce matin. Il va bien."


def storage(root: Path) -> StoragePaths:
    return StoragePaths(
        results_dir=root / "results",
        db_path=root / "history.sqlite3",
        journal_dir=root / "journals",
        presets_dir=root / "presets",
    )


def app_config(root: Path, clock: FakeClock, url: str | None) -> AppConfig:
    return AppConfig(
        storage=storage(root),
        clock=clock,
        tick_interval=0.1,
        check_journals=False,
        room_url=url,
    )


@asynctest
async def test_a_seat_offers_the_open_seance_and_the_candidate_takes_it(
    room_db: RoomDatabase, seance: client.SeanceInfo, tmp_path: Path
) -> None:
    clock = FakeClock()
    app = make_app(app_config(tmp_path, clock, room_db.seat_url))
    async with app.run_test(size=(110, 30)) as pilot:
        label = await choose_home_entry(pilot, f"seance:{seance.id}")
        assert label == f"Séance en cours : Séance de test (1 min) [{seance.id}] — Rejoindre"
        await wait_until(pilot, lambda: isinstance(app.screen, SeanceScreen))
        seance_screen = app.screen
        assert isinstance(seance_screen, SeanceScreen)
        seance_screen.query_one("#seance-name", Input).value = "Martin  Claire"
        await click(pilot, "#start")
        # Joined: the candidate reads the séance's own rules, then starts.
        await wait_until(pilot, lambda: seance_screen.running is not None)
        rules = str(seance_screen.query_one("#seance-rules").render())
        assert "Candidat : Martin Claire" in rules and "Durée : 1 min" in rules
        assert "La correction (retour arrière) est autorisée." in rules
        [waiting] = attempts(room_db.trainer_url, seance.id)
        assert waiting.candidate.name == "Martin Claire"  # joined: « en attente » for the trainer
        await click(pilot, "#start")
        await wait_until(pilot, lambda: isinstance(app.screen, TypingScreen))
        screen = app.screen
        assert isinstance(screen, TypingScreen)
        assert screen.running.session.config.reference == REFERENCE
        await type_keys(pilot, clock, "Le patient")
        await wait_until(pilot, lambda: "Salle : connecté" in str(screen.status._link.render()))
        [attempt] = attempts(room_db.trainer_url, seance.id)
        assert attempt.candidate.name == "Martin Claire"
        await type_keys(pilot, clock, " est sorti ce matin. Il va bien.")
        await wait_until(pilot, lambda: isinstance(app.screen, ResultsScreen))
    [attempt] = attempts(room_db.trainer_url, seance.id)
    assert attempt.state == "handed_in"


@asynctest
async def test_take_starts_straight_into_the_seance_and_ends_with_the_results(
    room_db: RoomDatabase, seance: client.SeanceInfo, tmp_path: Path
) -> None:
    clock = FakeClock()
    start = StartRoomTake(Candidate("Durand Léa", "C-7"), seance.id, skip_instructions=True)
    app = make_app(app_config(tmp_path, clock, room_db.seat_url), start)
    async with app.run_test(size=(110, 30)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, TypingScreen))
        await type_keys(pilot, clock, REFERENCE)
        await wait_until(pilot, lambda: isinstance(app.screen, ResultsScreen))
        clock.advance(KEYS_AFTER_BELL_S)  # keys typed on after the end do nothing a moment
        await pilot.press("escape")  # kiosk: leaving the results ends the program
        await wait_until(pilot, lambda: app.return_code is not None)
    assert app.return_code == 0
    [attempt] = attempts(room_db.trainer_url, seance.id)
    assert attempt.candidate == Candidate("Durand Léa", "C-7") and attempt.state == "handed_in"


@asynctest
async def test_take_of_a_seance_not_open_ends_with_one_line(
    room_db: RoomDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    start = StartRoomTake(Candidate("A"), seance_id="ZZZZZZ")
    app = make_app(app_config(tmp_path, FakeClock(), room_db.seat_url), start)
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.return_code is not None)
    assert app.return_code == 1
    assert capsys.readouterr().err.strip() == (
        "frappe : la séance ZZZZZZ n'est pas ouverte sur le serveur de salle"
    )


def seat_test(
    room_db: RoomDatabase, seance: client.SeanceInfo, root: Path, name: str, clock: FakeClock
) -> RoomRunningTest:
    with client.connect(room_db.seat_url) as seat:
        joined = client.join_seance(seat, seance.id, Candidate(name), seat=f"PC-{name}")
    ticket = AttemptTicket(joined.key.attempt_id, joined.key.token, seance.id)
    return start_room_test(
        joined.seance.session_config(Candidate(name)),
        ticket,
        storage(root),
        lambda: connect_seat(room_db.seat_url, timeout_s=1.0),
        clock=clock,
        sync_interval=0.05,
    )


def row(screen: RoomDashboardScreen, attempt_id: int) -> dict[str, str]:
    table = screen.query_one(DataTable)
    cells = table.get_row(str(attempt_id))
    return {key: str(cell) for (key, _label), cell in zip(screen_columns(), cells, strict=True)}


def screen_columns() -> tuple[tuple[str, str], ...]:
    from frappe.tui.screens.room_dashboard import COLUMNS  # noqa: PLC0415

    return COLUMNS


@asynctest
async def test_the_dashboard_follows_seats_live_and_a_dead_seat_resumes_elsewhere(
    room_db: RoomDatabase, seance: client.SeanceInfo, tmp_path: Path
) -> None:
    clock_a, clock_b = FakeClock(), FakeClock()
    alice = seat_test(room_db, seance, tmp_path / "a", "Alice", clock_a)
    bruno = seat_test(room_db, seance, tmp_path / "b", "Bruno", clock_b)
    assert alice.ticket is not None and bruno.ticket is not None and bruno.sender is not None
    app = make_app(
        app_config(tmp_path / "trainer", FakeClock(), None),
        StartDashboard(room_db.trainer_url, seance.id),
    )
    async with app.run_test(size=(160, 30)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, RoomDashboardScreen))
        screen = app.screen
        assert isinstance(screen, RoomDashboardScreen)
        await wait_until(pilot, lambda: screen.query_one(DataTable).row_count == 2)
        assert row(screen, alice.ticket.attempt_id)["state"] == "en attente"
        for char in "Le patient est":
            clock_a.now += 0.2
            alice.session.press(char, char)
        alice.session.paste("copie")
        await wait_until(
            pilot,
            lambda: row(screen, alice.ticket.attempt_id)["progress"] == "33 %",  # type: ignore[union-attr]
        )
        cells = row(screen, alice.ticket.attempt_id)
        assert cells["state"] == "en cours"
        assert cells["candidate"] == "Alice" and cells["seat"] == "PC-Alice"
        assert "collage refusé ×1" in cells["incidents"]
        assert cells["left"] == "00:58"
        # Bruno's PC dies mid-test: its lines stop, the dashboard shows it disconnected.
        for char in "Le":
            clock_b.now += 0.2
            bruno.session.press(char, char)
        await wait_until(pilot, lambda: row(screen, bruno.ticket.attempt_id)["progress"] == "5 %")  # type: ignore[union-attr]
        bruno.sender.stop()
        await wait_until(
            pilot,
            lambda: row(screen, bruno.ticket.attempt_id)["state"] == "déconnecté",  # type: ignore[union-attr]
            timeout=8,
        )
        # Alice finishes: her result appears.
        for char in " sorti ce matin. Il va bien.":
            clock_a.now += 0.2
            alice.session.press(char, char)
        alice.save()
        await wait_until(
            pilot,
            lambda: row(screen, alice.ticket.attempt_id)["state"] == "terminé",  # type: ignore[union-attr]
        )
        await wait_until(pilot, lambda: "/20" in row(screen, alice.ticket.attempt_id)["result"])  # type: ignore[union-attr]
        # The trainer releases Bruno's attempt (l on his row).
        table = screen.query_one(DataTable)
        table.move_cursor(row=table.get_row_index(str(bruno.ticket.attempt_id)))
        await pilot.press("l")
        await wait_until(
            pilot,
            lambda: row(screen, bruno.ticket.attempt_id)["state"] == "interrompu",  # type: ignore[union-attr]
        )
    # A fresh seat offers « Reprendre sur ce poste » and goes on with Bruno's text and time.
    clock_c = FakeClock()
    seat = make_app(app_config(tmp_path / "c", clock_c, room_db.seat_url))
    async with seat.run_test(size=(110, 30)) as pilot:
        label = await choose_home_entry(pilot, f"resume:{bruno.ticket.attempt_id}")
        assert label.startswith("Reprendre sur ce poste : Bruno")
        await wait_until(pilot, lambda: isinstance(seat.screen, TypingScreen))
        typing = seat.screen
        assert isinstance(typing, TypingScreen)
        assert typing.running.session.typed == "Le"
        assert typing.running.session.remaining_s == pytest.approx(60 - 0.2, abs=0.3)
        await type_keys(pilot, clock_c, " patient est sorti ce matin. Il va bien.")
        await wait_until(pilot, lambda: isinstance(seat.screen, ResultsScreen))
    states = {a.candidate.name: a.state for a in attempts(room_db.trainer_url, seance.id)}
    assert states == {"Alice": "handed_in", "Bruno": "handed_in"}
    # Closing the séance from the dashboard (c twice) fixes the official results.
    app = make_app(
        app_config(tmp_path / "trainer", FakeClock(), None),
        StartDashboard(room_db.trainer_url, seance.id),
    )
    async with app.run_test(size=(160, 30)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, RoomDashboardScreen))
        screen = app.screen
        assert isinstance(screen, RoomDashboardScreen)
        await wait_until(pilot, lambda: screen.query_one(DataTable).row_count == 2)
        await pilot.press("c")
        await pilot.pause(0.2)
        with client.connect(room_db.trainer_url) as trainer:
            assert client.get_seance(trainer, seance.id).closed_at is None  # asked, not done
        await pilot.press("c")
        for attempt in (alice.ticket.attempt_id, bruno.ticket.attempt_id):
            await wait_until(pilot, lambda a=attempt: "(officiel)" in row(screen, a)["result"])  # type: ignore[misc]
    with client.connect(room_db.trainer_url) as trainer:
        assert client.get_seance(trainer, seance.id).closed_at is not None


@asynctest
async def test_a_seat_whose_server_is_down_says_so_and_works_as_a_lone_pc(tmp_path: Path) -> None:
    down = "postgresql://frappe_seat:x@127.0.0.1:9/frappe"
    app = make_app(app_config(tmp_path, FakeClock(), down))
    async with app.run_test(size=(110, 30)) as pilot:
        line = app.screen.query_one("#home-room")
        await wait_until(pilot, lambda: "injoignable" in str(line.render()))
        assert line.display
        assert "les séances s'afficheront à son retour" in str(line.render())
        assert not any(i.startswith(("seance:", "resume:")) for i in menu_ids(app))
        assert "exam" in menu_ids(app)  # everything else as on a lone PC


@asynctest
async def test_take_with_the_server_down_ends_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    down = "postgresql://frappe_seat:x@127.0.0.1:9/frappe"
    app = make_app(app_config(tmp_path, FakeClock(), down), StartRoomTake(Candidate("A")))
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.return_code is not None)
    assert app.return_code == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("frappe : serveur de salle (127.0.0.1:9) injoignable")
    assert "\n" not in err


@asynctest
async def test_take_again_after_a_crash_on_the_same_seat_resumes_the_local_attempt(
    room_db: RoomDatabase, seance: client.SeanceInfo, tmp_path: Path
) -> None:
    clock = FakeClock()
    start = StartRoomTake(Candidate("Durand Léa", "C-9"), seance.id, skip_instructions=True)
    app = make_app(app_config(tmp_path, clock, room_db.seat_url), start)
    async with app.run_test(size=(110, 30)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, TypingScreen))
        crashed = app.screen
        assert isinstance(crashed, TypingScreen)
        await type_keys(pilot, clock, "Le patient")
        # The PC goes down: nothing more is sent, the journal stays as it is.
        assert isinstance(crashed.running, RoomRunningTest) and crashed.running.sender
        crashed.running.sender.stop()
        crashed.running.journal.close()
        app.exit(0)
    again = make_app(app_config(tmp_path, clock, room_db.seat_url), start)
    async with again.run_test(size=(110, 30)) as pilot:
        await wait_until(pilot, lambda: isinstance(again.screen, TypingScreen))
        typing = again.screen
        assert isinstance(typing, TypingScreen)
        assert typing.running.session.typed == "Le patient"
        assert isinstance(typing.running, RoomRunningTest)
        await type_keys(pilot, clock, " est sorti ce matin. Il va bien.")
        await wait_until(pilot, lambda: isinstance(again.screen, ResultsScreen))
    [attempt] = attempts(room_db.trainer_url, seance.id)  # the same attempt, not a second one
    assert attempt.state == "handed_in" and attempt.candidate == Candidate("Durand Léa", "C-9")
