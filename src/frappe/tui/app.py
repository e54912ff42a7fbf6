"""The frappe Textual app: admission test, practice, dictation, results, crash recovery.

The app is the only module that knows the screens: a screen asks for another one through the
app's navigation methods (:class:`frappe.tui.navigation.Navigator`) or a message. ``make_app``
is the factory the command line and the tests share.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import Hit, Hits, Provider
from textual.driver import Driver
from textual.notifications import SeverityLevel
from textual.screen import Screen

from frappe.errors import FrappeError
from frappe.exercises.dictations import Dictation
from frappe.exercises.session import SessionState
from frappe.runs.dictation import (
    DictationSpec,
    RunningDictation,
    SavedTranscription,
    resume_dictation,
    start_dictation,
)
from frappe.runs.typing import SavedResult, TypingSpec, resume_test, start_test
from frappe.settings import Settings, load_settings
from frappe.storage.journal import JournalContents, read_journal, unfinished_journals
from frappe.tui.config import (
    AppConfig,
    DictationOptions,
    StartDashboard,
    StartDictation,
    StartExam,
    StartResume,
    StartRoomTake,
    StartScreen,
)
from frappe.tui.dialogs.confirm import ConfirmScreen, replace_finished_screen
from frappe.tui.keymap import load_keymap
from frappe.tui.navigation import Navigator, OpenCandidateView, OpenClassView, OpenRosterImport
from frappe.tui.screens.dictation import DictationScreen
from frappe.tui.screens.dictation_picker import DictationPickerScreen
from frappe.tui.screens.dictation_results import DictationResultsScreen
from frappe.tui.screens.draft_review import DraftReviewScreen
from frappe.tui.screens.exam_setup import ExamSetupScreen, InstructionsScreen
from frappe.tui.screens.history import HistoryScreen
from frappe.tui.screens.home import HomeScreen
from frappe.tui.screens.kiosk import SeatScreen
from frappe.tui.screens.practice import PracticeSetupScreen, ProgressScreen
from frappe.tui.screens.results import ResultsScreen
from frappe.tui.screens.resume import ResumeScreen
from frappe.tui.screens.roster import RosterScreen
from frappe.tui.screens.seance import SeanceScreen
from frappe.tui.screens.suivi import CandidateScreen, ClassScreen
from frappe.tui.screens.typing import TypingScreen
from frappe.tui.terminal import private_output_driver
from frappe.tui.workers import WorkerGroup

if TYPE_CHECKING:
    from frappe.runs.typing import RunningTest
    from frappe.tui.playback.host import PlayerHost
    from frappe.tui.room import RoomOffer, SeatRoom

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
            (
                "Tests non terminés",
                "Reprendre ou clore un test ou une dictée",
                app.check_unfinished,
            ),
            (
                "Formateur",
                "Brouillons de reconnaissance vocale et références des dictées",
                partial(app.open_menu, "trainer"),
            ),
            (
                "Réglages",
                "Sortie audio et pédale de ce poste (son de test, apprentissage)",
                partial(app.open_menu, "settings"),
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

    def __init__(
        self, config: AppConfig, start: StartScreen = None, *, kiosk: bool | None = None
    ) -> None:
        super().__init__()
        self.config = config
        self.start = start
        # A seat of a room (config.room_url): what the room offers, joining, resuming.
        self.room: SeatRoom | None = None
        # An exam seat (« frappe typing », a room's script for one candidate, « frappe room
        # take », or a dictation in evaluation): leaving the results ends the program; no home
        # menu, no command palette, no other results.
        if kiosk is None:
            kiosk = isinstance(start, StartExam | StartRoomTake) or (
                isinstance(start, StartDictation) and start.spec.mode == "exam"
            )
        self.kiosk = kiosk
        if self.kiosk:
            self.use_command_palette = False

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

    def action_help_quit(self) -> None:
        """Ctrl+C: how to quit, in French (Textual's own text is English with markup, and
        notifications here show markup as written)."""
        for key, active in self.active_bindings.items():
            if active.binding.action in ("quit", "app.quit"):
                shown = "+".join(part.capitalize() for part in key.split("+"))
                self.notify(f"Pour quitter, appuyez sur {shown}.", title="Quitter ?")
                return

    def get_driver_class(self) -> type[Driver]:
        # The screen's output must not follow descriptor 2 into /dev/null (tui/terminal.py).
        return private_output_driver(super().get_driver_class())

    def get_default_screen(self) -> Screen[None]:
        return SeatScreen() if self.kiosk else HomeScreen()

    def on_mount(self) -> None:
        self.apply_keymap()
        start = self.start
        if isinstance(start, StartExam):
            if start.skip_instructions:
                self.start_test(start.spec)
            else:
                self.push_screen(InstructionsScreen(start.spec, self.config))
        elif isinstance(start, StartResume):
            self.check_unfinished(start.journal, announce_none=True)
        elif isinstance(start, StartDashboard):
            self.open_dashboard(start.url, start.seance_id)
        elif isinstance(start, StartRoomTake):
            self.room_take(start)
        elif isinstance(start, StartDictation):
            self._start_dictation(start)
        elif self.config.check_journals:
            self.check_unfinished()
        if self.config.room_url and not isinstance(start, StartDashboard):
            self.watch_room(self.config.room_url)

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
        if self.kiosk:
            return
        if isinstance(self.screen, TypingScreen):
            self.notify("Terminez d'abord le test en cours.", severity="warning")
            return
        if choice == "exam":
            self.push_screen(ExamSetupScreen(self.config))
        elif choice == "dictation":
            self.push_screen(DictationPickerScreen(self.config))
        elif choice == "practice":
            self.push_screen(PracticeSetupScreen(self.config))
        elif choice == "results":
            self.push_screen(HistoryScreen(self.config))
        elif choice == "suivi":
            self.push_screen(ClassScreen(self.config))
        elif choice == "trainer":
            from frappe.tui.screens.trainer import TrainerScreen  # noqa: PLC0415 - rarely used

            self.push_screen(TrainerScreen())
        elif choice == "settings":
            from frappe.tui.screens.settings import SettingsScreen  # noqa: PLC0415 - rarely used

            self.push_screen(SettingsScreen())
        elif choice.startswith("seance"):
            self.open_seance(choice.partition(":")[2] or None)
        elif choice.startswith("resume:"):
            self.resume_room_attempt(int(choice.partition(":")[2]))
        elif choice == "dashboard":
            from frappe.tui.room import trainer_url  # noqa: PLC0415

            url = trainer_url()
            if url is None:
                self.notify(
                    "Aucun serveur de salle sur ce PC (« frappe room serve ») ni "
                    "FRAPPE_ROOM_TRAINER_URL.",
                    title="Tableau de bord",
                    severity="warning",
                )
            else:
                self.open_dashboard(url, None)
        elif choice == "quit":
            self.exit(0)

    def on_open_class_view(self, message: OpenClassView) -> None:
        self.push_screen(ClassScreen(self.config, group=message.group))

    def on_open_candidate_view(self, message: OpenCandidateView) -> None:
        self.push_screen(CandidateScreen(self.config, message.query, group=message.group))

    def on_open_roster_import(self, message: OpenRosterImport) -> None:
        self.push_screen(RosterScreen(self.config, group=message.group))

    def start_test(self, spec: TypingSpec, *, replace: bool = False) -> bool:
        """Open a session and its journal, and show the typing screen (replacing the current
        screen or on top of it). False (with a notification) when the journal cannot be
        created."""
        config = self.config
        try:
            running = start_test(
                spec, config.storage, clock=config.clock, sync_interval=config.sync_interval
            )
        except FrappeError as error:
            self.notify(str(error), title="Impossible de commencer", severity="error")
            return False
        self._show(TypingScreen(running, config), replace=replace)
        return True

    def dictation_options(self) -> DictationOptions:
        """The app's dictation options (``frappe dictation``'s flags), completed by the
        settings file as it is now."""
        return self.config.dictation.with_settings(self.read_settings())

    def read_settings(self) -> Settings:
        """The settings file; one notification and the defaults when it cannot be used."""
        try:
            return load_settings()
        except FrappeError as error:
            self.notify(str(error), title="Réglages par défaut", severity="error", timeout=20)
            return Settings()

    def start_dictation(self, spec: DictationSpec, *, replace: bool = False) -> bool:
        """Open a transcription (or correction) session and its journal, and show the
        dictation screen. False (with a notification) when it cannot start (no reference, no
        draft…)."""
        config = self.config
        try:
            running = start_dictation(
                spec, config.storage, clock=config.clock, sync_interval=config.sync_interval
            )
        except FrappeError as error:
            self.notify(str(error), title="Impossible de commencer", severity="error")
            return False
        self._show(DictationScreen(running, config, self.dictation_options()), replace=replace)
        return True

    def _start_dictation(self, start: StartDictation) -> None:
        """``frappe dictation``: its unfinished journal resumed, or a new one."""
        if start.resume is not None and self.resume_journal(start.resume):
            return
        self.start_dictation(start.spec)

    def resume_journal(self, contents: JournalContents) -> bool:
        """Go on with an unfinished typing test, dictation or correction, with its text and
        the time left. False (with a notification) when the journal cannot be resumed."""
        try:
            screen = self._resumed_screen(contents)
        except FrappeError as error:
            self.notify(str(error), title="Reprise impossible", severity="error")
            return False
        self.push_screen(screen)
        return True

    def _resumed_screen(self, contents: JournalContents) -> Screen[None]:
        config = self.config
        if contents.header.config.kind in ("transcription", "correction"):
            dictation = resume_dictation(
                contents, config.storage, clock=config.clock, sync_interval=config.sync_interval
            )
            return DictationScreen(dictation, config, self.dictation_options())
        running = resume_test(
            contents, config.storage, clock=config.clock, sync_interval=config.sync_interval
        )
        if config.room_url:  # a seat: a room attempt goes on being forwarded
            from frappe.runs.room_test import rejoin_room  # noqa: PLC0415 - psycopg for seats
            from frappe.storage.room.seat_link import connect_seat  # noqa: PLC0415

            url = config.room_url
            running = rejoin_room(running, lambda: connect_seat(url))
        return TypingScreen(running, config)

    def show_results(
        self,
        saved: SavedResult | SavedTranscription,
        *,
        finished: Screen[Any] | None = None,
        player: PlayerHost | None = None,
    ) -> None:
        """Show a saved result: in place of the ``finished`` exercise's screen (a dictation
        hands over its player host for « écouter ce passage »), or on top of the current
        screen (from the history)."""
        just_finished = finished is not None
        results: Screen[None]
        if isinstance(saved, SavedTranscription):
            results = DictationResultsScreen(
                saved, self.config, player=player, just_finished=just_finished
            )
        else:
            results = ResultsScreen(saved, self.config, just_finished=just_finished)
        if finished is not None:
            replace_finished_screen(finished, results)
        else:
            self.push_screen(results)

    def show_progress(self, candidate: str) -> None:
        """A trainee's progression (chart, weakest keys, missed words)."""
        self.push_screen(ProgressScreen(candidate, self.config))

    def review_draft(self, dictation: Dictation) -> None:
        """The trainer's review of a dictation's speech-recognition draft."""
        self.push_screen(DraftReviewScreen(dictation, self.dictation_options()))

    def _show(self, screen: Screen[None], *, replace: bool) -> None:
        if replace:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def go_home(self) -> None:
        """Back to the home screen (a running test is never left this way); on an exam seat
        (``frappe typing``, ``frappe room take``) the program ends instead."""
        if any(_test_running(s) for s in self.screen_stack):
            return
        if self.kiosk:
            self.exit(0)
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
            self.notify("Aucun test ni dictée non terminé.", title="Reprise")

    # -- room ------------------------------------------------------------------------------

    def watch_room(self, url: str) -> None:
        """This PC is a seat: show what the room offers on the home screen, live."""
        from frappe.tui.room import SeatRoom  # noqa: PLC0415 - psycopg only for a seat

        def offered(offer: RoomOffer) -> None:
            if not self.is_running:
                return
            with contextlib.suppress(RuntimeError):  # the app closed meanwhile
                self.call_from_thread(self._show_offer, offer)

        self.room = SeatRoom(url, self.config, offered)
        self.room.watch()

    def _show_offer(self, offer: RoomOffer) -> None:
        from frappe.tui.room import trainer_url  # noqa: PLC0415

        home = self.screen_stack[0] if self.screen_stack else None
        if isinstance(home, HomeScreen) and self.room is not None:
            home.show_room(
                offer.seance_labels(),
                offer.resume_labels(),
                dashboard=trainer_url() is not None,
                status=self.room.status_line(),
            )

    def open_seance(self, seance_id: str | None) -> None:
        """The séance's rules and identification (a seat's home screen entry)."""
        offer = self.room.offer if self.room is not None else None
        if offer is None or not offer.seances:
            message = offer.message if offer is not None and offer.message else ""
            self.notify(
                message or "Aucune séance ouverte sur le serveur de salle.",
                title="Séance",
                severity="warning",
            )
            return
        seance = next((s for s in offer.seances if s.id == seance_id), offer.seances[0])
        self.push_screen(SeanceScreen(seance))

    def room_take(self, start: StartRoomTake) -> None:
        """``frappe room take``: the séance for one candidate, straight away."""
        assert self.config.room_url is not None
        from frappe.tui.room import SeatRoom  # noqa: PLC0415

        room = SeatRoom(self.config.room_url, self.config, lambda _offer: None)

        def work() -> None:
            try:
                seance = room.pick_seance(start.seance_id)
                running = room.take(seance, start.candidate)
            except FrappeError as error:
                self.call_from_thread(self.exit, 1, 1, f"frappe : {error}")
                return
            if start.skip_instructions or running.session.state is SessionState.RESUMED:
                self.call_from_thread(self._show_room_exam, running)
            else:  # the séance's rules, then « Commencer le test »
                self.call_from_thread(
                    self.push_screen, SeanceScreen(seance, start.candidate, running)
                )

        self.run_worker(work, thread=True, group=WorkerGroup.ROOM, exit_on_error=False)

    def on_seance_screen_start(self, message: SeanceScreen.Start) -> None:
        room = self.room
        screen = self.screen
        if room is None:
            return

        def work() -> None:
            try:
                running = room.join(message.seance.id, message.candidate)
            except FrappeError as error:
                self.call_from_thread(self._room_failed, screen, str(error))
                return
            if isinstance(screen, SeanceScreen):
                self.call_from_thread(screen.joined, running)

        self.run_worker(work, thread=True, group=WorkerGroup.ROOM, exit_on_error=False)

    def on_seance_screen_go(self, message: SeanceScreen.Go) -> None:
        self._show_room_exam(message.running)

    def on_seance_screen_leave(self, _message: SeanceScreen.Leave) -> None:
        if self.kiosk:
            self.exit(0)
        elif len(self.screen_stack) > 1:
            self.pop_screen()

    def resume_room_attempt(self, attempt_id: int) -> None:
        """« Reprendre sur ce poste »: an attempt whose PC died goes on here."""
        room = self.room
        if room is None:
            return
        screen = self.screen

        def work() -> None:
            try:
                running = room.resume(attempt_id)
            except FrappeError as error:
                self.call_from_thread(self._room_failed, screen, str(error))
                return
            self.call_from_thread(self._show_room_exam, running)

        self.run_worker(work, thread=True, group=WorkerGroup.ROOM, exit_on_error=False)

    def _room_failed(self, screen: Screen[object], error: str) -> None:
        self.notify(error, title="Salle", severity="error", timeout=15)
        if isinstance(screen, SeanceScreen):
            screen.failed()

    def _show_room_exam(self, running: RunningTest | RunningDictation) -> None:
        screen: Screen[None]
        if isinstance(running, RunningDictation):  # the séance's dictation on this seat's player
            screen = DictationScreen(running, self.config, self.dictation_options())
        else:
            screen = TypingScreen(running, self.config)
        if isinstance(self.screen, SeanceScreen):
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def open_dashboard(self, url: str, seance_id: str | None) -> None:
        """The trainer's live view of the room."""
        from frappe.tui.screens.room_dashboard import RoomDashboardScreen  # noqa: PLC0415

        self.push_screen(RoomDashboardScreen(url, seance_id))

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

        if any(isinstance(s, DictationScreen) for s in running):
            question = (
                "Une dictée est en cours. Quitter quand même ?\n"
                "Elle pourra être reprise au prochain démarrage (ou « frappe resume »)."
            )
            cancel = "Continuer la dictée"
        else:
            question = (
                "Un test est en cours. Quitter quand même ?\n"
                "Le test pourra être repris au prochain démarrage (ou « frappe resume »)."
            )
            cancel = "Continuer le test"
        self.push_screen(ConfirmScreen(question, confirm="Quitter", cancel=cancel), answered)


def _test_running(screen: Screen[object]) -> bool:
    """A typing test or a dictation is under way on this screen."""
    if isinstance(screen, TypingScreen):
        return not screen.running.session.finished
    return isinstance(screen, DictationScreen) and screen.session_running


def make_app(config: AppConfig | None = None, start: StartScreen = None) -> FrappeApp:
    """Build the app (the command line and the tests use this)."""
    return FrappeApp(config or AppConfig(), start)


if TYPE_CHECKING:
    # The screens' view of the app (checked by mypy): every navigation method is here.
    _NAVIGATOR: type[Navigator] = FrappeApp
