"""A seat's journal reaching a real PostgreSQL: live, through a cut link, after a restart of the
seat, on another seat after a dead PC, and after the séance is closed (nothing lost)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from cuttable_link import CuttableLink

from frappe.exercises.record import Candidate
from frappe.runs.common import StoragePaths
from frappe.runs.room_seat import JournalSender, LinkState, pending_tickets, ticket_path
from frappe.runs.room_test import (
    RoomRunningTest,
    flush_outbox,
    rejoin_room,
    resume_room_attempt,
    start_room_test,
)
from frappe.runs.typing import resume_test
from frappe.storage.journal import read_journal
from frappe.storage.room import client
from frappe.storage.room.seat_link import AttemptTicket, PgSeatLink, connect_seat
from support.fakes import FakeClock
from support.postgres_server import RoomDatabase

REFERENCE = "Le patient est sorti ce matin. Il va bien."


@pytest.fixture
def link(room_db: RoomDatabase) -> Iterator[CuttableLink]:
    host_port = room_db.seat_url.rsplit("@", 1)[1].split("/", 1)[0]
    host, port = host_port.split(":")
    relay = CuttableLink(host, int(port))
    yield relay
    relay.close()


def storage(root: Path) -> StoragePaths:
    return StoragePaths(
        results_dir=root / "results", db_path=root / "history.sqlite3", journal_dir=root / "j"
    )


def join(url: str, seance: client.SeanceInfo, name: str) -> tuple[AttemptTicket, object]:
    with client.connect(url) as seat:
        joined = client.join_seance(seat, seance.id, Candidate(name), seat="PC-1")
    ticket = AttemptTicket(joined.key.attempt_id, joined.key.token, seance.id)
    return ticket, joined.seance.session_config(Candidate(name))


def start(
    url: str, seance: client.SeanceInfo, root: Path, clock: FakeClock, name: str = "Martin Claire"
) -> RoomRunningTest:
    ticket, config = join(url, seance, name)

    def connect() -> PgSeatLink:
        return connect_seat(url, timeout_s=1.0)

    return start_room_test(
        config,  # type: ignore[arg-type]
        ticket,
        storage(root),
        connect,
        clock=clock,
        sync_interval=0.05,
    )


def type_text(running: RoomRunningTest, clock: FakeClock, text: str) -> None:
    for char in text:
        clock.now += 0.2
        running.session.press(char, char)


def local_lines(path: Path) -> list[str]:
    return path.read_text("utf-8").splitlines()


def central_lines(room_db: RoomDatabase, attempt_id: int) -> list[str]:
    with client.connect(room_db.trainer_url) as trainer:
        return client.attempt_lines(trainer, attempt_id)


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "délai dépassé"
        time.sleep(0.05)


def attempt_state(room_db: RoomDatabase, seance_id: str, attempt_id: int) -> str:
    with client.connect(room_db.trainer_url) as trainer:
        return next(
            a.state for a in client.list_attempts(trainer, seance_id) if a.attempt_id == attempt_id
        )


def test_every_line_reaches_the_server_live_and_the_attempt_is_handed_in(
    room_db: RoomDatabase, seance: client.SeanceInfo, tmp_path: Path
) -> None:
    clock = FakeClock()
    running = start(room_db.seat_url, seance, tmp_path, clock)
    assert running.ticket is not None
    attempt = running.ticket.attempt_id
    journal = running.journal.path
    type_text(running, clock, "Le patient")
    # Live: the lines arrive while the candidate types, long before the end.
    wait_for(lambda: len(central_lines(room_db, attempt)) == len(local_lines(journal)), 2.0)
    assert running.link_label() == "Salle : connecté"
    type_text(running, clock, " est sorti ce matin. Il va bien.")
    assert running.session.finished
    saved = running.save()
    assert saved.record.typed == REFERENCE
    archived = journal.parent / "archive" / journal.name
    assert central_lines(room_db, attempt) == local_lines(archived)
    assert attempt_state(room_db, seance.id, attempt) == "handed_in"
    assert running.link_label() == "Salle : remis"
    assert not ticket_path(journal).exists()  # handed in: the secret is forgotten


def test_a_cut_link_loses_nothing_and_duplicates_nothing(
    room_db: RoomDatabase, seance: client.SeanceInfo, link: CuttableLink, tmp_path: Path
) -> None:
    clock = FakeClock()
    running = start(link.url(room_db.seat_url), seance, tmp_path, clock)
    assert running.ticket is not None and running.sender is not None
    attempt = running.ticket.attempt_id
    journal = running.journal.path
    type_text(running, clock, "Le patient ")
    wait_for(lambda: len(central_lines(room_db, attempt)) == len(local_lines(journal)))
    link.cut()
    type_text(running, clock, "est sorti ce ")  # the exam goes on locally
    wait_for(lambda: running.sender is not None and running.sender.status.state == "offline")
    status = running.sender.status
    assert status.pending > 0
    assert "déconnecté" in status.label and "le test continue" in status.label
    assert "injoignable" in status.message
    during_cut = len(central_lines(room_db, attempt))
    assert during_cut < len(local_lines(journal))
    link.restore()
    wait_for(lambda: running.sender is not None and running.sender.status.state == "online")
    type_text(running, clock, "matin. Il va bien.")
    saved = running.save()
    assert saved.record.typed == REFERENCE
    archived = journal.parent / "archive" / journal.name
    central = central_lines(room_db, attempt)
    assert central == local_lines(archived)  # same lines, same order: no gap, no duplicate
    events = [e["type"] for e in read_journal(archived).events]
    assert "link_lost" in events and "link_back" in events
    assert attempt_state(room_db, seance.id, attempt) == "handed_in"


def test_what_a_switched_off_seat_did_not_send_goes_at_the_next_start(
    room_db: RoomDatabase, seance: client.SeanceInfo, link: CuttableLink, tmp_path: Path
) -> None:
    clock = FakeClock()
    url = link.url(room_db.seat_url)
    running = start(url, seance, tmp_path, clock)
    assert running.ticket is not None and running.sender is not None
    attempt = running.ticket.attempt_id
    wait_for(lambda: running.sender is not None and running.sender.status.state == "online")
    link.cut()
    type_text(running, clock, REFERENCE)
    running.save()  # saved locally; the hand-in waits for the server
    assert running.sender.status.state == LinkState.OFFLINE
    running.sender.stop()  # the program ends (kiosk) with the server still down
    journal_dir = tmp_path / "j"
    [(journal, ticket)] = pending_tickets(journal_dir)
    assert journal.parent.name == "archive" and ticket.attempt_id == attempt
    link.restore()
    senders = flush_outbox(journal_dir, lambda: connect_seat(url, timeout_s=1.0))
    assert all(s.wait(10) for s in senders)
    assert central_lines(room_db, attempt) == local_lines(journal)
    assert attempt_state(room_db, seance.id, attempt) == "handed_in"
    assert pending_tickets(journal_dir) == []


def test_a_dead_seat_resumes_on_another_with_its_text_and_time(
    room_db: RoomDatabase, seance: client.SeanceInfo, tmp_path: Path
) -> None:
    clock = FakeClock()
    dead = start(room_db.seat_url, seance, tmp_path / "seat1", clock)
    assert dead.ticket is not None and dead.sender is not None
    attempt = dead.ticket.attempt_id
    type_text(dead, clock, "Le patient est")  # 14 keys, 0.2 s apart: 2.6 s of typing
    clock.now += 0.3
    dead.journal.heartbeat(dead.session.elapsed_ms)
    wait_for(lambda: len(central_lines(room_db, attempt)) == len(local_lines(dead.journal.path)))
    dead.sender.stop()  # the PC dies: nothing more leaves it
    with client.connect(room_db.trainer_url) as trainer:
        client.release_attempt(trainer, attempt)
    with client.connect(room_db.seat_url) as seat:
        [released] = client.released_attempts(seat, seance.id)
        resumed = client.resume_attempt(seat, released.attempt_id, seat="PC-2")
    ticket = AttemptTicket(attempt, resumed.key.token, seance.id)
    clock2 = FakeClock()
    fresh = resume_room_attempt(
        resumed.lines,
        ticket,
        storage(tmp_path / "seat2"),
        lambda: connect_seat(room_db.seat_url, timeout_s=1.0),
        clock=clock2,
        sync_interval=0.05,
    )
    assert fresh.session.typed == "Le patient est"
    assert fresh.session.remaining_s == pytest.approx(60.0 - 2.9)
    assert fresh.results_dir == tmp_path / "seat2" / "results"
    type_text(fresh, clock2, " sorti ce matin. Il va bien.")
    saved = fresh.save()
    assert saved.record.typed == REFERENCE
    assert saved.path.parent == tmp_path / "seat2" / "results"
    central = central_lines(room_db, attempt)
    archived = fresh.journal.path.parent / "archive" / fresh.journal.path.name
    assert central[1:] == local_lines(archived)[1:]  # the local header names seat 2's folders
    assert central[: len(resumed.lines)] == list(resumed.lines)
    assert attempt_state(room_db, seance.id, attempt) == "handed_in"


def test_a_closed_seance_stops_the_sender_not_the_exam(
    room_db: RoomDatabase, seance: client.SeanceInfo, tmp_path: Path
) -> None:
    clock = FakeClock()
    running = start(room_db.seat_url, seance, tmp_path, clock)
    assert running.sender is not None
    type_text(running, clock, "Le patient")
    with psycopg.connect(room_db.admin_url, autocommit=True) as admin:
        admin.execute("UPDATE frappe.seance SET closed_at = now() WHERE id = %s", (seance.id,))
    type_text(running, clock, " est")
    wait_for(lambda: running.sender is not None and running.sender.status.state == "refused")
    message = running.sender.status.message
    assert "close" in message and "\n" not in message
    type_text(running, clock, " sorti ce matin. Il va bien.")
    saved = running.save()  # the result is saved on the seat all the same
    assert saved.record.typed == REFERENCE and saved.path.exists()


def test_sender_numbers_lines_from_the_file_alone(tmp_path: Path) -> None:
    """A torn line (power cut mid-write, closed by the resume) takes no number, so a restarted
    sender numbers the same lines the same way."""
    journal = tmp_path / "j.jsonl"
    journal.write_bytes(b'{"h":1}\n{"k":[1,"a","insert",0,"a"]}\n{"t":12\n{"t":300}\n{"t":4')
    sender = JournalSender(
        journal, AttemptTicket(1, "x", "S"), lambda: connect_seat("postgresql://x@127.0.0.1:1/x")
    )
    outbox = sender._outbox
    outbox.read_new()
    assert outbox.read_seq == 3
    assert outbox.queue == ['{"h":1}', '{"k":[1,"a","insert",0,"a"]}', '{"t":300}']
    outbox.rewind(2)
    assert outbox.queue == ['{"t":300}']


def test_a_seat_restarted_mid_test_resumes_locally_and_goes_on_forwarding(
    room_db: RoomDatabase, seance: client.SeanceInfo, tmp_path: Path
) -> None:
    clock = FakeClock()
    first = start(room_db.seat_url, seance, tmp_path, clock)
    assert first.ticket is not None and first.sender is not None
    attempt = first.ticket.attempt_id
    type_text(first, clock, "Le patient")
    first.sender.stop()  # the program ends (Ctrl+Q, crash): the journal stays
    first.journal.close()
    contents = read_journal(first.journal.path)
    running = rejoin_room(
        resume_test(contents, storage(tmp_path), clock=clock, sync_interval=0.05),
        lambda: connect_seat(room_db.seat_url, timeout_s=1.0),
    )
    assert isinstance(running, RoomRunningTest) and running.ticket == first.ticket
    type_text(running, clock, " est sorti ce matin. Il va bien.")
    saved = running.save()
    assert saved.record.typed == REFERENCE
    archived = first.journal.path.parent / "archive" / first.journal.path.name
    assert central_lines(room_db, attempt) == local_lines(archived)
    assert attempt_state(room_db, seance.id, attempt) == "handed_in"
