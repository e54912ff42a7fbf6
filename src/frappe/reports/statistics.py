"""Statistics of the tableaux de suivi: a class view of one séance or period, a candidate's
progression. Pure — stored results in, dataclasses out; no I/O, no clock."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from frappe.exercises.record import Mode
from frappe.scoring.profiles import scoring_profile
from frappe.storage.store import Group, RosterMember, StoredResult

__all__ = [
    "ERROR_CLASS_NAMES",
    "CandidateView",
    "ClassRow",
    "ClassView",
    "KeyWeakness",
    "ProgressPoint",
    "Summary",
    "Targets",
    "candidate_view",
    "class_view",
    "group_targets",
    "local_day",
    "seance_key",
    "seances",
    "summarize",
]

ERROR_CLASS_NAMES = {
    "accent": "accent",
    "case": "majuscule",
    "punctuation": "ponctuation",
    "spacing": "espace",
    "spelling": "orthographe",
    "word": "mot",
    "line": "ligne",
}


def local_day(moment: datetime) -> date:
    """The day of a result on the trainer's clock (results are stored in UTC)."""
    return moment.astimezone().date()


def seance_key(result: StoredResult) -> str:
    """The séance a result belongs to: the room's séance id, else « day exercise » (every
    result of one exercise on one day is one séance on a single PC)."""
    if result.seance:
        return result.seance
    return f"{local_day(result.started_at).isoformat()} {result.exercise_id}"


def seances(results: Iterable[StoredResult]) -> list[str]:
    """Séance keys, oldest first."""
    first: dict[str, datetime] = {}
    for result in results:
        key = seance_key(result)
        if key not in first or result.started_at < first[key]:
            first[key] = result.started_at
    return sorted(first, key=lambda k: (first[k], k))


@dataclass(frozen=True, slots=True)
class Summary:
    """Mean, median, minimum and maximum of one measure over a class (None without values).

    Attributes:
        count: Values summarised.
        mean: Arithmetic mean.
        median: Median (mean of the two middle values for an even count).
        minimum: Smallest value.
        maximum: Largest value.
    """

    count: int
    mean: float | None
    median: float | None
    minimum: float | None
    maximum: float | None


def summarize(values: Iterable[float | None]) -> Summary:
    """The summary of the values that are not None."""
    present = [v for v in values if v is not None]
    if not present:
        return Summary(0, None, None, None, None)
    return Summary(
        len(present),
        statistics.fmean(present),
        statistics.median(present),
        min(present),
        max(present),
    )


@dataclass(frozen=True, slots=True)
class ClassRow:
    """One candidate in a class view.

    Attributes:
        name: Name on the roster (or in the results without a group).
        candidate_id: The centre's id, if known.
        result: The candidate's result in the séance or period (the most recent one), None
            when absent.
        attempts: Results of the candidate in the séance or period.
    """

    name: str
    candidate_id: str | None
    result: StoredResult | None
    attempts: int


@dataclass(frozen=True, slots=True)
class ClassView:
    """A class over one séance or period, in one mode.

    Attributes:
        title: What the view covers (group, séance or dates, mode).
        mode: ``exam`` or ``practice``.
        rows: One per candidate, roster order (alphabetical without a roster).
        speed: Summary of speeds.
        mark: Summary of marks out of 20.
        error_rate: Summary of error rates.
        faults: Summary of faults.
        passed: Candidates who passed (« validé »).
        graded: Candidates whose result says passed or not.
        error_classes: Errors by class over the rows' results, most frequent first.
        critical_errors: Critical errors over the rows' results.
        speed_unit: Unit of the speeds (the most common one).
    """

    title: str
    mode: Mode
    rows: tuple[ClassRow, ...]
    speed: Summary
    mark: Summary
    error_rate: Summary
    faults: Summary
    passed: int
    graded: int
    error_classes: tuple[tuple[str, int], ...]
    critical_errors: int
    speed_unit: str

    @property
    def pass_rate(self) -> float | None:
        """Passed ÷ graded (None when nobody is graded)."""
        return self.passed / self.graded if self.graded else None

    @property
    def present(self) -> tuple[ClassRow, ...]:
        """Rows with a result."""
        return tuple(row for row in self.rows if row.result is not None)


