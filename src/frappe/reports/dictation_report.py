"""A scored transcription or correction as a printable summary (terminal, Markdown or plain
text), and the pieces the app's dictation results screen shows: identitovigilance first, the
mark under the dictée barème, fidelity, terminology, listening statistics, the recognition
errors fixed / missed / introduced of a correction, and the document with each error
highlighted. Rendering only: functions return renderables or strings and never print.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from frappe.durations import format_duration, format_speed
from frappe.exercises.drafts import DRAFT_SOURCES
from frappe.exercises.integrity import NO_INCIDENT, integrity_rows
from frappe.reports.typing_report import (
    CLASS_LABELS,
    CLASS_STYLES,
    END_LABELS,
    OP_LABELS,
    cell_text,
    format_number,
    format_percent,
    header_line,
    highlight_errors,
    markdown_document,
)
from frappe.runs.dictation import SavedTranscription
from frappe.runs.listening import ListeningSummary
from frappe.scoring.correction import CorrectionScore
from frappe.scoring.transcription import FlaggedError, KeyItem
from frappe.storage.files import write_atomic

__all__ = [
    "ERROR_COLUMNS",
    "correction_summary",
    "correction_tables",
    "critical_lines",
    "dictation_report_markdown",
    "dictation_report_text",
    "error_cells",
    "error_legend",
    "highlight_transcription",
    "listening_rows",
    "render_dictation_report",
    "transcription_rows",
    "write_dictation_report",
]

CRITICAL_STYLE = "bold white on red"
_REASONS = {
    "identité": "identité",
    "dose": "dose",
    "nombre": "nombre / date / dose",
    "unité": "unité",
}


def _title(saved: SavedTranscription) -> str:
    return "Correction du brouillon" if saved.correction is not None else "Dictée"


def transcription_rows(saved: SavedTranscription) -> list[tuple[str, Text]]:
    """Metric rows, identitovigilance first (label, styled value)."""
    score = saved.score
    rows: list[tuple[str, Text]] = []
    if score.critical_errors:
        # Counted per item (a name, a date, a dose…), each listed.
        items = " ; ".join(_one_line(item.label()) for item in score.critical_items)
        rows.append(
            (
                "Identitovigilance",
                Text(
                    f"⚠ {score.critical_errors} erreur(s) critique(s) : {items}", style="bold red"
                ),
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
        ("Note", Text(f"{format_number(score.mark_20, 2)} / 20", style="bold")),
        ("Fautes (dictée)", Text(format_number(faults, 1 if faults % 1 else 0))),
        ("Terminologie", Text(_terminology_line(score.terminology_items))),
        (
            "Fidélité",
            Text(
                f"WER {format_percent(words.wer)} · CER {format_percent(score.fidelity.cer)} "
                f"({words.ref_words} mots attendus, {words.hyp_words} saisis)"
            ),
        ),
        ("Temps", Text(format_duration(saved.record.duration_s))),
        ("Fin", Text(END_LABELS.get(saved.record.end_reason, saved.record.end_reason))),
        ("Barème", Text(score.profile.name)),
    ]
    rows += [
        (label, Text(value, style="green" if (label, value) == NO_INCIDENT else "bold yellow"))
        for label, value in integrity_rows(saved.record.events)
    ]
    return rows


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _terminology_line(items: Sequence[KeyItem]) -> str:
    """« 2 erreur(s) sur des termes médicaux : Amlodipine, comprimé »."""
    line = f"{len(items)} erreur(s) sur des termes médicaux"
    if items:
        line += " : " + ", ".join(_one_line(item.text) for item in items)
    return line


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


def _correction_sections(
    correction: CorrectionScore,
) -> list[tuple[str, tuple[str, ...], list[tuple[str, ...]]]]:
    """The recognition errors left in the text (reference, draft, final text) and the errors
    the trainee introduced where the draft was right (reference, final text), as (title,
    columns, rows), the empty ones left out."""
    sections: list[tuple[str, tuple[str, ...], list[tuple[str, ...]]]] = []
    if correction.missed:
        missed: list[tuple[str, ...]] = [
            (cell_text(e.ref), cell_text(e.hyp), cell_text(correction.final_text_at(e)))
            for e in correction.missed
        ]
        sections.append(
            (
                "Erreurs de reconnaissance oubliées",
                ("Attendu", "Brouillon", "Texte rendu"),
                missed,
            )
        )
    if correction.introduced:
        introduced: list[tuple[str, ...]] = [
            (cell_text(e.ref), cell_text(e.hyp)) for e in correction.introduced
        ]
        sections.append(
            ("Erreurs introduites", ("Attendu (= brouillon)", "Texte rendu"), introduced)
        )
    return sections


def correction_tables(correction: CorrectionScore) -> list[Any]:
    """The recognition errors left in the text (reference, draft, final text) and the errors
    the trainee introduced where the draft was right (reference, final text)."""
    parts: list[Any] = []
    for title, columns, rows in _correction_sections(correction):
        table = Table(
            title=title, title_justify="left", title_style="bold red", header_style="bold"
        )
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*row)
        parts.append(table)
    if not parts:
        parts.append(Text("Aucune erreur de reconnaissance oubliée ni introduite.", style="green"))
    return parts


def critical_lines(errors: Sequence[FlaggedError]) -> list[str]:
    """One line per critical error: ``attendu « … », saisi « … » (identité)``."""
    return [
        f"attendu « {cell_text(f.error.ref)} », saisi « {cell_text(f.error.hyp)} » "
        f"({_REASONS.get(f.reason or '', 'critique')})"
        for f in errors
        if f.critical
    ]


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
                f"entendu à {format_percent(listening.heard_ratio)} "
                f"({format_duration(listening.heard_s)}), réécouté à "
                f"{format_percent(listening.reheard_ratio)} "
                f"({format_duration(listening.reheard_s)})",
            )
        )
    return rows


def _error_style(flagged: FlaggedError) -> str:
    if flagged.critical:
        return CRITICAL_STYLE
    style = CLASS_STYLES.get(flagged.error.error_class, "reverse")
    return f"{style} underline" if flagged.terminology else style


def highlight_transcription(
    typed: str, errors: Sequence[FlaggedError], *, brackets: bool = False
) -> Text:
    """The document with each error styled by class; critical errors in white on red,
    terminology errors underlined; an omission shows the missing text struck through
    (``⟨…⟩`` with ``brackets``, and ``[…]`` around the other errors, for plain text)."""
    marked = ((f.error, _error_style(f), "⚠" if brackets and f.critical else "") for f in errors)
    return highlight_errors(typed, marked, brackets=brackets)


def error_legend(errors: Sequence[FlaggedError]) -> Text:
    """The colours used in the highlighted document."""
    if not errors:
        return Text("Aucune erreur.", style="green")
    legend = Text("Légende : ")
    if any(f.critical for f in errors):
        legend.append(" critique ", style=CRITICAL_STYLE)
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


def _grid(rows: Sequence[tuple[str, str | Text]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for label, value in rows:
        table.add_row(label, value)
    return table


def error_cells(flagged: FlaggedError) -> tuple[Text, Text, str, str, str]:
    """One error as table cells: flag (critical and why, terminology), class, operation,
    expected, typed."""
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
    return (
        mark,
        label,
        OP_LABELS.get(error.op, error.op),
        cell_text(error.ref),
        cell_text(error.hyp),
    )


ERROR_COLUMNS = ("", "Classe", "Type", "Attendu", "Saisi")


def _error_table(errors: Sequence[FlaggedError]) -> Table:
    table = Table(show_header=True, header_style="bold", expand=False, box=None, pad_edge=False)
    for column in ERROR_COLUMNS:
        table.add_column(column)
    for flagged in errors:
        table.add_row(*error_cells(flagged))
    return table


def _parts(saved: SavedTranscription, *, brackets: bool) -> list[RenderableType]:
    """Everything a report shows, in order, as rich renderables."""
    errors = saved.score.errors
    parts: list[RenderableType] = [
        Text(f"{_title(saved)} — {header_line(saved.record)}", style="bold")
    ]
    correction = saved.correction
    if correction is not None:
        parts.append(correction_summary(correction))
        source = DRAFT_SOURCES.get(saved.record.draft_source or "", "")
        if source:
            parts.append(Text(f"Brouillon : {source}", style="dim"))
    critical = critical_lines(errors)
    if critical:
        lines = Text("Erreurs critiques (identitovigilance)\n", style="bold red")
        for line in critical:
            lines.append(f"  ⚠ {line}\n", style="red")
        parts.append(lines)
    parts += [Text(), _grid(transcription_rows(saved))]
    if correction is not None:
        for part in correction_tables(correction):
            parts += [Text(), part]
    parts += [
        Text("\nÉcoute de l'enregistrement", style="bold"),
        _grid(listening_rows(saved.listening)),
        Text(),
    ]
    title = "Document rendu"
    if brackets:
        title += " (erreurs entre [crochets], omissions entre ⟨ ⟩, ⚠ critique)"
    parts += [Text(title, style="bold"), error_legend(errors)]
    parts.append(highlight_transcription(saved.record.typed, errors, brackets=brackets))
    if errors:
        parts += [Text("\nErreurs", style="bold"), _error_table(errors)]
    parts.append(Text(f"\nRésultat enregistré : {saved.path}", style="dim"))
    return parts


def render_dictation_report(saved: SavedTranscription) -> RenderableType:
    """The summary for a terminal."""
    return Group(*_parts(saved, brackets=False))


def dictation_report_text(saved: SavedTranscription, *, width: int = 100) -> str:
    """The summary as plain text."""
    console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
    parts = _parts(saved, brackets=True)
    for part in parts[:-1]:
        console.print(part)
    console.print(parts[-1], soft_wrap=True)  # the result path, never cut in two
    return console.export_text()


def _md(text: str) -> str:
    for char in "\\`*_[]<>|#~^":
        text = text.replace(char, "\\" + char)
    return text


def dictation_report_markdown(saved: SavedTranscription) -> str:
    """The summary as Markdown."""
    record = saved.record
    lines = [f"# {_title(saved)} — {_md(header_line(record))}", ""]
    correction = saved.correction
    if correction is not None:
        lines += [_md(correction_summary(correction).plain), ""]
    critical = critical_lines(saved.score.errors)
    if critical:
        lines += ["**Erreurs critiques (identitovigilance)**", ""]
        lines += [f"- ⚠ {_md(line)}" for line in critical]
        lines.append("")
    lines += ["| | |", "|---|---|"]
    lines += [f"| {label} | {_md(value.plain)} |" for label, value in transcription_rows(saved)]
    if correction is not None:
        for title, columns, rows in _correction_sections(correction):
            lines += ["", f"## {title}", ""]
            lines += [f"| {' | '.join(columns)} |", "|" + "---|" * len(columns)]
            lines += [f"| {' | '.join(map(_md, row))} |" for row in rows]
    lines += ["", "## Écoute de l'enregistrement", "", "| | |", "|---|---|"]
    lines += [f"| {label} | {_md(value)} |" for label, value in listening_rows(saved.listening)]
    labelled = (
        (f.error, "critique" if f.critical else CLASS_LABELS.get(f.error.error_class, ""))
        for f in saved.score.errors
    )
    lines += ["", "## Document rendu", "", markdown_document(record.typed, labelled, _md)]
    lines += ["", f"Résultat enregistré : `{saved.path}`"]
    return "\n".join(lines).rstrip() + "\n"


def write_dictation_report(saved: SavedTranscription, output: Path) -> Path:
    """Write the summary: Markdown for ``.md``, plain text otherwise (private, like results)."""
    if output.suffix.lower() in (".md", ".markdown"):
        content = dictation_report_markdown(saved)
    else:
        content = dictation_report_text(saved)
    write_atomic(output, content.encode("utf-8"), mode=0o600)
    return output
