"""The trainer's ``frappe room`` commands, run as a trainer types them, against real servers:
``serve`` in its own process (Ctrl+C included), the others on the test server with --url."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from room_helpers import typed_lines

from frappe.cli.main import main
from frappe.errors import RoomError
from frappe.exercises.record import Candidate
from frappe.storage.room import client
from frappe.storage.room.chain import chain_hash, chain_origin
from frappe.storage.room.cluster import find_binaries, free_port
from frappe.storage.room.schema import latest_version, schema_version
from frappe.storage.room.state import ServerState, load_state, save_state
from support.postgres_server import SEAT_PASSWORD, TRAINER_PASSWORD, PostgresServer, RoomDatabase


def _open(room_db: RoomDatabase, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    code = main(
        ["room", "open", "--text", "t01", "--duration", "10m", "--url", room_db.trainer_url, *extra]
    )
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 0
    return out[-1]


def _type_and_hand_in(room_db: RoomDatabase, seance: str, name: str, text: str) -> None:
    with client.connect(room_db.seat_url) as seat:
        key = client.join_seance(seat, seance, Candidate(name)).key
        lines = [*typed_lines(text), json.dumps({"end": "completed", "t": 9000})]
        client.append_lines(seat, key, 1, lines)
        client.hand_in(seat, key, len(lines))


def test_open_prints_the_seance_id_and_stores_the_exercise(
    room_db: RoomDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    seance = _open(room_db, capsys, "--group", "BTS 1", "--profile", "frappe")
    assert len(seance) == 6
    with client.connect(room_db.trainer_url) as trainer:
        info = client.get_seance(trainer, seance)
    assert info.exercise_id == "t01-convocation-consultation"
    assert info.duration_s == 600 and info.group_name == "BTS 1"
    config = info.session_config(Candidate("X"))
    assert config.reference.startswith(config.reference[:20]) and len(config.reference) > 200


def test_open_a_dictation(room_db: RoomDatabase, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["room", "open", "--dictation", "d01", "--duration", "15m", "--url", room_db.trainer_url]
    )
    seance = capsys.readouterr().out.strip()
    assert code == 0
    with client.connect(room_db.trainer_url) as trainer:
        info = client.get_seance(trainer, seance)
    assert (info.kind, info.profile_name) == ("transcription", "dictee")


def test_results_close_and_json(room_db: RoomDatabase, capsys: pytest.CaptureFixture[str]) -> None:
    seance = _open(room_db, capsys)
    with client.connect(room_db.trainer_url) as trainer:
        reference = client.get_seance(trainer, seance).session_config(Candidate("x")).reference
    typed = reference[:40].rsplit(" ", 1)[0]  # whole words: no fault
    _type_and_hand_in(room_db, seance, "Alice Martin", typed)
    assert main(["room", "results", seance, "--format", "table", "--url", room_db.trainer_url]) == 0
    table = capsys.readouterr().out
    assert "Alice Martin" in table and "provisoires" in table
    assert main(["room", "close", seance, "--url", room_db.trainer_url]) == 0
    closing = capsys.readouterr().out
    assert "1 remise(s)" in closing
    assert "Alice Martin" in closing and "empreinte " in closing
    assert main(["room", "results", seance, "--format", "json", "--url", room_db.trainer_url]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["candidate"]["name"] == "Alice Martin"
    assert row["state"] == "handed_in" and row["official"] is True
    assert row["typed"] == typed
    assert row["metrics"]["faults"] == 0 and "mark_20" in row["metrics"]
    assert main(["room", "results", seance, "--format", "csv", "--url", room_db.trainer_url]) == 0
    lines = capsys.readouterr().out.splitlines()  # for French Excel by default
    assert lines[0].startswith("\ufeffSéance;Épreuve;Candidat") and "Alice Martin" in lines[1]
    international = ["--format", "csv", "--csv-style", "international"]
    assert main(["room", "results", seance, *international, "--url", room_db.trainer_url]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("seance,attempt,candidate") and "Alice Martin" in lines[1]


def test_verify_command_reports_a_modified_line(
    room_db: RoomDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    seance = _open(room_db, capsys)
    _type_and_hand_in(room_db, seance, "Alice Martin", "Madame")
    assert main(["room", "verify", seance, "--url", room_db.trainer_url]) == 0
    assert "Chaînes intactes" in capsys.readouterr().out
    with psycopg.connect(room_db.admin_url, autocommit=True) as admin:
        admin.execute("SET session_replication_role = replica")
        admin.execute(
            "UPDATE frappe.journal_line SET line = replace(line, '\"M\"', '\"N\"')"
            " WHERE attempt_id = (SELECT id FROM frappe.attempt WHERE seance_id = %s)"
            " AND seq = 2",
            (seance,),
        )
    assert main(["room", "verify", seance, "--url", room_db.trainer_url]) == 1
    out = capsys.readouterr().out
    assert "RUPTURE" in out and "ligne 2" in out and "Alice Martin" in out


def test_signed_export_fails_once_edited_by_hand(
    room_db: RoomDatabase, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    seance = _open(room_db, capsys)
    _type_and_hand_in(room_db, seance, "Alice Martin", "Madame")
    _type_and_hand_in(room_db, seance, "Bruno Petit", "Mada")
    main(["room", "close", seance, "--url", room_db.trainer_url])
    records = tmp_path / "export"
    args = ["room", "results", seance, "--url", room_db.trainer_url, "--records", str(records)]
    assert main([*args, "--format", "json", "--output", str(tmp_path / "r.json")]) == 0
    capsys.readouterr()
    assert (tmp_path / "r.json.sig").is_file()
    keys = Path(os.environ["FRAPPE_CONFIG_DIR"]) / "centre"
    assert (keys / "centre.key").stat().st_mode & 0o777 == 0o600
    public = str(keys / "centre.pub")

    assert main(["score", str(records), "--key", public, "--format", "json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert [e["signature"] for e in entries] == ["valid", "valid"]

    alice = sorted(records.glob("*alice*.json"))[0]
    alice.write_text(alice.read_text().replace('"Madame"', '"Madamx"'), encoding="utf-8")
    (records / "unsigned.json").write_text(
        sorted(records.glob("*bruno*.json"))[0].read_text(), encoding="utf-8"
    )
    assert main(["score", str(records), "--key", public, "--format", "json"]) == 1
    captured = capsys.readouterr()
    marks = {Path(e["file"]).name: e["signature"] for e in json.loads(captured.out)}
    assert marks[alice.name] == "altered"
    assert marks["unsigned.json"] == "unsigned"
    assert sorted(marks.values()).count("valid") == 1
    assert "MODIFIÉ depuis sa signature" in captured.err and "non signé" in captured.err


def test_trainer_commands_without_a_server_say_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["room", "verify"]) == 1
    assert "aucun serveur de salle sur ce poste" in capsys.readouterr().err
    assert main(["room", "seances", "--url", "postgresql://frappe_trainer:x@127.0.0.1:1/f"]) == 1
    err = capsys.readouterr().err
    assert "injoignable" in err and len(err.strip().splitlines()) == 1


def test_missing_postgresql_is_one_line_saying_what_to_install() -> None:
    with pytest.raises(RoomError, match="apt-get install postgresql") as missing:
        find_binaries("/nonexistent", install_globs=())
    assert "\n" not in str(missing.value)


def test_serve_prints_the_seat_url_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    """``serve`` as a trainer runs it (with TLS, as on a room's network), Ctrl+C included."""
    port = free_port()
    # As root the cluster belongs to frappe-pg, which cannot enter pytest's 0700 folders.
    service = Path(tempfile.mkdtemp(prefix="frappe-serve-"))
    service.chmod(0o755)
    env = {
        **os.environ,
        "FRAPPE_DATA_DIR": str(tmp_path / "data"),
        "FRAPPE_CONFIG_DIR": str(tmp_path / "config"),
        "FRAPPE_ROOM_SERVICE_DIR": str(service),
    }
    frappe = [sys.executable, "-m", "frappe.cli"]
    serve = subprocess.Popen(
        [*frappe, "room", "serve", "--port", str(port), "--ssl", "on"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert serve.stdout is not None
        deadline = time.monotonic() + 120
        url = ""
        while time.monotonic() < deadline and not url:
            line = serve.stdout.readline()
            if not line:
                break
            if line.startswith("postgresql://"):
                url = line.strip()
        if not url:
            serve.kill()
            pytest.fail(f"no seat URL printed: {serve.communicate()[1]}")
        assert url.startswith("postgresql://frappe_seat:") and url.endswith(
            f":{port}/frappe?sslmode=require"
        )
        opened = subprocess.run(
            [*frappe, "room", "open", "--text", "t02", "--duration", "5m"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert opened.returncode == 0, opened.stderr
        seance = opened.stdout.strip()
        with client.connect(url) as seat:
            assert seance in [s.id for s in client.open_seances(seat)]
            encrypted = seat.execute(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
            ).fetchone()
            assert encrypted == (True,)
        state = load_state(tmp_path / "data")
        assert state is not None and state.pid == serve.pid
        assert (tmp_path / "data" / "room" / "server.json").stat().st_mode & 0o777 == 0o600
    finally:
        serve.send_signal(signal.SIGINT)
        out, err = serve.communicate(timeout=60)
        shutil.rmtree(service, ignore_errors=True)
    assert serve.returncode == 0, err
    assert "Serveur de salle arrêté." in out
    with pytest.raises(RoomError, match="injoignable"):
        client.connect(url, timeout_s=2)


def test_init_on_an_existing_server(
    postgres_server: PostgresServer, capsys: pytest.CaptureFixture[str]
) -> None:
    # The test cluster's roles already have the suite's passwords: keep them.
    save_state(ServerState(trainer_password=TRAINER_PASSWORD, seat_password=SEAT_PASSWORD))
    assert main(["room", "init", "--url", postgres_server.url("postgres")]) == 0
    seat_url = capsys.readouterr().out.strip().splitlines()[-1]
    assert seat_url == postgres_server.url("frappe", user="frappe_seat")
    assert main(["room", "open", "--text", "t01", "--duration", "2m"]) == 0  # found by state
    seance = capsys.readouterr().out.strip()
    with client.connect(seat_url) as seat:
        assert seance in [s.id for s in client.open_seances(seat)]
    assert main(["room", "init", "--url", postgres_server.url("postgres")]) == 0  # again: no-op
    with psycopg.connect(postgres_server.url("frappe")) as admin:
        assert schema_version(admin) == latest_version()
    assert main(["room", "init", "--url", postgres_server.url("postgres", password="bad")]) == 1
    assert "mot de passe refusé" in capsys.readouterr().err


def test_serve_on_a_busy_port_is_one_line(
    postgres_server: PostgresServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    service = Path(tempfile.mkdtemp(prefix="frappe-busy-"))
    monkeypatch.setenv("FRAPPE_ROOM_SERVICE_DIR", str(service))
    try:
        code = main(["room", "serve", "--port", str(postgres_server.port)])
    finally:
        shutil.rmtree(service, ignore_errors=True)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert err[-1] == (
        f"frappe : le port {postgres_server.port} est déjà utilisé sur 127.0.0.1 (un autre "
        "serveur ?) : choisissez-en un autre avec --port"
    )


def test_verify_against_a_signed_export_sees_a_consistent_rewrite(
    room_db: RoomDatabase, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A superuser may rewrite a line AND recompute every hash and anchor on the server; the
    chain heads of the signed export, kept off the server, still catch it."""
    seance = _open(room_db, capsys)
    _type_and_hand_in(room_db, seance, "Alice Martin", "Madame")
    main(["room", "close", seance, "--url", room_db.trainer_url])
    export = tmp_path / "seance.json"
    trainer = ["--url", room_db.trainer_url]
    assert (
        main(["room", "results", seance, "--format", "json", "--output", str(export), *trainer])
        == 0
    )
    public = str(Path(os.environ["FRAPPE_CONFIG_DIR"]) / "centre" / "centre.pub")
    capsys.readouterr()
    assert main(["room", "verify", seance, "--export", str(export), "--key", public, *trainer]) == 0
    capsys.readouterr()
    with psycopg.connect(room_db.admin_url, autocommit=True) as admin:
        [(attempt,)] = admin.execute(
            "SELECT id FROM frappe.attempt WHERE seance_id = %s", (seance,)
        ).fetchall()
        lines = [
            r[0]
            for r in admin.execute(
                "SELECT line FROM frappe.journal_line WHERE attempt_id = %s ORDER BY seq",
                (attempt,),
            )
        ]
        lines[1] = lines[1].replace('"M"', '"N"')
        running = chain_origin(attempt)
        admin.execute("SET session_replication_role = replica")
        for seq, line in enumerate(lines, start=1):
            running = chain_hash(running, seq, line)
            admin.execute(
                "UPDATE frappe.journal_line SET line = %s, hash = %s"
                " WHERE attempt_id = %s AND seq = %s",
                (line, running, attempt, seq),
            )
        admin.execute("UPDATE frappe.attempt SET head_hash = %s WHERE id = %s", (running, attempt))
        admin.execute(
            "UPDATE frappe.official_result SET head_hash = %s WHERE attempt_id = %s",
            (running, attempt),
        )
    assert main(["room", "verify", seance, *trainer]) == 0  # consistent on the server alone
    capsys.readouterr()
    assert main(["room", "verify", seance, "--export", str(export), "--key", public, *trainer]) == 1
    out = capsys.readouterr().out
    assert "RUPTURE" in out and "export signé" in out
    export.write_text(export.read_text().replace("Madame", "Madamx"), encoding="utf-8")
    assert main(["room", "verify", seance, "--export", str(export), "--key", public, *trainer]) == 1
    assert "MODIFIÉ depuis sa signature" in capsys.readouterr().err
