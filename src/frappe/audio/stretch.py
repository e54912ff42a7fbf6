"""Time-stretch with the pitch kept, 0.5–1.5×: a streaming WSOLA in numpy.

Why this one. Three candidates were measured on this project's 2-core machine, in the same run
of ``benchmarks/bench_audio.py`` (one pass at 0.75× over the corpus' first dictation, 157 s of
Pico speech at 16 kHz, several runs on a shared machine; pitch = dominant frequency of a
440 Hz tone after 0.75×):

=======================  ==============  =====================  ===========================
method                   × real time     440 Hz tone error      streaming
=======================  ==============  =====================  ===========================
frappe WSOLA (numpy)     700–790×        0.00 %                 yes, state carried
python-stretch 0.3.1     325–375×        0.00 %                 no: one-shot ``process()``
audiotsm 0.1.2 WSOLA     245–300×        0.00–0.003 %           yes (last release 2017)
=======================  ==============  =====================  ===========================

(At 48 kHz our WSOLA still runs ~600× real time: the correlation search is decimated.)

All three keep the pitch (the 2 % quality bar) and all are far above the 20× target, so the
choice rests on design: python-stretch 0.3.1 only offers ``process()``, which seeks, flushes
and resets on every call, so playing ahead in pieces would need overlapping chunks and
cross-fades with audible seams; audiotsm streams but is unmaintained and slower. WSOLA is also
the method speech players rely on (browsers' ``playbackRate``, GStreamer/VLC ``scaletempo``):
it copies real waveform periods, so voices keep their timbre with no phasiness. Our version is
about 100 lines, needs nothing beyond numpy, and streams: the player renders ~1 s ahead in a
background thread and the audio callback only copies samples (see ``player.py``). Pre-rendering
the whole file per speed change was rejected: 30 minutes at 0.5× is 230 MB at 16 kHz (690 MB at
48 kHz) and about 4 s of rendering (5 s with python-stretch) before the first sound, where
streaming gives the first stretched block ~9 ms after the pedal press (benchmark, median).

Mapping to source time: each output block of ``hop`` samples corresponds to ``hop·speed``
source frames starting at the nominal analysis position, so the player can report the position
in source time to within one frame length (25 ms).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "MAX_SPEED",
    "MIN_SPEED",
    "Passthrough",
    "StretchBlock",
    "Stretcher",
    "WsolaStretcher",
    "clamp_speed",
    "make_stretcher",
    "time_stretch",
]

Samples = NDArray[np.float32]

MIN_SPEED = 0.5
MAX_SPEED = 1.5
# 25 ms frames hold two periods of an 80 Hz voice; ±10 ms of search covers any speaking
# period's half, which is all alignment needs.
FRAME_S = 0.025
TOLERANCE_S = 0.010
# The search runs on a decimated grid above this rate, then refines at full rate: at 48 kHz
# a full-rate search costs 9× more for the same alignment.
_SEARCH_RATE = 16000


def clamp_speed(speed: float) -> float:
    """``speed`` limited to the supported range and rounded to 1/100."""
    return round(min(MAX_SPEED, max(MIN_SPEED, float(speed))), 2)


@dataclass(frozen=True, slots=True)
class StretchBlock:
    """A piece of output and the source span it plays.

    Attributes:
        samples: output samples (may be a read-only view of the source at speed 1).
        src_start: source frame heard at ``samples[0]``.
        src_end: source frame reached after the last sample.
        done: no more output for this range.
    """

    samples: Samples
    src_start: float
    src_end: float
    done: bool


class Stretcher(Protocol):
    """Produces output for one source range at one speed."""

    speed: float

    def read(self, max_frames: int) -> StretchBlock:
        """At most ``max_frames`` output samples (may be fewer; never zero unless done)."""
        ...


class Passthrough:
    """Speed 1: slices of the source itself, no copy, exactly the file's samples."""

    speed = 1.0

    def __init__(self, samples: Samples, start: int, stop: int) -> None:
        self._x = samples
        self._pos = max(0, min(start, stop))
        self._stop = min(stop, samples.shape[0])

    def read(self, max_frames: int) -> StretchBlock:
        begin = self._pos
        end = min(self._stop, begin + max(1, max_frames))
        self._pos = end
        return StretchBlock(self._x[begin:end], float(begin), float(end), end >= self._stop)


@functools.lru_cache(maxsize=8)
def _hann(frame: int) -> Samples:
    # Periodic Hann: at 50 % overlap the windows sum to exactly 1, so speed-1 WSOLA is identity.
    n = np.arange(frame, dtype=np.float64)
    return (0.5 - 0.5 * np.cos(2.0 * np.pi * n / frame)).astype(np.float32)


