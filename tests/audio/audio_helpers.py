"""Helpers and fixtures for the audio tests: PortAudio in a child process, on an ALSA file PCM or
a JACK dummy server.

The fixtures live here rather than in a ``conftest.py``: other test modules import the root
conftest by name, which a second ``conftest`` module would shadow. Test modules import the
``*_fixture`` functions; pytest registers them under their ``name``.

PortAudio reads the ALSA configuration once, when it initialises, so each playback test runs a
fresh child (``audio_probe.py``) with ``HOME`` pointing at a temporary folder whose
``.asoundrc`` routes the default device into a raw file: the file then holds exactly the float32
samples the player delivered (plus PortAudio's start-up silence). The JACK server is named, so
it never meets a colleague's.
"""

from __future__ import annotations

import itertools
import json
import os
import queue
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

PROBE = Path(__file__).with_name("audio_probe.py")
SRC = Path(__file__).resolve().parents[2] / "src"
JACK_RATE = 16000
_servers = itertools.count()


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


@pytest.fixture(name="alsa_file")
def alsa_file_fixture(tmp_path: Path) -> AlsaFile:
    home = tmp_path / "home"
    home.mkdir()
    capture = tmp_path / "cap.raw"
    write_asoundrc(home, capture)
    return AlsaFile(home, capture)


@pytest.fixture(name="alsa_probe")
def alsa_probe_fixture(alsa_file: AlsaFile, tmp_path: Path) -> Iterator[Probe]:
    probe = Probe(child_env(alsa_file.home), tmp_path)
    yield probe
    probe.close()


@pytest.fixture(name="jack_server", scope="module")
def jack_server_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A paced dummy JACK server at 16 kHz with 20 ms periods, named for this module."""
    jackd = shutil.which("jackd")
    if jackd is None:
        pytest.fail("jackd introuvable : installez jackd2 (apt-get install jackd2)")
    name = f"frappe-test-{os.getpid()}-{next(_servers)}"
    log = tmp_path_factory.mktemp("jack") / "jackd.log"
    env = dict(os.environ, JACK_NO_AUDIO_RESERVATION="1")
    with log.open("w") as out:
        proc = subprocess.Popen(
            [jackd, "-n", name, "--no-realtime", "-d", "dummy", "-r", str(JACK_RATE), "-p", "320"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        waited = subprocess.run(
            ["jack_wait", "-s", name, "-w", "-t", "10"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
        if waited.returncode != 0 or proc.poll() is not None:
            pytest.fail(f"jackd ne démarre pas :\n{log.read_text()}")
        yield name
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@pytest.fixture(name="jack_probe")
def jack_probe_fixture(jack_server: str, tmp_path: Path) -> Iterator[Probe]:
    home = tmp_path / "jackhome"
    home.mkdir()
    probe = Probe(child_env(home, jack_server=jack_server), tmp_path)
    yield probe
    probe.close()
