"""The player on the real PortAudio path (ALSA file PCM, JACK dummy), and ListeningStats."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from audio_helpers import (
    JACK_RATE,
    AlsaFile,
    Probe,
    child_env,
    dominant_frequency,
    nonzero_signal,
    tone,
    write_wav,
)

from frappe.exercises.playback import ListeningStats, PlaybackAction

RATE = 16000


def _actions(reply: dict[str, Any]) -> list[PlaybackAction]:
    return [PlaybackAction(**a) for a in reply["actions"]]


def _last(reply: dict[str, Any], name: str) -> PlaybackAction:
    """The reply's last action called ``name``: on the unpaced file device the end of the
    recording may already be logged after it by the time the probe answers."""
    return [a for a in _actions(reply) if a.action == name][-1]


def _trim(samples: np.ndarray) -> np.ndarray:
    """Drop PortAudio's start-up silence and the tail after the last sound."""
    idx = np.flatnonzero(samples)
    return samples[idx[0] : idx[-1] + 1] if idx.size else samples[:0]


# --------------------------------------------------------------------------- ALSA file PCM
@pytest.mark.audio
def test_plays_exactly_the_file_samples(
    alsa_probe: Probe, alsa_file: AlsaFile, tmp_path: Path
) -> None:
    signal = nonzero_signal(3 * RATE)
    path = write_wav(tmp_path / "sig.wav", signal, RATE)
    alsa_probe.ok("new")
    loaded = alsa_probe.ok("load", path=str(path))
    assert loaded["sample_rate"] == RATE
    assert loaded["duration_s"] == pytest.approx(3.0)
    alsa_probe.ok("call", name="play")
    assert alsa_probe.ok("wait_state", states=["ended"])["reached"]
    final = alsa_probe.ok("close")
    assert final["position_s"] == pytest.approx(3.0, abs=1 / RATE)
    captured = alsa_file.captured()
    assert np.array_equal(captured[captured != 0], signal)
    assert [a.action for a in _actions(final)] == ["load", "play", "ended"]


@pytest.mark.audio
def test_volume_scales_every_sample(alsa_probe: Probe, alsa_file: AlsaFile, tmp_path: Path) -> None:
    signal = nonzero_signal(RATE, seed=3)
    path = write_wav(tmp_path / "sig.wav", signal, RATE)
    alsa_probe.ok("new", volume=0.5)
    alsa_probe.ok("load", path=str(path))
    alsa_probe.ok("call", name="play")
    assert alsa_probe.ok("wait_state", states=["ended"])["reached"]
    alsa_probe.ok("close")
    captured = alsa_file.captured()
    assert np.array_equal(captured[captured != 0], signal * np.float32(0.5))


@pytest.mark.audio
def test_seek_and_rewind_on_resume_replay_the_right_samples(
    alsa_probe: Probe, alsa_file: AlsaFile, tmp_path: Path
) -> None:
    signal = nonzero_signal(8 * RATE, seed=1)
    path = write_wav(tmp_path / "sig.wav", signal, RATE)
    alsa_probe.ok("new", rewind_on_resume_s=1.5)
    alsa_probe.ok("load", path=str(path))
    alsa_probe.ok("call", name="seek", args=[5.0])
    alsa_probe.ok("call", name="play")  # from a seek while stopped: no rewind
    assert alsa_probe.ok("wait_state", states=["ended"])["reached"]
    moved = alsa_probe.ok("call", name="seek", args=[4.0])
    assert moved["state"] == "paused"
    resumed = alsa_probe.ok("call", name="play")  # resuming: back 1.5 s first
    last = _last(resumed, "resume")
    assert (last.action, last.position_s, last.target_s) == ("resume", 4.0, 2.5)
    assert alsa_probe.ok("wait_state", states=["ended"])["reached"]
    alsa_probe.ok("close")
    captured = alsa_file.captured()
    expected = np.concatenate([signal[5 * RATE :], signal[int(2.5 * RATE) :]])
    assert np.array_equal(captured[captured != 0], expected)


