"""The results store (:class:`frappe.storage.store.ResultStore`) on the room's PostgreSQL.

Same rows as the SQLite history (``store.result_values`` builds them for both), same
``ResultFilter`` (``store.filter_clauses`` with psycopg's ``%s``), in the tables of schema
version 3 (``frappe.results``, ``frappe.groups``, ``frappe.group_members``). Trainer
credentials only. Every database error is a :class:`StorageError` (one French line).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg

from frappe.errors import RoomError, StorageError
from frappe.exercises.record import Mode, ResultRecord
from frappe.storage.room.client import connect, translate_error
from frappe.storage.store import (
    STORED_COLUMNS,
    Group,
    ResultFilter,
    StoredResult,
    filter_clauses,
    group_from_rows,
    keep_group_members,
    result_values,
    roster_rows,
    stored_result,
)

__all__ = ["PostgresStore", "open_room_store"]


def _moment(value: datetime) -> datetime:
    return value


class PostgresStore:
    """A results store on the room server (a ``ResultStore``). Use :func:`open_room_store`,
    or wrap an existing trainer connection."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn
        with self._errors():
            # Dates come back in UTC, as from the SQLite history.
            conn.execute("SET TIME ZONE 'UTC'")

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except psycopg.Error as error:
            raise StorageError(f"résultats de la salle : {translate_error(error)}") from error

    def add(
        self,
        record: ResultRecord,
        metrics: Mapping[str, Any],
        result_path: Path,
        *,
        mode: Mode = "exam",
        seance: str | None = None,
    ) -> int:
        """Record a result (the same result file again replaces its row); the row id."""
        values = result_values(record, metrics, result_path, mode=mode, seance=seance)
        values["started_at"] = record.started_at
        values["ended_at"] = record.ended_at
        names = ", ".join(values)
        marks = ", ".join(f"%({name})s" for name in values)
        updates = ", ".join(f"{name} = excluded.{name}" for name in values if name != "result_path")
        with self._errors():
            row = self._conn.execute(
                f"INSERT INTO frappe.results ({names}) VALUES ({marks})"
                f" ON CONFLICT (result_path) DO UPDATE SET {updates}, recorded_at = now()"
                " RETURNING id",
                values,
            ).fetchone()
        assert row is not None
        return int(row[0])

    def results(self, query: ResultFilter | None = None) -> list[StoredResult]:
        """Results matching ``query`` (all when None), most recent first."""
        query = query or ResultFilter()
        group: Group | None = None
        if query.group is not None:
            group = self.group(query.group)
            if group is None:
                return []
        where, params = filter_clauses(query, group, placeholder="%s", moment=_moment)
        tail = f" LIMIT {int(query.limit)}" if query.limit and group is None else ""
        with self._errors():
            rows = self._conn.execute(
                f"SELECT {STORED_COLUMNS} FROM frappe.results{where}"
                f" ORDER BY started_at DESC, id DESC{tail}",
                params,
            ).fetchall()
        return keep_group_members([stored_result(list(row)) for row in rows], group, query.limit)

    def candidates(self) -> list[str]:
        """Distinct candidate names, alphabetical (case-insensitive)."""
        with self._errors():
            rows = self._conn.execute(
                "SELECT candidate_name FROM frappe.results GROUP BY candidate_name"
                " ORDER BY lower(candidate_name), candidate_name"
            ).fetchall()
        return [str(row[0]) for row in rows]

    def groups(self) -> list[Group]:
        """Every group with its roster, by name."""
        with self._errors():
            names = [
                str(row[0])
                for row in self._conn.execute(
                    "SELECT name FROM frappe.groups ORDER BY lower(name), name"
                ).fetchall()
            ]
        return [group for name in names if (group := self.group(name)) is not None]

    def group(self, name: str) -> Group | None:
        """The group of that exact name, or None."""
        with self._errors():
            row = self._conn.execute(
                "SELECT name, starts_on, ends_on, profile, speed_target, accuracy_target"
                " FROM frappe.groups WHERE name = %s",
                (name,),
            ).fetchone()
            if row is None:
                return None
            members = self._conn.execute(
                "SELECT name, candidate_id, aliases FROM frappe.group_members"
                " WHERE group_name = %s ORDER BY position",
                (name,),
            ).fetchall()
        return group_from_rows(row, members)

    def save_group(self, group: Group) -> None:
        """Create or replace a group and its whole roster (in one transaction)."""
        with self._errors(), self._conn.transaction():
            self._conn.execute("DELETE FROM frappe.groups WHERE name = %s", (group.name,))
            self._conn.execute(
                "INSERT INTO frappe.groups (name, starts_on, ends_on, profile, speed_target,"
                " accuracy_target) VALUES (%s, %s, %s, %s, %s, %s)",
                (
                    group.name,
                    group.starts_on,
                    group.ends_on,
                    group.profile,
                    group.speed_target,
                    group.accuracy_target,
                ),
            )
            with self._conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO frappe.group_members (group_name, position, name,"
                    " candidate_id, aliases) VALUES (%s, %s, %s, %s, %s)",
                    roster_rows(group),
                )

    def delete_group(self, name: str) -> bool:
        """Remove a group and its roster (never results); whether it existed."""
        with self._errors():
            cursor = self._conn.execute("DELETE FROM frappe.groups WHERE name = %s", (name,))
        return cursor.rowcount > 0

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()


@contextmanager
def open_room_store(url: str) -> Iterator[PostgresStore]:
    """The room server's results store (trainer URL); StorageError when unreachable."""
    try:
        conn = connect(url)
    except RoomError as error:
        raise StorageError(str(error)) from error
    store = PostgresStore(conn)
    try:
        yield store
    finally:
        store.close()
