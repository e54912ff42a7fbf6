"""A dictation séance end to end, every piece a real process: the test PostgreSQL, the
trainer's commands, and seats running ``frappe room take`` in tmux with the real PortAudio
player on an ALSA file PCM (each seat plays its own copy of the recording).

Seat B listens, types, then its PC dies (``kill -9``); the trainer releases the attempt; the
room's script run again on seat D takes it over from the central journal — the document typed
so far and the time left — and hands it in. The official result is seat D's own score of the
same text, and the central journal is B's lines followed by D's.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import test_room_e2e
from test_room_e2e import FRAPPE, Room, Tmux, wait_until

from frappe.storage.journal import JournalContents, read_journal
from frappe.storage.room import client
from frappe.tui.widgets.typing.status import format_clock

# The room tests' fixtures: a fresh database of the test cluster, a private tmux server.
room = test_room_e2e.room
tmux = test_room_e2e.tmux


def seat_env(root: Path) -> dict[str, str]:
    """A seat's own folders, and a HOME whose ``.asoundrc`` plays into a file."""
    home = root / "home"
    home.mkdir(parents=True)
    (home / ".asoundrc").write_text(
        "pcm.!default {\n"
        f'  type file\n  slave.pcm "null"\n  file "{root / "cap.raw"}"\n  format "raw"\n'
        "}\n"
        "pcm.null { type null }\n"
    )
    return {
        "FRAPPE_DATA_DIR": str(root / "data"),
        "FRAPPE_CONFIG_DIR": str(root / "config"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TERM": "xterm-256color",
        "COLORTERM": "truecolor",
        "HOME": str(home),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "JACK_NO_START_SERVER": "1",
        "JACK_DEFAULT_SERVER": f"frappe-none-{os.getpid()}",
    }


def alive(tmux: Tmux, name: str) -> bool:
    done = subprocess.run(
        ["tmux", "-L", tmux.socket, "has-session", "-t", name], capture_output=True, check=False
    )
    return done.returncode == 0


def frappe(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(FRAPPE), *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done


def central(room: Room, attempt_id: int, path: Path) -> tuple[list[str], JournalContents]:
    with client.connect(room.trainer_url) as trainer:
        lines = client.attempt_lines(trainer, attempt_id)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return lines, read_journal(path)


def test_a_dictation_seance_survives_a_dead_pc(room: Room, tmux: Tmux, tmp_path: Path) -> None:
    trainer_env = seat_env(tmp_path / "trainer")
    opened = frappe(
        trainer_env, "room", "open", "--dictation", "d08", "--duration", "10m",
        "--url", room.trainer_url,
    )  # fmt: skip
    seance = opened.stdout.strip().splitlines()[-1]
    env_b, env_d = seat_env(tmp_path / "b"), seat_env(tmp_path / "d")
    for env, name in ((env_b, "PC-B"), (env_d, "PC-D")):
        joined = frappe(env, "room", "join", room.seat_url, "--seat", name)
        assert f"[{seance}]" in joined.stdout
    take = [str(FRAPPE), "room", "take", "--candidate", "Bravo Bruno", "--no-instructions"]

    # Seat B: the dictation on its own player; it listens, types, then dies.
    tmux.start("b", env_b, take, width=140)
    screen = tmux.wait_for("b", "Audio prêt")
    assert "Dictée (évaluation) — Bravo Bruno — Certificat médical initial" in screen
    tmux.keys("b", "Escape")  # play (the file PCM is not paced: it runs to the end)
    tmux.wait_for("b", "Fin de l'enregistrement")
    assert (tmp_path / "b" / "cap.raw").stat().st_size > 0  # the recording went to the device
    tmux.type("b", "Je soussigné")
    tmux.wait_for("b", "Salle : connecté")
    with client.connect(room.trainer_url) as trainer:
        [attempt] = client.list_attempts(trainer, seance)
    wait_until(
        lambda: central(room, attempt.attempt_id, tmp_path / "b.jsonl")[1].typed == "Je soussigné",
        10,
    )
    os.kill(tmux.pane_pid("b"), signal.SIGKILL)
    wait_until(lambda: not alive(tmux, "b"), 10)
    frappe(trainer_env, "room", "release", str(attempt.attempt_id), "--url", room.trainer_url)
    lines_b, expected = central(room, attempt.attempt_id, tmp_path / "b.jsonl")
    assert expected.typed == "Je soussigné" and expected.remaining_s is not None
    actions = [e["action"] for e in expected.events if e["type"] == "playback"]
    assert actions == ["play", "ended"]

    # Seat D: the same script takes the released attempt over, with the text and the time.
    tmux.start("d", env_d, take, width=140)
    # Each waited for on its own: a capture can catch the terminal halfway through a frame.
    tmux.wait_for("d", "Dictée reprise")
    tmux.wait_for("d", "Je soussigné")
    tmux.wait_for("d", f"Reste {format_clock(expected.remaining_s)}")
    tmux.keys("d", "End")
    tmux.type("d", ", docteur")
    tmux.wait_for("d", "Je soussigné, docteur")
    tmux.keys("d", "C-t")
    tmux.wait_for("d", "rendre la transcription quand même")
    tmux.keys("d", "o")
    tmux.wait_for("d", "NON VALIDÉ", timeout=30)

    with client.connect(room.trainer_url) as trainer:
        [attempt] = client.list_attempts(trainer, seance)
    assert (attempt.state, attempt.seat, attempt.takeovers) == ("handed_in", "PC-D", 1)
    results = frappe(
        trainer_env, "room", "results", seance, "--format", "json", "--url", room.trainer_url
    )
    [row] = json.loads(results.stdout)
    assert row["typed"] == "Je soussigné, docteur" and row["candidate"]["name"] == "Bravo Bruno"
    [local] = (tmp_path / "d" / "data" / "results").glob("*.json")
    seat_score = json.loads(local.read_text("utf-8"))["score"]
    seat_score.pop("listening")  # only the seat measures how the recording was heard
    assert row["metrics"] == seat_score  # the official figures and faults are the seat's
    # Nothing lost, nothing doubled: B's lines, then D's (whose header names its folders).
    lines_d, _ = central(room, attempt.attempt_id, tmp_path / "d.jsonl")
    assert lines_d[: len(lines_b)] == lines_b
    [archived] = (tmp_path / "d" / "data" / "journals" / "archive").glob("*.jsonl")
    assert lines_d[1:] == archived.read_text("utf-8").splitlines()[1:]
    tmux.keys("d", "Escape")  # kiosk: leaving the results ends the program
