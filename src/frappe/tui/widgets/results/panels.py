"""The parts of a results screen: metrics of the profile, the typed text with errors
highlighted by class, the error list by class."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from frappe.exercises.integrity import NO_INCIDENT, integrity_rows
from frappe.reports.typing_report import (
    CLASS_LABELS,
    CLASS_STYLES,
    END_LABELS,
    OP_LABELS,
    errors_by_class,
    highlight_typed,
    metric_rows,
)
from frappe.runs.typing import SavedResult

__all__ = ["ErrorList", "MetricsPanel", "TypedTextPanel"]


class MetricsPanel(Static):
    """Speed, faults, accuracy, frappes nettes, mark, pass/fail, and where it is saved."""

    def __init__(self, saved: SavedResult, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.saved = saved

    def on_mount(self) -> None:
        saved = self.saved
        record = saved.record
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for label, value in metric_rows(saved.score):
            style = ""
            if label == "Résultat":
                style = "bold green" if saved.score.metrics.passed else "bold red"
            table.add_row(label, Text(value, style=style))
        table.add_row("Fin", END_LABELS.get(record.end_reason, record.end_reason))
        table.add_row("Profil", saved.score.profile.name)
        for label, value in integrity_rows(record.events):
            ok = (label, value) == NO_INCIDENT
            table.add_row(label, Text(value, style="green" if ok else "bold yellow"))
        table.add_row("Enregistré dans", Text(str(saved.path), style="italic", overflow="fold"))
        if saved.notice:
            table.add_row("Remarque", Text(saved.notice, style="bold yellow"))
        if saved.history_error:
            table.add_row("Historique", Text(saved.history_error, style="bold red"))
        if saved.journal_error:
            table.add_row("Journal", Text(saved.journal_error, style="bold red"))
        self.update(table)


class TypedTextPanel(Static):
    """The typed text, each error highlighted with its class colour, plus a legend."""

    def __init__(self, saved: SavedResult, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.saved = saved

    def on_mount(self) -> None:
        errors = self.saved.score.comparison.errors
        legend = Text("Légende : ")
        for name in errors_by_class(errors):
            legend.append(f" {CLASS_LABELS.get(name, name)} ", style=CLASS_STYLES.get(name, ""))
            legend.append(" ")
        if not errors:
            legend = Text("Aucune erreur.", style="green")
        body = highlight_typed(self.saved.record.typed, errors)
        self.update(Text("\n").join([legend, Text(""), body]))


class ErrorList(Static):
    """Errors grouped by class: type, expected, typed."""

    def __init__(self, saved: SavedResult, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.saved = saved

    def on_mount(self) -> None:
        grouped = errors_by_class(self.saved.score.comparison.errors)
        if not grouped:
            self.update(Text("Aucune erreur.", style="green"))
            return
        table = Table(box=None, show_header=True, header_style="bold", expand=True)
        table.add_column("Classe", no_wrap=True)
        table.add_column("Type", no_wrap=True)
        table.add_column("Attendu")
        table.add_column("Saisi")
        for name, items in grouped.items():
            label = Text(f"{CLASS_LABELS.get(name, name)} ({len(items)})")
            label.stylize(CLASS_STYLES.get(name, ""))
            for index, error in enumerate(items):
                table.add_row(
                    label if index == 0 else "",
                    OP_LABELS.get(error.op, error.op),
                    _shown(error.ref),
                    _shown(error.hyp),
                )
        self.update(table)


def _shown(text: str) -> str:
    return text.replace("\n", "⏎") if text else "—"
