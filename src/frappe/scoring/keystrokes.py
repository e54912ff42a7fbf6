"""Keystroke logs and what they tell: keystroke accuracy, corrections, consistency.

A keystroke is stored with the edit it made to the typed text, so the log alone rebuilds the
text (``replay``) and a journal written key by key can be resumed.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, compress, repeat
from typing import Literal, NamedTuple, overload

import numpy as np
import numpy.typing as npt

__all__ = [
    "EditOp",
    "JudgedKey",
    "Keystroke",
    "KeystrokeEntry",
    "KeystrokeLog",
    "KeystrokeStats",
    "LogArrays",
    "judge_keystrokes",
    "keystroke_stats",
    "log_arrays",
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

# A keystroke as a record's schema decodes it: ``[t_ms, key, op, pos, text]`` as a plain tuple.
KeystrokeEntry = tuple[int, str, str, int, str]


class KeystrokeLog(Sequence[Keystroke]):
    """A record's keystroke log as decoded: plain tuples, each read as a ``Keystroke``.

    Decoding thousands of plain tuples, and freeing them, costs about a third less than named
    tuples; validation, ``replay`` and ``keystroke_stats`` read the entries as they are, and
    the ``Keystroke`` tuples are built (once) only when the log is read stroke by stroke.
    """

    __slots__ = ("_strokes", "entries")

    def __init__(self, entries: tuple[KeystrokeEntry, ...]) -> None:
        self.entries = entries
        self._strokes: tuple[Keystroke, ...] | None = None

    @property
    def strokes(self) -> tuple[Keystroke, ...]:
        """The log as ``Keystroke`` tuples."""
        if self._strokes is None:
            # tuple.__new__ through map stays in C (see parse_keystroke_log).
            self._strokes = tuple(map(tuple.__new__, repeat(Keystroke), self.entries))
        return self._strokes

    def __len__(self) -> int:
        return len(self.entries)

    @overload
    def __getitem__(self, index: int) -> Keystroke: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Keystroke, ...]: ...

    def __getitem__(self, index: int | slice) -> Keystroke | tuple[Keystroke, ...]:
        return self.strokes[index]

    def __iter__(self) -> Iterator[Keystroke]:
        return iter(self.strokes)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, KeystrokeLog):
            return self.entries == other.entries
        if isinstance(other, tuple):
            return self.entries == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.entries)  # a Keystroke hashes as the plain tuple of its values

    def __repr__(self) -> str:
        return repr(self.strokes)

    def __reduce__(self) -> tuple[type[KeystrokeLog], tuple[tuple[KeystrokeEntry, ...]]]:
        return (KeystrokeLog, (self.entries,))


@overload
def _entries(keystrokes: Sequence[KeystrokeEntry]) -> Sequence[KeystrokeEntry]: ...


@overload
def _entries(keystrokes: Iterable[KeystrokeEntry]) -> Iterable[KeystrokeEntry]: ...


def _entries(keystrokes: Iterable[KeystrokeEntry]) -> Iterable[KeystrokeEntry]:
    """What the fast paths read: a decoded log's plain entries, any other log as it is."""
    return keystrokes.entries if type(keystrokes) is KeystrokeLog else keystrokes


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
FloatArray = npt.NDArray[np.float64]


class _Columns(NamedTuple):
    """The columns of a log whose entries are all well typed (ints, strings, known ops)."""

    t_ms: tuple[int, ...]
    ops: tuple[str, ...]
    positions: tuple[int, ...]
    texts: tuple[str, ...]


class _Derived:
    """Shapes and characters found in a log (see ``_appends_only``, ``_typed_characters``)."""

    __slots__ = ("appends_only", "breaks", "erasing", "typed")

    def __init__(self) -> None:
        self.breaks: list[int] | None = None  # the strokes that are not insertions
        self.appends_only: dict[int, bool] = {}  # by initial text length
        # by initial text length
        self.erasing: dict[int, tuple[list[int], list[str]] | None] = {}
        self.typed: _Typed | None = None


class _Arrays(NamedTuple):
    """A log as numpy arrays, one entry per stroke."""

    t_ms: Int64Array
    positions: Int64Array
    lengths: Int64Array
    inserts: BoolArray
    deletes: BoolArray
    all_inserts: bool
    # The typed text when stroke i inserts one character at position i (typing at the end of
    # an empty text, never erasing: most typing tests); None for any other log.
    typed_text: str | None
    ascending: bool  # t_ms never goes back
    # What replaying it and its statistics both derive from the log: computed once for both.
    derived: _Derived


# The last log seen, by identity (a tuple of Keystroke is immutable, and holding it keeps its
# id from being reused): record validation replays it, then scoring computes its statistics.
_recent: tuple[tuple[KeystrokeEntry, ...], _Columns, _Arrays | None] | None = None


def _remember(
    strokes: tuple[KeystrokeEntry, ...], columns: _Columns, arrays: _Arrays | None
) -> None:
    global _recent  # noqa: PLW0603 - a one-entry cache
    _recent = (strokes, columns, arrays)


def log_columns(keystrokes: tuple[KeystrokeEntry, ...], *, typed: bool = False) -> _Columns | None:
    """The columns (t_ms, ops, positions, texts) of a well-typed log, None otherwise.

    Kept with the log, so that validating it (``frappe.exercises.record``), ``replay`` and
    ``keystroke_stats`` read the log once between them. ``typed``: every entry's types and
    ranges were already checked (a record decoded by its schema), so the columns are only
    transposed.
    """
    recent = _recent
    if recent is not None and recent[0] is keystrokes:
        return recent[1]
    if typed:
        t_ms, _keys, ops, positions, texts = zip(*keystrokes, strict=True)
        columns: _Columns | None = _Columns(t_ms, ops, positions, texts)
    else:
        columns = _columns(keystrokes)
    if columns is not None:
        _remember(keystrokes, columns, None)
    return columns


