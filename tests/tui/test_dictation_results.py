"""The results screen of a dictation: "play this passage" when the exercise has word timings
(and not without), the error list with critical errors first."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from test_dictation_screen import Players, make_app
from textual.widgets import DataTable, Static
from tui_support import TuiEnv, asynctest, settle

from frappe.exercises.dictations import find_dictation, load_dictation
from frappe.exercises.record import Candidate
from frappe.runs.dictation import DictationSpec, start_dictation
from frappe.tui.app import FrappeApp
from frappe.tui.screens.dictation_results import DictationResultsScreen


def corpus_copy(tmp_path: Path, *, timings: bool) -> Path:
    folder = tmp_path / "d08"
    shutil.copytree(find_dictation("d08").folder, folder)
    (folder / "timings.json").unlink(missing_ok=True)  # the bundled one, from the real model
    if timings:  # what speech recognition writes: the words said, every 0.5 s
        words = load_dictation(folder).reference_text().split()
        (folder / "timings.json").write_text(
            json.dumps(
                {
                    "words": [
                        {"text": w, "start_s": i * 0.5, "end_s": i * 0.5 + 0.4, "probability": 1}
                        for i, w in enumerate(words)
                    ]
                }
            ),
            "utf-8",
        )
    return folder


def saved_with_errors(env: TuiEnv, folder: Path) -> object:
    dictation = load_dictation(folder)
    running = start_dictation(
        DictationSpec(Candidate("Durand Léa"), dictation, None), env.storage, clock=env.clock
    )
    reference = running.session.config.reference
    words = reference.split(" ")
    words[10] = words[10].upper() + "x"  # a wrong word in the middle
    running.session.edit(0, 0, " ".join(words))
    env.clock.advance(60)
    running.session.stop()
    return running.save()


async def open_results(app: FrappeApp, saved: object, pilot: object) -> DictationResultsScreen:
    screen = DictationResultsScreen(saved, app.config, options=app.config.dictation)  # type: ignore[arg-type]
    await app.push_screen(screen)
    await settle(pilot)  # type: ignore[arg-type]
    return screen


@asynctest
async def test_play_this_passage_seeks_plays_and_stops_at_its_end(tmp_path: Path) -> None:
    env = TuiEnv.create(tmp_path)
    saved = saved_with_errors(env, corpus_copy(tmp_path, timings=True))
    players = Players(duration_s=66.2)
    app = make_app(env, players)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_results(app, saved, pilot)
        assert screen.check_action("listen", ()) is True
        errors = screen.saved.score.errors
        assert errors and errors[0].critical >= errors[-1].critical  # critical ones first
        screen.query_one(DataTable).focus()
        index = next(i for i, f in enumerate(errors) if f.error.ref_span[0] > 0)
        screen.query_one(DataTable).move_cursor(row=index)
        status = screen.query_one("#passage-status", Static)
        assert "écouter le passage" in str(status.content)
        await pilot.press("l")
        await settle(pilot)
        player = players.last
        # One call plays the range: the player itself pauses at its end.
        assert player.calls[:2] == ["load", "play"]
        start, end = screen.passages.passage(*errors[index].error.ref_span)  # type: ignore[misc, union-attr]
        assert 0 < start < end and player.position_s == start
        screen._show_playback()
        assert str(status.content).startswith("▶ Lecture ") and "— passage " in str(status.content)
        player.advance(end - start + 0.1)
        assert player.calls[-1] == "range_end" and player.position_s == end
        screen._show_playback()
        assert str(status.content).startswith("■ Fin du passage ")
    assert player.closed  # the results screen closed its player


@asynctest
async def test_without_timings_the_action_is_hidden(tmp_path: Path) -> None:
    env = TuiEnv.create(tmp_path)
    saved = saved_with_errors(env, corpus_copy(tmp_path, timings=False))
    players = Players()
    app = make_app(env, players)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_results(app, saved, pilot)
        assert screen.check_action("listen", ()) is False
        await pilot.press("l")
        await settle(pilot)
        assert players.made == []
