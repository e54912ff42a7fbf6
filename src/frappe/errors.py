"""frappe's own exception family.

Adapters translate library errors into these (raised ``from`` the original), so front ends can
show a one-line message without a traceback. Messages are short, in French, and name the file or
device concerned.
"""

from __future__ import annotations

import errno

__all__ = [
    "RELAUNCH_EXIT_CODE",
    "AsrError",
    "AudioError",
    "AudioServerHungError",
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
    "os_problem",
]


# A front end that returns this asks ``frappe`` to run the same command again in a fresh process
# (the sound server restarted: PortAudio cannot reconnect within a process; the journal resumes).
RELAUNCH_EXIT_CODE = 75


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


class AudioServerHungError(AudioError):
    """The sound library stopped answering (the JACK server died under an open stream): only a
    new process can play again."""


class PedalError(FrappeError):
    """A foot pedal is missing, unplugged or unreadable."""


class AsrError(FrappeError):
    """Speech recognition is unavailable (extra not installed, model missing) or failed."""


class RoomError(FrappeError):
    """The room server cannot be started or reached, or refused a request (closed séance…)."""


_OS_PROBLEMS = {
    errno.ENOSPC: "disque plein",
    errno.EDQUOT: "disque plein",
    errno.EFBIG: "disque plein",
    errno.EACCES: "accès refusé",
    errno.EPERM: "accès refusé",
    errno.EROFS: "support en lecture seule",
    errno.ENOTDIR: "un élément du chemin n'est pas un dossier",
    errno.ENOENT: "dossier introuvable",
    errno.EISDIR: "c'est un dossier",
    errno.ENAMETOOLONG: "nom trop long",
}


def os_problem(error: OSError) -> str:
    """A failed file operation in a few French words (« disque plein », « accès refusé »…),
    else the system's own words."""
    if error.errno in _OS_PROBLEMS:
        return _OS_PROBLEMS[error.errno]
    return error.strerror or str(error) or "erreur d'écriture"
