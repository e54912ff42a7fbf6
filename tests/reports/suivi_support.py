"""Stored results built by hand for the tableaux de suivi tests and benchmarks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from frappe.exercises.record import Mode
from frappe.storage.store import StoredResult

_counter = iter(range(1, 10**9))


def stored(
    name: str,
    *,
    candidate_id: str | None = None,
    day: int = 23,
    hour: int = 9,
    mode: Mode = "exam",
    exercise: str = "t01-test",
    speed: float | None = 30.0,
    mark: float | None = 12.0,
    error_rate: float | None = 0.02,
    faults: float | None = 2.0,
    accuracy: float | None = 0.98,
    passed: bool | None = True,
    kind: str = "typing",
    month: int = 11,
    **extra: Any,
) -> StoredResult:
    """A result as a store would return it (row ids increase with each call)."""
    started = datetime(2026, month, day, hour, 0, tzinfo=UTC)
    return StoredResult(
        id=next(_counter),
        candidate_name=name,
        candidate_id=candidate_id,
        exercise_id=exercise,
        exercise_title=exercise,
        kind=kind,
        mode=mode,
        started_at=started,
        ended_at=started + timedelta(minutes=10),
        duration_s=600.0,
        end_reason="timeout",
        profile="frappe",
        speed=speed,
        speed_unit="mots/min",
        faults=faults,
        accuracy=accuracy,
        keystroke_accuracy=None,
        error_rate=error_rate,
        mark_20=mark,
        passed=passed,
        gross_wpm=None,
        net_wpm=None,
        characters=None,
        result_path=f"/r/{name}-{day}-{hour}-{mode}.json",
        **extra,
    )
