"""``frappe dictation`` in a real terminal (tmux) with the real player on an ALSA file PCM:
listen with the keys, type, ``kill -9`` mid-exercise, run the same command again: the dictation
is resumed from its journal, finished, scored and in the history."""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_e2e_tmux import FRAPPE, Tmux, wait_until

from frappe.storage.files import read_record
from frappe.storage.history import open_history
from frappe.storage.journal import read_journal


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    env = {
        "FRAPPE_DATA_DIR": str(tmp_path / "data"),
        "FRAPPE_CONFIG_DIR": str(tmp_path / "config"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TERM": "xterm-256color",
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    }
    server = Tmux(f"frappe-dictation-{uuid.uuid4().hex[:8]}", env)
    yield server
    server.run("kill-server")


@pytest.fixture
def alsa_home(tmp_path: Path) -> Path:
    """A HOME whose ``.asoundrc`` sends the default ALSA device into a file."""
    home = tmp_path / "home"
    home.mkdir()
    (home / ".asoundrc").write_text(
        "pcm.!default {\n"
        f'  type file\n  slave.pcm "null"\n  file "{tmp_path / "cap.raw"}"\n  format "raw"\n'
        "}\n"
        "pcm.null { type null }\n"
    )
    return home


def command(tmp_path: Path) -> list[str]:
    return [
        str(FRAPPE),
        "dictation",
        "d08",
        "--candidate",
        "Martin Claire",
        "--results",
        str(tmp_path / "results"),
        "--db",
        str(tmp_path / "history.sqlite3"),
        "--no-pedal",
    ]


def test_kill_9_mid_dictation_then_the_same_command_resumes_it(
    tmux: Tmux, tmp_path: Path, alsa_home: Path
) -> None:
    tmux.env["HOME"] = str(alsa_home)
    tmux.env["JACK_NO_START_SERVER"] = "1"
    tmux.env["JACK_DEFAULT_SERVER"] = f"frappe-none-{os.getpid()}"
    tmux.start("dictation", command(tmp_path))
    screen = tmux.wait_for("dictation", "Audio prêt")
    assert "Dictée (évaluation) — Martin Claire" in screen
    tmux.keys("dictation", "F3")
    tmux.wait_for("dictation", "×0,95")
    tmux.keys("dictation", "Escape")  # play (the file PCM is not paced: it runs to the end)
    # A lone Esc is told from the start of an escape sequence by a pause after it.
    tmux.wait_for("dictation", "Fin de l'enregistrement")
    assert (tmp_path / "cap.raw").stat().st_size > 0  # the recording went to the device
    tmux.keys("dictation", "Je soussigné", literal=True)
    journals = tmp_path / "data" / "journals"

    def journal_has_text() -> bool:
        found = list(journals.glob("*.jsonl"))
        return bool(found) and read_journal(found[0]).typed == "Je soussigné"

    wait_until(journal_has_text, 15)
    os.kill(tmux.pane_pid("dictation"), signal.SIGKILL)
    wait_until(lambda: not tmux.alive("dictation"), 10)
    [journal] = journals.glob("*.jsonl")
    contents = read_journal(journal)
    assert contents.end_reason is None and contents.typed == "Je soussigné"
    actions = [e["action"] for e in contents.events if e["type"] == "playback"]
    assert actions == ["speed", "play", "ended"]

    # The trainer runs the same command again: the dictation goes on where it was.
    tmux.start("again", command(tmp_path))
    screen = tmux.wait_for("again", "Dictée reprise")
    assert "Je soussigné" in screen
    tmux.keys("again", ", docteur", literal=True)
    tmux.wait_for("again", "Je soussigné, docteur")
    tmux.keys("again", "C-t")
    tmux.wait_for("again", "Rendre la transcription")
    tmux.keys("again", "o")
    screen = tmux.wait_for("again", "NON VALIDÉ", timeout=30)
    assert screen.index("Erreurs critiques") < screen.index("Note")
    [result] = (tmp_path / "results").glob("*.json")
    record = read_record(result)
    assert record.kind == "transcription" and record.typed == "Je soussigné, docteur"
    assert any(e["type"] == "resumed" for e in record.events)
    assert record.settings.time_limit_s == 600.0  # d08's suggested 10 minutes
    with open_history(tmp_path / "history.sqlite3") as history:
        [entry] = history.entries()
    assert entry.kind == "transcription" and entry.result_path == str(result.resolve())
    tmux.keys("again", "C-q")
    wait_until(lambda: not tmux.alive("again"), 10)
