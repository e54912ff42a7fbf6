"""The seat's link to the room server, as the journal sender sees it.

A thin layer over :mod:`frappe.storage.room.client` that sorts the server's errors into what
a seat does about them: retry later (:class:`RoomUnavailableError`: server down, network cut,
server disk full), send again from the line the server expects (``RoomGapError``), or stop
for good (any other :class:`~frappe.errors.RoomError`: séance closed, attempt released, token
refused).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import psycopg

from frappe.errors import RoomError
from frappe.storage.room import client
from frappe.storage.room.client import AttemptKey, RoomGapError

__all__ = [
    "AttemptTicket",
    "PgSeatLink",
    "RoomGapError",
    "RoomUnavailableError",
    "connect_seat",
    "describe_room",
    "describe_seance",
    "open_seances_at",
    "with_link_checks",
]

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


# A cable pulled or a switch off drops no connection by itself: without these, a send waits
# for TCP's own give-up (many minutes). Unacknowledged data fails after 4 s; an idle link is
# probed after 2 s and given up 3 probes later.
_LINK_CHECKS = {
    "tcp_user_timeout": "4000",
    "keepalives": "1",
    "keepalives_idle": "2",
    "keepalives_interval": "1",
    "keepalives_count": "3",
}


def with_link_checks(url: str) -> str:
    """``url`` with the TCP checks above (those the URL sets itself are kept)."""
    query = urlsplit(url).query if "://" in url else ""
    present = {part.split("=", 1)[0] for part in query.split("&") if part}
    extra = "&".join(f"{k}={v}" for k, v in _LINK_CHECKS.items() if k not in present)
    if not extra:
        return url
    return f"{url}{'&' if '?' in url else '?'}{extra}"


def connect_seat(url: str, *, timeout_s: float = 3.0) -> PgSeatLink:
    """A seat link to ``url``: RoomUnavailableError when the server cannot be reached now,
    RoomError (one line) for a malformed URL or a refused password."""
    with _sorted_errors():
        return PgSeatLink(
            client.connect(
                with_link_checks(url), timeout_s=timeout_s, application_name="frappe-seat"
            )
        )


def describe_room(url: str) -> str:
    """``host:port`` of a room URL (never its password)."""
    try:
        parts = urlsplit(url)
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.hostname or '?'}{port}"
    except ValueError:
        return "?"


def describe_seance(seance: client.SeanceInfo) -> str:
    """« T04 — Lettre d'admission (10 min, groupe B) [K7M2QX] »: what a seat shows."""
    minutes = seance.duration_s / 60
    length = f"{minutes:g} min" if minutes >= 1 else f"{seance.duration_s:g} s"
    group = f", groupe {seance.group_name}" if seance.group_name else ""
    title = seance.exercise_title or seance.exercise_id
    return f"{title} ({length}{group}) [{seance.id}]"


def open_seances_at(url: str) -> list[str]:
    """Check ``url`` is a frappe room a seat can use; the open séances, described. RoomError
    (one line) when it is not: malformed, refused password, server down, not a frappe room."""
    with contextlib.closing(client.connect(url, timeout_s=5.0)) as conn:
        try:
            seances = client.open_seances(conn)
        except RoomError as error:
            cause = error.__cause__
            if isinstance(cause, psycopg.Error) and cause.sqlstate in ("42883", "3F000"):
                raise RoomError(
                    f"{describe_room(url)} n'est pas un serveur de salle frappe "
                    "(« frappe room serve » ou « frappe room init » le prépare)"
                ) from error
            raise
    return [describe_seance(seance) for seance in seances]
