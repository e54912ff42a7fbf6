"""Decode a dictation file into float32 mono samples, resampled to the output device's rate.

Decoding goes through soundfile (libsndfile: WAV, FLAC, OGG/Vorbis, Opus, and MP3 since
libsndfile 1.1). Files are read block by block into one preallocated mono array, so a 30-minute
stereo recording never needs its full interleaved copy in memory.

Resampling is a windowed-sinc polyphase filter in numpy only: scipy would be a 40 MB dependency
for one function, and linear interpolation leaves audible images when 16 kHz dictations are
played on a 44.1/48 kHz device. The player avoids it altogether when the device accepts the
file's own rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from frappe.errors import AudioError

__all__ = ["AudioClip", "AudioInfo", "load_audio", "read_info", "resample"]

Samples = NDArray[np.float32]

_READ_BLOCK = 1 << 16
# Zero crossings of the sinc kept on each side: ~70 dB image rejection with the Kaiser window,
# far below what a headset reveals, for 32 taps per output sample at most.
_HALF_ZEROS = 16
_KAISER_BETA = 8.0
_ROLLOFF = 0.94
_ROWS_PER_STEP = 1 << 15


@dataclass(frozen=True, slots=True)
class AudioInfo:
    """What a file holds, read from its header without decoding.

    Attributes:
        sample_rate: frames per second in the file.
        frames: number of frames (may be an estimate for some compressed formats).
        channels: channel count; frappe mixes them down to mono.
        format: libsndfile's format name, e.g. ``"WAV"`` or ``"OGG"``.
    """

    sample_rate: int
    frames: int
    channels: int
    format: str


@dataclass(frozen=True, slots=True)
class AudioClip:
    """Decoded audio, mono float32.

    Attributes:
        samples: the signal, one float32 per frame, nominally within [-1, 1].
        sample_rate: rate of ``samples`` (the device rate after resampling).
        original_rate: rate stored in the file.
        path: the file it came from, if any.
    """

    samples: Samples
    sample_rate: int
    original_rate: int
    path: Path | None = None

    @property
    def frames(self) -> int:
        return int(self.samples.shape[0])

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate


def _display_name(path: Path) -> str:
    return path.name or str(path)


def read_info(path: str | Path) -> AudioInfo:
    """Header of an audio file; raises :class:`AudioError` naming the file if it is unusable."""
    file = Path(path)
    if not file.is_file():
        raise AudioError(f"Fichier audio introuvable : « {_display_name(file)} ».")
    if file.stat().st_size == 0:
        raise AudioError(f"Le fichier audio « {_display_name(file)} » est vide.")
    try:
        info = sf.info(str(file))
    except (RuntimeError, OSError, ValueError) as error:
        raise AudioError(
            f"Format audio non reconnu ou fichier endommagé : « {_display_name(file)} »."
        ) from error
    return AudioInfo(int(info.samplerate), int(info.frames), int(info.channels), str(info.format))


def load_audio(path: str | Path, target_rate: int | None = None) -> AudioClip:
    """Decode ``path`` to mono float32, resampled to ``target_rate`` when it differs."""
    file = Path(path)
    info = read_info(file)
    name = _display_name(file)
    mono = np.empty(max(info.frames, 0), dtype=np.float32)
    filled = 0
    extra: list[Samples] = []
    try:
        with sf.SoundFile(str(file)) as handle:
            for block in handle.blocks(blocksize=_READ_BLOCK, dtype="float32", always_2d=True):
                down = block[:, 0] if block.shape[1] == 1 else block.mean(axis=1, dtype=np.float32)
                room = mono.shape[0] - filled
                if down.shape[0] <= room:
                    mono[filled : filled + down.shape[0]] = down
                    filled += down.shape[0]
                else:
                    # Header frame counts of some compressed streams are estimates.
                    mono[filled:] = down[:room]
                    filled += room
                    extra.append(np.array(down[room:], dtype=np.float32))
    except (RuntimeError, OSError, ValueError) as error:
        raise AudioError(f"Lecture impossible du fichier audio « {name} » : {error}") from error
    samples = np.concatenate([mono[:filled], *extra]) if extra else mono[:filled]
    if samples.shape[0] == 0:
        raise AudioError(f"Le fichier audio « {name} » ne contient aucun son.")
    if not np.all(np.isfinite(samples[:: max(1, samples.shape[0] // 4096)])):
        raise AudioError(f"Le fichier audio « {name} » contient des valeurs invalides.")
    rate = info.sample_rate
    if target_rate is not None and target_rate != rate:
        samples = resample(samples, rate, target_rate)
        return AudioClip(samples, target_rate, rate, file)
    return AudioClip(samples, rate, rate, file)


def _phase_filters(up: int, down: int) -> tuple[NDArray[np.float32], int]:
    """One FIR per output phase, ``filters[p, j]`` weighting input ``base - half + 1 + j``."""
    scale = min(1.0, up / down) * _ROLLOFF
    half = math.ceil(_HALF_ZEROS / scale)
    offsets = np.arange(-half + 1, half + 1, dtype=np.float64)
    fractions = np.arange(up, dtype=np.float64)[:, None] / up
    distance = fractions - offsets[None, :]
    window = np.kaiser(2 * half + 1, _KAISER_BETA)
    # Evaluate the Kaiser window at fractional positions by interpolating its samples.
    window_at = np.interp(distance, np.arange(-half, half + 1, dtype=np.float64), window)
    filters = scale * np.sinc(scale * distance) * window_at
    filters /= filters.sum(axis=1, keepdims=True)
    return filters.astype(np.float32), half


def resample(samples: Samples, src_rate: int, dst_rate: int) -> Samples:
    """Band-limited rate change by a rational factor; output has ``round(n·dst/src)`` frames."""
    if src_rate <= 0 or dst_rate <= 0:
        raise ValueError("sample rates must be positive")
    x = np.ascontiguousarray(samples, dtype=np.float32)
    if src_rate == dst_rate or x.shape[0] == 0:
        return x.copy()
    g = math.gcd(src_rate, dst_rate)
    up, down = dst_rate // g, src_rate // g
    filters, half = _phase_filters(up, down)
    taps = filters.shape[1]
    n_out = round(x.shape[0] * up / down)
    padded = np.concatenate([np.zeros(half, np.float32), x, np.zeros(half + down + 1, np.float32)])
    windows = sliding_window_view(padded, taps)
    out = np.empty(n_out, dtype=np.float32)
    # Output n reads input time n·down/up: base floor(n·down/up), phase (n·down) mod up. Outputs
    # of one phase are every ``up``-th n and their bases step by ``down``, so each phase is one
    # strided view times one filter.
    for first in range(min(up, n_out)):
        phase = (first * down) % up
        base = (first * down) // up
        count = len(range(first, n_out, up))
        h = filters[phase]
        for start in range(0, count, _ROWS_PER_STEP):
            stop = min(count, start + _ROWS_PER_STEP)
            rows = windows[base + 1 + start * down : base + 1 + stop * down : down][: stop - start]
            out[first + start * up : first + stop * up : up] = rows @ h
    return out
