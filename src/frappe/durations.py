"""Durations as trainers write them: ``90s``, ``5m``, ``10m``, ``1m30s``, ``1h``, ``10``; and
dates, ISO or French (``parse_day``), the same in the command line and the app.

A bare number is minutes: exams, practice and deadlines are counted in minutes, and a trainer
who writes ``10`` means ten minutes, never ten seconds."""

from __future__ import annotations

import re
from datetime import date, datetime

from frappe.errors import FrappeError

__all__ = [
    "DATE_FORMATS",
    "EXAM_MAX_S",
    "EXAM_MIN_S",
    "format_duration",
    "format_position",
    "format_speed",
    "parse_day",
    "parse_duration",
    "parse_exam_duration",
]

# An admission test lasts 1 to 30 minutes, whichever way it is started (setup form, preset,
# « frappe typing »).
EXAM_MIN_S = 60.0
EXAM_MAX_S = 30 * 60.0

_PART = re.compile(r"(\d+(?:[.,]\d+)?)\s*(h|min|mn|m|s)?", re.IGNORECASE)
_SECONDS = {"h": 3600.0, "min": 60.0, "mn": 60.0, "m": 60.0, "s": 1.0}


def parse_duration(text: str) -> float:
    """Seconds in ``text``; a bare number is minutes (``10`` → 600). FrappeError when
    unreadable."""
    cleaned = text.strip().replace(" ", "")
    if not cleaned:
        raise FrappeError("durée vide")
    total = 0.0
    position = 0
    previous: str | None = None
    while position < len(cleaned):
        match = _PART.match(cleaned, position)
        if match is None or match.end() == position:
            raise FrappeError(f"durée illisible : « {text} » (exemples : 90s, 5m, 1m30s)")
        unit = match.group(2).lower() if match.group(2) else None
        if unit is None:
            if match.end() != len(cleaned):
                raise FrappeError(f"durée illisible : « {text} » (exemples : 90s, 5m, 1m30s)")
            # Alone, minutes; after hours, minutes (« 1h30 »); after minutes, seconds (« 1m30 »).
            unit = {None: "m", "h": "m", "s": ""}.get(previous, "s")
            if not unit:
                raise FrappeError(f"durée illisible : « {text} » (exemples : 90s, 5m, 1m30s)")
        total += float(match.group(1).replace(",", ".")) * _SECONDS[unit]
        previous = unit
        position = match.end()
    return total


def parse_exam_duration(text: str) -> float:
    """``parse_duration`` for an admission test: FrappeError unless 1 to 30 minutes."""
    seconds = parse_duration(text)
    if not EXAM_MIN_S <= seconds <= EXAM_MAX_S:
        raise FrappeError(f"durée de {format_duration(seconds)} : choisissez entre 1 et 30 minutes")
    return seconds


def format_duration(seconds: float) -> str:
    """``125`` → ``2 min 05 s``; under a minute ``42 s``."""
    whole = round(seconds)
    minutes, secs = divmod(whole, 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def format_position(seconds: float) -> str:
    """``m:ss`` (a position is shown truncated, unlike a countdown)."""
    whole = max(0, int(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def format_speed(speed: float) -> str:
    """``×0,75``."""
    return f"×{speed:.2f}".rstrip("0").rstrip(",.").replace(".", ",")


DATE_FORMATS = "AAAA-MM-JJ ou JJ/MM/AAAA"


def parse_day(value: str) -> date:
    """A typed date, ISO (2026-11-27) or French (27/11/2026); ValueError with a one-line French
    message otherwise."""
    text = value.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError:
        raise ValueError(f"date invalide : « {value} » ({DATE_FORMATS})") from None