@pytest.mark.audio
def test_play_without_rewind_starts_exactly_at_the_seek(
    alsa_probe: Probe, alsa_file: AlsaFile, tmp_path: Path
) -> None:
    """« Play this word »: a seek while paused, then play(rewind=False), starts at the word."""
    signal = nonzero_signal(6 * RATE, seed=5)
    path = write_wav(tmp_path / "sig.wav", signal, RATE)
    alsa_probe.ok("new", rewind_on_resume_s=2.0)
    alsa_probe.ok("load", path=str(path))
    alsa_probe.ok("call", name="seek", args=[4.0])
    alsa_probe.ok("call", name="play")
    assert alsa_probe.ok("wait_state", states=["ended"])["reached"]
    assert alsa_probe.ok("call", name="seek", args=[3.0])["state"] == "paused"
    played = alsa_probe.ok("call", name="play", kwargs={"rewind": False})
    last = _last(played, "resume")
    assert (last.action, last.position_s, last.target_s) == ("resume", 3.0, 3.0)
    assert alsa_probe.ok("wait_state", states=["ended"])["reached"]
    final = alsa_probe.ok("close")
    # Each end is logged where it happened and before what followed it, even when the seek
    # comes before the renderer has reported the end.
    log = [(a.action, a.position_s) for a in _actions(final)]
    assert log == [
        ("load", 0.0),
        ("seek", 0.0),
        ("play", 4.0),
        ("ended", 6.0),
        ("seek", 6.0),
        ("resume", 3.0),
        ("ended", 6.0),
    ]
    captured = alsa_file.captured()
    expected = np.concatenate([signal[4 * RATE :], signal[3 * RATE :]])
    assert np.array_equal(captured[captured != 0], expected)


@pytest.mark.audio
def test_resume_at_the_end_replays_the_last_seconds(
    alsa_probe: Probe, alsa_file: AlsaFile, tmp_path: Path
) -> None:
    signal = nonzero_signal(4 * RATE, seed=2)
    path = write_wav(tmp_path / "sig.wav", signal, RATE)
    alsa_probe.ok("new", rewind_on_resume_s=2.0)
    alsa_probe.ok("load", path=str(path))
    alsa_probe.ok("call", name="play")
    assert alsa_probe.ok("wait_state", states=["ended"])["reached"]
    alsa_probe.ok("call", name="play")
    assert alsa_probe.ok("wait_state", states=["ended"])["reached"]
    alsa_probe.ok("close")
    captured = alsa_file.captured()
    expected = np.concatenate([signal, signal[2 * RATE :]])
    assert np.array_equal(captured[captured != 0], expected)


