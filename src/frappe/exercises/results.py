"""Scoring a result record with the profile it carries (or another one)."""

from __future__ import annotations

from frappe.exercises.dictations import medical_lexicon
from frappe.exercises.record import ResultRecord
from frappe.scoring.correction import CorrectionScore, score_correction
from frappe.scoring.profiles import ScoringProfile
from frappe.scoring.score import TypingScore, score_typing
from frappe.scoring.transcription import ExerciseKeys, TranscriptionScore, score_transcription

__all__ = ["RecordScore", "score_record"]

RecordScore = TypingScore | TranscriptionScore | CorrectionScore


def score_record(record: ResultRecord, profile: ScoringProfile | None = None) -> RecordScore:
    """Score a record; without ``profile``, with the one stored in it (reproducible).

    A typing test is a timed copy: only the part of the reference reached is compared. A
    transcription must be complete, and is scored with its exercise's terminology and identity
    data (stored in the record) under a dictée barème. A correction is scored the same way,
    and its draft is compared too: recognition errors fixed, missed, and introduced.
    """
    profile = profile or record.settings.profile
    if record.kind in ("transcription", "correction"):
        keys = ExerciseKeys(
            record.settings.terminology, record.settings.identity, medical_lexicon()
        )
        if record.kind == "correction":
            return score_correction(
                record.reference,
                record.draft or "",
                record.typed,
                keys,
                profile,
                duration_s=record.duration_s,
            )
        return score_transcription(
            record.reference, record.typed, keys, profile, duration_s=record.duration_s
        )
    return score_typing(
        record.reference,
        record.typed,
        duration_s=record.duration_s,
        profile=profile,
        keystrokes=record.keystrokes,
        only_reached=True,
        # A crash cuts a word as the clock does; a candidate who chose to stop did not.
        cut_by_clock=record.end_reason in ("timeout", "interrupted"),
    )
