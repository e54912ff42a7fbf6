"""The exam seat beyond the typing test: a dictation in evaluation mode ends the program after
its results (practice goes back to the menu), and Ctrl+C says how to quit in French."""

from __future__ import annotations

from pathlib import Path

from test_dictation_screen import Players, make_app, screen_of, spec, type_text
from tui_support import TuiEnv, asynctest, settle

from frappe.tui.config import StartDictation
from frappe.tui.results_keys import KEYS_AFTER_BELL_S
from frappe.tui.screens.dictation_results import DictationResultsScreen
from frappe.tui.screens.home import HomeScreen
from frappe.tui.screens.kiosk import SeatScreen


async def _dictation_to_its_results(pilot: object, env: TuiEnv) -> DictationResultsScreen:
    app = pilot.app  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    screen = screen_of(app)
    await type_text(pilot, env.clock, "Objet : ")
    env.clock.advance(125.0)
    screen.tick()  # the deadline
    await settle(pilot)  # type: ignore[arg-type]
    results = app.screen
    assert isinstance(results, DictationResultsScreen)
    return results


@asynctest
async def test_a_dictation_in_evaluation_mode_ends_the_program_after_its_results(
    tmp_path: Path,
) -> None:
    env = TuiEnv.create(tmp_path)
    app = make_app(env, Players(), StartDictation(spec(deadline_s=120.0)))
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.kiosk
        await _dictation_to_its_results(pilot, env)
        assert isinstance(app.screen_stack[0], SeatScreen)
        await pilot.press("escape")  # keys typed on after the deadline do nothing…
        await pilot.pause()
        assert app.is_running
        env.clock.advance(KEYS_AFTER_BELL_S)
        await pilot.press("escape")  # …then leaving the results ends the program
        await pilot.pause()
        assert not app.is_running


@asynctest
async def test_a_practice_dictation_goes_back_to_the_menu(tmp_path: Path) -> None:
    env = TuiEnv.create(tmp_path)
    app = make_app(env, Players(), StartDictation(spec(deadline_s=120.0, mode="practice")))
    async with app.run_test(size=(100, 30)) as pilot:
        assert not app.kiosk
        await _dictation_to_its_results(pilot, env)
        env.clock.advance(KEYS_AFTER_BELL_S)
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, HomeScreen)


@asynctest
async def test_ctrl_c_says_how_to_quit_in_french_without_markup(tmp_path: Path) -> None:
    env = TuiEnv.create(tmp_path)
    app = env.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+c")
        await pilot.pause()
        [notification] = list(app._notifications)
    assert notification.title == "Quitter ?"
    assert notification.message == "Pour quitter, appuyez sur Ctrl+Q."