@pytest.mark.audio
def test_three_quarter_speed_lasts_four_thirds_and_keeps_the_pitch(
    alsa_probe: Probe, alsa_file: AlsaFile, tmp_path: Path
) -> None:
    path = write_wav(tmp_path / "tone.wav", tone(440.0, 3.0, RATE), RATE)
    # A file PCM is not paced: render everything ahead so no block is starved.
    alsa_probe.ok("new", buffer_s=30.0)
    alsa_probe.ok("load", path=str(path))
    alsa_probe.ok("call", name="set_speed", args=[0.75])
    assert alsa_probe.ok("wait_buffered", seconds=3.9)["reached"]
    alsa_probe.ok("call", name="play")
    assert alsa_probe.ok("wait_state", states=["ended"])["reached"]
    final = alsa_probe.ok("close")
    assert final["starved_blocks"] == 0
    assert final["position_s"] == pytest.approx(3.0, abs=0.01)
    played = _trim(alsa_file.captured())
    assert played.shape[0] / (3.0 * RATE) == pytest.approx(4 / 3, rel=0.01)
    middle = played[RATE // 2 : -RATE // 2]
    assert dominant_frequency(middle, RATE) == pytest.approx(440.0, rel=0.02)


@pytest.mark.audio
def test_loop_repeats_the_section_exactly(
    alsa_probe: Probe, alsa_file: AlsaFile, tmp_path: Path
) -> None:
    signal = nonzero_signal(5 * RATE, seed=4)
    path = write_wav(tmp_path / "sig.wav", signal, RATE)
    alsa_probe.ok("new", buffer_s=30.0)
    alsa_probe.ok("load", path=str(path))
    looped = alsa_probe.ok("call", name="set_loop", args=[1.0, 2.0])
    assert looped["position_s"] == pytest.approx(1.0)
    alsa_probe.ok("call", name="play")
    assert alsa_probe.ok("wait_actions", name="loop", count=3)["reached"]
    paused = alsa_probe.ok("call", name="pause")
    assert 1.0 <= paused["position_s"] <= 2.0
    alsa_probe.ok("close")
    captured = alsa_file.captured()
    heard = captured[captured != 0]
    section = signal[RATE : 2 * RATE]
    assert heard.shape[0] >= 3 * RATE
    assert np.array_equal(heard[: 3 * RATE], np.tile(section, 3))


@pytest.mark.audio
def test_device_lost_keeps_position_and_recovers(tmp_path: Path) -> None:
    """The ALSA file PCM writes into a FIFO; closing its reader makes every write fail, the
    same path as a USB headset unplugged (PortAudio's ALSA thread stops on the error)."""
    home = tmp_path / "home"
    home.mkdir()
    capture = tmp_path / "cap.raw"
    os.mkfifo(capture)
    (home / ".asoundrc").write_text(
        f'pcm.!default {{ type file slave.pcm "null" file "{capture}" format "raw" }}\n'
        "pcm.null { type null }\n"
    )
    signal = nonzero_signal(20 * RATE, seed=5)
    path = write_wav(tmp_path / "sig.wav", signal, RATE)
    wanted = 3 * 4 * RATE  # three seconds of float32, then hang up
    received = bytearray()

    def drain_then_unplug() -> None:
        # ALSA opens and closes the file while PortAudio lists devices: keep reopening until
        # the stream itself has written three seconds of sound.
        while len(received) < wanted:
            with capture.open("rb", buffering=0) as fifo:
                while len(received) < wanted and (chunk := fifo.read(wanted - len(received))):
                    received.extend(chunk)

    reader = threading.Thread(target=drain_then_unplug, daemon=True)
    reader.start()
    probe = Probe(child_env(home), tmp_path)
    try:
        probe.ok("new")
        probe.ok("load", path=str(path))
        probe.ok("call", name="play")
        lost = probe.ok("wait_state", states=["device_lost"])
        assert lost["reached"], lost
        reader.join(10)
        assert lost["errors"] and "Sortie audio perdue" in lost["errors"][0]
        assert "device_lost" in [a.action for a in _actions(lost)]
        position = lost["position_s"]
        assert 0.0 < position < 20.0
        refused = probe.call("call", name="play")
        assert not refused["ok"] and "Sortie audio perdue" in refused["error"]
        # "Plug it back": the FIFO goes, the file plugin then creates a plain file.
        capture.unlink()
        recovered = probe.ok("call", name="recover")
        assert recovered["state"] == "paused"
        assert recovered["position_s"] == pytest.approx(position, abs=1 / RATE)
        probe.ok("call", name="play")
        assert probe.ok("wait_state", states=["ended"])["reached"]
        probe.ok("close")
    finally:
        probe.close()
    expected_start = round(position * RATE) - 2 * RATE
    assert expected_start > 0
    captured = np.fromfile(capture, dtype=np.float32)
    sound = captured[captured != 0]
    # position_s is a float: converting it back to frames may land one sample either side.
    starts = [
        s
        for s in (expected_start - 1, expected_start, expected_start + 1)
        if np.array_equal(sound, signal[s:])
    ]
    assert starts, "recovered playback is not the exact tail of the signal"


@pytest.mark.audio
def test_device_list_and_missing_device(alsa_probe: Probe) -> None:
    devices = alsa_probe.ok("devices")["devices"]
    assert any(d["name"] == "default" and d["host_api"] == "ALSA" for d in devices)
    missing = alsa_probe.call("new", device="no-such-headset")
    assert not missing["ok"]
    assert "Sortie audio introuvable" in missing["error"]


@pytest.mark.audio
def test_bad_file_is_an_audio_error_naming_it(alsa_probe: Probe, tmp_path: Path) -> None:
    bogus = tmp_path / "dictée.wav"
    bogus.write_text("ceci n'est pas du son")
    alsa_probe.ok("new")
    reply = alsa_probe.call("load", path=str(bogus))
    assert not reply["ok"]
    assert reply["error"].startswith("AudioError") and "dictée.wav" in reply["error"]


def test_without_portaudio_import_works_and_player_says_why(tmp_path: Path) -> None:
    """Simulates a machine without libportaudio2: importing sounddevice raises OSError."""
    code = (
        "import sys\n"
        "class NoPortAudio:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'sounddevice':\n"
        "            raise OSError('PortAudio library not found')\n"
        "sys.meta_path.insert(0, NoPortAudio())\n"
        "import frappe.audio\n"
        "from frappe.errors import AudioError\n"
        "try:\n"
        "    frappe.audio.Player()\n"
        "except AudioError as error:\n"
        "    print(error.message)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=child_env(tmp_path),
        timeout=60,
        check=True,
    )
    assert "PortAudio est introuvable" in done.stdout
    assert "libportaudio2" in done.stdout


# --------------------------------------------------------------------------- JACK dummy (paced)
@pytest.mark.audio
def test_pause_and_rewind_on_resume_on_a_paced_device(jack_probe: Probe, tmp_path: Path) -> None:
    # 8 kHz file on a 16 kHz server: also exercises resampling to the device rate.
    path = write_wav(tmp_path / "tone8k.wav", tone(440.0, 10.0, 8000), 8000, "PCM_16")
    jack_probe.ok("new", jack=True, rewind_on_resume_s=2.0)
    loaded = jack_probe.ok("load", path=str(path))
    assert loaded["sample_rate"] == JACK_RATE
    assert "JACK" in loaded["device_name"]
    assert loaded["duration_s"] == pytest.approx(10.0, abs=1e-3)
    jack_probe.ok("call", name="play")
    assert jack_probe.ok("wait_position", min_s=3.0)["reached"]
    paused = jack_probe.ok("call", name="pause")
    where = paused["position_s"]
    assert paused["state"] == "paused" and 3.0 <= where < 10.0
    still = jack_probe.ok("call", name="tick")
    assert still["position_s"] == where  # nothing delivered while paused
    resumed = jack_probe.ok("call", name="play")
    last = _actions(resumed)[-1]
    assert last.action == "resume"
    assert last.target_s == pytest.approx(where - 2.0, abs=1e-3)
    assert resumed["position_s"] <= where - 1.0
    assert jack_probe.ok("wait_position", min_s=where + 0.5)["reached"]
    final = jack_probe.ok("call", name="tick")
    jack_probe.ok("close")
    stats = ListeningStats.from_actions(_actions(final))
    assert stats.pauses == 1
    assert stats.replayed_s == pytest.approx(2.0, abs=0.05)
    assert stats.heard_s == pytest.approx(final["position_s"], abs=0.05)


@pytest.mark.audio
def test_speed_change_while_playing_moves_slower_in_source_time(
    jack_probe: Probe, tmp_path: Path
) -> None:
    path = write_wav(tmp_path / "tone.wav", tone(300.0, 10.0, JACK_RATE), JACK_RATE)
    jack_probe.ok("new", jack=True)
    jack_probe.ok("load", path=str(path))
    jack_probe.ok("call", name="play")
    assert jack_probe.ok("wait_position", min_s=0.5)["reached"]
    slowed = jack_probe.ok("call", name="back_and_slower")
    last = _actions(slowed)[-1]
    assert last.action == "back_and_slower"
    assert last.speed == pytest.approx(0.95)
    assert last.target_s == pytest.approx(max(0.0, last.position_s - 2.0), abs=1e-3)
    jack_probe.ok("call", name="set_speed", args=[0.5])
    assert jack_probe.ok("wait_position", min_s=last.target_s + 0.5)["reached"]
    final = jack_probe.ok("call", name="tick")
    jack_probe.ok("close")
    assert final["speed"] == 0.5
    assert final["starved_blocks"] == 0


# --------------------------------------------------------------------------- ListeningStats
def _act(t: int, name: str, pos: float, target: float, playing: bool, speed: float = 1.0) -> Any:
    return PlaybackAction(t, name, pos, speed, target, playing)


def test_stats_count_replays_pauses_and_time_per_speed() -> None:
    actions = [
        _act(0, "play", 0.0, 0.0, True),
        _act(10_000, "pause", 10.0, 10.0, False),
        _act(12_000, "resume", 10.0, 8.0, True),  # rewind on resume: 8–10 heard again
        _act(16_000, "speed", 12.0, 12.0, True, 0.5),
        _act(20_000, "skip", 14.0, 11.0, True, 0.5),  # 11–14 heard again
        _act(24_000, "tick", 13.0, 13.0, True, 0.5),
    ]
    stats = ListeningStats.from_actions(actions)
    assert stats.heard_s == pytest.approx(14.0)
    assert stats.replayed_s == pytest.approx(4.0)  # 8–10 and 11–13
    assert stats.playing_s == pytest.approx(22.0)
    assert stats.time_at_speed == {0.5: 8.0, 1.0: 14.0}
    assert stats.pauses == 1
    assert stats.rewinds == 2


def test_stats_of_nothing_are_zero() -> None:
    stats = ListeningStats.from_actions([])
    assert (stats.heard_s, stats.replayed_s, stats.playing_s, stats.pauses) == (0, 0, 0, 0)
