"""A scored result as a printable summary: rich text for the terminal, Markdown or plain text
for a file. Rendering only: functions return renderables or strings and never print.

The same pieces (French labels, metric rows, error classes and their styles, the typed text
with each error highlighted) feed the app's results screen.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from frappe.durations import format_duration
from frappe.exercises.integrity import integrity_rows
from frappe.exercises.record import ResultRecord
from frappe.scoring.classify import ERROR_CLASSES, ScoringError
from frappe.scoring.score import TypingScore
from frappe.storage.files import write_atomic

__all__ = [
    "CLASS_LABELS",
    "CLASS_STYLES",
    "END_LABELS",
    "OP_LABELS",
    "cell_text",
    "errors_by_class",
    "fail_reason",
    "format_number",
    "format_percent",
    "header_line",
    "highlight_errors",
    "highlight_typed",
    "markdown_document",
    "metric_rows",
    "omission_padding",
    "render_report",
    "report_markdown",
    "report_text",
    "write_report",
]

CLASS_LABELS: dict[str, str] = {
    "line": "ligne",
    "word": "mot",
    "spelling": "orthographe",
    "spacing": "espace",
    "accent": "accent",
    "case": "majuscule",
    "punctuation": "ponctuation",
}
CLASS_STYLES: dict[str, str] = {
    "line": "bold white on dark_red",
    "word": "bold white on red3",
    "spelling": "bold black on orange1",
    "spacing": "black on plum2",
    "accent": "black on gold1",
    "case": "black on light_sky_blue1",
    "punctuation": "black on pale_green1",
}
OP_LABELS: dict[str, str] = {
    "substitution": "remplacé",
    "omission": "omis",
    "insertion": "ajouté",
    "transposition": "inversé",
}
END_LABELS: dict[str, str] = {
    "completed": "texte terminé",
    "timeout": "temps écoulé",
    "stopped": "arrêté par le candidat",
    "interrupted": "interrompu (clos depuis le journal)",
}


def format_percent(value: float | None) -> str:
    """``12,5 %`` (``—`` for None)."""
    return "—" if value is None else f"{100 * value:.1f} %".replace(".", ",")


def format_number(value: float, digits: int = 1) -> str:
    """A number with a French decimal comma."""
    return f"{value:.{digits}f}".replace(".", ",")


def metric_rows(score: TypingScore) -> list[tuple[str, str]]:
    """The profile's metrics as (French label, formatted value)."""
    m = score.metrics
    p = score.profile
    basis = "nette" if p.speed_basis == "net" else "brute"
    rows = [
        ("Vitesse", f"{format_number(m.speed)} {p.speed_unit} ({basis})"),
        ("Fautes", format_number(m.faults, 1 if m.faults % 1 else 0)),
        ("Taux d'erreurs", format_percent(m.error_rate)),
        ("Précision (texte final)", format_percent(m.accuracy)),
        ("Précision des frappes", format_percent(m.keystroke_accuracy)),
        ("Frappes brutes", str(m.frappes_brutes)),
        ("Frappes nettes", format_number(m.frappes_nettes, 0)),
        ("Note", f"{format_number(m.mark_20, 2)} / 20"),
        (
            "Résultat",
            f"{'RÉUSSI' if m.passed else 'NON RÉUSSI'} (seuils : {format_number(p.pass_min_speed)} "
            f"{p.speed_unit}, {format_percent(p.pass_max_error_rate)} d'erreurs)",
        ),
        ("Temps de frappe", format_duration(m.duration_s)),
    ]
    reason = fail_reason(score)
    if reason is not None:
        rows.insert(next(i for i, row in enumerate(rows) if row[0] == "Résultat") + 1, reason)
    if m.corrected_errors is not None:
        rows.insert(5, ("Erreurs corrigées", str(m.corrected_errors)))
    return rows


def _threshold(rate: float) -> str:
    """A pass threshold as a percentage without useless decimals: ``5 %``, ``2,5 %``."""
    return f"{100 * rate:.1f}".rstrip("0").rstrip(".").replace(".", ",") + " %"


def fail_reason(score: TypingScore) -> tuple[str, str] | None:
    """Why a test is not passed, as a (label, one line) row; None when passed. A mark of
    20/20 that fails is said as such: the speed mark ignores accuracy, the pass rule does not
    (« Note de vitesse 20/20, mais 8,0 % de mots fautifs > 5 % »)."""
    m = score.metrics
    p = score.profile
    if m.passed:
        return None
    reasons = []
    if m.speed < p.pass_min_speed:
        reasons.append(
            f"vitesse {format_number(m.speed)} {p.speed_unit} < "
            f"{format_number(p.pass_min_speed).removesuffix(',0')} {p.speed_unit}"
        )
    if m.error_rate > p.pass_max_error_rate:
        reasons.append(
            f"{format_percent(m.error_rate)} de mots fautifs > {_threshold(p.pass_max_error_rate)}"
        )
    why = " et ".join(reasons) or "seuils non atteints"
    if m.mark_20 >= 20.0:
        mark = "Note de vitesse" if p.mark.formula == "speed" else "Note"
        return ("Motif", f"{mark} 20/20, mais {why}")
    return ("Motif", why[0].upper() + why[1:])


