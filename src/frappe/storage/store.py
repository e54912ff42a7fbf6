"""The results store: one small contract over every back end that keeps results.

The app, ``frappe history`` and the trainer's tableaux de suivi talk to a ``ResultStore`` and
never to SQL: the local SQLite history (``frappe.storage.history``) implements it on one PC, the
room's PostgreSQL implements it for a room. What a back end must provide is only what its users
need — add a result, list results through one ``ResultFilter``, list candidates, and keep groups
(promotions) with their rosters. Everything derived from a record (the row's values, the name
keys used for searching and matching) is computed here, once, so two back ends store the same
row for the same result.

A back end raises ``StorageError`` (one French line) for anything its database refuses.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

import orjson

from frappe.exercises.key_errors import key_errors
from frappe.exercises.record import Mode, ResultRecord, format_timestamp
from frappe.scoring.normalize import strip_accents

__all__ = [
    "INTEGRITY_EVENTS",
    "STORED_COLUMNS",
    "Group",
    "ResultFilter",
    "ResultStore",
    "RosterMember",
    "StoredResult",
    "decode_counts",
    "decode_key_errors",
    "filter_clauses",
    "group_from_rows",
    "keep_group_members",
    "like_pattern",
    "name_key",
    "result_values",
    "roster_rows",
    "search_key",
    "stored_result",
]

# Events of a record that a jury wants to see next to a mark (the procès-verbal lists them).
INTEGRITY_EVENTS = frozenset(
    {"paste_refused", "focus_lost", "burst", "disconnected", "resumed", "paste"}
)

_SPACES = re.compile(r"\s+")
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "‘": "'"})


def name_key(name: str) -> str:
    """The name a roster is matched on: Unicode NFC, one space between words, typographic
    apostrophes made straight. Case and accents are kept — « MARTIN Claire » and « Martin
    Claire » are different keys that ``frappe.storage.roster`` proposes to merge, never merges."""
    text = unicodedata.normalize("NFC", name).translate(_APOSTROPHES)
    return _SPACES.sub(" ", text).strip()


def search_key(text: str) -> str:
    """The folded form searched with ``ResultFilter.candidate``: ``name_key``, lower case,
    no accents (« martin » finds « Martin Bruno », « helene » finds « Hélène »)."""
    return strip_accents(name_key(text)).casefold()


def like_pattern(fragment: str) -> str:
    """A SQL ``LIKE … ESCAPE '\\'`` pattern (standard SQL, both back ends) matching
    ``search_key(fragment)`` anywhere."""
    folded = search_key(fragment)
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True, slots=True)
class ResultFilter:
    """Which results to list; every field left at None does not filter.

    Attributes:
        candidate: Part of the candidate's name, case- and accent-insensitive (« martin » finds
            « Martin Bruno »), or exactly the candidate's id.
        name: Exactly this name (compared as ``name_key``: spaces and apostrophes only), for
            one person's own results.
        group: Only the results of this group's roster (matched by id, else by name key or
            an alias the trainer accepted).
        since: Results started at or after this moment.
        until: Results started before this moment.
        exercise: Exercise id.
        mode: ``exam`` or ``practice``.
        kind: ``typing``, ``transcription`` or ``correction``.
        seance: The séance id (room mode).
        limit: At most this many rows (the most recent).
    """

    candidate: str | None = None
    name: str | None = None
    group: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    exercise: str | None = None
    mode: Mode | None = None
    kind: str | None = None
    seance: str | None = None
    limit: int | None = None


@dataclass(frozen=True, slots=True)
class StoredResult:
    """One result as a store keeps it (an index of the result file, which stays the truth).

    Attributes:
        id: Row id in its store.
        candidate_name: Candidate name.
        candidate_id: Optional identifier.
        exercise_id: Text or dictation id.
        exercise_title: Its title.
        kind: ``typing``, ``transcription`` or ``correction``.
        mode: ``exam`` or ``practice``.
        started_at: First key press (UTC).
        ended_at: End (UTC).
        duration_s: Typing time.
        end_reason: completed, timeout, stopped, interrupted.
        profile: Scoring profile name.
        speed: Headline speed in ``speed_unit``.
        speed_unit: Unit of ``speed``.
        faults: Faults under the profile.
        accuracy: Final-text accuracy (0–1).
        keystroke_accuracy: Correct key presses / key presses, or None.
        error_rate: Faults per reference word reached.
        mark_20: Mark out of 20.
        passed: Pass/fail (« validé » for a dictation) under the profile.
        gross_wpm: Gross words (5 characters) per minute.
        net_wpm: Net words per minute.
        characters: Characters typed.
        result_path: The result file.
        recognition_errors: For a correction, the draft's recognition errors (else None)…
        fixed: …those the trainee fixed…
        missed: …those left wrong…
        introduced: …and the errors the trainee added where the draft was right.
        critical_errors: Identity items (names, dates, doses…) wrong or missing; None for a
            typing test or a row older than schema 2.
        error_classes: Errors by class (accent, case, punctuation, spacing, spelling, word,
            line); empty when unknown.
        weak_keys: ``(character, errors, attempts)`` for each expected character mistyped
            at least once (typing tests with a keystroke log; most errors first).
        listening_ratio: Dictations: time spent ÷ audio length; else None.
        integrity_events: Integrity events by type (paste refused, focus lost, bursts…).
        seance: Séance id (room mode), else None.
        verification: The room's verification hash of the attempt, when there is one.
    """

    id: int
    candidate_name: str
    candidate_id: str | None
    exercise_id: str
    exercise_title: str
    kind: str
    mode: Mode
    started_at: datetime
    ended_at: datetime
    duration_s: float
    end_reason: str
    profile: str
    speed: float | None
    speed_unit: str | None
    faults: float | None
    accuracy: float | None
    keystroke_accuracy: float | None
    error_rate: float | None
    mark_20: float | None
    passed: bool | None
    gross_wpm: float | None
    net_wpm: float | None
    characters: int | None
    result_path: str
    recognition_errors: int | None = None
    fixed: int | None = None
    missed: int | None = None
    introduced: int | None = None
    critical_errors: int | None = None
    error_classes: Mapping[str, int] = field(default_factory=dict)
    weak_keys: tuple[tuple[str, int, int], ...] = ()
    listening_ratio: float | None = None
    integrity_events: Mapping[str, int] = field(default_factory=dict)
    seance: str | None = None
    verification: str | None = None


@dataclass(frozen=True, slots=True)
class RosterMember:
    """A candidate of a group.

    Attributes:
        name: Name as on the roster (« Nom Prénom »).
        candidate_id: The centre's identifier, when the roster has one.
        aliases: Other spellings the trainer accepted as this person (proposed near-duplicates).
    """

    name: str
    candidate_id: str | None = None
    aliases: tuple[str, ...] = ()

    def name_keys(self) -> frozenset[str]:
        """Every name key this member's results may carry."""
        return frozenset(name_key(name) for name in (self.name, *self.aliases))


