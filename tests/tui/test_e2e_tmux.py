"""The real app in a real terminal (tmux): a short exam to its saved result, a time-out, a
crash (``kill -9`` mid-test) followed by a resume from the journal, and a paste sent without
the terminal's bracketed-paste markers.

Typing is one ``send-keys`` per character, 80 ms apart, as a person types at 150 wpm: a whole
string in one ``send-keys`` reaches the app in one read, at machine speed, like a paste (and is
refused as one)."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from frappe.storage.files import read_record
from frappe.storage.history import open_history
from frappe.storage.journal import read_journal

# The console script of the environment running the tests (the clone's own .venv).
FRAPPE = Path(sys.executable).with_name("frappe")
TEXT = "Le patient va bien. Il sort demain."


@dataclass
class Tmux:
    """One private tmux server (its own socket), killed at the end of the test."""

    socket: str
    env: dict[str, str]

    def run(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=False
        )
        return done.stdout

    def start(self, name: str, command: list[str]) -> None:
        exports = " ".join(f"{key}={shlex.quote(value)}" for key, value in self.env.items())
        line = f"env {exports} {shlex.join(command)}"
        subprocess.run(
            [
                "tmux",
                "-L",
                self.socket,
                "new-session",
                "-d",
                "-x",
                "100",
                "-y",
                "30",
                "-s",
                name,
                line,
            ],
            check=True,
        )

    def screen(self, name: str) -> str:
        return self.run("capture-pane", "-p", "-t", name)

    def keys(self, name: str, *keys: str, literal: bool = False) -> None:
        self.run("send-keys", "-t", name, *(["-l"] if literal else []), *keys)

    def type(self, name: str, text: str, pause: float = 0.08) -> None:
        """Type ``text`` key by key, ``pause`` seconds apart (150 wpm): keys much closer
        together reach a busy test machine's app in one read, like a paste."""
        for char in text:
            self.keys(name, char, literal=True)
            time.sleep(pause)

    def pane_pid(self, name: str) -> int:
        return int(self.run("display-message", "-p", "-t", name, "#{pane_pid}").strip())

    def alive(self, name: str) -> bool:
        done = subprocess.run(
            ["tmux", "-L", self.socket, "has-session", "-t", name],
            capture_output=True,
            check=False,
        )
        return done.returncode == 0

    def wait_for(self, name: str, text: str, timeout: float = 20.0) -> str:
        return wait_until(lambda: text in self.screen(name), timeout, lambda: self.screen(name))


