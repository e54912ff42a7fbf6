"""The frappe Textual app: admission test, practice, results, crash recovery.

``make_app`` is the factory the command line and the tests share.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import ClassVar

from textual import events
from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import Hit, Hits, Provider
from textual.notifications import SeverityLevel
from textual.screen import Screen

from frappe.errors import FrappeError
from frappe.storage.journal import read_journal, unfinished_journals
from frappe.tui.config import AppConfig, StartExam, StartResume, StartScreen
from frappe.tui.keymap import load_keymap
from frappe.tui.navigation import OpenCandidateView, OpenClassView
from frappe.tui.screens.confirm import ConfirmScreen
from frappe.tui.screens.dictation import DictationScreen
from frappe.tui.screens.exam_setup import ExamSetupScreen, InstructionsScreen
from frappe.tui.screens.history import HistoryScreen
from frappe.tui.screens.home import HomeScreen
from frappe.tui.screens.practice import PracticeSetupScreen
from frappe.tui.screens.resume import ResumeScreen
from frappe.tui.screens.suivi import CandidateScreen, ClassScreen
from frappe.tui.screens.typing import TypingScreen, launch_test

__all__ = ["FrappeApp", "make_app"]


class FrappeCommands(Provider):
    """frappe's entries in the command palette."""

    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        app = self.app
        assert isinstance(app, FrappeApp)
        return [
            ("Accueil", "Revenir au menu principal", app.go_home),
            ("Test d'admission", "Configurer et lancer un test", partial(app.open_menu, "exam")),
            ("Entraînement", "S'entraîner sur un texte", partial(app.open_menu, "practice")),
            ("Résultats", "Historique des résultats", partial(app.open_menu, "results")),
            (
                "Tableaux de suivi",
                "Vue de classe, progression d'un candidat, exports",
                partial(app.open_menu, "suivi"),
            ),
            ("Tests non terminés", "Reprendre ou clore un test", app.check_unfinished),
            (
                "Formateur",
                "Brouillons de reconnaissance vocale et références des dictées",
                partial(app.open_menu, "trainer"),
            ),
        ]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield Hit(1.0, name, callback, help=help_text)


class FrappeApp(App[int]):
    """The app. Screens receive the configuration; they report back with messages."""

    CSS_PATH = "frappe.tcss"
    TITLE = "frappe"
    SUB_TITLE = "tests de frappe"
    COMMAND_PALETTE_DISPLAY = "Commandes"
    COMMANDS = App.COMMANDS | {FrappeCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quitter", id="app.quit", priority=True),
    ]

    def __init__(self, config: AppConfig, start: StartScreen = None) -> None:
        super().__init__()
        self.config = config
        self.start = start

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Notifications carry error messages and paths, never markup: « frappe[asr] » or a
        folder named « [salle 2] » must show as written (Textual would read them as tags)."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def get_default_screen(self) -> Screen[None]:
        return HomeScreen()

    def on_mount(self) -> None:
        self.apply_keymap()
        start = self.start
        if isinstance(start, StartExam):
            if start.skip_instructions:
                launch_test(self, start.spec, self.config, replace=False)
            else:
                self.push_screen(InstructionsScreen(start.spec, self.config))
        elif isinstance(start, StartResume):
            self.check_unfinished(start.journal, announce_none=True)
        elif self.config.check_journals:
            self.check_unfinished()

    def apply_keymap(self) -> None:
        """The centre's keys from ``keys.toml``; a file that cannot be used leaves the
        defaults and says why in one line."""
        try:
            keymap = load_keymap()
        except FrappeError as error:
            self.notify(str(error), title="Touches par défaut", severity="error", timeout=20)
            return
        if keymap:
            self.set_keymap(keymap)

    # -- navigation --------------------------------------------------------------------------

    def on_home_screen_chosen(self, message: HomeScreen.Chosen) -> None:
        self.open_menu(message.choice)

    def open_menu(self, choice: str) -> None:
        """Open a menu entry from the home screen (or the command palette)."""
        if isinstance(self.screen, TypingScreen):
            self.notify("Terminez d'abord le test en cours.", severity="warning")
            return
        if choice == "exam":
            self.push_screen(ExamSetupScreen(self.config))
        elif choice == "practice":
            self.push_screen(PracticeSetupScreen(self.config))
        elif choice == "results":
            self.push_screen(HistoryScreen(self.config))
        elif choice == "suivi":
            self.push_screen(ClassScreen(self.config))
        elif choice == "trainer":
            from frappe.tui.screens.trainer import TrainerScreen  # noqa: PLC0415 - rarely used

            self.push_screen(TrainerScreen())
        elif choice == "quit":
            self.exit(0)

    def on_open_class_view(self, message: OpenClassView) -> None:
        self.push_screen(ClassScreen(self.config, group=message.group))

    def on_open_candidate_view(self, message: OpenCandidateView) -> None:
        self.push_screen(CandidateScreen(self.config, message.query, group=message.group))

    def go_home(self) -> None:
        """Back to the home screen (a running test is never left this way)."""
        if any(_test_running(s) for s in self.screen_stack):
            return
        while len(self.screen_stack) > 1:
            self.pop_screen()

    def check_unfinished(self, journal: Path | None = None, *, announce_none: bool = False) -> None:
        """Offer to resume or close unfinished tests (one journal, or all of them)."""
        try:
            if journal is not None:
                found = [read_journal(journal)]
            else:
                found = unfinished_journals(self.config.storage.journal_dir)
        except FrappeError as error:
            self.notify(str(error), title="Journal illisible", severity="error")
            return
        if found:
            self.push_screen(ResumeScreen(found, self.config))
        elif announce_none:
            self.notify("Aucun test non terminé.", title="Reprise")

    # -- terminal focus ----------------------------------------------------------------------

    def on_app_blur(self, _event: events.AppBlur) -> None:
        screen = self.screen
        if isinstance(screen, TypingScreen):
            screen.focus_lost()

    def on_app_focus(self, _event: events.AppFocus) -> None:
        screen = self.screen
        if isinstance(screen, TypingScreen):
            screen.focus_gained()

    # -- quitting ----------------------------------------------------------------------------

    async def action_quit(self) -> None:
        running = [s for s in self.screen_stack if _test_running(s)]
        if not running:
            self.exit(0)
            return

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                for screen in running:
                    if isinstance(screen, TypingScreen):
                        screen.abandon()
                    # a DictationScreen closes its journal on unmount (it stays resumable)
                self.exit(0)

        self.push_screen(
            ConfirmScreen(
                "Un test est en cours. Quitter quand même ?\n"
                "Le test pourra être repris au prochain démarrage (ou « frappe resume »).",
                confirm="Quitter",
                cancel="Continuer le test",
            ),
            answered,
        )


def _test_running(screen: Screen[object]) -> bool:
    """A typing test or a dictation is under way on this screen."""
    if isinstance(screen, TypingScreen):
        return not screen.running.session.finished
    return isinstance(screen, DictationScreen) and screen.session_running


def make_app(config: AppConfig | None = None, start: StartScreen = None) -> FrappeApp:
    """Build the app (the command line and the tests use this)."""
    return FrappeApp(config or AppConfig(), start)
