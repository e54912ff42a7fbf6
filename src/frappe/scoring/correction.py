"""Scoring the "correct the speech-recognition draft" exercise: draft, final text, reference.

Both the draft and the trainee's final text are aligned with the reference. A recognition error
(an error of the draft) is **fixed** when the final text has no error on the same reference
words, **missed** when it still has one; an error of the final text on reference words where
the draft was right is **introduced** by the trainee.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from frappe.scoring.classify import ScoringError
from frappe.scoring.profiles import ScoringProfile
from frappe.scoring.score import compare_texts
from frappe.scoring.transcription import ExerciseKeys, TranscriptionScore, score_transcription

__all__ = ["CorrectionScore", "score_correction"]


@dataclass(frozen=True, slots=True)
class CorrectionScore:
    """The three-way result of a correction exercise.

    Attributes:
        fixed: Draft errors the trainee corrected.
        missed: Draft errors still wrong in the final text.
        introduced: Errors of the final text where the draft was right.
        final: The final text scored as a transcription (dictée barème, critical errors).
    """

    fixed: tuple[ScoringError, ...]
    missed: tuple[ScoringError, ...]
    introduced: tuple[ScoringError, ...]
    final: TranscriptionScore

    @property
    def fix_rate(self) -> float:
        """Share of recognition errors fixed (1 when the draft had none)."""
        total = len(self.fixed) + len(self.missed)
        return len(self.fixed) / total if total else 1.0

    def final_errors_at(self, error: ScoringError) -> tuple[ScoringError, ...]:
        """The final text's errors on the reference words of a draft error: what a missed
        recognition error became in the trainee's text."""
        return tuple(
            e for e in self.final.comparison.errors if _touches(e.ref_words, error.ref_words)
        )

    def final_text_at(self, error: ScoringError) -> str:
        """What the final text has where a draft error was (its errors' typed text there)."""
        return " ".join(e.hyp for e in self.final_errors_at(error) if e.hyp)

    def errors_dict(self) -> dict[str, list[dict[str, object]]]:
        """The three lists for JSON: ``fixed`` and ``missed`` are draft errors (``hyp`` is the
        draft's text; a missed one adds ``final``, the final text there), ``introduced`` are
        errors of the final text."""
        missed: list[dict[str, object]] = []
        for error in self.missed:
            entry = error.to_dict()
            entry["final"] = self.final_text_at(error)
            missed.append(entry)
        return {
            "fixed": [e.to_dict() for e in self.fixed],
            "missed": missed,
            "introduced": [e.to_dict() for e in self.introduced],
        }

    def metrics_dict(self) -> dict[str, object]:
        """Flat metrics: the final text's, plus the three counts."""
        data = self.final.metrics_dict()
        data.update(
            recognition_errors=len(self.fixed) + len(self.missed),
            fixed=len(self.fixed),
            missed=len(self.missed),
            introduced=len(self.introduced),
            fix_rate=self.fix_rate,
        )
        return data


def _touches(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Do two reference word ranges concern the same place? Empty ranges (insertions) touch a
    range that contains or borders them."""
    if a[0] == a[1] or b[0] == b[1]:
        return a[0] <= b[1] and b[0] <= a[1]
    return a[0] < b[1] and b[0] < a[1]


def _any_touch(error: ScoringError, others: Sequence[ScoringError]) -> bool:
    return any(_touches(error.ref_words, other.ref_words) for other in others)


def score_correction(
    reference: str,
    draft: str,
    final: str,
    keys: ExerciseKeys,
    profile: ScoringProfile,
    *,
    duration_s: float = 0.0,
) -> CorrectionScore:
    """Compare draft and final text with the reference and sort the errors three ways."""
    draft_errors = compare_texts(reference, draft, profile.normalization).errors
    final_score = score_transcription(reference, final, keys, profile, duration_s=duration_s)
    final_errors = final_score.comparison.errors
    fixed = tuple(e for e in draft_errors if not _any_touch(e, final_errors))
    missed = tuple(e for e in draft_errors if _any_touch(e, final_errors))
    introduced = tuple(e for e in final_errors if not _any_touch(e, draft_errors))
    return CorrectionScore(fixed, missed, introduced, final_score)
