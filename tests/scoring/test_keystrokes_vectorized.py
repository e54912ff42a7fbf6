"""The vectorised keystroke paths against the edit-by-edit reference, on random logs.

``replay`` and ``keystroke_stats`` take a numpy path for logs that only type and erase at the
end of the text; ``replay_reference`` and ``keystroke_stats_reference`` are the specification.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from frappe.scoring import normalization_profile
from frappe.scoring.keystrokes import (
    Keystroke,
    KeystrokeStats,
    _arrays,
    _erasing_breaks,
    _erasing_stats,
    _fold_of,
    _keystroke_stats_vectorized,
    _replay_vectorized,
    keystroke_stats,
    keystroke_stats_reference,
    parse_keystroke_log,
    replay,
    replay_reference,
)

# Folded characters (’ « — É) and a lone surrogate among the usual ones.
ALPHABET = "abcé ’'«»—-ÉE\n\ud800"
FOLDS: list[dict[int, str]] = [
    {},
    normalization_profile("strict").translation(),
    normalization_profile("frappe").translation(),
    normalization_profile("wer").translation(),
    {ord("’"): "'", ord("é"): "e"},
    {0: "x", ord("a"): "b"},
    # Not one-for-one: the loop decides.
    {ord("a"): "bb"},
    {ord("œ"): "oe"},
    # Beyond the Basic Multilingual Plane (the folding table's slower path).
    {ord("😀"): "x", ord("é"): "e"},
]


@dataclass
class Edit:
    kind: str  # "type", "backspace", "insert", "delete", "none"
    text: str
    where: float  # relative position for edits anywhere
    size: int
    wait: int


edits = st.builds(
    Edit,
    st.sampled_from(["type"] * 12 + ["backspace"] * 3 + ["insert", "delete", "none", "cut"]),
    st.text(alphabet=ALPHABET, min_size=0, max_size=4),
    st.floats(min_value=0, max_value=1),
    st.integers(min_value=0, max_value=4),
    st.sampled_from([0, 0, 40, 180, 250, 999, 1000, 2500, -300]),
)


def build_log(initial: str, steps: list[Edit], *, anywhere: bool) -> list[Keystroke]:
    """A consistent log made from ``steps``; without ``anywhere`` every edit is at the end."""
    buffer = initial
    t = 0
    log: list[Keystroke] = []
    for step in steps:
        t = max(0, t + step.wait)
        end = len(buffer)
        if step.kind == "type" and step.text:
            char = step.text[0]
            log.append(Keystroke(t, char, "insert", end, char))
            buffer += char
        elif step.kind == "insert":
            pos = int(step.where * end) if anywhere else end
            log.append(Keystroke(t, "paste", "insert", pos, step.text))
            buffer = buffer[:pos] + step.text + buffer[pos:]
        elif step.kind in ("backspace", "cut") and buffer:
            size = 1 if step.kind == "backspace" else min(step.size, end)
            pos = end - size
            if anywhere and step.kind == "cut":
                pos = int(step.where * (end - size))
            log.append(Keystroke(t, "backspace", "delete", pos, buffer[pos : pos + size]))
            buffer = buffer[:pos] + buffer[pos + size :]
        elif step.kind == "delete":
            pos = int(step.where * end) if anywhere else end
            size = min(step.size, end - pos)
            log.append(Keystroke(t, "delete", "delete", pos, buffer[pos : pos + size]))
            buffer = buffer[:pos] + buffer[pos + size :]
        else:
            log.append(Keystroke(t, "backspace", "none", int(step.where * 9), step.text))
    return log


logs = st.tuples(
    st.text(alphabet=ALPHABET, max_size=30),
    st.lists(edits, min_size=0, max_size=120),
    st.booleans(),
)
references = st.text(alphabet=ALPHABET, max_size=150)
folds = st.sampled_from(FOLDS)


def outcome(func: object, *args: object) -> object:
    """The value, or the exception type and message."""
    try:
        return func(*args)  # type: ignore[operator]
    except ValueError as error:
        return (type(error), str(error))


@settings(max_examples=400, deadline=None)
@given(logs)
def test_replay_equals_the_reference(case: tuple[str, list[Edit], bool]) -> None:
    initial, steps, anywhere = case
    log = build_log(initial, steps, anywhere=anywhere)
    expected = replay_reference(log, initial)
    fast = _replay_vectorized(log, initial)
    assert fast is None or fast == expected
    if not anywhere and log:
        assert fast is not None  # appends only: the vectorised path decides
    assert replay(log, initial) == expected
    assert replay(tuple(log), initial) == expected
    assert replay(parse_keystroke_log([list(k) for k in log]), initial) == expected


@settings(max_examples=400, deadline=None)
@given(
    logs,
    st.integers(min_value=0),
    st.sampled_from(["pos", "text", "char", "op", "initial", "initial_char"]),
)
def test_a_corrupt_log_fails_as_the_reference_does(
    case: tuple[str, list[Edit], bool], index: int, damage: str
) -> None:
    initial, steps, anywhere = case
    log = build_log(initial, steps, anywhere=anywhere)
    if damage == "initial":
        initial = initial[1:] if initial else "x"
    elif damage == "initial_char" and initial:
        i = index % len(initial)
        initial = initial[:i] + ("b" if initial[i] != "b" else "c") + initial[i + 1 :]
    elif log:
        i = index % len(log)
        t, key, op, pos, text = log[i]
        if damage == "pos":
            log[i] = Keystroke(t, key, op, pos + 1 + index % 3, text)
        elif damage == "text":
            log[i] = Keystroke(t, key, op, pos, text[::-1] + "z" if op == "delete" else text)
        elif damage == "char":  # same length, another character: only the text check sees it
            deletes = [j for j, k in enumerate(log) if k.op == "delete" and k.text]
            if deletes:
                i = deletes[index % len(deletes)]
                t, key, op, pos, text = log[i]
                j = index % len(text)
                changed = text[:j] + ("b" if text[j] != "b" else "c") + text[j + 1 :]
                log[i] = Keystroke(t, key, op, pos, changed)
        else:
            log[i] = Keystroke(t, key, "delete" if op == "insert" else "insert", pos, text)
    expected = outcome(replay_reference, log, initial)
    fast = _replay_vectorized(log, initial)
    assert fast is None or fast == expected
    assert outcome(replay, tuple(log), initial) == expected
    assert outcome(replay, log, initial) == expected


# The consistency of this log differed in its last bit between the two paths (numpy's sums
# depend on memory alignment): hypothesis found it once; kept so that it is tried every time.
_UNALIGNED_SUMS = (
    [
        Edit("type", char, 0.0, 0, wait)
        for char, wait in (
            ("", 0),
            ("", 180),
            ("", 999),
            ("", -300),
            ("E", 0),
            ("E", 40),
            ("E", 999),
            ("E", 999),
        )
    ]
    + [Edit("insert", "", 0.0, 0, 999)]
    + [
        Edit("type", char, 0.0, 0, wait)
        for char, wait in (
            ("", 999),
            ("E", 40),
            ("E", 250),
            ("", 250),
            ("", 999),
            ("", 999),
            ("", 999),
            ("", 999),
            ("", 999),
            ("E", 250),
            ("E", 999),
        )
    ]
)


@settings(max_examples=400, deadline=None)
@given(logs, references, folds)
@example(("", _UNALIGNED_SUMS, False), "", {})
def test_keystroke_stats_equal_the_reference(
    case: tuple[str, list[Edit], bool], reference: str, fold: dict[int, str]
) -> None:
    _initial, steps, anywhere = case
    log = build_log("", steps, anywhere=anywhere)
    expected = keystroke_stats_reference(log, reference, fold)
    fast = _keystroke_stats_vectorized(log, reference, fold)
    if fast is not None:
        assert_same_stats(fast, expected)
    elif not anywhere and log and all(len(v) == 1 for v in fold.values()):
        pytest.fail("appends only with a one-for-one fold: the vectorised path should decide")
    assert_same_stats(keystroke_stats(log, reference, fold), expected)
    parsed = parse_keystroke_log([list(k) for k in log])
    assert_same_stats(keystroke_stats(parsed, reference, fold), expected)


@settings(max_examples=200, deadline=None)
@given(logs, references, folds, st.lists(st.integers(min_value=0, max_value=10**6)))
def test_keystroke_stats_with_any_times(
    case: tuple[str, list[Edit], bool],
    reference: str,
    fold: dict[int, str],
    times: list[int],
) -> None:
    """Times out of order, repeated or far apart (consistency spans every second between)."""
    _initial, steps, anywhere = case
    log = build_log("", steps, anywhere=anywhere)
    log = [k._replace(t_ms=times[i] if i < len(times) else k.t_ms) for i, k in enumerate(log)]
    expected = keystroke_stats_reference(log, reference, fold)
    fast = _keystroke_stats_vectorized(log, reference, fold)
    if fast is not None:
        assert_same_stats(fast, expected)
    assert_same_stats(keystroke_stats(log, reference, fold), expected)


def assert_same_stats(got: KeystrokeStats, expected: KeystrokeStats) -> None:
    """Equal, and of the same types (an int64 or float64 would change the JSON output)."""
    assert got == expected
    for name in KeystrokeStats.__slots__:
        assert type(getattr(got, name)) is type(getattr(expected, name)), name


def test_the_vectorised_paths_leave_other_shapes_to_the_loop() -> None:
    typed = [Keystroke(i * 100, c, "insert", i, c) for i, c in enumerate("bonjour")]
    middle = [*typed, Keystroke(800, "x", "insert", 2, "x")]
    assert _replay_vectorized(typed, "") == "bonjour"
    assert _replay_vectorized(middle, "") is None
    assert replay(middle) == "boxnjour"
    assert _keystroke_stats_vectorized(middle, "bonjour", {}) is None
    assert _replay_vectorized([k._replace(t_ms=0.5) for k in typed], "") is None  # type: ignore[arg-type]
    assert _replay_vectorized([*typed, Keystroke(900, "z", "mystery", 7, "z")], "") is None  # type: ignore[arg-type]
    # A fold that is not one-for-one.
    assert _keystroke_stats_vectorized(typed, "bonjour", {ord("o"): "oe"}) is None


def test_a_log_changed_in_place_is_not_taken_from_the_cache() -> None:
    log = [Keystroke(i * 100, c, "insert", i, c) for i, c in enumerate("a" * 40)]
    assert replay(log) == "a" * 40
    log[-1] = Keystroke(4000, "b", "insert", 39, "b")
    assert replay(log) == "a" * 39 + "b"
    frozen = tuple(log)
    assert replay(frozen) == replay(frozen, "") == "a" * 39 + "b"
    assert replay(frozen, "zz") == replay_reference(frozen, "zz")


def test_empty_insertions_do_not_pass_for_one_character_each() -> None:
    """Found by the property test: two empty insertions and one of three characters add up to
    three characters for three insertions."""
    log = [
        Keystroke(0, "a", "insert", 1, ""),
        Keystroke(1, "backspace", "delete", 0, "E"),
        Keystroke(2, "a", "insert", 0, ""),
        Keystroke(3, "paste", "insert", 0, "EEE"),
    ]
    assert _replay_vectorized(log, "E") == replay_reference(log, "E") == "EEE"
    assert _keystroke_stats_vectorized(log[2:], "EEE", {}) == keystroke_stats_reference(
        log[2:], "EEE", {}
    )


typing_only = st.lists(
    st.tuples(
        st.sampled_from(ALPHABET + "  \t\u3000\x1c😀"), st.sampled_from([0, 40, 180, 1000, 2500])
    ),
    min_size=0,
    max_size=160,
)


@settings(max_examples=300, deadline=None)
@given(typing_only, references, folds, st.sampled_from([None, 0, 60_000]))
def test_typing_at_the_end_equals_the_reference(
    keys: list[tuple[str, int]], reference: str, fold: dict[int, str], end_ms: int | None
) -> None:
    """One character per stroke at the end, never erased (most typing tests): the direct path
    judges whole words; it must give what the reference gives, separators and folds included."""
    log: list[Keystroke] = []
    t = 0
    for char, wait in keys:
        t += wait
        log.append(Keystroke(t, char, "insert", len(log), char))
    frozen = tuple(log)
    expected = keystroke_stats_reference(frozen, reference, fold, end_ms=end_ms)
    assert_same_stats(keystroke_stats(frozen, reference, fold, end_ms=end_ms), expected)
    assert replay(frozen) == replay_reference(frozen) == "".join(char for char, _ in keys)
    if len(log) >= 32 and all(len(v) == 1 for v in fold.values()):
        found = _arrays(frozen)
        assert found is not None and found[1].typed_text == replay_reference(frozen)


def test_the_direct_path_needs_one_character_at_each_position() -> None:
    typed = [Keystroke(i * 100, c, "insert", i, c) for i, c in enumerate("bonjour " * 5)]
    assert _arrays(tuple(typed))[1].typed_text == "bonjour " * 5  # type: ignore[index]
    shifted = [*typed[:-1], typed[-1]._replace(pos=41)]
    assert _arrays(tuple(shifted))[1].typed_text is None  # type: ignore[index]
    two = [
        *typed[:-2],
        Keystroke(3900, "é", "insert", 38, "é "),
        Keystroke(4000, "a", "insert", 40, ""),
    ]
    assert _arrays(tuple(two))[1].typed_text is None  # type: ignore[index]
    assert replay(tuple(two)) == replay_reference(two)


# Logs of a real test: one character typed at the end, backspaces, cuts at the end, refused
# keys (op "none"), times going back now and then.
erasing_steps = st.lists(
    st.tuples(
        st.sampled_from(["type"] * 10 + ["backspace"] * 3 + ["cut", "none", "empty"]),
        st.sampled_from(ALPHABET + "  \t\u3000\x1c😀xyz"),
        st.integers(min_value=0, max_value=6),
        st.sampled_from([0, 40, 180, 250, 999, 1000, 2500, -300]),
    ),
    min_size=0,
    max_size=200,
)


def erasing_log(steps: list[tuple[str, str, int, int]], initial: str = "") -> list[Keystroke]:
    buffer = initial
    t = 0
    log: list[Keystroke] = []
    for kind, char, size, wait in steps:
        t = max(0, t + wait)
        end = len(buffer)
        if kind == "type":
            log.append(Keystroke(t, char, "insert", end, char))
            buffer += char
        elif kind in ("backspace", "cut"):
            cut = min(1 if kind == "backspace" else size, end)
            log.append(Keystroke(t, "backspace", "delete", end - cut, buffer[end - cut :]))
            buffer = buffer[: end - cut]
        elif kind == "empty":  # a deletion of nothing, at the end
            log.append(Keystroke(t, "delete", "delete", end, ""))
        else:
            log.append(Keystroke(t, "backspace", "none", size * 7, char if size % 2 else ""))
    return log


@settings(max_examples=500, deadline=None)
@given(erasing_steps, references, folds, st.sampled_from([None, 0, 60_000]))
def test_typing_and_erasing_at_the_end_equals_the_reference(
    steps: list[tuple[str, str, int, int]],
    reference: str,
    fold: dict[int, str],
    end_ms: int | None,
) -> None:
    """Typing and erasing at the end (the direct path for logs with erasures): the same
    statistics and the same replay as the reference, separators, folds and times included."""
    frozen = tuple(erasing_log(steps))
    expected = keystroke_stats_reference(frozen, reference, fold, end_ms=end_ms)
    assert_same_stats(keystroke_stats(frozen, reference, fold, end_ms=end_ms), expected)
    assert_same_stats(keystroke_stats(list(frozen), reference, fold, end_ms=end_ms), expected)
    assert replay(frozen) == replay_reference(frozen)
    found = _arrays(frozen)
    if found is not None and not found[1].all_inserts:
        assert _erasing_breaks(found[0], found[1], 0) is not None  # the direct path decides
        if _fold_of(fold) is not None:
            stats = _erasing_stats(found[0], found[1], reference, _fold_of(fold), end_ms)  # type: ignore[arg-type]
            assert stats is not None
            assert_same_stats(stats, expected)


@settings(max_examples=300, deadline=None)
@given(
    erasing_steps,
    st.text(alphabet=ALPHABET, max_size=20),
    st.integers(min_value=0),
    st.sampled_from(["pos", "char", "text", "op"]),
)
def test_a_corrupt_erasing_log_fails_as_the_reference_does(
    steps: list[tuple[str, str, int, int]], initial: str, index: int, damage: str
) -> None:
    log = erasing_log(steps, initial)
    if log:
        i = index % len(log)
        t, key, op, pos, text = log[i]
        if damage == "pos":
            log[i] = Keystroke(t, key, op, pos + 1 + index % 3, text)
        elif damage == "char" and op == "delete" and text:
            j = index % len(text)
            log[i] = Keystroke(
                t, key, op, pos, text[:j] + ("b" if text[j] != "b" else "c") + text[j + 1 :]
            )
        elif damage == "text":
            log[i] = Keystroke(t, key, op, pos, text + "z")
        elif damage == "op" and op != "none":
            log[i] = Keystroke(t, key, "delete" if op == "insert" else "insert", pos, text)
    frozen = tuple(log)
    expected = outcome(replay_reference, frozen, initial)
    assert outcome(replay, frozen, initial) == expected
    assert outcome(replay, list(frozen), initial) == expected
    if isinstance(expected, str) and not initial:  # statistics are taken on valid logs
        expected_stats = keystroke_stats_reference(frozen, "abc é", {})
        assert_same_stats(keystroke_stats(frozen, "abc é", {}), expected_stats)


def test_erasing_far_back_in_a_long_text_leaves_it_to_the_vectorised_path() -> None:
    """Backspacing a long text character by character would rescan it each time: past a
    budget linear in the log, the direct path gives way (same results)."""
    text = "bonjour à tous " * 40
    log = [Keystroke(i * 10, c, "insert", i, c) for i, c in enumerate(text)]
    for j in range(len(text) - 1, 100, -1):
        log.append(Keystroke(len(log) * 10, "backspace", "delete", j, text[j]))
        log.append(Keystroke(len(log) * 10, "x", "insert", j, "x"))
        log.append(Keystroke(len(log) * 10, "backspace", "delete", j, "x"))
    frozen = tuple(log)
    found = _arrays(frozen)
    assert found is not None
    assert _erasing_breaks(found[0], found[1], 0) is not None
    fold = normalization_profile("frappe").translation()
    assert _erasing_stats(found[0], found[1], text, _fold_of(fold), None) is None  # type: ignore[arg-type]
    expected = keystroke_stats_reference(frozen, text, fold)
    assert_same_stats(keystroke_stats(frozen, text, fold), expected)
    assert replay(frozen) == replay_reference(frozen) == text[:101]


@pytest.mark.parametrize("every", [5, 17, 40])
def test_a_long_log_with_few_or_many_erasures_takes_the_direct_path(every: int) -> None:
    """Erasures and refused keys found by search (a few) or from the operation codes (many)."""
    text = "Le patient, âgé de 54 ans, présente une douleur thoracique. "
    steps: list[tuple[str, str, int, int]] = []
    for i, char in enumerate(text * 6):
        steps.append(("type", char, 0, 180))
        if i % every == 3:
            steps.append(("type", "x", 0, 90))
            steps.append(("backspace", "", 0, 250))
        if i % (3 * every) == 7:
            steps.append(("none", "", 2, 40))
    frozen = tuple(erasing_log(steps))
    fold = normalization_profile("frappe").translation()
    found = _arrays(frozen)
    assert found is not None and not found[1].all_inserts
    assert _erasing_breaks(found[0], found[1], 0) is not None
    stats = _erasing_stats(found[0], found[1], text * 6, _fold_of(fold), 90_000)  # type: ignore[arg-type]
    expected = keystroke_stats_reference(frozen, text * 6, fold, end_ms=90_000)
    assert stats is not None
    assert_same_stats(stats, expected)
    assert expected.corrected_errors > 0
    assert replay(frozen) == replay_reference(frozen) == text * 6
