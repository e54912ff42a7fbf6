"""« Écouter ce mot / ce passage »: ``Player.play_range`` plays exactly the range and pauses by
itself at its end — the exact samples on the ALSA file PCM, and on a paced JACK dummy server
the position stops at the end instead of running on until a UI timer notices."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from audio_helpers import (
    JACK_RATE,
    AlsaFile,
    Probe,
    nonzero_signal,
    tone,
    write_wav,
)

RATE = 16000


def _names(reply: dict[str, Any]) -> list[str]:
    return [a["action"] for a in reply["actions"]]


@pytest.mark.audio
def test_play_range_delivers_exactly_the_range(
    alsa_probe: Probe, alsa_file: AlsaFile, tmp_path: Path
) -> None:
    signal = nonzero_signal(6 * RATE, seed=7)
    path = write_wav(tmp_path / "sig.wav", signal, RATE)
    alsa_probe.ok("new")
    alsa_probe.ok("load", path=str(path))
    alsa_probe.ok("call", name="play_range", args=[1.25, 2.5])
    assert alsa_probe.ok("wait_actions", name="range_end", count=1)["reached"]
    done = alsa_probe.ok("call", name="tick")
    assert done["state"] == "paused" and done["position_s"] == pytest.approx(2.5, abs=1e-4)
    assert _names(done)[-3:] == ["play", "range_end", "tick"]
    # Then a normal play resumes (2 s back) and goes on to the end: no stop left behind.
    alsa_probe.ok("call", name="play")
    assert alsa_probe.ok("wait_state", states=["ended"])["reached"]
    alsa_probe.ok("close")
    captured = alsa_file.captured()
    expected = np.concatenate([signal[int(1.25 * RATE) : int(2.5 * RATE)], signal[RATE // 2 :]])
    assert np.array_equal(captured[captured != 0], expected)


@pytest.mark.audio
def test_play_range_stops_at_its_end_on_a_paced_device(jack_probe: Probe, tmp_path: Path) -> None:
    path = write_wav(tmp_path / "tone.wav", tone(440.0, 8.0, JACK_RATE), JACK_RATE)
    jack_probe.ok("new", jack=True)
    jack_probe.ok("load", path=str(path))
    started = jack_probe.ok("call", name="play_range", args=[2.0, 3.0])
    assert started["state"] == "playing"
    assert jack_probe.ok("wait_actions", name="range_end", count=1)["reached"]
    ended = jack_probe.ok("call", name="tick")
    assert ended["state"] == "paused"
    assert ended["position_s"] == pytest.approx(3.0, abs=1e-3)
    # Time passes on the paced device (the stream keeps running, silent): nothing more plays.
    time.sleep(1.0)
    assert jack_probe.ok("call", name="tick")["position_s"] == pytest.approx(3.0, abs=1e-3)
    jack_probe.ok("close")
