"""Where frappe finds its bundled material and keeps user data.

Functions, not module constants: nothing is resolved or created at import time.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

__all__ = [
    "bundled_audio_corpus_dir",
    "bundled_texts_dir",
    "user_audio_corpus_dir",
    "user_cache_dir",
    "user_config_dir",
    "user_data_dir",
]

_APP = "frappe"


def _bundled(name: str) -> Path:
    """A folder shipped with frappe: inside the wheel, or at the top of a source checkout."""
    package_dir = Path(__file__).resolve().parent
    in_wheel = package_dir / "_bundled" / name
    if in_wheel.is_dir():
        return in_wheel
    return package_dir.parents[1] / name


def bundled_texts_dir() -> Path:
    """The typing-test texts (``FRAPPE_TEXTS_DIR`` overrides)."""
    override = os.environ.get("FRAPPE_TEXTS_DIR")
    return Path(override) if override else _bundled("texts")


def bundled_audio_corpus_dir() -> Path:
    """The dictation exercises (``FRAPPE_AUDIO_CORPUS_DIR`` overrides)."""
    override = os.environ.get("FRAPPE_AUDIO_CORPUS_DIR")
    return Path(override) if override else _bundled("audio_corpus")


def user_data_dir() -> Path:
    """History database, results and journals (``FRAPPE_DATA_DIR`` overrides)."""
    override = os.environ.get("FRAPPE_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir(_APP))


def user_audio_corpus_dir() -> Path:
    """Dictation exercises made by trainers from their own recordings: beside the user data,
    since the bundled corpus may be read-only (``FRAPPE_USER_AUDIO_CORPUS_DIR`` overrides)."""
    override = os.environ.get("FRAPPE_USER_AUDIO_CORPUS_DIR")
    return Path(override) if override else user_data_dir() / "audio_corpus"


def user_config_dir() -> Path:
    """Exam presets, pedal profiles, key bindings (``FRAPPE_CONFIG_DIR`` overrides)."""
    override = os.environ.get("FRAPPE_CONFIG_DIR")
    return Path(override) if override else Path(platformdirs.user_config_dir(_APP))


def user_cache_dir() -> Path:
    """Speech models and other rebuildable files (``FRAPPE_CACHE_DIR`` overrides)."""
    override = os.environ.get("FRAPPE_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir(_APP))
