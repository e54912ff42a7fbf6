"""The screens on a real full disk (issue 14 §3): the status bar tells the candidate at once
that the typing is no longer recorded, the alarm goes when the journal catches up, and a result
the disk refuses is saved in a folder chosen in a dialog — typing test and dictation."""

from __future__ import annotations

from pathlib import Path

from test_dictation_screen import Players, make_app, screen_of, spec
from textual.widgets import Input
from tui_support import TuiEnv, asynctest, click, settle, start_exam, type_keys

from frappe.runs.common import JOURNAL_DISK_FULL
from frappe.storage.files import read_record
from frappe.tui.config import StartDictation
from frappe.tui.dialogs.confirm import ConfirmScreen
from frappe.tui.dialogs.save_elsewhere import SaveElsewhereScreen
from frappe.tui.screens.dictation_results import DictationResultsScreen
from frappe.tui.screens.results import ResultsScreen
from frappe.tui.screens.typing import TypingScreen
from support.full_disk import FullDisk


async def type_until_refused(pilot: object, env: TuiEnv, journal: object, char: str) -> str:
    """Type ``char`` until the journal holds a line back (the journal's last page of the
    tmpfs takes a few lines first); what was typed."""
    typed = ""
    for _ in range(400):
        await type_keys(pilot, env.clock, char, step=0.05)  # type: ignore[arg-type]
        typed += char
        if not journal.healthy:  # type: ignore[attr-defined]
            return typed
    raise AssertionError("the full disk never refused a line")


@asynctest
async def test_typing_screen_alarm_and_saving_elsewhere(
    full_disk: FullDisk, tmp_path: Path
) -> None:
    env = TuiEnv.create(full_disk.root)
    app = env.app(start_exam())
    async with app.run_test(size=(100, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, TypingScreen)
        await type_keys(pilot, env.clock, "La ")
        screen.check_time()
        assert screen.status.alarm == ""
        full_disk.fill()
        typed = "La " + await type_until_refused(pilot, env, screen.running.journal, "f")
        screen.check_time()
        await pilot.pause()
        assert screen.status.alarm == JOURNAL_DISK_FULL
        shown = str(screen.query_one("#progress").render())
        assert "Disque plein" in shown and "prévenez le surveillant" in shown
        # Space comes back: the journal catches up and the alarm goes.
        full_disk.free()
        await type_keys(pilot, env.clock, "e")
        screen.check_time()
        assert screen.status.alarm == ""
        # Full again at the end: the result cannot be written, a folder is asked for.
        full_disk.fill()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await click(pilot, "#confirm")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, SaveElsewhereScreen)
        assert "disque plein" in dialog.problem
        # Dismissed by mistake: Esc on the test brings it back (the typing is only in memory).
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TypingScreen)
        await pilot.press("escape")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, SaveElsewhereScreen)
        elsewhere = tmp_path / "cle-usb"
        dialog.query_one("#save-elsewhere-path", Input).value = str(elsewhere)
        await click(pilot, "#confirm")
        await settle(pilot)
        assert isinstance(app.screen, ResultsScreen)
        saved = app.screen.saved
    assert saved.path.parent == elsewhere
    assert read_record(saved.path).typed == typed + "e"


@asynctest
async def test_dictation_screen_alarm_and_saving_elsewhere(
    full_disk: FullDisk, tmp_path: Path
) -> None:
    env = TuiEnv.create(full_disk.root)
    app = make_app(env, Players(), StartDictation(spec()))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        full_disk.fill()
        typed = await type_until_refused(pilot, env, screen.running.journal, "o")
        screen.tick()
        assert JOURNAL_DISK_FULL in screen.status.render_text().plain
        screen.running.session.stop()
        screen.tick()
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, SaveElsewhereScreen)
        elsewhere = tmp_path / "ailleurs"
        dialog.query_one("#save-elsewhere-path", Input).value = str(elsewhere)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DictationResultsScreen)
        saved = app.screen.saved
    assert saved.path.parent == elsewhere
    assert read_record(saved.path).typed == typed
