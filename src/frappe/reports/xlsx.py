"""The trainer's workbook (XlsxWriter): a summary sheet, one sheet per séance, one per
candidate, with frozen header rows, French number formats and native Excel charts.

Every cell holds a written value, never a formula: XlsxWriter stores formulas with a cached 0
that some viewers and converters show as is. Number formats carry the French locale tag
(``[$-40C]``), so LibreOffice shows the decimal comma whatever its language and Excel follows
the computer's regional settings (a comma on a French Windows).
"""

from __future__ import annotations

import io
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import xlsxwriter
import xlsxwriter.exceptions
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from frappe.errors import FrappeError, os_problem
from frappe.exercises.record import MODES, Mode
from frappe.private_files import private_dir, write_private
from frappe.reports.formatting import KIND_LABELS, MODE_LABELS, verdict
from frappe.reports.statistics import (
    ERROR_CLASS_NAMES,
    class_view,
    group_targets,
    seance_key,
    seances,
)
from frappe.storage.store import Group, StoredResult, name_key

__all__ = [
    "CANDIDATE_HEADERS",
    "DATE_FORMAT",
    "DECIMAL_FORMAT",
    "MARK_BINS",
    "PERCENT_FORMAT",
    "SEANCE_HEADERS",
    "SUMMARY_HEADERS",
    "count_axis_unit",
    "sheet_name",
    "write_workbook",
]

DECIMAL_FORMAT = "[$-40C]0.0"
PERCENT_FORMAT = "[$-40C]0.0 %"
DATE_FORMAT = "[$-40C]dd/mm/yyyy"
TIME_FORMAT = "[$-40C]hh:mm"

SUMMARY_HEADERS = (
    "Séance",
    "Date",
    "Exercice",
    "Mode",
    "Présents",
    "Vitesse moyenne",
    "Vitesse médiane",
    "Vitesse min",
    "Vitesse max",
    "Note moyenne /20",
    "Taux de réussite",
    "Erreurs critiques",
)
SEANCE_HEADERS = (
    "Candidat",
    "Identifiant",
    "Date",
    "Heure",
    "Exercice",
    "Mode",
    "Vitesse",
    "Fautes",
    "Taux d'erreurs",
    "Précision",
    "Note /20",
    "Résultat",
    "Erreurs critiques",
    "Intégrité",
)
CANDIDATE_HEADERS = (
    "Date",
    "Exercice",
    "Type",
    "Mode",
    "Vitesse",
    "Précision",
    "Note /20",
    "Fautes",
    "Erreurs critiques",
    "Écoute (× audio)",
    "Résultat",
)
MARK_BINS = ((0, 5), (5, 10), (10, 12), (12, 14), (14, 16), (16, 20.01))

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\']")


def sheet_name(wanted: str, taken: set[str]) -> str:
    """An Excel sheet name: no ``[]:*?/\\'``, at most 31 characters, unique (case-insensitive)
    among ``taken`` (which it joins)."""
    base = _BAD_SHEET_CHARS.sub("-", wanted).strip() or "Feuille"
    base = base[:31]
    name, number = base, 2
    while name.casefold() in taken:
        suffix = f" ({number})"
        name = base[: 31 - len(suffix)] + suffix
        number += 1
    taken.add(name.casefold())
    return name


def count_axis_unit(largest: int) -> int:
    """A whole step between the labels of an axis of counts, at most about eight labels: 1 for a
    small class, 5 for 30 candidates (a step of 1 piled 30 labels on a short axis)."""
    unit = 1
    while largest > 8 * unit:
        unit = unit * 5 // 2 if str(unit).startswith("2") else unit * 2  # 1, 2, 5, 10, 20…
    return unit


def _naive(moment: datetime) -> datetime:
    # Excel has no time zones: write the trainer's local time.
    return moment.astimezone().replace(tzinfo=None)


class _Formats:
    def __init__(self, workbook: Workbook) -> None:
        self.header = workbook.add_format(
            {"bold": True, "bg_color": "#DDE4EE", "border": 1, "text_wrap": True}
        )
        self.title = workbook.add_format({"bold": True, "font_size": 14})
        self.bold = workbook.add_format({"bold": True})
        self.decimal = workbook.add_format({"num_format": DECIMAL_FORMAT})
        self.percent = workbook.add_format({"num_format": PERCENT_FORMAT})
        self.date = workbook.add_format({"num_format": DATE_FORMAT})
        self.time = workbook.add_format({"num_format": TIME_FORMAT})


