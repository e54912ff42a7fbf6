"""frappe's own exception family.

Adapters translate library errors into these (raised ``from`` the original), so front ends can
show a one-line message without a traceback. Messages are short, in French, and name the file or
device concerned.
"""

from __future__ import annotations

__all__ = [
    "AsrError",
    "AudioError",
    "ConfigError",
    "ExerciseError",
    "FrappeError",
    "InputFileError",
    "JournalError",
    "PedalError",
    "ProfileError",
    "RecordError",
    "RoomError",
    "StorageError",
]


class FrappeError(Exception):
    """Base class: ``str(error)`` is a one-line message fit for the user."""

    def __init__(self, message: str, *, title: str = "Erreur") -> None:
        super().__init__(message)
        self.message = message
        self.title = title


class ConfigError(FrappeError):
    """A configuration, corpus or settings file is unreadable or does not match its schema."""


class InputFileError(FrappeError):
    """A text file could not be read or decoded (empty, binary, too large, unreadable)."""


class RecordError(FrappeError):
    """A result record is malformed or of an unknown schema."""


class ProfileError(FrappeError):
    """An unknown or invalid scoring/normalisation profile."""


class ExerciseError(FrappeError):
    """An unknown or invalid text or dictation exercise."""


class StorageError(FrappeError):
    """The SQLite history or a result folder cannot be used."""


class JournalError(FrappeError):
    """A session journal cannot be written or read back."""


class AudioError(FrappeError):
    """Audio output or decoding failed (no device, PortAudio missing, unreadable file)."""


class PedalError(FrappeError):
    """A foot pedal is missing, unplugged or unreadable."""


class AsrError(FrappeError):
    """Speech recognition is unavailable (extra not installed, model missing) or failed."""


class RoomError(FrappeError):
    """The room server cannot be started or reached, or refused a request (closed séance…)."""
