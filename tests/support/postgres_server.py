"""A real PostgreSQL for the test suite (pytest plugin, loaded from conftest.py).

``postgres_server`` (session): a throwaway cluster made with the machine's ``initdb``/``pg_ctl``
through frappe's own :class:`~frappe.storage.room.cluster.Cluster` (the code ``frappe room
serve`` runs), in a temporary folder on a free port, tuned for speed (no fsync). As root, the
cluster runs as the unprivileged system user ``frappe-pg``, created on first use (initdb
refuses root). Started once per test session, stopped at the end.

``room_db`` (session): the database holding the room schema at its latest version, with the
admin, trainer and seat URLs; ``empty_db`` (function): a fresh database without it.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from frappe.errors import RoomError
from frappe.storage.room.cluster import Cluster, free_port
from frappe.storage.room.schema import SEAT_ROLE, TRAINER_ROLE, ensure_roles, migrate

ADMIN_PASSWORD = "admin-test-pw"
TRAINER_PASSWORD = "trainer-test-pw"
SEAT_PASSWORD = "seat-test-pw"
TEMPLATE = "frappe_room"


@dataclass(frozen=True, slots=True)
class PostgresServer:
    """The test cluster.

    Attributes:
        cluster: frappe's handle on it (start/stop).
        host: Address it listens on.
        port: Its port.
    """

    cluster: Cluster
    host: str
    port: int

    def url(
        self, dbname: str = "postgres", *, user: str = "frappe_admin", password: str = ""
    ) -> str:
        """A connection URL (the admin's by default)."""
        secret = password or {
            "frappe_admin": ADMIN_PASSWORD,
            TRAINER_ROLE: TRAINER_PASSWORD,
            SEAT_ROLE: SEAT_PASSWORD,
        }.get(user, "")
        return f"postgresql://{user}:{secret}@{self.host}:{self.port}/{dbname}"


@dataclass(frozen=True, slots=True)
class RoomDatabase:
    """One test's database, schema installed.

    Attributes:
        name: Database name.
        admin_url: Superuser URL.
        trainer_url: The trainer's URL.
        seat_url: A seat's URL.
    """

    name: str
    admin_url: str
    trainer_url: str
    seat_url: str


_PREFIX = "frappe-pg-"
_OWNER = "owner.pid"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stop_stale_clusters() -> None:
    """Clusters left by a test session that was killed (its pytest process is gone): stopped
    and removed, so killed runs do not pile up servers on a developer's machine."""
    for owner in Path(tempfile.gettempdir()).glob(f"{_PREFIX}*/{_OWNER}"):
        try:
            pid = int(owner.read_text())
        except (OSError, ValueError):
            continue
        if _alive(pid):
            continue
        data = owner.parent / "pgdata"
        if (data / "PG_VERSION").exists():
            with contextlib.suppress(RoomError):
                Cluster(data, port=0).stop(mode="immediate")
        shutil.rmtree(owner.parent, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL cluster for the whole session."""
    _stop_stale_clusters()
    base = Path(tempfile.mkdtemp(prefix=_PREFIX))
    base.chmod(0o755)  # the service user (as root) must reach its cluster folder
    (base / _OWNER).write_text(str(os.getpid()))
    cluster = Cluster(
        base / "pgdata",
        port=free_port(),
        settings={"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"},
    )
    server = PostgresServer(cluster, "127.0.0.1", cluster.port)
    try:
        cluster.init(ADMIN_PASSWORD)
        cluster.start()
        with psycopg.connect(server.url(), autocommit=True) as conn:
            ensure_roles(conn, trainer_password=TRAINER_PASSWORD, seat_password=SEAT_PASSWORD)
            conn.execute(f"CREATE DATABASE {TEMPLATE}")
        with psycopg.connect(server.url(TEMPLATE), autocommit=True) as conn:
            migrate(conn)
        yield server
    finally:
        cluster.stop(mode="immediate")
        shutil.rmtree(base, ignore_errors=True)


_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def room_db(postgres_server: PostgresServer) -> RoomDatabase:
    """The session's room database (schema at the latest version). Shared by the tests for
    speed (a CREATE DATABASE costs about a second here): each test works in its own séance."""
    return RoomDatabase(
        name=TEMPLATE,
        admin_url=postgres_server.url(TEMPLATE),
        trainer_url=postgres_server.url(TEMPLATE, user=TRAINER_ROLE),
        seat_url=postgres_server.url(TEMPLATE, user=SEAT_ROLE),
    )


@pytest.fixture
def empty_db(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh database without the room schema (migration tests); its admin URL."""
    name = f"room_empty_{next(_numbers)}"
    with psycopg.connect(postgres_server.url(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield postgres_server.url(name)
    finally:
        with psycopg.connect(postgres_server.url(), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


STORE_DB = "frappe_store"


@pytest.fixture(scope="session")
def _store_database(postgres_server: PostgresServer) -> str:
    with psycopg.connect(postgres_server.url(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {STORE_DB}")
    with psycopg.connect(postgres_server.url(STORE_DB), autocommit=True) as conn:
        migrate(conn)
    return postgres_server.url(STORE_DB, user=TRAINER_ROLE)


@pytest.fixture
def store_url(postgres_server: PostgresServer, _store_database: str) -> str:
    """The trainer URL of a room database whose results store is empty (emptied before each
    test: the store tests compare whole listings)."""
    with psycopg.connect(postgres_server.url(STORE_DB), autocommit=True) as conn:
        conn.execute(
            "TRUNCATE frappe.results, frappe.group_members, frappe.groups RESTART IDENTITY"
        )
    return _store_database
