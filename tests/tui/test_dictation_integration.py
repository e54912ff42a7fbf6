"""The dictation inside the rest of the app: the resume screen (and ``frappe resume --close``)
resumes or closes a transcription journal the dictation way, the history opens a saved
transcription on its own results screen, and quitting asks first while a dictation runs."""

from __future__ import annotations

from pathlib import Path

from test_dictation_screen import Players, dictation, make_app, screen_of, spec
from textual.widgets import Static
from tui_support import TuiEnv, asynctest, click, exam_spec, settle

from frappe.exercises.record import Candidate
from frappe.runs.closing import close_journal
from frappe.runs.dictation import (
    DictationSpec,
    SavedTranscription,
    close_dictation_journal,
    start_dictation,
)
from frappe.runs.typing import start_test
from frappe.storage.history import open_history
from frappe.storage.journal import read_journal, unfinished_journals
from frappe.tui.config import StartDictation
from frappe.tui.dialogs.confirm import ConfirmScreen
from frappe.tui.screens.dictation import DictationScreen
from frappe.tui.screens.dictation_results import DictationResultsScreen
from frappe.tui.screens.history import HistoryScreen
from frappe.tui.screens.resume import ResumeScreen


def leave_dictation(env: TuiEnv, name: str) -> Path:
    """A dictation started and left unfinished (the terminal was closed)."""
    left = start_dictation(
        DictationSpec(Candidate(name), dictation(), None), env.storage, clock=env.clock
    )
    left.session.edit(0, 0, f"Texte de {name}")
    left.journal.close()
    return left.journal.path


@asynctest
async def test_resume_screen_closes_and_resumes_a_dictation(tmp_path: Path) -> None:
    env = TuiEnv.create(tmp_path)
    for name in ("Durand Léa", "Petit Marc"):
        leave_dictation(env, name)
    players = Players()
    app = make_app(env, players)
    async with app.run_test(size=(100, 30)) as pilot:
        app.check_unfinished()
        await pilot.pause()
        resume = app.screen
        assert isinstance(resume, ResumeScreen) and len(resume.journals) == 2
        await pilot.press("c")  # close the first one as interrupted
        await pilot.pause()
        await click(pilot, "#confirm")
        await settle(pilot)
        assert [c.header.config.candidate.name for c in resume.journals] == ["Petit Marc"]
        await pilot.press("r")  # resume the other one on the dictation screen
        await settle(pilot)
        screen = screen_of(app)
        assert screen.editor.text == "Texte de Petit Marc"
        assert players.last.loaded == dictation().audio
        screen.running.journal.close()
        app.exit()
    with open_history(env.storage.db_path) as history:
        (entry,) = history.entries()
    assert entry.candidate_name == "Durand Léa"
    assert entry.kind == "transcription" and entry.end_reason == "interrupted"


@asynctest
async def test_the_resume_screen_names_what_it_lists(tmp_path: Path) -> None:
    """Dictations left unfinished are listed as « Dictées non terminées », not as tests."""
    env = TuiEnv.create(tmp_path)
    leave_dictation(env, "Durand Léa")
    app = make_app(env, Players())
    async with app.run_test(size=(100, 30)) as pilot:
        app.check_unfinished()
        await pilot.pause()
        title = app.screen.query_one("#resume-title", Static)
        assert str(title.render()) == "Dictées non terminées"
        help_text = str(app.screen.query_one("#resume-help", Static).render())
        assert "tests" not in help_text
    # A typing test left too: the list holds both, and says so.
    start_test(exam_spec(), env.storage, clock=env.clock).journal.close()
    app = make_app(env, Players())
    async with app.run_test(size=(100, 30)) as pilot:
        app.check_unfinished()
        await pilot.pause()
        assert isinstance(app.screen, ResumeScreen) and len(app.screen.journals) == 2
        title = app.screen.query_one("#resume-title", Static)
        assert str(title.render()) == "Tests et dictées non terminés"


def test_close_journal_closes_a_transcription_the_dictation_way(tmp_path: Path) -> None:
    env = TuiEnv.create(tmp_path)
    journal = leave_dictation(env, "Durand Léa")
    saved = close_journal(read_journal(journal), env.storage)  # frappe resume --close
    assert isinstance(saved, SavedTranscription)
    assert saved.record.kind == "transcription" and saved.record.end_reason == "interrupted"
    assert saved.path.exists() and not unfinished_journals(env.storage.journal_dir)


@asynctest
async def test_history_opens_a_transcription_on_the_dictation_results(tmp_path: Path) -> None:
    env = TuiEnv.create(tmp_path)
    journal = leave_dictation(env, "Durand Léa")
    saved = close_dictation_journal(read_journal(journal), env.storage)
    app = make_app(env, Players())
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(HistoryScreen(app.config))
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        results = app.screen
        assert isinstance(results, DictationResultsScreen)
        assert results.saved.path == saved.path
        assert results.saved.record.candidate.name == "Durand Léa"


@asynctest
async def test_quitting_during_a_dictation_asks_first(tmp_path: Path) -> None:
    env = TuiEnv.create(tmp_path)
    app = make_app(env, Players(), StartDictation(spec()))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        await pilot.press("escape")  # play: the dictation is under way
        await pilot.press("O")
        await pilot.pause()
        assert screen.session_running
        app.go_home()  # never leaves a running dictation
        await pilot.pause()
        assert app.screen is screen
        await app.action_quit()
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await click(pilot, "#cancel")
        await pilot.pause()
        assert isinstance(app.screen, DictationScreen) and app.is_running
        journal = screen.running.journal.path
        await app.action_quit()
        await pilot.pause()
        await click(pilot, "#confirm")
        await pilot.pause()
    assert app.return_code == 0
    (left,) = unfinished_journals(env.storage.journal_dir)
    assert left.path == journal and left.typed == "O"
