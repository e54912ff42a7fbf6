"""Pilot tests of the exam: typing with errors to a scored, saved result in the history;
backspace policy; paste refused; dead keys; time-out; a killed session resumed."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Button
from tui_support import (
    SHORT_TEXT,
    TuiEnv,
    asynctest,
    click,
    exam_spec,
    settle,
    start_exam,
    type_keys,
)

from frappe.errors import FrappeError
from frappe.storage.files import read_record
from frappe.storage.history import open_history
from frappe.storage.journal import read_journal, unfinished_journals
from frappe.tui.config import StartExam
from frappe.tui.dialogs.confirm import ConfirmScreen
from frappe.tui.results_keys import KEYS_AFTER_BELL_S
from frappe.tui.screens.exam_setup import InstructionsScreen
from frappe.tui.screens.home import HomeScreen
from frappe.tui.screens.results import ResultsScreen
from frappe.tui.screens.resume import ResumeScreen
from frappe.tui.screens.typing import TypingScreen


@pytest.fixture
def env(tmp_path: Path) -> TuiEnv:
    return TuiEnv.create(tmp_path)


def typing_screen(app: object) -> TypingScreen:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, TypingScreen)
    return screen


@asynctest
async def test_exam_with_errors_is_scored_saved_and_in_the_history(env: TuiEnv) -> None:
    app = env.app(StartExam(exam_spec()))
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, InstructionsScreen)
        await click(pilot, "#start")
        await pilot.pause()
        screen = typing_screen(app)
        await type_keys(pilot, env.clock, "La fete est prete.\n\nLe medecin arive")
        session = screen.running.session
        assert session.typed == "La fete est prete.\n\nLe medecin arive"
        # Live feedback off: no character is drawn as wrong.
        assert screen.area.typed.is_wrong is None
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await click(pilot, "#confirm")
        await settle(pilot)
        assert isinstance(app.screen, ResultsScreen)
        saved = app.screen.saved
    record = read_record(saved.path)
    assert record.end_reason == "stopped"
    assert record.candidate.name == "Martin Claire" and record.candidate.id == "C-42"
    assert record.typed == "La fete est prete.\n\nLe medecin arive"
    assert record.duration_s == 35 * 0.2 and record.settings.live_feedback is False
    classes = sorted(e.error_class for e in saved.score.comparison.errors)
    assert classes == ["accent", "accent", "accent", "spelling"]
    assert saved.path.parent == env.storage.results_dir
    assert stat.S_IMODE(saved.path.stat().st_mode) == 0o600
    with open_history(env.storage.db_path) as history:
        entries = history.entries()
    assert len(entries) == 1
    assert entries[0].result_path == str(saved.path.resolve())
    assert entries[0].faults == saved.score.metrics.faults
    assert entries[0].mode == "exam"
    # The journal was archived, not deleted.
    assert unfinished_journals(env.storage.journal_dir) == []
    assert len(list((env.storage.journal_dir / "archive").glob("*.jsonl"))) == 1


@asynctest
async def test_cancelled_confirmation_keeps_the_test_running(env: TuiEnv) -> None:
    app = env.app(start_exam())
    async with app.run_test(size=(80, 24)) as pilot:
        await type_keys(pilot, env.clock, "La")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("escape")  # cancel the dialog
        await pilot.pause()
        screen = typing_screen(app)
        assert not screen.running.session.finished
        await type_keys(pilot, env.clock, " f")
        assert screen.running.session.typed == "La f"


@asynctest
async def test_completing_the_text_ends_the_exam(env: TuiEnv) -> None:
    app = env.app(start_exam())
    async with app.run_test(size=(80, 24)) as pilot:
        await type_keys(pilot, env.clock, SHORT_TEXT.body, step=0.15)
        await settle(pilot)
        assert isinstance(app.screen, ResultsScreen)
        saved = app.screen.saved
    assert saved.record.end_reason == "completed"
    assert saved.score.comparison.errors == ()
    assert saved.record.typed == SHORT_TEXT.body


@asynctest
async def test_backspace_refused_when_disabled(env: TuiEnv) -> None:
    app = env.app(start_exam(exam_spec(backspace=False)))
    async with app.run_test(size=(80, 24)) as pilot:
        await type_keys(pilot, env.clock, "Lx\b\ba")
        screen = typing_screen(app)
        assert screen.running.session.typed == "Lxa"
        notice = screen.status.query_one("#notice")
        assert "désactivée" in str(notice.render())
        refused = [k for k in screen.running.session.keystrokes if k.key == "backspace"]
        assert [k.op for k in refused] == ["none", "none"]


@asynctest
async def test_backspace_allowed_erases(env: TuiEnv) -> None:
    app = env.app(start_exam(exam_spec(backspace=True)))
    async with app.run_test(size=(80, 24)) as pilot:
        await type_keys(pilot, env.clock, "Lx\ba")
        assert typing_screen(app).running.session.typed == "La"


@asynctest
async def test_paste_is_refused_and_logged(env: TuiEnv) -> None:
    app = env.app(start_exam())
    async with app.run_test(size=(80, 24)) as pilot:
        await type_keys(pilot, env.clock, "La")
        app.post_message(events.Paste("fête est prête."))
        await pilot.pause()
        screen = typing_screen(app)
        session = screen.running.session
        assert session.typed == "La"
        assert [e["type"] for e in session.events] == ["paste_refused"]
        assert "Collage refusé" in str(screen.status.query_one("#notice").render())
        journal = read_journal(screen.running.journal.path)
        assert journal.events[-1]["chars"] == len("fête est prête.")


@asynctest
async def test_focus_loss_is_logged(env: TuiEnv) -> None:
    app = env.app(start_exam())
    async with app.run_test(size=(80, 24)) as pilot:
        await type_keys(pilot, env.clock, "La")
        app.post_message(events.AppBlur())
        await pilot.pause()
        app.post_message(events.AppFocus())
        await pilot.pause()
        types = [e["type"] for e in typing_screen(app).running.session.events]
        assert types == ["focus_lost", "focus_gained"]


@asynctest
async def test_dead_keys_compose_one_character(env: TuiEnv) -> None:
    app = env.app(start_exam(exam_spec(live_feedback=True)))
    async with app.run_test(size=(80, 24)) as pilot:
        await type_keys(pilot, env.clock, "La f")
        await pilot.press("^")
        screen = typing_screen(app)
        assert screen.area.typed.pending == "^"
        await pilot.press("e")
        await type_keys(pilot, env.clock, "te est pr^ete.")
        session = screen.running.session
        assert session.typed == "La fête est prête."
        assert session.progress is not None and session.progress.wrong_positions() == []
        composed = [k for k in session.keystrokes if k.op == "insert" and k.text == "ê"]
        assert len(composed) == 2


@asynctest
async def test_live_feedback_marks_wrong_characters(env: TuiEnv) -> None:
    app = env.app(start_exam(exam_spec(live_feedback=True)))
    async with app.run_test(size=(80, 24)) as pilot:
        await type_keys(pilot, env.clock, "La fxte")
        view = typing_screen(app).area.typed
        assert view.is_wrong is not None
        assert [p for p in range(7) if view.is_wrong(p)] == [4, 5, 6]


@asynctest
async def test_time_out_ends_the_test(env: TuiEnv) -> None:
    app = env.app(start_exam(exam_spec(duration_s=60.0)))
    async with app.run_test(size=(80, 24)) as pilot:
        await type_keys(pilot, env.clock, "La fête")
        screen = typing_screen(app)
        env.clock.advance(30)
        screen.check_time()
        assert "00:29" in str(screen.status.query_one("#countdown").render())
        env.clock.advance(30)
        screen.check_time()
        await settle(pilot)
        assert isinstance(app.screen, ResultsScreen)
        saved = app.screen.saved
    assert saved.record.end_reason == "timeout"
    assert saved.record.duration_s == 60.0
    assert saved.record.typed == "La fête"


@asynctest
async def test_killed_session_resumes_with_typed_text_and_remaining_time(env: TuiEnv) -> None:
    app = env.app(start_exam(exam_spec(duration_s=60.0)))
    async with app.run_test(size=(80, 24)) as pilot:
        await type_keys(pilot, env.clock, "La fête est", step=1.0)  # 10 s used
        screen = typing_screen(app)
        journal = screen.running.journal
    # The app is gone without finishing: a crash. The kernel closes the file (and its lock).
    journal.close()
    [contents] = unfinished_journals(env.storage.journal_dir)
    assert contents.typed == "La fête est"
    assert contents.remaining_s == 50.0

    env.clock.advance(500)  # the machine restarts: real time passes, typing time does not
    app2 = env.app(check_journals=True)
    async with app2.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app2.screen, ResumeScreen)
        await pilot.press("r")
        await pilot.pause()
        screen = typing_screen(app2)
        session = screen.running.session
        assert session.typed == "La fête est"
        assert session.remaining_s == 50.0
        assert screen.area.typed.wrapped.text == "La fête est"
        await type_keys(pilot, env.clock, " prête.", step=1.0)
        assert session.remaining_s == 44.0  # the env.clock restarts at the first key
        await pilot.press("escape")
        await pilot.pause()
        await click(pilot, "#confirm")
        await settle(pilot)
        assert isinstance(app2.screen, ResultsScreen)
        saved = app2.screen.saved
    record = read_record(saved.path)
    assert record.typed == "La fête est prête."
    assert record.duration_s == 16.0
    assert [e["type"] for e in record.events] == ["resumed"]
    with open_history(env.storage.db_path) as history:
        assert len(history.entries()) == 1
    assert unfinished_journals(env.storage.journal_dir) == []


@asynctest
async def test_unfinished_test_closed_as_interrupted_from_the_prompt(env: TuiEnv) -> None:
    app = env.app(start_exam())
    async with app.run_test(size=(80, 24)) as pilot:
        await type_keys(pilot, env.clock, "La fê")
        journal = typing_screen(app).running.journal
    journal.close()
    app2 = env.app(check_journals=True)
    async with app2.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app2.screen, ResumeScreen)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app2.screen, ConfirmScreen)
        await click(pilot, "#confirm")
        await settle(pilot)
    results = list(env.storage.results_dir.glob("*.json"))
    assert len(results) == 1
    record = read_record(results[0])
    assert record.end_reason == "interrupted" and record.typed == "La fê"
    assert unfinished_journals(env.storage.journal_dir) == []


@asynctest
async def test_quit_during_a_test_asks_and_keeps_the_journal(env: TuiEnv) -> None:
    app = env.app(start_exam())
    async with app.run_test(size=(80, 24)) as pilot:
        await type_keys(pilot, env.clock, "La")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await click(pilot, "#confirm")
        await pilot.pause()
    assert app.return_value == 0
    [contents] = unfinished_journals(env.storage.journal_dir)
    assert contents.typed == "La"


@asynctest
async def test_exam_setup_identification_and_instructions(env: TuiEnv) -> None:
    app = env.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        setup = app.screen
        from frappe.tui.screens.exam_setup import ExamSetupScreen, IdentifyScreen  # noqa: PLC0415

        assert isinstance(setup, ExamSetupScreen)
        setup.query_one("#duration").value = "5m"  # type: ignore[attr-defined]
        setup.query_one("#backspace").value = False  # type: ignore[attr-defined]
        setup.query_one("#preset-name").value = "Admission mars"  # type: ignore[attr-defined]
        setup.action_save_preset()
        assert (env.storage.presets_dir / "admission-mars.toml").exists()
        setup.action_continue()
        await pilot.pause()
        assert isinstance(app.screen, IdentifyScreen)
        app.screen.action_continue()  # no name: refused
        await pilot.pause()
        assert isinstance(app.screen, IdentifyScreen)
        await pilot.press(*"Durand Lea")
        await pilot.press("enter", "enter")
        await pilot.pause()
        assert isinstance(app.screen, InstructionsScreen)
        assert app.screen.spec.duration_s == 300
        assert app.screen.spec.backspace_allowed is False
        assert app.screen.spec.candidate.name == "Durand Lea"
        app.screen.query_one("#start", Button).press()
        await pilot.pause()
        screen = typing_screen(app)
        assert screen.running.session.config.settings.time_limit_s == 300


@asynctest
async def test_resume_a_given_journal_and_export_the_report(env: TuiEnv) -> None:
    app = env.app(start_exam())
    async with app.run_test(size=(80, 24)) as pilot:
        await type_keys(pilot, env.clock, "La fête est prête.\n\nLe")
        journal = typing_screen(app).running.journal
    journal.close()
    from frappe.tui.config import StartResume  # noqa: PLC0415

    app2 = env.app(StartResume(journal.path))
    async with app2.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app2.screen, ResumeScreen)
        assert [c.path for c in app2.screen.journals] == [journal.path]
        await pilot.press("enter")  # choosing the journal resumes it
        await pilot.pause()
        await type_keys(pilot, env.clock, " médecin arrive à midi.")
        await settle(pilot)
        assert isinstance(app2.screen, ResultsScreen)
        saved = app2.screen.saved
        env.clock.advance(KEYS_AFTER_BELL_S)
        await pilot.press("e")
        await settle(pilot)
    report = saved.path.with_suffix(".md")
    assert report.exists()
    assert "Aucune erreur." in report.read_text("utf-8")


@asynctest
async def test_command_palette_opens_practice(env: TuiEnv) -> None:
    from frappe.tui.screens.practice import PracticeSetupScreen  # noqa: PLC0415

    app = env.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Entraîn")
        from textual.command import CommandList  # noqa: PLC0415

        for _ in range(100):  # the palette searches in the background
            if app.screen.query_one(CommandList).option_count:
                break
            await pilot.pause(0.02)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PracticeSetupScreen)


@asynctest
async def test_time_out_while_the_end_dialog_is_open(env: TuiEnv) -> None:
    app = env.app(start_exam(exam_spec(duration_s=60.0)))
    async with app.run_test(size=(80, 24)) as pilot:
        await type_keys(pilot, env.clock, "La")
        screen = typing_screen(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        env.clock.advance(120)
        screen.check_time()
        await settle(pilot)
        assert isinstance(app.screen, ResultsScreen)
        assert app.screen.saved.record.end_reason == "timeout"
        assert not any(isinstance(s, ConfirmScreen) for s in app.screen_stack)


async def _exam_to_its_results(pilot: object, env: TuiEnv) -> ResultsScreen:
    await type_keys(pilot, env.clock, "La fête")  # type: ignore[arg-type]
    env.clock.advance(60)
    typing_screen(pilot.app).check_time()  # type: ignore[attr-defined]  # the bell
    await settle(pilot)  # type: ignore[arg-type]
    screen = pilot.app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, ResultsScreen)
    return screen


@asynctest
async def test_keys_typed_after_the_bell_do_nothing_for_a_moment(env: TuiEnv) -> None:
    app = env.app(start_exam())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _exam_to_its_results(pilot, env)
        report = screen.saved.path.with_suffix(".md")
        await pilot.press("e", "p", "escape")  # the candidate was still typing
        await settle(pilot)
        assert app.screen is screen and not report.exists() and app.is_running
        env.clock.advance(KEYS_AFTER_BELL_S)
        await pilot.press("e")
        await settle(pilot)
        assert report.exists()


@asynctest
async def test_frappe_typing_is_an_exam_seat_leaving_the_results_ends_the_program(
    env: TuiEnv,
) -> None:
    app = env.app(start_exam())
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.kiosk
        screen = await _exam_to_its_results(pilot, env)
        env.clock.advance(KEYS_AFTER_BELL_S)
        await pilot.press("ctrl+p")  # no command palette (it opens the menu, the trainer…)
        await pilot.press("p")  # no history either
        await pilot.pause()
        assert app.screen is screen
        assert not any(isinstance(s, HomeScreen) for s in app.screen_stack)
        app.go_home()  # what every other way home ends in
        await pilot.pause()
        assert not app.is_running
    assert app.return_code == 0


@asynctest
async def test_escape_on_the_results_of_an_exam_seat_ends_the_program(env: TuiEnv) -> None:
    app = env.app(start_exam())
    async with app.run_test(size=(80, 24)) as pilot:
        await _exam_to_its_results(pilot, env)
        env.clock.advance(KEYS_AFTER_BELL_S)
        await pilot.press("escape")
        await pilot.pause()
        assert not app.is_running


@asynctest
async def test_the_home_menu_still_leads_back_home_from_a_result(env: TuiEnv) -> None:
    app = env.app()
    async with app.run_test(size=(80, 24)) as pilot:
        assert not app.kiosk
        app.open_menu("exam")
        await pilot.pause()
        assert not isinstance(app.screen, HomeScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


@asynctest
async def test_the_setup_form_reads_a_bare_duration_as_minutes(env: TuiEnv) -> None:
    from frappe.tui.screens.exam_setup import ExamSetupScreen  # noqa: PLC0415

    app = env.app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_menu("exam")
        await pilot.pause()
        setup = app.screen
        assert isinstance(setup, ExamSetupScreen)
        setup.query_one("#duration").value = "10"  # type: ignore[attr-defined]
        assert setup.read_form().duration_s == 600.0
        setup.query_one("#duration").value = "45"  # type: ignore[attr-defined]
        with pytest.raises(FrappeError, match="durée de 45 min 00 s : choisissez entre 1 et 30"):
            setup.read_form()
