"""Regenerate ``clip.ogg``, the short French dictation the speech-recognition tests transcribe.

Run from the top of the repository (needs ``pico2wave``, Debian package ``libttspico-utils`` in
the non-free component; CI never runs this, the clip is committed)::

    .venv/bin/python tests/asr/data/make_clip.py

Each line of ``clip.script.txt`` is spoken by ``pico2wave -l fr-FR`` on its own and the pieces
are joined with 0.35 s of silence, so dictated commands (« virgule », « point à la ligne ») are
said apart as a doctor says them. Output: Ogg Vorbis, mono, 16 kHz. ``clip.reference.txt`` is
the written text a trainer would expect.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

HERE = Path(__file__).resolve().parent
RATE = 16_000
GAP_S = 0.35


def main() -> None:
    pieces = [line.strip() for line in (HERE / "clip.script.txt").read_text("utf-8").splitlines()]
    silence = np.zeros(int(GAP_S * RATE), dtype=np.float32)
    audio: list[np.ndarray] = [silence]
    with tempfile.TemporaryDirectory() as tmp:
        for index, piece in enumerate(p for p in pieces if p):
            wav = Path(tmp) / f"{index}.wav"
            subprocess.run(["pico2wave", "-l", "fr-FR", "-w", str(wav), piece], check=True)
            samples, rate = sf.read(wav, dtype="float32")
            assert rate == RATE, rate
            audio.extend([samples, silence])
    sf.write(HERE / "clip.ogg", np.concatenate(audio), RATE, format="OGG", subtype="VORBIS")


if __name__ == "__main__":
    main()
