"""The dictation screen on the real player: PortAudio writing into an ALSA file PCM.

PortAudio reads the ALSA configuration once, at initialisation, so the app runs in a child
process whose ``HOME`` holds an ``.asoundrc`` routing the default device into a raw file (and
whose JACK clients look for a server that does not exist). The null PCM is not paced: the
recording "plays" in a moment, so nothing here depends on time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
HERE = Path(__file__).resolve().parent

CHILD = r"""
import asyncio, json, sys
from pathlib import Path

sys.path[:0] = [sys.argv[2], str(Path(sys.argv[2]).parent)]
from tui_support import click, settle

from frappe.exercises.dictations import find_dictation
from frappe.exercises.record import Candidate
from frappe.tui.config import AppConfig
from frappe.runs.common import StoragePaths
from frappe.tui.screens.dictation import DictationScreen
from frappe.tui.screens.dictation_results import DictationResultsScreen
from frappe.tui.app import FrappeApp
from frappe.tui.config import DictationOptions, StartDictation
from frappe.runs.dictation import DictationSpec

root = Path(sys.argv[1])


async def until(pilot, check, what):
    for _ in range(600):
        if check():
            return
        await pilot.pause(0.05)
    raise SystemExit(f"timed out waiting for {what}")


async def main():
    storage = StoragePaths(root / "results", root / "history.sqlite3", root / "journals")
    config = AppConfig(
        storage=storage,
        tick_interval=0.1,
        check_journals=False,
        dictation=DictationOptions(auto_pedal=False),
    )
    spec = DictationSpec(Candidate("Martin Claire"), find_dictation("d08"), deadline_s=None)
    app = FrappeApp(config, StartDictation(spec))
    out = {}
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DictationScreen), "the screen")
        screen = app.screen
        await until(pilot, lambda: screen.controls is not None, "the audio")
        player = screen.controls.player
        out["device"] = player.device_name
        await pilot.press("f3", "f3")  # 0.9x, pitch kept
        await pilot.press("escape")  # play: the null PCM is not paced, so it runs to the end
        await until(pilot, lambda: screen.controls.state == "ended", "the end of the recording")
        await pilot.press("f9")  # back to the start: paused there
        out["state"] = screen.controls.state
        out["position"] = screen.controls.player.position_s
        for char in "Certificat":
            await pilot.press(char)
        await pilot.press("ctrl+t")
        await pilot.pause()
        await click(pilot, "#confirm")
        await until(pilot, lambda: isinstance(app.screen, DictationResultsScreen), "results")
        await settle(pilot)
        saved = app.screen.saved
        out["path"] = str(saved.path)
        out["heard_s"] = saved.listening.heard_s
    print(json.dumps(out))


asyncio.run(main())
"""


@pytest.mark.audio
def test_dictation_plays_through_portaudio_into_an_alsa_file(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    capture = tmp_path / "cap.raw"
    (home / ".asoundrc").write_text(
        "pcm.!default {\n"
        f'  type file\n  slave.pcm "null"\n  file "{capture}"\n  format "raw"\n'
        "}\n"
        "pcm.null { type null }\n"
    )
    env = dict(os.environ)
    env.update(
        HOME=str(home),
        PYTHONPATH=os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")])),
        JACK_DEFAULT_SERVER=f"frappe-none-{os.getpid()}",
        JACK_NO_START_SERVER="1",
        FRAPPE_DATA_DIR=str(tmp_path / "data"),
        FRAPPE_CONFIG_DIR=str(tmp_path / "config"),
    )
    env.pop("ALSA_CONFIG_PATH", None)
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path), str(HERE)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert child.returncode == 0, child.stderr[-3000:]
    out = json.loads(child.stdout.strip().splitlines()[-1])
    assert out["state"] == "paused" and out["position"] == 0.0
    # The samples went to the ALSA file: the player really played.
    assert capture.stat().st_size > 0
    record = json.loads(Path(out["path"]).read_text("utf-8"))
    assert record["kind"] == "transcription" and record["typed"] == "Certificat"
    actions = [e["action"] for e in record["events"] if e["type"] == "playback"]
    assert actions[:3] == ["speed", "speed", "play"]
    assert "ended" in actions and actions[-1] == "go_to_start"
    ended = next(e for e in record["events"] if e.get("action") == "ended")
    assert ended["playing"] is False and ended["speed"] == pytest.approx(0.9)
    assert record["score"]["listening"]["heard_s"] == pytest.approx(out["heard_s"])
    assert out["heard_s"] > 60.0  # the whole recording (66 s) went through the device