def wait_until(
    predicate: Callable[[], bool], timeout: float, show: Callable[[], str] = lambda: ""
) -> str:
    """Poll until ``predicate`` holds (the app runs in another process)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return show()
        time.sleep(0.1)
    raise AssertionError(f"délai dépassé ; écran :\n{show()}")


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    # Fail, never skip: `make test` installs tmux, and these tests are the real-terminal proof.
    assert shutil.which("tmux"), "tmux introuvable (make test l'installe avec apt)"
    assert FRAPPE.exists(), f"{FRAPPE} introuvable (make test installe frappe dans .venv)"
    env = {
        "FRAPPE_DATA_DIR": str(tmp_path / "data"),
        "FRAPPE_CONFIG_DIR": str(tmp_path / "config"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TERM": "xterm-256color",
        "COLORTERM": "truecolor",
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    }
    server = Tmux(f"frappe-test-{uuid.uuid4().hex[:8]}", env)
    yield server
    server.run("kill-server")


def exam_command(tmp_path: Path, *extra: str) -> list[str]:
    text = tmp_path / "essai.txt"
    text.write_text(TEXT + "\n", encoding="utf-8")
    return [
        str(FRAPPE),
        "typing",
        "--text",
        str(text),
        "--candidate",
        "Martin Claire",
        "--candidate-id",
        "E2E-1",
        "--results",
        str(tmp_path / "results"),
        "--db",
        str(tmp_path / "history.sqlite3"),
        *extra,
    ]


def test_short_exam_to_its_saved_result(tmux: Tmux, tmp_path: Path) -> None:
    tmux.start("exam", exam_command(tmp_path, "--duration", "2m"))
    tmux.wait_for("exam", "Commencer le test")
    tmux.keys("exam", "Enter")
    tmux.wait_for("exam", "Texte à copier")
    screen = tmux.wait_for("exam", "le chrono démarre")
    assert "Temps restant : 02:00" in screen
    tmux.type("exam", "Le patinet va bien. Il sort")
    tmux.wait_for("exam", "Votre frappe")
    tmux.type("exam", " demain.")  # the text is finished: the test ends
    screen = tmux.wait_for("exam", "Enregistré dans")
    assert "Résultats — Martin Claire" in screen
    assert "texte terminé" in screen
    [result] = (tmp_path / "results").glob("*.json")
    record = read_record(result)
    assert record.typed == "Le patinet va bien. Il sort demain."
    assert record.end_reason == "completed"
    assert record.candidate.id == "E2E-1"
    assert record.score is not None and record.score["faults"] == 1
    with open_history(tmp_path / "history.sqlite3") as history:
        [entry] = history.entries()
    assert entry.result_path == str(result.resolve())
    tmux.keys("exam", "C-q")
    wait_until(lambda: not tmux.alive("exam"), 10)


def test_time_out_in_the_real_app(tmux: Tmux, tmp_path: Path) -> None:
    # Test-only clock scale: the 1 min test lasts one real second once started.
    tmux.env["FRAPPE_TEST_CLOCK_SCALE"] = "60"
    tmux.start("timeout", exam_command(tmp_path, "--duration", "1", "--no-instructions"))
    tmux.wait_for("timeout", "Texte à copier")
    tmux.type("timeout", "Le pat")
    screen = tmux.wait_for("timeout", "temps écoulé")
    assert "Enregistré dans" in screen
    [result] = (tmp_path / "results").glob("*.json")
    record = read_record(result)
    assert record.end_reason == "timeout" and record.duration_s == 60.0
    assert record.typed == "Le pat"


def test_kill_9_mid_test_then_resume_from_the_journal(tmux: Tmux, tmp_path: Path) -> None:
    tmux.start("crash", exam_command(tmp_path, "--duration", "5m", "--no-instructions"))
    tmux.wait_for("crash", "Texte à copier")
    tmux.type("crash", "Le patient va")
    journals = tmp_path / "data" / "journals"

    def journal_has_text() -> bool:
        found = list(journals.glob("*.jsonl"))
        return bool(found) and read_journal(found[0]).typed == "Le patient va"

    wait_until(journal_has_text, 10)
    pid = tmux.pane_pid("crash")
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: not tmux.alive("crash"), 10)
    [journal] = journals.glob("*.jsonl")
    contents = read_journal(journal)
    assert contents.end_reason is None
    assert contents.typed == "Le patient va"
    assert not list((tmp_path / "results").glob("*.json"))

    # Next start: the unfinished test is offered; the trainer resumes it.
    tmux.start("again", [str(FRAPPE)])
    screen = tmux.wait_for("again", "Tests non terminés")
    assert "Martin Claire" in screen and "13 car. tapés" in screen
    tmux.keys("again", "r")
    screen = tmux.wait_for("again", "Test repris")
    assert "Le patient va" in screen
    tmux.type("again", " bien. Il sort demain.")
    tmux.wait_for("again", "Enregistré dans")
    [result] = (tmp_path / "results").glob("*.json")
    record = read_record(result)
    assert record.typed == TEXT
    assert record.end_reason == "completed"
    assert any(e["type"] == "resumed" for e in record.events)
    assert not list(journals.glob("*.jsonl"))  # archived…
    assert list((journals / "archive").glob("*.jsonl"))  # …not deleted


def test_a_paste_without_markers_is_refused_and_reported(tmux: Tmux, tmp_path: Path) -> None:
    tmux.start("paste", exam_command(tmp_path, "--duration", "2m", "--no-instructions"))
    tmux.wait_for("paste", "Texte à copier")
    tmux.type("paste", "Le patient ")
    pasted = "va bien. Il sort demain."
    tmux.run("set-buffer", "-b", "copie", pasted)
    tmux.run("paste-buffer", "-b", "copie", "-t", "paste")  # no -p: no paste markers
    screen = tmux.wait_for("paste", "Collage refusé")
    typed_pane = screen.split("Votre frappe", 1)[1]
    assert "Le patient" in typed_pane and "va bien" not in typed_pane
    tmux.type("paste", pasted)
    screen = tmux.wait_for("paste", "Enregistré dans")
    assert "Collages refusés" in screen
    [result] = (tmp_path / "results").glob("*.json")
    record = read_record(result)
    assert record.typed == TEXT  # what the candidate typed, nothing of the paste
    [event] = [e for e in record.events if e["type"] == "paste_refused"]
    assert event["via"] == "keys" and event["chars"] == len(pasted)
    report = subprocess.run(
        [str(FRAPPE), "report", str(result)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "120"},
    )
    assert "Collages refusés" in report.stdout
    assert f"1 ({len(pasted)} caractères non insérés" in report.stdout