def _write(sheet: Worksheet, row: int, col: int, value: Any, fmt: Any = None) -> None:
    if value is None:
        sheet.write_blank(row, col, None, fmt)
    elif isinstance(value, datetime):
        sheet.write_datetime(row, col, value, fmt)
    elif isinstance(value, bool):
        sheet.write_string(row, col, "oui" if value else "non", fmt)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value, fmt)
    else:
        sheet.write_string(row, col, str(value), fmt)


def _headers(sheet: Worksheet, row: int, headers: Sequence[str], fmts: _Formats) -> None:
    for col, header in enumerate(headers):
        sheet.write_string(row, col, header, fmts.header)
    sheet.freeze_panes(row + 1, 0)
    # Two lines for the wrapped headers: XlsxWriter writes no row height and LibreOffice does not
    # grow the row itself, so « Vitesse moyenne » spilled out of its cell.
    sheet.set_row(row, 30)
    # Printed (or converted to PDF) on A4 landscape, one page wide, the headers on every page.
    sheet.set_paper(9)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(row)


def _mark_bins(results: Sequence[StoredResult]) -> list[int]:
    counts = [0] * len(MARK_BINS)
    for result in results:
        if result.mark_20 is None:
            continue
        for index, (low, high) in enumerate(MARK_BINS):
            if low <= result.mark_20 < high:
                counts[index] += 1
                break
    return counts


def _summary_sheet(
    workbook: Workbook,
    sheet: Worksheet,
    results: Sequence[StoredResult],
    order: list[str],
    group: Group | None,
    title: str,
    fmts: _Formats,
    seance_sheets: dict[str, str],
) -> None:
    sheet.write_string(0, 0, title or "Tableau de suivi", fmts.title)
    info = f"Groupe : {group.name}" if group else "Tous les candidats"
    sheet.write_string(1, 0, f"{info} — {len(results)} résultats")
    header_row = 3
    _headers(sheet, header_row, SUMMARY_HEADERS, fmts)
    by_seance: dict[str, list[StoredResult]] = defaultdict(list)
    for result in results:
        by_seance[seance_key(result)].append(result)
    row = header_row + 1
    for key in order:
        rows = by_seance[key]
        for mode in MODES:
            in_mode = [r for r in rows if r.mode == mode]
            if not in_mode:
                continue
            view = class_view(in_mode, group=group, mode=mode)
            first = min(r.started_at for r in in_mode)
            values: list[tuple[Any, Any]] = [
                (seance_sheets.get(key, key), None),
                (_naive(first).replace(hour=0, minute=0, second=0, microsecond=0), fmts.date),
                (in_mode[0].exercise_id, None),
                (MODE_LABELS[mode], None),
                (len(view.present), None),
                (view.speed.mean, fmts.decimal),
                (view.speed.median, fmts.decimal),
                (view.speed.minimum, fmts.decimal),
                (view.speed.maximum, fmts.decimal),
                (view.mark.mean, fmts.decimal),
                (view.pass_rate, fmts.percent),
                (view.critical_errors, None),
            ]
            for col, (value, fmt) in enumerate(values):
                _write(sheet, row, col, value, fmt)
            row += 1
    sheet.set_column(0, 0, 26)
    sheet.set_column(1, 1, 13)
    sheet.set_column(2, 2, 16)
    sheet.set_column(3, len(SUMMARY_HEADERS) - 1, 12)

    # The class distribution: each candidate's latest exam mark, in bins.
    exams = class_view(results, group=group, mode="exam")
    latest = [r.result for r in exams.rows if r.result is not None]
    bins_row = row + 2
    sheet.write_string(bins_row, 0, "Répartition des notes (dernier examen)", fmts.bold)
    sheet.write_string(bins_row + 1, 0, "Note /20", fmts.header)
    sheet.write_string(bins_row + 1, 1, "Candidats", fmts.header)
    counts = _mark_bins(latest)
    for index, ((low, high), count) in enumerate(zip(MARK_BINS, counts, strict=True)):
        label = f"{low:g} à {min(high, 20):g}"
        sheet.write_string(bins_row + 2 + index, 0, label)
        sheet.write_number(bins_row + 2 + index, 1, count)
    first_bin, last_bin = bins_row + 2, bins_row + 1 + len(MARK_BINS)
    distribution = workbook.add_chart({"type": "column"})
    distribution.add_series(
        {
            "name": "Candidats",
            "categories": [sheet.name, first_bin, 0, last_bin, 0],
            "values": [sheet.name, first_bin, 1, last_bin, 1],
        }
    )
    distribution.set_title({"name": "Répartition des notes"})
    distribution.set_x_axis({"name": "Note /20"})
    distribution.set_y_axis({"name": "Candidats", "major_unit": count_axis_unit(max(counts))})
    distribution.set_legend({"none": True})
    sheet.insert_chart(header_row, len(SUMMARY_HEADERS) + 1, distribution)

    classes: Counter[str] = Counter()
    for result in results:
        classes.update(result.error_classes)
    classes_row = last_bin + 2
    sheet.write_string(classes_row, 0, "Erreurs par classe (tous les résultats)", fmts.bold)
    sheet.write_string(classes_row + 1, 0, "Classe", fmts.header)
    sheet.write_string(classes_row + 1, 1, "Erreurs", fmts.header)
    ordered = sorted(classes.items(), key=lambda kv: (-kv[1], kv[0])) or [("aucune", 0)]
    for index, (name, count) in enumerate(ordered):
        sheet.write_string(classes_row + 2 + index, 0, ERROR_CLASS_NAMES.get(name, name))
        sheet.write_number(classes_row + 2 + index, 1, count)
    first_class, last_class = classes_row + 2, classes_row + 1 + len(ordered)
    errors_chart = workbook.add_chart({"type": "bar"})
    errors_chart.add_series(
        {
            "name": "Erreurs",
            "categories": [sheet.name, first_class, 0, last_class, 0],
            "values": [sheet.name, first_class, 1, last_class, 1],
        }
    )
    errors_chart.set_title({"name": "Erreurs par classe"})
    # Bars are drawn bottom-up: reversed, the most frequent class is on top as in the table.
    errors_chart.set_y_axis({"reverse": True, "crossing": "max"})
    errors_chart.set_x_axis({"name": "Erreurs"})
    errors_chart.set_legend({"none": True})
    sheet.insert_chart(header_row + 16, len(SUMMARY_HEADERS) + 1, errors_chart)


