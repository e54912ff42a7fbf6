"""The trainer's player line: the dictation status line showing a :class:`PlayerHost` — the
one player host the dictation and results screens use too.

The review screen needs what the dictation and results screens do with a player (load it in a
worker, the dictation hotkeys, play a passage and stop at its end), without a session to log
to. Packing it in the status widget keeps the screen to its own job: it only says « play from
here » or forwards a hotkey. Player failures are a line on the widget, never a crash; Esc
retries a missing player or a lost device.
"""

from __future__ import annotations

from pathlib import Path

from textual.worker import Worker

from frappe.errors import FrappeError
from frappe.exercises.playback import PlaybackCommand
from frappe.tui.playback.controls import PlayerControls, PlayerFactory
from frappe.tui.playback.host import PlayerHost
from frappe.tui.widgets.dictation.status import DictationStatus

__all__ = ["PlayerLine"]

_TICK_S = 0.2


class PlayerLine(DictationStatus):
    """Player state on the first line, the screen's notices on the second."""

    def __init__(self, audio: Path, players: PlayerFactory, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.host = PlayerHost(players, audio)

    @property
    def controls(self) -> PlayerControls | None:
        """The player's controls, once loaded."""
        return self.host.controls

    def on_mount(self) -> None:
        self.set_interval(_TICK_S, self.tick)
        self.load()

    def on_unmount(self) -> None:
        self.host.close()

    # -- loading -----------------------------------------------------------------------------

    def load(self) -> None:
        """Create the player and load the recording (in a worker), unless done or under way."""
        if self.host.load(self):
            self.show_player(None, "Chargement de l'audio…")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        outcome = self.host.worker_changed(event, self)
        if outcome is None:
            return
        event.stop()
        error = outcome.error
        if outcome.kind == "recover_failed":
            self.show_notice(f"Audio : {error}", "error")
        elif outcome.kind == "loaded":
            if error is not None:
                self.show_notice(f"Audio : {error}", "error")
            self.tick()
        elif outcome.kind == "load_failed":
            text = str(error) if isinstance(error, FrappeError) else f"audio illisible ({error})"
            self.show_player(None, "Pas d'audio — Échap pour réessayer")
            self.show_notice(f"Audio : {text}", "error")

    # -- playing -----------------------------------------------------------------------------

    def run(self, action: PlaybackCommand) -> None:
        """One dictation hotkey action (``play_pause``, ``back``… as in ``hotkeys.HOTKEYS``)."""
        self.host.forget_passage()
        controls = self.controls
        if controls is None:
            if action == "play_pause":
                self.load()
            return
        try:
            if controls.device_lost:
                if action == "play_pause":
                    self.show_notice("Reconnexion de la sortie audio…")
                    self.host.recover(self)
                return
            controls.run(action)
        except FrappeError as error:
            self.show_notice(f"Audio : {error}", "error")
        self.tick()

    def play_from(self, start_s: float, end_s: float | None = None) -> None:
        """Play from ``start_s`` (and pause at ``end_s``); waits for the player if it loads."""
        try:
            if not self.host.play_passage(start_s, end_s):
                self.load()
                return
        except FrappeError as error:
            self.show_notice(f"Audio : {error}", "error")
        self.tick()

    def pause(self) -> None:
        """Pause if playing."""
        try:
            self.host.pause()
        except FrappeError:
            return

    def tick(self) -> None:
        """Redraw the player line; pause at the end of a passage."""
        controls = self.controls
        if controls is None:
            return
        try:
            self.host.check_passage_end()
            snapshot = controls.snapshot()
        except Exception as error:  # a failing player is shown, never raised in a timer
            self.show_player(None, f"Lecteur en panne : {error}")
            return
        self.show_player(snapshot)
