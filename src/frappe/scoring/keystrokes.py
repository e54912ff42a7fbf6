"""Keystroke logs and what they tell: keystroke accuracy, corrections, consistency.

A keystroke is stored with the edit it made to the typed text, so the log alone rebuilds the
text (``replay``) and a journal written key by key can be resumed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Literal, NamedTuple

__all__ = [
    "EditOp",
    "Keystroke",
    "KeystrokeStats",
    "keystroke_stats",
    "monkeytype_consistency",
    "parse_keystrokes",
    "replay",
]

EditOp = Literal["insert", "delete", "none"]


class Keystroke(NamedTuple):
    """One key press and the edit it made.

    A named tuple rather than a dataclass: a record holds thousands of them and batch scoring
    builds them straight from the JSON lists.

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
        return list(self)

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
        if op not in _OPS:
            raise ValueError(f"opération inconnue : {op!r}")
        if not isinstance(pos, int) or isinstance(pos, bool) or pos < 0:
            raise ValueError(f"position invalide : {pos!r}")
        return cls(t_ms, key, op, pos, text)


_OPS = frozenset(("insert", "delete", "none"))


def parse_keystrokes(raw: list[object]) -> list[Keystroke]:
    """Parse a JSON keystroke list; ValueError names the first bad entry.

    The common case (all entries well formed) is checked in bulk, a few C-speed passes; the
    per-entry parser runs only to find and explain a bad entry.
    """
    strokes: list[Keystroke] = []
    valid = set(map(type, raw)) <= {list} and set(map(len, raw)) <= {5}  # type: ignore[arg-type]
    if valid and raw:
        t_ms, keys, ops, positions, texts = zip(*raw, strict=True)
        valid = (
            set(map(type, t_ms)) == {int}
            and min(t_ms) >= 0
            and set(map(type, positions)) == {int}
            and min(positions) >= 0
            and set(map(type, keys)) == {str}
            and set(map(type, texts)) == {str}
            and set(ops) <= _OPS
        )
        if valid:
            # tuple.__new__ through map stays in C: a generated NamedTuple __new__ per entry
            # would cost more than all of the checks above.
            strokes = list(map(tuple.__new__, repeat(Keystroke), raw))  # type: ignore[arg-type]
    if valid:
        return strokes
    for index, item in enumerate(raw):
        try:
            Keystroke.from_json(item)
        except ValueError as error:
            raise ValueError(f"frappe n° {index + 1} invalide : {error}") from error
    raise AssertionError("unreachable: a bulk check failed but no entry is invalid")


def replay(keystrokes: Iterable[Keystroke], initial: str = "") -> str:
    """The typed text that the log's edits build, in order, from ``initial`` (empty for a
    typing test or a transcription, the speech-recognition draft for a correction exercise).

    Raises ValueError when an edit does not fit the text built so far (a corrupt log).
    """
    buffer: list[str] = list(initial)
    for _t, _key, op, pos, text in keystrokes:
        if op == "insert":
            if pos == len(buffer) and len(text) == 1:
                buffer.append(text)  # typing at the end: by far the common case
                continue
            if pos > len(buffer):
                raise ValueError(f"insertion hors du texte à {_t} ms")
            buffer[pos:pos] = text
        elif op == "delete":
            end = pos + len(text)
            if "".join(buffer[pos:end]) != text:
                raise ValueError(f"suppression incohérente à {_t} ms")
            del buffer[pos:end]
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
    char_fold = {chr(code): value for code, value in fold.items() if len(value) == 1}
    # Mirrors the typed text: for each character, whether it was right and the time it cost.
    alive: list[tuple[bool, int]] = []
    keypresses = correct = corrected = backspaces = 0
    correction_ms = 0
    per_second: dict[int, int] = {}
    previous_t = keystrokes[0].t_ms if keystrokes else 0
    ref_length = len(ref)
    for t_ms, _key, op, pos, text in keystrokes:
        dt = t_ms - previous_t if t_ms > previous_t else 0
        previous_t = t_ms
        if op == "insert":
            second = t_ms // 1000
            if len(text) == 1:
                char = char_fold.get(text, text)
                right = pos < ref_length and ref[pos] == char
                keypresses += 1
                correct += right
                if pos == len(alive):
                    alive.append((right, dt))
                else:
                    alive.insert(pos, (right, dt))
                per_second[second] = per_second.get(second, 0) + 1
                continue
            typed = text.translate(fold)
            share = dt // max(1, len(typed))
            entries = []
            for offset, char in enumerate(typed):
                position = pos + offset
                right = position < ref_length and ref[position] == char
                keypresses += 1
                correct += right
                entries.append((right, share))
            alive[pos:pos] = entries
            per_second[second] = per_second.get(second, 0) + len(typed)
        elif op == "delete":
            backspaces += 1
            correction_ms += dt
            end = pos + len(text)
            for right, cost in alive[pos:end]:
                corrected += not right
                correction_ms += cost
            del alive[pos:end]
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
