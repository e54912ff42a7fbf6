"""The room server's disk fills up mid-exam: the seat shows the link down with the server's
one-line reason, the exam goes on, and once space is back every line reaches the server (no
gap, no duplicate). The full disk is real (a 1 MiB tmpfs tablespace, as in
test_room_disk_full; mounting needs root, which CI is)."""

from __future__ import annotations

import json
import os
import random
import string
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from room_helpers import typing_config

from frappe.errors import RoomError
from frappe.exercises.record import Candidate
from frappe.runs.common import StoragePaths
from frappe.runs.room_seat import LinkState
from frappe.runs.room_test import start_room_test
from frappe.storage.room import client
from frappe.storage.room.schema import migrate
from frappe.storage.room.seat_link import AttemptTicket, connect_seat
from support.fakes import FakeClock
from support.postgres_server import PostgresServer

ALPHABET = string.ascii_letters + string.digits
pytestmark = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="mounting a tmpfs needs root"
)


def wait_for(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "délai dépassé"
        time.sleep(0.05)


def test_a_full_server_disk_holds_the_lines_on_the_seat_until_space_is_back(
    postgres_server: PostgresServer,
    empty_db: str,
    tiny_disk: Path,
    tmp_path: Path,
) -> None:
    name = empty_db.rsplit("/", 1)[1]
    with psycopg.connect(empty_db, autocommit=True) as admin:
        migrate(admin)
        admin.execute(f"CREATE TABLESPACE tiny_{name} LOCATION '{tiny_disk}'")
        admin.execute(f"ALTER TABLE frappe.journal_line SET TABLESPACE tiny_{name}")
        admin.execute(f"ALTER INDEX frappe.journal_line_pkey SET TABLESPACE tiny_{name}")
    trainer_url = postgres_server.url(name, user="frappe_trainer")
    seat_url = postgres_server.url(name, user="frappe_seat")
    try:
        with client.connect(trainer_url) as trainer:
            seance = client.open_seance(trainer, typing_config(600.0), profile_name="frappe")
        # Another seat has filled the server's disk (incompressible lines).
        noise = random.Random(7)
        with client.connect(seat_url) as seat:
            bob = client.join_seance(seat, seance.id, Candidate("Bob"), seat="PC-2").key
            held = 0
            for size, batch in ((2000, 20), (2000, 1), (300, 1), (60, 1)):  # to the last page
                with pytest.raises(RoomError, match="n'a plus de place sur son disque"):
                    for _ in range(5000):
                        lines = [
                            json.dumps({"t": 1, "x": "".join(noise.choices(ALPHABET, k=size))})
                            for _ in range(batch)
                        ]
                        held = client.append_lines(seat, bob, held + 1, lines)
            joined = client.join_seance(seat, seance.id, Candidate("Alice"), seat="PC-1")
        ticket = AttemptTicket(joined.key.attempt_id, joined.key.token, seance.id)
        clock = FakeClock(10.0)
        running = start_room_test(
            joined.seance.session_config(Candidate("Alice")),
            ticket,
            StoragePaths(tmp_path / "r", tmp_path / "h.sqlite3", tmp_path / "j"),
            lambda: connect_seat(seat_url, timeout_s=1.0),
            clock=clock,
            sync_interval=0.05,
        )
        sender = running.sender
        assert sender is not None
        for char in "Le patient est sorti":  # the exam goes on locally
            clock.now += 0.2
            running.session.press(char, char)
        wait_for(lambda: sender.status.state is LinkState.OFFLINE)
        status = sender.status
        assert status.message.endswith("n'a plus de place sur son disque")
        assert "\n" not in status.message
        assert "déconnecté" in status.label and "le test continue" in status.label
        assert status.pending > 0
        for char in " ce matin.":
            clock.now += 0.2
            running.session.press(char, char)
        assert running.session.typed == "Le patient est sorti ce matin."
        # The trainer frees space (here: the table goes back to the big disk).
        with psycopg.connect(empty_db, autocommit=True) as admin:
            admin.execute("ALTER TABLE frappe.journal_line SET TABLESPACE pg_default")
            admin.execute("ALTER INDEX frappe.journal_line_pkey SET TABLESPACE pg_default")
        wait_for(lambda: sender.status.state is LinkState.ONLINE)
        running.session.stop()
        running.save()
        archived = running.journal.path.parent / "archive" / running.journal.path.name
        with client.connect(trainer_url) as trainer:
            central = client.attempt_lines(trainer, ticket.attempt_id)
            states = {a.candidate.name: a.state for a in client.list_attempts(trainer, seance.id)}
        assert central == archived.read_text("utf-8").splitlines()
        assert states["Alice"] == "handed_in"
    finally:
        with psycopg.connect(empty_db, autocommit=True) as admin:
            admin.execute("ALTER TABLE frappe.journal_line SET TABLESPACE pg_default")
            admin.execute("ALTER INDEX frappe.journal_line_pkey SET TABLESPACE pg_default")
            admin.execute(f"DROP TABLESPACE IF EXISTS tiny_{name}")
