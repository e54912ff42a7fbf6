"""The audio subcommands, run as a user would: in a child process, real PortAudio."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from audio_helpers import (
    AlsaFile,
    child_env,
    nonzero_signal,
    tone,
    write_wav,
)

from frappe.audio.pedal import PedalButton, load_profiles
from frappe.cli.audio import format_duration, parse_duration

CLI = (
    "import argparse, sys\n"
    "from frappe.cli.audio import register\n"
    "parser = argparse.ArgumentParser(prog='frappe')\n"
    "register(parser.add_subparsers(dest='command', required=True))\n"
    "args = parser.parse_args(sys.argv[1:])\n"
    "sys.exit(args.func(args))\n"
)


def run_cli(home: Path, *args: str, jack: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CLI, *args],
        capture_output=True,
        text=True,
        env=child_env(home, jack_server=jack),
        timeout=60,
        check=False,
    )


def start_cli(home: Path, *args: str, jack: str | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-u", "-c", CLI, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(home, jack_server=jack),
    )


class Lines:
    """Reads a child's stdout in the background; ``next`` waits for one line."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self._queue: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, args=(proc,), daemon=True).start()

    def _pump(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self._queue.put(line.rstrip("\n"))

    def next(self, timeout: float = 20.0) -> str:
        return self._queue.get(timeout=timeout)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("5m", 300),
        ("1m30s", 90),
        ("10", 10),
        ("1:30", 90),
        ("1:02:03", 3723),
        ("2,5s", 2.5),
        ("0.25", 0.25),
        ("1h", 3600),
        (" 2m 5s ", 125),
    ],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "abc", "5x", "1:xx", "m", "1:2:3:4", "-5s"])
def test_parse_duration_rejects_nonsense_in_french(text: str) -> None:
    with pytest.raises(ValueError, match="durée"):
        parse_duration(text)


def test_format_duration() -> None:
    assert [format_duration(s) for s in (0, 59.6, 90, 3723)] == ["0:00", "1:00", "1:30", "1:02:03"]


@pytest.mark.audio
def test_play_from_a_start_time_plays_the_rest_and_exits(
    alsa_file: AlsaFile, tmp_path: Path
) -> None:
    samples = nonzero_signal(3 * 16000, 11)
    path = write_wav(tmp_path / "dictée.wav", samples, 16000)
    done = run_cli(alsa_file.home, "play", str(path), "--start", "1s")
    assert done.returncode == 0, done.stderr
    assert "Lecture de dictée.wav (0:03) à 1×" in done.stdout
    captured = alsa_file.captured()
    assert np.array_equal(captured[captured != 0], samples[16000:])


@pytest.mark.audio
def test_play_slower_exits_when_the_file_ends(alsa_file: AlsaFile, tmp_path: Path) -> None:
    path = write_wav(tmp_path / "tone.wav", tone(440.0, 1.0, 16000), 16000)
    done = run_cli(alsa_file.home, "play", str(path), "--speed", "0,75")
    assert done.returncode == 0, done.stderr
    assert "à 0.75×" in done.stdout


@pytest.mark.audio
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["play", "absent.wav"], "Fichier audio introuvable : « absent.wav »."),
        (["play", "{bogus}"], "Format audio non reconnu ou fichier endommagé"),
        (["play", "{good}", "--device", "casque-fantôme"], "Sortie audio introuvable"),
        (["play", "{good}", "--start", "10m"], "après la fin du fichier"),
    ],
)
def test_play_errors_are_one_french_line(
    alsa_file: AlsaFile, tmp_path: Path, args: list[str], message: str
) -> None:
    bogus = tmp_path / "bogus.ogg"
    bogus.write_bytes(b"OggS" + bytes(100))
    good = write_wav(tmp_path / "good.wav", nonzero_signal(1600), 16000)
    argv = [a.format(bogus=bogus, good=good) for a in args]
    done = run_cli(alsa_file.home, *argv)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.audio
def test_audio_devices_lists_the_default_output(alsa_file: AlsaFile) -> None:
    done = run_cli(alsa_file.home, "audio", "devices")
    assert done.returncode == 0, done.stderr
    assert any(line.startswith("*") and "default" in line for line in done.stdout.splitlines())


@pytest.mark.audio
def test_ctrl_c_stops_playback_cleanly(jack_server: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    path = write_wav(tmp_path / "long.wav", tone(300.0, 30.0, 16000), 16000)
    proc = start_cli(home, "play", str(path), "--device", "system", jack=jack_server)
    try:
        lines = Lines(proc)
        assert lines.next().startswith("Lecture de long.wav")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(20) == 130
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.stderr is not None
    assert "Traceback" not in proc.stderr.read()


def test_pedal_test_shows_presses_and_reports_unplug(tmp_path: Path) -> None:
    fifo = tmp_path / "hidraw-test"
    os.mkfifo(fifo)
    writer = os.open(fifo, os.O_RDWR)
    proc = start_cli(tmp_path, "pedal", "test", "--device", str(fifo), "--usb-id", "05f3:00ff")
    try:
        lines = Lines(proc)
        assert lines.next().startswith("Pédale : VEC")
        os.write(writer, b"\x02\x00")
        assert lines.next() == "centrale (lecture) : appuyée — enfoncées : centrale"
        os.write(writer, b"\x03\x00")
        assert lines.next() == "gauche (retour) : appuyée — enfoncées : gauche, centrale"
        os.close(writer)
        writer = -1
        assert proc.wait(20) == 1
    finally:
        if writer >= 0:
            os.close(writer)
        if proc.poll() is None:
            proc.kill()
    assert proc.stderr is not None
    assert proc.stderr.read().strip() == f"Pédale débranchée ({fifo})."


def test_pedal_test_without_pedal_says_so(tmp_path: Path) -> None:
    done = run_cli(tmp_path, "pedal", "test", "--device", str(tmp_path / "hidraw42"))
    assert done.returncode == 1
    assert done.stderr.strip().startswith("Pédale inconnue")


def test_pedal_learn_saves_a_profile(tmp_path: Path) -> None:
    fifo = tmp_path / "hidraw-new"
    os.mkfifo(fifo)
    writer = os.open(fifo, os.O_RDWR)
    proc = start_cli(
        tmp_path,
        "pedal",
        "learn",
        "--device",
        str(fifo),
        "--usb-id",
        "abcd:0001",
        "--name",
        "Pédale du centre",
        "--timeout",
        "5s",
    )
    presses = {"gauche": b"\x04\x00", "centrale": b"\x01\x00", "droite": b"\x02\x00"}
    try:
        lines = Lines(proc)
        for label, report in presses.items():
            assert lines.next() == f"Appuyez sur la pédale {label} et maintenez-la enfoncée…"
            os.write(writer, report)
            assert lines.next() == "Relâchez-la."
            os.write(writer, b"\x00\x00")
        summary = lines.next()
        assert proc.wait(20) == 0
    finally:
        os.close(writer)
        if proc.poll() is None:
            proc.kill()
    assert "Pédale du centre" in summary and "abcd:0001" in summary
    profile = load_profiles()["abcd:0001"]
    assert profile.buttons == {
        "left": PedalButton(0, 4),
        "middle": PedalButton(0, 1),
        "right": PedalButton(0, 2),
    }
