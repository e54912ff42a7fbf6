"""The result record: one finished (or interrupted) typing test, transcription or correction
of a speech-recognition draft.

Versioned JSON (``"schema": 1``), documented in ``docs/result-format.md``. ``from_json`` and
``from_dict`` check everything a scorer relies on (the typed schema of
``frappe.exercises.record_schema``, then the hashes and the keystroke log against the text and
the clocks) and raise ``RecordError`` with a one-line reason otherwise.
"""

from __future__ import annotations

import hashlib
import itertools
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Literal

import msgspec
import numpy as np

from frappe import __version__
from frappe.errors import ProfileError, RecordError
from frappe.exercises.record_schema import (
    CHARS_ALLOWANCE,
    LOG_TOLERANCE_S,
    MAX_CHARS_PER_S,
    MAX_SESSION_S,
    MAX_TYPING_INSERT_CHARS,
    TIME_LIMIT_SLACK_S,
    WALL_CLOCK_TOLERANCE_S,
    RecordDocument,
    decode_record_json,
    record_document,
)
from frappe.scoring.keystrokes import (
    Keystroke,
    KeystrokeLog,
    LogArrays,
    log_arrays,
    log_columns,
    replay,
)
from frappe.scoring.profiles import ScoringProfile

__all__ = [
    "END_REASONS",
    "MODES",
    "RECORD_KINDS",
    "SCHEMA_VERSION",
    "Candidate",
    "EndReason",
    "Mode",
    "RecordKind",
    "RecordSettings",
    "ResultRecord",
    "check_keystroke_log",
    "format_timestamp",
    "parse_timestamp",
    "sha256_text",
]

SCHEMA_VERSION = 1
RecordKind = Literal["typing", "transcription", "correction"]
RECORD_KINDS: tuple[RecordKind, ...] = ("typing", "transcription", "correction")
EndReason = Literal["completed", "timeout", "stopped", "interrupted"]
END_REASONS: tuple[EndReason, ...] = ("completed", "timeout", "stopped", "interrupted")
# Where a result counts: an exam (admission, evaluation) or practice (results in ``practice/``).
Mode = Literal["exam", "practice"]
MODES: tuple[Mode, ...] = ("exam", "practice")


