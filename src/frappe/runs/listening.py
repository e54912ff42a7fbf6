"""How a trainee listened, from the playback events of a transcription record.

Each playback action of the player (``frappe.audio.player.PlaybackAction``) is logged as an
event ``{"t_ms", "type": "playback", "action", "position_s", "target_s", "speed", "playing"}``,
``t_ms`` on the session clock. The statistics are the audio module's ``ListeningStats`` over
those actions (time playing and at each speed, seconds heard once and more than once, pauses),
plus the trainee's own jumps back (skips back, back-and-slower, go to start), the automatic
rewind on resume left out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from frappe.exercises.playback import (
    ListeningStats,
    PlaybackAction,
    PlaybackActionName,
    playback_action_name,
)

__all__ = [
    "PLAYBACK_EVENT",
    "ListeningSummary",
    "listening_summary",
    "playback_event",
    "playback_fields",
]

PLAYBACK_EVENT = "playback"
# Moves the trainee asks for; a jump back by one of them is a replay.
_MOVES: frozenset[PlaybackActionName] = frozenset(
    ("skip", "seek", "go_to_start", "back_and_slower")
)
_BACK_S = 0.25


def playback_fields(action: PlaybackAction) -> dict[str, Any]:
    """The fields of a playback action's record event (beside its ``t_ms`` and ``type``)."""
    return {
        "action": action.action,
        "position_s": round(action.position_s, 3),
        "target_s": round(action.target_s, 3),
        "speed": round(action.speed, 3),
        "playing": action.playing,
    }


def playback_event(t_ms: int, action: PlaybackAction) -> dict[str, Any]:
    """The record event of one playback action, at ``t_ms`` on the session clock."""
    return {"t_ms": t_ms, "type": PLAYBACK_EVENT, **playback_fields(action)}


@dataclass(frozen=True, slots=True)
class ListeningSummary:
    """Listening statistics of one transcription.

    Attributes:
        listened_s: Time spent with the recording playing (session clock).
        by_speed: Seconds of listening at each speed (speed rounded to 0.05).
        pauses: Times playback was paused.
        replays: Jumps back asked for by the trainee (rewind on resume not counted).
        heard_s: Seconds of the recording heard at least once.
        reheard_s: Seconds of the recording heard more than once.
        heard_ratio: ``heard_s`` over the recording's length (None if unknown).
        reheard_ratio: ``reheard_s`` over the recording's length (None if unknown).
        actions: How many times each action was used.
    """

    listened_s: float = 0.0
    by_speed: Mapping[float, float] = field(default_factory=dict)
    pauses: int = 0
    replays: int = 0
    heard_s: float = 0.0
    reheard_s: float = 0.0
    heard_ratio: float | None = None
    reheard_ratio: float | None = None
    actions: Mapping[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON form, stored with the record's score."""
        return {
            "listened_s": round(self.listened_s, 3),
            "by_speed": {f"{speed:g}": round(s, 3) for speed, s in sorted(self.by_speed.items())},
            "pauses": self.pauses,
            "replays": self.replays,
            "heard_s": round(self.heard_s, 3),
            "reheard_s": round(self.reheard_s, 3),
            "heard_ratio": None if self.heard_ratio is None else round(self.heard_ratio, 4),
            "reheard_ratio": None if self.reheard_ratio is None else round(self.reheard_ratio, 4),
            "actions": dict(sorted(self.actions.items())),
        }


def _number(value: object, default: float) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return default


def _actions(events: Iterable[Mapping[str, Any]]) -> list[PlaybackAction]:
    actions: list[PlaybackAction] = []
    for event in events:
        t_ms = event.get("t_ms")
        if event.get("type") != PLAYBACK_EVENT or not isinstance(t_ms, int):
            continue
        position = _number(event.get("position_s"), 0.0)
        actions.append(
            PlaybackAction(
                t_monotonic_ms=t_ms,
                action=playback_action_name(str(event.get("action", ""))),
                position_s=position,
                speed=_number(event.get("speed"), 1.0),
                target_s=_number(event.get("target_s"), position),
                playing=bool(event.get("playing", False)),
            )
        )
    return sorted(actions, key=lambda a: a.t_monotonic_ms)


def listening_summary(
    events: Iterable[Mapping[str, Any]], *, end_ms: int, duration_s: float | None = None
) -> ListeningSummary:
    """Listening statistics from a record's events.

    Args:
        events: The record's events (other types are ignored).
        end_ms: End of the session (session clock): playback still running stops there.
        duration_s: Length of the recording, for the parts heard.
    """
    actions = _actions(events)
    if actions and actions[-1].playing:
        last = actions[-1]
        # Where playback got to by the end, for the last stretch.
        reached = last.target_s + max(0, end_ms - last.t_monotonic_ms) / 1000.0 * last.speed
        if duration_s:
            reached = min(reached, duration_s)
        actions.append(
            PlaybackAction(
                max(end_ms, last.t_monotonic_ms), "end", reached, last.speed, reached, False
            )
        )
    stats = ListeningStats.from_actions(actions)
    by_speed: dict[float, float] = {}
    for speed, seconds in stats.time_at_speed.items():
        key = round(round(speed / 0.05) * 0.05, 2)
        by_speed[key] = by_speed.get(key, 0.0) + seconds
    replays = sum(1 for a in actions if a.action in _MOVES and a.target_s < a.position_s - _BACK_S)
    return ListeningSummary(
        listened_s=stats.playing_s,
        by_speed=by_speed,
        pauses=stats.pauses,
        replays=replays,
        heard_s=stats.heard_s,
        reheard_s=stats.replayed_s,
        heard_ratio=min(1.0, stats.heard_s / duration_s) if duration_s else None,
        reheard_ratio=min(1.0, stats.replayed_s / duration_s) if duration_s else None,
        actions=dict(Counter(a.action for a in actions if a.action != "end")),
    )
