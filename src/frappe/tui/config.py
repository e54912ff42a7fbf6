"""The app's configuration, built once by the command line (or a test) and handed down."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from frappe.exercises.record import Candidate
from frappe.runs.common import StoragePaths
from frappe.runs.typing import TypingSpec

if TYPE_CHECKING:
    from frappe.runs.dictation import DictationSpec
    from frappe.settings import Settings
    from frappe.storage.journal import JournalContents
    from frappe.tui.playback.controls import PlayerFactory
    from frappe.tui.playback.pedal import PedalFactory

__all__ = [
    "AppConfig",
    "DictationOptions",
    "StartDashboard",
    "StartDictation",
    "StartExam",
    "StartResume",
    "StartRoomTake",
    "StartScreen",
    "parse_device",
]


@dataclass(frozen=True, slots=True)
class DictationOptions:
    """How the dictation screens reach the audio hardware.

    The command line's flags fill it; what they leave unset (None) comes from the settings
    file (:meth:`with_settings`), so the settings screen's choice applies everywhere and a flag
    still overrides it.

    Attributes:
        device: Output device (index or name), None for the default.
        pedal: The pedal's path (``/dev/hidraw*``, a udev symlink, a FIFO…); None looks for a
            known pedal plugged in.
        auto_pedal: Without ``pedal``, look for one (no message when there is none); False
            (``--no-pedal``, ``enabled = false``) means no pedal at all.
        pedal_profile: The pedal profile to read ``pedal`` with (``vec``…), None: found.
        player_factory: Builds the player (None: the real one on ``device``); tests pass a fake.
        pedal_factory: Starts the pedal link (None: the real one on ``pedal``).
    """

    device: int | str | None = None
    pedal: Path | None = None
    auto_pedal: bool = True
    pedal_profile: str | None = None
    player_factory: PlayerFactory | None = None
    pedal_factory: PedalFactory | None = None

    def with_settings(self, settings: Settings) -> DictationOptions:
        """These options, with what they leave unset taken from ``settings``."""
        device = self.device if self.device is not None else parse_device(settings.audio.device)
        pedal, profile, auto = self.pedal, self.pedal_profile, self.auto_pedal
        if auto and pedal is None:
            if not settings.pedal.enabled:
                auto = False
            elif settings.pedal.path:
                pedal = Path(settings.pedal.path)
        if profile is None and auto:
            profile = settings.pedal.profile
        return dataclasses.replace(
            self, device=device, pedal=pedal, pedal_profile=profile, auto_pedal=auto
        )

    @property
    def wants_pedal(self) -> bool:
        """A pedal was asked for: its absence is worth a message."""
        return self.pedal is not None or self.pedal_factory is not None

    def pedals(self) -> PedalFactory | None:
        """The pedal factory to use (None: no pedal)."""
        if self.pedal_factory is not None:
            return self.pedal_factory
        if self.pedal is None and not self.auto_pedal:
            return None
        # The pedal's reader (and its HID code) only when a dictation asks for it.
        from frappe.tui.playback.pedal import real_pedal_factory  # noqa: PLC0415

        return real_pedal_factory(self.pedal, profile=self.pedal_profile)

    def players(self) -> PlayerFactory:
        """The player factory to use."""
        if self.player_factory is not None:
            return self.player_factory
        from frappe.tui.playback.controls import real_player_factory  # noqa: PLC0415

        return real_player_factory(self.device)


def parse_device(value: str | None) -> int | str | None:
    """A device index (``3``) or a name (``USB Headset``); None or blank: the default."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    return int(value) if value.isdigit() else value


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
        dictation: How the dictation screens reach the audio hardware (``frappe dictation``'s
            flags; what they leave unset comes from the settings file when a screen opens).
    """

    storage: StoragePaths = field(default_factory=StoragePaths.default)
    texts_dir: Path | None = None
    clock: Callable[[], float] = time.monotonic
    tick_interval: float = 0.2
    sync_interval: float = 0.5
    check_journals: bool = True
    room_url: str | None = None
    dictation: DictationOptions = field(default_factory=DictationOptions)


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


@dataclass(frozen=True, slots=True)
class StartDictation:
    """Open straight on one dictation, new or resumed (``frappe dictation``); an evaluation is
    an exam seat, like ``frappe typing``.

    Attributes:
        spec: The dictation to start.
        resume: An unfinished journal of the same dictation to go on with instead.
    """

    spec: DictationSpec
    resume: JournalContents | None = None


StartScreen = StartExam | StartResume | StartRoomTake | StartDashboard | StartDictation | None
