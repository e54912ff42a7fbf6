"""The tableaux de suivi in the app: the class view (home « s ») and a candidate's progression
(Enter on a row), with snapshots at 80×24."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static
from tui_support import TuiEnv, asynctest, settle

from frappe.exercises.record import Candidate, ResultRecord
from frappe.exercises.results import score_record
from frappe.storage.history import open_history
from frappe.storage.store import Group, RosterMember
from frappe.tui.screens.suivi import CandidateScreen, ClassScreen
from frappe.tui.widgets.history.chart import DatedProgressChart

SIZE = (80, 24)
SnapCompare = Any
TYPED = (
    "Le patient est sorti ce matin. Il va bien.",
    "Le patient est sorti ce matn. Il va",
    "Le patiant est sortie ce matin.",
    "Le patient est sorti",
)
PEOPLE = (("Martin Claire", "C-001"), ("Durand Paul", None), ("Lefèvre Hélène", "C-003"))


@pytest.fixture
def env(tmp_path: Path, make_record: Callable[..., ResultRecord]) -> TuiEnv:
    env = TuiEnv.create(tmp_path)
    with open_history(env.storage.db_path) as history:
        history.save_group(
            Group(
                "Promo A",
                speed_target=6.0,
                accuracy_target=0.9,
                members=(*(RosterMember(n, i) for n, i in PEOPLE), RosterMember("Petit Léo")),
            )
        )
        for week in range(4):
            for index, (name, candidate_id) in enumerate(PEOPLE):
                record = make_record(
                    typed=TYPED[(index + week) % len(TYPED)], duration_s=40.0 + 5 * week
                )
                started = datetime(2026, 10, 5 + 7 * week, 9, index, tzinfo=UTC)
                record = replace(
                    record,
                    candidate=Candidate(name, candidate_id),
                    started_at=started,
                    ended_at=started + timedelta(seconds=record.duration_s),
                )
                score = score_record(record)
                metrics = score.metrics_dict()
                metrics["errors"] = [e.to_dict() for e in score.comparison.errors]
                mode = "practice" if week == 1 else "exam"
                path = tmp_path / "r" / f"{week}-{index}.json"
                history.add(record, metrics, path, mode=mode)
    return env


def test_class_view_snapshot(snap_compare: SnapCompare, env: TuiEnv) -> None:
    async def open_view(pilot: Pilot[None]) -> None:
        await pilot.press("s")
        await settle(pilot)

    assert snap_compare(env.app(), terminal_size=SIZE, run_before=open_view)


def test_candidate_view_snapshot(snap_compare: SnapCompare, env: TuiEnv) -> None:
    async def open_view(pilot: Pilot[None]) -> None:
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("enter")  # the first row: Martin Claire
        await settle(pilot)

    assert snap_compare(env.app(), terminal_size=SIZE, run_before=open_view)


@asynctest
async def test_class_view_navigation_and_modes(env: TuiEnv) -> None:
    app = env.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ClassScreen)
        table = screen.query_one(DataTable)
        assert table.row_count == 4  # the roster, the absent member included
        assert screen.view is not None and len(screen.view.present) == 3
        summary = str(screen.query_one("#suivi-summary", Static).render())
        assert "Présents 3/4" in summary and "à rapprocher" not in summary
        await pilot.press("m")
        assert screen.view.mode == "practice" and len(screen.view.present) == 3
        await pilot.press("m")
        await pilot.press("enter")
        await settle(pilot)
        candidate = app.screen
        assert isinstance(candidate, CandidateScreen)
        assert candidate.data is not None and len(candidate.data.view.exams) == 3
        chart = candidate.query_one(DatedProgressChart)
        assert chart.points_shown == 3
        await pilot.press("m")
        assert chart.points_shown == 1
        await pilot.press("a")
        await settle(pilot)
        (attestation,) = (env.storage.results_dir.parent / "exports").glob("attestation-*.pdf")
        assert attestation.read_bytes().startswith(b"%PDF")
        await pilot.press("escape")
        assert isinstance(app.screen, ClassScreen)


@asynctest
async def test_class_view_tells_of_names_to_merge(
    env: TuiEnv, make_record: Callable[..., ResultRecord], tmp_path: Path
) -> None:
    record = replace(make_record(), candidate=Candidate("PETIT Léo", None))
    with open_history(env.storage.db_path) as history:
        history.add(record, score_record(record).metrics_dict(), tmp_path / "leo.json")
    app = env.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await settle(pilot)
        summary = str(app.screen.query_one("#suivi-summary", Static).render())
        assert "1 nom(s) à rapprocher" in summary


@asynctest
async def test_class_view_exports(env: TuiEnv) -> None:
    app = env.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await settle(pilot)
        for key in ("x", "c", "v"):
            await pilot.press(key)
            await settle(pilot)
    written = sorted(p.suffix for p in (env.storage.results_dir.parent / "exports").iterdir())
    assert written == [".csv", ".pdf", ".xlsx"]
