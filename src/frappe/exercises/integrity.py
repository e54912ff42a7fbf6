"""What a jury must see besides the score: pastes refused, the window left, bursts of keys at
machine speed, resumes after a crash. Pure: reads a record's events, returns French rows for
the results screen and every report format."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["NO_INCIDENT", "integrity_rows"]

NO_INCIDENT = ("Intégrité", "aucun incident")


def _count(events: list[Mapping[str, Any]], event_type: str) -> list[Mapping[str, Any]]:
    return [e for e in events if e.get("type") == event_type]


def _chars(events: Iterable[Mapping[str, Any]]) -> int:
    total = 0
    for event in events:
        chars = event.get("chars")
        if isinstance(chars, int) and not isinstance(chars, bool):
            total += chars
    return total


def _times(count: int) -> str:
    return "1 fois" if count == 1 else f"{count} fois"


def _characters(count: int) -> str:
    return "1 caractère" if count == 1 else f"{count} caractères"


def integrity_rows(events: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """(label, value) rows for each kind of integrity event in ``events``, in a fixed order;
    ``[NO_INCIDENT]`` when there is none."""
    items = [e for e in events if isinstance(e, Mapping)]
    rows: list[tuple[str, str]] = []
    pastes = _count(items, "paste_refused")
    if pastes:
        by_keys = sum(1 for e in pastes if e.get("via") == "keys")
        detail = f"{len(pastes)} ({_characters(_chars(pastes))} non insérés"
        if by_keys:
            detail += (
                f", dont {by_keys} reconnu{'s' if by_keys > 1 else ''} à la vitesse des touches"
            )
        rows.append(("Collages refusés", detail + ")"))
    focus = _count(items, "focus_lost")
    if focus:
        rows.append(("Fenêtre quittée", _times(len(focus))))
    bursts = _count(items, "burst")
    if bursts:
        rows.append(
            ("Frappes en rafale", f"{len(bursts)} ({_characters(_chars(bursts))} au total)")
        )
    resumes = _count(items, "resumed")
    if resumes:
        rows.append(("Reprises après interruption", _times(len(resumes))))
    return rows or [NO_INCIDENT]
