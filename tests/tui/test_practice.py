"""Practice mode: a session with live feedback, the trainee's history and progress chart,
weakest keys, slowest bigrams, missed words and the practice built from them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Select
from tui_support import TuiEnv, asynctest, settle, type_keys

from frappe.exercises.practice_stats import (
    missed_words,
    missed_words_text,
    random_passage,
    slowest_bigrams,
    weakest_keys,
)
from frappe.exercises.record import Candidate, RecordSettings, ResultRecord
from frappe.exercises.texts import list_texts
from frappe.runs.typing import typing_score
from frappe.scoring import Keystroke, scoring_profile
from frappe.storage.history import open_history
from frappe.tui.results_keys import KEYS_AFTER_BELL_S
from frappe.tui.screens.history import HistoryScreen
from frappe.tui.screens.practice import PracticeSetupScreen, ProgressScreen
from frappe.tui.screens.results import ResultsScreen
from frappe.tui.screens.typing import TypingScreen
from frappe.tui.widgets.history.chart import ProgressChart


@pytest.fixture
def env(tmp_path: Path) -> TuiEnv:
    return TuiEnv.create(tmp_path)


def record(
    reference: str, typed: str, step: int = 200, slow: dict[int, int] | None = None
) -> ResultRecord:
    """A practice record typed in order; ``slow`` adds delay before some positions."""
    strokes: list[Keystroke] = []
    t = 0
    for pos, char in enumerate(typed):
        t += step + (slow or {}).get(pos, 0)
        strokes.append(Keystroke(t, char, "insert", pos, char))
    start = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    return ResultRecord(
        kind="typing",
        candidate=Candidate("Léa Durand"),
        exercise_id="x",
        exercise_title="X",
        reference=reference,
        typed=typed,
        started_at=start,
        ended_at=start + timedelta(milliseconds=t),
        duration_s=t / 1000,
        end_reason="stopped",
        settings=RecordSettings(120.0, True, scoring_profile()),
        keystrokes=tuple(strokes),
    )


def test_weakest_keys_judge_each_key_as_the_keystroke_accuracy_does() -> None:
    # Monkeytype's rule: each key against the word's character at that length ("e" typed
    # twice where "é" was expected in each wrong word).
    records = [record("ééé aaa ééé", "eée aaa eée")]
    [worst] = weakest_keys(records, min_attempts=3)
    assert worst.char == "é" and worst.errors == 4 and worst.attempts == 6


def test_a_missed_letter_does_not_blame_the_rest_of_the_text() -> None:
    reference = "le docteur voit le patient le matin"
    typed = "le doctur voit le patient le matin"
    found = weakest_keys([record(reference, typed)], min_attempts=1)
    # Only the word with the missing letter: "u" typed for "e", "r" typed for "u".
    assert {k.char: k.errors for k in found} == {"u": 1, "e": 1}


def test_one_missing_letter_does_not_cascade_into_the_next_words() -> None:
    """Issue 9 §2: the old absolute-position judgement blamed every later key."""
    found = weakest_keys([record("le chat dort", "l chat dort")], min_attempts=1)
    assert found == []  # only the space after « l » was wrong: not a character of a word
    bigrams = slowest_bigrams([record("le chat dort", "l chat dort")], min_count=1)
    assert {b.bigram for b in bigrams} >= {"ch", "ha", "at", "do", "or", "rt"}


def test_slowest_bigrams_ignore_pauses_and_errors() -> None:
    reference = "le lapin le lapin le lapin"
    slow = {reference.index("a", i): 400 for i in (0, 9, 18)}  # 'la' is slow each time
    slow[5] = 5000  # a pause: not a bigram time
    [first, *_] = slowest_bigrams([record(reference, reference, slow=slow)])
    assert first.bigram == "la" and first.mean_ms == 600 and first.count == 3


def test_missed_words_from_scored_sessions() -> None:
    first = record("Le patient est hospitalisé ce matin.", "Le patient est hospitalise ce matn.")
    second = record("Le patient est hospitalisé.", "Le patient est hospitalise.")
    errors = [typing_score(r).comparison.errors for r in (first, second)]
    assert missed_words(errors) == ["hospitalisé", "matin"]
    text = missed_words_text(["hospitalisé", "matin"], min_chars=60, seed=1)
    assert text.id == "mots-manques"
    assert set(text.body.split()) == {"hospitalisé", "matin"} and len(text.body) >= 60


def test_random_passage_is_whole_paragraphs_of_one_text() -> None:
    texts = list_texts()
    passage = random_passage(texts, min_chars=300, seed=4)
    source = next(t for t in texts if passage.id == f"{t.id}-extrait")
    assert passage.body in source.body
    assert len(passage.body) >= 300 or passage.body == source.body.strip()


@asynctest
async def test_practice_session_with_live_feedback_goes_to_history(env: TuiEnv) -> None:
    app = env.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, PracticeSetupScreen)
        await pilot.press(*"Lea Durand")
        app.screen.query_one("#practice-text", Select).value = "t01-convocation-consultation"
        app.screen.query_one("#practice-duration", Select).value = 1
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TypingScreen)
        session = screen.running.session
        assert session.config.settings.live_feedback is True
        assert session.config.settings.time_limit_s == 60
        assert session.config.settings.backspace_allowed is True
        await type_keys(pilot, env.clock, "Centre hospitalier dx\bx")
        assert screen.area.typed.is_wrong is not None
        assert screen.area.typed.is_wrong(len("Centre hospitalier dx") - 1)
        await pilot.press("escape")  # no confirmation in practice
        await settle(pilot)
        assert isinstance(app.screen, ResultsScreen)
        saved = app.screen.saved
    assert saved.path.parent == env.storage.results_dir / "practice"
    with open_history(env.storage.db_path) as history:
        [entry] = history.entries(candidate="lea durand")
    assert entry.mode == "practice"


@asynctest
async def test_progress_screen_and_practise_missed_words(env: TuiEnv) -> None:
    app = env.app()
    async with app.run_test(size=(80, 24)) as pilot:
        for typed in ("Centre hospitalir de", "Centre hospitalir de Valmont"):
            app.open_menu("practice")
            await pilot.pause()
            app.screen.query_one("#practice-name", Input).value = "Lea Durand"
            app.screen.query_one("#practice-text", Select).value = "t01-convocation-consultation"
            app.screen.query_one("#start").press()  # type: ignore[attr-defined]
            await pilot.pause()
            await type_keys(pilot, env.clock, typed)
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, ResultsScreen)
        env.clock.advance(KEYS_AFTER_BELL_S)  # keys typed on at the end do nothing for a moment
        await pilot.press("p")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ProgressScreen)
        assert screen.progress is not None
        assert len(screen.progress.entries) == 2
        assert screen.progress.words == ["hospitalier"]
        assert [k.char for k in screen.progress.keys] == ["e"]
        chart = screen.query_one(ProgressChart)
        assert chart.entries_shown == 2
        await pilot.press("m")
        await pilot.pause()
        typing = app.screen
        assert isinstance(typing, TypingScreen)
        assert typing.running.session.config.exercise_id == "mots-manques"
        assert "hospitalier" in typing.running.session.config.reference


@asynctest
async def test_history_browser_lists_and_opens_results(env: TuiEnv) -> None:
    app = env.app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_menu("practice")
        await pilot.pause()
        app.screen.query_one("#practice-name", Input).value = "Paul Bernard"
        app.screen.query_one("#start").press()  # type: ignore[attr-defined]
        await pilot.pause()
        await type_keys(pilot, env.clock, "Le")
        await pilot.press("escape")
        await settle(pilot)
        env.clock.advance(KEYS_AFTER_BELL_S)
        await pilot.press("escape")  # home
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        table = screen.query_one(DataTable)
        assert table.row_count == 1
        assert "Paul Bernard" in [str(c) for c in table.get_row_at(0)]
        screen.query_one("#history-filter", Input).value = "personne"
        screen.reload()
        assert table.row_count == 0
        screen.query_one("#history-filter", Input).value = "paul bernard"
        screen.reload()
        assert table.row_count == 1
        table.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ResultsScreen)
        assert app.screen.saved.record.candidate.name == "Paul Bernard"
