"""The results browser: the SQLite history, filtered by candidate; opens a result file."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static
from textual.worker import Worker, WorkerState

from frappe.errors import FrappeError
from frappe.exercises.record import Mode
from frappe.runs.dictation import SavedTranscription, load_saved_transcription
from frappe.runs.typing import SavedResult, typing_score
from frappe.runs.verification import read_verified_record
from frappe.storage.history import HistoryEntry, open_history
from frappe.textio import plain_text
from frappe.tui.config import AppConfig
from frappe.tui.navigation import navigator
from frappe.tui.workers import WorkerGroup

__all__ = ["END_NAMES", "KIND_NAMES", "HistoryScreen", "entry_cells"]

KIND_NAMES = {"typing": "frappe", "transcription": "dictée", "correction": "correction"}

END_NAMES = {
    "completed": "fini",
    "timeout": "temps",
    "stopped": "arrêté",
    "interrupted": "interrompu",
}


def entry_cells(entry: HistoryEntry) -> tuple[str, ...]:
    """A history row as table cells (French formats)."""
    date = entry.started_at.astimezone().strftime("%d/%m/%y %H:%M")
    speed = "—" if entry.speed is None else f"{entry.speed:.1f}".replace(".", ",")
    faults = "—" if entry.faults is None else f"{entry.faults:g}".replace(".", ",")
    mark = "—" if entry.mark_20 is None else f"{entry.mark_20:.1f}".replace(".", ",")
    passed = "—" if entry.passed is None else ("réussi" if entry.passed else "non")
    mode = "examen" if entry.mode == "exam" else "entr."
    kind = KIND_NAMES.get(entry.kind, entry.kind)
    if entry.fixed is not None and entry.recognition_errors is not None:
        kind = f"{kind} {entry.fixed}/{entry.recognition_errors}"
    return (
        date,
        entry.candidate_name,
        entry.exercise_id[:12],
        kind,
        mode,
        speed,
        faults,
        mark,
        passed,
    )


class HistoryScreen(Screen[None]):
    """All results, most recent first; Enter opens one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Retour", id="history.back"),
        Binding("p", "progress", "Progression du candidat", id="history.progress"),
        Binding("f", "filter", "Filtrer", id="history.filter"),
    ]

    def __init__(self, config: AppConfig, *, candidate: str | None = None) -> None:
        super().__init__()
        self.config = config
        self.candidate = candidate
        self.entries: list[HistoryEntry] = []

    def compose(self) -> ComposeResult:
        yield Static("Résultats et historique", id="history-title")
        yield Input(
            self.candidate or "",
            placeholder="Filtrer par candidat (Nom Prénom)",
            id="history-filter",
        )
        yield Static("", id="history-message", markup=False)
        yield DataTable(id="history-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(
            "Date", "Candidat", "Exercice", "Type", "Mode", "Vitesse", "Fautes", "Note", "Résultat"
        )
        self.reload()
        table.focus()

    def reload(self) -> None:
        """Read the history again with the current filter."""
        candidate = self.query_one("#history-filter", Input).value.strip() or None
        message = self.query_one("#history-message", Static)
        problems: list[str] = []
        try:
            with open_history(self.config.storage.db_path) as history:
                self.entries = history.entries(candidate=candidate, problems=problems)
        except FrappeError as error:
            self.entries = []
            message.update(f"⚠ {error}")
        else:
            count = len(self.entries)
            text = (
                f"{count} résultat{'s' if count > 1 else ''} — Entrée pour ouvrir"
                if count
                else "Aucun résultat enregistré."
            )
            if problems:  # damaged rows: the good ones are listed, these are counted
                text += f" — ⚠ {len(problems)} ligne(s) abîmée(s) ignorée(s)"
                for problem in problems[:3]:
                    self.notify(problem, title="Historique", severity="warning")
            message.update(text)
        table = self.query_one(DataTable)
        table.clear()
        for entry in self.entries:
            table.add_row(*entry_cells(entry), key=str(entry.id))

    @on(Input.Submitted, "#history-filter")
    def _filtered(self, event: Input.Submitted) -> None:
        event.stop()
        self.reload()
        self.query_one(DataTable).focus()

    def action_filter(self) -> None:
        self.query_one("#history-filter", Input).focus()

    def action_back(self) -> None:
        self.app.pop_screen()

    def _current(self) -> HistoryEntry | None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        if not self.entries or row is None or not 0 <= row < len(self.entries):
            return None
        return self.entries[row]

    def action_progress(self) -> None:
        entry = self._current()
        name = entry.candidate_name if entry else self.query_one("#history-filter", Input).value
        if not name.strip():
            return
        navigator(self).show_progress(name.strip())

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        entry = self._current()
        if entry is not None:
            self._open(Path(entry.result_path), entry.mode)

    @work(thread=True, exclusive=True, exit_on_error=False, group=WorkerGroup.OPEN_RESULT)
    def _open(self, path: Path, mode: Mode) -> SavedResult | SavedTranscription:
        verified = read_verified_record(path)
        record = verified.record
        for warning in verified.warnings:
            self.app.call_from_thread(
                self.notify, plain_text(warning), title="Contrôle du résultat", severity="warning"
            )
        if record.kind in ("transcription", "correction"):
            return load_saved_transcription(path, mode, record)
        return SavedResult(record, typing_score(record), path, mode)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != WorkerGroup.OPEN_RESULT:
            return
        if event.state is WorkerState.SUCCESS:
            saved = event.worker.result
            assert isinstance(saved, SavedResult | SavedTranscription)
            navigator(self).show_results(saved)
        elif event.state is WorkerState.ERROR:
            self.notify(str(event.worker.error), title="Résultat illisible", severity="error")
