"""Speech recognition on the bundled dictation corpus: speed, accuracy of drafts, model load.

For each ``audio_corpus/*/exercise.toml``: the packaged Whisper base model (int8, 2 CPU
threads, the exercise terminology as hotwords) transcribes ``audio.ogg``; the draft goes
through the dictated-punctuation and number passes, as ``frappe reference`` writes it, and is
compared with the reviewed ``reference.txt``. WER normalisation: lowercase, punctuation
removed, number words as digits on both sides (« quatre-vingt-quinze » = ``95``). ``raw WER``
is Whisper's text before the passes. Targets: RTF ≤ 0.5 per exercise.

Without the corpus (or with ``FRAPPE_BENCH_ASR_CLIP=1``) the test clip of ``tests/asr/data``
is used instead, and the table says so.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never download: the model is a local folder

import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import jiwer

from benchmarks._common import Result, print_table
from frappe.asr.evaluate import normalise_for_wer
from frappe.asr.model import ModelChoice, ensure_packaged_base_model, load_model
from frappe.asr.punctuation import postprocess_draft
from frappe.asr.transcribe import transcribe_file
from frappe.exercises.dictations import list_dictations

ROOT = Path(__file__).resolve().parents[1]
CLIP_DIR = ROOT / "tests" / "asr" / "data"
RTF_TARGET = 0.5
THREADS = 2


@dataclass(frozen=True, slots=True)
class _Item:
    id: str
    audio: Path
    reference: str
    hotwords: tuple[str, ...]
    dictated: bool


def _items() -> tuple[list[_Item], str]:
    corpus = ROOT / "audio_corpus"
    if os.environ.get("FRAPPE_BENCH_ASR_CLIP") != "1" and any(corpus.glob("*/exercise.toml")):
        items = [
            _Item(
                d.id,
                d.audio,
                d.reference.read_text("utf-8"),
                d.terminology,
                d.dictation_style == "dictated-punctuation",
            )
            for d in list_dictations(corpus)
            if d.audio.is_file() and d.reference.is_file()
        ]
        return items, f"corpus audio_corpus/ ({len(items)} exercises)"
    clip = _Item(
        "test-clip",
        CLIP_DIR / "clip.ogg",
        (CLIP_DIR / "clip.reference.txt").read_text("utf-8"),
        ("pneumopathie", "antibiothérapie", "amoxicilline"),
        True,
    )
    reason = "FRAPPE_BENCH_ASR_CLIP=1" if corpus.is_dir() else "no corpus found"
    return [clip], f"tests/asr/data/clip.ogg ({reason})"


def _wer(reference: str, hypothesis: str) -> float:
    return float(jiwer.wer(normalise_for_wer(reference), normalise_for_wer(hypothesis)))


def run() -> Result:
    items, source = _items()
    start = time.perf_counter()
    folder = ensure_packaged_base_model()
    assemble_s = time.perf_counter() - start
    model = load_model(ModelChoice("packaged", str(folder), "default"), cpu_threads=THREADS)
    results: Result = {}
    rows: list[tuple[str, str, str]] = [
        ("source", source, ""),
        ("model load", f"{model.load_s:.2f} s", f"whisper-base int8, {THREADS} threads"),
        ("cache check/assembly", f"{assemble_s:.2f} s", str(folder)),
    ]
    rtfs: list[float] = []
    wers: list[float] = []
    for item in items:
        draft = transcribe_file(item.audio, model, hotwords=list(item.hotwords) or None)
        text = postprocess_draft(draft.text, keep_asr_punctuation=not item.dictated)
        wer = _wer(item.reference, text)
        raw = _wer(item.reference, draft.text)
        rtfs.append(draft.rtf)
        wers.append(wer)
        verdict = "ok" if draft.rtf <= RTF_TARGET else "SLOW"
        rows.append(
            (
                item.id,
                f"RTF {draft.rtf:.3f}",
                f"{verdict}; WER {wer:.3f} (raw {raw:.3f}); {draft.duration_s:.0f} s audio"
                + ("; dictated punctuation" if item.dictated else ""),
            )
        )
        results[f"asr_{item.id}"] = {
            "rtf": round(draft.rtf, 4),
            "wer": round(wer, 4),
            "wer_raw": round(raw, 4),
            "audio_s": round(draft.duration_s, 1),
            "unit": "rtf, wer",
        }
    rows.append(
        (
            "all",
            f"RTF max {max(rtfs):.3f}",
            f"mean WER {statistics.fmean(wers):.3f}, target RTF ≤ {RTF_TARGET}",
        )
    )
    print_table("Reconnaissance vocale (faster-whisper base, int8, 2 threads)", rows)
    results["asr_model_load"] = {"value": round(model.load_s, 3), "unit": "s"}
    results["asr_summary"] = {
        "rtf_max": round(max(rtfs), 4),
        "rtf_mean": round(statistics.fmean(rtfs), 4),
        "wer_mean": round(statistics.fmean(wers), 4),
        "source": source,
        "unit": "rtf, wer",
    }
    return results


if __name__ == "__main__":
    print(json.dumps(run(), ensure_ascii=False))
