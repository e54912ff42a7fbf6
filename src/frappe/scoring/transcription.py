"""Scoring a transcription (CP9): dictée barème, terminology, identitovigilance, fidelity.

Errors come from the shared alignment and taxonomy. On top of them, an error is marked
*terminology* when it touches a term of the exercise's list or of the medical lexicon, and
*critical* when it touches identity data (names, birth dates, identifiers), a number, a date, a
dose or a unit: in a hospital a wrong name or dose is a patient-safety error, so a result with a
critical error cannot be "validé".
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from frappe.scoring.classify import ScoringError
from frappe.scoring.normalize import strip_punctuation
from frappe.scoring.profiles import ScoringProfile, normalization_profile
from frappe.scoring.score import TextComparison, compare_texts, count_faults

__all__ = [
    "ExerciseKeys",
    "FlaggedError",
    "KeyItem",
    "TranscriptionScore",
    "find_spans",
    "score_transcription",
]

_DIGIT = re.compile(r"\d")
_TOKEN = re.compile(r"\S+")
_UNITS = frozenset(
    (
        "mg g kg µg mcg ug ml mL l L dl cl ui UI u U mmHg mmhg cm mm m % °C °c mmol µmol mol "
        "meq mEq h min j/j /j gouttes cp comprimé comprimés gélule gélules sachet sachets"
    ).split()
)
# Below this mark a transcription is not "validé" even without a critical error.
_VALIDATION_MIN_MARK = 10.0


@dataclass(frozen=True, slots=True)
class ExerciseKeys:
    """What an exercise says must be exact.

    Attributes:
        terminology: Medical terms of this exercise, as written in the reference.
        identity: Identity data and doses (names, dates, identifiers, phone numbers, doses).
        lexicon: Lower-case single words of the bundled French medical lexicon.
    """

    terminology: tuple[str, ...] = ()
    identity: tuple[str, ...] = ()
    lexicon: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class FlaggedError:
    """An error with what it touches.

    Attributes:
        error: The classified error.
        terminology: It touches a medical term.
        critical: It touches identity data, a number, a date, a dose or a unit.
        reason: Why it is critical (``identité``, ``nombre``, ``unité``), else ``None``.
    """

    error: ScoringError
    terminology: bool
    critical: bool
    reason: str | None

    def to_dict(self) -> dict[str, object]:
        """JSON form: the error's fields plus the flags."""
        data = self.error.to_dict()
        data.update(terminology=self.terminology, critical=self.critical, reason=self.reason)
        return data


@dataclass(frozen=True, slots=True)
class KeyItem:
    """One identity item (name, date, identifier, number, dose, unit) or medical term of the
    reference that is wrong or missing in the typed text: critical and terminology errors are
    counted per item, not per error (an omitted block holding four doses is four).

    Attributes:
        text: The item as written in the reference (as typed, for a number that was added).
        reason: ``identité``, ``dose`` (a number and its unit), ``nombre``, ``unité`` or
            ``terminologie``.
        ref_span: Its ``[start, end)`` in the reference (empty for an added number).
    """

    text: str
    reason: str
    ref_span: tuple[int, int]

    def label(self) -> str:
        """« 12 mg (nombre) »: how the lists show it."""
        return f"{self.text} ({self.reason})"


