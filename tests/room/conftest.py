"""Fixtures of the room tests (the PostgreSQL server itself is ``support.postgres_server``)."""

from __future__ import annotations

import os
import pwd
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from room_helpers import typing_config

from frappe.storage.room import client
from frappe.storage.room.cluster import SERVICE_USER
from support.postgres_server import RoomDatabase


@pytest.fixture
def tiny_disk() -> Iterator[Path]:
    """A 1 MiB tmpfs owned by the cluster's user."""
    folder = Path(tempfile.mkdtemp(prefix="frappe-full-"))
    folder.chmod(0o755)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:  # root without CAP_SYS_ADMIN (some containers)
        folder.rmdir()
        pytest.skip(f"mount tmpfs refusé : {mounted.stderr.strip()}")
    try:
        user = pwd.getpwnam(SERVICE_USER)
        os.chown(folder, user.pw_uid, user.pw_gid)
        folder.chmod(0o700)
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)
        folder.rmdir()


@pytest.fixture
def seance(room_db: RoomDatabase) -> Iterator[client.SeanceInfo]:
    """A one-minute typing séance of its own in the session's shared room database, closed
    afterwards (a test module may define its own)."""
    with client.connect(room_db.trainer_url) as trainer:
        opened = client.open_seance(trainer, typing_config(60.0), profile_name="frappe")
    yield opened
    with psycopg.connect(room_db.admin_url, autocommit=True) as admin:
        admin.execute(
            "UPDATE frappe.seance SET closed_at = now() WHERE id = %s AND closed_at IS NULL",
            (opened.id,),
        )