@dataclass(frozen=True, slots=True)
class Group:
    """A group (promotion) of candidates followed together.

    Attributes:
        name: Its name (unique in a store).
        starts_on: First day of the training, if known.
        ends_on: Last day, if known.
        profile: Scoring profile or exam preset whose thresholds are the group's targets.
        speed_target: Speed the candidates aim at (profile unit), drawn as a line.
        accuracy_target: Final-text accuracy aimed at (0–1), drawn as a line.
        members: The roster, in roster order.
    """

    name: str
    starts_on: date | None = None
    ends_on: date | None = None
    profile: str | None = None
    speed_target: float | None = None
    accuracy_target: float | None = None
    members: tuple[RosterMember, ...] = ()

    def member_for(self, candidate_name: str, candidate_id: str | None) -> RosterMember | None:
        """The roster member a result belongs to: by id first, else by name key or alias (a
        result whose id is another member's is never matched by name)."""
        if candidate_id:
            for member in self.members:
                if member.candidate_id and member.candidate_id == candidate_id:
                    return member
        key = name_key(candidate_name)
        for member in self.members:
            if key in member.name_keys() and not (
                candidate_id and member.candidate_id and member.candidate_id != candidate_id
            ):
                return member
        return None


class ResultStore(Protocol):
    """What the app and the trainer's tools need from a results store.

    Implemented by ``frappe.storage.history.History`` (SQLite, one PC) and by the room's
    PostgreSQL store. Every method raises ``StorageError`` (a one-line French message) when its
    database refuses; none returns a library's own row or error type.
    """

    def add(
        self,
        record: ResultRecord,
        metrics: Mapping[str, Any],
        result_path: Path,
        *,
        mode: Mode = "exam",
        seance: str | None = None,
    ) -> int:
        """Record a result (recording the same result file again replaces its row); the row id.

        ``metrics`` is the score's flat ``metrics_dict()``; ``result_values`` turns both into the
        stored row."""
        ...

    def results(self, query: ResultFilter | None = None) -> list[StoredResult]:
        """Results matching ``query`` (all when None), most recent first."""
        ...

    def candidates(self) -> list[str]:
        """Distinct candidate names, alphabetical (case-insensitive order)."""
        ...

    def groups(self) -> list[Group]:
        """Every group with its roster, by name."""
        ...

    def group(self, name: str) -> Group | None:
        """The group of that exact name, or None."""
        ...

    def save_group(self, group: Group) -> None:
        """Create or replace a group and its whole roster (in one transaction)."""
        ...

    def delete_group(self, name: str) -> bool:
        """Remove a group and its roster (never results); whether it existed."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...


def _integer(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _real(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _error_classes(score: Mapping[str, Any] | None) -> dict[str, int]:
    """Errors by class, from the ``errors`` list of a score (metrics or the record's)."""
    errors = score.get("errors") if score else None
    if not isinstance(errors, Sequence) or isinstance(errors, str):
        return {}
    counts = Counter(
        str(error["class"])
        for error in errors
        if isinstance(error, Mapping) and isinstance(error.get("class"), str)
    )
    return dict(sorted(counts.items()))


def _weak_keys(record: ResultRecord) -> list[list[object]]:
    """``[character, errors, attempts]`` for every expected character mistyped at least once
    (typing tests; a dictation's keys are not judged against a visible text)."""
    if record.kind != "typing" or not record.keystrokes:
        return []
    return [[item.char, item.errors, item.attempts] for item in key_errors(record)]


def _listening_ratio(score: Mapping[str, Any] | None, duration_s: float) -> float | None:
    listening = score.get("listening") if score else None
    if not isinstance(listening, Mapping):
        return None
    audio_s = _real(listening.get("audio_s"))
    if audio_s and audio_s > 0:
        return duration_s / audio_s
    heard_s = _real(listening.get("heard_s"))
    heard_ratio = _real(listening.get("heard_ratio"))
    if heard_s and heard_ratio:
        # heard_ratio = heard_s ÷ audio length, so the audio lasts heard_s ÷ heard_ratio.
        return duration_s / (heard_s / heard_ratio)
    return None


def _integrity(record: ResultRecord) -> dict[str, int]:
    counts = Counter(
        str(event.get("type"))
        for event in record.events
        if str(event.get("type")) in INTEGRITY_EVENTS
    )
    return dict(sorted(counts.items()))


def result_values(
    record: ResultRecord,
    metrics: Mapping[str, Any],
    result_path: Path,
    *,
    mode: Mode,
    seance: str | None = None,
) -> dict[str, Any]:
    """The stored row of a result, column → value (text, numbers, JSON text, None): what every
    back end writes, so the same result reads back the same from SQLite and PostgreSQL."""
    profile = record.settings.profile
    passed = metrics.get("passed")
    score = record.score
    return {
        "candidate_name": record.candidate.name,
        "candidate_id": record.candidate.id or None,
        "candidate_key": name_key(record.candidate.name),
        "candidate_search": search_key(record.candidate.name),
        "exercise_id": record.exercise_id,
        "exercise_title": record.exercise_title,
        "kind": record.kind,
        "mode": mode,
        "started_at": format_timestamp(record.started_at),
        "ended_at": format_timestamp(record.ended_at),
        "duration_s": record.duration_s,
        "end_reason": record.end_reason,
        "profile": str(metrics.get("profile", profile.name)),
        "speed": _real(metrics.get("speed")),
        "speed_unit": str(metrics.get("speed_unit", profile.speed_unit)),
        "faults": _real(metrics.get("faults")),
        "accuracy": _real(metrics.get("accuracy")),
        "keystroke_accuracy": _real(metrics.get("keystroke_accuracy")),
        "error_rate": _real(metrics.get("error_rate")),
        "mark_20": _real(metrics.get("mark_20")),
        "passed": None if passed is None else int(bool(passed)),
        "gross_wpm": _real(metrics.get("gross_wpm")),
        "net_wpm": _real(metrics.get("net_wpm")),
        "characters": _integer(metrics.get("characters")),
        "result_path": str(result_path.resolve()),
        "recognition_errors": _integer(metrics.get("recognition_errors")),
        "fixed": _integer(metrics.get("fixed")),
        "missed": _integer(metrics.get("missed")),
        "introduced": _integer(metrics.get("introduced")),
        "critical_errors": _integer(metrics.get("critical_errors")),
        "error_classes": json.dumps(_error_classes(metrics) or _error_classes(score)),
        "weak_keys": json.dumps(_weak_keys(record)),
        "listening_ratio": _listening_ratio(score, record.duration_s),
        "integrity_events": json.dumps(_integrity(record)),
        "seance": seance,
        "verification": None,
    }


def decode_counts(text: object) -> dict[str, int]:
    """A JSON object of counts stored by ``result_values`` (empty when absent or damaged)."""
    if not isinstance(text, str) or len(text) <= 2:  # None, "" or "{}": the usual cases
        return {}
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, int)}