def sha256_text(text: str) -> str:
    """Hex SHA-256 of the UTF-8 text (identifies the reference a result was typed against)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# A batch scores hundreds of records typed against the same few references: each reference
# (or draft) is hashed once per process, then found again by its text.
_remembered_sha256 = lru_cache(maxsize=64)(sha256_text)
_MAX_DIGESTED_CHARS = 1 << 16  # longer texts are hashed each time, not kept


def _known_sha256(text: str) -> str:
    """``sha256_text(text)``, remembered for the last few texts checked."""
    if len(text) > _MAX_DIGESTED_CHARS:
        return sha256_text(text)
    return _remembered_sha256(text)


def format_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, to the millisecond."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_timestamp(value: object, name: str) -> datetime:
    """Parse an ISO 8601 timestamp that carries a time zone."""
    if not isinstance(value, str):
        raise RecordError(f"« {name} » doit être une date ISO 8601")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise RecordError(f"« {name} » n'est pas une date ISO 8601 : {value!r}") from error
    if moment.tzinfo is None:
        raise RecordError(f"« {name} » doit indiquer le fuseau (UTC) : {value!r}")
    return moment


@dataclass(frozen=True, slots=True)
class Candidate:
    """Who took the test.

    Attributes:
        name: Name as entered ("Nom Prénom").
        id: Optional identifier given by the centre.
    """

    name: str
    id: str | None = None


@dataclass(frozen=True, slots=True)
class RecordSettings:
    """How the test was run and is scored.

    Attributes:
        time_limit_s: Time limit in seconds, ``None`` without one.
        backspace_allowed: Whether erasing was allowed.
        profile: The scoring profile (stored whole, so re-scoring is reproducible).
        live_feedback: Whether errors were shown while typing.
        terminology: For a transcription, the exercise's medical terms (scored apart).
        identity: For a transcription, identity data and doses that must be exact.
    """

    time_limit_s: float | None
    backspace_allowed: bool
    profile: ScoringProfile
    live_feedback: bool = True
    terminology: tuple[str, ...] = ()
    identity: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ResultRecord:
    """One test, as written to a result file.

    Attributes:
        kind: ``typing``, ``transcription`` or ``correction`` (of a speech-recognition draft).
        candidate: Who took it.
        exercise_id: Text or dictation identifier.
        exercise_title: Human title of the exercise.
        reference: The reference text the candidate was asked to produce.
        typed: The final typed text.
        started_at: First key press (UTC).
        ended_at: End of the test (UTC).
        duration_s: Typing time in seconds.
        end_reason: ``completed``, ``timeout``, ``stopped`` (ended by the candidate after
            confirmation) or ``interrupted`` (closed from a journal after a crash).
        settings: Time limit, backspace policy, profile.
        keystrokes: The keystroke log.
        events: Other timestamped events (paste refused, focus lost, bursts, playback…), each a
            JSON object with at least ``t_ms`` and ``type``.
        app_version: frappe version that wrote the record.
        score: Metrics computed when the record was written (informative; re-scoring uses
            the stored profile).
        draft: For a correction, the draft the trainee started from (the keystrokes edit it);
            None for the other kinds.
        draft_source: Where the draft came from (``asr``: the speech-recognition model,
            ``injected``: typical errors injected by a tool), None when unknown.
    """

    kind: RecordKind
    candidate: Candidate
    exercise_id: str
    exercise_title: str
    reference: str
    typed: str
    started_at: datetime
    ended_at: datetime
    duration_s: float
    end_reason: EndReason
    settings: RecordSettings
    keystrokes: Sequence[Keystroke] = ()
    events: tuple[Mapping[str, Any], ...] = ()
    app_version: str = __version__
    score: Mapping[str, Any] | None = field(default=None)
    draft: str | None = None
    draft_source: str | None = None

    def __post_init__(self) -> None:
        # A correction scored without its draft, or a draft on another kind, would replay its
        # keystrokes from the wrong text: refuse such a record at once.
        if (self.kind == "correction") != (self.draft is not None):
            raise ValueError("un brouillon accompagne un exercice de correction, et lui seul")

    @property
    def reference_sha256(self) -> str:
        """SHA-256 of the reference text."""
        return sha256_text(self.reference)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (schema 1)."""
        data: dict[str, Any] = {
            "schema": SCHEMA_VERSION,
            "kind": self.kind,
            "app_version": self.app_version,
            "candidate": {"name": self.candidate.name, "id": self.candidate.id},
            "exercise": {"id": self.exercise_id, "title": self.exercise_title},
            "reference": {"text": self.reference, "sha256": self.reference_sha256},
            **self._draft_dict(),
            "typed": self.typed,
            "started_at": format_timestamp(self.started_at),
            "ended_at": format_timestamp(self.ended_at),
            "duration_s": round(self.duration_s, 3),
            "end_reason": self.end_reason,
            "settings": {
                "time_limit_s": self.settings.time_limit_s,
                "backspace_allowed": self.settings.backspace_allowed,
                "live_feedback": self.settings.live_feedback,
                "normalization": self.settings.profile.normalization.name,
                "scoring_profile": self.settings.profile.to_dict(),
                "terminology": list(self.settings.terminology),
                "identity": list(self.settings.identity),
            },
            "keystrokes": [stroke.to_json() for stroke in self.keystrokes],
            "events": [dict(event) for event in self.events],
            "score": dict(self.score) if self.score is not None else None,
        }
        return data

    def _draft_dict(self) -> dict[str, Any]:
        """``{"draft": {...}}`` for a correction, nothing for the other kinds (no key at all:
        older readers of those records see the same document as before)."""
        if self.draft is None:
            return {}
        draft: dict[str, Any] = {"text": self.draft, "sha256": sha256_text(self.draft)}
        if self.draft_source is not None:
            draft["source"] = self.draft_source
        return {"draft": draft}

    @classmethod
    def from_dict(cls, data: object) -> ResultRecord:
        """Validate and parse a record already decoded from JSON; RecordError gives the first
        problem found, in one line naming the field."""
        return cls.from_document(record_document(data))

    @classmethod
    def from_json(cls, raw: bytes) -> ResultRecord:
        """Validate and parse the JSON bytes of a record (decoded straight into the typed
        schema); RecordError gives the first problem found, in one line naming the field."""
        return cls.from_document(decode_record_json(raw))

    @classmethod
    def from_document(cls, document: RecordDocument) -> ResultRecord:
        """The record of a type-checked document, once what a schema cannot say holds: the
        hashes, the profile, and the keystroke log against the text and the clocks."""
        reference = document.reference
        if reference.sha256 != _known_sha256(reference.text):
            raise RecordError("l'empreinte sha256 ne correspond pas au texte de référence")
        kind = document.kind
        draft_text, draft_source = _draft(document)
        if document.ended_at < document.started_at:
            raise RecordError("« ended_at » est antérieur à « started_at »")
        settings = document.settings
        profile = _stored_profile(settings.scoring_profile)
        keystrokes = check_keystroke_log(document, draft_text or "")
        events = _events(document.events, _time_bound_ms(settings.time_limit_s))
        return cls(
            kind=kind,
            candidate=Candidate(document.candidate.name, document.candidate.id),
            exercise_id=document.exercise.id,
            exercise_title=document.exercise.title,
            reference=reference.text,
            typed=document.typed,
            started_at=document.started_at,
            ended_at=document.ended_at,
            duration_s=float(document.duration_s),
            end_reason=document.end_reason,
            settings=RecordSettings(
                time_limit_s=(
                    float(settings.time_limit_s) if settings.time_limit_s is not None else None
                ),
                backspace_allowed=settings.backspace_allowed,
                profile=profile,
                live_feedback=settings.live_feedback,
                terminology=tuple(settings.terminology),
                identity=tuple(settings.identity),
            ),
            keystrokes=keystrokes,
            events=events,
            app_version=document.app_version,
            score=document.score,
            draft=draft_text,
            draft_source=draft_source,
        )


