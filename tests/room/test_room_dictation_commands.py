"""The trainer's commands on a dictation séance, against the real test server: ``room open
--dictation`` keeps the recording's hash; a seat transcribes (the run layer, as the dictation
screen drives it); ``room results`` scores the central journal with the séance's reference and
the dictée barème stored on the server — the same figures as the seat's own score; ``room
verify`` checks the chain; the signed records pass ``frappe score --key`` until one is edited."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from frappe.cli.main import main
from frappe.exercises.dictations import find_dictation
from frappe.exercises.playback import PlaybackAction
from frappe.exercises.record import Candidate
from frappe.runs.common import StoragePaths
from frappe.runs.room_dictation import RoomRunningDictation, start_room_dictation
from frappe.runs.room_seat import LinkState
from frappe.storage.room import client
from frappe.storage.room.seat_link import AttemptTicket, connect_seat
from support.fakes import FakeClock
from support.postgres_server import RoomDatabase

D08 = "d08-certificat-medical"


def open_by_command(room_db: RoomDatabase, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    args = ["room", "open", "--dictation", "d08", "--duration", "10m", *extra]
    assert main([*args, "--url", room_db.trainer_url]) == 0
    return capsys.readouterr().out.strip().splitlines()[-1]


def transcribe(
    room_db: RoomDatabase, seance_id: str, name: str, text: str, root: Path
) -> RoomRunningDictation:
    """A seat's dictation: play, listen 12 s, type ``text`` in two edits (after what the
    document holds: a correction's draft), hand in."""
    with client.connect(room_db.seat_url) as seat:
        joined = client.join_seance(seat, seance_id, Candidate(name), seat=f"PC-{name[:5]}")
    ticket = AttemptTicket(joined.key.attempt_id, joined.key.token, seance_id)
    clock = FakeClock()
    running = start_room_dictation(
        joined.seance.session_config(Candidate(name)),
        find_dictation(D08),
        ticket,
        StoragePaths(root / "results", root / "h.sqlite3", root / "journals", root / "presets"),
        lambda: connect_seat(room_db.seat_url, timeout_s=1.0),
        clock=clock,
        sync_interval=0.05,
    )
    running.log_playback(PlaybackAction(0, "play", 0.0, 1.0, 0.0, True))
    clock.now += 12.0
    start = len(running.session.typed)
    half = len(text) // 2
    running.session.edit(start, 0, text[:half])
    clock.now += 20.0
    running.session.edit(start + half, 0, text[half:])
    running.log_playback(PlaybackAction(0, "pause", 32.0, 1.0, 32.0, False))
    running.session.stop()
    running.save()
    assert running.sender is not None and running.sender.status.state is LinkState.HANDED_IN
    return running


def test_open_keeps_the_recording_s_hash_and_length(
    room_db: RoomDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    seance = open_by_command(room_db, capsys, "--group", "CP9")
    audio = find_dictation(D08).audio
    with client.connect(room_db.seat_url) as seat:  # what a seat's home screen gets
        [offered] = [s for s in client.open_seances(seat) if s.id == seance]
    assert offered.audio_sha256 == hashlib.sha256(audio.read_bytes()).hexdigest()
    assert offered.audio_duration_s == pytest.approx(66.2)
    assert offered.is_dictation and offered.config == {}  # the config comes with joining


def test_results_verify_and_signed_records_of_a_dictation_seance(
    room_db: RoomDatabase, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    seance = open_by_command(room_db, capsys)
    reference = find_dictation(D08).reference_text()
    good = transcribe(room_db, seance, "Martin Claire", reference, tmp_path / "a")
    poor = transcribe(
        room_db, seance, "Petit Paul", "Certificat medical. Je soussigne", tmp_path / "b"
    )
    trainer = ["--url", room_db.trainer_url]
    assert main(["room", "results", seance, "--format", "json", *trainer]) == 0
    rows = {row["candidate"]["name"]: row for row in json.loads(capsys.readouterr().out)}
    for name, running in (("Martin Claire", good), ("Petit Paul", poor)):
        local = running.record()
        assert rows[name]["typed"] == local.typed and rows[name]["state"] == "handed_in"
        [saved] = (running.results_dir).glob("*.json")
        seat_score = json.loads(saved.read_text("utf-8"))["score"]
        # The official figures are the seat's own score of the same text.
        seat_score.pop("listening")  # only the seat measures how the recording was heard
        assert rows[name]["metrics"] == seat_score  # figures and faults, one by one
    assert rows["Martin Claire"]["metrics"]["faults"] == 0
    assert rows["Petit Paul"]["metrics"]["faults"] > 100
    assert rows["Petit Paul"]["metrics"]["profile"] == "dictee"
    assert main(["room", "results", seance, "--format", "table", *trainer]) == 0
    table = capsys.readouterr().out
    assert "Martin Claire" in table and "20.0" in table and "—" in table  # no speed

    assert main(["room", "close", seance, *trainer]) == 0
    capsys.readouterr()
    assert main(["room", "verify", seance, *trainer]) == 0
    assert "Chaînes intactes : 2 épreuve(s)" in capsys.readouterr().out

    records = tmp_path / "export"
    assert main(["room", "results", seance, *trainer, "--records", str(records)]) == 0
    capsys.readouterr()
    public = str(Path(os.environ["FRAPPE_CONFIG_DIR"]) / "centre" / "centre.pub")
    assert main(["score", str(records), "--key", public, "--format", "json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert [e["signature"] for e in entries] == ["valid", "valid"]
    [petit] = records.glob("*petit*.json")
    petit.write_text(
        petit.read_text("utf-8").replace("Je soussigne", "Je soussigné"), encoding="utf-8"
    )
    assert main(["score", str(records), "--key", public, "--format", "json"]) == 1
    marks = {Path(e["file"]).name: e["signature"] for e in json.loads(capsys.readouterr().out)}
    assert marks[petit.name] == "altered" and sorted(marks.values()) == ["altered", "valid"]


def test_a_correction_seance_is_scored_on_the_server_as_on_the_seat(
    room_db: RoomDatabase, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``--correction``: the seat starts from the séance's recognition draft; the official
    figures (recognition errors fixed, missed, introduced included) are the seat's own."""
    seance = open_by_command(room_db, capsys, "--correction")
    running = transcribe(room_db, seance, "Martin Claire", " Fin.", tmp_path / "a")
    assert running.session.config.kind == "correction"
    assert running.record().typed.startswith("Certificat médical initial. Je sous-signé,")
    assert main(["room", "results", seance, "--format", "json", "--url", room_db.trainer_url]) == 0
    [row] = json.loads(capsys.readouterr().out)
    [saved] = running.results_dir.glob("*.json")
    seat_score = json.loads(saved.read_text("utf-8"))["score"]
    assert row["typed"] == running.record().typed
    seat_score.pop("listening")
    assert row["metrics"] == seat_score  # recognition errors fixed, missed, introduced too
    assert row["metrics"]["missed"] > 0 and row["metrics"]["fixed"] == 0  # nothing corrected
