"""Scoring a result record with the profile it carries (or another one)."""

from __future__ import annotations

from frappe.exercises.record import ResultRecord
from frappe.scoring.profiles import ScoringProfile
from frappe.scoring.score import TypingScore, score_typing

__all__ = ["score_record"]


def score_record(record: ResultRecord, profile: ScoringProfile | None = None) -> TypingScore:
    """Score a record; without ``profile``, with the one stored in it (reproducible).

    A typing test is a timed copy: only the part of the reference reached is compared. A
    transcription must be complete: what is missing at the end counts as omitted.
    """
    return score_typing(
        record.reference,
        record.typed,
        duration_s=record.duration_s,
        profile=profile or record.settings.profile,
        keystrokes=record.keystrokes,
        only_reached=record.kind == "typing",
    )
