"""Helpers for the room tests: a séance config and journal lines typed like a seat types."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from frappe.exercises.record import Candidate, RecordSettings, format_timestamp
from frappe.exercises.session import SessionConfig
from frappe.scoring import scoring_profile

REFERENCE = "Le patient est sorti ce matin. Il va bien."


def typing_config(duration_s: float = 600.0, reference: str = REFERENCE) -> SessionConfig:
    """A copy test of ``reference``."""
    return SessionConfig(
        candidate=Candidate("", None),
        exercise_id="t00-room",
        exercise_title="Séance de test",
        reference=reference,
        settings=RecordSettings(
            time_limit_s=duration_s, backspace_allowed=True, profile=scoring_profile("frappe")
        ),
    )


def typed_lines(text: str, *, step_ms: int = 200, start: int = 0) -> list[str]:
    """Journal lines (as JournalWriter writes them) for typing ``text``, then the end."""
    lines = [
        json.dumps(
            {"start": format_timestamp(datetime(2026, 11, 29, 9, 0, tzinfo=UTC)), "t": 0},
            separators=(",", ":"),
        )
    ]
    for i, char in enumerate(text):
        stroke = [(start + i + 1) * step_ms, char, "insert", start + i, char]
        lines.append(json.dumps({"k": stroke}, ensure_ascii=False, separators=(",", ":")))
    return lines