def errors_by_class(errors: Sequence[ScoringError]) -> dict[str, list[ScoringError]]:
    """Errors grouped by class, in the taxonomy's order, empty classes left out."""
    grouped: dict[str, list[ScoringError]] = {name: [] for name in ERROR_CLASSES}
    for error in errors:
        grouped.setdefault(error.error_class, []).append(error)
    return {name: items for name, items in grouped.items() if items}


def omission_padding(typed: str, position: int) -> tuple[str, str]:
    """Spaces to put before and after an omitted text shown at ``position`` of the typed text,
    so it never sticks to a neighbouring word (« ⟨le⟩ service », not « ⟨le⟩service »)."""
    before = " " if position > 0 and not typed[position - 1].isspace() else ""
    after = " " if position < len(typed) and not typed[position].isspace() else ""
    return before, after


def highlight_errors(
    typed: str, marked: Iterable[tuple[ScoringError, str, str]], *, brackets: bool = False
) -> Text:
    """The typed text with each ``(error, style, mark)`` styled; an omission shows the missing
    reference text struck through. With ``brackets`` (plain-text output) an error is shown as
    ``mark[…]`` and an omission as ``mark⟨…⟩``. Overlapping spans: the first one wins."""
    out = Text()
    position = 0
    for error, style, mark in sorted(marked, key=lambda m: m[0].hyp_span):
        start, end = error.hyp_span
        if start < position:
            continue
        out.append(typed[position:start])
        if start == end:
            shown = error.ref.strip() or "␣"
            before, after = omission_padding(typed, start)
            out.append(before)
            out.append(f"{mark}⟨{shown}⟩" if brackets else shown, style=f"{style} strike")
            out.append(after)
        else:
            segment = typed[start:end]
            out.append(f"{mark}[{segment}]" if brackets else segment, style=style)
        position = end
    out.append(typed[position:])
    return out


def highlight_typed(typed: str, errors: Sequence[ScoringError], *, brackets: bool = False) -> Text:
    """The typed text with each error styled by class; an omission shows the missing
    reference text struck through (``⟨…⟩`` with ``brackets``, for plain-text output)."""
    marked = ((e, CLASS_STYLES.get(e.error_class, "reverse"), "") for e in errors)
    return highlight_errors(typed, marked, brackets=brackets)


def markdown_document(
    typed: str, labelled: Iterable[tuple[ScoringError, str]], escape: Callable[[str], str]
) -> str:
    """The typed text as plain CommonMark (no Pandoc or GitHub extension): each ``(error,
    label)`` in bold (an omission as ``⟨missing text⟩``, as in the plain-text report) followed
    by ``_(label)_``; hard line breaks kept."""
    pieces: list[str] = []
    position = 0
    for error, label in sorted(labelled, key=lambda m: m[0].hyp_span):
        start, end = error.hyp_span
        if start < position:
            continue
        pieces.append(escape(typed[position:start]))
        if start == end:
            before, after = omission_padding(typed, start)
            shown = escape(error.ref.strip() or " ")
            pieces.append(f"{before}⟨{shown}⟩ _({label})_{after}")
        else:
            pieces.append(f"**{escape(typed[start:end])}** _({label})_")
        position = end
    pieces.append(escape(typed[position:]))
    return "\n".join(line + "  " if line else "" for line in "".join(pieces).split("\n"))


def _error_table(errors: Sequence[ScoringError]) -> Table:
    table = Table(show_header=True, header_style="bold", expand=False, box=None, pad_edge=False)
    table.add_column("Classe")
    table.add_column("Type")
    table.add_column("Attendu")
    table.add_column("Saisi")
    for name, items in errors_by_class(errors).items():
        for error in items:
            table.add_row(
                Text(CLASS_LABELS.get(name, name), style=CLASS_STYLES.get(name, "")),
                OP_LABELS.get(error.op, error.op),
                cell_text(error.ref),
                cell_text(error.hyp),
            )
    return table


def cell_text(text: str) -> str:
    """Text for a table cell: ``—`` when empty, ``⏎`` for a newline, at most 40 characters."""
    if not text:
        return "—"
    shown = text.replace("\n", "⏎")
    return shown if len(shown) <= 40 else shown[:37] + "…"


def header_line(record: ResultRecord) -> str:
    """``Nom Prénom (id) — exercise title — date``."""
    who = record.candidate.name + (f" ({record.candidate.id})" if record.candidate.id else "")
    date = record.started_at.astimezone().strftime("%d/%m/%Y %H:%M")
    return f"{who} — {record.exercise_title or record.exercise_id} — {date}"