# A room's records carry a handful of distinct profiles: each is checked once per process, found
# again by its canonical JSON (a few microseconds, against a conversion and range checks).
_PROFILES: dict[bytes, ScoringProfile] = {}
_MAX_PROFILES = 64


def _stored_profile(data: dict[str, Any]) -> ScoringProfile:
    try:
        key: bytes | None = msgspec.json.encode(data)
    except (TypeError, ValueError, msgspec.EncodeError):  # not from JSON: no cache
        key = None
    profile = _PROFILES.get(key) if key is not None else None
    if profile is None:
        try:
            profile = ScoringProfile.from_dict(data)
        except ProfileError as error:
            raise RecordError(f"settings.scoring_profile : {error}") from error
        if key is not None:
            if len(_PROFILES) >= _MAX_PROFILES:
                _PROFILES.clear()
            _PROFILES[key] = profile
    return profile


def _time_bound_ms(time_limit_s: float | None) -> int:
    """Latest t_ms a session may log: its time limit plus the slack, or a day."""
    if time_limit_s is None:
        return MAX_SESSION_S * 1000
    return round((time_limit_s + TIME_LIMIT_SLACK_S) * 1000)


def check_keystroke_log(document: RecordDocument, initial: str) -> KeystrokeLog:
    """The keystroke log of a document, once it agrees with the text and the clocks.

    Replaying it from ``initial`` (the draft of a correction, else nothing) must give
    ``typed``; its times never go back, stay within the time limit (+ slack) and the recorded
    typing time (+ tolerance); ``duration_s`` and ``started_at``/``ended_at`` agree with it
    (README: « Validation des fichiers de résultats »). The log's columns are read once, in C,
    and kept for the replay and the keystroke statistics.
    """
    keystrokes = document.keystrokes
    duration = document.duration_s
    limit_s = document.settings.time_limit_s
    if limit_s is not None and duration > limit_s + TIME_LIMIT_SLACK_S:
        raise RecordError(
            f"« duration_s » ({duration:g} s) dépasse le temps imparti ({limit_s:g} s)"
        )
    if (
        document.end_reason == "timeout"
        and limit_s is not None
        and abs(duration - limit_s) > TIME_LIMIT_SLACK_S
    ):
        raise RecordError(
            f"« duration_s » ({duration:g} s) ne correspond pas au temps imparti écoulé "
            f"({limit_s:g} s)"
        )
    _check_wall_clock(document)
    # The schema checked every entry's types and bounds: the columns are only transposed,
    # then read as arrays once for these checks, the replay and the keystroke statistics.
    arrays = log_arrays(keystrokes, typed=True)
    if arrays is not None:
        _check_arrays(document, arrays)
    elif keystrokes:
        columns = log_columns(keystrokes, typed=True)
        if columns is not None:
            _check_columns(document, columns.t_ms, columns.ops, columns.texts)
    try:
        rebuilt = replay(keystrokes, initial)
    except ValueError as error:
        raise RecordError(f"journal de frappe incohérent : {error}") from error
    if rebuilt != document.typed:
        raise RecordError("le journal de frappe ne redonne pas le texte saisi")
    return KeystrokeLog(keystrokes)