def _columns(keystrokes: Sequence[KeystrokeEntry]) -> _Columns | None:
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


def _arrays(
    keystrokes: Sequence[KeystrokeEntry], *, typed: bool = False
) -> tuple[_Columns, _Arrays] | None:
    """Columns and arrays of a log (from the one-entry cache when it is the last one seen);
    ``typed`` as in ``log_columns``."""
    recent = _recent
    if recent is not None and recent[0] is keystrokes:
        columns, arrays = recent[1], recent[2]
        if arrays is not None:
            return columns, arrays
    else:
        if typed and type(keystrokes) is tuple:
            found = log_columns(keystrokes, typed=True)
        else:
            found = _columns(keystrokes)
        if found is None:
            return None
        columns = found
    n = len(columns.t_ms)
    inserted = columns.ops.count("insert")
    all_inserts = inserted == n
    typed_text = _typed_at_the_end(columns) if all_inserts else None
    try:  # a value beyond int64 does not convert: the loop handles such a log
        t_ms = np.fromiter(columns.t_ms, np.int64, n)
        if typed_text is None:
            positions = np.fromiter(columns.positions, np.int64, n)
        else:
            positions = np.arange(n, dtype=np.int64)
    except OverflowError:
        return None
    ascending = bool((t_ms[1:] >= t_ms[:-1]).all())
    if n:
        latest = int(t_ms[-1] if ascending else t_ms.max())
        furthest = n - 1 if typed_text is not None else int(positions.max())
        if latest >= _VECTOR_MAX_VALUE or furthest >= _VECTOR_MAX_VALUE:
            return None
    if typed_text is not None:
        lengths = np.ones(n, np.int64)
    else:
        lengths = np.fromiter(map(len, columns.texts), np.int64, n)
    breaks: list[int] | None = None  # the strokes that are not insertions, when found
    if all_inserts:
        inserts = np.ones(n, np.bool_)
        deletes = np.zeros(n, np.bool_)
    elif (n - inserted) * 16 <= n:  # a few erasures or refused keys: found in C
        deleted = _op_indices(columns.ops, "delete")
        breaks = deleted
        inserts = np.ones(n, np.bool_)
        inserts[deleted] = False
        deletes = ~inserts
        if inserted + len(deleted) < n:
            refused = _op_indices(columns.ops, "none")
            inserts[refused] = False
            breaks = sorted(deleted + refused)
    else:
        codes = np.fromiter(map(_OP_CODES.__getitem__, columns.ops), np.int8, n)
        inserts = codes == 1
        deletes = codes == 2
    derived = _Derived()
    derived.breaks = breaks
    arrays = _Arrays(
        t_ms, positions, lengths, inserts, deletes, all_inserts, typed_text, ascending, derived
    )
    if type(keystrokes) is tuple:
        _remember(keystrokes, columns, arrays)
    return columns, arrays


# 0, 1, 2… as a tuple, to compare a log's positions with in one C-speed comparison (a record
# of five minutes' typing has a few thousand strokes; longer logs build their own).
_COUNTING = tuple(range(1 << 14))


def _counting(start: int, size: int) -> tuple[int, ...]:
    """start, start + 1, … (size of them) as a tuple."""
    if start + size <= len(_COUNTING):
        return _COUNTING[start : start + size]
    return tuple(range(start, start + size))


def _typed_at_the_end(columns: _Columns) -> str | None:
    """The text typed by a log of insertions (only) when stroke i inserts exactly one
    character at position i; None otherwise."""
    return _one_each(columns.texts, columns.positions, 0)


def _one_each(texts: tuple[str, ...], positions: tuple[int, ...], start: int) -> str | None:
    """The text the insertions ``texts`` type when each types one character, the first at
    ``start`` and each next one just after; None otherwise (compared in C)."""
    text = "".join(texts)
    # n characters in n non-empty texts: one each (without "", "" and "ab" would pass).
    if len(text) != len(texts) or "" in texts:
        return None
    return text if positions == _counting(start, len(texts)) else None


class LogArrays(NamedTuple):
    """What validating a log needs from it, one entry per stroke (see ``log_arrays``)."""

    t_ms: Int64Array
    lengths: Int64Array  # of each stroke's text
    inserts: BoolArray
    all_inserts: bool
    one_character_each: bool = False  # every stroke inserts one character (at the end)
    ascending: bool = False  # t_ms never goes back


def log_arrays(keystrokes: tuple[KeystrokeEntry, ...], *, typed: bool = False) -> LogArrays | None:
    """Times, text lengths and insertions of a well-typed log as arrays, None when the log is
    not well typed or holds values too large for them (check it entry by entry then).
    ``typed``: as in ``log_columns`` (a record decoded by its schema).

    Read once and kept with the log: ``replay`` and ``keystroke_stats`` called next on this
    same tuple start from them."""
    if not keystrokes:
        return None
    found = _arrays(keystrokes, typed=typed)
    if found is None:
        return None
    arrays = found[1]
    return LogArrays(
        arrays.t_ms,
        arrays.lengths,
        arrays.inserts,
        arrays.all_inserts,
        arrays.typed_text is not None,
        arrays.ascending,
    )


def _appends_only(arrays: _Arrays, initial_length: int) -> bool:
    """Whether every insertion is at the end of the text and every deletion erases its end."""
    derived = arrays.derived
    found = derived.appends_only.get(initial_length)
    if found is None:
        found = derived.appends_only[initial_length] = _find_appends_only(arrays, initial_length)
    return found


