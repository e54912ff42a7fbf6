"""The foot pedal behind the dictation screen: ``frappe.audio.pedal``'s reader and controller
driving the player through the same controls as the hotkeys, reporting its state and problems
to the screen.

The reader thread runs the pedal's commands on the controls itself (hold-to-play needs press
and release, which only the pedal tells), and the screen hears about them through the player's
actions, like for a hotkey. An unplugged pedal is a message in the status bar, and ``retry``
reopens it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

from frappe.audio.pedal import (
    PedalController,
    PedalEvent,
    PedalProfile,
    PedalReader,
    find_pedal,
    pedal_label,
)
from frappe.errors import FrappeError, PedalError
from frappe.tui.playback.controls import PlayerControls

__all__ = ["PEDAL_RETRY_S", "PedalFactory", "PedalLink", "PedalPort", "real_pedal_factory"]

StateCallback = Callable[[str], None]
ErrorCallback = Callable[[FrappeError], None]


class PedalPort(Protocol):
    """What the dictation screen needs of a running pedal link (:class:`PedalLink`).

    A pedal factory receives the player's controls and two callbacks, callable from any thread:
    ``on_state(text)`` (pedal pressed, released, reconnected) and ``on_error(error)`` (the pedal
    unplugged: ``PedalError``; the player failing on a pedal action: ``AudioError``).
    """

    @property
    def name(self) -> str:
        """The pedal's name for the status bar."""
        ...

    def retry(self) -> None:
        """Reopen an unplugged pedal (PedalError while it is still away)."""

    def close(self) -> None:
        """Stop reading the pedal."""


PedalFactory = Callable[[PlayerControls, StateCallback, ErrorCallback], PedalPort]
# How often an unplugged pedal is looked for again, seconds.
PEDAL_RETRY_S = 3.0


class PedalLink:
    """A pedal read in the background, its presses run as commands on the player's controls.

    Args:
        path: The ``/dev/hidraw*`` node; None finds the first known pedal plugged in.
        controls: What the pedal drives (the same controls as the hotkeys).
        on_state: Hears the pedal's state line (name, pedals held), from any thread.
        on_error: Hears pedal problems (``PedalError``) and the player's own failures on a
            pedal action (``AudioError``), from any thread.
        profiles: Known pedal profiles by USB id (None: built-in and the user's own).
        profile: The profile to read ``path`` with (id, USB id or name; None: found from the
            path's USB id or the user's choices in ``pedals.toml``).

    Raises:
        PedalError: No pedal (or not readable).
    """

    def __init__(
        self,
        path: Path | None,
        controls: PlayerControls,
        on_state: StateCallback,
        on_error: ErrorCallback,
        *,
        profiles: Mapping[str, PedalProfile] | None = None,
        profile: str | None = None,
    ) -> None:
        node, found = find_pedal(profiles, path=path, profile=profile)
        self.profile = found
        self._on_state = on_state
        self._on_error = on_error
        self.controller = PedalController(
            controls.run, found.roles, found.play_mode, on_error=on_error
        )
        self.reader = PedalReader(
            found, node, self._event, self._reader_error, rediscover=path is None
        )
        try:
            self.reader.start()
        except PedalError:
            self.controller.close()
            raise

    @property
    def name(self) -> str:
        """The pedal's name."""
        return self.profile.name

    def describe(self) -> str:
        """``VEC Infinity IN-USB`` or ``VEC Infinity IN-USB (gauche)`` while a pedal is held."""
        held = sorted(self.reader.held)
        if not held:
            return self.name
        return f"{self.name} ({', '.join(pedal_label(p) for p in held)})"

    def _event(self, event: PedalEvent) -> None:
        self.controller.handle(event)
        self._on_state(self.describe())

    def _reader_error(self, error: FrappeError) -> None:
        self._on_error(error)

    def retry(self) -> None:
        """Reopen an unplugged pedal (PedalError while it is still away)."""
        self.reader.reconnect()
        self._on_state(self.describe())

    def close(self) -> None:
        """Stop the reader and the controller."""
        self.reader.stop()
        self.controller.close()


def real_pedal_factory(
    path: Path | None,
    profiles: Mapping[str, PedalProfile] | None = None,
    profile: str | None = None,
) -> Callable[[PlayerControls, StateCallback, ErrorCallback], PedalLink]:
    """A factory of ``PedalLink`` on ``path`` (None: the first known pedal plugged in), read
    with ``profile`` when given."""

    def build(
        controls: PlayerControls, on_state: StateCallback, on_error: ErrorCallback
    ) -> PedalLink:
        return PedalLink(path, controls, on_state, on_error, profiles=profiles, profile=profile)

    return build
