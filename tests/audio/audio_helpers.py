"""Helpers of the audio tests: PortAudio in a child process, on an ALSA file PCM or a JACK
dummy server (the fixtures that start them are in this folder's ``conftest.py``).

PortAudio reads the ALSA configuration once, when it initialises, so each playback test runs a
fresh child (``audio_probe.py``) with ``HOME`` pointing at a temporary folder whose
``.asoundrc`` routes the default device into a raw file: the file then holds exactly the float32
samples the player delivered (plus PortAudio's start-up silence). The JACK server is named, so
it never meets a colleague's.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

PROBE = Path(__file__).with_name("audio_probe.py")
SRC = Path(__file__).resolve().parents[2] / "src"
JACK_RATE = 16000


def child_env(home: Path, *, jack_server: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["HOME"] = str(home)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    # Without a test server, point JACK clients at a name nobody uses: PortAudio then sees
    # ALSA only, whatever else runs on the machine.
    env["JACK_DEFAULT_SERVER"] = jack_server or f"frappe-none-{os.getpid()}"
    env["JACK_NO_START_SERVER"] = "1"
    env.pop("ALSA_CONFIG_PATH", None)
    return env


class Probe:
    """A child process holding one Player, driven by JSON lines."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(PROBE)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=cwd,
        )
        self._lines: queue.Queue[str] = queue.Queue()
        self._stderr: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()
        threading.Thread(target=self._pump_err, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line)

    def _pump_err(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._stderr.append(line)

    def call(self, op: str, *, timeout: float = 60.0, **kwargs: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"op": op, **kwargs}) + "\n")
        self.proc.stdin.flush()
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            self.proc.kill()
            pytest.fail(f"audio probe silent after {op!r}; stderr:\n{''.join(self._stderr)}")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def ok(self, op: str, **kwargs: Any) -> dict[str, Any]:
        reply = self.call(op, **kwargs)
        assert reply["ok"], f"{op}: {reply.get('error')}"
        return reply

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.call("exit", timeout=15)
            finally:
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(5)


@dataclass
class AlsaFile:
    home: Path
    capture: Path

    def captured(self) -> np.ndarray:
        if not self.capture.exists():
            return np.zeros(0, np.float32)
        return np.fromfile(self.capture, dtype=np.float32)


def write_asoundrc(home: Path, capture: Path) -> None:
    (home / ".asoundrc").write_text(
        "pcm.!default {\n"
        '  type file\n  slave.pcm "null"\n'
        f'  file "{capture}"\n  format "raw"\n'
        "}\n"
        "pcm.null { type null }\n"
    )


def nonzero_signal(frames: int, seed: int = 0) -> np.ndarray:
    """Random samples, none equal to 0.0: zeros in a capture can only be padding."""
    rng = np.random.default_rng(seed)
    magnitude = 0.05 + 0.85 * rng.random(frames)
    sign = np.where(rng.random(frames) < 0.5, -1.0, 1.0)
    return (magnitude * sign).astype(np.float32)


def tone(freq: float, seconds: float, rate: int, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def write_wav(path: Path, samples: np.ndarray, rate: int, subtype: str = "FLOAT") -> Path:
    sf.write(str(path), samples, rate, subtype=subtype)
    return path


def dominant_frequency(samples: np.ndarray, rate: int) -> float:
    window = np.hanning(samples.shape[0])
    size = 8 * samples.shape[0]
    spectrum = np.abs(np.fft.rfft(samples * window, n=size))
    return float(np.fft.rfftfreq(size, 1.0 / rate)[int(np.argmax(spectrum))])