def _seance_sheet(
    workbook: Workbook,
    sheet: Worksheet,
    rows: Sequence[StoredResult],
    key: str,
    group: Group | None,
    fmts: _Formats,
) -> None:
    _headers(sheet, 0, SEANCE_HEADERS, fmts)
    ordered = sorted(rows, key=lambda r: (r.mode, r.candidate_name.casefold(), r.started_at))
    for index, result in enumerate(ordered, start=1):
        local = _naive(result.started_at)
        events = ", ".join(f"{k} ×{v}" for k, v in result.integrity_events.items())
        values: list[tuple[Any, Any]] = [
            (result.candidate_name, None),
            (result.candidate_id, None),
            (local.replace(hour=0, minute=0, second=0, microsecond=0), fmts.date),
            (local, fmts.time),
            (result.exercise_id, None),
            (MODE_LABELS.get(result.mode, result.mode), None),
            (result.speed, fmts.decimal),
            (result.faults, fmts.decimal),
            (result.error_rate, fmts.percent),
            (result.accuracy, fmts.percent),
            (result.mark_20, fmts.decimal),
            (verdict(result.passed, result.kind), None),
            (result.critical_errors, None),
            (events, None),
        ]
        for col, (value, fmt) in enumerate(values):
            _write(sheet, index, col, value, fmt)
    last = len(ordered)
    # The class statistics under the table, as written values.
    exams = [r for r in ordered if r.mode == "exam"] or list(ordered)
    view = class_view(exams, group=None, mode=exams[0].mode)
    stats_row = last + 2
    for offset, (label, summary_value, fmt) in enumerate(
        (
            ("Moyenne", (view.speed.mean, view.mark.mean), fmts.decimal),
            ("Médiane", (view.speed.median, view.mark.median), fmts.decimal),
            ("Minimum", (view.speed.minimum, view.mark.minimum), fmts.decimal),
            ("Maximum", (view.speed.maximum, view.mark.maximum), fmts.decimal),
        )
    ):
        sheet.write_string(stats_row + offset, 0, label, fmts.bold)
        _write(sheet, stats_row + offset, 6, summary_value[0], fmt)
        _write(sheet, stats_row + offset, 10, summary_value[1], fmt)
    sheet.write_string(stats_row + 4, 0, "Taux de réussite", fmts.bold)
    _write(sheet, stats_row + 4, 10, view.pass_rate, fmts.percent)
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 5, 12)
    sheet.set_column(6, len(SEANCE_HEADERS) - 2, 10)
    sheet.set_column(len(SEANCE_HEADERS) - 1, len(SEANCE_HEADERS) - 1, 24)

    # Speed as columns, the mark as markers on its own axis: two column series on two axes are
    # drawn at the same place, and LibreOffice showed the mark's columns hiding the speed's.
    # A dictation has no speed: its faults are the columns.
    measure, measure_col = ("Vitesse", 6)
    if all(r.speed is None for r in ordered):
        measure, measure_col = ("Fautes", 7)
    chart = workbook.add_chart({"type": "column"})
    chart.add_series(
        {
            "name": measure,
            "categories": [sheet.name, 1, 0, last, 0],
            "values": [sheet.name, 1, measure_col, last, measure_col],
        }
    )
    marks = workbook.add_chart({"type": "line"})
    marks.add_series(
        {
            "name": "Note /20",
            "categories": [sheet.name, 1, 0, last, 0],
            "values": [sheet.name, 1, 10, last, 10],
            "y2_axis": True,
            "line": {"none": True},
            "marker": {
                "type": "diamond",
                "size": 9,
                "fill": {"color": "#C00000"},
                "border": {"color": "#C00000"},
            },
        }
    )
    marks.set_y2_axis({"name": "Note /20", "min": 0, "max": 20})
    chart.combine(marks)
    chart.set_title({"name": f"Séance {key}"})
    chart.set_y_axis({"name": measure, "num_format": "0" if measure_col == 6 else DECIMAL_FORMAT})
    chart.set_legend({"position": "bottom"})
    sheet.insert_chart(stats_row + 6, 0, chart, {"x_scale": 1.5})


