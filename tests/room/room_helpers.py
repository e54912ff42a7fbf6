"""Helpers for the room tests: a séance config, journal lines typed like a seat types, and
driving a seat's app (its home menu, waiting for a screen)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from textual.pilot import Pilot
from textual.widgets import OptionList

from frappe.exercises.record import Candidate, RecordSettings, format_timestamp
from frappe.exercises.session import SessionConfig
from frappe.scoring import scoring_profile
from frappe.storage.room import client

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


async def wait_until(pilot: Pilot[Any], predicate: Callable[[], bool], timeout: float = 10) -> None:
    """Let the app run until ``predicate`` holds (the test fails after ``timeout`` seconds),
    then until the messages that change queued have been handled: a screen pushed from a
    worker's thread is composed, a widget just hidden is laid out, before the test looks."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "délai dépassé"
        await pilot.pause(0.05)
    await pilot.pause()


def menu_ids(app: Any) -> list[str]:
    """The ids of the home menu's entries (``seance:…``, ``resume:…``…)."""
    menu = app.screen_stack[0].query_one("#home-menu", OptionList)
    return [menu.get_option_at_index(i).id or "" for i in range(menu.option_count)]


async def choose_home_entry(pilot: Pilot[Any], entry_id: str) -> str:
    """Wait for the home menu to offer ``entry_id`` (the room's database may hold other tests'
    séances), choose it; its label."""
    app = pilot.app
    await wait_until(pilot, lambda: entry_id in menu_ids(app))
    menu = app.screen.query_one("#home-menu", OptionList)
    index = menu_ids(app).index(entry_id)
    label = str(menu.get_option_at_index(index).prompt)
    menu.highlighted = index
    await pilot.press("enter")
    return label


def attempts(trainer_url: str, seance_id: str) -> list[client.AttemptStatus]:
    """The séance's attempts, as the trainer sees them."""
    with client.connect(trainer_url) as trainer:
        return client.list_attempts(trainer, seance_id)
