"""A seat's attempt at a séance, whatever the séance's exercise: a typing test
(:mod:`frappe.runs.room_test`) or a dictation (:mod:`frappe.runs.room_dictation`).

The app's room side (``tui/room.py``) talks to the server and hands the answers here: a séance
just joined, an attempt taken over from another seat, an attempt begun on this very seat. What
runs is decided by the séance's kind; a dictation's recording is checked on this seat first
(:func:`seat_recording`), before the seat writes anything to the server.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from frappe.exercises.dictations import Dictation
from frappe.exercises.record import Candidate
from frappe.runs.common import StoragePaths
from frappe.runs.dictation import DICTATION_KINDS, RunningDictation
from frappe.runs.room_dictation import (
    RoomRunningDictation,
    rejoin_room_dictation,
    resume_room_dictation,
    seance_dictation,
    start_room_dictation,
)
from frappe.runs.room_seat import LinkStatus, SeatLink
from frappe.runs.room_test import (
    RoomRunningTest,
    rejoin_room,
    resume_room_attempt,
    start_room_test,
)
from frappe.runs.typing import RunningTest, resume_test
from frappe.storage.journal import JournalContents
from frappe.storage.room.client import SeanceInfo
from frappe.storage.room.seat_link import AttemptTicket

__all__ = [
    "RoomRunning",
    "rejoin_attempt",
    "resume_attempt",
    "seat_recording",
    "start_attempt",
]

RoomRunning = RoomRunningTest | RoomRunningDictation


def seat_recording(seance: SeanceInfo) -> Dictation | None:
    """This seat's checked copy of a dictation séance's recording (None for a typing test);
    RoomError (one French line) when it is missing or differs from the séance's."""
    if not seance.is_dictation:
        return None
    return seance_dictation(seance.exercise_id, seance.audio_sha256)


def start_attempt(
    seance: SeanceInfo,
    candidate: Candidate,
    ticket: AttemptTicket,
    storage: StoragePaths,
    connect: Callable[[], SeatLink],
    *,
    dictation: Dictation | None = None,
    clock: Callable[[], float] = time.monotonic,
    sync_interval: float = 0.5,
    on_status: Callable[[LinkStatus], None] | None = None,
) -> RoomRunning:
    """The attempt ``candidate`` just joined (``seance`` as the server returned it, with its
    config): a typing test or a dictation, journaled locally and forwarded live.
    ``dictation``: the recording already checked by :func:`seat_recording` (else checked
    now)."""
    config = seance.session_config(candidate)
    if seance.is_dictation:
        recording = dictation or seance_dictation(seance.exercise_id, seance.audio_sha256)
        return start_room_dictation(
            config,
            recording,
            ticket,
            storage,
            connect,
            clock=clock,
            sync_interval=sync_interval,
            on_status=on_status,
        )
    return start_room_test(
        config,
        ticket,
        storage,
        connect,
        clock=clock,
        sync_interval=sync_interval,
        on_status=on_status,
    )


def resume_attempt(
    seance: SeanceInfo,
    lines: Sequence[str],
    ticket: AttemptTicket,
    storage: StoragePaths,
    connect: Callable[[], SeatLink],
    *,
    clock: Callable[[], float] = time.monotonic,
    sync_interval: float = 0.5,
    on_status: Callable[[LinkStatus], None] | None = None,
) -> RoomRunning:
    """An attempt begun on another seat, rebuilt from the central journal ``lines``."""
    resume = resume_room_dictation if seance.is_dictation else resume_room_attempt
    return resume(
        lines,
        ticket,
        storage,
        connect,
        clock=clock,
        sync_interval=sync_interval,
        on_status=on_status,
    )


def rejoin_attempt(
    contents: JournalContents,
    seance: SeanceInfo,
    storage: StoragePaths,
    connect: Callable[[], SeatLink],
    *,
    clock: Callable[[], float] = time.monotonic,
    sync_interval: float = 0.5,
) -> RunningTest | RunningDictation:
    """An attempt begun on this very seat (the program stopped), from its local journal,
    forwarded again (a dictation's recording checked first)."""
    if contents.header.config.kind in DICTATION_KINDS:
        seance_dictation(seance.exercise_id, seance.audio_sha256)
        return rejoin_room_dictation(
            contents, storage, connect, clock=clock, sync_interval=sync_interval
        )
    running = resume_test(contents, storage, clock=clock, sync_interval=sync_interval)
    return rejoin_room(running, connect)