@dataclass(frozen=True, slots=True)
class TranscriptionScore:
    """A transcription scored under a dictée barème.

    Attributes:
        profile: The barème used.
        comparison: Errors and measures under the barème's normalisation.
        fidelity: WER/CER under the ``wer`` normalisation (faithfulness to the recording).
        errors: Flagged errors, critical ones first, then in reference order.
        faults: Faults under the barème.
        terminology_items: Medical terms of the reference typed wrong or missing, each once.
        critical_items: Identity items, numbers, dates, doses and units of the reference typed
            wrong or missing (and numbers added), each once.
        mark_20: max(0, base − per_fault × faults) (or the barème's formula).
        validated: No critical error and a mark of at least 10/20.
        duration_s: Time taken.
    """

    profile: ScoringProfile
    comparison: TextComparison
    fidelity: TextComparison
    errors: tuple[FlaggedError, ...]
    faults: float
    terminology_items: tuple[KeyItem, ...]
    critical_items: tuple[KeyItem, ...]
    mark_20: float
    validated: bool
    duration_s: float

    @property
    def terminology_errors(self) -> int:
        """Medical terms typed wrong or missing."""
        return len(self.terminology_items)

    @property
    def critical_errors(self) -> int:
        """Identity items, numbers, doses and units typed wrong or missing."""
        return len(self.critical_items)

    def metrics_dict(self) -> dict[str, object]:
        """Flat metrics for JSON/CSV output."""
        return {
            **self.fidelity.measures_dict(),
            "faults": self.faults,
            "accuracy": self.comparison.accuracy,
            "terminology_errors": self.terminology_errors,
            "critical_errors": self.critical_errors,
            "terminology_items": [item.label() for item in self.terminology_items],
            "critical_items": [item.label() for item in self.critical_items],
            "mark_20": self.mark_20,
            "validated": self.validated,
            "passed": self.validated,
            "duration_s": self.duration_s,
            "profile": self.profile.name,
        }


def find_spans(text: str, needles: Iterable[str]) -> list[tuple[int, int]]:
    """Every ``[start, end)`` where one of ``needles`` occurs in ``text`` (case-insensitive)."""
    lowered = text.lower()
    spans: list[tuple[int, int]] = []
    for needle in needles:
        key = needle.lower().strip()
        if not key:
            continue
        start = lowered.find(key)
        while start != -1:
            spans.append((start, start + len(key)))
            start = lowered.find(key, start + 1)
    return sorted(spans)


def _is_unit_or_number(text: str) -> str | None:
    if _DIGIT.search(text):
        return "nombre"
    for word in text.split():
        if strip_punctuation(word) in _UNITS:
            return "unité"
    return None


class _Spans:
    """Sorted spans, to ask whether one contains a given span in O(log n) (a long reference
    has thousands of words and an exercise tens of identity values)."""

    def __init__(self, items: Sequence[KeyItem]) -> None:
        self.spans = sorted(item.ref_span for item in items)
        self.starts = [a for a, _b in self.spans]
        self.longest = max((b - a for a, b in self.spans), default=0)

    def cover(self, span: tuple[int, int]) -> bool:
        index = bisect_right(self.starts, span[0]) - 1
        while index >= 0 and self.starts[index] >= span[0] - self.longest:
            if span[1] <= self.spans[index][1]:
                return True
            index -= 1
        return False


def _reference_items(reference: str, keys: ExerciseKeys) -> list[KeyItem]:
    """The items of the reference that must be exact, in reference order: identity data
    (the exercise's list), numbers and units outside them, and medical terms (the exercise's
    list, and the words of the lexicon)."""
    identity = [
        KeyItem(reference[a:b], "identité", (a, b)) for a, b in find_spans(reference, keys.identity)
    ]
    items = list(identity)
    terms = [
        KeyItem(reference[a:b], "terminologie", (a, b))
        for a, b in find_spans(reference, keys.terminology)
    ]
    identity_spans = _Spans(identity)
    term_spans = _Spans(terms)
    tokens = list(_TOKEN.finditer(reference))
    index = 0
    while index < len(tokens):
        match = tokens[index]
        index += 1
        word = match.group()
        bare = strip_punctuation(word)
        if not bare:
            continue
        start = match.start() + word.index(bare[0])
        span = (start, start + len(bare))
        if identity_spans.cover(span):
            continue
        reason = _is_unit_or_number(bare)
        if reason == "nombre" and index < len(tokens) and word == bare:
            # A number and its unit are one dose: « 5 mg », « 1 comprimé ».
            unit = tokens[index]
            unit_bare = strip_punctuation(unit.group())
            if unit_bare and _is_unit_or_number(unit_bare) == "unité":
                end = unit.start() + unit.group().index(unit_bare[0]) + len(unit_bare)
                items.append(KeyItem(reference[start:end], "dose", (start, end)))
                index += 1
                continue
        if reason is not None:
            items.append(KeyItem(bare, reason, span))
        elif len(word) > 3 and bare.lower() in keys.lexicon and not term_spans.cover(span):
            terms.append(KeyItem(bare, "terminologie", span))
    items.extend(terms)
    items.sort(key=lambda item: item.ref_span)
    return items


