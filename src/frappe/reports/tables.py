"""The class and candidate views as rich renderables (the CLI prints them; nothing here
prints). Columns are chosen to fit 80 terminal columns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich import box
from rich.console import Group as RenderGroup
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from frappe.reports.formatting import (
    KIND_LABELS,
    MODE_LABELS,
    fr_number,
    fr_percent,
    verdict,
)
from frappe.reports.statistics import (
    ERROR_CLASS_NAMES,
    CandidateView,
    ClassRow,
    ClassView,
    ProgressPoint,
    Summary,
)
from frappe.storage.store import StoredResult

__all__ = [
    "CLASS_COLUMNS",
    "HISTORY_HEADERS",
    "ClassColumn",
    "candidate_renderable",
    "class_cells",
    "class_renderable",
    "history_cells",
    "history_renderable",
]


def _summary_cells(summary: Summary, digits: int = 1, percent: bool = False) -> list[str]:
    values = (summary.mean, summary.median, summary.minimum, summary.maximum)
    if percent:
        return [fr_percent(v, digits) for v in values]
    return [fr_number(v, digits) for v in values]


@dataclass(frozen=True, slots=True)
class ClassColumn:
    """A column of the class view's table.

    Attributes:
        header: Its header.
        width: Widest cell kept whole (longer ones are cut with « … »); the widths and one
            space between columns add up to 79: the table fits 80 columns.
        numeric: Right-justified.
    """

    header: str
    width: int
    numeric: bool = False


CLASS_COLUMNS = (
    ClassColumn("Candidat", 16),
    ClassColumn("Date", 8),
    ClassColumn("Exercice", 10),
    ClassColumn("Vit.", 5, numeric=True),
    ClassColumn("Fautes", 6, numeric=True),
    ClassColumn("Err.", 6, numeric=True),
    ClassColumn("Note", 4, numeric=True),
    ClassColumn("Crit.", 5, numeric=True),
    ClassColumn("Résultat", 10),
)


def class_cells(row: ClassRow) -> tuple[str, ...]:
    """The cells of one candidate's row under ``CLASS_COLUMNS`` (« absent » without result)."""
    result = row.result
    if result is None:
        return (row.name, "absent", *[""] * (len(CLASS_COLUMNS) - 2))
    return (
        row.name,
        result.started_at.astimezone().strftime("%d/%m/%y"),
        result.exercise_id,
        fr_number(result.speed),
        fr_number(result.faults, 1),
        fr_percent(result.error_rate),
        fr_number(result.mark_20),
        "—" if result.critical_errors is None else str(result.critical_errors),
        verdict(result.passed, result.kind),
    )


def class_renderable(view: ClassView) -> RenderableType:
    """One row per candidate, then the class statistics and the error classes."""
    mode = MODE_LABELS.get(view.mode, view.mode)
    table = Table(
        title=f"{view.title} — {mode}" if view.title else mode,
        box=box.SIMPLE_HEAD,
        header_style="bold",
        show_edge=False,
        pad_edge=False,
        padding=(0, 0),
    )
    # Widths add up to 80 columns with the separators: long names are cut, never wrapped.
    for column in CLASS_COLUMNS:
        table.add_column(
            column.header,
            justify="right" if column.numeric else "left",
            overflow="ellipsis",
            max_width=column.width,
            no_wrap=True,
        )
    for row in view.rows:
        table.add_row(*class_cells(row), style="dim" if row.result is None else None)
    stats = Table(box=box.SIMPLE_HEAD, header_style="bold", title="Classe", pad_edge=False)
    for header in ("", "moyenne", "médiane", "min", "max"):
        stats.add_column(header, justify="right" if header else "left", no_wrap=True)
    stats.add_row(f"vitesse ({view.speed_unit})", *_summary_cells(view.speed))
    stats.add_row("note /20", *_summary_cells(view.mark))
    stats.add_row("taux d'erreurs", *_summary_cells(view.error_rate, percent=True))
    stats.add_row("fautes", *_summary_cells(view.faults))
    lines = [
        f"Présents : {len(view.present)}/{len(view.rows)} — réussite : "
        f"{fr_percent(view.pass_rate, 0)} ({view.passed}/{view.graded}) — erreurs critiques : "
        f"{view.critical_errors}"
    ]
    if view.error_classes:
        total = sum(count for _name, count in view.error_classes)
        parts = [
            f"{ERROR_CLASS_NAMES.get(name, name)} {count} ({fr_percent(count / total, 0)})"
            for name, count in view.error_classes
        ]
        lines.append("Erreurs par classe : " + ", ".join(parts))
    return RenderGroup(table, stats, *(Text(line) for line in lines))