def _find_appends_only(arrays: _Arrays, initial_length: int) -> bool:
    lengths = arrays.lengths
    if arrays.all_inserts:
        delta = lengths
    else:
        delta = np.where(arrays.inserts, lengths, np.where(arrays.deletes, -lengths, 0))
    before = np.empty(len(lengths), np.int64)
    before[0] = initial_length
    np.cumsum(delta[:-1], out=before[1:])
    if initial_length:
        before[1:] += initial_length
    if arrays.all_inserts:
        return bool((arrays.positions == before).all())
    at_end = np.where(arrays.deletes, arrays.positions + lengths, arrays.positions) == before
    return bool((at_end | ~(arrays.inserts | arrays.deletes)).all())


class _Typed(NamedTuple):
    """The characters the log inserts, one entry per character, in order."""

    codes: CodeArray
    positions: Int64Array
    strokes: Int64Array
    erased: BoolArray | None  # None: nothing is ever erased


def _codes(text: str) -> CodeArray:
    return np.frombuffer(text.encode(_UTF32, "surrogatepass"), np.uint32)


def _typed_characters(columns: _Columns, arrays: _Arrays) -> _Typed:
    """Each inserted character with its position and stroke, and whether a later deletion
    erases it (valid for a log of appends only)."""
    derived = arrays.derived
    if derived.typed is None:
        typed = _find_typed_characters(columns, arrays)
        for array in typed:  # shared by the replay and the statistics: nobody writes to them
            if array is not None:
                array.flags.writeable = False
        derived.typed = typed
    return derived.typed


def _find_typed_characters(columns: _Columns, arrays: _Arrays) -> _Typed:
    if arrays.all_inserts:
        codes = _codes("".join(columns.texts))
        strokes = np.arange(len(arrays.lengths))
        positions = arrays.positions
        lengths = arrays.lengths
    else:
        codes = _codes("".join(compress(columns.texts, arrays.inserts)))
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


def _replay_vectorized(keystrokes: Sequence[KeystrokeEntry], initial: str) -> str | None:
    """``replay`` for a log of appends only; None when the log has another shape, or does not
    fit its text (the loop then explains why)."""
    found = _arrays(keystrokes)
    if found is None:
        return None
    columns, arrays = found
    if arrays.typed_text is not None and not initial:
        return arrays.typed_text
    if _few_erasures(arrays) and _erasing_breaks(columns, arrays, len(initial)) is not None:
        return _erasing_replay(columns, arrays, initial)
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


# --- Typing and erasing at the end, one character per key ------------------------------------
#
# A real test's log: each stroke types one character at the end of the text, erases its end
# (backspace) or does nothing (a refused key). The strokes between two erasures or refusals
# are read in runs, in C; only the erasures, and the characters they erase, go through Python.


def _few_erasures(arrays: _Arrays) -> bool:
    """Whether a log has erasures or refused keys, few enough for the direct path: each costs
    it a few microseconds in Python, where the vectorised path costs a fraction of one per
    stroke (measured: the direct path wins below about one stroke in 30)."""
    if arrays.all_inserts:
        return False
    n = len(arrays.t_ms)
    breaks = arrays.derived.breaks
    others = len(breaks) if breaks is not None else n - int(np.count_nonzero(arrays.inserts))
    return others * 32 <= n + 512


def _erasing_breaks(
    columns: _Columns, arrays: _Arrays, initial_length: int
) -> tuple[list[int], list[str]] | None:
    """The strokes that are not insertions, and the text typed between them, when every
    insertion types one character at the end of the text and every deletion erases its end
    (the text it records is not compared); None for any other log."""
    derived = arrays.derived
    if initial_length in derived.erasing:
        return derived.erasing[initial_length]
    breaks = derived.breaks
    if breaks is None:
        breaks = np.flatnonzero(~arrays.inserts).tolist()
    found = derived.erasing[initial_length] = _find_erasing_breaks(columns, initial_length, breaks)
    return found


def _op_indices(ops: tuple[str, ...], op: str) -> list[int]:
    """Where the strokes doing ``op`` are (searched in C: for the few erasures of a log)."""
    found: list[int] = []
    index = -1
    for _ in range(ops.count(op)):
        index = ops.index(op, index + 1)
        found.append(index)
    return found


def _find_erasing_breaks(
    columns: _Columns, initial_length: int, breaks: list[int]
) -> tuple[list[int], list[str]] | None:
    """``_erasing_breaks`` given the strokes that are not insertions."""
    ops, positions, texts = columns.ops, columns.positions, columns.texts
    n = len(ops)
    runs: list[str] = []
    length = initial_length
    start = 0
    for stop in chain(breaks, (n,)):
        size = stop - start
        if size:
            typed = _one_each(texts[start:stop], positions[start:stop], length)
            if typed is None:
                return None
            runs.append(typed)
            length += size
        else:
            runs.append("")
        if stop < n and ops[stop] == "delete":
            position = positions[stop]
            if position < 0 or position + len(texts[stop]) != length:
                return None
            length = position
        start = stop + 1
    return breaks, runs


def _erasing_replay(columns: _Columns, arrays: _Arrays, initial: str) -> str | None:
    """``replay`` of a log that types and erases at the end (``_erasing_breaks``); None when a
    deletion does not record the text it erases (the loop then explains why)."""
    found = _erasing_breaks(columns, arrays, len(initial))
    assert found is not None
    breaks, runs = found
    ops, positions, texts = columns.ops, columns.positions, columns.texts
    n = len(ops)
    text = list(initial)
    for stop, run in zip(chain(breaks, (n,)), runs, strict=True):
        text.extend(run)
        if stop < n and ops[stop] == "delete":
            position = positions[stop]
            if "".join(text[position:]) != texts[stop]:
                return None
            del text[position:]
    return "".join(text)


# A word being typed: (words begun so far, offset of the last character in its word or −1 after
# a separator, whether the word's characters so far are the reference word's).
_WordState = tuple[int, int, bool]


