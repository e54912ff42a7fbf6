"""The seat's calls against a real PostgreSQL: join, idempotent append, gaps, hand-in, resume,
and what the seat role may NOT do."""

from __future__ import annotations

import threading

import psycopg
import pytest
from room_helpers import typed_lines, typing_config

from frappe.errors import RoomError
from frappe.exercises.record import Candidate
from frappe.storage.room import client
from frappe.storage.room.client import AttemptKey, RoomGapError
from support.postgres_server import PostgresServer, RoomDatabase


@pytest.fixture
def seance_id(room_db: RoomDatabase) -> str:
    with client.connect(room_db.trainer_url) as trainer:
        return client.open_seance(trainer, typing_config(), profile_name="frappe").id


def test_join_gives_the_seance_config_to_run(room_db: RoomDatabase, seance_id: str) -> None:
    with client.connect(room_db.seat_url) as seat:
        assert seance_id in [s.id for s in client.open_seances(seat)]
        joined = client.join_seance(seat, seance_id.lower(), Candidate("Martin Claire", "C-1"))
    config = joined.seance.session_config(Candidate("Martin Claire", "C-1"))
    assert config.reference == "Le patient est sorti ce matin. Il va bien."
    assert config.settings.time_limit_s == 600.0
    assert config.candidate.name == "Martin Claire"
    assert joined.key.attempt_id > 0 and len(joined.key.token) >= 32


def test_append_is_idempotent_and_refuses_gaps(room_db: RoomDatabase, seance_id: str) -> None:
    lines = typed_lines("Le patient")
    with client.connect(room_db.seat_url) as seat:
        key = client.join_seance(seat, seance_id, Candidate("A")).key
        assert client.append_lines(seat, key, 1, lines[:4]) == 4
        # Re-sending what the server holds (after a lost answer) changes nothing.
        assert client.append_lines(seat, key, 1, lines[:4]) == 4
        assert client.append_lines(seat, key, 3, lines[2:7]) == 7
        with pytest.raises(RoomGapError) as gap:
            client.append_lines(seat, key, 9, lines[8:])
        assert gap.value.expected_seq == 8
        assert "ligne de journal n° 8" in str(gap.value)
        with pytest.raises(RoomError, match="diffère"):
            client.append_lines(seat, key, 7, ["{}"])
        assert client.append_lines(seat, key, 8, lines[7:]) == len(lines)
        assert client.fetch_attempt(seat, key) == lines


def test_hand_in_needs_every_line_and_closes_the_attempt(
    room_db: RoomDatabase, seance_id: str
) -> None:
    lines = typed_lines("Le")
    with client.connect(room_db.seat_url) as seat:
        key = client.join_seance(seat, seance_id, Candidate("A")).key
        client.append_lines(seat, key, 1, lines[:2])
        with pytest.raises(RoomGapError) as missing:
            client.hand_in(seat, key, len(lines))
        assert missing.value.expected_seq == 3
        client.append_lines(seat, key, 3, lines[2:])
        client.hand_in(seat, key, len(lines))
        client.hand_in(seat, key, len(lines))  # again: no-op
        with pytest.raises(RoomError, match="plus en cours"):
            client.append_lines(seat, key, len(lines) + 1, ['{"t":5}'])
    with client.connect(room_db.trainer_url) as trainer:
        [status] = client.list_attempts(trainer, seance_id)
    assert status.state == "handed_in" and status.last_seq == len(lines)


def test_a_token_only_opens_its_own_attempt(room_db: RoomDatabase, seance_id: str) -> None:
    with client.connect(room_db.seat_url) as seat:
        first = client.join_seance(seat, seance_id, Candidate("A")).key
        second = client.join_seance(seat, seance_id, Candidate("B")).key
        client.append_lines(seat, first, 1, ['{"t":1}'])
        stolen = AttemptKey(first.attempt_id, second.token)
        for call in (
            lambda: client.fetch_attempt(seat, stolen),
            lambda: client.append_lines(seat, stolen, 2, ['{"t":2}']),
            lambda: client.hand_in(seat, stolen, 1),
        ):
            with pytest.raises(RoomError, match="n'appartient pas à ce poste"):
                call()


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM frappe.journal_line",
        "SELECT * FROM frappe.attempt",
        "SELECT * FROM frappe.seance",
        "UPDATE frappe.journal_line SET line = '{}' WHERE attempt_id = {attempt}",
        "DELETE FROM frappe.journal_line WHERE attempt_id = {attempt}",
        "UPDATE frappe.attempt SET state = 'running' WHERE id = {attempt}",
        "DELETE FROM frappe.attempt WHERE id = {attempt}",
        "INSERT INTO frappe.journal_line (attempt_id, seq, line, hash)"
        " VALUES ({attempt}, 99, '{}', '\\x00')",
        "SELECT frappe.trainer_release({attempt})",
        "SELECT * FROM frappe.official_result",
    ],
)
def test_seat_credentials_cannot_touch_tables(
    room_db: RoomDatabase, seance_id: str, statement: str
) -> None:
    with client.connect(room_db.seat_url) as seat:
        other = client.join_seance(seat, seance_id, Candidate("Autre")).key
        client.append_lines(seat, other, 1, ['{"t":1}'])
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            seat.execute(statement.replace("{attempt}", str(other.attempt_id)).encode())
    with client.connect(room_db.trainer_url) as trainer:
        assert client.attempt_lines(trainer, other.attempt_id) == ['{"t":1}']
        assert client.list_attempts(trainer, seance_id)[0].state == "running"