def _check_arrays(document: RecordDocument, log: LogArrays) -> None:
    """``_check_columns`` on the log's arrays (the same checks, the same messages)."""
    t_ms = log.t_ms
    if not log.ascending:
        backwards = np.flatnonzero(t_ms[1:] < t_ms[:-1])
        raise RecordError(
            f"frappe n° {int(backwards[0]) + 2} : t_ms antérieur à la frappe précédente"
        )
    _check_log_end(document, int(t_ms[-1]), len(t_ms))
    if document.kind != "typing":
        return
    if log.one_character_each:
        _check_insertions(document, 1, len(t_ms))
        return
    inserted = log.lengths if log.all_inserts else log.lengths[log.inserts]
    if len(inserted):
        _check_insertions(document, int(inserted.max()), int(inserted.sum()))


def _check_log_end(document: RecordDocument, last: int, count: int) -> None:
    if last > _time_bound_ms(document.settings.time_limit_s):
        raise RecordError(
            f"frappe n° {count} : t_ms = {last} au-delà du temps imparti "
            f"(+ {TIME_LIMIT_SLACK_S:g} s)"
        )
    duration = document.duration_s
    if last > (duration + LOG_TOLERANCE_S) * 1000:
        raise RecordError(
            f"« duration_s » ({duration:g} s) plus court que le journal de frappe "
            f"({last / 1000:g} s)"
        )


def _check_insertions(document: RecordDocument, widest: int, chars: int) -> None:
    if widest > MAX_TYPING_INSERT_CHARS:
        raise RecordError(f"journal de frappe : {widest} caractères insérés d'une seule touche")
    duration = document.duration_s
    if chars > MAX_CHARS_PER_S * duration + CHARS_ALLOWANCE:
        raise RecordError(
            f"journal de frappe : {chars} caractères en {duration:g} s, vitesse humainement "
            f"impossible (plus de {MAX_CHARS_PER_S:g} par seconde)"
        )


def _check_columns(
    document: RecordDocument,
    t_ms: tuple[int, ...],
    ops: tuple[str, ...],
    texts: tuple[str, ...],
) -> None:
    if not all(map(operator.le, t_ms, itertools.islice(t_ms, 1, None))):
        back = next(i for i, (a, b) in enumerate(itertools.pairwise(t_ms), 2) if b < a)
        raise RecordError(f"frappe n° {back} : t_ms antérieur à la frappe précédente")
    _check_log_end(document, t_ms[-1], len(t_ms))
    if document.kind != "typing":
        return  # an editor's undo, redo or resync inserts whole passages in one edit
    inserted = list(itertools.compress(texts, map(operator.eq, ops, itertools.repeat("insert"))))
    if inserted:
        _check_insertions(document, max(map(len, inserted)), sum(map(len, inserted)))


def _check_wall_clock(document: RecordDocument) -> None:
    """``ended_at − started_at`` (wall clock) is the typing time (monotonic clock), give or
    take the clocks' drift; longer only when the session was resumed after a crash (the wall
    clock ran meanwhile). A shorter span is let through: a wall clock set back during the test
    does it, and it makes nobody faster."""
    if any(event.get("type") == "resumed" for event in document.events):
        return
    span = (document.ended_at - document.started_at).total_seconds()
    if span > document.duration_s + WALL_CLOCK_TOLERANCE_S:
        raise RecordError(
            f"« duration_s » ({document.duration_s:g} s) ne correspond pas à "
            f"« started_at »/« ended_at » ({span:g} s) sans reprise"
        )


def _events(events: list[dict[str, Any]], bound_ms: int) -> tuple[Mapping[str, Any], ...]:
    for event in events:
        t_ms = event.get("t_ms")
        if type(t_ms) is not int or not 0 <= t_ms <= bound_ms or type(event.get("type")) is not str:
            raise RecordError(
                "« events » doit être une liste d'objets {t_ms, type, …} dans le temps imparti"
            )
    return tuple(events)


def _draft(document: RecordDocument) -> tuple[str | None, str | None]:
    """The draft of a correction record (text, source); None for the other kinds."""
    draft = document.draft
    if document.kind != "correction":
        if draft is not None:
            raise RecordError(f"« draft » n'a pas de sens pour un résultat « {document.kind} »")
        return None, None
    if draft is None:
        raise RecordError("champ « draft » manquant (obligatoire pour une correction)")
    if draft.sha256 != _known_sha256(draft.text):
        raise RecordError("l'empreinte sha256 ne correspond pas au texte du brouillon")
    return draft.text, draft.source
