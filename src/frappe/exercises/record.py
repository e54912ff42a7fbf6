"""The result record: one finished (or interrupted) typing test, transcription or correction
of a speech-recognition draft.

Versioned JSON (``"schema": 1``), documented in ``docs/result-format.md``. ``from_dict`` checks
everything a scorer relies on and raises ``RecordError`` with a one-line reason otherwise.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from frappe import __version__
from frappe.errors import ProfileError, RecordError
from frappe.scoring.keystrokes import Keystroke, parse_keystroke_log, replay
from frappe.scoring.profiles import ScoringProfile

__all__ = [
    "END_REASONS",
    "RECORD_KINDS",
    "SCHEMA_VERSION",
    "Candidate",
    "EndReason",
    "RecordKind",
    "RecordSettings",
    "ResultRecord",
    "format_timestamp",
    "parse_timestamp",
    "sha256_text",
]

SCHEMA_VERSION = 1
RecordKind = Literal["typing", "transcription", "correction"]
RECORD_KINDS: tuple[RecordKind, ...] = ("typing", "transcription", "correction")
EndReason = Literal["completed", "timeout", "stopped", "interrupted"]
END_REASONS: tuple[EndReason, ...] = ("completed", "timeout", "stopped", "interrupted")


def sha256_text(text: str) -> str:
    """Hex SHA-256 of the UTF-8 text (identifies the reference a result was typed against)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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
    keystrokes: tuple[Keystroke, ...] = ()
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
        """Validate and parse a record; RecordError gives the first problem found."""
        if not isinstance(data, dict):
            raise RecordError("le fichier ne contient pas un objet JSON")
        schema = data.get("schema")
        if schema != SCHEMA_VERSION:
            raise RecordError(
                f"version de format inconnue : {schema!r} (attendue : {SCHEMA_VERSION})"
            )
        kind = _choice(data, "kind", RECORD_KINDS)
        candidate = _object(data, "candidate")
        exercise = _object(data, "exercise")
        reference = _object(data, "reference")
        settings = _object(data, "settings")
        reference_text = _string(reference, "reference.text")
        stored_sha = _string(reference, "reference.sha256")
        if stored_sha != sha256_text(reference_text):
            raise RecordError("l'empreinte sha256 ne correspond pas au texte de référence")
        draft_text, draft_source = _draft(data, kind)
        typed = _string(data, "typed")
        started_at = parse_timestamp(data.get("started_at"), "started_at")
        ended_at = parse_timestamp(data.get("ended_at"), "ended_at")
        if ended_at < started_at:
            raise RecordError("« ended_at » est antérieur à « started_at »")
        duration = data.get("duration_s")
        if not isinstance(duration, int | float) or isinstance(duration, bool) or duration < 0:
            raise RecordError("« duration_s » doit être un nombre positif")
        time_limit = settings.get("time_limit_s")
        if time_limit is not None and (
            not isinstance(time_limit, int | float) or isinstance(time_limit, bool)
        ):
            raise RecordError("« settings.time_limit_s » doit être un nombre ou null")
        profile_data = settings.get("scoring_profile")
        if not isinstance(profile_data, dict):
            raise RecordError("« settings.scoring_profile » manquant")
        try:
            profile = ScoringProfile.from_dict(profile_data)
        except ProfileError as error:
            raise RecordError(str(error)) from error
        keystrokes = _keystrokes(data.get("keystrokes", []))
        if keystrokes:
            try:
                rebuilt = replay(keystrokes, draft_text or "")
            except ValueError as error:
                raise RecordError(f"journal de frappe incohérent : {error}") from error
            if rebuilt != typed:
                raise RecordError("le journal de frappe ne redonne pas le texte saisi")
        events = data.get("events", [])
        if not isinstance(events, list) or not all(
            isinstance(e, dict)
            and isinstance(e.get("t_ms"), int)
            and isinstance(e.get("type"), str)
            for e in events
        ):
            raise RecordError("« events » doit être une liste d'objets {t_ms, type, …}")
        score = data.get("score")
        candidate_id = candidate.get("id")
        return cls(
            kind=kind,  # type: ignore[arg-type]
            candidate=Candidate(
                _string(candidate, "candidate.name"),
                candidate_id if isinstance(candidate_id, str) else None,
            ),
            exercise_id=_string(exercise, "exercise.id"),
            exercise_title=str(exercise.get("title", "")),
            reference=reference_text,
            typed=typed,
            started_at=started_at,
            ended_at=ended_at,
            duration_s=float(duration),
            end_reason=_choice(data, "end_reason", END_REASONS),  # type: ignore[arg-type]
            settings=RecordSettings(
                time_limit_s=float(time_limit) if time_limit is not None else None,
                backspace_allowed=bool(settings.get("backspace_allowed", True)),
                profile=profile,
                live_feedback=bool(settings.get("live_feedback", True)),
                terminology=_strings(settings, "terminology"),
                identity=_strings(settings, "identity"),
            ),
            keystrokes=keystrokes,
            events=tuple(events),
            app_version=str(data.get("app_version", "")),
            score=score if isinstance(score, dict) else None,
            draft=draft_text,
            draft_source=draft_source,
        )


def _draft(data: Mapping[str, Any], kind: str) -> tuple[str | None, str | None]:
    """The draft of a correction record (text, source); None for the other kinds."""
    if kind != "correction":
        if data.get("draft") is not None:
            raise RecordError(f"« draft » n'a pas de sens pour un résultat « {kind} »")
        return None, None
    draft = _object(data, "draft")
    text = _string(draft, "draft.text")
    if _string(draft, "draft.sha256") != sha256_text(text):
        raise RecordError("l'empreinte sha256 ne correspond pas au texte du brouillon")
    source = draft.get("source")
    if source is not None and not isinstance(source, str):
        raise RecordError("« draft.source » doit être un texte")
    return text, source


def _object(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = data.get(name)
    if not isinstance(value, dict):
        raise RecordError(f"champ « {name} » manquant ou invalide (objet attendu)")
    return value


def _string(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name.rsplit(".", 1)[-1])
    if not isinstance(value, str):
        raise RecordError(f"champ « {name} » manquant ou invalide (texte attendu)")
    return value


def _strings(data: Mapping[str, Any], name: str) -> tuple[str, ...]:
    value = data.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RecordError(f"« settings.{name} » doit être une liste de textes")
    return tuple(value)


def _choice(data: Mapping[str, Any], name: str, allowed: Sequence[str]) -> str:
    value = data.get(name)
    if value not in allowed:
        raise RecordError(f"« {name} » doit valoir {' ou '.join(allowed)} (trouvé : {value!r})")
    return str(value)


def _keystrokes(raw: object) -> tuple[Keystroke, ...]:
    if not isinstance(raw, list):
        raise RecordError("« keystrokes » doit être une liste")
    try:
        return parse_keystroke_log(raw)
    except ValueError as error:
        raise RecordError(str(error)) from error
