"""Which keys a trainee mistypes: each typed character judged word by word against the
reference, as the keystroke accuracy judges it (Monkeytype's rule). Pure (no I/O): the
practice statistics, the history's stored « touches fautives » and the trainer's candidate view
share it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from frappe.exercises.record import ResultRecord
from frappe.scoring.keystrokes import JudgedKey, judge_keystrokes

__all__ = ["KeyErrors", "judged_inserts", "key_errors", "weakest_keys"]


@dataclass(frozen=True, slots=True)
class KeyErrors:
    """How often a character was mistyped.

    Attributes:
        char: The expected character.
        attempts: Times it was expected and a key was pressed.
        errors: Times another character was typed instead.
    """

    char: str
    attempts: int
    errors: int

    @property
    def rate(self) -> float:
        """errors / attempts."""
        return self.errors / self.attempts if self.attempts else 0.0


def judged_inserts(record: ResultRecord) -> Iterator[JudgedKey]:
    """Each character typed, judged word by word as the keystroke accuracy judges it
    (Monkeytype's rule, ``frappe.scoring.keystrokes.judge_keystrokes``): ``expected`` is the
    character of the word being typed at its current length, ``right`` whether the key
    equals it."""
    fold = record.settings.profile.normalization.translation()
    return judge_keystrokes(record.keystrokes, record.reference, fold)


def weakest_keys(
    records: Sequence[ResultRecord], *, top: int = 8, min_attempts: int = 3
) -> list[KeyErrors]:
    """Characters most often mistyped: each key judged as the keystroke accuracy judges it,
    over every time that character was expected (corrected mistakes count too)."""
    attempts: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    for record in records:
        for key in judged_inserts(record):
            if key.expected is None:
                continue
            attempts[key.expected] += 1
            if not key.right:
                errors[key.expected] += 1
    found = [
        KeyErrors(char, attempts[char], errors[char])
        for char in attempts
        if attempts[char] >= min_attempts and errors[char]
    ]
    found.sort(key=lambda k: (-k.rate, -k.errors, k.char))
    return found[:top]


def key_errors(record: ResultRecord) -> list[KeyErrors]:
    """Every expected character of one record mistyped at least once, with its attempts and
    errors (most errors first): what a results store keeps to aggregate weak keys later."""
    attempts: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    for key in judged_inserts(record):
        if key.expected is None:
            continue
        attempts[key.expected] += 1
        if not key.right:
            errors[key.expected] += 1
    found = [KeyErrors(char, attempts[char], errors[char]) for char in errors]
    found.sort(key=lambda k: (-k.errors, k.char))
    return found
