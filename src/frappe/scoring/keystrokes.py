"""Keystroke logs and what they tell: keystroke accuracy, corrections, consistency.

A keystroke is stored with the edit it made to the typed text, so the log alone rebuilds the
text (``replay``) and a journal written key by key can be resumed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress, repeat
from typing import Literal, NamedTuple

import numpy as np
import numpy.typing as npt

__all__ = [
    "EditOp",
    "Keystroke",
    "KeystrokeStats",
    "keystroke_stats",
    "log_columns",
    "monkeytype_consistency",
    "parse_keystroke_log",
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
    """Parse a JSON keystroke list; ValueError names the first bad entry."""
    return list(parse_keystroke_log(raw))


def parse_keystroke_log(raw: list[object]) -> tuple[Keystroke, ...]:
    """``parse_keystrokes`` as a tuple. The columns read while checking it are kept with it, so
    ``replay`` and ``keystroke_stats`` called next on this same tuple do not read it again.

    The common case (all entries well formed) is checked in bulk, a few C-speed passes; the
    per-entry parser runs only to find and explain a bad entry.
    """
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
            strokes = tuple(map(tuple.__new__, repeat(Keystroke), raw))  # type: ignore[arg-type]
            _remember(strokes, _Columns(t_ms, ops, positions, texts), None)
            return strokes
    if valid:
        return ()
    for index, item in enumerate(raw):
        try:
            Keystroke.from_json(item)
        except ValueError as error:
            raise ValueError(f"frappe n° {index + 1} invalide : {error}") from error
    raise AssertionError("unreachable: a bulk check failed but no entry is invalid")


# --- Vectorised fast path -------------------------------------------------------------------
#
# Almost every log only types at the end of the text and erases at the end (backspace): the
# text is then a stack, and a character typed at position p is erased exactly when a later
# deletion starts at or before p. That turns the replay and the keystroke statistics into a
# few numpy passes. Any log outside that shape (an edit in the middle, a correction's draft
# for the statistics, malformed entries) goes through the straightforward loops below, which
# stay the specification: the property tests compare both on random logs.

# Below this many strokes numpy's per-call overhead costs more than the Python loop.
_VECTOR_MIN_STROKES = 32
# t_ms and positions beyond this (35 years in ms) could overflow int64 sums: loop instead.
_VECTOR_MAX_VALUE = 1 << 40
_OP_CODES = {"insert": 1, "delete": 2, "none": 0}
_UTF32 = "utf-32-le"

Int64Array = npt.NDArray[np.int64]
CodeArray = npt.NDArray[np.uint32]
BoolArray = npt.NDArray[np.bool_]


class _Columns(NamedTuple):
    """The columns of a log whose entries are all well typed (ints, strings, known ops)."""

    t_ms: tuple[int, ...]
    ops: tuple[str, ...]
    positions: tuple[int, ...]
    texts: tuple[str, ...]


class _Arrays(NamedTuple):
    """A log as numpy arrays, one entry per stroke."""

    t_ms: Int64Array
    positions: Int64Array
    lengths: Int64Array
    inserts: BoolArray
    deletes: BoolArray
    all_inserts: bool


# The last log seen, by identity (a tuple of Keystroke is immutable, and holding it keeps its
# id from being reused): record validation replays it, then scoring computes its statistics.
_recent: tuple[tuple[Keystroke, ...], _Columns, _Arrays | None] | None = None


def _remember(strokes: tuple[Keystroke, ...], columns: _Columns, arrays: _Arrays | None) -> None:
    global _recent  # noqa: PLW0603 - a one-entry cache
    _recent = (strokes, columns, arrays)


def log_columns(keystrokes: tuple[Keystroke, ...]) -> _Columns | None:
    """The columns (t_ms, ops, positions, texts) of a well-typed log, None otherwise.

    Kept with the log, so that validating it (``frappe.exercises.record``), ``replay`` and
    ``keystroke_stats`` read the log once between them.
    """
    recent = _recent
    if recent is not None and recent[0] is keystrokes:
        return recent[1]
    columns = _columns(keystrokes)
    if columns is not None:
        _remember(keystrokes, columns, None)
    return columns


def _columns(keystrokes: Sequence[Keystroke]) -> _Columns | None:
    """The columns of a log, or None when an entry is not well typed (the loop decides)."""
    try:
        t_ms, _keys, ops, positions, texts = zip(*keystrokes, strict=True)
        valid = (
            set(map(type, t_ms)) == {int}
            and set(map(type, positions)) == {int}
            and min(positions) >= 0
            and set(map(type, texts)) == {str}
            and set(ops) <= _OPS
        )
    except (TypeError, ValueError):
        return None
    return _Columns(t_ms, ops, positions, texts) if valid else None


def _arrays(keystrokes: Sequence[Keystroke]) -> tuple[_Columns, _Arrays] | None:
    """Columns and arrays of a log (from the one-entry cache when it is the last one seen)."""
    recent = _recent
    if recent is not None and recent[0] is keystrokes:
        columns, arrays = recent[1], recent[2]
        if arrays is not None:
            return columns, arrays
    else:
        found = _columns(keystrokes)
        if found is None:
            return None
        columns = found
    n = len(columns.t_ms)
    if max(columns.t_ms) >= _VECTOR_MAX_VALUE or max(columns.positions) >= _VECTOR_MAX_VALUE:
        return None
    t_ms = np.fromiter(columns.t_ms, np.int64, n)
    positions = np.fromiter(columns.positions, np.int64, n)
    lengths = np.fromiter(map(len, columns.texts), np.int64, n)
    all_inserts = columns.ops.count("insert") == n
    if all_inserts:
        inserts = np.ones(n, np.bool_)
        deletes = np.zeros(n, np.bool_)
    else:
        codes = np.fromiter(map(_OP_CODES.__getitem__, columns.ops), np.int8, n)
        inserts = codes == 1
        deletes = codes == 2
    arrays = _Arrays(t_ms, positions, lengths, inserts, deletes, all_inserts)
    if type(keystrokes) is tuple:
        _remember(keystrokes, columns, arrays)
    return columns, arrays


def _appends_only(arrays: _Arrays, initial_length: int) -> bool:
    """Whether every insertion is at the end of the text and every deletion erases its end."""
    lengths = arrays.lengths
    if arrays.all_inserts:
        delta = lengths
    else:
        delta = np.where(arrays.inserts, lengths, np.where(arrays.deletes, -lengths, 0))
    before = np.empty(len(lengths), np.int64)
    before[0] = initial_length
    np.cumsum(delta[:-1], out=before[1:])
    before[1:] += initial_length
    if arrays.all_inserts:
        return bool(np.array_equal(arrays.positions, before))
    at_end = np.where(arrays.deletes, arrays.positions + lengths, arrays.positions) == before
    return bool((at_end | ~(arrays.inserts | arrays.deletes)).all())


class _Typed(NamedTuple):
    """The characters the log inserts, one entry per character, in order."""

    codes: CodeArray
    positions: Int64Array
    strokes: Int64Array
    erased: BoolArray | None  # None: nothing is ever erased


def _typed_characters(columns: _Columns, arrays: _Arrays) -> _Typed:
    """Each inserted character with its position and stroke, and whether a later deletion
    erases it (valid for a log of appends only)."""
    texts = columns.texts if arrays.all_inserts else compress(columns.texts, arrays.inserts)
    codes = np.frombuffer("".join(texts).encode(_UTF32, "surrogatepass"), np.uint32)
    strokes = np.flatnonzero(arrays.inserts)
    positions = arrays.positions[strokes]
    lengths = arrays.lengths[strokes]
    if len(codes) != len(strokes) or lengths.max(initial=0) > 1:  # not one character each
        starts = np.cumsum(lengths) - lengths
        strokes = np.repeat(strokes, lengths)
        positions = np.repeat(positions, lengths) + (
            np.arange(len(codes)) - np.repeat(starts, lengths)
        )
    erased = None
    if arrays.deletes.any():
        # Lowest position a deletion starts at after each stroke (beyond the end: none).
        starts_after = np.where(arrays.deletes, arrays.positions, _VECTOR_MAX_VALUE)
        starts_after = np.minimum.accumulate(starts_after[::-1])[::-1]
        starts_after = np.append(starts_after[1:], _VECTOR_MAX_VALUE)
        erased = positions >= starts_after[strokes]
    return _Typed(codes, positions, strokes, erased)


def _replay_vectorized(keystrokes: Sequence[Keystroke], initial: str) -> str | None:
    """``replay`` for a log of appends only; None when the log has another shape, or does not
    fit its text (the loop then explains why)."""
    found = _arrays(keystrokes)
    if found is None:
        return None
    columns, arrays = found
    if not _appends_only(arrays, len(initial)):
        return None
    if arrays.all_inserts:
        return initial + "".join(columns.texts)
    typed = _typed_characters(columns, arrays)
    deletes = np.flatnonzero(arrays.deletes)
    initial_codes = np.frombuffer(initial.encode(_UTF32, "surrogatepass"), np.uint32)
    if not _deletions_match(columns, arrays, typed, deletes, initial_codes):
        return None
    first_deletion = int(arrays.positions[deletes].min()) if len(deletes) else len(initial)
    kept = typed.codes if typed.erased is None else typed.codes[~typed.erased]
    return initial[:first_deletion] + kept.tobytes().decode(_UTF32, "surrogatepass")


def _deletions_match(
    columns: _Columns,
    arrays: _Arrays,
    typed: _Typed,
    deletes: Int64Array,
    initial_codes: CodeArray,
) -> bool:
    """Whether each deletion erases the text it records.

    With appends only, the character at position q when stroke j runs is the last one placed
    at q before j: sort the characters by (position, stroke) and look each erased one up.
    """
    deleted = np.frombuffer(
        "".join([columns.texts[j] for j in deletes.tolist()]).encode(_UTF32, "surrogatepass"),
        np.uint32,
    )
    if not len(deleted):
        return True
    lengths = arrays.lengths[deletes]
    starts = np.cumsum(lengths) - lengths
    deleted_at = np.repeat(arrays.positions[deletes], lengths) + (
        np.arange(len(deleted)) - np.repeat(starts, lengths)
    )
    span = len(arrays.lengths) + 2  # "stroke + 1" of a placed character: 0 for the initial text
    placed_keys = np.concatenate(
        (
            np.arange(len(initial_codes), dtype=np.int64) * span,
            typed.positions * span + typed.strokes + 1,
        )
    )
    placed_codes = np.concatenate((initial_codes, typed.codes))
    order = np.argsort(placed_keys, kind="stable")
    placed_keys = placed_keys[order]
    query = deleted_at * span + np.repeat(deletes, lengths) + 1
    found = np.searchsorted(placed_keys, query) - 1
    if found.min() < 0:
        return False
    return bool(
        np.array_equal(placed_keys[found] // span, deleted_at)
        and np.array_equal(placed_codes[order][found], deleted)
    )


@lru_cache(maxsize=8)
def _fold_table(items: tuple[tuple[object, object], ...]) -> CodeArray | None:
    """A code point lookup table doing what ``str.translate`` does with a one-for-one fold;
    None when the fold is not one-for-one (the loop handles it)."""
    if not items:
        return np.zeros(0, np.uint32)  # no fold
    table: dict[int, int] = {}
    for code, value in items:
        if not isinstance(code, int) or not 0 <= code < 0x110000:
            return None
        if not isinstance(value, str) or len(value) != 1:
            return None
        table[code] = ord(value)
    lookup = np.arange(max(table) + 1, dtype=np.uint32)
    lookup[list(table)] = list(table.values())
    lookup.flags.writeable = False
    return lookup


def _fold_codes(codes: CodeArray, table: CodeArray) -> CodeArray:
    size = len(table)
    if not size:
        return codes
    return np.where(codes < size, table[np.minimum(codes, size - 1)], codes)


@lru_cache(maxsize=8)
def _reference_codes(reference: str, items: tuple[tuple[object, object], ...]) -> CodeArray:
    """The folded reference as code points (the same reference serves a whole session)."""
    table = _fold_table(items)
    assert table is not None
    codes = _fold_codes(np.frombuffer(reference.encode(_UTF32, "surrogatepass"), np.uint32), table)
    codes.flags.writeable = False
    return codes


def _keystroke_stats_vectorized(
    keystrokes: Sequence[Keystroke], reference: str, fold: dict[int, str]
) -> KeystrokeStats | None:
    """``keystroke_stats`` for a log of appends only from an empty text; None otherwise."""
    items = tuple(fold.items())
    table = _fold_table(items)
    if table is None:
        return None
    found = _arrays(keystrokes)
    if found is None:
        return None
    columns, arrays = found
    if not _appends_only(arrays, 0):
        return None
    typed = _typed_characters(columns, arrays)
    ref = _reference_codes(reference, items)
    if len(ref):
        right = (typed.positions < len(ref)) & (
            ref[np.minimum(typed.positions, len(ref) - 1)] == _fold_codes(typed.codes, table)
        )
    else:
        right = np.zeros(len(typed.codes), np.bool_)
    t_ms = arrays.t_ms
    waits = np.maximum(np.diff(t_ms, prepend=t_ms[:1]), 0)
    correction_ms = 0
    corrected = 0
    if typed.erased is not None:
        # A character's cost: its stroke's wait, shared among the characters it inserted.
        lengths = arrays.lengths[typed.strokes]
        costs = waits[typed.strokes] // np.maximum(lengths, 1)
        correction_ms = int(waits[arrays.deletes].sum()) + int(costs[typed.erased].sum())
        corrected = int(np.count_nonzero(typed.erased & ~right))
    consistency = None
    inserts = np.flatnonzero(arrays.inserts)
    if len(inserts):
        seconds = t_ms[inserts] // 1000
        first = int(seconds.min())
        counts = np.bincount(seconds - first, weights=arrays.lengths[inserts])
        consistency = monkeytype_consistency(counts.tolist())
    return KeystrokeStats(
        keypresses=len(typed.codes),
        correct_keypresses=int(np.count_nonzero(right)),
        corrected_errors=corrected,
        backspaces=int(np.count_nonzero(arrays.deletes)),
        correction_time_s=correction_ms / 1000.0,
        consistency=consistency,
    )


def replay(keystrokes: Iterable[Keystroke], initial: str = "") -> str:
    """The typed text that the log's edits build, in order, from ``initial`` (empty for a
    typing test or a transcription, the speech-recognition draft for a correction exercise).

    Raises ValueError when an edit does not fit the text built so far (a corrupt log).
    """
    if isinstance(keystrokes, tuple | list) and len(keystrokes) >= _VECTOR_MIN_STROKES:
        typed = _replay_vectorized(keystrokes, initial)
        if typed is not None:
            return typed
    return replay_reference(keystrokes, initial)


def replay_reference(keystrokes: Iterable[Keystroke], initial: str = "") -> str:
    """``replay`` edit by edit: the specification the vectorised path is tested against."""
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
    if len(keystrokes) >= _VECTOR_MIN_STROKES:
        stats = _keystroke_stats_vectorized(keystrokes, reference, fold)
        if stats is not None:
            return stats
    return keystroke_stats_reference(keystrokes, reference, fold)


def keystroke_stats_reference(
    keystrokes: Sequence[Keystroke], reference: str, fold: dict[int, str]
) -> KeystrokeStats:
    """``keystroke_stats`` stroke by stroke: the specification the vectorised path is tested
    against."""
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
