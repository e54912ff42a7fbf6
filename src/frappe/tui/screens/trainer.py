"""The trainer's area: the dictation exercises with the state of their draft and reference, a
new exercise from a recording, speech-recognition drafts generated in the background, and the
review screen (``draft_review``).

Generating needs the ``asr`` extra and a model; everything else works without them, and a
missing extra or model is one French line with nothing written. Generation runs in a worker
thread with a progress bar; leaving stops it before anything is written. ``reference.txt`` is
never written here: only an explicit acceptance in the review screen does.
"""

from __future__ import annotations

import shlex
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Input,
    Label,
    ProgressBar,
    Select,
    Static,
    Switch,
)
from textual.worker import Worker, WorkerState, get_current_worker

from frappe.asr.model import LoadedModel
from frappe.asr.reference import (
    GeneratedDraft,
    GenerationStoppedError,
    Transcriber,
    check_targets,
    generate_draft,
    job_for_dictation,
)
from frappe.durations import format_position
from frappe.errors import FrappeError
from frappe.exercises.dictations import DOCUMENT_TYPES, Dictation, load_corpus
from frappe.runs.authoring import (
    NewExercise,
    create_exercise,
    exercise_state,
)
from frappe.tui.dialogs.confirm import ConfirmScreen
from frappe.tui.navigation import navigator
from frappe.tui.workers import WorkerGroup

__all__ = ["GenerationScreen", "ModelCache", "NewRecordingScreen", "TrainerScreen"]

_READ_ONLY = "dictée livrée avec frappe : lecture seule (créez un nouvel enregistrement, n)"
# Title characters shown in the list (the state columns must fit 80 columns).
TITLE_WIDTH = 24
SUGGESTED_DEADLINE = 0


class ModelCache:
    """The speech model, loaded on first use and kept while the trainer screen is open (a
    second draft does not pay the loading again)."""

    def __init__(self, loader: Callable[[], LoadedModel] | None = None) -> None:
        self._loader = loader
        self._model: LoadedModel | None = None
        self._lock = threading.Lock()

    def get(self) -> LoadedModel:
        """The model; AsrError (extra or model missing) from the loader."""
        with self._lock:
            if self._model is None:
                if self._loader is not None:
                    self._model = self._loader()
                else:
                    from frappe.asr.model import load_model  # noqa: PLC0415 - heavy, optional

                    self._model = load_model(None)
            return self._model


# --- generation -----------------------------------------------------------------------------


def _remaining(done: float, total: float, elapsed: float) -> str:
    if done <= 0 or total <= done:
        return ""
    left = elapsed / done * (total - done)
    return f" · reste ≈ {format_position(left + 0.999)}"


