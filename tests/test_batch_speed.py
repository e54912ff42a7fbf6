"""What ``frappe score`` does to go fast changes nothing it outputs.

The JSON writer must give exactly ``json.dumps(…, ensure_ascii=False, indent=1)``, and the
batch (garbage collector paused, worker processes) the same entries as scoring file by file.
"""

from __future__ import annotations

import gc
import json
import math
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from conftest import RecordFactory
from frappe.reports.batch_results import _json_text, entries_json_text, entry_json_text
from frappe.runs.batch_scoring import BatchSettings, score_inputs, score_inputs_as, score_one
from frappe.scoring.keystrokes import Keystroke
from frappe.storage.files import write_record

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
    assert _json_text(value) == reference_json(value)


@given(st.lists(st.dictionaries(st.text(max_size=8), json_values, max_size=4), max_size=4))
def test_entries_written_one_by_one_join_into_the_same_json(entries: list[object]) -> None:
    """The worker processes write each entry, the parent joins them: the same text."""
    texts = [entry_json_text(entry) for entry in entries]  # type: ignore[arg-type]
    assert entries_json_text(texts) == reference_json(entries)


def test_json_text_leaves_unusual_values_to_json_dumps() -> None:
    class Number(int):
        pass

    for value in ({1: "a", None: [2.5]}, [Number(3)], {"deep": [[[[]]]] * 2}, [[0]] * 3):
        assert _json_text(value) == reference_json(value)
    nested: list[object] = []
    for _ in range(200):
        nested = [nested]
    assert _json_text(nested) == reference_json(nested)
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
        assert list(score_inputs(paths, settings, jobs=jobs, progress=False)) == one_by_one
        assert gc.isenabled() == was_enabled
        written = score_inputs_as(paths, settings, entry_json_text, jobs=jobs, progress=False)
        assert entries_json_text(list(written)) == reference_json(one_by_one)
    assert _json_text(one_by_one) == reference_json(one_by_one)


def _fields(record: object) -> dict[str, object]:
    return {name: getattr(record, name) for name in record.__slots__}  # type: ignore[attr-defined]
