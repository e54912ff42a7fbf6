"""What the room benchmarks share: a throw-away PostgreSQL cluster with frappe's roles and
schema, its connection URLs, and the séance every simulated seat types."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from frappe.exercises.record import Candidate, RecordSettings
from frappe.exercises.session import SessionConfig
from frappe.scoring.profiles import scoring_profile
from frappe.storage.room.cluster import Cluster, free_port
from frappe.storage.room.schema import ensure_roles, migrate

PASSWORD = "bench"


def room_url(port: int, user: str, db: str = "frappe") -> str:
    """The URL of ``user`` (every role's password is ``PASSWORD``) on the bench cluster."""
    return f"postgresql://{user}:{PASSWORD}@127.0.0.1:{port}/{db}"


def seance_config(exercise_id: str, reference: str) -> SessionConfig:
    """A one-hour typing séance on ``reference``, erasing allowed, the frappe profile."""
    return SessionConfig(
        candidate=Candidate("", None),
        exercise_id=exercise_id,
        exercise_title="Banc d'essai",
        reference=reference,
        settings=RecordSettings(
            time_limit_s=3600, backspace_allowed=True, profile=scoring_profile("frappe")
        ),
    )


@contextmanager
def room_cluster(prefix: str, *, databases: tuple[str, ...] = ("frappe",)) -> Iterator[Cluster]:
    """A started cluster with frappe's roles and ``databases``; the first one migrated to the
    current schema (the others are left for the caller). Stopped and removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix=prefix))
    base.chmod(0o755)  # the service user (as root) must reach its cluster folder
    cluster = Cluster(base / "pgdata", port=free_port())
    cluster.init(PASSWORD)
    cluster.start()
    try:
        admin = room_url(cluster.port, "frappe_admin", "postgres")
        with psycopg.connect(admin, autocommit=True) as conn:
            ensure_roles(conn, trainer_password=PASSWORD, seat_password=PASSWORD)
            for database in databases:
                conn.execute(f"CREATE DATABASE {database}")
        with psycopg.connect(
            room_url(cluster.port, "frappe_admin", databases[0]), autocommit=True
        ) as conn:
            migrate(conn)
        yield cluster
    finally:
        cluster.stop(mode="fast")
        shutil.rmtree(base, ignore_errors=True)