def _advance(state: _WordState, chunk: str, words: tuple[str, ...]) -> _WordState:
    """The word state after the folded characters ``chunk`` are typed (C-speed splits)."""
    if not chunk:
        return state
    count, offset, exact = state
    pieces = chunk.split()
    if not pieces:
        return count, -1, True
    continues = offset >= 0 and not chunk[0].isspace()
    count += len(pieces) - continues
    if chunk[-1].isspace():
        return count, -1, True
    last = pieces[-1]
    if continues and len(pieces) == 1:
        start = offset + 1
    else:
        start, exact = 0, True
    word = words[count - 1] if count - 1 < len(words) else ""
    return count, start + len(last) - 1, exact and word[start : start + len(last)] == last


def _erasing_stats(
    columns: _Columns,
    arrays: _Arrays,
    reference: str,
    folding: _Fold,
    end_ms: int | None,
) -> KeystrokeStats | None:
    """``keystroke_stats`` of a log that types and erases at the end from an empty text (see
    ``_erasing_breaks``); None for another log, or when erasures far back in a long text would
    make the word states cost more than the vectorised path.

    With appends only, the text before a character is the same when it is typed and when it
    is erased (an edit before it would have erased it), and for a character never erased it is
    the final text's start. The kept characters are judged on the final text (``_judge_text``);
    each erased one when it is erased, from the word state where the erasure starts.
    """
    found = _erasing_breaks(columns, arrays, 0)
    if found is None:
        return None
    breaks, runs = found
    ops, positions, t_ms = columns.ops, columns.positions, columns.t_ms
    n = len(ops)
    words = _reference_words(reference, folding).words
    word_count = len(words)
    budget = 2 * n + 1024  # characters scanned to find word states
    # Every character typed, folded at once; the text is kept folded.
    typed = _fold_text("".join(runs), folding)
    typed_start = 0
    text: list[str] = []
    typed_by: list[int] = []  # the stroke that typed each character of the text
    # Word states known at positions of the text (ascending), valid while it is not cut there.
    anchors: list[tuple[int, _WordState]] = [(0, (0, -1, True))]
    keypresses = correct = corrected = backspaces = correction_ms = 0
    start = 0
    for stop in chain(breaks, (n,)):
        text.extend(typed[typed_start : typed_start + stop - start])
        typed_by.extend(range(start, stop))
        typed_start += stop - start
        start = stop + 1
        if stop == n or ops[stop] != "delete":
            continue
        backspaces += 1
        if stop:
            correction_ms += max(0, t_ms[stop] - t_ms[stop - 1])
        position = positions[stop]
        if position == len(text):
            continue
        while anchors[-1][0] > position:
            anchors.pop()
        base, state = anchors[-1]
        if base < position:
            budget -= position - base
            if budget < 0:
                return None
            state = _advance(state, "".join(text[base:position]), words)
            anchors.append((position, state))
        count, offset, exact = state
        for folded, stroke in zip(text[position:], typed_by[position:], strict=True):
            if stroke:
                correction_ms += max(0, t_ms[stroke] - t_ms[stroke - 1])
            if folded.isspace():
                if offset >= 0:
                    keypresses += 1
                    if exact and count - 1 < word_count and offset + 1 == len(words[count - 1]):
                        correct += 1
                    else:
                        corrected += 1
                offset, exact = -1, True
            else:
                if offset < 0:
                    count += 1
                    exact = True
                offset += 1
                word = words[count - 1] if count - 1 < word_count else ""
                keypresses += 1
                if offset < len(word) and word[offset] == folded:
                    correct += 1
                else:
                    corrected += 1
                    exact = False
        del text[position:]
        del typed_by[position:]
    kept_keypresses, kept_correct = _judge_folded("".join(text), words)
    t_array = arrays.t_ms
    return KeystrokeStats(
        keypresses=keypresses + kept_keypresses,
        correct_keypresses=correct + kept_correct,
        corrected_errors=corrected,
        backspaces=backspaces,
        correction_time_s=correction_ms / 1000.0,
        consistency=_log_consistency(
            t_array, t_array[arrays.inserts], None, end_ms, arrays.ascending
        ),
    )


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


_BMP = 0x10000


class _Fold:
    """A one-for-one fold (``str.translate`` table) as a code point lookup table. Found again
    by identity: what depends on the fold's contents is cached under this object."""

    __slots__ = ("items", "table", "wide")

    def __init__(self, items: tuple[tuple[int, str], ...], table: CodeArray) -> None:
        self.items = items
        self.table = table
        # The same table over the whole Basic Multilingual Plane: one lookup folds a text
        # without testing each code against the table's end.
        self.wide: CodeArray | None = None
        if len(table) and len(table) <= _BMP:
            wide = np.arange(_BMP, dtype=np.uint32)
            wide[: len(table)] = table
            wide.flags.writeable = False
            self.wide = wide


@lru_cache(maxsize=8)
def _fold_of_items(items: tuple[tuple[object, object], ...]) -> _Fold | None:
    table = _fold_table(items)
    return None if table is None else _Fold(items, table)  # type: ignore[arg-type]


# The last fold seen, with a copy of its contents: callers pass the same dict each time
# (``NormalizationProfile.translation()``), and comparing it with the copy costs less than
# hashing its items again.
_last_fold: tuple[dict[int, str], dict[int, str], _Fold | None] | None = None


def _fold_of(fold: dict[int, str]) -> _Fold | None:
    """The fold as a lookup table; None when it is not one-for-one (the loop handles it)."""
    global _last_fold  # noqa: PLW0603 - a one-entry cache
    last = _last_fold
    if last is not None and last[0] is fold and last[1] == fold:
        return last[2]
    found = _fold_of_items(tuple(fold.items()))
    _last_fold = (fold, dict(fold), found)
    return found


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


