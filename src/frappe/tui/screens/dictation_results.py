"""The results of one transcription: identitovigilance first, the mark under the dictée barème,
"validé" or not, fidelity (WER/CER), terminology, listening statistics, the document with each
error highlighted by class, and the error list, with "play this passage" when the exercise has
word timings (``timings.json``). For a correction of a speech-recognition draft, the recognition
errors fixed, missed and introduced come first, with the missed and introduced ones listed."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any, ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from frappe.durations import format_duration
from frappe.errors import FrappeError
from frappe.exercises.drafts import DRAFT_SOURCES
from frappe.report import CLASS_LABELS, CLASS_STYLES, END_LABELS, OP_LABELS
from frappe.scoring.classify import ScoringError
from frappe.scoring.correction import CorrectionScore
from frappe.scoring.transcription import FlaggedError
from frappe.tui.config import AppConfig
from frappe.tui.screens.dictation import DictationOptions, dictation_options
from frappe.tui.widgets.dictation.listening import ListeningSummary
from frappe.tui.widgets.dictation.playback import PlayerControls, PlayerPort
from frappe.tui.widgets.dictation.run import SavedTranscription
from frappe.tui.widgets.dictation.status import format_speed
from frappe.tui.widgets.dictation.timings import PassageFinder, load_timings

__all__ = [
    "DictationResultsScreen",
    "correction_summary",
    "correction_tables",
    "highlight_transcription",
    "listening_rows",
    "transcription_rows",
]

_CRITICAL_STYLE = "bold white on red"
_REASONS = {"identité": "identité", "nombre": "nombre / date / dose", "unité": "unité"}


def _number(value: float, digits: int = 1) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f} %".replace(".", ",")


def _shown(text: str) -> str:
    if not text:
        return "—"
    shown = text.replace("\n", "⏎")
    return shown if len(shown) <= 40 else shown[:37] + "…"


def transcription_rows(saved: SavedTranscription) -> list[tuple[str, Text]]:
    """Metric rows, identitovigilance first (label, styled value)."""
    score = saved.score
    rows: list[tuple[str, Text]] = []
    if score.critical_errors:
        rows.append(
            (
                "Identitovigilance",
                Text(f"⚠ {score.critical_errors} erreur(s) critique(s)", style="bold red"),
            )
        )
    else:
        rows.append(("Identitovigilance", Text("aucune erreur critique", style="green")))
    if score.validated:
        verdict = Text("VALIDÉ", style="bold green")
    else:
        why = "erreur critique" if score.critical_errors else "note inférieure à 10"
        verdict = Text(f"NON VALIDÉ ({why})", style="bold red")
    faults = score.faults
    words = score.fidelity.words
    rows += [
        ("Résultat", verdict),
        ("Note", Text(f"{_number(score.mark_20, 2)} / 20", style="bold")),
        ("Fautes (dictée)", Text(_number(faults, 1 if faults % 1 else 0))),
        ("Terminologie", Text(f"{score.terminology_errors} erreur(s) sur des termes médicaux")),
        (
            "Fidélité",
            Text(
                f"WER {_percent(words.wer)} · CER {_percent(score.fidelity.cer)} "
                f"({words.ref_words} mots attendus, {words.hyp_words} saisis)"
            ),
        ),
        ("Temps", Text(format_duration(saved.record.duration_s))),
        ("Fin", Text(END_LABELS.get(saved.record.end_reason, saved.record.end_reason))),
        ("Barème", Text(score.profile.name)),
    ]
    return rows


def correction_summary(correction: CorrectionScore) -> Text:
    """``Erreurs de reconnaissance corrigées : 12/15 · oubliées : 3 · introduites : 1``."""
    total = len(correction.fixed) + len(correction.missed)
    line = Text("Erreurs de reconnaissance corrigées : ", style="bold")
    line.append(f"{len(correction.fixed)}/{total}", style="bold green" if total else "bold")
    line.append(" · oubliées : ", style="bold")
    line.append(str(len(correction.missed)), style="bold red" if correction.missed else "bold")
    line.append(" · introduites : ", style="bold")
    line.append(
        str(len(correction.introduced)), style="bold red" if correction.introduced else "bold"
    )
    return line


def _final_at(correction: CorrectionScore, error: ScoringError) -> str:
    return " ".join(e.hyp for e in correction.final_errors_at(error) if e.hyp)


def correction_tables(correction: CorrectionScore) -> list[Any]:
    """The recognition errors left in the text (reference, draft, final text) and the errors
    the trainee introduced where the draft was right (reference, final text)."""
    parts: list[Any] = []
    if correction.missed:
        missed = Table(
            title="Erreurs de reconnaissance oubliées",
            title_justify="left",
            title_style="bold red",
            header_style="bold",
        )
        missed.add_column("Attendu")
        missed.add_column("Brouillon")
        missed.add_column("Texte rendu")
        for error in correction.missed:
            missed.add_row(
                _shown(error.ref), _shown(error.hyp), _shown(_final_at(correction, error))
            )
        parts.append(missed)
    if correction.introduced:
        introduced = Table(
            title="Erreurs introduites",
            title_justify="left",
            title_style="bold red",
            header_style="bold",
        )
        introduced.add_column("Attendu (= brouillon)")
        introduced.add_column("Texte rendu")
        for error in correction.introduced:
            introduced.add_row(_shown(error.ref), _shown(error.hyp))
        parts.append(introduced)
    if not parts:
        parts.append(Text("Aucune erreur de reconnaissance oubliée ni introduite.", style="green"))
    return parts


def listening_rows(listening: ListeningSummary) -> list[tuple[str, str]]:
    """Listening statistics as (label, value)."""
    speeds = " · ".join(
        f"{format_speed(speed)} : {format_duration(seconds)}"
        for speed, seconds in sorted(listening.by_speed.items())
        if seconds >= 0.5
    )
    rows = [
        ("Temps d'écoute", format_duration(listening.listened_s)),
        ("Par vitesse", speeds or "—"),
        ("Pauses", str(listening.pauses)),
        ("Retours en arrière", str(listening.replays)),
    ]
    if listening.heard_ratio is not None:
        rows.append(
            (
                "Enregistrement",
                f"entendu à {_percent(listening.heard_ratio)} "
                f"({format_duration(listening.heard_s)}), réécouté à "
                f"{_percent(listening.reheard_ratio)} ({format_duration(listening.reheard_s)})",
            )
        )
    return rows


def _error_style(flagged: FlaggedError) -> str:
    if flagged.critical:
        return _CRITICAL_STYLE
    style = CLASS_STYLES.get(flagged.error.error_class, "reverse")
    return f"{style} underline" if flagged.terminology else style


def highlight_transcription(typed: str, errors: Sequence[FlaggedError]) -> Text:
    """The document with each error styled by class; critical errors in white on red,
    terminology errors underlined; an omission shows the missing text struck through."""
    out = Text()
    position = 0
    for flagged in sorted(errors, key=lambda f: f.error.hyp_span):
        error = flagged.error
        start, end = error.hyp_span
        if start < position:
            continue  # overlapping spans: the first one wins
        out.append(typed[position:start])
        style = _error_style(flagged)
        if start == end:
            out.append(error.ref.strip() or "␣", style=f"{style} strike")
        else:
            out.append(typed[start:end], style=style)
        position = end
    out.append(typed[position:])
    return out


def _legend(errors: Sequence[FlaggedError]) -> Text:
    if not errors:
        return Text("Aucune erreur.", style="green")
    legend = Text("Légende : ")
    if any(f.critical for f in errors):
        legend.append(" critique ", style=_CRITICAL_STYLE)
        legend.append(" ")
    if any(f.terminology and not f.critical for f in errors):
        legend.append(" terminologie ", style="underline")
        legend.append(" ")
    classes = {f.error.error_class for f in errors if not f.critical}
    for name in CLASS_LABELS:
        if name in classes:
            legend.append(f" {CLASS_LABELS[name]} ", style=CLASS_STYLES.get(name, ""))
            legend.append(" ")
    return legend


class DictationResultsScreen(Screen[None]):
    """One transcription result, in three tabs."""

    DEFAULT_CSS = """
    #dictation-results-title {
        height: 1;
        width: 100%;
        background: $primary;
        color: $text;
        text-style: bold;
        padding: 0 1;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "home", "Accueil", id="dictation_results.home"),
        Binding("l", "listen", "Écouter le passage", id="dictation_results.listen"),
        Binding("p", "pause", "Pause", id="dictation_results.pause"),
    ]

    def __init__(
        self,
        saved: SavedTranscription,
        config: AppConfig,
        *,
        controls: PlayerControls | None = None,
        options: DictationOptions | None = None,
    ) -> None:
        super().__init__()
        self.saved = saved
        self.config = config
        self.controls = controls
        self.options = options
        dictation = saved.dictation
        self._timings = load_timings(dictation.folder) if dictation is not None else None
        self._passages: PassageFinder | None = None
        self._passage_end: float | None = None
        self._pending_start: float | None = None

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
        )
        with TabbedContent(id="dictation-results-tabs"):
            with TabPane("Résultats", id="tab-metrics"), VerticalScroll():
                yield Static(self.metrics_view(), id="dictation-metrics")
            with TabPane("Document", id="tab-document"), VerticalScroll():
                yield Static(self.document_view(), id="dictation-document")
            with TabPane("Erreurs", id="tab-errors"):
                yield DataTable(id="dictation-errors", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#dictation-errors", DataTable)
        table.add_columns("", "Classe", "Type", "Attendu", "Saisi")
        for index, flagged in enumerate(self.saved.score.errors):
            error = flagged.error
            if flagged.critical:
                mark = Text(f"⚠ {_REASONS.get(flagged.reason or '', 'critique')}", style="bold red")
            elif flagged.terminology:
                mark = Text("terminologie", style="bold")
            else:
                mark = Text("")
            label = Text(
                CLASS_LABELS.get(error.error_class, error.error_class),
                style=CLASS_STYLES.get(error.error_class, ""),
            )
            table.add_row(
                mark,
                label,
                OP_LABELS.get(error.op, error.op),
                _shown(error.ref),
                _shown(error.hyp),
                key=str(index),
            )
        self.set_interval(0.2, self._check_passage)
        if self.saved.history_error:
            self.notify(
                self.saved.history_error,
                title="Historique non mis à jour",
                severity="error",
                timeout=20,
            )

    def on_unmount(self) -> None:
        if self.controls is not None:
            with contextlib.suppress(Exception):
                self.controls.player.close()
            self.controls = None

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
        where = Table.grid(padding=(0, 2))
        where.add_column(style="bold", no_wrap=True)
        where.add_column()
        where.add_row("Enregistré dans", Text(str(saved.path), style="italic", overflow="fold"))
        if saved.history_error:
            where.add_row("Historique", Text(saved.history_error, style="bold red"))
        parts: list[Any] = []
        correction = saved.correction
        if correction is not None:
            source = DRAFT_SOURCES.get(saved.record.draft_source or "", "")
            parts.append(correction_summary(correction))
            parts.append(Text(f"Brouillon : {source}\n" if source else "", style="dim"))
        critical = [f for f in saved.score.errors if f.critical]
        if critical:
            lines = Text("Erreurs critiques (identitovigilance)\n", style="bold red")
            for flagged in critical:
                error = flagged.error
                lines.append(
                    f"  ⚠ attendu « {_shown(error.ref)} », saisi « {_shown(error.hyp)} » "
                    f"({_REASONS.get(flagged.reason or '', 'critique')})\n",
                    style="red",
                )
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
            _legend(errors), Text(), highlight_transcription(self.saved.record.typed, errors)
        )

    # -- actions -----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("listen", "pause"):
            return self.has_timings and bool(self.saved.score.errors)
        return True

    def action_home(self) -> None:
        from frappe.tui.app import FrappeApp  # noqa: PLC0415 - cycle

        app = self.app
        if isinstance(app, FrappeApp):
            app.go_home()
        else:
            self.dismiss()

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
        self._passage_end = end
        if self.controls is None:
            self._pending_start = start
            self._load_player()
            return
        self._play_from(start)

    def action_pause(self) -> None:
        self._passage_end = None
        if self.controls is not None:
            try:
                self.controls.pause()
            except FrappeError as error:
                self.notify(str(error), title="Audio", severity="error")

    def _play_from(self, start: float) -> None:
        if self.controls is None:
            return
        try:
            self.controls.play_passage(start)
        except FrappeError as error:
            self.notify(str(error), title="Audio", severity="error")

    def _check_passage(self) -> None:
        controls, end = self.controls, self._passage_end
        if controls is None or end is None:
            return
        try:
            if controls.state != "playing":
                self._passage_end = None
            elif controls.player.position_s >= end:
                self._passage_end = None
                controls.pause()
        except Exception:
            self._passage_end = None

    @work(thread=True, exclusive=True, exit_on_error=False, group="results-audio")
    def _load_player(self) -> PlayerPort:
        dictation = self.saved.dictation
        assert dictation is not None  # passages exist only with the exercise
        options = self.options or dictation_options(self.app)
        player = options.players()(lambda _action: None)
        try:
            player.load(dictation.audio)
        except BaseException:
            player.close()
            raise
        return player

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "results-audio":
            return
        if event.state is WorkerState.SUCCESS:
            player = event.worker.result
            self.controls = PlayerControls(player)  # type: ignore[arg-type]
            if self._pending_start is not None:
                self._play_from(self._pending_start)
                self._pending_start = None
        elif event.state is WorkerState.ERROR:
            self.notify(str(event.worker.error), title="Audio indisponible", severity="error")
