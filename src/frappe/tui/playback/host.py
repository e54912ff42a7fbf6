"""The one player host: the player of one recording for whichever screen plays it — the
dictation screen, the dictation results' « écouter ce passage », the trainer's review.

It builds the player and loads the recording in a worker of the screen (or widget) that holds
it, keeps the :class:`PlayerControls` the hotkeys and the pedal drive, plays a passage (waiting
for the player when it still loads, pausing at the passage's end), and reopens a lost output in
a worker. The holder forwards its worker events to :meth:`PlayerHost.worker_changed` and says
what the outcome means for it (a status line, the journal); a finished dictation hands its host
to the results screen, so the recording is not loaded twice.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from textual.widget import Widget
from textual.worker import Worker, WorkerState

from frappe.errors import AudioError, FrappeError
from frappe.exercises.playback import PlaybackAction, PlayerPort
from frappe.tui.playback.controls import PlayerControls, PlayerFactory
from frappe.tui.workers import WorkerGroup

__all__ = ["PlayerHost", "PlayerOutcome"]

# The worker groups of a host (``player-load``, ``player-recover``).
_LOAD = WorkerGroup.PLAYER_LOAD
_RECOVER = WorkerGroup.PLAYER_RECOVER


@dataclass(frozen=True, slots=True)
class PlayerOutcome:
    """What a host's worker came to.

    Attributes:
        kind: ``loaded``, ``load_failed``, ``recovered`` or ``recover_failed``.
        error: Why it failed (None when it did not); for ``loaded``, why the passage waiting
            for the player did not play.
    """

    kind: Literal["loaded", "load_failed", "recovered", "recover_failed"]
    error: BaseException | None = None


class PlayerHost:
    """The player of one recording, its controls, and the passage being played.

    Args:
        players: Builds the player (the real one, or a test's fake).
        audio: The recording (None: none, loading fails with a French line).
        on_action: Hears the player's actions, from any thread (the dictation screen journals
            them); None ignores them.
        prepare: Runs in the loading worker once the recording is loaded (the dictation screen
            goes back to where a resumed dictation was).
    """

    def __init__(
        self,
        players: PlayerFactory,
        audio: Path | None,
        *,
        on_action: Callable[[PlaybackAction], None] | None = None,
        prepare: Callable[[PlayerPort], None] | None = None,
        missing: str = "pas d'enregistrement",
    ) -> None:
        self.players = players
        self.audio = audio
        self.controls: PlayerControls | None = None
        self.loading = False
        self._on_action = on_action
        self._prepare = prepare
        self._missing = missing
        self._pending: tuple[float, float | None] | None = None
        self._passage_end: float | None = None

    # -- loading -----------------------------------------------------------------------------

    def load(self, holder: Widget) -> bool:
        """Build the player and load the recording in a worker of ``holder`` (which forwards
        its worker events to :meth:`worker_changed`). False when loaded or under way."""
        if self.loading or self.controls is not None:
            return False
        self.loading = True
        holder.run_worker(
            self._build, thread=True, exclusive=True, exit_on_error=False, group=_LOAD
        )
        return True

    def _build(self) -> PlayerPort:
        if self.audio is None:
            raise AudioError(self._missing)
        player = self.players(self._report)
        try:
            player.load(self.audio)
            if self._prepare is not None:
                self._prepare(player)
        except BaseException:
            _close_quietly(player)
            raise
        return player

    def _report(self, action: PlaybackAction) -> None:
        if self._on_action is not None:
            self._on_action(action)

    def recover(self, holder: Widget) -> None:
        """Reopen a lost output and play on, in a worker of ``holder``."""
        controls = self.controls
        if controls is None:
            return

        def reopen() -> None:
            controls.player.recover()
            controls.player.play()

        holder.run_worker(reopen, thread=True, exclusive=True, exit_on_error=False, group=_RECOVER)

    def worker_changed(self, event: Worker.StateChanged, holder: Widget) -> PlayerOutcome | None:
        """The outcome of one of this host's workers (None: another worker, or not over)."""
        group = event.worker.group
        error = event.worker.error
        if group == _RECOVER:
            if event.state is WorkerState.SUCCESS:
                return PlayerOutcome("recovered")
            if event.state is WorkerState.ERROR and error is not None:
                return PlayerOutcome("recover_failed", error)
            return None
        if group != _LOAD:
            return None
        if event.state is WorkerState.SUCCESS:
            self.loading = False
            player: PlayerPort = event.worker.result  # type: ignore[assignment]
            if not holder.is_mounted:
                _close_quietly(player)
                return None
            self.controls = PlayerControls(player)
            pending, self._pending = self._pending, None
            if pending is not None:
                try:
                    self.play_passage(*pending)
                except FrappeError as failed:  # loaded, but the waiting passage did not play
                    return PlayerOutcome("loaded", failed)
            return PlayerOutcome("loaded")
        if event.state in (WorkerState.ERROR, WorkerState.CANCELLED):
            self.loading = False
            self._pending = None
            return PlayerOutcome("load_failed", error)
        return None

    # -- playing -----------------------------------------------------------------------------

    def play_passage(self, start_s: float, end_s: float | None = None) -> bool:
        """Play from ``start_s`` (and pause at ``end_s``). False when the player is not there
        yet: the passage plays once it is loaded (start loading with :meth:`load`). Raises
        ``AudioError`` when the player fails."""
        controls = self.controls
        if controls is None:
            self._pending = (start_s, end_s)
            return False
        self._passage_end = end_s
        try:
            controls.play_passage(max(0.0, start_s), end_s)
        except FrappeError:
            self._passage_end = None
            raise
        return True

    def forget_passage(self) -> None:
        """A key moved the player: the passage's end no longer stops it."""
        self._passage_end = None

    def pause(self) -> None:
        """Pause if playing (``AudioError`` when the player fails)."""
        self._passage_end = None
        if self.controls is not None:
            self.controls.pause()

    def check_passage_end(self) -> None:
        """Pause at the end of a passage when the player did not (a tick of the holder)."""
        controls = self.controls
        end = self._passage_end
        if controls is None or end is None:
            return
        snapshot = controls.snapshot()
        if snapshot.state != "playing":
            self._passage_end = None
        elif snapshot.position_s >= end:
            self._passage_end = None
            controls.pause()

    def hand_over(self) -> PlayerHost:
        """This host, for another holder (a finished dictation's results): a load still under
        way in the old holder's worker is given up, the new holder loads again if it needs to."""
        self.loading = False
        self._pending = None
        self._passage_end = None
        return self

    def close(self) -> None:
        """Release the player (the holder goes away)."""
        controls, self.controls = self.controls, None
        if controls is not None:
            _close_quietly(controls.player)


def _close_quietly(player: PlayerPort) -> None:
    with contextlib.suppress(Exception):
        player.close()