def _fold_codes(codes: CodeArray, fold: _Fold) -> CodeArray:
    table = fold.table
    size = len(table)
    if not size or not len(codes):
        return codes
    if fold.wide is not None and int(codes.max()) < _BMP:
        return fold.wide[codes]
    return np.where(codes < size, table[np.minimum(codes, size - 1)], codes)


def _fold_text(text: str, fold: _Fold) -> str:
    """``text`` folded (``str.translate`` with the fold, through the lookup table)."""
    if not len(fold.table):
        return text
    return _fold_codes(_codes(text), fold).tobytes().decode(_UTF32, "surrogatepass")


class _ReferenceWords(NamedTuple):
    """The folded reference's words, for judging keys word by word."""

    words: tuple[str, ...]
    flat: CodeArray  # the words' code points, concatenated without separators
    starts: Int64Array  # where each word starts in ``flat``
    lengths: Int64Array  # each word's length


@lru_cache(maxsize=8)
def _reference_words(reference: str, fold: _Fold) -> _ReferenceWords:
    """The folded reference split into words (the same reference serves a whole session).
    Line and paragraph breaks separate words as spaces do."""
    words = tuple(reference.translate(dict(fold.items)).split())
    flat = np.frombuffer("".join(words).encode(_UTF32, "surrogatepass"), np.uint32)
    lengths = np.fromiter(map(len, words), np.int64, len(words))
    starts = np.cumsum(lengths) - lengths
    for array in (flat, lengths, starts):
        array.flags.writeable = False
    return _ReferenceWords(words, flat, starts, lengths)


# Code points that separate words (what str.split() splits on).
_SEPARATOR_TABLE = np.array([chr(c).isspace() for c in range(0x3001)], np.bool_)


def _separators(codes: CodeArray) -> BoolArray:
    """Which code points separate words (a table lookup; the last one is U+3000)."""
    if not len(codes) or codes.max() < len(_SEPARATOR_TABLE):
        return _SEPARATOR_TABLE[codes]  # the usual case: one lookup
    found = np.zeros(len(codes), np.bool_)
    low = codes < len(_SEPARATOR_TABLE)
    found[low] = _SEPARATOR_TABLE[codes[low]]
    return found


def _chain_sums(
    values: Int64Array, done: BoolArray, ancestors: Int64Array, combine: str
) -> Int64Array:
    """Accumulate ``values`` up each character's chain of ancestors (pointer jumping).

    ``ancestors[i]`` is the character before i in the text when i was typed (−1: none); a
    chain stops after a character marked ``done`` (its value is already complete). ``combine``
    is ``sum`` or ``max``. Each pass doubles the length covered, so a chain of n characters
    costs log2(n) passes.
    """
    values = values.copy()
    done = done.copy()
    ancestors = ancestors.copy()
    active = np.flatnonzero(~done & (ancestors >= 0))
    while len(active):
        above = ancestors[active]
        if combine == "sum":
            values[active] += values[above]
        else:
            values[active] = np.maximum(values[active], values[above])
        done[active] = done[above]
        ancestors[active] = ancestors[above]
        active = active[~done[active] & (ancestors[active] >= 0)]
    return values


class _Judged(NamedTuple):
    """Each typed character judged as Monkeytype judges a key press."""

    judged: BoolArray  # False for a separator that follows a separator (not a key of a word)
    right: BoolArray


def _judge_vectorized(
    typed: _Typed, folded: CodeArray, ref: _ReferenceWords, strokes: int
) -> _Judged:
    """``_KeyJudge`` for a log of appends only from an empty text.

    The text is then a stack: the character before one typed at position p is the last one
    placed at p − 1 before it, and a character that is never erased sees the final text
    before it. Values along the final text are prefix sums; the few erased characters add
    theirs along their chain of ancestors.
    """
    n = len(folded)
    positions = typed.positions
    separator = _separators(folded)
    separator_at = np.where(separator, positions, -1)
    erased_any = typed.erased is not None
    if not erased_any:
        # Nothing erased: each character follows the previous one, prefix scans say it all.
        parent = np.arange(-1, n - 1, dtype=np.int64)
        parent_separator = np.empty(n, np.bool_)
        parent_separator[:1] = True
        parent_separator[1:] = separator[:-1]
        word_start = ~separator & parent_separator
        word_count = np.cumsum(word_start, dtype=np.int64)
        last_separator = np.maximum.accumulate(separator_at)
    else:
        assert typed.erased is not None
        kept = ~typed.erased
        kept_index = np.flatnonzero(kept)
        erased = np.flatnonzero(typed.erased)
        # Parent: the character before each one in the text when it was typed (−1: none).
        parent = np.empty(n, np.int64)
        parent[kept_index] = np.concatenate(([-1], kept_index[:-1]))
        span = strokes + 2
        keys = positions * span + typed.strokes + 1
        order = np.argsort(keys, kind="stable")
        query = (positions[erased] - 1) * span + typed.strokes[erased] + 1
        found = np.searchsorted(keys[order], query, side="right") - 1
        parent[erased] = np.where(positions[erased] > 0, order[np.maximum(found, 0)], -1)
        parent_separator = np.ones(n, np.bool_)
        has_parent = parent >= 0
        parent_separator[has_parent] = separator[parent[has_parent]]
        word_start = ~separator & parent_separator
        # Along the final text (kept characters, in position order) prefix scans do; the
        # erased ones add theirs along their chain of ancestors.
        word_count = word_start.astype(np.int64)
        last_separator = separator_at.copy()
        word_count[kept_index] = np.cumsum(word_start[kept_index])
        last_separator[kept_index] = np.maximum.accumulate(separator_at[kept_index])
        word_count = _chain_sums(word_count, kept, parent, "sum")
        last_separator = _chain_sums(last_separator, kept, parent, "max")
    offset = positions - last_separator - 1
    word = word_count - 1
    words = len(ref.words)
    # np.minimum/np.maximum: np.clip costs ten times more on arrays this size.
    safe_word = np.minimum(np.maximum(word, 0), max(words - 1, 0))
    word_length = ref.lengths[safe_word] if words else np.zeros(n, np.int64)
    right = np.zeros(n, np.bool_)
    if words and len(ref.flat):
        in_word = ~separator & (word >= 0) & (word < words) & (offset < word_length)
        index = np.minimum(ref.starts[safe_word] + offset, len(ref.flat) - 1)
        right = in_word & (ref.flat[index] == folded)
    judged = ~separator | ~parent_separator
    # A separator is right when the word it ends was typed exactly: its length, and no wrong
    # character in it (wrong ones counted back to the word's start).
    ends = np.flatnonzero(separator & judged)
    if len(ends) and words:
        before = parent[ends]
        wrong = (~separator & ~right).astype(np.int64)
        if not erased_any:
            counted = np.cumsum(wrong)
            start = last_separator[before]
            wrong_in_word = counted[before] - np.where(start >= 0, counted[np.maximum(start, 0)], 0)
        else:
            assert typed.erased is not None
            kept = ~typed.erased
            kept_index = np.flatnonzero(kept)
            segment = wrong.copy()
            kept_wrong = np.cumsum(wrong[kept_index])
            kept_last = last_separator[kept_index]
            before_word = np.where(kept_last >= 0, kept_wrong[np.maximum(kept_last, 0)], 0)
            segment[kept_index] = np.where(separator[kept_index], 0, kept_wrong - before_word)
            wrong_in_word = _chain_sums(segment, kept | separator, parent, "sum")[before]
        right[ends] = (
            (word[ends] >= 0)
            & (word[ends] < words)
            & (offset[before] + 1 == word_length[ends])
            & (wrong_in_word == 0)
        )
    return _Judged(judged, right)


