"""Snapshots of the main screens at 80×24 (pytest-textual-snapshot). Inspect the SVG report
before accepting a change with ``--snapshot-update``."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from test_dictation_screen import Players
from test_trainer import exercise
from textual.pilot import Pilot
from textual.widgets import TabbedContent
from tui_support import TuiEnv, exam_spec, settle, start_exam

from frappe.exercises.record import Candidate, RecordSettings, ResultRecord
from frappe.runs.dictation import SavedTranscription, save_transcription
from frappe.runs.typing import SavedResult, typing_score
from frappe.scoring import Keystroke, scoring_profile
from frappe.tui.config import DictationOptions
from frappe.tui.screens.dictation_results import DictationResultsScreen
from frappe.tui.screens.draft_review import DraftReviewScreen
from frappe.tui.screens.results import ResultsScreen
from support.correction import finished_record

SIZE = (80, 24)
SnapCompare = Any


@pytest.fixture
def env(tmp_path: Path) -> TuiEnv:
    return TuiEnv.create(tmp_path)


def saved_result() -> SavedResult:
    reference = (
        "Madame,\n\nVotre médecin traitant nous a demandé de vous recevoir pour une "
        "consultation. Nous vous donnons rendez-vous lundi matin."
    )
    typed = (
        "Madame,\n\nVotre medecin traitant nous a demandé de vous recevoir pour une "
        "consultaiton. Nous donnons rendez vous Lundi matin."
    )
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    record = ResultRecord(
        kind="typing",
        candidate=Candidate("Martin Claire", "C-42"),
        exercise_id="t01-convocation-consultation",
        exercise_title="Convocation à une consultation",
        reference=reference,
        typed=typed,
        started_at=start,
        ended_at=start + timedelta(seconds=60),
        duration_s=60.0,
        end_reason="timeout",
        settings=RecordSettings(60.0, False, scoring_profile(), live_feedback=False),
        keystrokes=tuple(Keystroke(i * 300, c, "insert", i, c) for i, c in enumerate(typed)),
    )
    return SavedResult(
        record, typing_score(record), Path("/srv/frappe/resultats/20260105-martin-claire.json")
    )


def test_home_screen(snap_compare: SnapCompare, env: TuiEnv) -> None:
    assert snap_compare(env.app(), terminal_size=SIZE)


def test_exam_setup_screen(snap_compare: SnapCompare, env: TuiEnv) -> None:
    assert snap_compare(env.app(), terminal_size=SIZE, press=["a"])


def test_typing_screen_mid_exam(snap_compare: SnapCompare, env: TuiEnv) -> None:
    async def type_some(pilot: Pilot[int]) -> None:
        for char in "La fete est pr^ete.":
            env.clock.advance(0.25)
            await pilot.press(char)
        pilot.app.screen.check_time()  # type: ignore[attr-defined]
        await pilot.pause()

    app = env.app(start_exam(exam_spec(duration_s=600.0)))
    assert snap_compare(app, terminal_size=SIZE, run_before=type_some)


def test_typing_screen_with_live_feedback(snap_compare: SnapCompare, env: TuiEnv) -> None:
    async def type_some(pilot: Pilot[int]) -> None:
        for char in "La fxte est":
            env.clock.advance(0.25)
            await pilot.press(char)
        await pilot.press("enter")
        pilot.app.screen.check_time()  # type: ignore[attr-defined]
        await pilot.pause()

    app = env.app(start_exam(exam_spec(live_feedback=True, mode="practice")))
    assert snap_compare(app, terminal_size=SIZE, run_before=type_some)


def _show_results(tab: str) -> Any:
    async def run_before(pilot: Pilot[int]) -> None:
        app = pilot.app
        await app.push_screen(ResultsScreen(saved_result(), app.config))  # type: ignore[attr-defined]
        await pilot.pause()
        app.screen.query_one("#results-tabs").active = tab  # type: ignore[attr-defined]
        await pilot.pause()

    return run_before


def test_results_metrics(snap_compare: SnapCompare, env: TuiEnv) -> None:
    assert snap_compare(env.app(), terminal_size=SIZE, run_before=_show_results("tab-metrics"))


def test_results_typed_text(snap_compare: SnapCompare, env: TuiEnv) -> None:
    assert snap_compare(env.app(), terminal_size=SIZE, run_before=_show_results("tab-typed"))


def test_results_errors(snap_compare: SnapCompare, env: TuiEnv) -> None:
    assert snap_compare(env.app(), terminal_size=SIZE, run_before=_show_results("tab-errors"))


def saved_correction(folder: Path) -> SavedTranscription:
    """A correction (one recognition error fixed, one introduced), shown at a fixed path."""
    saved = save_transcription(finished_record(), results_dir=folder, db_path=folder / "h.db")
    return dataclasses.replace(saved, path=Path("/srv/frappe/resultats/correction.json"))


def _show_correction(tab: str, folder: Path) -> Any:
    async def run_before(pilot: Pilot[int]) -> None:
        app = pilot.app
        screen = DictationResultsScreen(saved_correction(folder), app.config)  # type: ignore[attr-defined]
        await app.push_screen(screen)
        await pilot.pause()
        screen.query_one("#dictation-results-tabs", TabbedContent).active = tab
        await pilot.pause()

    return run_before


def test_correction_results_metrics(snap_compare: SnapCompare, env: TuiEnv, tmp_path: Path) -> None:
    shown = _show_correction("tab-metrics", tmp_path)
    assert snap_compare(env.app(), terminal_size=(100, 40), run_before=shown)


def test_correction_results_document(
    snap_compare: SnapCompare, env: TuiEnv, tmp_path: Path
) -> None:
    shown = _show_correction("tab-document", tmp_path)
    assert snap_compare(env.app(), terminal_size=SIZE, run_before=shown)


def test_draft_review_screen(snap_compare: SnapCompare, env: TuiEnv) -> None:
    async def run_before(pilot: Pilot[int]) -> None:
        players = Players(duration_s=19.8)
        created = exercise()
        await pilot.app.push_screen(
            DraftReviewScreen(created, DictationOptions(player_factory=players))
        )
        await settle(pilot)

    assert snap_compare(env.app(), terminal_size=SIZE, run_before=run_before)