class GenerationScreen(ModalScreen[bool]):
    """A draft being generated: progress in audio seconds, time left, Esc to stop. Dismisses
    with True once ``draft.txt`` and ``timings.json`` are written."""

    DEFAULT_CSS = """
    GenerationScreen { align: center middle; }
    #generation { width: 72; height: auto; border: thick $primary; padding: 1 2;
                  background: $surface; }
    #generation-bar { margin: 1 0; }
    #generation-status { height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Abandonner", id="generation.leave"),
    ]

    class Advanced(Message):
        """Audio seconds transcribed (posted from the worker thread)."""

        def __init__(self, done: float, total: float, elapsed: float) -> None:
            super().__init__()
            self.done = done
            self.total = total
            self.elapsed = elapsed

    class Phase(Message):
        """What the worker is doing (posted from the worker thread)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(
        self, dictation: Dictation, models: ModelCache, transcribe: Transcriber | None = None
    ) -> None:
        super().__init__()
        self.dictation = dictation
        self.models = models
        self.transcribe = transcribe
        self.result: GeneratedDraft | None = None
        self.error: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="generation"):
            yield Static(
                f"Brouillon de « {self.dictation.title} »", id="generation-title", markup=False
            )
            yield ProgressBar(total=None, show_eta=False, id="generation-bar")
            yield Static("Chargement du modèle de reconnaissance vocale…", id="generation-status")
            yield Button("Abandonner", id="generation-leave", variant="error")

    def on_mount(self) -> None:
        self._generate()

    def _status(self, text: str | Text) -> None:
        self.query_one("#generation-status", Static).update(text)

    @work(thread=True, exclusive=True, exit_on_error=False, group=WorkerGroup.ASR_DRAFT)
    def _generate(self) -> GeneratedDraft:
        worker = get_current_worker()

        def stop_if_left() -> None:
            if worker.is_cancelled:
                raise GenerationStoppedError("génération abandonnée : rien n'a été écrit")

        model = self.models.get()
        stop_if_left()
        job = job_for_dictation(self.dictation)
        check_targets(job, force=True)  # never the reference, even through a link
        self.post_message(self.Phase(f"Transcription avec {model.name}…"))
        started = time.monotonic()

        def progress(done: float, total: float) -> None:
            stop_if_left()
            self.post_message(self.Advanced(done, total, time.monotonic() - started))

        def before_write() -> None:
            stop_if_left()
            check_targets(job, force=True)

        if self.transcribe is None:
            return generate_draft(job, model, progress=progress, before_write=before_write)
        return generate_draft(
            job, model, progress=progress, transcribe=self.transcribe, before_write=before_write
        )

    def on_generation_screen_phase(self, message: Phase) -> None:
        message.stop()
        self._status(message.text)

    def on_generation_screen_advanced(self, message: Advanced) -> None:
        message.stop()
        bar = self.query_one("#generation-bar", ProgressBar)
        bar.update(total=max(message.total, 0.001), progress=message.done)
        self._status(
            f"{message.done:.0f} / {message.total:.0f} s d'audio"
            + _remaining(message.done, message.total, message.elapsed)
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != WorkerGroup.ASR_DRAFT:
            return
        event.stop()
        if event.state is WorkerState.SUCCESS:
            result = event.worker.result
            assert isinstance(result, GeneratedDraft)
            self.result = result
            draft = result.draft
            self.app.notify(
                f"{len(draft.words)} mots, {format_position(draft.duration_s)} d'audio "
                f"(RTF {draft.rtf:.2f}) — à relire",
                title="Brouillon écrit",
            )
            self.dismiss(True)
        elif event.state is WorkerState.ERROR:
            error = event.worker.error
            text = str(error) if isinstance(error, FrappeError) else f"échec ({error})"
            self.error = text
            # Text, not markup: messages hold « frappe[asr] » and paths with brackets.
            self._status(Text.assemble((text, "bold red"), "\nRien n'a été écrit."))
            self.query_one("#generation-bar", ProgressBar).display = False
            self.query_one("#generation-leave", Button).label = "Retour"

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_leave()

    def action_leave(self) -> None:
        if self.result is None and self.error is None:
            self.workers.cancel_group(self, "asr-draft")
            self.app.notify("Génération abandonnée : rien n'a été écrit.", title="Brouillon")
        self.dismiss(False)


# --- a new recording ------------------------------------------------------------------------


def pasted_path(value: str) -> str:
    """A path as a file manager or a terminal pastes it: quoted (``'…'\\''…'``, ``"…"``),
    with backslash-escaped spaces, or as a ``file://`` URL (percent-encoded). A path that
    exists as typed is kept as typed (it may contain a quote or a backslash of its own)."""
    value = value.strip()
    if not value or Path(value).exists():
        return value
    if value.startswith("file://"):
        parsed = urllib.parse.urlsplit(value)
        if parsed.netloc in ("", "localhost"):
            return urllib.parse.unquote(parsed.path)
        return value
    try:
        parts = shlex.split(value)
    except ValueError:  # unbalanced quotes: not shell syntax after all
        return value
    if len(parts) == 1:
        return pasted_path(parts[0]) if parts[0].startswith("file://") else parts[0]
    return value


class NewRecordingScreen(ModalScreen[Dictation | None]):
    """The form of a new exercise; dismisses with the created exercise (None: cancelled)."""

    DEFAULT_CSS = """
    NewRecordingScreen { align: center middle; }
    #new-recording { width: 100%; max-width: 80; height: auto; max-height: 100%;
                     border: thick $primary; padding: 0 2; background: $surface;
                     overflow-y: auto; }
    #new-recording Label { width: 100%; }
    #new-punctuation-row Label { width: 1fr; }
    #new-punctuation-row { height: auto; }
    #new-level-row { height: auto; }
    #new-level-row Select { width: 1fr; }
    #new-punctuation-row Label { margin: 1 1 0 0; }
    #new-error { color: $error; height: auto; }
    #new-buttons { height: auto; align-horizontal: right; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Annuler", id="new_recording.cancel"),
    ]

    def __init__(self, corpus: Path | None = None) -> None:
        super().__init__()
        self.corpus = corpus

    def compose(self) -> ComposeResult:
        with Vertical(id="new-recording"):
            yield Static("[b]Nouvel enregistrement[/b]")
            yield Label("Fichier audio (wav, ogg, flac, mp3)")
            yield Input(placeholder="/chemin/vers/la/dictée.wav", id="new-audio")
            yield Label("Titre")
            yield Input(placeholder="Lettre au médecin traitant — suivi…", id="new-title")
            yield Label("Type de document")
            yield Select(
                [(kind.label, key) for key, kind in DOCUMENT_TYPES.items()],
                value="lettre",
                allow_blank=False,
                id="new-type",
            )
            with Horizontal(id="new-punctuation-row"):
                yield Label("Ponctuation dictée (« virgule », « point à la ligne »)")
                yield Switch(True, id="new-punctuation")
            with Horizontal(id="new-level-row"):
                yield Select(
                    [(f"Niveau {n}", n) for n in (1, 2, 3)],
                    value=2,
                    allow_blank=False,
                    id="new-level",
                )
                yield Select(
                    [("Temps conseillé (9 × la durée)", SUGGESTED_DEADLINE)]
                    + [(f"{m} min", m) for m in (5, 10, 15, 20, 30, 45, 60)],
                    value=SUGGESTED_DEADLINE,
                    allow_blank=False,
                    id="new-deadline",
                )
            yield Label("Termes médicaux, séparés par des virgules (facultatif)")
            yield Input(id="new-terms")
            yield Label(
                "Identité : noms, dates, numéros, doses, séparés par des points-virgules "
                "(erreurs critiques)"
            )
            yield Input(placeholder="Lucie Marchal ; 12/03/1958 ; IPP 20231187", id="new-identity")
            yield Static("", id="new-error")
            with Horizontal(id="new-buttons"):
                yield Button("Annuler", id="new-cancel")
                yield Button("Créer et générer le brouillon", id="new-create", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#new-audio", Input).focus()

    def form(self) -> NewExercise:
        """The exercise the form describes."""
        kind = self.query_one("#new-type", Select).value
        terms = self.query_one("#new-terms", Input).value
        identity = self.query_one("#new-identity", Input).value
        level = self.query_one("#new-level", Select).value
        deadline = self.query_one("#new-deadline", Select).value
        return NewExercise(
            audio=Path(pasted_path(self.query_one("#new-audio", Input).value)),
            title=self.query_one("#new-title", Input).value,
            document_type=kind if isinstance(kind, str) else "lettre",
            dictated_punctuation=self.query_one("#new-punctuation", Switch).value,
            terminology=tuple(t.strip() for t in terms.split(",") if t.strip()),
            # Semicolons: a French dose has a decimal comma (« 2,5 mg »).
            identity=tuple(i.strip() for i in identity.split(";") if i.strip()),
            level=level if isinstance(level, int) else 2,
            deadline_min=deadline if isinstance(deadline, int) and deadline > 0 else None,
        )

    def create(self) -> None:
        """Create the exercise, or say in one line what is wrong with the form."""
        new = self.form()
        if not pasted_path(self.query_one("#new-audio", Input).value):
            self.query_one("#new-error", Static).update("⚠ indiquez le fichier audio")
            return
        try:
            dictation = create_exercise(new, self.corpus)
        except FrappeError as error:
            self.query_one("#new-error", Static).update(Text(f"⚠ {error}"))
            return
        self.dismiss(dictation)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.create()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "new-create":
            self.create()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


# --- the list -------------------------------------------------------------------------------


def _mark(flag: bool) -> str:
    return "✓" if flag else "—"


class TrainerScreen(Screen[None]):
    """Every exercise with the state of its reference, draft, timings and review."""

    DEFAULT_CSS = """
    #trainer-help { height: auto; padding: 0 1; color: $text-muted; }
    #trainer-table { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Retour", id="trainer.back"),
        Binding("r", "review", "Relire", id="trainer.review"),
        Binding("g", "generate", "Générer le brouillon", id="trainer.generate"),
        Binding("n", "new", "Nouvel enregistrement…", id="trainer.new"),
    ]

    def __init__(
        self,
        *,
        loader: Callable[[], LoadedModel] | None = None,
        transcribe: Transcriber | None = None,
    ) -> None:
        super().__init__()
        self.models = ModelCache(loader)
        self.transcribe = transcribe
        self.dictations: list[Dictation] = []

    def compose(self) -> ComposeResult:
        yield Static(
            "Formateur — brouillons de reconnaissance vocale et références", id="trainer-title"
        )
        yield Static(
            "Entrée/r : relire et accepter comme référence · g : générer le brouillon "
            "(extra frappe\\[asr]) · n : nouvel enregistrement",
            id="trainer-help",
        )
        yield DataTable(id="trainer-table", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#trainer-table", DataTable)
        # Narrow headers and a shortened title: the state columns must fit 80 columns.
        table.add_columns("Id", "Titre", "Origine", "Réf.", "Brouil.", "Minut.", "Relecture")
        self.refill()
        table.focus()

    def on_screen_resume(self) -> None:
        self.refill()

    def refill(self, select: str | None = None) -> None:
        """Read the corpus again and redraw the list (cursor kept, or on ``select``)."""
        table = self.query_one("#trainer-table", DataTable)
        current = self.selected()
        keep = select or (current.id if current is not None else None)
        try:
            corpus = load_corpus()
        except FrappeError as error:
            self.notify(str(error), title="Dictées introuvables", severity="error")
            return
        for problem in corpus.problems:
            self.notify(problem, title="Exercice ignoré", severity="warning", timeout=10)
        self.dictations = corpus.dictations
        table.clear()
        for dictation in self.dictations:
            state = exercise_state(dictation)
            title = dictation.title
            table.add_row(
                dictation.id[:3],
                title if len(title) <= TITLE_WIDTH else title[: TITLE_WIDTH - 1] + "…",
                "formateur" if state.editable else "livrée",
                _mark(state.reference),
                _mark(state.draft),
                _mark(state.timings),
                "en cours" if state.review else "",
                key=dictation.id,
            )
        if keep is not None and any(d.id == keep for d in self.dictations):
            table.move_cursor(row=table.get_row_index(keep))

    def selected(self) -> Dictation | None:
        """The exercise under the cursor."""
        table = self.query_one("#trainer-table", DataTable)
        row = table.cursor_row
        if not self.dictations or row is None or not 0 <= row < len(self.dictations):
            return None
        return self.dictations[row]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_review()

    # -- actions -----------------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss()

    def action_review(self) -> None:
        dictation = self.selected()
        if dictation is not None:
            navigator(self).review_draft(dictation)

    def action_generate(self) -> None:
        dictation = self.selected()
        if dictation is None:
            return
        state = exercise_state(dictation)
        if not state.editable:
            self.notify(_READ_ONLY, severity="warning")
            return
        if not state.draft:
            self.generate(dictation)
            return
        question = (
            "Remplacer le brouillon existant (draft.txt et timings.json) ?\n"
            "La référence n'est jamais touchée."
        )
        if state.review:
            question += "\nVotre relecture en cours est gardée (Ctrl+R pour repartir du brouillon)."

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                self.generate(dictation)

        self.app.push_screen(
            ConfirmScreen(question, confirm="Remplacer", cancel="Garder"), answered
        )

    def generate(self, dictation: Dictation) -> None:
        """Generate the draft of ``dictation``, then open its review."""

        def done(written: bool | None) -> None:
            self.refill(select=dictation.id)
            if written:
                navigator(self).review_draft(dictation)

        self.app.push_screen(GenerationScreen(dictation, self.models, self.transcribe), done)

    def action_new(self) -> None:
        def created(dictation: Dictation | None) -> None:
            if dictation is None:
                return
            self.refill(select=dictation.id)
            self.notify(f"Exercice créé : {dictation.folder}", title="Nouvel enregistrement")
            self.generate(dictation)

        self.app.push_screen(NewRecordingScreen(), created)
