"""Issue 14 §1: ``frappe score`` never dies on one record and never destroys output.

Each observation of the adversarial pass is a test here; each failed on the code before the
typed record schema, the regular-file reader and the plain-text, atomic output.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import socket
import subprocess
import sys
import threading
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from frappe.cli.score import run_score
from frappe.errors import InputFileError, RecordError
from frappe.exercises.record import Candidate, RecordSettings, ResultRecord
from frappe.exercises.results import score_record
from frappe.runs.batch_scoring import BatchSettings, score_inputs
from frappe.scoring import Keystroke, scoring_profile
from frappe.storage.files import read_record, write_record
from frappe.textio import decode_text, plain_text, read_file_bytes
from support.records import RecordFactory


def run_frappe(
    *args: str, cwd: Path, stdout: int | None = subprocess.PIPE, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "frappe.cli", *args],
        cwd=cwd,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "COLUMNS": "200"},  # table cells on one line
    )


def record_json(make_record: RecordFactory, **changes: object) -> dict[str, object]:
    data = make_record().to_dict()
    data.update(changes)
    return data


def write_data(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def assert_outputs_parse(entries_json: str, csv_text: str, count: int) -> list[dict[str, object]]:
    entries = json.loads(entries_json)
    assert isinstance(entries, list) and len(entries) == count
    rows = list(csv.reader(io.StringIO(csv_text)))
    assert len(rows) == count + 1
    return entries


# --- Lone surrogates, control characters, markup ---------------------------------------------


def test_a_lone_surrogate_in_a_name_fails_that_file_only_in_every_format(
    tmp_path: Path, make_record: RecordFactory
) -> None:
    room = tmp_path / "salle"
    write_record(make_record(candidate="Alice"), room / "a.json")
    text = json.dumps(record_json(make_record), ensure_ascii=True)
    (room / "b.json").write_text(text.replace("Martin Claire", "Martin \\ud800 Claire"), "utf-8")
    outputs = {}
    for output_format in ("json", "csv", "table"):
        style = ("--csv-style", "international") if output_format == "csv" else ()
        result = run_frappe("score", str(room), "--format", output_format, *style, cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr
        outputs[output_format] = result.stdout
    entries = assert_outputs_parse(outputs["json"], outputs["csv"], 2)
    assert entries[0]["ok"] and not entries[1]["ok"]
    assert "JSON invalide" in str(entries[1]["error"])
    assert "1 notés, 1 en erreur" in outputs["table"]


def test_unencodable_file_names_are_escaped_and_output_replaced_atomically(
    tmp_path: Path, make_record: RecordFactory
) -> None:
    room = tmp_path / "salle"
    room.mkdir()
    # A file name in Latin-1 on a UTF-8 system: Python sees a lone surrogate in it.
    latin1 = os.fsdecode(b"caf\xe9.json")
    write_record(make_record(), room / latin1)
    notes = tmp_path / "notes.csv"
    notes.write_text("les notes d'hier\n", encoding="utf-8")
    result = run_frappe(
        "score",
        str(room),
        "--format",
        "csv",
        "--csv-style",
        "international",
        "--output",
        str(notes),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(notes.read_text("utf-8"))))
    assert len(rows) == 2 and rows[1][0].endswith("caf\\udce9.json")
    as_json = run_frappe("score", str(room), "--format", "json", cwd=tmp_path)
    assert json.loads(as_json.stdout)[0]["file"].endswith("caf\\udce9.json")


@pytest.mark.parametrize("output_format", ["csv", "json", "table"])
def test_a_failing_batch_leaves_the_previous_output_intact(
    tmp_path: Path,
    make_record: RecordFactory,
    monkeypatch: pytest.MonkeyPatch,
    output_format: str,
) -> None:
    write_record(make_record(), tmp_path / "a.json")
    notes = tmp_path / "notes.csv"
    notes.write_text("les notes d'hier\n", encoding="utf-8")

    def failing(*_args: object, **_kwargs: object) -> object:
        yield {"file": "a.json", "ok": True, "metrics": {}}
        raise KeyboardInterrupt

    def failing_as(*_args: object, **_kwargs: object) -> object:
        yield True, b"a.json;oui\r\n"  # a line the workers of the CSV format write
        raise KeyboardInterrupt

    monkeypatch.setattr("frappe.cli.score.score_inputs", failing)
    monkeypatch.setattr("frappe.cli.score.score_inputs_as", failing_as)
    args = argparse.Namespace(
        paths=[str(tmp_path / "a.json")],
        reference=None,
        format=output_format,
        output=str(notes),
        profile=None,
        profiles=None,
        profile_from_record=False,
        catalogue=[],
        duration=None,
        jobs=1,
        no_errors=False,
        key=None,
    )
    with pytest.raises(KeyboardInterrupt):
        run_score(args)
    assert notes.read_text("utf-8") == "les notes d'hier\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".notes")] == []


def test_markup_and_control_characters_are_plain_text_in_every_format(
    tmp_path: Path, make_record: RecordFactory
) -> None:
    room = tmp_path / "salle"
    write_record(make_record(candidate="Martin [/b] Claire\x1b[31m"), room / "[bold]a[red].json")
    write_data(room / "[red]b.json", {"schema": 1})
    table = run_frappe("score", str(room), cwd=tmp_path)
    assert table.returncode == 1 and "Traceback" not in table.stderr
    assert "⚠ [bold]a[red].json : exercice inconnu" in table.stdout  # the line under it
    assert "Martin [/b] Claire\\x1b[31m" in table.stdout
    assert "\x1b" not in table.stdout  # not a terminal: no colour codes, and none injected
    assert "[red]b.json" in table.stdout
    as_csv = run_frappe(
        "score", str(room), "--format", "csv", "--csv-style", "international", cwd=tmp_path
    )
    rows = list(csv.reader(io.StringIO(as_csv.stdout)))
    assert rows[1][3] == "Martin [/b] Claire\\x1b[31m"
    as_json = run_frappe("score", str(room), "--format", "json", cwd=tmp_path)
    assert json.loads(as_json.stdout)[0]["metrics"]["candidate"] == "Martin [/b] Claire\x1b[31m"
    assert "\x1b" not in as_json.stdout  # JSON escapes it


def test_plain_text_escapes_what_a_terminal_would_obey() -> None:
    assert plain_text("Dupont\x1b]0;pwned\x07") == "Dupont\\x1b]0;pwned\\x07"
    assert plain_text("abc\u202egpj.json") == "abc\\u202egpj.json"
    assert plain_text("caf\udce9") == "caf\\udce9"
    assert plain_text("Hélène « Œ » [b]") == "Hélène « Œ » [b]"


# --- Hostile times: bounded work and memory ---------------------------------------------------


@pytest.mark.parametrize("t_ms", [10**11, 10**12, 10**15])
def test_a_keystroke_far_in_the_future_is_refused_with_bounded_memory(
    tmp_path: Path, make_record: RecordFactory, t_ms: int
) -> None:
    data = record_json(make_record)
    data["keystrokes"][-1][0] = t_ms  # type: ignore[index]
    path = write_data(tmp_path / "far.json", data)
    tracemalloc.start()
    try:
        entry = next(score_inputs([path], BatchSettings(None, None, None), jobs=1))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert not entry["ok"] and "t_ms" in entry["error"]
    assert "erreur interne" not in entry["error"]
    assert peak < 5_000_000  # was 4 GB at 10**11 (one entry per second of the session)


def test_a_time_limit_or_duration_beyond_a_day_is_refused(make_record: RecordFactory) -> None:
    data = record_json(make_record)
    data["settings"]["time_limit_s"] = 1e12  # type: ignore[index]
    with pytest.raises(RecordError, match="time_limit_s"):
        ResultRecord.from_dict(data)
    data = record_json(make_record, duration_s=1e15)
    with pytest.raises(RecordError, match="duration_s"):
        ResultRecord.from_dict(data)


# --- Files that are not regular files --------------------------------------------------------


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    outcome: list[BaseException | bytes] = []
    reader = threading.Thread(target=lambda: _try_read(fifo, outcome), daemon=True)
    reader.start()
    reader.join(timeout=10)
    if reader.is_alive():  # unblock the old code's open() before failing
        with open(fifo, "wb"):
            pass
        pytest.fail("reading a FIFO blocked")
    assert isinstance(outcome[0], InputFileError)
    assert "pas un fichier ordinaire" in str(outcome[0])


def _try_read(path: Path, outcome: list[BaseException | bytes]) -> None:
    try:
        outcome.append(read_file_bytes(path))
    except InputFileError as error:
        outcome.append(error)


def test_devices_and_sockets_are_refused_and_the_cap_counts_bytes_read(tmp_path: Path) -> None:
    for device in ("/dev/zero", "/dev/null", "/dev/urandom"):
        with pytest.raises(InputFileError, match="pas un fichier ordinaire"):
            read_file_bytes(Path(device))
    server = socket.socket(socket.AF_UNIX)
    path = tmp_path / "s.json"
    server.bind(str(path))
    try:
        with pytest.raises(InputFileError, match="fichiers ordinaires"):
            read_file_bytes(path)
    finally:
        server.close()
    big = tmp_path / "big.json"
    big.write_bytes(b" " * 2048)
    with pytest.raises(InputFileError, match="trop volumineux"):
        read_file_bytes(big, max_bytes=1024)
    # /proc files claim a size of 0: the cap must count what is read.
    with pytest.raises(InputFileError, match="trop volumineux"):
        read_file_bytes(Path("/proc/self/maps"), max_bytes=16)


def test_a_batch_with_a_fifo_and_dev_zero_finishes(
    tmp_path: Path, make_record: RecordFactory
) -> None:
    write_record(make_record(), tmp_path / "a.json")
    os.mkfifo(tmp_path / "fifo.json")
    result = run_frappe(
        "score", "a.json", "fifo.json", "/dev/zero", "--format", "json", cwd=tmp_path, timeout=60
    )
    entries = json.loads(result.stdout)
    assert [e["ok"] for e in entries] == [True, False, False]
    assert all("pas un fichier ordinaire" in e["error"] for e in entries[1:])


# --- Malformed content: one line naming the field, never « erreur interne » -------------------


def test_deep_nesting_is_one_line(tmp_path: Path, make_record: RecordFactory) -> None:
    text = json.dumps(record_json(make_record))
    deep = "[" * 100_000 + "]" * 100_000
    cases = {
        "events.json": text.replace(
            '"events": [', f'"events": [{{"t_ms": 1, "type": "x", "v": {deep}}}, ', 1
        ),
        "unknown.json": text.replace('"schema": 1', f'"schema": 1, "extra": {deep}', 1),
        "root.json": deep,
        "score.json": text.replace('"score": null', '"score": ' + '{"a": ' * 40 + "1" + "}" * 40),
    }
    for name, content in cases.items():
        (tmp_path / name).write_text(content, "utf-8")
    entries = list(
        score_inputs(
            [tmp_path / name for name in cases],
            BatchSettings(None, None, None),
            jobs=1,
        )
    )
    for entry in entries:
        assert not entry["ok"], entry["file"]
        assert "imbrication" in entry["error"] or "objet JSON" in entry["error"], entry
        assert "erreur interne" not in entry["error"]


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("settings", "scoring_profile", "strokes_per_word"), "six", "strokes_per_word"),
        (("settings", "scoring_profile", "strokes_per_word"), 0.001, "strokes_per_word"),
        (("settings", "scoring_profile", "mark"), [1, 2], "mark"),
        (("settings", "scoring_profile", "class_weights"), {"accent": "x"}, "class_weights"),
        (("settings", "scoring_profile", "normalization"), "frappe", "normalization"),
        (("settings", "time_limit_s"), "10m", "time_limit_s"),
        (("candidate", "name"), 42, "candidate.name"),
        (("candidate",), "Martin", "candidate"),
        (("duration_s",), True, "duration_s"),
        (("keystrokes",), {"0": 1}, "keystrokes"),
        (("typed",), None, "typed"),
    ],
)
def test_wrongly_typed_fields_are_named(
    make_record: RecordFactory, path: tuple[str, ...], value: object, field: str
) -> None:
    data = record_json(make_record)
    target = data
    for key in path[:-1]:
        target = target[key]  # type: ignore[assignment]
    target[path[-1]] = value
    with pytest.raises(RecordError, match=field) as caught:
        ResultRecord.from_json(json.dumps(data).encode())
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("column", "value", "named"),
    [
        (0, "12", "t_ms"),
        (0, 1.5, "t_ms"),
        (1, 7, "touche"),
        (3, -1, "position"),
        (4, None, "texte"),
    ],
)
def test_wrongly_typed_keystrokes_are_named(
    make_record: RecordFactory, column: int, value: object, named: str
) -> None:
    data = record_json(make_record)
    data["keystrokes"][3][column] = value  # type: ignore[index]
    with pytest.raises(RecordError, match=rf"frappe n° 4 \({named}\)"):
        ResultRecord.from_json(json.dumps(data).encode())


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_nan_and_infinity_are_refused(make_record: RecordFactory, literal: str) -> None:
    text = json.dumps(record_json(make_record))
    for target in ('"duration_s": 60.0', '"full_mark_speed": 40.0'):
        assert target in text
        bad = text.replace(target, target.split(":")[0] + ": " + literal)
        with pytest.raises(RecordError):
            ResultRecord.from_json(bad.encode())


def test_utf32_is_decoded_not_read_as_utf16() -> None:
    text = "Hôpital : « été »\nfin"
    for encoding in ("utf-32", "utf-32-be"):
        data = text.encode(encoding)
        if encoding == "utf-32-be":
            data = b"\x00\x00\xfe\xff" + data
        assert decode_text(data, "f") == text


def test_a_utf32_record_is_read(tmp_path: Path, make_record: RecordFactory) -> None:
    record = make_record()
    path = tmp_path / "r.json"
    path.write_bytes(json.dumps(record.to_dict(), ensure_ascii=False).encode("utf-32"))
    assert read_record(path) == record


def test_score_does_not_score_its_own_output(tmp_path: Path, make_record: RecordFactory) -> None:
    room = tmp_path / "salle"
    write_record(make_record(), room / "a.json")
    write_record(make_record(candidate="Bruno"), room / "b.json")
    out = room / "out.json"
    with out.open("w", encoding="utf-8") as handle:
        result = run_frappe(
            "score", str(room), "--format", "json", cwd=tmp_path, stdout=handle.fileno()
        )
    assert result.returncode == 0, result.stderr
    entries = json.loads(out.read_text("utf-8"))
    assert [Path(e["file"]).name for e in entries] == ["a.json", "b.json"]
    again = run_frappe(
        "score", str(room), "--format", "json", "--output", str(room / "out.json"), cwd=tmp_path
    )
    assert again.returncode == 0, again.stderr
    assert len(json.loads(out.read_text("utf-8"))) == 2


def _long_record(strokes: int, tmp_path: Path) -> Path:
    """A record of ``strokes`` keystrokes, one every 100 ms, no time limit (5.5 h at 200,000:
    within the one-day bound), typed against a reference as long."""
    words = ("patient", "hospitalisé", "le", "matin", "suivi", "cardiologie", "ordonnance")
    reference = " ".join(words[i % len(words)] for i in range(strokes))[:strokes]
    typed = reference[: strokes - 1] + "x"
    started = datetime(2026, 11, 23, 9, tzinfo=UTC)
    duration = strokes / 10 + 1
    record = ResultRecord(
        kind="typing",
        candidate=Candidate("Martin Claire"),
        exercise_id="long",
        exercise_title="long",
        reference=reference,
        typed=typed,
        started_at=started,
        ended_at=started + timedelta(seconds=duration),
        duration_s=duration,
        end_reason="stopped",
        settings=RecordSettings(None, True, scoring_profile()),
        keystrokes=tuple(Keystroke(100 * i, c, "insert", i, c) for i, c in enumerate(typed)),
    )
    # Compact, as a room server would send it: indented, 200,000 keystrokes pass 10 MB.
    return write_data(tmp_path / f"long{strokes}.json", record.to_dict())


def _peak_memory_scoring(path: Path) -> int:
    tracemalloc.start()
    try:
        score = score_record(read_record(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert score.metrics.keystroke_accuracy is not None
    return peak


def test_a_200000_keystroke_record_is_scored_in_linear_memory(tmp_path: Path) -> None:
    small = _long_record(50_000, tmp_path)
    large = _long_record(200_000, tmp_path)
    small_peak = _peak_memory_scoring(small)
    large_peak = _peak_memory_scoring(large)
    # Linear: four times the keystrokes, at most about four times the memory.
    assert large_peak < 5 * small_peak
    # And bounded per keystroke (the file itself is ~35 bytes a keystroke).
    assert large_peak / 200_000 < 2_000
