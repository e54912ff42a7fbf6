"""The results of one test: metrics of the profile, typed text with errors highlighted by
class, error list by class, and where the result was saved."""

from __future__ import annotations

from collections.abc import Callable
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
from frappe.tui.widgets.results.panels import ErrorList, MetricsPanel, TypedTextPanel

__all__ = [
    "KEYS_AFTER_BELL_S",
    "AfterBell",
    "ResultsScreen",
    "is_kiosk",
    "leave_results",
    "notify_history_error",
]

# A candidate still typing when the time runs out must not export, open a screen or leave
# with the keys that follow the bell: a results screen ignores its keys this long.
KEYS_AFTER_BELL_S = 1.5


class AfterBell:
    """When a results screen starts answering its keys: ``KEYS_AFTER_BELL_S`` after it was
    built (on the app's clock) when it follows the end of a test, at once when it is opened
    from the history."""

    def __init__(self, clock: Callable[[], float], *, just_finished: bool) -> None:
        self._clock = clock
        self._ready_at = clock() + (KEYS_AFTER_BELL_S if just_finished else 0.0)

    def ready(self) -> bool:
        """The keys have an effect again."""
        return self._clock() >= self._ready_at

    def check(self, screen: Screen[None], action: str) -> bool | None:
        """``check_action`` for a results screen: its actions shown but disabled until ready
        (None); Escape reads « Terminer » on an exam seat, « Accueil » elsewhere."""
        if action in ("home", "leave") and (action == "leave") != is_kiosk(screen):
            return False
        return True if self.ready() else None


def is_kiosk(screen: Screen[None]) -> bool:
    """The screen belongs to an exam seat (leaving the results ends the program)."""
    return bool(getattr(screen.app, "kiosk", False))


def notify_history_error(screen: Screen[None], error: str | None) -> None:
    """The result is saved but the history was not updated (``error``): say so, for long."""
    if error:
        screen.notify(error, title="Historique non mis à jour", severity="error", timeout=20)


def leave_results(screen: Screen[None]) -> None:
    """Esc on a results screen: back to frappe's home screen, or the end of the program on an
    exam seat (dismissed in another app)."""
    from frappe.tui.app import FrappeApp  # noqa: PLC0415 - cycle

    app = screen.app
    if isinstance(app, FrappeApp):
        app.go_home()
    else:
        screen.dismiss()


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
        from frappe.tui.screens.practice import ProgressScreen  # noqa: PLC0415 - cycle

        self.app.push_screen(ProgressScreen(self.saved.record.candidate.name, self.config))

    def action_export(self) -> None:
        self._export()

    @work(thread=True, exclusive=True, exit_on_error=False, group="export")
    def _export(self) -> str:
        output = self.saved.path.with_suffix(".md")
        write_report(self.saved.record, self.saved.score, output, self.saved.path)
        return str(output)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "export":
            return
        if event.state is WorkerState.SUCCESS:
            self.notify(f"Rapport écrit : {event.worker.result}", title="Rapport")
        elif event.state is WorkerState.ERROR:
            error = event.worker.error
            message = str(error) if isinstance(error, FrappeError | OSError) else repr(error)
            self.notify(message, title="Rapport non écrit", severity="error")
