"""Helpers for the app's pilot tests: a fake clock, isolated storage, a short text."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from frappe.exercises.record import Candidate
from frappe.exercises.texts import Text
from frappe.scoring import scoring_profile
from frappe.tui.app import FrappeApp, make_app
from frappe.tui.config import AppConfig, StartExam, StartScreen
from frappe.tui.runner import StoragePaths, TestSpec


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run ``async def`` tests in a fresh event loop (no async plugin needed)."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    asyncio.run(pyfuncitem.obj(**{name: pyfuncitem.funcargs[name] for name in names}))
    return True


SHORT_TEXT = Text(
    id="essai",
    title="Essai",
    level=1,
    theme="test",
    body="La fête est prête.\n\nLe médecin arrive à midi.",
)


class FakeClock:
    """A monotonic clock moved by the test (no sleeping)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def storage(tmp_path: Path) -> StoragePaths:
    return StoragePaths(
        results_dir=tmp_path / "results",
        db_path=tmp_path / "history.sqlite3",
        journal_dir=tmp_path / "journals",
        presets_dir=tmp_path / "presets",
    )


AppFactory = Callable[..., FrappeApp]


@pytest.fixture
def app_factory(storage: StoragePaths, clock: FakeClock) -> AppFactory:
    def build(start: StartScreen = None, *, check_journals: bool = False) -> FrappeApp:
        config = AppConfig(
            storage=storage,
            clock=clock,
            tick_interval=3600.0,  # tests call check_time() themselves
            check_journals=check_journals,
        )
        return make_app(config, start)

    return build


def exam_spec(
    *,
    text: Text = SHORT_TEXT,
    duration_s: float | None = 60.0,
    backspace: bool = True,
    live_feedback: bool = False,
    mode: str = "exam",
) -> TestSpec:
    return TestSpec(
        candidate=Candidate("Martin Claire", "C-42"),
        text=text,
        duration_s=duration_s,
        backspace_allowed=backspace,
        profile=scoring_profile(),
        live_feedback=live_feedback,
        mode=mode,  # type: ignore[arg-type]
    )


def start_exam(spec: TestSpec | None = None) -> StartExam:
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


async def settle(pilot: Pilot[int]) -> None:
    """Let workers (saving) finish and the screens update."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()
