"""Choosing a dictation: who transcribes, which recording, with which deadline, and whether to
type it from nothing or correct its speech-recognition draft; and the dictations left
unfinished (a crash, a closed terminal), to resume or close."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Input,
    Label,
    OptionList,
    Select,
    Static,
    Switch,
)
from textual.widgets.option_list import Option

from frappe.durations import format_position
from frappe.errors import FrappeError
from frappe.exercises.dictations import Corpus, Dictation, load_corpus, short_document_type
from frappe.exercises.drafts import has_draft, no_draft_message
from frappe.exercises.record import Candidate
from frappe.runs.dictation import DictationExercise, DictationSpec, unfinished_dictations
from frappe.storage.journal import JournalContents
from frappe.tui.config import AppConfig
from frappe.tui.navigation import navigator
from frappe.tui.unfinished import UnfinishedJournalScreen, describe_journal

__all__ = ["DictationPickerScreen", "deadline_label"]

SUGGESTED = -1.0
# The table fits 80 columns with the draft column.
TITLE_WIDTH = 26
NO_DEADLINE = 0.0
EXERCISES: list[tuple[str, DictationExercise]] = [
    ("Transcription", "transcription"),
    ("Correction du brouillon de reconnaissance vocale", "correction"),
]


def deadline_label(minutes: float | None) -> str:
    """``20 min`` or ``—``."""
    return "—" if minutes is None else f"{minutes:g} min"


class DictationPickerScreen(UnfinishedJournalScreen):
    """The dictations of the corpus, the candidate's name, the deadline, the exercise type."""

    DEFAULT_CSS = """
    #picker-unfinished {
        height: auto;
        max-height: 5;
        margin: 0 1;
    }
    #picker-table {
        height: 1fr;
        margin: 0 1;
    }
    #picker-deadline {
        width: 30;
    }
    #picker-exam-label {
        width: auto;
        padding: 1 1 0 2;
    }
    #picker-buttons {
        height: auto;
        align-horizontal: right;
        margin: 0 1;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Retour", id="dictation_picker.back"),
        Binding("ctrl+r", "resume", "Reprendre", id="dictation_picker.resume", priority=True),
        Binding("ctrl+o", "close_unfinished", "Clore", id="dictation_picker.close", priority=True),
    ]

    def __init__(self, config: AppConfig, *, name: str = "") -> None:
        super().__init__()
        self.config = config
        self.default_name = name
        self.dictations: list[Dictation] = []
        self.unfinished: list[JournalContents] = []

    def compose(self) -> ComposeResult:
        yield Static("Dictées — transcription audio", id="picker-title")
        with Vertical(id="picker-form"):
            with Horizontal(classes="form-row"):
                yield Label("Nom du candidat", classes="form-label")
                yield Input(self.default_name, id="picker-name", placeholder="Nom Prénom")
            with Horizontal(classes="form-row"):
                yield Label("Temps limite", classes="form-label")
                yield Select(
                    [("Temps conseillé", SUGGESTED), ("Sans limite", NO_DEADLINE)]
                    + [(f"{m} min", float(m)) for m in (10, 15, 20, 30, 45)],
                    value=SUGGESTED,
                    allow_blank=False,
                    id="picker-deadline",
                )
                yield Label("Évaluation", id="picker-exam-label")
                yield Switch(False, id="picker-exam")
            with Horizontal(classes="form-row"):
                yield Label("Exercice", classes="form-label")
                yield Select(
                    EXERCISES, value="transcription", allow_blank=False, id="picker-exercise"
                )
        yield OptionList(id="picker-unfinished")
        yield DataTable(id="picker-table", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="picker-buttons"):
            yield Button("Retour", id="back")
            yield Button("Commencer", id="start", variant="primary")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#picker-table", DataTable)
        table.add_columns("Dictée", "Titre", "Type", "Durée", "Temps", "Brouillon")
        try:
            loaded = load_corpus()
        except FrappeError as error:
            loaded = Corpus([], [])
            self.notify(str(error), title="Dictées introuvables", severity="error")
        for problem in loaded.problems:
            self.notify(problem, title="Dictée ignorée", severity="warning", timeout=15)
        corpus = loaded.dictations
        # A trainer's new recording has no reviewed reference until it is accepted: it cannot
        # be scored, so it is not offered to trainees yet.
        self.dictations = [d for d in corpus if d.reference.is_file()]
        waiting = len(corpus) - len(self.dictations)
        if waiting:
            self.notify(
                f"{waiting} dictée(s) sans référence relue ne sont pas proposées : "
                "relecture dans l'écran Formateur (touche f de l'accueil).",
                title="Dictées à relire",
            )
        for dictation in self.dictations:
            title = dictation.title
            table.add_row(
                dictation.id[:3],
                title if len(title) <= TITLE_WIDTH else title[: TITLE_WIDTH - 1] + "…",
                short_document_type(dictation.document_type),
                format_position(round(dictation.duration_s)),
                deadline_label(dictation.deadline_min),
                "✓" if has_draft(dictation) else "—",
                key=dictation.id,
            )
        self._fill_unfinished()
        self.query_one("#picker-name", Input).focus()

    def _fill_unfinished(self) -> None:
        option_list = self.query_one("#picker-unfinished", OptionList)
        option_list.clear_options()
        try:
            self.unfinished = unfinished_dictations(self.config.storage.journal_dir)
        except FrappeError:
            self.unfinished = []
        option_list.display = bool(self.unfinished)
        for index, contents in enumerate(self.unfinished):
            option_list.add_option(
                Option(f"⚠ Non terminée : {describe_journal(contents)}", id=str(index))
            )
        if self.unfinished:
            option_list.highlighted = 0
            option_list.border_title = "Dictées non terminées : Ctrl+R reprendre · Ctrl+O clore"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("resume", "close_unfinished"):
            return bool(self.unfinished)
        return True

    # -- choosing ----------------------------------------------------------------------------

    def selected(self) -> Dictation | None:
        """The dictation under the cursor."""
        table = self.query_one("#picker-table", DataTable)
        row = table.cursor_row
        if not self.dictations or row is None or not 0 <= row < len(self.dictations):
            return None
        return self.dictations[row]

    def _read_name(self) -> str | None:
        name = " ".join(self.query_one("#picker-name", Input).value.split())
        if not name:
            self.notify("Saisissez le nom du candidat.", title="Dictée", severity="error")
            self.query_one("#picker-name", Input).focus()
            return None
        return name

    @property
    def exercise(self) -> DictationExercise:
        """The exercise chosen: ``transcription`` or ``correction`` of the draft."""
        value = self.query_one("#picker-exercise", Select).value
        return "correction" if value == "correction" else "transcription"

    def deadline_s(self, dictation: Dictation) -> float | None:
        """The deadline chosen for ``dictation``, in seconds (None: none)."""
        value = self.query_one("#picker-deadline", Select).value
        if value == SUGGESTED:
            return None if dictation.deadline_min is None else dictation.deadline_min * 60.0
        if not isinstance(value, float) or value <= 0:
            return None
        return value * 60.0

    @on(Input.Submitted, "#picker-name")
    def _name_entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#picker-table", DataTable).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_start()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_resume()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "start":
            self.action_start()
        else:
            self.action_back()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_start(self) -> None:
        """Start the selected dictation for the candidate."""
        name = self._read_name()
        dictation = self.selected()
        if name is None or dictation is None:
            return
        exercise = self.exercise
        if exercise == "correction" and not has_draft(dictation):
            self.notify(no_draft_message(dictation), title="Correction", severity="error")
            return
        exam = self.query_one("#picker-exam", Switch).value
        spec = DictationSpec(
            candidate=Candidate(name),
            dictation=dictation,
            deadline_s=self.deadline_s(dictation),
            mode="exam" if exam else "practice",
            exercise=exercise,
        )
        navigator(self).start_dictation(spec)

    # -- unfinished dictations ---------------------------------------------------------------

    def selected_journal(self) -> JournalContents | None:
        index = self.query_one("#picker-unfinished", OptionList).highlighted
        if index is None or not 0 <= index < len(self.unfinished):
            return None
        return self.unfinished[index]

    def journal_resumed(self, contents: JournalContents) -> None:
        self.unfinished.remove(contents)

    def journal_closed(self, contents: JournalContents) -> None:
        self._fill_unfinished()

    def action_resume(self) -> None:
        """Go on with the highlighted unfinished dictation."""
        self.resume_selected()

    def action_close_unfinished(self) -> None:
        """Close the highlighted unfinished dictation as interrupted (after confirmation)."""
        self.close_selected()

    def on_screen_resume(self) -> None:
        self._fill_unfinished()
