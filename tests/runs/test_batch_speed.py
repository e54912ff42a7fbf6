"""What ``frappe score`` does to go fast changes nothing it outputs.

The JSON writer must give exactly ``json.dumps(…, ensure_ascii=False, indent=1)``, and the
batch (garbage collector paused, worker processes) the same entries as scoring file by file.
"""

from __future__ import annotations

import gc
import json
import math
import random
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frappe.reports.batch_results import (
    entries_json_bytes,
    entries_json_text,
    entry_json_text,
    json_text,
)
from frappe.runs.batch_scoring import (
    BatchSettings,
    _chunk_bounds,
    _path_order,
    expand_input_names,
    score_inputs,
    score_inputs_as,
    score_one,
)
from frappe.scoring.keystrokes import Keystroke
from frappe.storage.files import write_record
from support.records import RecordFactory

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.tuples(children, children)
        | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=30,
)


def finite(value: object) -> object:
    """NaN and infinities as None: frappe writes them ``null`` (``NaN`` is not JSON)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite(item) for item in value]
    return value


def reference_json(value: object) -> str:
    return json.dumps(finite(value), ensure_ascii=False, indent=1)


@given(json_values)
def test_json_text_is_json_dumps_indent_1(value: object) -> None:
    assert json_text(value) == reference_json(value)


@given(st.lists(st.dictionaries(st.text(max_size=8), json_values, max_size=4), max_size=4))
def test_entries_written_one_by_one_join_into_the_same_json(entries: list[object]) -> None:
    """The worker processes write each entry, the parent joins them: the same text."""
    texts = [entry_json_text(entry) for entry in entries]  # type: ignore[arg-type]
    assert entries_json_text(texts) == reference_json(entries)
    # As bytes (what the workers of ``frappe score --format json`` send): the same encoding of
    # the same text, lone surrogates escaped.
    encoded = [text.encode("utf-8", "backslashreplace") for text in texts]
    expected = reference_json(entries).encode("utf-8", "backslashreplace")
    assert entries_json_bytes(encoded) == expected
    assert entries_json_bytes(encoded, b"\n") == expected + b"\n"


error_keys = ("op", "class", "ref", "hyp", "ref_span", "hyp_span", "ref_words", "detail")
spans = st.lists(st.integers() | st.booleans() | st.floats(), min_size=1, max_size=3) | st.tuples(
    st.integers(), st.integers()
)
error_like = st.fixed_dictionaries(
    {
        "op": st.text() | st.none(),
        "class": st.text(),
        "ref": st.text(),
        "hyp": st.text(),
        "ref_span": spans | st.lists(st.integers(), min_size=2, max_size=2),
        "hyp_span": st.lists(st.integers(), min_size=2, max_size=2),
        "ref_words": st.lists(st.integers(), min_size=2, max_size=2) | spans,
        "detail": st.none() | st.text() | st.integers(),
    }
)


@given(st.lists(error_like, max_size=3), st.integers(0, 70))
def test_error_entries_have_the_json_dumps_text(errors: list[object], depth: int) -> None:
    """Errors (``ScoringError.to_dict``) take a shortcut through one format string: the same
    text, at any depth, and the usual path for anything not exactly shaped like one."""
    document: object = {"errors": errors}
    for _ in range(depth):
        document = [document]
    assert json_text(document) == reference_json(document)


def test_json_text_leaves_unusual_values_to_json_dumps() -> None:
    class Number(int):
        pass

    for value in ({1: "a", None: [2.5]}, [Number(3)], {"deep": [[[[]]]] * 2}, [[0]] * 3):
        assert json_text(value) == reference_json(value)
    nested: list[object] = []
    for _ in range(200):
        nested = [nested]
    assert json_text(nested) == reference_json(nested)
    entries = [{"deep": nested, "n": Number(1)}, {"ok": True}]
    texts = [entry_json_text(entry) for entry in entries]
    assert entries_json_text(texts) == reference_json(entries)


def test_a_batch_gives_the_entries_of_file_by_file_scoring(
    tmp_path: Path, make_record: RecordFactory
) -> None:
    paths = []
    for i in range(70):  # enough for worker processes
        record = make_record(typed=f"Le patient est sorti ce matin {i}. Il va")
        if i % 3 == 0:  # a correction made with backspaces
            log = list(record.keystrokes)
            t = log[-1].t_ms
            log += [
                Keystroke(t + 100, "x", "insert", len(record.typed), "x"),
                Keystroke(t + 300, "backspace", "delete", len(record.typed), "x"),
            ]
            record = type(record)(**{**_fields(record), "keystrokes": tuple(log)})
        path = tmp_path / f"r{i:03d}.json"
        write_record(record, path)
        paths.append(path)
    paths.append(tmp_path / "missing.json")
    settings = BatchSettings(None, None, None)
    one_by_one = [score_one(p, settings) for p in paths]
    was_enabled = gc.isenabled()
    for jobs in (1, 2):
        assert list(score_inputs(paths, settings, jobs=jobs)) == one_by_one
        assert gc.isenabled() == was_enabled
        written = score_inputs_as(paths, settings, entry_json_text, jobs=jobs)
        assert entries_json_text(list(written)) == reference_json(one_by_one)
    assert json_text(one_by_one) == reference_json(one_by_one)


@given(st.integers(0, 5000), st.integers(1, 16))
def test_chunks_cover_the_batch_in_order_shrinking_to_a_few_files(count: int, jobs: int) -> None:
    bounds = _chunk_bounds(count, jobs)
    ends = [end for _start, end in bounds]
    assert [start for start, _end in bounds] == [0, *ends][: len(bounds)]
    assert (ends[-1] if ends else 0) == count
    sizes = [end - start for start, end in bounds]
    assert all(0 < size <= 64 for size in sizes)
    assert sizes == sorted(sizes, reverse=True)  # the last chunks are the smallest
    assert all(size <= 4 for size in sizes[-jobs:])  # the workers end within a few files


# What a worker sees of this module: the test changes it before the batch starts.
_PARENT_STATE = {"seen": "as imported"}


def _parent_state(_entry: dict[str, object]) -> str:
    return _PARENT_STATE["seen"]


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
def test_workers_are_forked_with_what_the_parent_loaded(
    tmp_path: Path, make_record: RecordFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Python 3.14 starts them from a fork server by default: everything imported again.
    paths = [write_record(make_record(), tmp_path / f"r{i:03d}.json") for i in range(70)]
    monkeypatch.setitem(_PARENT_STATE, "seen", "the parent's")
    seen = set(score_inputs_as(paths, BatchSettings(None, None, None), _parent_state, jobs=2))
    assert seen == {"the parent's"}


def _fields(record: object) -> dict[str, object]:
    return {name: getattr(record, name) for name in record.__slots__}  # type: ignore[attr-defined]


def test_inputs_keep_the_order_of_sorted_paths(tmp_path: Path) -> None:
    """``expand_input_names`` sorts a folder's files with a key (fast): the order of ``sorted``."""
    rng = random.Random(1)
    names = ["a", "a-b", "a b", "A", "é", "b", "-", "_", "0", "a.b"]
    for _ in range(300):
        paths = [Path(*(rng.choice(names) for _ in range(rng.randint(1, 3)))) for _ in range(12)]
        texts = sorted((f"top/{path}" for path in paths), key=_path_order(len("top/")))
        assert [Path("top", path) for path in sorted(paths)] == [Path(text) for text in texts]
    for relative in ("a/b.json", "a-b/c.json", "a b.json", "A/z.json", "a.json"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text("{}")
    found = [Path(name) for name in expand_input_names([str(tmp_path)], (".json",))]
    assert found == sorted(tmp_path.rglob("*.json"))


def test_folder_inputs_are_the_files_rglob_finds(tmp_path: Path) -> None:
    """Folders are read from their directory entries (no stat per file): the same files as
    ``rglob`` + ``is_file`` + suffix, links to files kept, links to folders not followed."""
    for relative in (
        "a.json", "b.JSON", ".json", "c.", "d..json", ".hidden.json", "x/y/z.json",
        "x/y/w.txt", "x/.h/q.json", "e.json.bak", "f",
    ):  # fmt: skip
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text("{}")
    (tmp_path / "link.json").symlink_to(tmp_path / "a.json")
    (tmp_path / "folder-link").symlink_to(tmp_path / "x")
    (tmp_path / "dangling.json").symlink_to(tmp_path / "missing.json")
    (tmp_path / "folder.json").mkdir()
    for suffixes in ((".json",), (".txt",)):
        expected = sorted(
            p for p in tmp_path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes
        )
        assert [Path(name) for name in expand_input_names([str(tmp_path)], suffixes)] == expected


@given(
    st.lists(
        st.dictionaries(st.sampled_from(["a", "%s", "b%", "%%"]), json_values, max_size=4),
        max_size=8,
    )
)
def test_dicts_with_keys_seen_before_have_the_json_dumps_text(
    dicts: list[dict[str, object]],
) -> None:
    """A dict of scalars with the keys of one written before takes a format string made that
    first time: the same text whatever its values are this time (keys with ``%`` included)."""
    for value in dicts:
        assert json_text(value) == reference_json(value)
        assert entry_json_text(value) == reference_json(value).replace("\n", "\n ")