def _candidate_sheet(
    workbook: Workbook,
    sheet: Worksheet,
    rows: Sequence[StoredResult],
    group: Group | None,
    fmts: _Formats,
) -> None:
    _headers(sheet, 0, CANDIDATE_HEADERS, fmts)
    # Exams first then practice, each oldest first: each mode is one block, one chart series.
    ordered = sorted(rows, key=lambda r: (r.mode != "exam", r.started_at, r.id))
    for index, result in enumerate(ordered, start=1):
        values: list[tuple[Any, Any]] = [
            (_naive(result.started_at), fmts.date),
            (result.exercise_id, None),
            (KIND_LABELS.get(result.kind, result.kind), None),
            (MODE_LABELS.get(result.mode, result.mode), None),
            (result.speed, fmts.decimal),
            (result.accuracy, fmts.percent),
            (result.mark_20, fmts.decimal),
            (result.faults, fmts.decimal),
            (result.critical_errors, None),
            (result.listening_ratio, fmts.decimal),
            (verdict(result.passed, result.kind), None),
        ]
        for col, (value, fmt) in enumerate(values):
            _write(sheet, index, col, value, fmt)
    sheet.set_column(0, 0, 13)
    sheet.set_column(1, 1, 16)
    sheet.set_column(2, len(CANDIDATE_HEADERS) - 1, 11)

    chart = workbook.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
    # Speed on the left axis; a candidate with dictations only (no speed) gets the mark there.
    speeds = any(r.speed is not None for r in ordered)
    measure, measure_col = ("Vitesse", 4) if speeds else ("Note /20", 6)
    blocks: dict[Mode, tuple[int, int]] = {}
    for mode in MODES:
        indices = [i for i, r in enumerate(ordered, start=1) if r.mode == mode]
        if indices:
            blocks[mode] = (indices[0], indices[-1])
    for mode, (first, last) in blocks.items():
        label = MODE_LABELS[mode]
        chart.add_series(
            {
                "name": f"{measure} ({label})",
                "categories": [sheet.name, first, 0, last, 0],
                "values": [sheet.name, first, measure_col, last, measure_col],
            }
        )
        chart.add_series(
            {
                "name": f"Précision ({label})",
                "categories": [sheet.name, first, 0, last, 0],
                "values": [sheet.name, first, 5, last, 5],
                "y2_axis": True,
                "line": {"dash_type": "dash"},
            }
        )
    targets = group_targets(group)
    if ordered and (targets.speed is not None or targets.accuracy is not None):
        # The targets as two-point lines from the first to the last date, in cells of their own.
        col = len(CANDIDATE_HEADERS) + 1
        sheet.set_column(col, col + 2, 12)  # a date cell narrower than its date shows ###
        sheet.write_string(0, col, "Objectifs", fmts.header)
        sheet.write_string(0, col + 1, "Vitesse visée", fmts.header)
        sheet.write_string(0, col + 2, "Précision visée", fmts.header)
        dates = [min(r.started_at for r in ordered), max(r.started_at for r in ordered)]
        for offset, moment in enumerate(dates, start=1):
            _write(sheet, offset, col, _naive(moment), fmts.date)
            _write(sheet, offset, col + 1, targets.speed, fmts.decimal)
            _write(sheet, offset, col + 2, targets.accuracy, fmts.percent)
        if targets.speed is not None and speeds:
            chart.add_series(
                {
                    "name": "Objectif vitesse",
                    "categories": [sheet.name, 1, col, 2, col],
                    "values": [sheet.name, 1, col + 1, 2, col + 1],
                    "marker": {"type": "none"},
                    "line": {"color": "#C00000", "dash_type": "long_dash"},
                }
            )
        if targets.accuracy is not None:
            chart.add_series(
                {
                    "name": "Objectif précision",
                    "categories": [sheet.name, 1, col, 2, col],
                    "values": [sheet.name, 1, col + 2, 2, col + 2],
                    "y2_axis": True,
                    "marker": {"type": "none"},
                    "line": {"color": "#00803C", "dash_type": "long_dash"},
                }
            )
    chart.set_title({"name": "Progression"})
    chart.set_x_axis({"name": "Date", "date_axis": True, "num_format": "dd/mm/yy"})
    if speeds:
        chart.set_y_axis({"name": "Vitesse", "num_format": "0"})
    else:
        chart.set_y_axis({"name": "Note /20", "num_format": "0", "min": 0, "max": 20})
    chart.set_y2_axis({"name": "Précision", "num_format": "0 %", "max": 1})
    chart.set_legend({"position": "bottom"})
    sheet.insert_chart(len(ordered) + 2, 0, chart, {"x_scale": 1.6, "y_scale": 1.2})