def decode_key_errors(text: object) -> tuple[tuple[str, int, int], ...]:
    """The JSON list of ``[character, errors, attempts]`` stored by ``result_values``."""
    if not isinstance(text, str) or len(text) <= 2:  # None, "" or "[]"
        return ()
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError:
        return ()
    if not isinstance(data, list):
        return ()
    return tuple(
        (str(item[0]), int(item[1]), int(item[2]))
        for item in data
        if isinstance(item, list)
        and len(item) == 3
        and isinstance(item[1], int)
        and isinstance(item[2], int)
    )


def filter_clauses(
    query: ResultFilter,
    group: Group | None = None,
    *,
    placeholder: str = "?",
    moment: Any = format_timestamp,
) -> tuple[str, list[Any]]:
    """The ``WHERE`` of a ``ResultFilter`` in standard SQL over the columns of
    ``result_values`` (empty string when nothing filters), and its parameters, for a back end
    whose driver uses ``placeholder``; ``moment`` turns the date bounds into the back end's
    parameter (ISO text by default). ``group`` (the group named by the query) narrows the rows
    to its roster's ids and name keys; ``Group.member_for`` then settles the exact matches."""
    clauses: list[str] = []
    params: list[Any] = []
    if query.candidate:
        clauses.append(
            f"(candidate_search LIKE {placeholder} ESCAPE '\\' OR candidate_id = {placeholder})"
        )
        params += [like_pattern(query.candidate), query.candidate.strip()]
    for column, value in (
        ("candidate_key", name_key(query.name) if query.name else None),
        ("exercise_id", query.exercise),
        ("mode", query.mode),
        ("kind", query.kind),
        ("seance", query.seance),
    ):
        if value:
            clauses.append(f"{column} = {placeholder}")
            params.append(value)
    if query.since is not None:
        clauses.append(f"started_at >= {placeholder}")
        params.append(moment(query.since))
    if query.until is not None:
        clauses.append(f"started_at < {placeholder}")
        params.append(moment(query.until))
    if group is not None:
        ids = sorted({m.candidate_id for m in group.members if m.candidate_id})
        keys = sorted({key for m in group.members for key in m.name_keys()})
        alternatives = ["1 = 0"]  # an empty roster matches nothing
        if ids:
            alternatives.append(f"candidate_id IN ({', '.join([placeholder] * len(ids))})")
            params += ids
        if keys:
            alternatives.append(f"candidate_key IN ({', '.join([placeholder] * len(keys))})")
            params += keys
        clauses.append(f"({' OR '.join(alternatives)})")
    return (f" WHERE {' AND '.join(clauses)}" if clauses else ""), params


