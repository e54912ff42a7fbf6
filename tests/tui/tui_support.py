"""Helpers for the app's pilot tests: a fake clock, isolated storage, a short text, and a
decorator running ``async def`` tests (no async pytest plugin needed).

Not a conftest: ``tests/conftest.py`` is imported by name elsewhere, and a second module named
``conftest`` would shadow it.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec

from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from frappe.exercises.record import Candidate, Mode
from frappe.exercises.texts import Text
from frappe.runs.common import StoragePaths
from frappe.runs.typing import TypingSpec
from frappe.scoring import scoring_profile
from frappe.tui.app import FrappeApp, make_app
from frappe.tui.config import AppConfig, StartExam, StartScreen
from support.fakes import FakeClock

P = ParamSpec("P")


def asynctest(test: Callable[P, Coroutine[Any, Any, None]]) -> Callable[P, None]:
    """Run an ``async def`` test in a fresh event loop; fixtures are resolved as usual."""

    @functools.wraps(test)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


SHORT_TEXT = Text(
    id="essai",
    title="Essai",
    level=1,
    theme="test",
    body="La fête est prête.\n\nLe médecin arrive à midi.",
)


@dataclass
class TuiEnv:
    """A fake clock, private folders, and a factory of apps using them."""

    clock: FakeClock
    storage: StoragePaths

    @classmethod
    def create(cls, folder: Path) -> TuiEnv:
        return cls(
            FakeClock(1000.0),
            StoragePaths(
                results_dir=folder / "results",
                db_path=folder / "history.sqlite3",
                journal_dir=folder / "journals",
                presets_dir=folder / "presets",
            ),
        )

    def app(self, start: StartScreen = None, *, check_journals: bool = False) -> FrappeApp:
        config = AppConfig(
            storage=self.storage,
            clock=self.clock,
            tick_interval=3600.0,  # tests call check_time() themselves
            check_journals=check_journals,
        )
        return make_app(config, start)


def exam_spec(
    *,
    text: Text = SHORT_TEXT,
    duration_s: float | None = 60.0,
    backspace: bool = True,
    live_feedback: bool = False,
    mode: Mode = "exam",
) -> TypingSpec:
    return TypingSpec(
        candidate=Candidate("Martin Claire", "C-42"),
        text=text,
        duration_s=duration_s,
        backspace_allowed=backspace,
        profile=scoring_profile(),
        live_feedback=live_feedback,
        mode=mode,  # type: ignore[arg-type]
    )


def start_exam(spec: TypingSpec | None = None) -> StartExam:
    return StartExam(spec or exam_spec(), skip_instructions=True)


async def type_keys(pilot: Pilot[int], clock: FakeClock, text: str, step: float = 0.2) -> None:
    """Type ``text`` through the pilot, moving the fake clock between keys."""
    for char in text:
        clock.advance(step)
        if char == "\n":
            await pilot.press("enter")
        elif char == "\b":
            await pilot.press("backspace")
        else:
            await pilot.press(char)


async def click(pilot: Pilot[Any], selector: str) -> None:
    """Click the widget ``selector`` once its place on the screen has settled, and check the
    click landed on it. The pilot aims at where the widget was last laid out: a screen that
    has just changed (the séance's rules replacing the identification form moved
    « Continuer » from row 26 to row 15) may not have been laid out again yet, and a click
    aimed at the old place lands on nothing (a seat test once timed out that way)."""
    widget = pilot.app.screen.query_one(selector)
    deadline = time.monotonic() + 10
    settled = 0
    while settled < 2:  # the same non-empty place across two pauses that let the layout run
        assert time.monotonic() < deadline, f"{selector} ne trouve pas sa place à l'écran"
        before = widget.region
        await pilot.pause(0.02)
        settled = settled + 1 if before and widget.region == before else 0
    assert await pilot.click(selector), f"le clic n'a pas atteint {selector}"


async def settle(pilot: Pilot[int]) -> None:
    """Let workers (saving) finish and the screens update; cursors stop blinking, so a
    snapshot never depends on where the blink cycle stood (a loaded machine caught it off)."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    for editor in pilot.app.screen.query(TextArea):
        editor.cursor_blink = False
        # TextArea caches its rendered lines under a key that leaves out the cursor when it
        # does not blink (Textual 8): a line drawn in the blink's hidden half would be reused
        # without the cursor, focus or not. Drop that cache so the cursor is drawn again.
        editor.notify_style_update()
        editor.refresh()
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()
    await pilot.pause()
