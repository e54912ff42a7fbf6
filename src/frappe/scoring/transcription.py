"""Scoring a transcription (CP9): dictée barème, terminology, identitovigilance, fidelity.

Errors come from the shared alignment and taxonomy. On top of them, an error is marked
*terminology* when it touches a term of the exercise's list or of the medical lexicon, and
*critical* when it touches identity data (names, birth dates, identifiers), a number, a date, a
dose or a unit: in a hospital a wrong name or dose is a patient-safety error, so a result with a
critical error cannot be "validé".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from frappe.scoring.classify import ScoringError
from frappe.scoring.normalize import strip_punctuation
from frappe.scoring.profiles import ScoringProfile, normalization_profile
from frappe.scoring.score import TextComparison, compare_texts, count_faults

__all__ = [
    "ExerciseKeys",
    "FlaggedError",
    "TranscriptionScore",
    "find_spans",
    "score_transcription",
]

_DIGIT = re.compile(r"\d")
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
class TranscriptionScore:
    """A transcription scored under a dictée barème.

    Attributes:
        profile: The barème used.
        comparison: Errors and measures under the barème's normalisation.
        fidelity: WER/CER under the ``wer`` normalisation (faithfulness to the recording).
        errors: Flagged errors, critical ones first, then in reference order.
        faults: Faults under the barème.
        terminology_errors: Errors touching a medical term.
        critical_errors: Errors touching identity data, numbers, dates, doses or units.
        mark_20: max(0, base − per_fault × faults) (or the barème's formula).
        validated: No critical error and a mark of at least 10/20.
        duration_s: Time taken.
    """

    profile: ScoringProfile
    comparison: TextComparison
    fidelity: TextComparison
    errors: tuple[FlaggedError, ...]
    faults: float
    terminology_errors: int
    critical_errors: int
    mark_20: float
    validated: bool
    duration_s: float

    def metrics_dict(self) -> dict[str, object]:
        """Flat metrics for JSON/CSV output."""
        return {
            **self.fidelity.measures_dict(),
            "faults": self.faults,
            "accuracy": self.comparison.accuracy,
            "terminology_errors": self.terminology_errors,
            "critical_errors": self.critical_errors,
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


def _overlaps(span: tuple[int, int], spans: Sequence[tuple[int, int]]) -> bool:
    start, end = span
    if start == end:  # an insertion: does it fall inside a protected span?
        return any(a < start < b for a, b in spans)
    return any(a < end and start < b for a, b in spans)


def _is_unit_or_number(text: str) -> str | None:
    if _DIGIT.search(text):
        return "nombre"
    for word in text.split():
        if strip_punctuation(word) in _UNITS:
            return "unité"
    return None


def _in_lexicon(text: str, lexicon: frozenset[str]) -> bool:
    return any(strip_punctuation(w).lower() in lexicon for w in text.split() if len(w) > 3)


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
    identity_spans = find_spans(reference, keys.identity)
    term_spans = find_spans(reference, keys.terminology)
    flagged: list[FlaggedError] = []
    for error in comparison.errors:
        reason: str | None = None
        if _overlaps(error.ref_span, identity_spans):
            reason = "identité"
        else:
            reason = _is_unit_or_number(error.ref) or _is_unit_or_number(error.hyp)
        terminology = _overlaps(error.ref_span, term_spans) or _in_lexicon(error.ref, keys.lexicon)
        flagged.append(FlaggedError(error, terminology, reason is not None, reason))
    flagged.sort(key=lambda f: (not f.critical, f.error.ref_span[0]))
    faults = count_faults(comparison.errors, profile)
    rule = profile.mark
    if rule.formula == "faults":
        mark = rule.base - rule.per_fault * faults
    else:
        rate = faults / comparison.words.ref_words if comparison.words.ref_words else 0.0
        mark = rule.base - rule.slope * rate * 100.0
    mark = round(min(20.0, max(0.0, mark)), 2)
    critical = sum(1 for f in flagged if f.critical)
    return TranscriptionScore(
        profile=profile,
        comparison=comparison,
        fidelity=fidelity,
        errors=tuple(flagged),
        faults=faults,
        terminology_errors=sum(1 for f in flagged if f.terminology),
        critical_errors=critical,
        mark_20=mark,
        validated=critical == 0 and mark >= _VALIDATION_MIN_MARK,
        duration_s=duration_s,
    )
