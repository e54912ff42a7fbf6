"""A room server whose disk is full: the seat gets one French line (and may retry later), the
lines already stored stay intact. The full disk is real: the journal table is moved to a 1 MiB
tmpfs tablespace (mounting needs root, which CI is)."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
import pytest
from room_helpers import typing_config

from frappe.errors import RoomError
from frappe.exercises.record import Candidate
from frappe.storage.room import client
from frappe.storage.room.chain import verify_chains
from frappe.storage.room.schema import migrate
from support.postgres_server import PostgresServer

pytestmark = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="mounting a tmpfs needs root"
)


def test_disk_full_is_one_french_line_and_keeps_what_was_stored(
    postgres_server: PostgresServer, empty_db: str, tiny_disk: Path
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
            seance = client.open_seance(trainer, typing_config(), profile_name="frappe").id
        line = '{"k":[100,"a","insert",0,"' + "a" * 2000 + '"]}'
        with client.connect(seat_url) as seat:
            key = client.join_seance(seat, seance, Candidate("Alice")).key
            stored = 0
            with pytest.raises(RoomError) as full:
                for _ in range(2000):
                    stored = client.append_lines(seat, key, stored + 1, [line] * 20)
            assert str(full.value).endswith("n'a plus de place sur son disque")
            assert "\n" not in str(full.value)
            assert stored > 0
            assert client.fetch_attempt(seat, key) == [line] * stored
        with client.connect(trainer_url) as trainer:
            assert verify_chains(trainer, seance).breaks == ()
    finally:
        with psycopg.connect(empty_db, autocommit=True) as admin:
            admin.execute("ALTER TABLE frappe.journal_line SET TABLESPACE pg_default")
            admin.execute("ALTER INDEX frappe.journal_line_pkey SET TABLESPACE pg_default")
            admin.execute(f"DROP TABLESPACE tiny_{name}")