def render_report(
    record: ResultRecord, score: TypingScore, result_path: Path | None = None
) -> RenderableType:
    """The summary for a terminal."""
    metrics = Table.grid(padding=(0, 2))
    metrics.add_column(style="bold")
    metrics.add_column()
    for label, value in metric_rows(score):
        metrics.add_row(label, value)
    metrics.add_row("Fin", END_LABELS.get(record.end_reason, record.end_reason))
    metrics.add_row("Profil", f"{score.profile.name}")
    for label, value in integrity_rows(record.events):
        metrics.add_row(label, value)
    counts = ", ".join(
        f"{CLASS_LABELS.get(name, name)} {len(items)}"
        for name, items in errors_by_class(score.comparison.errors).items()
    )
    parts: list[RenderableType] = [
        Text(header_line(record), style="bold"),
        Panel(metrics, title="Résultats", title_align="left"),
        Panel(
            highlight_typed(record.typed, score.comparison.errors),
            title="Texte saisi (erreurs surlignées par classe)",
            title_align="left",
        ),
    ]
    if score.comparison.errors:
        parts.append(
            Panel(
                _error_table(score.comparison.errors),
                title=f"Erreurs : {counts}",
                title_align="left",
            )
        )
    else:
        parts.append(Text("Aucune erreur.", style="green"))
    if result_path is not None:
        parts.append(Text(f"Résultat enregistré : {result_path}", style="dim"))
    return Group(*parts)


def _md_escape(text: str) -> str:
    for char in "\\`*_[]<>|#":
        text = text.replace(char, "\\" + char)
    return text


def report_markdown(
    record: ResultRecord, score: TypingScore, result_path: Path | None = None
) -> str:
    """The summary as Markdown (errors in bold with their class in the text)."""
    lines = [f"# Test de frappe — {_md_escape(header_line(record))}", "", "| | |", "|---|---|"]
    for label, value in metric_rows(score):
        lines.append(f"| {label} | {_md_escape(value)} |")
    lines.append(f"| Fin | {END_LABELS.get(record.end_reason, record.end_reason)} |")
    lines.append(f"| Profil | {_md_escape(score.profile.name)} |")
    for label, value in integrity_rows(record.events):
        lines.append(f"| {label} | {_md_escape(value)} |")
    lines += ["", "## Texte saisi", ""]
    labelled = (
        (e, CLASS_LABELS.get(e.error_class, e.error_class)) for e in score.comparison.errors
    )
    lines.append(markdown_document(record.typed, labelled, _md_escape))
    lines += ["", "## Erreurs par classe", ""]
    grouped = errors_by_class(score.comparison.errors)
    if not grouped:
        lines.append("Aucune erreur.")
    for name, items in grouped.items():
        lines += [f"### {CLASS_LABELS.get(name, name)} ({len(items)})", ""]
        lines += ["| Type | Attendu | Saisi |", "|---|---|---|"]
        for error in items:
            lines.append(
                f"| {OP_LABELS.get(error.op, error.op)} | {_md_escape(cell_text(error.ref))} "
                f"| {_md_escape(cell_text(error.hyp))} |"
            )
        lines.append("")
    if result_path is not None:
        lines += ["", f"Résultat enregistré : `{result_path}`"]
    return "\n".join(lines).rstrip() + "\n"


def report_text(
    record: ResultRecord, score: TypingScore, result_path: Path | None = None, *, width: int = 100
) -> str:
    """The summary as plain text: errors in ``[brackets]``, omissions as ``⟨…⟩``."""
    console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
    metrics = Table.grid(padding=(0, 2))
    metrics.add_column()
    metrics.add_column()
    for label, value in metric_rows(score):
        metrics.add_row(label, value)
    metrics.add_row("Fin", END_LABELS.get(record.end_reason, record.end_reason))
    metrics.add_row("Profil", score.profile.name)
    for label, value in integrity_rows(record.events):
        metrics.add_row(label, value)
    console.print(Text(header_line(record)))
    console.print(metrics)
    console.print()
    # Not markup: rich would take « [crochets] » for a style tag and drop it.
    console.print("Texte saisi (erreurs entre [crochets], omissions entre ⟨ ⟩) :", markup=False)
    console.print(highlight_typed(record.typed, score.comparison.errors, brackets=True))
    console.print()
    if score.comparison.errors:
        console.print("Erreurs par classe :")
        console.print(_error_table(score.comparison.errors))
    else:
        console.print("Aucune erreur.")
    if result_path is not None:
        # One line whatever its length: a path cut in two cannot be copied.
        console.print(
            f"\nRésultat enregistré : {result_path}", soft_wrap=True, markup=False, highlight=False
        )
    return console.export_text()


def write_report(
    record: ResultRecord, score: TypingScore, output: Path, result_path: Path | None = None
) -> Path:
    """Write the summary: Markdown for ``.md``, plain text otherwise."""
    if output.suffix.lower() in (".md", ".markdown"):
        content = report_markdown(record, score, result_path)
    else:
        content = report_text(record, score, result_path)
    write_atomic(output, content.encode("utf-8"), mode=0o600)
    return output
