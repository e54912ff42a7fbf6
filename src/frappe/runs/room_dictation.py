"""A dictation taken on a seat of a room: the lone-PC dictation run (session, local journal,
result file, history) plus the live copy of its journal on the room server — the same sender
and outbox as a typing séance (:mod:`frappe.runs.room_test`).

The recording is not sent over the network: each seat plays its own copy, found in its
bundled or trainer corpus by the dictation's id, and checked first against the SHA-256 the
trainer's copy had when the séance was opened (:func:`seance_dictation`). A seat whose copy is
missing or different refuses the séance in one French line, before joining it.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from frappe.errors import ExerciseError, FrappeError, RoomError, os_problem
from frappe.exercises.dictations import Dictation, find_dictation
from frappe.exercises.session import SessionConfig
from frappe.runs.common import StoragePaths, open_journaled_session
from frappe.runs.dictation import (
    RunningDictation,
    SavedTranscription,
    resume_dictation,
)
from frappe.runs.room_seat import JournalSender, LinkStatus, SeatLink, read_ticket, ticket_path
from frappe.runs.room_test import attach_sender, hand_in_after_save, import_central_journal
from frappe.storage.journal import JournalContents, read_journal
from frappe.storage.room.seat_link import AttemptTicket

__all__ = [
    "AudioFingerprint",
    "RoomRunningDictation",
    "audio_fingerprint",
    "rejoin_room_dictation",
    "resume_room_dictation",
    "seance_dictation",
    "start_room_dictation",
]

_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class AudioFingerprint:
    """A dictation's recording as a séance names it.

    Attributes:
        sha256: SHA-256 of the audio file (hex).
        duration_s: Its length in seconds (None: unknown).
    """

    sha256: str
    duration_s: float | None


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as audio:
        while chunk := audio.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _unreadable(dictation: Dictation, error: OSError) -> str:
    """Why the recording cannot be read, in French (« audio.ogg introuvable »)."""
    if isinstance(error, FileNotFoundError):
        return f"{dictation.audio.name} introuvable"
    return f"{dictation.audio.name} : {os_problem(error)}"


def audio_fingerprint(dictation: Dictation) -> AudioFingerprint:
    """The recording of ``dictation`` (the trainer opens a séance with it). ExerciseError
    (one French line) when the audio file cannot be read."""
    try:
        sha = _file_sha256(dictation.audio)
    except OSError as error:
        raise ExerciseError(
            f"dictée {dictation.id} : enregistrement illisible ({_unreadable(dictation, error)})"
        ) from error
    duration = dictation.duration_s if dictation.duration_s > 0 else None
    return AudioFingerprint(sha, duration)


def seance_dictation(exercise_id: str, audio_sha256: str | None) -> Dictation:
    """The seat's own copy of a séance's dictation, its recording checked against the hash
    stored with the séance. RoomError (one French line) when it is missing or differs."""
    try:
        dictation = find_dictation(exercise_id)
    except ExerciseError as error:
        raise RoomError(
            f"la dictée {exercise_id} de la séance est absente de ce poste : installez-la "
            "(corpus du formateur) ou changez de poste"
        ) from error
    if audio_sha256 is None:
        raise RoomError(
            f"la séance ne donne pas l'empreinte de l'enregistrement de la dictée {exercise_id} : "
            "le formateur doit la rouvrir avec ce frappe"
        )
    try:
        found = _file_sha256(dictation.audio)
    except OSError as error:
        raise RoomError(
            f"l'enregistrement de la dictée {exercise_id} est absent ou illisible sur ce poste "
            f"({_unreadable(dictation, error)})"
        ) from error
    if found != audio_sha256:
        raise RoomError(
            f"l'enregistrement de la dictée {exercise_id} sur ce poste diffère de celui de la "
            "séance (empreinte SHA-256) : copiez celui du formateur"
        )
    return dictation


@dataclass(slots=True)
class RoomRunningDictation(RunningDictation):
    """A dictation whose journal also goes to the room server.

    Attributes:
        sender: Forwards the journal (stopped once the dictation is handed in).
        ticket: The attempt on the server.
    """

    sender: JournalSender | None = None
    ticket: AttemptTicket | None = None

    def save(self, results_dir: Path | None = None) -> SavedTranscription:
        """Save locally exactly as on a lone PC, then hand in (waiting a little)."""
        journal_path = self.journal.path
        saved = RunningDictation.save(self, results_dir)
        hand_in_after_save(self.sender, journal_path)
        return saved

    def link_label(self) -> str:
        """The link state for the status bar."""
        return "" if self.sender is None else self.sender.status.label

    def abandon(self) -> None:
        """The program quits mid-dictation: stop sending (the journal stays, to resume)."""
        if self.sender is not None:
            self.sender.stop()


def _attach(
    running: RunningDictation,
    ticket: AttemptTicket,
    connect: Callable[[], SeatLink],
    on_status: Callable[[LinkStatus], None] | None,
) -> RoomRunningDictation:
    sender = attach_sender(running.session, running.journal, ticket, connect, on_status)
    room = RoomRunningDictation(
        running.session,
        running.journal,
        running.results_dir,
        running.db_path,
        running.mode,
        running.dictation,
        sender=sender,
        ticket=ticket,
    )
    sender.start()
    return room


def start_room_dictation(
    config: SessionConfig,
    dictation: Dictation,
    ticket: AttemptTicket,
    storage: StoragePaths,
    connect: Callable[[], SeatLink],
    *,
    clock: Callable[[], float] = time.monotonic,
    sync_interval: float = 0.5,
    on_status: Callable[[LinkStatus], None] | None = None,
) -> RoomRunningDictation:
    """A new dictation on a seat (the séance's ``config``, the seat's checked copy of
    ``dictation``): journaled locally from its first line, forwarded live."""
    session, journal, results_dir = open_journaled_session(
        config, storage, "exam", clock=clock, sync_interval=min(1.0, sync_interval)
    )
    running = RunningDictation(session, journal, results_dir, storage.db_path, "exam", dictation)
    return _attach(running, ticket, connect, on_status)


def resume_room_dictation(
    lines: Sequence[str],
    ticket: AttemptTicket,
    storage: StoragePaths,
    connect: Callable[[], SeatLink],
    *,
    clock: Callable[[], float] = time.monotonic,
    sync_interval: float = 0.5,
    on_status: Callable[[LinkStatus], None] | None = None,
) -> RoomRunningDictation:
    """Go on, on this seat, with a dictation begun on another one: the central journal
    becomes this seat's local journal, then the dictation resumes from it — the document
    typed so far, the time left, the place in the recording — and goes on being forwarded."""
    path = import_central_journal(lines, storage)
    contents = read_journal(path)
    running = resume_dictation(contents, storage, clock=clock, sync_interval=sync_interval)
    return _attach(running, ticket, connect, on_status)


def rejoin_room_dictation(
    contents: JournalContents,
    storage: StoragePaths,
    connect: Callable[[], SeatLink],
    *,
    clock: Callable[[], float] = time.monotonic,
    sync_interval: float = 0.5,
    on_status: Callable[[LinkStatus], None] | None = None,
) -> RunningDictation:
    """A dictation resumed on this seat from its own local journal (the program had
    stopped), forwarded again when its journal belongs to a room attempt."""
    running = resume_dictation(contents, storage, clock=clock, sync_interval=sync_interval)
    ticket = read_ticket(ticket_path(contents.path))
    if ticket is None:
        return running
    try:
        return _attach(running, ticket, connect, on_status)
    except FrappeError:
        running.journal.close()
        raise