def _segment(x: Samples, start: int, length: int) -> Samples:
    """``x[start:start+length]``, zero-padded outside the signal."""
    n = x.shape[0]
    if start >= 0 and start + length <= n:
        return x[start : start + length]
    out = np.zeros(length, dtype=np.float32)
    lo, hi = max(start, 0), min(start + length, n)
    if hi > lo:
        out[lo - start : hi - start] = x[lo:hi]
    return out


class WsolaStretcher:
    """Waveform-similarity overlap-add over ``samples[start:stop]``, streamed block by block.

    Each output hop takes the input frame, near its nominal position, that best continues the
    previous frame (cross-correlation), windows it and overlap-adds it: periods are never cut
    mid-way, so the pitch is kept.
    """

    def __init__(
        self, samples: Samples, sample_rate: int, start: int, stop: int, speed: float
    ) -> None:
        self.speed = float(speed)
        self._x = samples
        self._stop = min(stop, samples.shape[0])
        frame = max(16, round(sample_rate * FRAME_S) // 2 * 2)
        self._frame = frame
        self._hop = frame // 2
        self._tol = max(1, round(sample_rate * TOLERANCE_S))
        self._decim = max(1, round(sample_rate / _SEARCH_RATE))
        self._win = _hann(frame)
        start = max(0, min(start, self._stop))
        self._nominal = float(start)
        # Pretend a frame was placed one hop before ``start``: the first output hop then
        # overlap-adds to exactly the source, with no fade-in.
        self._prev = start - self._hop
        self._tail = (_segment(samples, self._prev, frame) * self._win)[self._hop :]
        self._done = start >= self._stop

    @property
    def hop(self) -> int:
        return self._hop

    def _best_start(self, nominal: int) -> int:
        frame, tol, d = self._frame, self._tol, self._decim
        template = _segment(self._x, self._prev + self._hop, frame)
        region = _segment(self._x, nominal - tol, frame + 2 * tol)
        if d == 1:
            scores = np.correlate(region, template, "valid")
            return nominal - tol + int(np.argmax(scores))
        coarse = np.correlate(region[::d], template[::d], "valid")
        guess = int(np.argmax(coarse)) * d
        lo, hi = max(0, guess - d + 1), min(2 * tol, guess + d - 1)
        fine = np.correlate(region[lo : hi + frame], template, "valid")
        return nominal - tol + lo + int(np.argmax(fine))

    def read(self, max_frames: int) -> StretchBlock:
        hop = self._hop
        src_start = min(self._nominal, float(self._stop))
        if self._done:
            return StretchBlock(np.zeros(0, np.float32), src_start, src_start, True)
        hops = max(1, max_frames // hop)
        out = np.empty((hops + 1) * hop, dtype=np.float32)
        written = 0
        step = hop * self.speed
        for _ in range(hops):
            if self._nominal >= self._stop:
                break
            start = self._best_start(round(self._nominal))
            frame = _segment(self._x, start, self._frame) * self._win
            out[written : written + hop] = self._tail + frame[:hop]
            self._tail = frame[hop:]
            written += hop
            self._prev = start
            self._nominal += step
        if self._nominal >= self._stop:
            # The last frame's falling half: a natural fade rather than a cut.
            out[written : written + hop] = self._tail
            written += hop
            self._done = True
        src_end = min(self._nominal, float(self._stop))
        return StretchBlock(out[:written], src_start, src_end, self._done)


def make_stretcher(
    samples: Samples, sample_rate: int, start: int, stop: int, speed: float
) -> Stretcher:
    """The cheapest stretcher for ``speed``: passthrough at 1×, WSOLA otherwise."""
    if abs(speed - 1.0) < 1e-9:
        return Passthrough(samples, start, stop)
    return WsolaStretcher(samples, sample_rate, start, stop, speed)


def time_stretch(samples: Samples, sample_rate: int, speed: float) -> Samples:
    """The whole signal at ``speed`` (output ≈ ``len / speed`` samples), pitch unchanged."""
    x = np.ascontiguousarray(samples, dtype=np.float32)
    stretcher = make_stretcher(x, sample_rate, 0, x.shape[0], clamp_speed(speed))
    parts: list[Samples] = []
    while True:
        block = stretcher.read(1 << 15)
        parts.append(block.samples)
        if block.done:
            break
    return np.concatenate(parts) if parts else np.zeros(0, np.float32)