# The columns a store selects, in the order of StoredResult's fields (``stored_result``).
STORED_COLUMNS = (
    "id, candidate_name, candidate_id, exercise_id, exercise_title, kind, mode, started_at, "
    "ended_at, duration_s, end_reason, profile, speed, speed_unit, faults, accuracy, "
    "keystroke_accuracy, error_rate, mark_20, passed, gross_wpm, net_wpm, characters, "
    "result_path, recognition_errors, fixed, missed, introduced, critical_errors, "
    "error_classes, weak_keys, listening_ratio, integrity_events, seance, verification"
)


def stored_result(values: list[Any]) -> StoredResult:
    """The result of a row of ``STORED_COLUMNS`` whose dates and numbers are already the
    store's Python values: ``passed`` becomes a bool, the JSON columns are decoded."""
    values[19] = None if values[19] is None else bool(values[19])
    values[29] = decode_counts(values[29])
    values[30] = decode_key_errors(values[30])
    values[32] = decode_counts(values[32])
    return StoredResult(*values)


def keep_group_members(
    found: list[StoredResult], group: Group | None, limit: int | None
) -> list[StoredResult]:
    """The results of ``group``'s members (all when None), at most ``limit`` of them: the exact
    match after ``filter_clauses`` narrowed the rows by ids and name keys."""
    if group is None:
        return found
    found = [r for r in found if group.member_for(r.candidate_name, r.candidate_id)]
    return found[:limit] if limit else found


def _day(value: object) -> date | None:
    """A stored day: a date (PostgreSQL) or ISO text (SQLite); None when empty."""
    if isinstance(value, date):
        return value
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def group_from_rows(row: Sequence[Any], members: Iterable[Sequence[Any]]) -> Group:
    """A group from its row (name, starts_on, ends_on, profile, speed_target,
    accuracy_target) and its members' rows (name, candidate_id, aliases as JSON) in order."""
    return Group(
        name=str(row[0]),
        starts_on=_day(row[1]),
        ends_on=_day(row[2]),
        profile=row[3],
        speed_target=row[4],
        accuracy_target=row[5],
        members=tuple(
            RosterMember(str(m[0]), m[1], tuple(json.loads(m[2] or "[]"))) for m in members
        ),
    )


def roster_rows(group: Group) -> list[tuple[str, int, str, str | None, str]]:
    """The ``group_members`` rows of a group: (group_name, position, name, candidate_id,
    aliases as JSON)."""
    return [
        (
            group.name,
            position,
            member.name,
            member.candidate_id,
            json.dumps(list(member.aliases), ensure_ascii=False),
        )
        for position, member in enumerate(group.members)
    ]