def _keystroke_stats_vectorized(
    keystrokes: Sequence[Keystroke],
    reference: str,
    fold: dict[int, str],
    end_ms: int | None = None,
) -> KeystrokeStats | None:
    """``keystroke_stats`` for a log of appends only from an empty text; None otherwise."""
    folding = _fold_of(fold)
    if folding is None:
        return None
    found = _arrays(_entries(keystrokes))
    if found is None:
        return None
    columns, arrays = found
    if arrays.typed_text is not None:
        return _typed_text_stats(arrays, arrays.typed_text, reference, folding, end_ms)
    if _few_erasures(arrays):
        stats = _erasing_stats(columns, arrays, reference, folding, end_ms)
        if stats is not None:
            return stats
    if not _appends_only(arrays, 0):
        return None
    typed = _typed_characters(columns, arrays)
    ref = _reference_words(reference, folding)
    folded = _fold_codes(typed.codes, folding)
    verdict = _judge_vectorized(typed, folded, ref, len(arrays.t_ms))
    judged, right = verdict
    t_ms = arrays.t_ms
    correction_ms = 0
    corrected = 0
    if typed.erased is not None:
        waits = np.zeros(len(t_ms), np.int64)
        np.maximum(t_ms[1:] - t_ms[:-1], 0, out=waits[1:])
        # A character's cost: its stroke's wait, shared among the characters it inserted.
        lengths = arrays.lengths[typed.strokes]
        costs = waits[typed.strokes] // np.maximum(lengths, 1)
        correction_ms = int(waits[arrays.deletes].sum()) + int(costs[typed.erased].sum())
        corrected = int(np.count_nonzero(typed.erased & judged & ~right))
    if arrays.all_inserts:
        inserted_at, weights = t_ms, arrays.lengths
    else:
        inserts = np.flatnonzero(arrays.inserts)
        inserted_at, weights = t_ms[inserts], arrays.lengths[inserts]
    return KeystrokeStats(
        keypresses=int(np.count_nonzero(judged)),
        correct_keypresses=int(np.count_nonzero(judged & right)),
        corrected_errors=corrected,
        backspaces=int(np.count_nonzero(arrays.deletes)),
        correction_time_s=correction_ms / 1000.0,
        consistency=_log_consistency(t_ms, inserted_at, weights, end_ms, arrays.ascending),
    )


def _typed_text_stats(
    arrays: _Arrays,
    text: str,
    reference: str,
    fold: _Fold,
    end_ms: int | None,
) -> KeystrokeStats:
    """``keystroke_stats`` of a log typing ``text`` one character per stroke at the end."""
    keypresses, correct = _judge_text(text, reference, fold)
    return KeystrokeStats(
        keypresses=keypresses,
        correct_keypresses=correct,
        corrected_errors=0,
        backspaces=0,
        correction_time_s=0.0,
        consistency=_log_consistency(arrays.t_ms, arrays.t_ms, None, end_ms, arrays.ascending),
    )


def _judge_text(text: str, reference: str, fold: _Fold) -> tuple[int, int]:
    """Key presses and correct ones of ``text`` typed one character at a time at the end.

    Each character is judged against the text before it, that is against the final text: word
    i of the typed text against word i of the reference, character by character, and each
    separator that ends a word is right when that word is exact (``_KeyJudge``); whole-word
    comparisons in C, the characters of the few wrong words in Python.
    """
    return _judge_folded(_fold_text(text, fold), _reference_words(reference, fold).words)


def _judge_folded(folded: str, reference_words: tuple[str, ...]) -> tuple[int, int]:
    """``_judge_text`` of the folded typed text against the folded reference's words."""
    typed_words = folded.split()
    separators = len(folded) - sum(map(len, typed_words))
    # Separators that end a word (the others follow a separator or start the text: not judged).
    ended = len(typed_words) - (1 if typed_words and not folded[-1].isspace() else 0)
    exact = list(map(operator.eq, typed_words, reference_words))
    correct = sum(compress(map(len, typed_words), exact)) + exact[:ended].count(True)
    if not all(exact):
        # The other words' characters against the reference word's at the same offsets (map
        # stops at the shorter word), without a Python loop.
        wrong = list(map(operator.not_, exact))
        correct += sum(
            map(
                sum,
                map(
                    map,
                    repeat(operator.eq),
                    compress(typed_words, wrong),
                    compress(reference_words, wrong),
                ),
            )
        )
    return len(folded) - separators + ended, correct


