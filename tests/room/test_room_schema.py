"""Room schema versions: explicit, applied in order, each once, tested from every older
version."""

from __future__ import annotations

import psycopg
import pytest

from frappe.errors import RoomError
from frappe.storage.room.schema import latest_version, migrate, migrations, schema_version
from support.postgres_server import RoomDatabase


def test_migrations_are_numbered_from_one() -> None:
    assert [m.version for m in migrations()] == list(range(1, latest_version() + 1))
    assert latest_version() >= 2


def test_empty_database_is_brought_to_the_latest_version(empty_db: str) -> None:
    with psycopg.connect(empty_db, autocommit=True) as conn:
        assert schema_version(conn) == 0
        assert migrate(conn) == list(range(1, latest_version() + 1))
        assert schema_version(conn) == latest_version()
        assert migrate(conn) == []  # again: nothing to do
        owner = conn.execute(
            "SELECT tableowner FROM pg_tables WHERE schemaname = 'frappe'"
            " AND tablename = 'journal_line'"
        ).fetchone()
    assert owner == ("frappe_owner",)


def test_each_older_version_migrates_with_its_data(empty_db: str) -> None:
    with psycopg.connect(empty_db, autocommit=True) as conn:
        assert migrate(conn, target=1) == [1]
        conn.execute(
            "INSERT INTO frappe.seance (id, config, kind, exercise_id, reference_sha256,"
            " duration_s, profile_name) VALUES ('OLD001', '{}', 'typing', 't01', 'x', 60,"
            " 'frappe')"
        )
        assert migrate(conn) == list(range(2, latest_version() + 1))
        seances = conn.execute("SELECT id FROM frappe.seance").fetchall()
        assert seances == [("OLD001",)]
        # Version 2's functions exist and the seat role may call them.
        allowed = conn.execute(
            "SELECT has_function_privilege('frappe_seat',"
            " 'frappe.seat_append(bigint, text, integer, text[])', 'EXECUTE')"
        ).fetchone()
    assert allowed == (True,)


def test_a_newer_schema_is_refused(empty_db: str) -> None:
    with psycopg.connect(empty_db, autocommit=True) as conn:
        migrate(conn)
        conn.execute(
            "INSERT INTO frappe.schema_version (version, name) VALUES (%s, 'future.sql')",
            (latest_version() + 1,),
        )
        with pytest.raises(RoomError, match="plus récent que ce frappe"):
            migrate(conn)


def test_the_seat_role_may_only_call_the_seat_functions(room_db: RoomDatabase) -> None:
    """Checked on every table and function of the schema, so a later migration that forgets
    to revoke a default privilege fails here."""
    with psycopg.connect(room_db.admin_url) as admin:
        tables = admin.execute(
            "SELECT c.oid::regclass::text, has_table_privilege('frappe_seat', c.oid,"
            " 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')"
            " FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'frappe' AND c.relkind IN ('r', 'v', 'm', 'S', 'p')"
        ).fetchall()
        functions = admin.execute(
            "SELECT p.proname, has_function_privilege('frappe_seat', p.oid, 'EXECUTE'),"
            " p.prosecdef FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace"
            " WHERE n.nspname = 'frappe'"
        ).fetchall()
    assert len(tables) >= 7
    assert [name for name, allowed in tables if allowed] == []
    callable_by_seat = sorted(name for name, allowed, _ in functions if allowed)
    assert callable_by_seat == [
        "seat_append",
        "seat_fetch",
        "seat_hand_in",
        "seat_join",
        "seat_open_seances",
        "seat_released",
        "seat_resume",
    ]
    assert all(definer for name, _, definer in functions if name.startswith("seat_"))


def test_a_function_added_later_is_not_callable_by_seats(room_db: RoomDatabase) -> None:
    with psycopg.connect(room_db.admin_url) as admin, admin.transaction(force_rollback=True):
        admin.execute("SET LOCAL ROLE frappe_owner")
        admin.execute("CREATE FUNCTION frappe.later_probe() RETURNS int LANGUAGE sql AS 'SELECT 1'")
        allowed = admin.execute(
            "SELECT has_function_privilege('frappe_seat', 'frappe.later_probe()', 'EXECUTE')"
        ).fetchone()
    assert allowed == (False,)
