"""Time-stretch quality (pitch kept, duration scaled) and streaming behaviour."""

from __future__ import annotations

import numpy as np
import pytest
from audio_helpers import dominant_frequency, nonzero_signal, tone
from hypothesis import given, settings
from hypothesis import strategies as st

from frappe.audio.stretch import (
    Passthrough,
    WsolaStretcher,
    clamp_speed,
    make_stretcher,
    time_stretch,
)

RATE = 16000


def _voice_like(f0: float, seconds: float, rate: int) -> np.ndarray:
    """A harmonic series with falling amplitudes: a crude steady vowel."""
    t = np.arange(round(seconds * rate)) / rate
    wave: np.ndarray = np.sum([np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 12)], axis=0)
    out: np.ndarray = (0.3 * wave / np.max(np.abs(wave))).astype(np.float32)
    return out


def _fundamental(samples: np.ndarray, rate: int, lo: float = 60.0, hi: float = 400.0) -> float:
    """F0 from the autocorrelation peak, refined by parabolic interpolation."""
    x = samples - samples.mean()
    corr = np.correlate(x, x, "full")[x.shape[0] - 1 :]
    lags = np.arange(int(rate / hi), int(rate / lo))
    k = int(lags[np.argmax(corr[lags])])
    a, b, c = corr[k - 1], corr[k], corr[k + 1]
    shift = 0.5 * (a - c) / (a - 2 * b + c)
    return float(rate / (k + shift))


@pytest.mark.parametrize("speed", [0.5, 0.75, 0.9, 1.25, 1.5])
def test_tone_keeps_its_pitch_and_duration_scales(speed: float) -> None:
    source = tone(440.0, 4.0, RATE)
    out = time_stretch(source, RATE, speed)
    assert out.shape[0] * speed / source.shape[0] == pytest.approx(1.0, rel=0.01)
    middle = out[RATE // 2 : -RATE // 2]
    assert dominant_frequency(middle, RATE) == pytest.approx(440.0, rel=0.02)


@pytest.mark.parametrize("speed", [0.5, 0.75, 1.5])
def test_voice_like_signal_keeps_its_fundamental(speed: float) -> None:
    out = time_stretch(_voice_like(110.0, 2.0, RATE), RATE, speed)
    middle = out[RATE // 4 : RATE // 4 + 4000]
    assert _fundamental(middle, RATE) == pytest.approx(110.0, rel=0.02)


def test_stretched_tone_has_a_steady_level() -> None:
    # Misaligned overlap-add would cancel periodically: the short-term level would wobble.
    out = time_stretch(tone(440.0, 3.0, RATE), RATE, 0.75)
    middle = out[RATE // 2 : -RATE // 2]
    frames = middle[: middle.shape[0] // 400 * 400].reshape(-1, 400)
    rms = np.sqrt(np.mean(frames**2, axis=1))
    assert rms.std() / rms.mean() < 0.02


def test_speed_one_wsola_reproduces_the_source() -> None:
    signal = nonzero_signal(RATE, 3)
    block = WsolaStretcher(signal, RATE, 0, signal.shape[0], 1.0).read(8000)
    assert np.allclose(block.samples, signal[: block.samples.shape[0]], atol=1e-6)


def test_wsola_started_mid_file_begins_with_that_audio() -> None:
    signal = tone(300.0, 2.0, RATE)
    block = WsolaStretcher(signal, RATE, 12345, signal.shape[0], 0.75).read(4000)
    assert block.src_start == 12345
    # The first hop is the source itself: no fade-in, no jump.
    hop = WsolaStretcher(signal, RATE, 0, 10, 1.0).hop
    assert np.allclose(block.samples[:hop], signal[12345 : 12345 + hop], atol=1e-6)


@settings(max_examples=25, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=1, max_value=5000), min_size=1, max_size=40),
    speed=st.sampled_from([0.5, 0.8, 1.3]),
)
def test_streaming_in_any_block_sizes_equals_one_pass(sizes: list[int], speed: float) -> None:
    signal = _voice_like(140.0, 1.5, RATE)
    whole = time_stretch(signal, RATE, speed)
    stretcher = make_stretcher(signal, RATE, 0, signal.shape[0], speed)
    parts, ends = [], [0.0]
    for size in sizes * 1000:
        block = stretcher.read(size)
        assert block.src_start == pytest.approx(ends[-1])
        assert block.src_end >= block.src_start
        parts.append(block.samples)
        ends.append(block.src_end)
        if block.done:
            break
    assert ends[-1] == signal.shape[0]
    assert np.array_equal(np.concatenate(parts), whole)


def test_passthrough_is_the_file_itself() -> None:
    signal = nonzero_signal(1000)
    reader = Passthrough(signal, 100, 900)
    first, second = reader.read(500), reader.read(500)
    assert np.shares_memory(first.samples, signal)
    assert np.array_equal(np.concatenate([first.samples, second.samples]), signal[100:900])
    assert (first.done, second.done, second.src_end) == (False, True, 900.0)


def test_speed_is_clamped_and_rounded() -> None:
    assert clamp_speed(0.1) == 0.5
    assert clamp_speed(3) == 1.5
    assert clamp_speed(0.7499999) == 0.75