def _members(results: Sequence[StoredResult], group: Group | None) -> list[RosterMember]:
    if group is not None:
        return list(group.members)
    seen: dict[tuple[str | None, str], RosterMember] = {}
    for result in results:
        key = (result.candidate_id, result.candidate_name)
        seen.setdefault(key, RosterMember(result.candidate_name, result.candidate_id))
    return sorted(seen.values(), key=lambda m: (m.name.casefold(), m.candidate_id or ""))


def _owner(result: StoredResult, group: Group | None) -> tuple[str | None, str]:
    if group is not None:
        member = group.member_for(result.candidate_name, result.candidate_id)
        if member is None:
            return (None, "")
        return (member.candidate_id, member.name)
    return (result.candidate_id, result.candidate_name)


def class_view(
    results: Sequence[StoredResult],
    *,
    group: Group | None = None,
    mode: Mode = "exam",
    title: str = "",
) -> ClassView:
    """The class view of ``results`` (already narrowed to a séance or period): each roster
    member's most recent result in ``mode``, then the class statistics over them."""
    chosen: dict[tuple[str | None, str], StoredResult] = {}
    attempts: Counter[tuple[str | None, str]] = Counter()
    for result in results:
        if result.mode != mode:
            continue
        owner = _owner(result, group)
        if not owner[1]:
            continue
        attempts[owner] += 1
        best = chosen.get(owner)
        if best is None or (result.started_at, result.id) > (best.started_at, best.id):
            chosen[owner] = result
    rows = tuple(
        ClassRow(
            member.name,
            member.candidate_id,
            chosen.get((member.candidate_id, member.name)),
            attempts[(member.candidate_id, member.name)],
        )
        for member in _members([r for r in results if r.mode == mode], group)
    )
    present = [row.result for row in rows if row.result is not None]
    classes: Counter[str] = Counter()
    for result in present:
        classes.update(result.error_classes)
    graded = [r.passed for r in present if r.passed is not None]
    units = Counter(r.speed_unit for r in present if r.speed_unit)
    return ClassView(
        title=title,
        mode=mode,
        rows=rows,
        speed=summarize(r.speed for r in present),
        mark=summarize(r.mark_20 for r in present),
        error_rate=summarize(r.error_rate for r in present),
        faults=summarize(r.faults for r in present),
        passed=sum(1 for passed in graded if passed),
        graded=len(graded),
        error_classes=tuple(sorted(classes.items(), key=lambda kv: (-kv[1], kv[0]))),
        critical_errors=sum(r.critical_errors or 0 for r in present),
        speed_unit=units.most_common(1)[0][0] if units else "mots/min",
    )


@dataclass(frozen=True, slots=True)
class ProgressPoint:
    """One result on a candidate's progression.

    Attributes:
        started_at: When it was taken (UTC).
        exercise_id: The exercise.
        kind: typing, transcription or correction.
        speed: Speed (profile unit).
        accuracy: Final-text accuracy (0–1).
        mark_20: Mark out of 20.
        faults: Faults.
        critical_errors: Critical errors (dictations).
        listening_ratio: Time spent ÷ audio length (dictations).
        passed: Passed / validé.
    """

    started_at: datetime
    exercise_id: str
    kind: str
    speed: float | None
    accuracy: float | None
    mark_20: float | None
    faults: float | None
    critical_errors: int | None
    listening_ratio: float | None
    passed: bool | None