def test_journal_lines_are_append_only_even_for_the_trainer(
    room_db: RoomDatabase, seance_id: str
) -> None:
    with client.connect(room_db.seat_url) as seat:
        key = client.join_seance(seat, seance_id, Candidate("A")).key
        client.append_lines(seat, key, 1, ['{"t":1}'])
    with client.connect(room_db.trainer_url) as trainer, pytest.raises(psycopg.Error) as error:
        trainer.execute("UPDATE frappe.journal_line SET line = '{}'")
    assert error.value.sqlstate == "FR010"


def test_released_attempt_resumes_on_another_seat(room_db: RoomDatabase, seance_id: str) -> None:
    lines = typed_lines("Le patient")
    with client.connect(room_db.seat_url) as dead_seat:
        key = client.join_seance(dead_seat, seance_id, Candidate("Martin Claire"), seat="pc-03").key
        client.append_lines(dead_seat, key, 1, lines[:5])
        with client.connect(room_db.trainer_url) as trainer:
            client.release_attempt(trainer, key.attempt_id)
        with pytest.raises(RoomError, match="n'appartient pas"):  # the dead seat is locked out
            client.append_lines(dead_seat, key, 6, lines[5:6])
    with client.connect(room_db.seat_url) as fresh:
        [released] = client.released_attempts(fresh, seance_id)
        assert released.candidate.name == "Martin Claire"
        resumed = client.resume_attempt(fresh, released.attempt_id, seat="pc-07")
        assert resumed.lines == tuple(lines[:5])
        assert resumed.seance.session_config(resumed.candidate).reference.startswith("Le patient")
        assert client.append_lines(fresh, resumed.key, 6, lines[5:]) == len(lines)
        with pytest.raises(RoomError, match="pas été libérée"):
            client.resume_attempt(fresh, released.attempt_id)
        assert client.released_attempts(fresh, seance_id) == []


def test_a_candidate_joins_a_seance_once(room_db: RoomDatabase, seance_id: str) -> None:
    with client.connect(room_db.seat_url) as seat:
        client.join_seance(seat, seance_id, Candidate("Martin Claire", "C-1"))
        with pytest.raises(RoomError, match="déjà rejoint"):
            client.join_seance(seat, seance_id, Candidate("Martin Claire", "C-1"))
        with pytest.raises(RoomError, match="séance inconnue"):
            client.join_seance(seat, "ZZZZZZ", Candidate("B"))


def test_listener_gets_each_batch(room_db: RoomDatabase, seance_id: str) -> None:
    received: list[client.RoomNotification] = []
    with client.RoomListener(room_db.trainer_url) as listener:
        with client.connect(room_db.seat_url) as seat:
            key = client.join_seance(seat, seance_id, Candidate("A")).key
            client.append_lines(seat, key, 1, ['{"t":1}', '{"t":2}'])
            client.hand_in(seat, key, 2)
        for note in listener.notifications(timeout_s=2.0):
            received.append(note)
            if note.event == "hand_in":
                break
    assert [(n.event, n.seq) for n in received] == [("join", 0), ("lines", 2), ("hand_in", 2)]
    assert {n.seance_id for n in received} == {seance_id}


def test_wrong_password_and_server_down_are_one_french_line(
    postgres_server: PostgresServer, room_db: RoomDatabase
) -> None:
    with pytest.raises(RoomError, match="mot de passe refusé") as wrong:
        client.connect(postgres_server.url(room_db.name, user="frappe_seat", password="nope"))
    assert "\n" not in str(wrong.value)
    with pytest.raises(RoomError, match="injoignable"):
        client.connect("postgresql://frappe_seat:x@127.0.0.1:1/frappe", timeout_s=1)
    with pytest.raises(RoomError, match="adresse de serveur de salle invalide"):
        client.connect("http://127.0.0.1/frappe")
    with pytest.raises(RoomError, match="base de données inexistante"):
        client.connect(postgres_server.url("nothing_here", user="frappe_seat"))


def test_concurrent_appends_to_one_attempt_keep_the_chain(
    room_db: RoomDatabase, seance_id: str
) -> None:
    lines = typed_lines("Le patient est sorti")
    with client.connect(room_db.seat_url) as seat:
        key = client.join_seance(seat, seance_id, Candidate("A")).key
    errors: list[Exception] = []

    def send() -> None:
        with client.connect(room_db.seat_url) as conn:
            try:
                client.append_lines(conn, key, 1, lines)
            except Exception as error:
                errors.append(error)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with client.connect(room_db.seat_url) as seat:
        assert client.fetch_attempt(seat, key) == lines
