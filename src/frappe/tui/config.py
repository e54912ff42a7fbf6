"""The app's configuration, built once by the command line (or a test) and handed down."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from frappe.exercises.record import Candidate
from frappe.runs.common import StoragePaths
from frappe.runs.typing import TypingSpec

__all__ = [
    "AppConfig",
    "StartDashboard",
    "StartExam",
    "StartResume",
    "StartRoomTake",
    "StartScreen",
]


@dataclass(frozen=True, slots=True)
class AppConfig:
    """How the app runs.

    Attributes:
        storage: Results folder, history database, journals, presets.
        texts_dir: Folder of texts (None: the bundled texts).
        clock: Monotonic clock in seconds (tests inject a fake one).
        tick_interval: How often the countdown is checked, in seconds.
        sync_interval: How often a journal is fsynced, in seconds (at most 1).
        check_journals: Look for unfinished journals at start.
        room_url: The room server this PC is a seat of (None: a lone PC, as before).
    """

    storage: StoragePaths = field(default_factory=StoragePaths.default)
    texts_dir: Path | None = None
    clock: Callable[[], float] = time.monotonic
    tick_interval: float = 0.2
    sync_interval: float = 0.5
    check_journals: bool = True
    room_url: str | None = None


@dataclass(frozen=True, slots=True)
class StartExam:
    """Open straight on an exam (``frappe typing``).

    Attributes:
        spec: The test to run.
        skip_instructions: Go straight to the typing screen.
    """

    spec: TypingSpec
    skip_instructions: bool = False


@dataclass(frozen=True, slots=True)
class StartResume:
    """Open on the resume prompt (``frappe resume [JOURNAL]``).

    Attributes:
        journal: One journal, or None for all unfinished ones.
    """

    journal: Path | None = None


@dataclass(frozen=True, slots=True)
class StartRoomTake:
    """Open straight on the room's séance for one candidate (``frappe room take``); leaving
    the results ends the program.

    Attributes:
        candidate: Who takes it.
        seance_id: The séance (None: the only open one).
        skip_instructions: Go straight to the typing screen.
    """

    candidate: Candidate
    seance_id: str | None = None
    skip_instructions: bool = False


@dataclass(frozen=True, slots=True)
class StartDashboard:
    """Open on the trainer's live view of the room (``frappe room dashboard``).

    Attributes:
        url: The room server, with the trainer's credentials.
        seance_id: The séance (None: the latest open one).
    """

    url: str
    seance_id: str | None = None


StartScreen = StartExam | StartResume | StartRoomTake | StartDashboard | None
