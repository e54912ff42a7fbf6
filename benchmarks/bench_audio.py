"""Audio: pedal-to-sound latency, time-stretch speed against its peers, memory for 30 minutes.

* Latency: from writing a VEC "play pressed" report into a FIFO read by the real PedalReader,
  through PedalController and Player, to the PortAudio callback delivering its first non-silent
  block. Measured on a JACK dummy server (paced in real time, 16 kHz, 20 ms periods, player
  block 320 frames) in a child process, so PortAudio sees only that server. Each press resumes
  after a pause, so rewind-on-resume (a new render from 2 s earlier) is included. Without
  jackd the ALSA null device is used instead, which is not paced (the figure is then a floor).
* Stretch: one pass at 0.75× over the first corpus dictation (Pico voice, 16 kHz), frappe's
  WSOLA, python-stretch and audiotsm in the same run; plus pitch of a 440 Hz tone after 0.75×.
* Memory: tracemalloc peak while decoding a 30-minute 16 kHz file, and with resampling to
  48 kHz (the fallback when the device refuses the file's rate).
"""

from __future__ import annotations

import importlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from benchmarks._common import Result, print_table
from frappe import locations
from frappe.audio.source import load_audio
from frappe.audio.stretch import time_stretch

RATE = 16000
SPEED = 0.75
TRIALS = 25
TARGET_LATENCY_MS = 50.0
TARGET_STRETCH_X = 20.0
REPO = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- latency
def _latency_child() -> dict[str, Any]:
    """Runs inside the child process: the whole pedal → player path on the default server."""
    from frappe.audio.pedal import (  # noqa: PLC0415 - PortAudio only in the child
        PedalController,
        PedalReader,
        builtin_profiles,
    )
    from frappe.audio.player import Player, list_output_devices  # noqa: PLC0415
    from frappe.exercises.playback import PlayerState, player_commands  # noqa: PLC0415

    devices = list_output_devices()
    jack = [d for d in devices if "JACK" in d.host_api]
    device = jack[0] if jack else next(d for d in devices if d.is_default)
    results: dict[str, Any] = {"device": f"{device.name} ({device.host_api})"}
    with tempfile.TemporaryDirectory() as folder:
        wav = Path(folder) / "tone.wav"
        t = np.arange(120 * RATE) / RATE
        sf.write(str(wav), (0.3 * np.sin(2 * np.pi * 300 * t)).astype(np.float32), RATE)
        fifo = Path(folder) / "hidraw-bench"
        os.mkfifo(fifo)
        writer = os.open(fifo, os.O_RDWR)
        profile = builtin_profiles()["05f3:00ff"]
        with Player(device.index, blocksize=320) as player:
            player.load(wav)
            controller = PedalController(player_commands(player), profile.roles, profile.play_mode)
            reader = PedalReader(profile, fifo, controller.handle)
            reader.start()
            rng = random.Random(1)
            try:
                for speed in (1.0, SPEED):
                    player.set_speed(speed)
                    samples: list[float] = []
                    for trial in range(TRIALS + 2):
                        # Random phase against the device's period, like a real foot.
                        time.sleep(0.05 + rng.random() * 0.05)
                        start = time.monotonic_ns()
                        os.write(writer, b"\x02\x00")
                        deadline = time.monotonic() + 2.0
                        while player.last_sound_start_ns <= start and time.monotonic() < deadline:
                            time.sleep(0.0002)
                        if player.last_sound_start_ns > start and trial >= 2:  # 2 warm-ups
                            samples.append((player.last_sound_start_ns - start) / 1e6)
                        os.write(writer, b"\x00\x00")
                        while player.state is PlayerState.PLAYING:
                            time.sleep(0.001)
                    results[f"{speed:g}"] = samples
                results["starved_blocks"] = player.starved_blocks
            finally:
                reader.stop()
                controller.close()
                os.close(writer)
    return results