def _progress_table(title: str, points: tuple[ProgressPoint, ...], unit: str) -> Table:
    table = Table(
        title=f"{title} (vitesse en {unit})",
        box=box.SIMPLE_HEAD,
        header_style="bold",
        show_edge=False,
        pad_edge=False,
        padding=(0, 0),
    )
    table.add_column("Date", no_wrap=True)
    table.add_column("Exercice", no_wrap=True, overflow="ellipsis", max_width=14)
    table.add_column("Type", no_wrap=True)
    for column in ("Vitesse", "Précision", "Note", "Fautes", "Crit.", "Écoute"):
        table.add_column(column, justify="right", no_wrap=True)
    for point in points:
        table.add_row(
            point.started_at.astimezone().strftime("%d/%m/%y"),
            point.exercise_id,
            KIND_LABELS.get(point.kind, point.kind),
            fr_number(point.speed),
            fr_percent(point.accuracy),
            fr_number(point.mark_20),
            fr_number(point.faults, 1),
            "—" if point.critical_errors is None else str(point.critical_errors),
            "—" if point.listening_ratio is None else f"×{fr_number(point.listening_ratio)}",
        )
    return table


def candidate_renderable(view: CandidateView) -> RenderableType:
    """The progression tables (exams, practice), targets, weak keys and error classes."""
    parts: list[RenderableType] = []
    ident = f" ({view.candidate_id})" if view.candidate_id else ""
    parts.append(Text(f"{view.name}{ident}", style="bold"))
    if view.targets.speed is not None or view.targets.accuracy is not None:
        parts.append(
            Text(
                f"Objectifs ({view.targets.source}) : vitesse "
                f"{fr_number(view.targets.speed)} {view.speed_unit}, précision "
                f"{fr_percent(view.targets.accuracy)}"
            )
        )
    for title, points in (("Examens", view.exams), ("Entraînement", view.practice)):
        if points:
            parts.append(_progress_table(title, points, view.speed_unit))
        else:
            parts.append(Text(f"{title} : aucun résultat", style="dim"))
    if view.weak_keys:
        keys = ", ".join(
            f"« {k.char} » {fr_percent(k.rate, 0)} ({k.errors}/{k.attempts})"
            for k in view.weak_keys
        )
        parts.append(Text(f"Touches les plus fautives : {keys}"))
    if view.error_classes:
        classes = ", ".join(
            f"{ERROR_CLASS_NAMES.get(name, name)} {count}" for name, count in view.error_classes
        )
        parts.append(Text(f"Erreurs les plus fréquentes : {classes}"))
    return RenderGroup(*parts)


HISTORY_HEADERS = (
    "Date",
    "Candidat",
    "Exercice",
    "Type",
    "Mode",
    "Vit.",
    "Fautes",
    "Note",
    "Résultat",
    "Fin",
)
_END_SHORT = {
    "completed": "fini",
    "timeout": "temps",
    "stopped": "arrêt",
    "interrupted": "int.",
}
_KIND_SHORT = {"typing": "frappe", "transcription": "dictée", "correction": "corr."}


def history_cells(result: StoredResult) -> tuple[str, ...]:
    """A history row in short French cells, one per ``HISTORY_HEADERS``."""
    kind = _KIND_SHORT.get(result.kind, result.kind)
    if result.fixed is not None and result.recognition_errors is not None:
        kind = f"{kind} {result.fixed}/{result.recognition_errors}"
    return (
        result.started_at.astimezone().strftime("%d/%m/%y"),
        result.candidate_name,
        result.exercise_id,
        kind,
        "exam." if result.mode == "exam" else "entr.",
        fr_number(result.speed),
        fr_number(result.faults, 1).removesuffix(",0"),
        fr_number(result.mark_20),
        verdict(result.passed, result.kind).replace("non validé", "non val."),
        _END_SHORT.get(result.end_reason, result.end_reason),
    )


def history_renderable(results: Sequence[StoredResult]) -> RenderableType:
    """The history as one table that fits 80 columns: names and exercise ids are cut with
    « … » rather than wrapped, every other cell is short."""
    table = Table(
        title="Historique des résultats",
        header_style="bold",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 0),
    )
    widths = {"Candidat": 15, "Exercice": 9, "Type": 10}
    for header in HISTORY_HEADERS:
        table.add_column(
            header,
            no_wrap=True,
            overflow="ellipsis",
            max_width=widths.get(header),
            justify="right" if header in {"Vit.", "Fautes", "Note"} else "left",
        )
    for result in results:
        table.add_row(*history_cells(result))
    return table
