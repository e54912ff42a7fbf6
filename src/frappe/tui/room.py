"""The app's side of a seat: what the room offers (open séances, attempts to resume on this
PC), watched through the server's notifications, and joining or resuming an attempt.

The watcher runs in its own thread and hands what it learns to the app
(``App.call_from_thread``); a server that is down only hides the room entries of the home
screen, it never stops the app.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass

from frappe.errors import FrappeError, RoomError
from frappe.exercises.record import Candidate
from frappe.runs.dictation import RunningDictation
from frappe.runs.room_attempt import (
    RoomRunning,
    rejoin_attempt,
    resume_attempt,
    seat_recording,
    start_attempt,
)
from frappe.runs.room_seat import read_ticket, ticket_path
from frappe.runs.room_test import flush_outbox
from frappe.runs.typing import RunningTest
from frappe.settings import seat_name
from frappe.storage.journal import unfinished_journals
from frappe.storage.room import client
from frappe.storage.room.seat_link import (
    AttemptTicket,
    PgSeatLink,
    connect_seat,
    describe_room,
    describe_seance,
    with_link_checks,
)
from frappe.tui.config import AppConfig

__all__ = ["RoomOffer", "SeatRoom", "trainer_url"]

_WATCH_RETRY_S = 2.0
_REFRESH_EVENTS = frozenset({"open", "close", "release", "resume", "hand_in"})


@dataclass(frozen=True, slots=True)
class RoomOffer:
    """What the room offers this seat now.

    Attributes:
        seances: The open séances.
        released: Attempts the trainer released (their PC died), with their séance.
        online: Whether the server answered.
        message: Why it did not (one line), or ``""``.
    """

    seances: tuple[client.SeanceInfo, ...] = ()
    released: tuple[tuple[client.SeanceInfo, client.ReleasedAttempt], ...] = ()
    online: bool = False
    message: str = ""

    def seance_labels(self) -> list[tuple[str, str]]:
        """``(id, « Séance en cours : … — Rejoindre »)`` for each open séance."""
        return [(s.id, f"Séance en cours : {describe_seance(s)} — Rejoindre") for s in self.seances]

    def resume_labels(self) -> list[tuple[int, str]]:
        """``(attempt id, « Reprendre sur ce poste : … »)`` for each released attempt."""
        return [
            (attempt.attempt_id, f"Reprendre sur ce poste : {attempt.candidate.name} [{s.id}]")
            for s, attempt in self.released
        ]


def trainer_url() -> str | None:
    """The trainer's URL on this PC (``FRAPPE_ROOM_TRAINER_URL``, or the server that
    ``frappe room serve`` runs here), None when there is none."""
    from frappe.storage.room.server import trainer_url as find  # noqa: PLC0415

    try:
        return find()
    except RoomError:
        return None


class SeatRoom:
    """A seat's room, for the app.

    Args:
        url: The room server (seat credentials).
        config: The app's configuration (storage, clock).
        on_offer: Called in the watcher's thread with each new :class:`RoomOffer`.
    """

    def __init__(self, url: str, config: AppConfig, on_offer: Callable[[RoomOffer], None]) -> None:
        self.url = with_link_checks(url)
        self.config = config
        self.seat = seat_name()
        self._on_offer = on_offer
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._flushed = False
        self.offer = RoomOffer()

    # -- watching ----------------------------------------------------------------------------

    def watch(self) -> None:
        """Start watching the room (a daemon thread)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._watch, name="frappe-room", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop watching."""
        self._stop.set()

    def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                with (
                    client.RoomListener(self.url) as listener,
                    contextlib.closing(client.connect(self.url, timeout_s=3.0)) as conn,
                ):
                    self._publish(self._read_offer(conn))
                    if not self._flushed:
                        self._flushed = True
                        flush_outbox(self.config.storage.journal_dir, self.connect)
                    while not self._stop.is_set():
                        notes = list(listener.notifications(timeout_s=1.0))
                        if any(note.event in _REFRESH_EVENTS for note in notes):
                            self._publish(self._read_offer(conn))
            except RoomError as error:
                self._publish(RoomOffer(message=str(error)))
            self._stop.wait(_WATCH_RETRY_S)

    def _read_offer(self, conn: client.Connection) -> RoomOffer:
        seances = client.open_seances(conn)
        released = [
            (seance, attempt)
            for seance in seances
            for attempt in client.released_attempts(conn, seance.id)
        ]
        return RoomOffer(tuple(seances), tuple(released), online=True)

    def _publish(self, offer: RoomOffer) -> None:
        if offer != self.offer:
            self.offer = offer
            self._on_offer(offer)

    def status_line(self) -> str:
        """« Poste PC-07 — salle 192.168.1.10:5433 : … », for the home screen."""
        where = f"Poste {self.seat} — salle {describe_room(self.url)}"
        offer = self.offer
        if offer.online:
            count = len(offer.seances)
            if count == 0:
                return f"{where} : connecté, aucune séance ouverte"
            return f"{where} : connecté"
        reason = offer.message or "connexion…"
        return f"{where} : {reason} — les séances s'afficheront à son retour"

    # -- taking part -------------------------------------------------------------------------

    def connect(self) -> PgSeatLink:
        """A seat link (for the journal sender)."""
        return connect_seat(self.url)

    def pick_seance(self, seance_id: str | None) -> client.SeanceInfo:
        """The séance ``seance_id`` (or the only open one); RoomError says why not."""
        with contextlib.closing(client.connect(self.url, timeout_s=5.0)) as conn:
            seances = client.open_seances(conn)
        if seance_id is not None:
            wanted = seance_id.strip().upper()
            for seance in seances:
                if seance.id == wanted:
                    return seance
            raise RoomError(f"la séance {wanted} n'est pas ouverte sur le serveur de salle")
        if not seances:
            raise RoomError("aucune séance ouverte sur le serveur de salle")
        if len(seances) > 1:
            ids = ", ".join(s.id for s in seances)
            raise RoomError(f"plusieurs séances ouvertes ({ids}) : choisissez avec --seance")
        return seances[0]

    def join(self, seance_id: str, candidate: Candidate) -> RoomRunning:
        """Join the séance as ``candidate`` and start the exam (blocking: a worker thread).
        A dictation's recording is checked on this seat before joining: a seat that cannot
        play it leaves no attempt behind."""
        with contextlib.closing(client.connect(self.url, timeout_s=5.0)) as conn:
            wanted = seance_id.strip().upper()
            offered = next((s for s in client.open_seances(conn) if s.id == wanted), None)
            dictation = seat_recording(offered) if offered is not None else None
            joined = client.join_seance(conn, seance_id, candidate, seat=self.seat)
        ticket = AttemptTicket(joined.key.attempt_id, joined.key.token, joined.seance.id)
        return start_attempt(
            joined.seance,
            candidate,
            ticket,
            self.config.storage,
            self.connect,
            dictation=dictation,
            clock=self.config.clock,
            sync_interval=self.config.sync_interval,
        )

    def take(
        self, seance: client.SeanceInfo, candidate: Candidate
    ) -> RunningTest | RunningDictation:
        """``frappe room take``: the candidate's attempt already begun on this very seat
        (the PC restarted, the program was killed) goes on from the local journal; one the
        trainer released (its PC died) is taken over from the central journal; otherwise the
        seat joins the séance (blocking: a worker thread)."""
        for contents in unfinished_journals(self.config.storage.journal_dir):
            ticket = read_ticket(ticket_path(contents.path))
            who = contents.header.config.candidate
            if (
                ticket is not None
                and ticket.seance_id == seance.id
                and contents.end_reason is None
                and (who.name, who.id) == (candidate.name, candidate.id)
            ):
                return rejoin_attempt(
                    contents,
                    seance,
                    self.config.storage,
                    self.connect,
                    clock=self.config.clock,
                    sync_interval=self.config.sync_interval,
                )
        # The candidate's PC died and the trainer released the attempt: the room's script,
        # run again on this PC, takes it over (« Reprendre sur ce poste »).
        with contextlib.closing(client.connect(self.url, timeout_s=5.0)) as conn:
            released = client.released_attempts(conn, seance.id)
        for attempt in released:
            if (attempt.candidate.name, attempt.candidate.id) == (candidate.name, candidate.id):
                return self.resume(attempt.attempt_id, seance)
        return self.join(seance.id, candidate)

    def resume(self, attempt_id: int, seance: client.SeanceInfo | None = None) -> RoomRunning:
        """Take over a released attempt of ``seance`` (None: the one the home screen offers
        it in) on this seat (blocking: a worker thread). For a dictation, this seat's
        recording is checked before the attempt is taken over."""
        if seance is None:
            seance = next((s for s, a in self.offer.released if a.attempt_id == attempt_id), None)
        if seance is not None:
            seat_recording(seance)
        with contextlib.closing(client.connect(self.url, timeout_s=5.0)) as conn:
            resumed = client.resume_attempt(conn, attempt_id, seat=self.seat)
        ticket = AttemptTicket(attempt_id, resumed.key.token, resumed.seance.id)
        try:
            return resume_attempt(
                resumed.seance,
                list(resumed.lines),
                ticket,
                self.config.storage,
                self.connect,
                clock=self.config.clock,
                sync_interval=self.config.sync_interval,
            )
        except FrappeError as error:
            raise RoomError(f"reprise impossible sur ce poste : {error}") from error
