"""``frappe reference`` on a cut or damaged recording: said in one French line naming the file
once (decoded vs announced length), before any transcription; two recordings with the same
name in one folder (``rec.wav``, ``rec.mp3``) each get their own draft."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from asr_support import CLIP

from frappe.asr.reference import plan_job
from frappe.asr.transcribe import check_audio, transcribe_file
from frappe.errors import AsrError


def _tone(path: Path, seconds: float = 4.0, **kwargs: object) -> Path:
    samples = (0.3 * np.sin(np.arange(round(16000 * seconds)) / 5)).astype(np.float32)
    sf.write(str(path), samples, 16000, **kwargs)  # type: ignore[arg-type]
    return path


def _cut(path: Path, keep: float = 0.5) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def test_a_whole_file_passes_with_its_length(tmp_path: Path) -> None:
    assert check_audio(_tone(tmp_path / "ok.wav", subtype="PCM_16")) == pytest.approx(4.0)
    assert check_audio(_tone(tmp_path / "ok.flac")) == pytest.approx(4.0)
    assert check_audio(CLIP) > 1.0


@pytest.mark.parametrize(("name", "subtype"), [("cut.wav", "PCM_16"), ("cut.wav", "FLOAT")])
def test_a_cut_wav_says_decoded_against_announced(tmp_path: Path, name: str, subtype: str) -> None:
    path = _cut(_tone(tmp_path / name, subtype=subtype))
    with pytest.raises(AsrError) as raised:
        check_audio(path)
    message = str(raised.value)
    assert message.startswith(f"{path} : fichier audio tronqué ou endommagé : 0 min 02 s")
    assert message.endswith("sur 0 min 04 s annoncées") and message.count(str(path)) == 1


def test_a_cut_flac_is_reported(tmp_path: Path) -> None:
    path = _cut(_tone(tmp_path / "cut.flac"))
    with pytest.raises(AsrError, match=r"tronqué ou endommagé : .* sur 0 min 04 s annoncées"):
        check_audio(path)


@pytest.mark.parametrize("name", ["junk.wav", "junk.ogg", "junk.mp3"])
def test_junk_is_one_french_line_naming_the_file_once(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"RIFF" + bytes(range(256)) * 8)
    with pytest.raises(AsrError) as raised:
        transcribe_file(path, None)  # type: ignore[arg-type] - refused before the model
    message = str(raised.value)
    assert "\n" not in message and message.count(str(path)) == 1
    assert "Errno" not in message and "Invalid data" not in message
    assert "illisible ou endommagé" in message or "tronqué ou endommagé" in message


def test_frappe_reference_reports_a_damaged_file_once(tmp_path: Path) -> None:
    path = tmp_path / "entretien.ogg"
    path.write_bytes(b"OggS" + bytes(range(256)) * 4)
    done = subprocess.run(
        [str(Path(sys.executable).with_name("frappe")), "reference", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert lines[-1] == f"frappe : {path} : fichier audio illisible ou endommagé", done.stderr
    assert not (tmp_path / "entretien.draft.txt").exists()


def test_rec_wav_and_rec_mp3_get_their_own_drafts(tmp_path: Path) -> None:
    wav = _tone(tmp_path / "rec.wav")
    mp3 = tmp_path / "rec.mp3"
    mp3.write_bytes(b"")
    alone = _tone(tmp_path / "autre.wav")
    drafts = {plan_job(str(p), None).draft.name for p in (wav, mp3)}
    assert drafts == {"rec.wav.draft.txt", "rec.mp3.draft.txt"}
    assert plan_job(str(wav), None).timings.name == "rec.wav.timings.json"
    assert plan_job(str(alone), None).draft.name == "autre.draft.txt"  # no twin: as before
