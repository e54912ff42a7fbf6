"""The typed schema of a result record (schema 1), and its bounds.

A record is decoded from its JSON bytes straight into these msgspec ``Struct`` types: types,
finiteness, ranges, string sizes and list lengths are checked by the decoder in C, in one pass,
before anything else looks at the record; a failure names the field. ``ResultRecord`` then checks
what a schema cannot say (hashes, the keystroke log against the text and the clock).

The bounds are documented in the README (« Validation des fichiers de résultats »): they are far
above anything a real session writes, and they bound the work and memory scoring may spend on
one record.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from frappe.errors import RecordError
from frappe.validation import MAX_NESTING, check_nesting, describe_validation_error

__all__ = [
    "CHARS_ALLOWANCE",
    "LOG_TOLERANCE_S",
    "MAX_CHARS_PER_S",
    "MAX_EVENTS",
    "MAX_KEYSTROKES",
    "MAX_SESSION_S",
    "MAX_TEXT_CHARS",
    "MAX_TYPING_INSERT_CHARS",
    "TIME_LIMIT_SLACK_S",
    "WALL_CLOCK_TOLERANCE_S",
    "CheckedKeystroke",
    "RecordDocument",
    "decode_record_json",
    "record_document",
]

# --- Bounds (README: « Validation des fichiers de résultats ») ---------------------------------
# A session never lasts longer than a day; it bounds every t_ms, duration and time limit.
MAX_SESSION_S = 24 * 3600
MAX_SESSION_MS = MAX_SESSION_S * 1000
# Keystrokes may run past the time limit by this much (the last key pressed as time runs out).
TIME_LIMIT_SLACK_S = 2.0
# The last keystroke is at most this long after the recorded typing time (same monotonic clock:
# only rounding separates them).
LOG_TOLERANCE_S = 1.0
# started_at/ended_at (wall clock) against duration_s (monotonic clock): NTP corrections.
WALL_CLOCK_TOLERANCE_S = 30.0
# Faster than any human sustains (typing world records are near 15 characters/s): a typing
# test's log that inserts more than this per second of the session, plus a start allowance,
# was rewritten. (Not a dictation's: its editor re-inserts whole passages on undo and redo.)
MAX_CHARS_PER_S = 20.0
CHARS_ALLOWANCE = 50
# A typing test inserts one character per key (a dead key and its letter: one; a refused
# composition: two strokes); more in one stroke is a paste or a forged log.
MAX_TYPING_INSERT_CHARS = 4
MAX_KEYSTROKES = 500_000
MAX_EVENTS = 100_000
MAX_TEXT_CHARS = 2_000_000  # reference, typed text, draft
MAX_NAME_CHARS = 200  # candidate name and id, exercise id
MAX_TITLE_CHARS = 500
MAX_KEY_CHARS = 64
MAX_KEYS = 10_000  # terminology and identity items

_Name = Annotated[str, msgspec.Meta(max_length=MAX_NAME_CHARS)]
_Title = Annotated[str, msgspec.Meta(max_length=MAX_TITLE_CHARS)]
_Text = Annotated[str, msgspec.Meta(max_length=MAX_TEXT_CHARS)]
_Sha256 = Annotated[str, msgspec.Meta(max_length=64)]
_Moment = Annotated[datetime, msgspec.Meta(tz=True)]
_Seconds = Annotated[float, msgspec.Meta(ge=0, le=MAX_SESSION_S)]
_Limit = Annotated[float, msgspec.Meta(gt=0, le=MAX_SESSION_S)]
_Milliseconds = Annotated[int, msgspec.Meta(ge=0, le=MAX_SESSION_MS)]
_Offset = Annotated[int, msgspec.Meta(ge=0, le=MAX_TEXT_CHARS)]
_KeyName = Annotated[str, msgspec.Meta(max_length=MAX_KEY_CHARS)]


# ``[t_ms, key, op, pos, text]`` with the schema's bounds, decoded as a plain tuple: cheaper to
# build and free by the thousand than a named tuple (the record wraps them in a KeystrokeLog).
CheckedKeystroke = tuple[
    _Milliseconds, _KeyName, Literal["insert", "delete", "none"], _Offset, _Text
]


_Keys = Annotated[
    list[Annotated[str, msgspec.Meta(max_length=MAX_TITLE_CHARS)]],
    msgspec.Meta(max_length=MAX_KEYS),
]


class _Part(msgspec.Struct, frozen=True, gc=False):
    """A part of the record; fields a newer frappe may add are ignored, not refused."""


class CandidateDocument(_Part, frozen=True, gc=False):
    name: _Name
    id: _Name | None = None


class ExerciseDocument(_Part, frozen=True, gc=False):
    id: _Name
    title: _Title = ""


class TextDocument(_Part, frozen=True, gc=False):
    text: _Text
    sha256: _Sha256


class DraftDocument(_Part, frozen=True, gc=False):
    text: _Text
    sha256: _Sha256
    source: Annotated[str, msgspec.Meta(max_length=32)] | None = None


class SettingsDocument(_Part, frozen=True, gc=False):
    scoring_profile: dict[str, Any]
    time_limit_s: _Limit | None = None
    backspace_allowed: bool = True
    live_feedback: bool = True
    normalization: _Name = ""
    terminology: _Keys = msgspec.field(default_factory=list)
    identity: _Keys = msgspec.field(default_factory=list)


class RecordDocument(_Part, frozen=True):
    """A whole record. ``keystrokes`` is required: a log is what proves the typed text."""

    schema: int
    kind: Literal["typing", "transcription", "correction"]
    candidate: CandidateDocument
    exercise: ExerciseDocument
    reference: TextDocument
    typed: _Text
    started_at: _Moment
    ended_at: _Moment
    duration_s: _Seconds
    end_reason: Literal["completed", "timeout", "stopped", "interrupted"]
    settings: SettingsDocument
    keystrokes: Annotated[tuple[CheckedKeystroke, ...], msgspec.Meta(max_length=MAX_KEYSTROKES)]
    events: Annotated[list[dict[str, Any]], msgspec.Meta(max_length=MAX_EVENTS)] = msgspec.field(
        default_factory=list
    )
    draft: DraftDocument | None = None
    app_version: Annotated[str, msgspec.Meta(max_length=64)] = ""
    score: dict[str, Any] | None = None


class _Version(msgspec.Struct):
    schema: Any = None


_KEYSTROKE_FIELDS = ("t_ms", "touche", "opération", "position", "texte")
_KEYSTROKE_PATH = re.compile(r"keystrokes\[(\d+)\](?:\[(\d)\])?")
_BYTE = re.compile(r"\(byte (\d+)\)")
_EXPECTED_VERSION = 1


def _describe(error: msgspec.ValidationError) -> str:
    """One French line naming the field; a keystroke is named by its number and column."""
    if str(error).startswith("Expected `object`, got") and " - at " not in str(error):
        return "le fichier ne contient pas un objet JSON"
    text = describe_validation_error(error)
    match = _KEYSTROKE_PATH.search(text)
    if match is None:
        return text
    index, column = match.groups()
    name = f"frappe n° {int(index) + 1}"
    if column is not None:
        name += f" ({_KEYSTROKE_FIELDS[int(column)]})"
    if column == "2" and "non admise" in text:
        return f"{name} : opération inconnue"
    return text.replace(f"champ {match.group(0)}", name).replace(match.group(0), name)


def _version_problem(version: object) -> str | None:
    if version == _EXPECTED_VERSION and type(version) is int:
        return None
    return f"version de format inconnue : {version!r} (attendue : {_EXPECTED_VERSION})"


def _checked(document: RecordDocument) -> RecordDocument:
    problem = _version_problem(document.schema)
    if problem is not None:
        raise RecordError(problem)
    # Free-form parts: msgspec bounded their recursion; they must also stay shallow.
    try:
        check_nesting(document.events, MAX_NESTING - 2)
        check_nesting(document.score, MAX_NESTING - 2)
        _check_profile_nesting(document.settings.scoring_profile)
    except ValueError as error:
        raise RecordError(str(error)) from error
    return document


# A room's records carry a handful of distinct profiles: one found shallow once is known again
# by its canonical JSON (a microsecond, against several for the walk).
_SHALLOW_PROFILES: set[bytes] = set()
_MAX_SHALLOW_PROFILES = 64


def _check_profile_nesting(profile: dict[str, Any]) -> None:
    try:
        key: bytes | None = msgspec.json.encode(profile)
    except (TypeError, ValueError, RecursionError, msgspec.EncodeError):
        key = None
    if key is not None and key in _SHALLOW_PROFILES:
        return
    check_nesting(profile, 4)
    if key is not None:
        if len(_SHALLOW_PROFILES) >= _MAX_SHALLOW_PROFILES:
            _SHALLOW_PROFILES.clear()
        _SHALLOW_PROFILES.add(key)


def decode_record_json(raw: bytes) -> RecordDocument:
    """Decode and type-check the JSON bytes of a record; RecordError (one line) otherwise."""
    try:
        return _checked(msgspec.json.decode(raw, type=RecordDocument))
    except msgspec.ValidationError as error:
        problem = _version_problem(_peek_version(raw))
        raise RecordError(problem or _describe(error)) from None
    except msgspec.DecodeError as error:
        raise RecordError(f"JSON invalide ({_where(raw, str(error))})") from None
    except UnicodeDecodeError:
        raise RecordError("JSON invalide (encodage : UTF-8 attendu)") from None
    except RecursionError:
        raise RecordError("imbrication trop profonde") from None


def record_document(data: object) -> RecordDocument:
    """Type-check a record already decoded (by ``json.loads``); RecordError otherwise."""
    if not isinstance(data, dict):
        raise RecordError("le fichier ne contient pas un objet JSON")
    problem = _version_problem(data.get("schema"))
    if problem is not None:
        raise RecordError(problem)
    try:
        check_nesting(data, MAX_NESTING)
        return _checked(msgspec.convert(data, RecordDocument, strict=True))
    except msgspec.ValidationError as error:
        raise RecordError(_describe(error)) from None
    except (ValueError, RecursionError) as error:
        raise RecordError(str(error) or "imbrication trop profonde") from None


def _peek_version(raw: bytes) -> object:
    try:
        return msgspec.json.decode(raw, type=_Version).schema
    except (msgspec.MsgspecError, UnicodeDecodeError, RecursionError):
        return _EXPECTED_VERSION  # not even an object with a version: report the first error


def _where(raw: bytes, message: str) -> str:
    """msgspec's ``(byte N)`` as a line and column, as text editors count them."""
    match = _BYTE.search(message)
    if match is None:
        if "truncated" in message:
            return "fichier tronqué"
        return "syntaxe"
    offset = min(int(match.group(1)), len(raw))
    line = raw.count(b"\n", 0, offset) + 1
    column = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
    return f"ligne {line}, colonne {column}"
