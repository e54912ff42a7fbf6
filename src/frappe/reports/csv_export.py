"""CSV that French Excel opens right: ``;`` separator, decimal comma, UTF-8 with a BOM (Excel
needs it to read accents), French headers, ISO dates. ``international`` keeps the form scripts
expect: ``,`` separator, decimal point, no BOM, English snake_case headers."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from frappe.errors import FrappeError, os_problem
from frappe.private_files import write_private
from frappe.reports.formatting import KIND_LABELS, MODE_LABELS

if TYPE_CHECKING:  # not at run time: ``frappe score --format csv`` needs no store
    from frappe.storage.store import StoredResult

__all__ = [
    "RESULT_COLUMNS",
    "Column",
    "CsvStyle",
    "csv_cell",
    "csv_text",
    "result_rows",
    "write_csv",
    "write_results_csv",
]

CsvStyle = Literal["francais", "international"]


@dataclass(frozen=True, slots=True)
class Column:
    """One CSV column.

    Attributes:
        key: Key of the row mapping, and the international header.
        header: French header.
    """

    key: str
    header: str


def csv_cell(value: object, style: CsvStyle) -> str:
    """One value as text: numbers with the style's decimal mark (no exponent, no trailing
    zeros beyond what the value holds), booleans as oui/non (true/false), dates ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, bool):
        if style == "francais":
            return "oui" if value else "non"
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        text = f"{value:.6f}".rstrip("0").rstrip(".")
        text = "0" if text == "-0" else text
        return text.replace(".", ",") if style == "francais" else text
    if isinstance(value, datetime):
        return value.astimezone().isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_text(
    rows: Iterable[Mapping[str, object]], columns: Sequence[Column], style: CsvStyle
) -> str:
    """The whole CSV document (BOM included for the French style)."""
    buffer = io.StringIO()
    delimiter = ";" if style == "francais" else ","
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([c.header if style == "francais" else c.key for c in columns])
    for row in rows:
        writer.writerow([csv_cell(row.get(c.key), style) for c in columns])
    text = buffer.getvalue()
    return ("\ufeff" + text) if style == "francais" else text


def write_csv(
    path: Path, rows: Iterable[Mapping[str, object]], columns: Sequence[Column], style: CsvStyle
) -> Path:
    """Write ``csv_text`` to ``path`` (FrappeError when it cannot be written)."""
    try:
        # Atomic and 0600 whatever the umask: candidates' names and marks.
        write_private(path, csv_text(rows, columns, style).encode("utf-8"))
    except OSError as error:
        raise FrappeError(f"{path} : fichier impossible à écrire ({os_problem(error)})") from error
    return path


RESULT_COLUMNS = (
    Column("candidate", "Candidat"),
    Column("candidate_id", "Identifiant"),
    Column("date", "Date"),
    Column("time", "Heure"),
    Column("exercise", "Exercice"),
    Column("kind", "Type"),
    Column("mode", "Mode"),
    Column("duration_s", "Durée (s)"),
    Column("speed", "Vitesse"),
    Column("speed_unit", "Unité"),
    Column("faults", "Fautes"),
    Column("error_rate_percent", "Taux d'erreurs (%)"),
    Column("accuracy_percent", "Précision (%)"),
    Column("mark_20", "Note /20"),
    Column("passed", "Réussi / validé"),
    Column("critical_errors", "Erreurs critiques"),
    Column("integrity_events", "Événements d'intégrité"),
    Column("profile", "Profil"),
    Column("seance", "Séance"),
    Column("result_path", "Fichier"),
)


def _percent(value: float | None) -> float | None:
    return None if value is None else round(100.0 * value, 2)


def result_rows(results: Iterable[StoredResult]) -> list[dict[str, object]]:
    """One CSV row per stored result, oldest first."""
    from frappe.reports.statistics import seance_key  # noqa: PLC0415 (sibling, pure)

    rows: list[dict[str, object]] = []
    for result in sorted(results, key=lambda r: (r.started_at, r.id)):
        local = result.started_at.astimezone()
        events = ", ".join(f"{k} ×{v}" for k, v in result.integrity_events.items())
        rows.append(
            {
                "candidate": result.candidate_name,
                "candidate_id": result.candidate_id,
                "date": local.date(),
                "time": local.strftime("%H:%M"),
                "exercise": result.exercise_id,
                "kind": KIND_LABELS.get(result.kind, result.kind),
                "mode": MODE_LABELS.get(result.mode, result.mode),
                "duration_s": round(result.duration_s, 1),
                "speed": None if result.speed is None else round(result.speed, 2),
                "speed_unit": result.speed_unit,
                "faults": result.faults,
                "error_rate_percent": _percent(result.error_rate),
                "accuracy_percent": _percent(result.accuracy),
                "mark_20": result.mark_20,
                "passed": result.passed,
                "critical_errors": result.critical_errors,
                "integrity_events": events,
                "profile": result.profile,
                "seance": seance_key(result),
                "result_path": result.result_path,
            }
        )
    return rows


def write_results_csv(
    results: Iterable[StoredResult], path: Path, *, style: CsvStyle = "francais"
) -> Path:
    """Every result as one CSV row (``RESULT_COLUMNS``)."""
    return write_csv(path, result_rows(results), RESULT_COLUMNS, style)
