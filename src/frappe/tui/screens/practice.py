"""Practice mode: a text or a random passage, 1–5 minutes, free correction, live feedback;
and a trainee's progress (chart, weakest keys, slowest bigrams, missed words)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.markup import escape
from rich.table import Table
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Select, Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from frappe.errors import FrappeError
from frappe.exercises.practice_stats import (
    BigramTime,
    KeyErrors,
    missed_words,
    missed_words_text,
    random_passage,
    slowest_bigrams,
    weakest_keys,
)
from frappe.exercises.record import Candidate, ResultRecord
from frappe.exercises.texts import Text, load_texts
from frappe.runs.typing import TypingSpec, typing_score
from frappe.runs.verification import centre_rules, read_verified_record
from frappe.scoring.profiles import scoring_profile
from frappe.storage.history import HistoryEntry, open_history
from frappe.storage.store import ResultFilter
from frappe.tui.config import AppConfig
from frappe.tui.navigation import navigator
from frappe.tui.widgets.history.chart import ProgressChart
from frappe.tui.workers import WorkerGroup

__all__ = ["PracticeSetupScreen", "ProgressScreen", "start_practice"]

RANDOM = "__random__"
RECENT_SESSIONS = 10


def start_practice(
    screen: Screen[None], config: AppConfig, name: str, text: Text, minutes: int
) -> None:
    """Open a practice session on ``text`` and show the typing screen."""
    spec = TypingSpec(
        candidate=Candidate(name),
        text=text,
        duration_s=60.0 * minutes,
        backspace_allowed=True,
        profile=scoring_profile(),
        live_feedback=True,
        mode="practice",
    )
    navigator(screen).start_test(spec)


class PracticeSetupScreen(Screen[None]):
    """Who practises, on what, for how long."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Retour", id="practice.back"),
    ]

    def __init__(self, config: AppConfig, *, name: str = "") -> None:
        super().__init__()
        self.config = config
        self.default_name = name
        self.texts: list[Text] = []

    def compose(self) -> ComposeResult:
        try:
            self.texts, problems = load_texts(self.config.texts_dir)
        except FrappeError as error:
            self.notify(str(error), severity="error")
        else:
            for problem in problems:  # a bad text is left out, the others offered
                self.notify(problem, title="Texte ignoré", severity="warning")
        options = [("Passage aléatoire", RANDOM)] + [
            (f"{t.title} (niveau {t.level})", t.id) for t in self.texts
        ]
        yield Static("Entraînement", id="practice-title")
        with Vertical(id="practice-form"):
            with Horizontal(classes="form-row"):
                yield Label("Votre nom", classes="form-label")
                yield Input(self.default_name, id="practice-name", placeholder="Nom Prénom")
            with Horizontal(classes="form-row"):
                yield Label("Texte", classes="form-label")
                yield Select(options, value=RANDOM, allow_blank=False, id="practice-text")
            with Horizontal(classes="form-row"):
                yield Label("Durée", classes="form-label")
                yield Select(
                    [(f"{m} min", m) for m in range(1, 6)],
                    value=2,
                    allow_blank=False,
                    id="practice-duration",
                )
            with Horizontal(id="practice-buttons"):
                yield Button("Retour", id="back")
                yield Button("Mes progrès", id="progress")
                yield Button("Commencer", id="start", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#practice-name", Input).focus()

    def _read_name(self) -> str | None:
        name = " ".join(self.query_one("#practice-name", Input).value.split())
        if not name:
            self.notify("Saisissez votre nom.", title="Entraînement", severity="error")
            self.query_one("#practice-name", Input).focus()
            return None
        return name

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_start()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "start":
            self.action_start()
        elif event.button.id == "progress":
            self.action_progress()
        else:
            self.action_back()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_progress(self) -> None:
        name = self._read_name()
        if name:
            self.app.push_screen(ProgressScreen(name, self.config))

    def action_start(self) -> None:
        name = self._read_name()
        if name is None:
            return
        choice = self.query_one("#practice-text", Select).value
        minutes = self.query_one("#practice-duration", Select).value
        if choice == RANDOM:
            try:
                text = random_passage(self.texts)
            except ValueError:
                self.notify("Aucun texte disponible.", severity="error")
                return
        else:
            text = next(t for t in self.texts if t.id == choice)
        start_practice(
            self, self.config, name, text, int(minutes) if isinstance(minutes, int) else 2
        )


@dataclass(frozen=True, slots=True)
class _Progress:
    entries: list[HistoryEntry]
    keys: list[KeyErrors]
    bigrams: list[BigramTime]
    words: list[str]
    problems: list[str]


def _load_progress(config: AppConfig, name: str) -> _Progress:
    with open_history(config.storage.db_path) as history:
        entries = history.results(ResultFilter(name=name, kind="typing"))
    records: list[ResultRecord] = []
    errors = []
    problems: list[str] = []
    rules = centre_rules()
    for entry in entries[:RECENT_SESSIONS]:
        try:
            record = read_verified_record(Path(entry.result_path), rules).record
            errors.append(typing_score(record).comparison.errors)
        except FrappeError as error:
            problems.append(str(error))
            continue
        records.append(record)
    return _Progress(
        entries=list(reversed(entries)),
        keys=weakest_keys(records),
        bigrams=slowest_bigrams(records),
        words=missed_words(errors),
        problems=problems,
    )


class ProgressScreen(Screen[None]):
    """A trainee's progress: speed and accuracy over time, weak keys, slow bigrams, missed
    words (with a practice built from them)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Retour", id="progress.back"),
        Binding("m", "practise_missed", "Travailler les mots manqués", id="progress.missed"),
    ]

    def __init__(self, name: str, config: AppConfig) -> None:
        super().__init__()
        self.candidate = name
        self.config = config
        self.progress: _Progress | None = None

    def compose(self) -> ComposeResult:
        yield Static(f"Progression — {self.candidate}", id="progress-title", markup=False)
        with TabbedContent(id="progress-tabs"):
            with TabPane("Progression", id="tab-chart"):
                yield ProgressChart(id="progress-chart")
            with TabPane("Touches et enchaînements", id="tab-keys"), VerticalScroll():
                yield Static("Chargement…", id="keys")
            with TabPane("Mots manqués", id="tab-words"), VerticalScroll():
                yield Static("Chargement…", id="words")
                yield Button("Travailler les mots manqués", id="practise-missed")
        yield Footer()

    def on_mount(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group=WorkerGroup.PROGRESS)
    def _load(self) -> _Progress:
        return _load_progress(self.config, self.candidate)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != WorkerGroup.PROGRESS:
            return
        if event.state is WorkerState.SUCCESS:
            progress = event.worker.result
            assert isinstance(progress, _Progress)
            self.show(progress)
        elif event.state is WorkerState.ERROR:
            self.query_one("#keys", Static).update(f"⚠ {escape(str(event.worker.error))}")
            self.notify(str(event.worker.error), title="Historique", severity="error")

    def show(self, progress: _Progress) -> None:
        """Fill the tabs."""
        self.progress = progress
        self.query_one(ProgressChart).show_entries(progress.entries)
        keys = Table(title="Touches les plus fautives", box=None, header_style="bold")
        keys.add_column("Caractère")
        keys.add_column("Erreurs", justify="right")
        keys.add_column("Essais", justify="right")
        keys.add_column("Taux", justify="right")
        for key in progress.keys:
            keys.add_row(
                repr(key.char), str(key.errors), str(key.attempts), f"{100 * key.rate:.0f} %"
            )
        bigrams = Table(title="Enchaînements les plus lents", box=None, header_style="bold")
        bigrams.add_column("Paire")
        bigrams.add_column("Temps moyen", justify="right")
        bigrams.add_column("Mesures", justify="right")
        for pair in progress.bigrams:
            bigrams.add_row(repr(pair.bigram), f"{pair.mean_ms:.0f} ms", str(pair.count))
        grid = Table.grid(padding=(0, 4))
        grid.add_row(keys, bigrams)
        if not progress.keys and not progress.bigrams:
            self.query_one("#keys", Static).update("Pas encore assez de frappes enregistrées.")
        else:
            self.query_one("#keys", Static).update(grid)
        words = ", ".join(progress.words) if progress.words else "Aucun mot manqué récemment."
        self.query_one("#words", Static).update(
            f"Mots manqués lors des {RECENT_SESSIONS} dernières séances :\n\n{words}"
        )
        for problem in progress.problems:
            self.notify(problem, title="Résultat illisible", severity="warning")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "practise-missed":
            self.action_practise_missed()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_practise_missed(self) -> None:
        if self.progress is None or not self.progress.words:
            self.notify("Aucun mot manqué à travailler.", title="Mots manqués")
            return
        start_practice(self, self.config, self.candidate, missed_words_text(self.progress.words), 2)
