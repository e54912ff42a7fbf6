"""Decoding to float32 mono and band-limited resampling."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from audio_helpers import dominant_frequency, nonzero_signal, tone, write_wav
from hypothesis import given, settings
from hypothesis import strategies as st

from frappe.audio.source import load_audio, read_info, resample
from frappe.errors import AudioError


def test_float_wav_loads_bit_exact(tmp_path: Path) -> None:
    signal = nonzero_signal(4000)
    clip = load_audio(write_wav(tmp_path / "a.wav", signal, 16000))
    assert clip.sample_rate == clip.original_rate == 16000
    assert clip.samples.dtype == np.float32
    assert np.array_equal(clip.samples, signal)
    assert clip.duration_s == pytest.approx(0.25)


def test_stereo_is_mixed_down_to_the_mean(tmp_path: Path) -> None:
    left, right = nonzero_signal(3000, 1), nonzero_signal(3000, 2)
    path = tmp_path / "stereo.wav"
    sf.write(str(path), np.stack([left, right], axis=1), 8000, subtype="FLOAT")
    clip = load_audio(path)
    assert clip.samples.shape == (3000,)
    assert np.allclose(clip.samples, (left + right) / 2, atol=1e-7)


def test_long_files_are_read_across_blocks(tmp_path: Path) -> None:
    signal = nonzero_signal(200_000, 7)  # several 64k-frame read blocks
    clip = load_audio(write_wav(tmp_path / "long.wav", signal, 16000))
    assert np.array_equal(clip.samples, signal)


@pytest.mark.parametrize(("fmt", "suffix"), [("FLAC", "flac"), ("OGG", "ogg"), ("MP3", "mp3")])
def test_compressed_formats_decode_to_the_same_tone(tmp_path: Path, fmt: str, suffix: str) -> None:
    path = tmp_path / f"tone.{suffix}"
    sf.write(str(path), tone(440.0, 1.0, 16000), 16000, format=fmt)
    clip = load_audio(path)
    assert clip.duration_s == pytest.approx(1.0, abs=0.06)
    assert dominant_frequency(clip.samples, 16000) == pytest.approx(440.0, rel=0.01)


def test_target_rate_resamples_on_load(tmp_path: Path) -> None:
    clip = load_audio(write_wav(tmp_path / "t.wav", tone(440.0, 1.0, 8000), 8000), 48000)
    assert (clip.sample_rate, clip.original_rate, clip.frames) == (48000, 8000, 48000)
    assert dominant_frequency(clip.samples, 48000) == pytest.approx(440.0, rel=0.005)


@pytest.mark.parametrize(("src", "dst"), [(8000, 16000), (16000, 48000), (44100, 48000)])
def test_upsampling_matches_the_analytic_tone(src: int, dst: int) -> None:
    out = resample(tone(1000.0, 1.0, src), src, dst)
    assert out.shape[0] == dst
    expected = tone(1000.0, 1.0, dst)
    middle = slice(dst // 10, -dst // 10)
    assert np.max(np.abs(out[middle] - expected[middle])) < 1e-3


def test_downsampling_removes_what_the_new_rate_cannot_hold() -> None:
    # 6 kHz cannot exist at 8 kHz: it must vanish, not fold back to 2 kHz.
    out = resample(tone(6000.0, 1.0, 16000), 16000, 8000)
    middle = out[800:-800]
    assert np.sqrt(np.mean(middle**2)) < 0.5 / np.sqrt(2) / 100  # at least 40 dB down
    kept = resample(tone(1000.0, 1.0, 16000), 16000, 8000)
    assert np.sqrt(np.mean(kept[800:-800] ** 2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.01)


def test_same_rate_is_an_exact_copy() -> None:
    signal = nonzero_signal(1000)
    out = resample(signal, 16000, 16000)
    assert np.array_equal(out, signal) and out is not signal


@settings(max_examples=40, deadline=None)
@given(
    frames=st.integers(min_value=1, max_value=5000),
    rates=st.sampled_from([(8000, 16000), (16000, 44100), (48000, 16000), (22050, 16000)]),
)
def test_resampled_length_is_the_rounded_ratio(frames: int, rates: tuple[int, int]) -> None:
    src, dst = rates
    out = resample(nonzero_signal(frames), src, dst)
    assert out.shape[0] == round(frames * dst / src)
    assert np.all(np.isfinite(out))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("vide.wav", b"", "est vide"),
        ("texte.wav", b"ceci n'est pas du son", "non reconnu"),
        ("tronqué.flac", b"fLaC\x00\x00\x00\x22", "non reconnu"),
    ],
)
def test_bad_files_raise_audio_error_naming_the_file(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(AudioError) as caught:
        load_audio(path)
    assert name in caught.value.message and message in caught.value.message
    assert "\n" not in caught.value.message


def test_missing_and_silent_files(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="introuvable"):
        read_info(tmp_path / "absent.ogg")
    empty = tmp_path / "zéro.wav"
    sf.write(str(empty), np.zeros(0, np.float32), 16000)
    with pytest.raises(AudioError, match="aucun son"):
        load_audio(empty)
