"""The room server's schema: roles, versions and migrations.

Migrations are numbered SQL files in ``migrations/`` (``0001_tables.sql``…), applied in order,
each in the same transaction as the row that records it in ``frappe.schema_version``, under an
advisory lock (two trainers running ``init`` at once apply each migration once). A server whose
schema is newer than this frappe is refused rather than guessed at.

Why not Alembic: the room schema is a few tables and PL/pgSQL functions written in SQL, with no
ORM models to diff; Alembic would bring SQLAlchemy (and its own connection layer beside
psycopg) only to run these files in order. The numbered-files runner is ~60 lines, tested from
an empty database and from each older version.

Roles (cluster-wide): ``frappe_owner`` (no login) owns the schema, tables and functions;
``frappe_trainer`` (login) is a member of it; ``frappe_seat`` (login) has no table privilege,
only EXECUTE on the ``seat_*`` SECURITY DEFINER functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

import psycopg
from psycopg import sql

from frappe.errors import RoomError

__all__ = [
    "OWNER_ROLE",
    "SCHEMA",
    "SEAT_ROLE",
    "TRAINER_ROLE",
    "Migration",
    "ensure_roles",
    "latest_version",
    "migrate",
    "migrations",
    "schema_version",
]

SCHEMA = "frappe"
OWNER_ROLE = "frappe_owner"
TRAINER_ROLE = "frappe_trainer"
SEAT_ROLE = "frappe_seat"
_LOCK = "frappe-room-schema"
Connection = psycopg.Connection[Any]


@dataclass(frozen=True, slots=True)
class Migration:
    """One numbered SQL file.

    Attributes:
        version: Its number (the schema version once applied).
        name: The file name.
        sql: Its statements.
    """

    version: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    """Every migration shipped with frappe, in order."""
    folder = resources.files("frappe.storage.room") / "migrations"
    found: list[Migration] = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql") and entry.name[:4].isdigit():
            found.append(Migration(int(entry.name[:4]), entry.name, entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise RuntimeError(f"room migrations are not numbered 1..n: {[m.name for m in found]}")
    return found


def latest_version() -> int:
    """The schema version this frappe writes."""
    return len(migrations())


def _role_exists(conn: Connection, role: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is not None


def ensure_roles(conn: Connection, *, trainer_password: str, seat_password: str) -> None:
    """Create (or re-password) the three roles; the connected user must be a superuser or
    have CREATEROLE. It becomes a member of ``frappe_owner`` so it can run the migrations."""
    try:
        with conn.transaction():
            if not _role_exists(conn, OWNER_ROLE):
                conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(OWNER_ROLE)))
            for role, password in ((TRAINER_ROLE, trainer_password), (SEAT_ROLE, seat_password)):
                verb = "ALTER" if _role_exists(conn, role) else "CREATE"
                conn.execute(
                    sql.SQL(verb + " ROLE {} LOGIN PASSWORD {}").format(
                        sql.Identifier(role), sql.Literal(password)
                    )
                )
            conn.execute(sql.SQL("ALTER ROLE {} NOINHERIT").format(sql.Identifier(SEAT_ROLE)))
            conn.execute(
                sql.SQL("GRANT {} TO {}").format(
                    sql.Identifier(OWNER_ROLE), sql.Identifier(TRAINER_ROLE)
                )
            )
            user = conn.execute("SELECT current_user").fetchone()
            assert user is not None
            if user[0] != OWNER_ROLE:
                conn.execute(
                    sql.SQL("GRANT {} TO {}").format(
                        sql.Identifier(OWNER_ROLE), sql.Identifier(str(user[0]))
                    )
                )
    except psycopg.errors.InsufficientPrivilege as error:
        raise RoomError(
            "ce compte PostgreSQL ne peut pas créer les rôles de frappe "
            "(il faut un superutilisateur ou CREATEROLE)"
        ) from error


def schema_version(conn: Connection) -> int:
    """The version of the database's room schema (0: none)."""
    row = conn.execute("SELECT to_regclass('frappe.schema_version') IS NOT NULL").fetchone()
    if row is None or not row[0]:
        return 0
    version = conn.execute("SELECT coalesce(max(version), 0) FROM frappe.schema_version").fetchone()
    return int(version[0]) if version else 0


def migrate(conn: Connection, *, target: int | None = None) -> list[int]:
    """Bring the schema to ``target`` (the latest by default); returns the versions applied.

    RoomError when the database's schema is newer than this frappe knows."""
    known = migrations()
    goal = len(known) if target is None else target
    applied: list[int] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (_LOCK,))
        conn.execute(
            sql.SQL("CREATE SCHEMA IF NOT EXISTS {} AUTHORIZATION {}").format(
                sql.Identifier(SCHEMA), sql.Identifier(OWNER_ROLE)
            )
        )
        conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(OWNER_ROLE)))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS frappe.schema_version ("
            " version integer PRIMARY KEY, name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        current = schema_version(conn)
        if current > len(known):
            raise RoomError(
                f"le schéma du serveur de salle (version {current}) est plus récent que ce "
                f"frappe (version {len(known)}) : mettez frappe à jour"
            )
        for migration in known[current:goal]:
            conn.execute(migration.sql.encode("utf-8"))
            conn.execute(
                "INSERT INTO frappe.schema_version (version, name) VALUES (%s, %s)",
                (migration.version, migration.name),
            )
            applied.append(migration.version)
    return applied
