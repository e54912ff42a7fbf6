"""``frappe dictation`` in a real terminal (tmux) with the real player on an ALSA file PCM:
listen with the keys, type, ``kill -9`` mid-exercise, run the same command again: the dictation
is resumed from its journal, finished, scored and in the history."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
import test_e2e_tmux
from test_e2e_tmux import FRAPPE, Tmux, wait_until

from frappe.exercises.dictations import find_dictation
from frappe.exercises.drafts import read_draft
from frappe.scoring.correction import score_correction
from frappe.storage.files import read_record
from frappe.storage.history import open_history
from frappe.storage.journal import read_journal

# The typing tests' private tmux server, shared (each test here sets HOME itself).
tmux = test_e2e_tmux.tmux


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
    # Three words of a long letter: the confirmation says how little is handed in.
    tmux.wait_for("again", "rendre la transcription quand même")
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


def test_correction_in_a_real_terminal_scores_fixed_missed_introduced(
    tmux: Tmux, tmp_path: Path, alsa_home: Path
) -> None:
    """``frappe dictation d08 --correction``: the shipped recognition draft in the editor, one
    recognition error fixed at the keyboard, handed in, scored three ways, in the history."""
    tmux.env["HOME"] = str(alsa_home)
    tmux.env["JACK_NO_START_SERVER"] = "1"
    tmux.env["JACK_DEFAULT_SERVER"] = f"frappe-none-{os.getpid()}"
    dictation = find_dictation("d08")
    draft = read_draft(dictation).text
    assert draft.startswith("Certificat médical initial. Je sous-signé,")
    tmux.start("correction", [*command(tmp_path), "--correction"])
    screen = tmux.wait_for("correction", "Audio prêt")
    assert "Correction du brouillon (évaluation) — Martin Claire" in screen
    assert "Certificat médical initial. Je sous-signé," in screen
    # After « Je » (31 characters in), « sous-signé » (10) becomes « soussignée ».
    # One key per send-keys: a burst of escape sequences was once read out of order.
    for key in ["Right"] * 31 + ["Delete"] * 10:
        tmux.keys("correction", key)
    tmux.wait_for("correction", "initial. Je , Dr Marie")
    tmux.keys("correction", "soussignée", literal=True)
    tmux.wait_for("correction", "Je soussignée,")
    tmux.keys("correction", "C-t")
    tmux.wait_for("correction", "Rendre la correction")
    tmux.keys("correction", "o")
    screen = tmux.wait_for("correction", "Erreurs de reconnaissance corrigées", timeout=30)
    [result] = (tmp_path / "results").glob("*.json")
    record = read_record(result)
    final = draft.replace("Je sous-signé,", "Je soussignée,", 1)
    assert record.kind == "correction" and record.draft == draft and record.typed == final
    expected = score_correction(
        dictation.reference_text(), draft, final, dictation.keys(), record.settings.profile
    )
    assert len(expected.fixed) == 1 and not expected.introduced
    assert record.score is not None
    assert (record.score["fixed"], record.score["missed"], record.score["introduced"]) == (
        1,
        len(expected.missed),
        0,
    )
    total = 1 + len(expected.missed)
    assert f"corrigées : 1/{total} · oubliées : {total - 1} · introduites : 0" in screen
    with open_history(tmp_path / "history.sqlite3") as history:
        [entry] = history.entries()
    assert entry.kind == "correction" and entry.fixed == 1
    tmux.keys("correction", "C-q")
    wait_until(lambda: not tmux.alive("correction"), 10)
