from __future__ import annotations

import psycopg

from postgres_server import RoomDatabase


def test_server_runs(room_db: RoomDatabase) -> None:
    with psycopg.connect(room_db.admin_url) as conn:
        row = conn.execute("SELECT max(version) FROM frappe.schema_version").fetchone()
    assert row == (2,)
