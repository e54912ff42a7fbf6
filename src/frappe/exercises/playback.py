"""What a dictation's playback is, with no sound card in sight: the player's states, the
actions it reports (logged in the exercise's record), the listening statistics computed from
them, the commands a trainee gives (hotkeys, foot pedal) and the one description of a player
they drive (:class:`PlayerPort`; ``frappe.audio.player.Player`` is the real one, tests give
fakes). Pure: the audio adapter and the front ends both build on it."""

from __future__ import annotations

import enum
import functools
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol, get_args

__all__ = [
    "PEDAL_COMMANDS",
    "ListeningStats",
    "PlaybackAction",
    "PlaybackCommand",
    "PlayerPort",
    "PlayerState",
    "player_commands",
    "run_command",
]


class PlayerState(enum.Enum):
    STOPPED = "stopped"
    PLAYING = "playing"
    PAUSED = "paused"
    ENDED = "ended"
    DEVICE_LOST = "device_lost"


# What the player reports, as logged in a record's ``playback`` events. ``end`` closes the
# last playing stretch when statistics are computed; ``other`` stands for a name read from a
# record that this version does not know (kept so the stretch timing stays right).
PlaybackActionName = Literal[
    "load",
    "play",
    "resume",
    "pause",
    "stop",
    "seek",
    "skip",
    "go_to_start",
    "speed",
    "back_and_slower",
    "loop_set",
    "loop_clear",
    "loop",
    "volume",
    "tick",
    "ended",
    "range_end",
    "device_lost",
    "recover",
    "end",
    "other",
]
_ACTION_BY_NAME: dict[str, PlaybackActionName] = {
    name: name for name in get_args(PlaybackActionName)
}


def playback_action_name(text: str) -> PlaybackActionName:
    """The action name ``text`` read from a record, ``other`` when it is not one."""
    return _ACTION_BY_NAME.get(text, "other")


@dataclass(frozen=True, slots=True)
class PlaybackAction:
    """One thing that happened to playback, as logged in an exercise record.

    Attributes:
        t_monotonic_ms: ``time.monotonic()`` in milliseconds when it happened.
        action: ``load``, ``play``, ``resume`` (play after a pause, with the rewind),
            ``pause``, ``stop``, ``seek``, ``skip``, ``go_to_start``, ``speed``,
            ``back_and_slower``, ``loop_set``, ``loop_clear``, ``loop`` (a wrap), ``volume``,
            ``tick``, ``ended``, ``range_end`` (the end of a ``Player.play_range``),
            ``device_lost``, ``recover``.
        position_s: where playback was (source seconds) when it happened.
        speed: speed in force after it.
        target_s: position right after it (differs from ``position_s`` for moves).
        playing: whether sound was playing after it.
    """

    t_monotonic_ms: int
    action: PlaybackActionName
    position_s: float
    speed: float
    target_s: float
    playing: bool


@dataclass(frozen=True, slots=True)
class ListeningStats:
    """How a trainee listened, computed from a list of :class:`PlaybackAction`.

    Attributes:
        heard_s: source seconds heard at least once.
        replayed_s: source seconds heard more than once.
        playing_s: wall-clock seconds spent playing.
        time_at_speed: wall-clock seconds playing at each speed.
        pauses: number of pauses (pedal releases included).
        rewinds: number of actions that moved the position backwards.
    """

    heard_s: float
    replayed_s: float
    playing_s: float
    time_at_speed: dict[float, float] = field(default_factory=dict)
    pauses: int = 0
    rewinds: int = 0

    @classmethod
    def from_actions(cls, actions: Iterable[PlaybackAction]) -> ListeningStats:
        """Stats over ``actions``; a playing stretch counts up to the next action, so end the
        list with a ``tick`` (see ``Player.tick``) to include the ongoing stretch."""
        ordered = sorted(actions, key=lambda a: a.t_monotonic_ms)
        edges: list[tuple[float, int]] = []
        at_speed: dict[float, float] = {}
        playing_s = 0.0
        for current, following in itertools.pairwise(ordered):
            if not current.playing:
                continue
            wall = max(0, following.t_monotonic_ms - current.t_monotonic_ms) / 1000.0
            playing_s += wall
            at_speed[current.speed] = at_speed.get(current.speed, 0.0) + wall
            start, end = current.target_s, following.position_s
            if end > start:
                edges += [(start, 1), (end, -1)]
        heard = replayed = 0.0
        depth = 0
        previous = 0.0
        # Sweep over interval ends: the length where depth >= 2 was heard again.
        for point, change in sorted(edges):
            if depth >= 1:
                heard += point - previous
            if depth >= 2:
                replayed += point - previous
            depth += change
            previous = point
        pauses = sum(1 for a in ordered if a.action == "pause")
        rewinds = sum(
            1
            for a in ordered
            if a.target_s < a.position_s - 1e-3 and a.action not in ("loop", "stop", "load")
        )
        return cls(
            heard_s=round(heard, 3),
            replayed_s=round(replayed, 3),
            playing_s=round(playing_s, 3),
            time_at_speed={k: round(v, 3) for k, v in sorted(at_speed.items())},
            pauses=pauses,
            rewinds=rewinds,
        )


class PlayerPort(Protocol):
    """What is asked of a player (``frappe.audio.player.Player``): the dictation screen, the
    results' « écouter ce passage », the trainer's review and the foot pedal all drive this."""

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


# A command given to the player: the dictation hotkeys' actions, and ``play``/``pause`` for a
# pedal held down then released. ``loop`` and the volume keep a state of their own (the TUI's
# player controls hold it).
PlaybackCommand = Literal[
    "play",
    "pause",
    "play_pause",
    "back",
    "forward",
    "slower",
    "faster",
    "back_long",
    "forward_long",
    "back_slower",
    "go_to_start",
    "loop",
    "volume_up",
    "volume_down",
]
# What a foot pedal can ask (its roles: play held or toggled, rewind, forward).
PEDAL_COMMANDS: frozenset[PlaybackCommand] = frozenset(
    ("play", "pause", "play_pause", "back", "forward")
)


# The commands a player runs by itself; ``loop`` and the volume keep a state (the TUI's
# ``PlayerControls`` add it).
_PLAYER_METHODS: dict[str, Callable[[PlayerPort], None]] = {
    "play": lambda player: player.play(),
    "pause": lambda player: player.pause(),
    "play_pause": lambda player: player.toggle(),
    "back": lambda player: player.skip_back_short(),
    "forward": lambda player: player.skip_forward_short(),
    "slower": lambda player: player.slower(),
    "faster": lambda player: player.faster(),
    "back_long": lambda player: player.skip_back_long(),
    "forward_long": lambda player: player.skip_forward_long(),
    "back_slower": lambda player: player.back_and_slower(),
    "go_to_start": lambda player: player.go_to_start(),
}


def run_command(player: PlayerPort, command: PlaybackCommand) -> None:
    """Run ``command`` on ``player`` (ValueError for ``loop`` and the volume, which need a
    state the player does not report)."""
    method = _PLAYER_METHODS.get(command)
    if method is None:
        raise ValueError(f"player command {command!r} needs the player's controls")
    method(player)


def player_commands(player: PlayerPort) -> Callable[[PlaybackCommand], None]:
    """What runs a pedal's commands straight on ``player`` (a probe, a benchmark, a test);
    the TUI's pedal goes through its ``PlayerControls.run`` instead, like the hotkeys."""
    return functools.partial(run_command, player)