def _measure_latency() -> tuple[dict[str, Any], str]:
    jackd = shutil.which("jackd")
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, HOME=home, JACK_NO_START_SERVER="1")
        env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(REPO / "src")])
        server: subprocess.Popen[bytes] | None = None
        if jackd is not None:
            name = f"frappe-bench-{os.getpid()}"
            server = subprocess.Popen(
                [jackd, "-n", name, "--no-realtime", "-d", "dummy", "-r", str(RATE), "-p", "320"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=dict(env, JACK_NO_AUDIO_RESERVATION="1"),
            )
            subprocess.run(
                ["jack_wait", "-s", name, "-w", "-t", "10"], capture_output=True, check=False
            )
            env["JACK_DEFAULT_SERVER"] = name
            how = "JACK dummy 16 kHz, période 20 ms"
        else:
            Path(home, ".asoundrc").write_text("pcm.!default { type null }\n")
            env["JACK_DEFAULT_SERVER"] = f"frappe-none-{os.getpid()}"
            how = "ALSA null (non cadencé : plancher)"
        try:
            done = subprocess.run(
                [sys.executable, "-m", "benchmarks.bench_audio", "--latency-child"],
                capture_output=True,
                text=True,
                env=env,
                cwd=REPO,
                timeout=180,
                check=True,
            )
        finally:
            if server is not None:
                server.terminate()
                server.wait(10)
    return json.loads(done.stdout.strip().splitlines()[-1]), how


# --------------------------------------------------------------------------- stretch
def _speech() -> tuple[np.ndarray, str]:
    corpus = locations.bundled_audio_corpus_dir()
    files = sorted(corpus.glob("*/audio.*"))
    if files:
        clip = load_audio(files[0], RATE)
        return clip.samples, f"{files[0].parent.name} ({clip.duration_s:.0f} s)"
    t = np.arange(60 * RATE) / RATE
    wave = np.sum([np.sin(2 * np.pi * 120 * k * t) / k for k in range(1, 12)], axis=0)
    return (0.2 * wave).astype(np.float32), "voyelle synthétique (60 s)"


def _dominant(samples: np.ndarray) -> float:
    middle = samples[RATE // 2 : -RATE // 2]
    size = 8 * middle.shape[0]
    spectrum = np.abs(np.fft.rfft(middle * np.hanning(middle.shape[0]), n=size))
    return float(np.fft.rfftfreq(size, 1 / RATE)[int(np.argmax(spectrum))])


def _stretchers() -> dict[str, Any]:
    methods: dict[str, Any] = {"frappe_wsola": lambda x: time_stretch(x, RATE, SPEED)}
    try:
        from python_stretch.Signalsmith import Stretch  # noqa: PLC0415 - optional peer

        def with_signalsmith(x: np.ndarray) -> np.ndarray:
            stretch = Stretch()
            stretch.preset(1, RATE)
            stretch.setTimeFactor(SPEED)
            out: np.ndarray = np.asarray(stretch.process(x[None, :]))[0]
            return out

        methods["python_stretch"] = with_signalsmith
    except ImportError:
        methods["python_stretch"] = None
    try:
        # Untyped, optional peer: imported by name so type checking needs no stubs.
        audiotsm = importlib.import_module("audiotsm")
        array_io = importlib.import_module("audiotsm.io.array")

        def with_audiotsm(x: np.ndarray) -> np.ndarray:
            reader, writer = array_io.ArrayReader(x[None, :]), array_io.ArrayWriter(1)
            # 32 ms frames suit speech at 16 kHz (its default, 1024, is tuned for 44.1 kHz).
            audiotsm.wsola(1, speed=SPEED, frame_length=512).run(reader, writer)
            return np.asarray(writer.data[0], dtype=np.float32)

        methods["audiotsm_wsola"] = with_audiotsm
    except ImportError:
        methods["audiotsm_wsola"] = None
    return methods


def _measure_stretch() -> tuple[dict[str, tuple[float, float] | None], str]:
    speech, label = _speech()
    seconds = speech.shape[0] / RATE
    t = np.arange(3 * RATE) / RATE
    probe = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    figures: dict[str, tuple[float, float] | None] = {}
    for name, method in _stretchers().items():
        if method is None:
            figures[name] = None
            continue
        timings = []
        for _ in range(3):
            start = time.perf_counter()
            method(speech)
            timings.append(time.perf_counter() - start)
        pitch_error = abs(_dominant(method(probe)) - 440.0) / 440.0 * 100
        figures[name] = (seconds / statistics.median(timings), pitch_error)
    return figures, label


# --------------------------------------------------------------------------- memory
def _measure_memory() -> dict[str, float]:
    speech, _ = _speech()
    frames = 30 * 60 * RATE
    signal = np.resize(speech, frames)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "trente-minutes.wav"
        sf.write(str(path), signal, RATE, subtype="PCM_16")
        del signal
        figures: dict[str, float] = {"file_mb": path.stat().st_size / 2**20}
        for key, rate in (("native", None), ("to48k", 48000)):
            tracemalloc.start()
            start = time.perf_counter()
            clip = load_audio(path, rate)
            figures[f"{key}_s"] = time.perf_counter() - start
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            figures[f"{key}_peak_mb"] = peak / 2**20
            figures[f"{key}_kept_mb"] = clip.samples.nbytes / 2**20
            del clip
    return figures


# --------------------------------------------------------------------------- report
def run() -> Result:
    """Run the benchmark, print a table, return the figures."""
    results: Result = {}
    rows: list[tuple[str, str, str]] = []

    latency, how = _measure_latency()
    for speed in ("1", "0.75"):
        samples = sorted(latency[speed])
        p50 = statistics.median(samples)
        worst = samples[-1]
        key = "1x" if speed == "1" else "075x"
        results[f"audio_pedal_to_sound_{key}_p50"] = {"value": round(p50, 2), "unit": "ms"}
        results[f"audio_pedal_to_sound_{key}_max"] = {"value": round(worst, 2), "unit": "ms"}
        verdict = "ok" if worst < TARGET_LATENCY_MS else f"> {TARGET_LATENCY_MS:.0f} ms"
        rows.append(
            (
                f"pédale → 1er bloc sonore, {speed}×",
                f"p50 {p50:.1f} ms",
                f"max {worst:.1f} ms {verdict}",
            )
        )
    results["audio_latency_device"] = {"value": how, "unit": ""}
    results["audio_starved_blocks"] = {"value": latency["starved_blocks"], "unit": "blocks"}
    rows.append(("périphérique", latency["device"], how))

    stretch, label = _measure_stretch()
    for name, figure in stretch.items():
        if figure is None:
            results[f"audio_stretch_{name}_x_realtime"] = {"value": "absent", "unit": ""}
            rows.append((f"étirement 0.75×, {name}", "non installé", ""))
            continue
        speed_x, pitch = figure
        results[f"audio_stretch_{name}_x_realtime"] = {"value": round(speed_x, 1), "unit": "x"}
        results[f"audio_stretch_{name}_pitch_error"] = {"value": round(pitch, 3), "unit": "%"}
        verdict = "ok" if speed_x >= TARGET_STRETCH_X else f"< {TARGET_STRETCH_X:.0f}×"
        rows.append(
            (
                f"étirement 0.75×, {name}",
                f"{speed_x:.0f}× temps réel",
                f"{verdict} ; écart de hauteur {pitch:.2f} %",
            )
        )
    rows.append(("  (parole)", label, ""))

    memory = _measure_memory()
    results["audio_30min_load_peak"] = {"value": round(memory["native_peak_mb"], 1), "unit": "MiB"}
    results["audio_30min_samples"] = {"value": round(memory["native_kept_mb"], 1), "unit": "MiB"}
    results["audio_30min_load_time"] = {"value": round(memory["native_s"], 2), "unit": "s"}
    results["audio_30min_to48k_peak"] = {"value": round(memory["to48k_peak_mb"], 1), "unit": "MiB"}
    results["audio_30min_to48k_time"] = {"value": round(memory["to48k_s"], 2), "unit": "s"}
    rows.append(
        (
            "30 min à 16 kHz : décodage",
            f"pic {memory['native_peak_mb']:.0f} Mio",
            f"gardés {memory['native_kept_mb']:.0f} Mio, {memory['native_s']:.2f} s",
        )
    )
    rows.append(
        (
            "30 min rééchantillonnées à 48 kHz",
            f"pic {memory['to48k_peak_mb']:.0f} Mio",
            f"gardés {memory['to48k_kept_mb']:.0f} Mio, {memory['to48k_s']:.2f} s",
        )
    )
    print_table("Audio (lecteur, étirement, pédale)", rows)
    return results


if __name__ == "__main__":
    if "--latency-child" in sys.argv:
        print(json.dumps(_latency_child()))
    else:
        run()
