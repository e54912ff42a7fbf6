"""Which keys a trainee mistypes: each typed character judged word by word against the
reference, as the live feedback does. Pure (no I/O): the practice statistics, the history's
stored « touches fautives » and the trainer's candidate view share it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from frappe.exercises.record import ResultRecord
from frappe.exercises.session import CopyProgress, Edit

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


def judged_inserts(record: ResultRecord) -> Iterable[tuple[int, int, str, str | None, bool]]:
    """(t_ms, pos, char, expected, first_departure) for each character typed, judged word by
    word as the live feedback does: ``expected`` is the reference character at that place of
    the word, ``first_departure`` whether this character is where the word went wrong."""
    progress = CopyProgress(record.reference, record.settings.profile.normalization)
    for t_ms, _key, op, pos, text in record.keystrokes:
        if op == "insert":
            progress.apply(Edit(pos, "", text))
            if len(text) == 1:
                wrong = progress.is_wrong(pos)
                first = wrong and not (pos > 0 and progress.is_wrong(pos - 1))
                yield t_ms, pos, text, progress.expected_at(pos), first
        elif op == "delete":
            progress.apply(Edit(pos, text, ""))


def weakest_keys(
    records: Sequence[ResultRecord], *, top: int = 8, min_attempts: int = 3
) -> list[KeyErrors]:
    """Characters most often mistyped: the expected character where a word went wrong, over
    every time that character was expected (corrected mistakes count too)."""
    attempts: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    for record in records:
        for _t, _pos, _char, expected, first_departure in judged_inserts(record):
            if expected is None:
                continue
            attempts[expected] += 1
            if first_departure:
                errors[expected] += 1
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
    for _t, _pos, _char, expected, first_departure in judged_inserts(record):
        if expected is None:
            continue
        attempts[expected] += 1
        if first_departure:
            errors[expected] += 1
    found = [KeyErrors(char, attempts[char], errors[char]) for char in errors]
    found.sort(key=lambda k: (-k.errors, k.char))
    return found