@dataclass(frozen=True, slots=True)
class KeyWeakness:
    """A key the candidate mistypes, over all their results.

    Attributes:
        char: The expected character.
        errors: Times it went wrong.
        attempts: Times it was expected.
    """

    char: str
    errors: int
    attempts: int

    @property
    def rate(self) -> float:
        """errors ÷ attempts."""
        return self.errors / self.attempts if self.attempts else 0.0


@dataclass(frozen=True, slots=True)
class Targets:
    """The trainer's targets, drawn as lines on the progression.

    Attributes:
        speed: Speed aimed at (profile unit), or None.
        accuracy: Accuracy aimed at (0–1), or None.
        source: Where they come from (group, profile).
    """

    speed: float | None = None
    accuracy: float | None = None
    source: str = ""


def group_targets(group: Group | None) -> Targets:
    """A group's explicit targets, else the pass thresholds of its profile (speed minimum;
    accuracy 1 − maximum error rate), else none."""
    if group is None:
        return Targets()
    speed, accuracy = group.speed_target, group.accuracy_target
    if group.profile and (speed is None or accuracy is None):
        try:
            profile = scoring_profile(group.profile)
        except Exception:  # an unknown profile name: no target rather than no view
            profile = None
        if profile is not None:
            speed = profile.pass_min_speed if speed is None else speed
            if accuracy is None:
                accuracy = 1.0 - profile.pass_max_error_rate
    return Targets(speed, accuracy, f"groupe {group.name}")


@dataclass(frozen=True, slots=True)
class CandidateView:
    """A candidate's progression.

    Attributes:
        name: Name (as in their most recent result).
        candidate_id: Their id, if known.
        exams: Exam results, oldest first.
        practice: Practice results, oldest first.
        weak_keys: Keys most often mistyped (worst rate first, at least 3 attempts).
        error_classes: Errors by class over all the results, most frequent first.
        targets: The group's targets.
        speed_unit: Unit of the speeds.
    """

    name: str
    candidate_id: str | None
    exams: tuple[ProgressPoint, ...]
    practice: tuple[ProgressPoint, ...]
    weak_keys: tuple[KeyWeakness, ...]
    error_classes: tuple[tuple[str, int], ...]
    targets: Targets = field(default_factory=Targets)
    speed_unit: str = "mots/min"


def _point(result: StoredResult) -> ProgressPoint:
    return ProgressPoint(
        result.started_at,
        result.exercise_id,
        result.kind,
        result.speed,
        result.accuracy,
        result.mark_20,
        result.faults,
        result.critical_errors,
        result.listening_ratio,
        result.passed,
    )


def candidate_view(
    results: Sequence[StoredResult],
    *,
    targets: Targets | None = None,
    top_keys: int = 8,
    min_attempts: int = 3,
) -> CandidateView:
    """The progression of one candidate's ``results`` (any order)."""
    ordered = sorted(results, key=lambda r: (r.started_at, r.id))
    errors: Counter[str] = Counter()
    tries: Counter[str] = Counter()
    classes: Counter[str] = Counter()
    for result in ordered:
        for char, missed, attempts in result.weak_keys:
            errors[char] += missed
            tries[char] += attempts
        classes.update(result.error_classes)
    weak = [
        KeyWeakness(char, errors[char], tries[char])
        for char in errors
        if tries[char] >= min_attempts and errors[char]
    ]
    weak.sort(key=lambda k: (-k.rate, -k.errors, k.char))
    last = ordered[-1] if ordered else None
    units = Counter(r.speed_unit for r in ordered if r.speed_unit)
    return CandidateView(
        name=last.candidate_name if last else "",
        candidate_id=last.candidate_id if last else None,
        exams=tuple(_point(r) for r in ordered if r.mode == "exam"),
        practice=tuple(_point(r) for r in ordered if r.mode != "exam"),
        weak_keys=tuple(weak[:top_keys]),
        error_classes=tuple(sorted(classes.items(), key=lambda kv: (-kv[1], kv[0]))),
        targets=targets or Targets(),
        speed_unit=units.most_common(1)[0][0] if units else "mots/min",
    )