def _touched(
    error: ScoringError, items: Sequence[KeyItem], starts: Sequence[int], longest: int
) -> list[KeyItem]:
    """The items an error's reference span touches (an insertion: falls strictly inside)."""
    start, end = error.ref_span
    touched = []
    # Only items starting at most ``longest`` characters before the error can reach into it.
    index = bisect_left(starts, start - longest)
    while index < len(items) and items[index].ref_span[0] < max(end, start + 1):
        a, b = items[index].ref_span
        inside = a < start < b if start == end else a < end and start < b
        if inside:
            touched.append(items[index])
        index += 1
    return touched


def _punctuation_only(error: ScoringError) -> bool:
    """A mark missing, added or changed next to a word that is itself right (« déglutition. »
    for « déglutition »): it never makes that word a terminology or identity error. A hyphen
    or an apostrophe inside the word still does."""
    return error.error_class == "punctuation" and error.detail is None


def score_transcription(
    reference: str,
    typed: str,
    keys: ExerciseKeys,
    profile: ScoringProfile,
    *,
    duration_s: float = 0.0,
) -> TranscriptionScore:
    """Score a complete transcription against its reference."""
    comparison = compare_texts(reference, typed, profile.normalization)
    fidelity = compare_texts(reference, typed, normalization_profile("wer"))
    items = _reference_items(reference, keys)
    starts = [item.ref_span[0] for item in items]
    longest = max((b - a for a, b in (item.ref_span for item in items)), default=0)
    flagged: list[FlaggedError] = []
    critical: dict[tuple[int, int] | ScoringError, KeyItem] = {}
    terminology: dict[tuple[int, int], KeyItem] = {}
    for error in comparison.errors:
        touched = [] if _punctuation_only(error) else _touched(error, items, starts, longest)
        terms = [item for item in touched if item.reason == "terminologie"]
        keyed = [item for item in touched if item.reason != "terminologie"]
        for item in terms:
            terminology.setdefault(item.ref_span, item)
        for item in keyed:
            critical.setdefault(item.ref_span, item)
        reason = keyed[0].reason if keyed else None
        if reason is None and not _punctuation_only(error) and error.hyp.strip():
            # A number or unit typed where the reference has none (an added dose).
            reason = _is_unit_or_number(error.hyp)
            if reason is not None:
                critical[error] = KeyItem(error.hyp.strip(), reason, error.ref_span)
        flagged.append(FlaggedError(error, bool(terms), reason is not None, reason))
    flagged.sort(key=lambda f: (not f.critical, f.error.ref_span[0]))
    faults = count_faults(comparison.errors, profile)
    rule = profile.mark
    if rule.formula == "faults":
        mark = rule.base - rule.per_fault * faults
    else:
        rate = faults / comparison.words.ref_words if comparison.words.ref_words else 0.0
        mark = rule.base - rule.slope * rate * 100.0
    mark = round(min(20.0, max(0.0, mark)), 2)
    critical_items = tuple(sorted(critical.values(), key=lambda item: item.ref_span))
    return TranscriptionScore(
        profile=profile,
        comparison=comparison,
        fidelity=fidelity,
        errors=tuple(flagged),
        faults=faults,
        terminology_items=tuple(sorted(terminology.values(), key=lambda item: item.ref_span)),
        critical_items=critical_items,
        mark_20=mark,
        validated=not critical_items and mark >= _VALIDATION_MIN_MARK,
        duration_s=duration_s,
    )