def write_workbook(
    results: Sequence[StoredResult],
    path: Path,
    *,
    group: Group | None = None,
    title: str = "",
) -> Path:
    """Write the workbook of ``results`` to ``path`` (FrappeError when it cannot be written)."""
    try:
        private_dir(path.parent)  # 0700 like every folder of names and marks
    except OSError as error:
        raise FrappeError(
            f"{path.parent} : dossier impossible à créer ({os_problem(error)})"
        ) from error
    # In memory: XlsxWriter otherwise writes one temporary file per part (hundreds here).
    # Built in a buffer, then written atomically and 0600 whatever the umask (names, marks).
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    try:
        fmts = _Formats(workbook)
        taken: set[str] = set()
        summary = workbook.add_worksheet(sheet_name("Synthèse", taken))
        order = seances(results)
        by_seance: dict[str, list[StoredResult]] = defaultdict(list)
        for result in results:
            by_seance[seance_key(result)].append(result)
        seance_sheets: dict[str, str] = {}
        seance_targets: list[tuple[Worksheet, str]] = []
        for key in order:
            day, _, exercise = key.partition(" ")
            label = f"{day[8:10]}-{day[5:7]} {exercise}" if exercise else key
            sheet = workbook.add_worksheet(sheet_name(f"S {label}", taken))
            seance_sheets[key] = sheet.name
            seance_targets.append((sheet, key))
        people: dict[str, list[StoredResult]] = defaultdict(list)
        names: dict[str, str] = {}
        for result in results:
            owner = None
            if group is not None:
                owner = group.member_for(result.candidate_name, result.candidate_id)
            person = (
                (owner.candidate_id or name_key(owner.name))
                if owner
                else (result.candidate_id or name_key(result.candidate_name))
            )
            people[person].append(result)
            names.setdefault(person, owner.name if owner else result.candidate_name)
        _summary_sheet(workbook, summary, results, order, group, title, fmts, seance_sheets)
        for sheet, key in seance_targets:
            _seance_sheet(workbook, sheet, by_seance[key], key, group, fmts)
        for person in sorted(people, key=lambda p: names[p].casefold()):
            sheet = workbook.add_worksheet(sheet_name(names[person], taken))
            _candidate_sheet(workbook, sheet, people[person], group, fmts)
    finally:
        try:
            workbook.close()
        except (OSError, xlsxwriter.exceptions.FileCreateError) as error:
            raise FrappeError(f"{path} : classeur impossible à écrire ({error})") from error
    try:
        write_private(path, buffer.getvalue())
    except OSError as error:
        raise FrappeError(f"{path} : classeur impossible à écrire ({os_problem(error)})") from error
    return path
