"""The results of one test: metrics of the profile, typed text with errors highlighted by
class, error list by class, and where the result was saved."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from frappe.errors import FrappeError
from frappe.reports.typing_report import write_report
from frappe.runs.typing import SavedResult
from frappe.tui.config import AppConfig
from frappe.tui.navigation import navigator
from frappe.tui.results_keys import (
    KEYS_AFTER_BELL_S,
    AfterBell,
    is_kiosk,
    leave_results,
    notify_history_error,
)
from frappe.tui.widgets.results.panels import ErrorList, MetricsPanel, TypedTextPanel
from frappe.tui.workers import WorkerGroup

__all__ = ["ResultsScreen"]


class ResultsScreen(Screen[None]):
    """One result, in three tabs."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "home", "Accueil", id="results.home"),
        Binding("escape", "leave", "Terminer", id="results.leave"),
        Binding("e", "export", "Exporter le rapport", id="results.export"),
        Binding("p", "progress", "Progression", id="results.progress"),
    ]

    def __init__(
        self, saved: SavedResult, config: AppConfig, *, just_finished: bool = False
    ) -> None:
        super().__init__()
        self.saved = saved
        self.config = config
        self.after_bell = AfterBell(config.clock, just_finished=just_finished)

    def compose(self) -> ComposeResult:
        record = self.saved.record
        who = record.candidate.name
        yield Static(
            f"Résultats — {who} — {record.exercise_title or record.exercise_id}",
            id="results-title",
            markup=False,
        )
        with TabbedContent(id="results-tabs"):
            with TabPane("Résultats", id="tab-metrics"), VerticalScroll():
                yield MetricsPanel(self.saved, id="metrics")
            with TabPane("Texte saisi", id="tab-typed"), VerticalScroll():
                yield TypedTextPanel(self.saved, id="typed-text")
            with TabPane("Erreurs", id="tab-errors"), VerticalScroll():
                yield ErrorList(self.saved, id="error-list")
        yield Footer()

    def on_mount(self) -> None:
        notify_history_error(self, self.saved.history_error)
        self.set_timer(KEYS_AFTER_BELL_S, self.refresh_bindings)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "progress" and is_kiosk(self):
            return False  # an exam seat opens no history
        return self.after_bell.check(self, action)

    def action_home(self) -> None:
        leave_results(self)

    def action_leave(self) -> None:
        leave_results(self)

    def action_progress(self) -> None:
        navigator(self).show_progress(self.saved.record.candidate.name)

    def action_export(self) -> None:
        self._export()

    @work(thread=True, exclusive=True, exit_on_error=False, group=WorkerGroup.EXPORT)
    def _export(self) -> str:
        output = self.saved.path.with_suffix(".md")
        write_report(self.saved.record, self.saved.score, output, self.saved.path)
        return str(output)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != WorkerGroup.EXPORT:
            return
        if event.state is WorkerState.SUCCESS:
            self.notify(f"Rapport écrit : {event.worker.result}", title="Rapport")
        elif event.state is WorkerState.ERROR:
            error = event.worker.error
            message = str(error) if isinstance(error, FrappeError | OSError) else repr(error)
            self.notify(message, title="Rapport non écrit", severity="error")
