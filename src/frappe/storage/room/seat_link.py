"""The seat's link to the room server, as the journal sender sees it.

A thin layer over :mod:`frappe.storage.room.client` that sorts the server's errors into what
a seat does about them: retry later (:class:`RoomUnavailableError`: server down, network cut,
server disk full), send again from the line the server expects (``RoomGapError``), or stop
for good (any other :class:`~frappe.errors.RoomError`: séance closed, attempt released, token
refused). It also finds the seat's URL: ``frappe room join URL``, then ``FRAPPE_ROOM_URL``,
then ``[room] url`` of ``frappe.toml``.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from frappe.errors import ConfigError, RoomError
from frappe.settings import load_settings
from frappe.storage.room import client
from frappe.storage.room.client import AttemptKey, RoomGapError

__all__ = [
    "ROOM_URL_ENV",
    "AttemptTicket",
    "PgSeatLink",
    "RoomGapError",
    "RoomUnavailableError",
    "connect_seat",
    "room_url",
    "seat_name",
]

ROOM_URL_ENV = "FRAPPE_ROOM_URL"
# Server-side failures that pass: out of disk or memory, too many connections, shutting down.
_TRANSIENT_STATES = ("53", "57P", "08")


class RoomUnavailableError(RoomError):
    """The room server cannot be reached or cannot write now: worth retrying later."""


@dataclass(frozen=True, slots=True)
class AttemptTicket:
    """What a seat needs to write to its attempt (kept next to the local journal).

    Attributes:
        attempt_id: The attempt's number on the server.
        token: The secret the server gave this seat (only its holder may write).
        seance_id: The séance.
    """

    attempt_id: int
    token: str
    seance_id: str

    @property
    def key(self) -> AttemptKey:
        """The server client's key."""
        return AttemptKey(self.attempt_id, self.token)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form kept next to the journal."""
        return {"attempt": self.attempt_id, "token": self.token, "seance": self.seance_id}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AttemptTicket:
        """Parse the JSON form (KeyError, TypeError or ValueError when malformed)."""
        return cls(int(data["attempt"]), str(data["token"]), str(data["seance"]))

    def __repr__(self) -> str:
        return f"AttemptTicket(attempt_id={self.attempt_id}, token=…, seance={self.seance_id})"


def _transient(error: RoomError) -> bool:
    cause = error.__cause__
    if not isinstance(cause, psycopg.Error):
        return False
    state = cause.sqlstate or ""
    if state.startswith("FR") or state in ("28P01", "28000", "3D000"):
        return False
    if state.startswith(_TRANSIENT_STATES):
        return True
    # No SQLSTATE: the connection failed or broke (refused, reset, timed out) — but not a
    # refused password, which psycopg reports the same way.
    text = str(cause).lower()
    return isinstance(cause, psycopg.OperationalError) and "password" not in text


@contextlib.contextmanager
def _sorted_errors() -> Iterator[None]:
    try:
        yield
    except RoomGapError:
        raise
    except RoomError as error:
        if _transient(error):
            raise RoomUnavailableError(str(error)) from error.__cause__
        raise
    except psycopg.Error as error:  # anything client.py let through
        raise RoomUnavailableError(f"serveur de salle injoignable ({error})") from error


class PgSeatLink:
    """One connection of a seat; the journal sender's ``SeatLink``."""

    def __init__(self, conn: client.Connection) -> None:
        self.conn = conn

    def append_lines(self, ticket: AttemptTicket, first_seq: int, lines: Sequence[str]) -> int:
        with _sorted_errors():
            return client.append_lines(self.conn, ticket.key, first_seq, lines)

    def hand_in(self, ticket: AttemptTicket, last_seq: int) -> None:
        with _sorted_errors():
            client.hand_in(self.conn, ticket.key, last_seq)

    def close(self) -> None:
        with contextlib.suppress(psycopg.Error):
            self.conn.close()


def connect_seat(url: str, *, timeout_s: float = 3.0) -> PgSeatLink:
    """A seat link to ``url``: RoomUnavailableError when the server cannot be reached now,
    RoomError (one line) for a malformed URL or a refused password."""
    with _sorted_errors():
        return PgSeatLink(client.connect(url, timeout_s=timeout_s, application_name="frappe-seat"))


def room_url(explicit: str | None = None) -> str | None:
    """The room this PC is a seat of: ``explicit``, else ``FRAPPE_ROOM_URL``, else ``[room]
    url`` of the settings file; None when it is not a seat. ConfigError when the settings file
    is unusable."""
    if explicit:
        return explicit
    from_env = os.environ.get(ROOM_URL_ENV, "").strip()
    if from_env:
        return from_env
    return load_settings().room.url or None


def seat_name() -> str:
    """The name the trainer sees for this PC: ``[room] seat``, else the host name."""
    try:
        name = load_settings().room.seat
    except ConfigError:
        name = None
    return name or socket.gethostname()
