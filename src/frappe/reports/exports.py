"""The exports of the tableaux de suivi, one function per file a centre uses."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from frappe.reports.csv_export import CsvStyle
from frappe.reports.csv_export import write_results_csv as _write_results_csv
from frappe.reports.pdf import attestation_pdf, proces_verbal_pdf, write_pdf
from frappe.reports.xlsx import write_workbook
from frappe.storage.store import Group, StoredResult

__all__ = [
    "write_attestation",
    "write_proces_verbal",
    "write_results_csv",
    "write_workbook",
]


def write_results_csv(
    results: Sequence[StoredResult], path: Path, *, style: CsvStyle = "francais"
) -> Path:
    """One CSV row per result (French Excel by default)."""
    return _write_results_csv(results, path, style=style)


def write_proces_verbal(
    results: Sequence[StoredResult],
    path: Path,
    *,
    group: Group | None = None,
    title: str = "",
    centre: str = "",
) -> Path:
    """The procès-verbal PDF of each séance in ``results``."""
    del title  # each séance section names itself
    return write_pdf(proces_verbal_pdf(results, group=group, centre=centre), path)


def write_attestation(
    results: Sequence[StoredResult], path: Path, *, group: Group | None = None, centre: str = ""
) -> Path:
    """A candidate's attestation PDF."""
    return write_pdf(attestation_pdf(results, group=group, centre=centre), path)
