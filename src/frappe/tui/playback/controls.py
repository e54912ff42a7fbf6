"""The TUI's hold on the audio player: the real factory, and the controls the hotkeys and the
foot pedal drive.

The screens only need what ``frappe.exercises.playback.PlayerPort`` describes of
``frappe.audio.player.Player``; tests give them a fake with the same methods. Every failure of
the player reaches the screen as ``AudioError`` (one French line for the status bar), never as
a crash: without sound the trainee keeps typing, and playback goes on when the device is back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from frappe.audio.player import Player
from frappe.errors import AudioError, FrappeError
from frappe.exercises.playback import PlaybackAction, PlaybackCommand, PlayerPort, run_command

__all__ = [
    "VOLUME_STEP",
    "PlayerControls",
    "PlayerFactory",
    "PlayerSnapshot",
    "real_player_factory",
    "state_name",
]

VOLUME_STEP = 0.1
MAX_VOLUME = 1.0
LOOP_LENGTH_S = 5.0


# Builds a player that reports each playback action to the given callback (any thread).
PlayerFactory = Callable[[Callable[[PlaybackAction], None]], PlayerPort]


def state_name(state: object) -> str:
    """``playing``, ``paused``, ``stopped``, ``ended`` or ``device_lost`` for an enum member
    or a string."""
    value = getattr(state, "value", state)
    return str(value).lower()


def real_player_factory(device: int | str | None = None) -> PlayerFactory:
    """The factory of the real player (``frappe.audio.player.Player``) on ``device``."""

    def build(on_action: Callable[[PlaybackAction], None]) -> PlayerPort:
        try:
            return Player(device, on_action=on_action)
        except FrappeError:
            raise  # no PortAudio, no output device: the player's own French message
        except Exception as error:
            raise AudioError(f"lecteur audio indisponible : {error}") from error

    return build


@dataclass(frozen=True, slots=True)
class PlayerSnapshot:
    """What the status bar shows of the player.

    Attributes:
        state: ``playing``, ``paused``, ``stopped``, ``ended``, ``device_lost``.
        position_s: Position in the recording.
        duration_s: Length of the recording.
        speed: Playback speed.
        volume: Volume 0–1.
        looping: A section is being looped.
        device: Output device name, if known.
    """

    state: str
    position_s: float
    duration_s: float
    speed: float
    volume: float
    looping: bool
    device: str


class PlayerControls:
    """The commands on a player, plus what the player does not report (volume, loop): the
    hotkeys and the foot pedal (``tui.playback.pedal.PedalLink``) both run them here.

    Every method raises ``AudioError`` when the player fails; none of them blocks for long
    (``recover`` and loading go through the screen's workers). ``run`` may be called from the
    pedal's thread: the player is thread-safe, and the pedal's commands keep no state here.
    """

    def __init__(self, player: PlayerPort, *, volume: float = 1.0) -> None:
        self.player = player
        self.volume = volume
        self.looping = False

    @property
    def state(self) -> str:
        """The player's state name."""
        return state_name(self.player.state)

    @property
    def device_lost(self) -> bool:
        """The output device went away."""
        return self.state == "device_lost"

    def snapshot(self) -> PlayerSnapshot:
        """The player as the status bar shows it."""
        player = self.player
        return PlayerSnapshot(
            state=self.state,
            position_s=player.position_s,
            duration_s=player.duration_s,
            speed=player.speed,
            volume=self.volume,
            looping=self.looping,
            device=player.device_name,
        )

    def run(self, action: PlaybackCommand) -> None:
        """Run one command (``play_pause``, ``back``… as in ``hotkeys.HOTKEYS``; ``play`` and
        ``pause`` for a pedal held then released)."""
        try:
            self._run(action)
        except FrappeError:
            raise
        except Exception as error:  # a library error the player did not translate
            raise AudioError(f"lecteur audio : {error}") from error

    def _run(self, action: PlaybackCommand) -> None:
        player = self.player
        if action == "loop":
            if self.looping:
                player.clear_loop()
            else:
                player.loop_current_section(LOOP_LENGTH_S)
            self.looping = not self.looping
        elif action in ("volume_up", "volume_down"):
            step = VOLUME_STEP if action == "volume_up" else -VOLUME_STEP
            self.volume = round(min(MAX_VOLUME, max(0.0, self.volume + step)), 2)
            player.set_volume(self.volume)
        else:
            try:
                run_command(player, action)
            except ValueError:  # a command name from outside the typed tables
                raise ValueError(f"unknown player action {action!r}") from None

    def play_passage(self, start_s: float, end_s: float | None = None) -> None:
        """Play from ``start_s`` (the results screen's "play this passage"), pausing by
        itself at ``end_s`` when given (cut into the samples: exact on a paced device)."""
        try:
            if self.looping:
                self.player.clear_loop()
                self.looping = False
            if end_s is not None:
                self.player.play_range(start_s, end_s)
                return
            self.player.seek(start_s)
            if self.state != "playing":
                self.player.play(rewind=False)
        except FrappeError:
            raise
        except Exception as error:
            raise AudioError(f"lecteur audio : {error}") from error

    def pause(self) -> None:
        """Pause if playing (the exercise ends, a passage is over)."""
        try:
            if self.state == "playing":
                self.player.pause()
        except FrappeError:
            raise
        except Exception as error:
            raise AudioError(f"lecteur audio : {error}") from error
