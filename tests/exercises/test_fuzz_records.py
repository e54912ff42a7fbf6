"""Issue 14 §1: a seeded mutator over real records of the three kinds (typing, transcription,
correction), made by the app's own Session. Bounded: a fixed number of mutants.

Whatever the mutant, no exception escapes the batch, every input is reported ok or with one
line (never « erreur interne »), and the JSON and CSV outputs parse.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import io
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from frappe.cli.score import run_score
from frappe.exercises.dictations import find_dictation
from frappe.exercises.drafts import read_draft
from frappe.exercises.record import Candidate, RecordSettings, ResultRecord
from frappe.exercises.session import Session, SessionConfig
from frappe.exercises.texts import list_texts
from frappe.runs.batch_scoring import BatchSettings, score_inputs
from frappe.runs.verification import centre_rules
from frappe.scoring import scoring_profile
from frappe.storage.files import write_record

MUTANTS_PER_RECORD = 150
SEED = 14


class Clocks:
    """A monotonic clock and a wall clock that move together."""

    def __init__(self) -> None:
        self.now = 0.0
        self.start = datetime(2026, 11, 23, 9, tzinfo=UTC)

    def monotonic(self) -> float:
        return self.now

    def wall(self) -> datetime:
        return self.start + timedelta(seconds=self.now)


def session(config: SessionConfig) -> tuple[Session, Clocks]:
    clocks = Clocks()
    return Session(config, clock=clocks.monotonic, wall_clock=clocks.wall), clocks


def typing_record() -> ResultRecord:
    text = list_texts()[1]
    config = SessionConfig(
        candidate=Candidate("Martin Claire", "C-001"),
        exercise_id=text.id,
        exercise_title=text.title,
        reference=text.body,
        settings=RecordSettings(120.0, True, scoring_profile()),
    )
    running, clocks = session(config)
    rng = random.Random(SEED)
    for char in text.body[:300]:
        clocks.now += rng.uniform(0.12, 0.3)
        if rng.random() < 0.03:  # a typo, erased
            running.press("x", "x")
            clocks.now += 0.2
            running.press("backspace")
        running.press("enter" if char == "\n" else char, char)
    clocks.now += 1.0
    running.stop()
    return running.to_record()


def dictation_record(kind: str) -> ResultRecord:
    dictation = find_dictation("d08")
    reference = dictation.reference_text()
    draft = read_draft(dictation).text if kind == "correction" else ""
    config = SessionConfig(
        candidate=Candidate("Durand Léa"),
        exercise_id=dictation.id,
        exercise_title=dictation.title,
        reference=reference,
        settings=RecordSettings(
            1800.0,
            True,
            scoring_profile("dictee"),
            live_feedback=False,
            terminology=dictation.terminology,
        ),
        kind=kind,  # type: ignore[arg-type]
        initial_text=draft,
        draft_source="asr" if draft else None,
        end_when_complete=False,
    )
    running, clocks = session(config)
    if kind == "correction":
        clocks.now += 2.0
        running.edit(0, 3, reference[:3], key="c")
        clocks.now += 1.0
        running.edit(len(running.typed), 0, " Fin.", key="F")
    else:
        for i, char in enumerate(reference[:200]):
            clocks.now += 0.25
            running.edit(i, 0, char, key=char)
    clocks.now += 2.0
    running.stop()
    return running.to_record()


HOSTILE: list[Any] = [
    None,
    True,
    -1,
    0,
    10**15,
    -(10**15),
    1.5e308,
    "",
    "Martin [/b] Claire \x1b[31m",
    "é" * 5000,
    [],
    {},
    [[[[[[]]]]]],
    "2026-13-45T99:00:00Z",
    {"t_ms": 1, "type": "x"},
    [0, "a", "insert", 0, "a"],
    "NaN",
]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside a document (keystroke lists sampled, not all)."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        indexes = range(len(value)) if len(value) <= 8 else [0, 1, len(value) // 2, len(value) - 1]
        for index in indexes:
            found.extend(_paths(value[index], (*prefix, index)))
    return found


def _parent(document: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        document = document[key]
    return document


def mutate_document(document: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    data = json.loads(json.dumps(document))
    for _ in range(rng.randint(1, 3)):
        paths = _paths(data)
        path = rng.choice(paths)
        parent = _parent(data, path)
        action = rng.random()
        if action < 0.2 and isinstance(parent, dict):
            parent.pop(path[-1], None)
        elif action < 0.7:
            parent[path[-1]] = rng.choice(HOSTILE)
        elif action < 0.8 and data.get("keystrokes"):
            strokes = data["keystrokes"]
            i, j = rng.randrange(len(strokes)), rng.randrange(len(strokes))
            strokes[i], strokes[j] = strokes[j], strokes[i]
        elif action < 0.9 and data.get("keystrokes"):
            stroke = rng.choice(data["keystrokes"])
            if isinstance(stroke, list) and stroke:
                stroke[0] = rng.choice([10**11, 10**12, 10**15, -5, stroke[0] * 1000])
        else:
            value = parent[path[-1]]
            if isinstance(value, str) and value:
                i = rng.randrange(len(value))
                parent[path[-1]] = value[:i] + rng.choice("x\x00\u202e\n") + value[i + 1 :]
            elif isinstance(value, int | float) and not isinstance(value, bool):
                parent[path[-1]] = value * rng.choice([-1, 0.5, 1000, 10**9])
    return data


def mutate_bytes(raw: bytes, rng: random.Random) -> bytes:
    choice = rng.randrange(8)
    if choice == 0:
        return raw[: rng.randrange(len(raw))]
    if choice == 1:
        i = rng.randrange(len(raw))
        return raw[:i] + bytes([rng.randrange(256)]) + raw[i + 1 :]
    if choice == 2:
        return raw.replace(b": 1,", b": NaN,", 1).replace(b"60.0", b"Infinity", 1)
    if choice == 3:
        return raw.replace(b"Martin", b"Mar\\ud800tin", 1).replace(b"Durand", b"D\\udfffurand", 1)
    if choice == 4:
        return raw.decode("utf-8").encode(rng.choice(["utf-16", "utf-32", "utf-16-be"]))
    if choice == 5:
        return codecs.BOM_UTF8 + raw
    if choice == 6:
        depth = rng.choice([40, 5000, 200_000])
        return raw.replace(b'"events": [', b'"events": [' + b"[" * depth + b"]" * depth + b",", 1)
    return raw.replace(b'"schema": 1', b'"schema": 1, "schema": "1"', 1)


@pytest.fixture(scope="module")
def originals() -> list[ResultRecord]:
    return [typing_record(), dictation_record("transcription"), dictation_record("correction")]


def test_the_originals_are_valid_and_known(originals: list[ResultRecord], tmp_path: Path) -> None:
    paths = [write_record(r, tmp_path / f"{r.kind}.json") for r in originals]
    rules = centre_rules()
    entries = list(score_inputs(paths, BatchSettings(None, None, None, rules=rules), jobs=1))
    assert [e["ok"] for e in entries] == [True, True, True], entries
    assert not any(e.get("warnings") for e in entries)


def test_mutants_never_escape_and_outputs_stay_valid(
    originals: list[ResultRecord], tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    folder = tmp_path / "mutants"
    folder.mkdir()
    count = 0
    for record in originals:
        document = record.to_dict()
        raw = json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
        for _ in range(MUTANTS_PER_RECORD):
            if rng.random() < 0.6:
                data = json.dumps(mutate_document(document, rng), ensure_ascii=False)
                content = data.encode("utf-8", "surrogatepass")
            else:
                content = mutate_bytes(raw, rng)
            (folder / f"m{count:04d}.json").write_bytes(content)
            count += 1
    files = sorted(folder.glob("*.json"))
    settings = BatchSettings(None, None, None, rules=centre_rules())
    entries = list(score_inputs(files, settings, jobs=1))
    assert len(entries) == count
    for entry in entries:
        if entry["ok"]:
            assert isinstance(entry["metrics"], dict)
            continue
        error = entry["error"]
        assert isinstance(error, str) and error and "\n" not in error, entry
        assert "erreur interne" not in error, entry
    # Some mutants are harmless (a changed title), most are refused: both paths ran.
    assert 0 < sum(e["ok"] for e in entries) < count
    for output_format, parse in (("json", _parse_json), ("csv", _parse_csv)):
        output = tmp_path / f"out.{output_format}"
        run_score(_args(folder, output_format, output))
        assert parse(output.read_bytes().decode("utf-8")) == count


def _parse_json(text: str) -> int:
    return len(json.loads(text))


def _parse_csv(text: str) -> int:
    # The default CSV is for French Excel: BOM, « ; » and decimal commas.
    french = text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";" if french else ","))
    assert len({len(row) for row in rows}) == 1
    return len(rows) - 1


def _args(folder: Path, output_format: str, output: Path) -> argparse.Namespace:
    return argparse.Namespace(
        paths=[str(folder)],
        reference=None,
        format=output_format,
        output=str(output),
        profile=None,
        profiles=None,
        profile_from_record=False,
        catalogue=[],
        duration=None,
        jobs=1,
        no_errors=False,
        key=None,
    )
