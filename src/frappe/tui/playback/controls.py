"""The dictation screen's view of the audio player: a small port, the real factory, and the
controls the hotkeys drive.

The screen only needs the methods below of ``frappe.audio.player.Player``; tests give it a fake
with the same methods. Every failure of the player reaches the screen as ``AudioError`` (one
French line for the status bar), never as a crash: without sound the trainee keeps typing, and
playback goes on when the device is back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from frappe.audio.player import PlaybackAction, Player
from frappe.errors import AudioError, FrappeError

__all__ = [
    "VOLUME_STEP",
    "PlayerControls",
    "PlayerFactory",
    "PlayerPort",
    "PlayerSnapshot",
    "real_player_factory",
    "state_name",
]

VOLUME_STEP = 0.1
MAX_VOLUME = 1.0
LOOP_LENGTH_S = 5.0


class PlayerPort(Protocol):
    """What the dictation screen uses of ``frappe.audio.player.Player``."""

    def load(self, path: Path) -> None: ...
    def play(self, *, rewind: bool = True) -> None: ...
    def play_range(self, start_s: float, end_s: float) -> None: ...
    def pause(self) -> None: ...
    def toggle(self) -> None: ...
    def close(self) -> None: ...
    def seek(self, seconds: float) -> None: ...
    def skip_back_short(self) -> None: ...
    def skip_forward_short(self) -> None: ...
    def skip_back_long(self) -> None: ...
    def skip_forward_long(self) -> None: ...
    def set_speed(self, speed: float) -> None: ...
    def faster(self) -> None: ...
    def slower(self) -> None: ...
    def back_and_slower(self) -> None: ...
    def loop_current_section(self, length_s: float = 5.0) -> None: ...
    def clear_loop(self) -> None: ...
    def go_to_start(self) -> None: ...
    def set_volume(self, volume: float) -> None: ...
    def recover(self) -> None: ...

    @property
    def position_s(self) -> float: ...

    @property
    def duration_s(self) -> float: ...

    @property
    def speed(self) -> float: ...

    @property
    def state(self) -> object: ...

    @property
    def device_name(self) -> str: ...


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
    """The hotkey actions on a player, plus what the player does not report (volume, loop).

    Every method raises ``AudioError`` when the player fails; none of them blocks for long
    (``recover`` and loading go through the screen's workers).
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

    def run(self, action: str) -> None:
        """Run one hotkey action (``play_pause``, ``back``… as in ``keys.HOTKEYS``)."""
        try:
            self._run(action)
        except FrappeError:
            raise
        except Exception as error:  # a library error the player did not translate
            raise AudioError(f"lecteur audio : {error}") from error

    def _run(self, action: str) -> None:
        player = self.player
        simple: dict[str, Callable[[], None]] = {
            "play_pause": player.toggle,
            "back": player.skip_back_short,
            "forward": player.skip_forward_short,
            "slower": player.slower,
            "faster": player.faster,
            "back_long": player.skip_back_long,
            "forward_long": player.skip_forward_long,
            "back_slower": player.back_and_slower,
            "go_to_start": player.go_to_start,
        }
        if action in simple:
            simple[action]()
        elif action == "loop":
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
            raise ValueError(f"unknown player action {action!r}")

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
