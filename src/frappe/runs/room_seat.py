"""A seat of a room: a running test whose journal reaches the room server live.

The session writes its local journal exactly as on a lone PC (its crash safety is unchanged);
a background :class:`JournalSender` reads that file back and forwards each complete line to
the server, numbered from 1 in file order (seq 1 is the header). The local journal is the
outbox: while the server or the network is down the sender keeps trying, and once the link is
back it sends from the first line the server does not hold — no gap (the server refuses one
and says where to resume), no duplicate (a line the server already holds is compared, not
stored twice). The exam never waits for the network: the sender only reads the file.

A lone unreadable line of the local file (a write torn by a power cut, closed by the resume)
is not sent and takes no number, so the numbering is a function of the file alone: any later
run of the sender (the same program, or ``frappe`` restarted on the seat) numbers the same
lines the same way.

The attempt's ticket (its id and the secret token the server gave the seat) is kept next to
the journal (``<journal>.room``, mode 0600) until the attempt is handed in, so a seat that
was switched off sends what is left when frappe starts again (:func:`pending_tickets`).
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from frappe.errors import FrappeError, JournalError, RoomError
from frappe.storage.room.seat_link import AttemptTicket, RoomGapError, RoomUnavailableError

__all__ = [
    "AttemptTicket",
    "JournalSender",
    "LinkState",
    "LinkStatus",
    "SeatLink",
    "delete_ticket",
    "pending_tickets",
    "read_ticket",
    "ticket_path",
    "write_ticket",
]

TICKET_SUFFIX = ".room"


class SeatLink(Protocol):
    """A connection of the seat to the room server (the storage adapter implements it)."""

    def append_lines(self, ticket: AttemptTicket, first_seq: int, lines: Sequence[str]) -> int:
        """Store ``lines`` as seq ``first_seq``, ``first_seq + 1``…; lines already held are
        compared, not stored again. Returns the last seq the server holds (an empty list
        asks for it). RoomGapError when ``first_seq`` is beyond the next expected seq."""
        ...

    def hand_in(self, ticket: AttemptTicket, last_seq: int) -> None:
        """Hand the attempt in, once the server holds every line up to ``last_seq``."""
        ...

    def close(self) -> None:
        """Close the connection (never raises)."""
        ...


class LinkState(StrEnum):
    """Where the link of a seat stands."""

    CONNECTING = "connecting"
    ONLINE = "online"
    OFFLINE = "offline"
    REFUSED = "refused"
    HANDED_IN = "handed_in"


@dataclass(frozen=True, slots=True)
class LinkStatus:
    """The link as the candidate's status bar shows it.

    Attributes:
        state: Connected, cut, refused, handed in.
        pending: Lines written locally that the server does not hold yet.
        message: Why the link is down or refused (one line, French), or ``""``.
    """

    state: LinkState
    pending: int = 0
    message: str = ""

    @property
    def label(self) -> str:
        """A short French label (the status bar)."""
        if self.state is LinkState.ONLINE:
            return "Salle : connecté"
        if self.state is LinkState.HANDED_IN:
            return "Salle : remis"
        if self.state is LinkState.CONNECTING:
            return "Salle : connexion…"
        if self.state is LinkState.REFUSED:
            return "Salle : hors ligne (local)"
        waiting = f", {self.pending} ligne(s) en attente" if self.pending else ""
        return f"Salle : déconnecté{waiting} — le test continue"


@dataclass(slots=True)
class _Outbox:
    """The journal file read back: complete lines not yet held by the server."""

    fd: int
    offset: int = 0  # bytes of the file consumed
    read_seq: int = 0  # valid lines numbered so far
    queue: list[str] = field(default_factory=list)  # seq acked+1 … read_seq

    def read_new(self) -> None:
        """Number and queue the complete lines written since the last call."""
        chunks: list[bytes] = []
        position = self.offset
        while chunk := os.pread(self.fd, 1 << 16, position):
            chunks.append(chunk)
            position += len(chunk)
        data = b"".join(chunks)
        end = data.rfind(b"\n")
        if end < 0:
            return
        self.offset += end + 1
        for raw in data[: end + 1].split(b"\n")[:-1]:
            line = _valid_line(raw)
            if line is not None:
                self.read_seq += 1
                self.queue.append(line)

    def rewind(self, acked: int) -> None:
        """Queue again every line after seq ``acked`` (the server holds fewer than sent)."""
        self.offset = 0
        self.read_seq = 0
        self.queue = []
        self.read_new()
        self.queue = self.queue[acked:]


def _valid_line(raw: bytes) -> str | None:
    """A journal line as sent: a complete JSON object in UTF-8, else None (torn line)."""
    try:
        text = raw.decode("utf-8")
        if not text.strip() or not isinstance(json.loads(text), dict):
            return None
    except (UnicodeDecodeError, ValueError):
        return None
    return text


class JournalSender:
    """Forwards a journal to the room server from a background thread.

    Args:
        journal: The local journal file (kept open: archiving it moves it, the sender goes on).
        ticket: The attempt to write to.
        connect: Opens a link (RoomUnavailableError when the server cannot be reached).
        on_status: Called (from the sender's thread) when the link status changes.
        note_event: Called (from the sender's thread) with ``link_lost`` / ``link_back`` so
            the journal keeps the disconnections (the trainer sees them once back).
        idle_wait: Longest wait between two looks at the journal, in seconds (a key wakes
            the sender at once, see :meth:`wake`).
        retry_wait: Wait between two connection attempts, in seconds.
        batch: Most lines sent in one call.
    """

    def __init__(
        self,
        journal: Path,
        ticket: AttemptTicket,
        connect: Callable[[], SeatLink],
        *,
        on_status: Callable[[LinkStatus], None] | None = None,
        note_event: Callable[[str], None] | None = None,
        idle_wait: float = 0.25,
        retry_wait: float = 1.0,
        batch: int = 500,
    ) -> None:
        try:
            fd = os.open(journal, os.O_RDONLY)
        except OSError as error:
            raise JournalError(f"{journal} : journal illisible ({error.strerror})") from error
        self.journal = journal
        self.ticket = ticket
        self._connect = connect
        self._on_status = on_status
        self._note_event = note_event
        self._idle_wait = idle_wait
        self._retry_wait = retry_wait
        self._batch = batch
        self._outbox = _Outbox(fd)
        self._acked = 0
        self._link: SeatLink | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._finishing = threading.Event()
        self._done = threading.Event()
        self._was_online = False
        self._hand_in = True
        self._status = LinkStatus(LinkState.CONNECTING)
        self._thread = threading.Thread(target=self._run, name="frappe-room-sender", daemon=True)

    # -- control -----------------------------------------------------------------------------

    def start(self) -> JournalSender:
        """Start the background thread; returns self."""
        self._thread.start()
        return self

    def wake(self) -> None:
        """New lines were written: look now rather than at the next idle tick."""
        self._wake.set()

    def finish(self, *, hand_in: bool = True) -> None:
        """The session is saved: send what is left, hand in, then stop. Without
        ``hand_in`` (a journal not finished, flushed at start), stop once all is sent."""
        self._hand_in = hand_in
        self._finishing.set()
        self._wake.set()

    def wait(self, timeout: float) -> bool:
        """Wait until the attempt is handed in or refused; False on time-out."""
        return self._done.wait(timeout)

    def stop(self) -> None:
        """Stop now (what is not sent stays in the local journal, the outbox)."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    @property
    def status(self) -> LinkStatus:
        """The link's current status."""
        return self._status

    @property
    def acknowledged(self) -> int:
        """Lines the server is known to hold."""
        return self._acked

    # -- the thread --------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                if self._link is None and not self._open_link():
                    self._stop.wait(self._retry_wait)
                    continue
                try:
                    if self._step():
                        return
                except RoomGapError as error:
                    self._acked = error.expected_seq - 1
                    self._outbox.rewind(self._acked)
                except RoomUnavailableError as error:
                    self._link_down(str(error))
                except RoomError as error:
                    self._set(LinkState.REFUSED, str(error))
                    return
        finally:
            self._close_link()
            with contextlib.suppress(OSError):
                os.close(self._outbox.fd)
            self._done.set()

    def _step(self) -> bool:
        """Send what is new; hand in when finishing. True when there is nothing left to do."""
        assert self._link is not None
        outbox = self._outbox
        self._wake.clear()
        # Read the flag before the file: lines written before finish() are then all read.
        finishing = self._finishing.is_set()
        outbox.read_new()
        if outbox.queue:
            lines = outbox.queue[: self._batch]
            held = self._link.append_lines(self.ticket, self._acked + 1, lines)
            sent = max(0, min(held - self._acked, len(lines)))
            del outbox.queue[:sent]
            self._acked += sent
            if held > self._acked:  # the server holds more than this file: never overwrite
                raise RoomError(
                    f"le serveur a {held} lignes pour cette épreuve, ce poste {self._acked}"
                )
            self._set(LinkState.ONLINE)
            return False
        if finishing:
            if not self._hand_in:
                self._set(LinkState.ONLINE)
                return True
            self._link.hand_in(self.ticket, self._acked)
            self._set(LinkState.HANDED_IN)
            return True
        self._set(LinkState.ONLINE)
        self._wake.wait(self._idle_wait)
        return False

    def _open_link(self) -> bool:
        try:
            link = self._connect()
        except RoomUnavailableError as error:
            self._link_down(str(error))
            return False
        except RoomError as error:
            self._set(LinkState.REFUSED, str(error))
            self._stop.set()
            return False
        try:
            held = link.append_lines(self.ticket, 1, [])
        except RoomUnavailableError as error:
            link.close()
            self._link_down(str(error))
            return False
        except RoomError as error:
            link.close()
            self._set(LinkState.REFUSED, str(error))
            self._stop.set()
            return False
        self._link = link
        if held != self._acked:
            self._acked = held
            self._outbox.rewind(held)
        if self._was_online:
            self._event("link_back")
        self._was_online = True
        self._set(LinkState.ONLINE)
        return True

    def _link_down(self, message: str) -> None:
        self._close_link()
        if self._status.state is not LinkState.OFFLINE and self._was_online:
            self._event("link_lost")
        self._set(LinkState.OFFLINE, message)

    def _close_link(self) -> None:
        if self._link is not None:
            self._link.close()
            self._link = None

    def _event(self, kind: str) -> None:
        if self._note_event is not None:
            with contextlib.suppress(FrappeError, OSError):
                self._note_event(kind)

    def _set(self, state: LinkState, message: str = "") -> None:
        pending = max(0, self._outbox.read_seq - self._acked)
        status = LinkStatus(state, pending, message)
        if status == self._status:
            return
        self._status = status
        if self._on_status is not None:
            with contextlib.suppress(Exception):
                self._on_status(status)


# -- tickets: the attempt of a journal, kept until it is handed in ------------------------------


def ticket_path(journal: Path) -> Path:
    """``<journal dir>/<journal name>.room`` (it stays there when the journal is archived)."""
    return journal.with_name(journal.name + TICKET_SUFFIX)


def write_ticket(journal: Path, ticket: AttemptTicket) -> Path:
    """Keep the ticket of ``journal`` (0600, atomic: it holds the attempt's secret)."""
    path = ticket_path(journal)
    tmp = path.with_name(f".{path.name}.tmp")
    data = json.dumps(ticket.to_dict()).encode()
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as error:
        raise JournalError(f"{path} : écriture impossible ({error.strerror})") from error
    return path


def read_ticket(path: Path) -> AttemptTicket | None:
    """The ticket kept in ``path``, or None when it is missing or unreadable."""
    try:
        return AttemptTicket.from_dict(json.loads(path.read_bytes()))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def delete_ticket(journal: Path) -> None:
    """Forget the ticket of a journal handed in (never raises)."""
    with contextlib.suppress(OSError):
        ticket_path(journal).unlink()


def pending_tickets(journal_dir: Path) -> list[tuple[Path, AttemptTicket]]:
    """Journals of this seat not yet handed in, with their tickets, oldest first (the
    journal is looked for where it was written, then in ``archive/``)."""
    found: list[tuple[Path, AttemptTicket]] = []
    if not journal_dir.is_dir():
        return found
    for path in sorted(journal_dir.glob(f"*{TICKET_SUFFIX}")):
        ticket = read_ticket(path)
        name = path.name[: -len(TICKET_SUFFIX)]
        journal = journal_dir / name
        if not journal.exists():
            journal = journal_dir / "archive" / name
        if ticket is not None and journal.exists():
            found.append((journal, ticket))
    return found


def wait_all(senders: Sequence[JournalSender], timeout: float) -> bool:
    """Wait for several senders to finish, ``timeout`` seconds in all."""
    deadline = time.monotonic() + timeout
    return all(sender.wait(max(0.0, deadline - time.monotonic())) for sender in senders)