def _log_consistency(
    t_ms: Int64Array,
    inserted_at: Int64Array,
    weights: Int64Array | None,
    end_ms: int | None,
    ascending: bool,
) -> float | None:
    """Monkeytype's consistency of a log whose insertions of ``weights`` characters (None: one
    each) happen at ``inserted_at`` (see ``_series_consistency``); None without insertions.
    ``ascending``: t_ms never goes back (its ends are then its first and last times)."""
    if not len(inserted_at):
        return None
    if ascending:
        first, last = int(t_ms[0]), int(t_ms[-1])
    else:
        first, last = int(t_ms.min()), int(t_ms.max())
    windows = np.maximum((inserted_at - (first - 999)) // 1000, 1)
    if int(windows[-1] if ascending else windows.max()) <= 4 * len(windows) + 1024:
        sums = np.bincount(windows, weights=weights)
        present = np.flatnonzero(sums)
        sums = sums[present]
    else:  # keys hours apart: only the seconds that have keys, memory bounded by the log
        present, where = np.unique(windows, return_inverse=True)
        sums = np.bincount(where, weights=weights)
    return _series_consistency(
        present.astype(np.int64, copy=False),
        sums.astype(np.float64, copy=False),
        last - first if end_ms is None else max(end_ms, last) - first,
    )


def _series_consistency(windows: Int64Array, counts: FloatArray, span_ms: int) -> float | None:
    """Monkeytype's consistency of the per-second series, from the characters typed in each
    one-second window (k − 1, k] after the first key press (window 1 includes that key).

    Seconds without a key up to the end count 0; a last partial second under 0.5 s is dropped,
    a longer one scaled to a full second; under one second the value is 100. ``windows`` are
    the non-empty windows, ascending; ``None`` when no character was typed. Only the seconds
    with keys are stored, so a log spanning years costs no more than one spanning a minute.
    """
    if not counts.sum() > 0:
        return None
    if span_ms < 1000:
        return 100.0
    seconds, rest = divmod(span_ms, 1000)
    values = counts[windows <= seconds + (rest >= 500)]
    if rest >= 500 and len(values) and windows[len(values) - 1] == seconds + 1:
        values = values.copy()
        values[-1] *= 1000.0 / rest
        seconds += 1
    elif rest >= 500:
        seconds += 1
    # Exactly rounded sums: numpy's and BLAS's vary in their last bit with the arrays' memory
    # alignment, and the same log must give the same consistency on every path.
    listed = values.tolist()
    total = math.fsum(listed)
    if total <= 0:
        return None
    mean = total / seconds
    variance = max(0.0, math.fsum(map(operator.mul, listed, listed)) / seconds - mean * mean)
    return _kogasa(math.sqrt(variance) / mean)


def _kogasa(c: float) -> float:
    return 100.0 * (1.0 - math.tanh(c + c**3 / 3 + c**5 / 5))


def replay(keystrokes: Iterable[KeystrokeEntry], initial: str = "") -> str:
    """The typed text that the log's edits build, in order, from ``initial`` (empty for a
    typing test or a transcription, the speech-recognition draft for a correction exercise).

    Raises ValueError when an edit does not fit the text built so far (a corrupt log).
    """
    entries = _entries(keystrokes)
    if isinstance(entries, tuple | list) and len(entries) >= _VECTOR_MIN_STROKES:
        typed = _replay_vectorized(entries, initial)
        if typed is not None:
            return typed
    return replay_reference(entries, initial)


def replay_reference(keystrokes: Iterable[KeystrokeEntry], initial: str = "") -> str:
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


class JudgedKey(NamedTuple):
    """One typed character judged against the reference, as Monkeytype judges a key press.

    Attributes:
        t_ms: When it was typed.
        pos: Where it was inserted in the typed text.
        char: The character typed.
        expected: The (folded) reference character expected there: the character of the
            word being typed at the word's current length; ``None`` for a separator or beyond
            the reference word.
        right: Whether the key was right (a separator: whether the word it ends is exact).
        judged: False for a separator typed after a separator (or first): Monkeytype does not
            count it, and neither do the accuracy and the tables.
    """

    t_ms: int
    pos: int
    char: str
    expected: str | None
    right: bool
    judged: bool


class _KeyJudge:
    """Follows the typed text and judges each inserted character word by word.

    The word index advances on a separator (space, line break), the position in the word
    resets: one missing letter costs one key, never the rest of the line. A character is right
    when it equals the reference word's character at its offset in the typed word; a separator
    is right when the typed word it ends equals the reference word.
    """

    def __init__(self, reference: str, fold: dict[int, str]) -> None:
        self.words = reference.translate(fold).split()
        self.fold = fold
        self.text: list[str] = []  # folded characters
        self.word_count: list[int] = []  # words in text[: q + 1]
        self.offset: list[int] = []  # offset of text[q] in its word, −1 for a separator

    def _state(self, pos: int) -> tuple[int, int]:
        return (self.word_count[pos - 1], self.offset[pos - 1]) if pos else (0, -1)

    def insert(self, pos: int, char: str) -> tuple[str | None, bool, bool]:
        """Judge ``char`` typed at ``pos``: (expected, right, judged)."""
        folded = char.translate(self.fold)
        count, previous_offset = self._state(pos)
        expected: str | None = None
        if folded.isspace():
            judged = previous_offset >= 0
            right = True
            if judged:
                start = pos - 1 - previous_offset
                index = count - 1
                right = index < len(self.words) and (
                    "".join(self.text[start:pos]) == self.words[index]
                )
            offset = -1
        else:
            judged = True
            if previous_offset < 0:
                count += 1
            offset = previous_offset + 1
            word = self.words[count - 1] if count - 1 < len(self.words) else ""
            expected = word[offset] if offset < len(word) else None
            right = bool(folded) and word[offset : offset + len(folded)] == folded
        self.text.insert(pos, folded)
        self.word_count.insert(pos, count)
        self.offset.insert(pos, offset)
        if pos + 1 < len(self.text):
            self._recompute(pos + 1)
        return expected, right, judged

    def delete(self, pos: int, length: int) -> None:
        del self.text[pos : pos + length]
        del self.word_count[pos : pos + length]
        del self.offset[pos : pos + length]
        if pos < len(self.text):
            self._recompute(pos)

    def _recompute(self, start: int) -> None:
        """Word counts and offsets after an edit inside the text (a transcription editor)."""
        count, offset = self._state(start)
        for q in range(start, len(self.text)):
            if self.text[q].isspace():
                offset = -1
            else:
                count += offset < 0
                offset += 1
            self.word_count[q] = count
            self.offset[q] = offset


def judge_keystrokes(
    keystrokes: Iterable[Keystroke], reference: str, fold: dict[int, str]
) -> Iterator[JudgedKey]:
    """Each character the log inserts, judged word by word (see ``_KeyJudge``); ``fold`` is
    the normalisation's character table (’ typed as ' is right)."""
    judge = _KeyJudge(reference, fold)
    for t_ms, _key, op, pos, text in keystrokes:
        if op == "insert":
            for offset, char in enumerate(text):
                expected, right, judged = judge.insert(pos + offset, char)
                yield JudgedKey(t_ms, pos + offset, char, expected, right, judged)
        elif op == "delete":
            judge.delete(pos, len(text))


def monkeytype_consistency(per_second: Sequence[float]) -> float | None:
    """Monkeytype's consistency: 100 × (1 − tanh(c + c³/3 + c⁵/5)), c = coefficient of
    variation of the per-second speed. ``None`` without typing."""
    if not per_second:
        return None
    mean = sum(per_second) / len(per_second)
    if mean <= 0:
        return None
    variance = sum((x - mean) ** 2 for x in per_second) / len(per_second)
    return _kogasa(math.sqrt(variance) / mean)


@dataclass(frozen=True, slots=True)
class KeystrokeStats:
    """What the keystroke log says about how the text was typed.

    Attributes:
        keypresses: Characters typed (each character of an insertion counts once), less the
            separators typed after a separator (Monkeytype does not count them).
        correct_keypresses: Those judged right word by word (see ``judge_keystrokes``).
        corrected_errors: Wrong characters that were erased later.
        backspaces: Deleting key presses.
        correction_time_s: Time spent typing characters later erased plus erasing them.
        consistency: Monkeytype consistency of the per-second speed (``None`` without typing).
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
    keystrokes: Sequence[Keystroke],
    reference: str,
    fold: dict[int, str],
    *,
    end_ms: int | None = None,
) -> KeystrokeStats:
    """Judge each key press word by word, as Monkeytype does (``judge_keystrokes``); ``fold`` is
    the normalisation's one-for-one character table. ``end_ms`` is when the test ended (the
    time limit of a timed test), for the consistency series; by default the last key.
    """
    if len(keystrokes) >= _VECTOR_MIN_STROKES:
        stats = _keystroke_stats_vectorized(keystrokes, reference, fold, end_ms)
        if stats is not None:
            return stats
    return keystroke_stats_reference(keystrokes, reference, fold, end_ms=end_ms)


def keystroke_stats_reference(
    keystrokes: Sequence[Keystroke],
    reference: str,
    fold: dict[int, str],
    *,
    end_ms: int | None = None,
) -> KeystrokeStats:
    """``keystroke_stats`` stroke by stroke: the specification the vectorised path is tested
    against."""
    judge = _KeyJudge(reference, fold)
    # Mirrors the typed text: for each character, whether it was right and the time it cost.
    alive: list[tuple[bool, int]] = []
    keypresses = correct = corrected = backspaces = 0
    correction_ms = 0
    per_window: dict[int, int] = {}
    first = min((k.t_ms for k in keystrokes), default=0)
    last = max((k.t_ms for k in keystrokes), default=0)
    previous_t = keystrokes[0].t_ms if keystrokes else 0
    for t_ms, _key, op, pos, text in keystrokes:
        dt = t_ms - previous_t if t_ms > previous_t else 0
        previous_t = t_ms
        if op == "insert":
            share = dt // max(1, len(text))
            for offset, char in enumerate(text):
                _expected, right, judged = judge.insert(pos + offset, char)
                keypresses += judged
                correct += judged and right
                alive.insert(pos + offset, (right or not judged, share))
            window = max(1, -((first - t_ms) // 1000))
            per_window[window] = per_window.get(window, 0) + len(text)
        elif op == "delete":
            backspaces += 1
            correction_ms += dt
            end = pos + len(text)
            for right, cost in alive[pos:end]:
                corrected += not right
                correction_ms += cost
            del alive[pos:end]
            judge.delete(pos, len(text))
    consistency = None
    if per_window:
        windows = sorted(per_window)
        consistency = _series_consistency(
            np.array(windows, np.int64),
            np.array([per_window[w] for w in windows], np.float64),
            (last if end_ms is None else max(end_ms, last)) - first,
        )
    return KeystrokeStats(
        keypresses=keypresses,
        correct_keypresses=correct,
        corrected_errors=corrected,
        backspaces=backspaces,
        correction_time_s=correction_ms / 1000.0,
        consistency=consistency,
    )
