"""The trainer's player: the dictation status line that also owns the player of one recording.

The review screen needs what the dictation and results screens do with a player (load it in a
worker, the dictation hotkeys, play a passage and stop at its end), without a session to log
to. Packing it in the status widget keeps the screen to its own job: it only says « play from
here » or forwards a hotkey. Player failures are a line on the widget, never a crash; Esc
retries a missing player or a lost device.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from textual import work
from textual.worker import Worker, WorkerState

from frappe.errors import FrappeError
from frappe.exercises.playback import PlayerPort
from frappe.tui.playback.controls import PlayerControls, PlayerFactory
from frappe.tui.widgets.dictation.status import DictationStatus

__all__ = ["PlayerLine"]

_TICK_S = 0.2
_GROUP = "trainer-audio"


class PlayerLine(DictationStatus):
    """Player state on the first line, the screen's notices on the second."""

    def __init__(self, audio: Path, players: PlayerFactory, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.audio = audio
        self._players = players
        self.controls: PlayerControls | None = None
        self._loading = False
        self._pending: tuple[float, float | None] | None = None
        self._passage_end: float | None = None

    def on_mount(self) -> None:
        self.set_interval(_TICK_S, self.tick)
        self.load()

    def on_unmount(self) -> None:
        controls, self.controls = self.controls, None
        if controls is not None:
            with contextlib.suppress(Exception):
                controls.player.close()

    # -- loading -----------------------------------------------------------------------------

    def load(self) -> None:
        """Create the player and load the recording (in a worker), unless done or under way."""
        if self._loading or self.controls is not None:
            return
        self._loading = True
        self.show_player(None, "Chargement de l'audio…")
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group=_GROUP)
    def _load(self) -> PlayerPort:
        player = self._players(lambda _action: None)
        try:
            player.load(self.audio)
        except BaseException:
            with contextlib.suppress(Exception):
                player.close()
            raise
        return player

    @work(thread=True, exclusive=True, exit_on_error=False, group=_GROUP + "-recover")
    def _recover(self, controls: PlayerControls) -> None:
        controls.player.recover()
        controls.player.play()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        group = event.worker.group
        if not group.startswith(_GROUP):
            return
        event.stop()
        error = event.worker.error
        if group != _GROUP:  # recovery
            if event.state is WorkerState.ERROR and error is not None:
                self.show_notice(f"Audio : {error}", "error")
            return
        if event.state is WorkerState.SUCCESS:
            self._loading = False
            player: PlayerPort = event.worker.result  # type: ignore[assignment]
            if not self.is_mounted:
                with contextlib.suppress(Exception):
                    player.close()
                return
            self.controls = PlayerControls(player)
            pending, self._pending = self._pending, None
            if pending is not None:
                self.play_from(*pending)
            self.tick()
        elif event.state in (WorkerState.ERROR, WorkerState.CANCELLED):
            self._loading = False
            self._pending = None
            text = str(error) if isinstance(error, FrappeError) else f"audio illisible ({error})"
            self.show_player(None, "Pas d'audio — Échap pour réessayer")
            self.show_notice(f"Audio : {text}", "error")

    # -- playing -----------------------------------------------------------------------------

    def run(self, action: str) -> None:
        """One dictation hotkey action (``play_pause``, ``back``… as in ``keys.HOTKEYS``)."""
        self._passage_end = None
        controls = self.controls
        if controls is None:
            if action == "play_pause":
                self.load()
            return
        try:
            if controls.device_lost:
                if action == "play_pause":
                    self.show_notice("Reconnexion de la sortie audio…")
                    self._recover(controls)
                return
            controls.run(action)
        except FrappeError as error:
            self.show_notice(f"Audio : {error}", "error")
        self.tick()

    def play_from(self, start_s: float, end_s: float | None = None) -> None:
        """Play from ``start_s`` (and pause at ``end_s``); waits for the player if it loads."""
        controls = self.controls
        if controls is None:
            self._pending = (start_s, end_s)
            self.load()
            return
        self._passage_end = end_s
        try:
            controls.play_passage(max(0.0, start_s), end_s)
        except FrappeError as error:
            self._passage_end = None
            self.show_notice(f"Audio : {error}", "error")
        self.tick()

    def pause(self) -> None:
        """Pause if playing."""
        self._passage_end = None
        if self.controls is not None:
            with contextlib.suppress(FrappeError):
                self.controls.pause()

    def tick(self) -> None:
        """Redraw the player line; pause at the end of a passage."""
        controls = self.controls
        if controls is None:
            return
        try:
            snapshot = controls.snapshot()
            end = self._passage_end
            if end is not None:
                if snapshot.state != "playing":
                    self._passage_end = None
                elif snapshot.position_s >= end:
                    self._passage_end = None
                    controls.pause()
                    snapshot = controls.snapshot()
        except Exception as error:  # a failing player is shown, never raised in a timer
            self.show_player(None, f"Lecteur en panne : {error}")
            return
        self.show_player(snapshot)
