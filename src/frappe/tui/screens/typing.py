"""The typing screen: the test itself. No pause, no restart; ending early needs a confirmation
in an exam. Saving runs in a worker thread; a save that fails keeps the journal."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState

from frappe.errors import FrappeError
from frappe.exercises.session import SessionState
from frappe.runs.common import journal_alarm
from frappe.runs.typing import RunningTest, SavedResult
from frappe.tui.config import AppConfig
from frappe.tui.dialogs.confirm import ConfirmScreen, confirm_early_end
from frappe.tui.dialogs.save_elsewhere import SaveElsewhereScreen
from frappe.tui.navigation import navigator
from frappe.tui.widgets.typing.area import TypingArea
from frappe.tui.widgets.typing.status import TypingStatus
from frappe.tui.workers import WorkerGroup

__all__ = ["TypingScreen"]

_REFUSALS = {
    "backspace-disabled": "Correction désactivée pour ce test",
    "empty": "",
}


class TypingScreen(Screen[None]):
    """Runs one session until it ends, then saves it and shows the results."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "end_test", "Terminer le test", id="typing.end"),
    ]

    def __init__(self, running: RunningTest, config: AppConfig) -> None:
        super().__init__()
        self.running = running
        self.config = config
        self.area = TypingArea(running.session, id="typing-area")
        self.status = TypingStatus(id="typing-status")
        self.saved: SavedResult | None = None
        self._saving = False
        self._save_to: Path | None = None  # another folder, chosen after a failed save
        self._save_problem: str | None = None  # why the last save failed, dialog dismissed

    @property
    def is_exam(self) -> bool:
        """Exam rules (confirmation to end early) rather than practice."""
        return self.running.mode == "exam"

    def compose(self) -> ComposeResult:
        config = self.running.session.config
        who = config.candidate.name
        mode = "Test d'admission" if self.is_exam else "Entraînement"
        yield Static(f"{mode} — {who} — {config.exercise_title}", id="typing-title", markup=False)
        yield self.status
        yield self.area
        yield Footer()

    def on_mount(self) -> None:
        _quiet_collector(True)
        self.area.focus()
        self.check_time()
        self.set_interval(self.config.tick_interval, self.check_time)
        if self.running.session.state is SessionState.RESUMED:
            self.status.show_notice("Test repris : continuez où vous en étiez")

    # -- clock -------------------------------------------------------------------------------

    def check_time(self) -> None:
        """Update the countdown, note the time in the journal, end the test at time-out."""
        session = self.running.session
        if session.finished:
            self._finish()
            return
        if session.tick():
            self._finish()
            return
        running = session.state is SessionState.RUNNING
        if running:
            self.running.journal.heartbeat(session.elapsed_ms)
        self._show_journal_state()
        self.status.show_time(session.remaining_s, session.elapsed_s, running)
        self.status.show_link(self.running.link_label())
        if session.progress is not None:
            self.status.show_progress(
                session.progress.typed_words, session.progress.reference_words
            )

    def _show_journal_state(self) -> None:
        """The alarm while the journal refuses the typing; a notice when it is back."""
        alarm = journal_alarm(self.running.journal)
        if alarm == self.status.alarm:
            return
        self.status.show_alarm(alarm)
        if alarm:
            self.notify(alarm, title="Frappe non enregistrée", severity="error", timeout=30)
        else:
            self.status.show_notice("Enregistrement rétabli")

    # -- messages from the typing area -------------------------------------------------------

    def on_typing_area_started(self, _message: TypingArea.Started) -> None:
        self.status.show_notice("")
        self.check_time()

    def on_typing_area_refused(self, message: TypingArea.Refused) -> None:
        self.status.show_notice(_REFUSALS.get(message.reason, ""))

    def on_typing_area_paste_refused(self, message: TypingArea.PasteRefused) -> None:
        self.status.show_notice("Collage refusé")
        size = "" if message.chars is None else f" ({message.chars} caractères)"
        self.notify(
            f"Le collage{size} est refusé et noté dans le résultat.",
            title="Collage refusé",
            severity="warning",
        )

    def on_typing_area_finished(self, _message: TypingArea.Finished) -> None:
        self._finish()

    # -- ending ------------------------------------------------------------------------------

    def action_end_test(self) -> None:
        if self._save_problem is not None:  # the folder dialog was dismissed: ask again
            self._choose_folder(self._save_problem)
            return
        session = self.running.session
        if session.finished or self._saving:
            return
        if not self.is_exam:
            session.stop()
            self._finish()
            return
        confirm_early_end(
            self,
            session,
            ConfirmScreen(
                "Terminer le test maintenant ?\nVotre frappe s'arrête ici et sera notée.",
                confirm="Terminer",
                cancel="Continuer le test",
            ),
            finish=self._finish,
            refocus=self.area,
        )

    def focus_lost(self) -> None:
        """The terminal window lost focus."""
        self.running.session.focus_lost()

    def focus_gained(self) -> None:
        """The terminal window got focus back."""
        self.running.session.focus_gained()

    def abandon(self) -> None:
        """Leave without a result (the app quits): the journal stays, to resume later."""
        self.running.journal.close()

    def on_unmount(self) -> None:
        _quiet_collector(False)

    def _finish(self) -> None:
        if self._saving:
            return
        _quiet_collector(False)
        self._saving = True
        self.area.disabled = True
        self.area.typed.show_cursor = False
        self.status.show_notice("Enregistrement…")
        self.status.show_time(
            self.running.session.remaining_s, self.running.session.elapsed_s, True
        )
        self._save()

    @work(thread=True, exclusive=True, exit_on_error=False, group=WorkerGroup.SAVE)
    def _save(self) -> SavedResult:
        return self.running.save(self._save_to)

    def _choose_folder(self, problem: str) -> None:
        """The result could not be written: the session is in memory, ask for a folder."""

        def chosen(folder: Path | None) -> None:
            if folder is None:
                # Still only in memory if the journal is behind: the dialog comes back on Esc.
                self._save_problem = problem
                self.status.show_notice("Résultat non enregistré — Échap : choisir un dossier")
                return
            self._save_problem = None
            self._save_to = folder
            self.status.show_notice("Enregistrement…")
            self._save()

        failed = self._save_to or self.running.results_dir
        self.app.push_screen(SaveElsewhereScreen(problem, failed), chosen)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != WorkerGroup.SAVE:
            return
        if event.state is WorkerState.SUCCESS:
            saved = event.worker.result
            assert isinstance(saved, SavedResult)
            self.saved = saved
            navigator(self).show_results(saved, finished=self)
        elif event.state is WorkerState.ERROR:
            error = event.worker.error
            self.status.show_notice("Échec de l'enregistrement")
            if isinstance(error, FrappeError):
                self._choose_folder(str(error))
                return
            self.notify(
                f"{error}\nLe journal est conservé : « frappe resume » pourra le clore.",
                title="Résultat non enregistré",
                severity="error",
                timeout=30,
            )


_DEFAULT_THRESHOLDS = gc.get_threshold()


def _quiet_collector(quiet: bool) -> None:
    """During a test, keep full garbage collections off the keys: the objects alive at its
    start (Textual, the text, the screens) are frozen, so a full collection does not walk them
    again, and full collections come ten times less often (cyclic garbage waits a little
    longer). A full collection in the middle of a 5,000-character text took 50 ms before,
    9–11 ms with freezing alone, three times per 5,000 keys (measured with make bench's
    text)."""
    if quiet:
        gc.freeze()
        young, middle, old = _DEFAULT_THRESHOLDS
        gc.set_threshold(young, middle, old * 10)
    else:
        gc.set_threshold(*_DEFAULT_THRESHOLDS)
        gc.unfreeze()
