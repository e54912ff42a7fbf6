"""French formats shared by the tableaux de suivi: decimal comma, dates, modes, verdicts."""

from __future__ import annotations

from datetime import datetime

from frappe.exercises.record import Mode

__all__ = [
    "KIND_LABELS",
    "MODE_LABELS",
    "fr_date",
    "fr_datetime",
    "fr_number",
    "fr_percent",
    "verdict",
]

MODE_LABELS: dict[Mode, str] = {"exam": "examen", "practice": "entraînement"}
KIND_LABELS = {"typing": "frappe", "transcription": "dictée", "correction": "correction"}


def fr_number(value: float | None, digits: int = 1, *, empty: str = "—") -> str:
    """``12,5`` (decimal comma, no thousands separator); ``empty`` for None."""
    if value is None:
        return empty
    return f"{value:.{digits}f}".replace(".", ",")


def fr_percent(value: float | None, digits: int = 1, *, empty: str = "—") -> str:
    """A 0–1 ratio as ``97,5 %``."""
    if value is None:
        return empty
    return f"{fr_number(100.0 * value, digits)} %"


def fr_date(moment: datetime) -> str:
    """Local day, ``23/11/2026``."""
    return moment.astimezone().strftime("%d/%m/%Y")


def fr_datetime(moment: datetime) -> str:
    """Local day and time, ``23/11/2026 09:00``."""
    return moment.astimezone().strftime("%d/%m/%Y %H:%M")


def verdict(passed: bool | None, kind: str = "typing") -> str:
    """« réussi »/« échoué » (typing) or « validé »/« non validé » (dictations); — unknown."""
    if passed is None:
        return "—"
    if kind == "typing":
        return "réussi" if passed else "échoué"
    return "validé" if passed else "non validé"
