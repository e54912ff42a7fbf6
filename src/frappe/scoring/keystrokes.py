"""Keystroke logs and what they tell: keystroke accuracy, corrections, consistency.

A keystroke is stored with the edit it made to the typed text, so the log alone rebuilds the
text (``replay``) and a journal written key by key can be resumed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "EditOp",
    "KeystrokeStats",
    "Keystroke",
    "keystroke_stats",
    "monkeytype_consistency",
    "replay",
]

EditOp = Literal["insert", "delete", "none"]


@dataclass(frozen=True, slots=True)
class Keystroke:
    """One key press and the edit it made.

    Attributes:
        t_ms: Milliseconds since the session started (monotonic clock).
        key: The key as received (a character, or a name such as ``backspace``, ``enter``).
        op: ``insert``, ``delete`` or ``none`` (refused or without effect).
        pos: Offset in the typed text where the edit happened.
        text: The inserted text, or the deleted text.
    """

    t_ms: int
    key: str
    op: EditOp
    pos: int
    text: str

    def to_json(self) -> list[object]:
        """Compact list form ``[t_ms, key, op, pos, text]`` used in records and journals."""
        return [self.t_ms, self.key, self.op, self.pos, self.text]

    @classmethod
    def from_json(cls, item: object) -> Keystroke:
        """Parse the list form; raises ValueError with the reason when malformed."""
        if not isinstance(item, list) or len(item) != 5:
            raise ValueError("une frappe doit être une liste [t_ms, touche, op, pos, texte]")
        t_ms, key, op, pos, text = item
        if not isinstance(t_ms, int) or isinstance(t_ms, bool) or t_ms < 0:
            raise ValueError(f"t_ms invalide : {t_ms!r}")
        if not isinstance(key, str) or not isinstance(text, str):
            raise ValueError("touche et texte doivent être des chaînes")
        if op not in ("insert", "delete", "none"):
            raise ValueError(f"opération inconnue : {op!r}")
        if not isinstance(pos, int) or isinstance(pos, bool) or pos < 0:
            raise ValueError(f"position invalide : {pos!r}")
        return cls(t_ms, key, op, pos, text)


def replay(keystrokes: Iterable[Keystroke]) -> str:
    """The typed text that the log's edits build, in order.

    Raises ValueError when an edit does not fit the text built so far (a corrupt log).
    """
    buffer: list[str] = []
    for stroke in keystrokes:
        if stroke.op == "insert":
            if stroke.pos > len(buffer):
                raise ValueError(f"insertion hors du texte à {stroke.t_ms} ms")
            buffer[stroke.pos : stroke.pos] = stroke.text
        elif stroke.op == "delete":
            end = stroke.pos + len(stroke.text)
            if "".join(buffer[stroke.pos : end]) != stroke.text:
                raise ValueError(f"suppression incohérente à {stroke.t_ms} ms")
            del buffer[stroke.pos : end]
    return "".join(buffer)


def monkeytype_consistency(per_second: Sequence[float]) -> float | None:
    """Monkeytype's consistency: 100 × (1 − tanh(c + c³/3 + c⁵/5)), c = coefficient of
    variation of the per-second speed. ``None`` with fewer than two seconds or no typing."""
    if len(per_second) < 2:
        return None
    mean = sum(per_second) / len(per_second)
    if mean <= 0:
        return None
    variance = sum((x - mean) ** 2 for x in per_second) / len(per_second)
    c = math.sqrt(variance) / mean
    return 100.0 * (1.0 - math.tanh(c + c**3 / 3 + c**5 / 5))


@dataclass(frozen=True, slots=True)
class KeystrokeStats:
    """What the keystroke log says about how the text was typed.

    Attributes:
        keypresses: Characters typed (each character of an insertion counts once).
        correct_keypresses: Those equal to the reference character at that place when typed.
        corrected_errors: Wrong characters that were erased later.
        backspaces: Deleting key presses.
        correction_time_s: Time spent typing characters later erased plus erasing them.
        consistency: Monkeytype consistency of the per-second speed (``None`` if too short).
    """

    keypresses: int
    correct_keypresses: int
    corrected_errors: int
    backspaces: int
    correction_time_s: float
    consistency: float | None

    @property
    def keystroke_accuracy(self) -> float | None:
        """Correct key presses over all key presses (corrected errors included)."""
        return self.correct_keypresses / self.keypresses if self.keypresses else None


def keystroke_stats(
    keystrokes: Sequence[Keystroke], reference: str, fold: dict[int, str]
) -> KeystrokeStats:
    """Judge each key press against the reference character at the same place, as Monkeytype
    does; ``fold`` is the normalisation's one-for-one character table (’ typed as ' is right).
    """
    ref = reference.translate(fold)
    # Mirrors the typed text: for each character, whether it was right and the time it cost.
    alive: list[tuple[bool, int]] = []
    keypresses = correct = corrected = backspaces = 0
    correction_ms = 0
    per_second: dict[int, int] = {}
    previous_t = keystrokes[0].t_ms if keystrokes else 0
    for stroke in keystrokes:
        dt = max(0, stroke.t_ms - previous_t)
        previous_t = stroke.t_ms
        if stroke.op == "insert":
            typed = stroke.text.translate(fold)
            share = dt // max(1, len(typed))
            entries = []
            for offset, char in enumerate(typed):
                position = stroke.pos + offset
                right = position < len(ref) and ref[position] == char
                keypresses += 1
                correct += right
                entries.append((right, share))
            alive[stroke.pos : stroke.pos] = entries
            second = stroke.t_ms // 1000
            per_second[second] = per_second.get(second, 0) + len(typed)
        elif stroke.op == "delete":
            backspaces += 1
            correction_ms += dt
            end = stroke.pos + len(stroke.text)
            for right, cost in alive[stroke.pos : end]:
                corrected += not right
                correction_ms += cost
            del alive[stroke.pos : end]
    consistency = None
    if per_second:
        first, last = min(per_second), max(per_second)
        consistency = monkeytype_consistency(
            [float(per_second.get(s, 0)) for s in range(first, last + 1)]
        )
    return KeystrokeStats(
        keypresses=keypresses,
        correct_keypresses=correct,
        corrected_errors=corrected,
        backspaces=backspaces,
        correction_time_s=correction_ms / 1000.0,
        consistency=consistency,
    )
