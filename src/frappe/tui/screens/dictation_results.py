"""The results of one transcription: identitovigilance first, the mark under the dictée barème,
"validé" or not, fidelity (WER/CER), terminology, listening statistics, the document with each
error highlighted by class, and the error list, with "play this passage" when the exercise has
word timings (``timings.json``). For a correction of a speech-recognition draft, the recognition
errors fixed, missed and introduced come first, with the missed and introduced ones listed."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static, TabbedContent, TabPane
from textual.worker import Worker

from frappe.durations import format_duration, format_position
from frappe.errors import FrappeError
from frappe.exercises.drafts import DRAFT_SOURCES
from frappe.exercises.session import TIME_ADDED_EVENT
from frappe.exercises.timings import PassageFinder, load_timings
from frappe.reports.dictation_report import (
    ERROR_COLUMNS,
    correction_summary,
    correction_tables,
    critical_lines,
    error_cells,
    error_legend,
    highlight_transcription,
    listening_rows,
    transcription_rows,
)
from frappe.runs.dictation import SavedTranscription
from frappe.scoring.transcription import FlaggedError
from frappe.tui.config import AppConfig, DictationOptions
from frappe.tui.navigation import navigator
from frappe.tui.playback.controls import PlayerControls
from frappe.tui.playback.host import PlayerHost
from frappe.tui.results_keys import (
    KEYS_AFTER_BELL_S,
    AfterBell,
    leave_results,
    notify_history_error,
)

__all__ = ["DictationResultsScreen"]


def audio_outage_row(events: Sequence[Mapping[str, Any]]) -> tuple[str, str] | None:
    """« Sortie audio perdue » with how often and how long, and that the time was given back
    (the countdown stood still): the trainer sees why a dictation took longer."""
    lost = [
        int(e["ms"])
        for e in events
        if e.get("type") == TIME_ADDED_EVENT and isinstance(e.get("ms"), int)
    ]
    if not lost:
        return None
    times = "1 fois" if len(lost) == 1 else f"{len(lost)} fois"
    return (
        "Sortie audio perdue",
        f"{times}, {format_duration(sum(lost) / 1000)} au total — temps rendu au candidat",
    )


class DictationResultsScreen(Screen[None]):
    """One transcription result, in three tabs."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "home", "Accueil", id="dictation_results.home"),
        Binding("escape", "leave", "Terminer", id="dictation_results.leave"),
        Binding("l", "listen", "Écouter le passage", id="dictation_results.listen"),
        Binding("p", "pause", "Pause", id="dictation_results.pause"),
    ]

    def __init__(
        self,
        saved: SavedTranscription,
        config: AppConfig,
        *,
        player: PlayerHost | None = None,
        options: DictationOptions | None = None,
        just_finished: bool = False,
    ) -> None:
        super().__init__()
        self.saved = saved
        self.config = config
        self.after_bell = AfterBell(config.clock, just_finished=just_finished)
        self.player = player
        self.options = options
        dictation = saved.dictation
        self._timings = load_timings(dictation.folder) if dictation is not None else None
        self._passages: PassageFinder | None = None
        self._passage: tuple[float, float] | None = None

    @property
    def controls(self) -> PlayerControls | None:
        """The player's controls, once the recording is loaded."""
        return self.player.controls if self.player is not None else None

    @property
    def has_timings(self) -> bool:
        """Word timings are known: errors can be played."""
        return self._timings is not None

    @property
    def passages(self) -> PassageFinder | None:
        """The reference's passages in the recording (aligned on first use)."""
        if self._passages is None and self._timings is not None:
            self._passages = PassageFinder(self.saved.record.reference, self._timings)
        return self._passages

    def compose(self) -> ComposeResult:
        record = self.saved.record
        what = "de la correction du brouillon" if self.saved.correction else "de la dictée"
        yield Static(
            f"Résultats {what} — {record.candidate.name} — "
            f"{record.exercise_title or record.exercise_id}",
            id="dictation-results-title",
            markup=False,
        )
        with TabbedContent(id="dictation-results-tabs"):
            with TabPane("Résultats", id="tab-metrics"), VerticalScroll():
                yield Static(self.metrics_view(), id="dictation-metrics")
            with TabPane("Document", id="tab-document"), VerticalScroll():
                yield Static(self.document_view(), id="dictation-document")
            with TabPane("Erreurs", id="tab-errors"):
                yield Static(self.playback_text(), id="passage-status", markup=False)
                yield DataTable(id="dictation-errors", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#dictation-errors", DataTable)
        table.add_columns(*ERROR_COLUMNS)
        for index, flagged in enumerate(self.saved.score.errors):
            table.add_row(*error_cells(flagged), key=str(index))
        self.set_interval(0.2, self._show_playback)
        self.set_timer(KEYS_AFTER_BELL_S, self.refresh_bindings)
        notify_history_error(self, self.saved.history_error)

    def on_unmount(self) -> None:
        if self.player is not None:
            self.player.close()

    # -- rendering ---------------------------------------------------------------------------

    def metrics_view(self) -> Group:
        """The metrics tab: identitovigilance first, then mark, fidelity, listening."""
        saved = self.saved
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for label, value in transcription_rows(saved):
            table.add_row(label, value)
        listening = Table.grid(padding=(0, 2))
        listening.add_column(style="bold", no_wrap=True)
        listening.add_column()
        for label, text in listening_rows(saved.listening):
            listening.add_row(label, text)
        outage = audio_outage_row(saved.record.events)
        if outage is not None:
            listening.add_row(outage[0], Text(outage[1], style="bold yellow"))
        where = Table.grid(padding=(0, 2))
        where.add_column(style="bold", no_wrap=True)
        where.add_column()
        where.add_row("Enregistré dans", Text(str(saved.path), style="italic", overflow="fold"))
        if saved.notice:
            where.add_row("Remarque", Text(saved.notice, style="bold yellow"))
        if saved.history_error:
            where.add_row("Historique", Text(saved.history_error, style="bold red"))
        if saved.journal_error:
            where.add_row("Journal", Text(saved.journal_error, style="bold red"))
        parts: list[Any] = []
        correction = saved.correction
        if correction is not None:
            source = DRAFT_SOURCES.get(saved.record.draft_source or "", "")
            parts.append(correction_summary(correction))
            parts.append(Text(f"Brouillon : {source}\n" if source else "", style="dim"))
        critical = critical_lines(saved.score.errors)
        if critical:
            lines = Text("Erreurs critiques (identitovigilance)\n", style="bold red")
            for line in critical:
                lines.append(f"  ⚠ {line}\n", style="red")
            parts.append(lines)
        parts.append(table)
        if correction is not None:
            for part in correction_tables(correction):
                parts += [Text(), part]
        parts += [Text("\nÉcoute de l'enregistrement", style="bold"), listening, Text()]
        parts.append(where)
        return Group(*parts)

    def document_view(self) -> Group:
        """The document tab: the typed text, errors highlighted by class."""
        errors = self.saved.score.errors
        return Group(
            error_legend(errors), Text(), highlight_transcription(self.saved.record.typed, errors)
        )

    # -- actions -----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("listen", "pause") and not (self.has_timings and self.saved.score.errors):
            return False
        return self.after_bell.check(self, action)

    def action_home(self) -> None:
        leave_results(self)

    def action_leave(self) -> None:
        leave_results(self)

    def selected_error(self) -> FlaggedError | None:
        """The error under the cursor of the error list."""
        table = self.query_one("#dictation-errors", DataTable)
        errors = self.saved.score.errors
        row = table.cursor_row
        if row is None or not 0 <= row < len(errors):
            return None
        return errors[row]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_listen()

    def action_listen(self) -> None:
        """Play the recording where the selected error is ("play this passage")."""
        flagged = self.selected_error()
        passages = self.passages
        if passages is None or flagged is None:
            return
        passage = passages.passage(*flagged.error.ref_span)
        if passage is None:
            self.notify("Passage introuvable dans l'enregistrement.", severity="warning")
            return
        start, end = passage
        self._passage = (start, end)
        player = self._player()
        try:
            # The player pauses by itself at the end of the passage (exact on a paced device).
            if not player.play_passage(start, end):  # it plays once loaded
                player.load(self)
        except FrappeError as error:
            self.notify(str(error), title="Audio", severity="error")
        self._show_playback()

    def _player(self) -> PlayerHost:
        """The player host: the finished dictation's, or one of our own on first use."""
        if self.player is None:
            dictation = self.saved.dictation
            assert dictation is not None  # passages exist only with the exercise
            options = self.options or navigator(self).dictation_options()
            self.player = PlayerHost(options.players(), dictation.audio)
        return self.player

    def action_pause(self) -> None:
        if self.player is not None:
            try:
                self.player.pause()
            except FrappeError as error:
                self.notify(str(error), title="Audio", severity="error")

    def playback_text(self) -> str:
        """What « Écouter ce passage » is doing: loading, playing (where), the passage's end."""
        passage = self._passage
        if passage is None:
            return "l ou Entrée : écouter le passage de l'erreur choisie"
        span = f"{format_position(passage[0])}–{format_position(passage[1])}"
        controls = self.controls
        if controls is None:
            return f"Chargement de l'audio… (passage {span})"
        try:
            state = controls.state
            position = controls.player.position_s
        except Exception:
            return "Lecteur indisponible"
        where = f"{format_position(position)} / {format_position(controls.player.duration_s)}"
        if state == "playing":
            return f"▶ Lecture {where} — passage {span}"
        if state == "device_lost":
            return "⚠ Sortie audio perdue : rebranchez le casque puis l pour réécouter"
        if position >= passage[1] - 0.05:
            return f"■ Fin du passage {span} — l : réécouter"
        return f"⏸ Pause {where} — passage {span} — l : réécouter"

    def _show_playback(self) -> None:
        with contextlib.suppress(Exception):
            self.query_one("#passage-status", Static).update(self.playback_text())

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        outcome = self.player.worker_changed(event, self) if self.player is not None else None
        if outcome is None:
            return
        if outcome.kind == "loaded" and outcome.error is not None:
            self.notify(str(outcome.error), title="Audio", severity="error")
        elif outcome.kind == "load_failed" and outcome.error is not None:
            self.notify(str(outcome.error), title="Audio indisponible", severity="error")
        self._show_playback()
