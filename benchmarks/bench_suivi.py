"""Tableaux de suivi for a group of 30 candidates with 40 results each (1,200 rows in a real
SQLite history): the class view (store read + statistics + rendering, target < 1 s) and the
XLSX workbook (target < 3 s), beside their peers in the same run — the bare store read, the
candidate view, the CSV and the procès-verbal of one séance."""

from __future__ import annotations

import io
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console

from benchmarks._common import Result, print_table
from frappe.exercises.record import Candidate, RecordSettings, ResultRecord
from frappe.reports import exports
from frappe.reports.statistics import candidate_view, class_view, group_targets, seances
from frappe.reports.tables import candidate_renderable, class_renderable
from frappe.scoring.profiles import scoring_profile
from frappe.storage.history import open_history
from frappe.storage.store import Group, ResultFilter, RosterMember

CANDIDATES = 30
RESULTS_EACH = 40
TARGET_CLASS_S = 1.0
TARGET_XLSX_S = 3.0
CLASSES = ("accent", "case", "punctuation", "spelling", "word")


def _fill(db: Path) -> Group:
    profile = scoring_profile()
    members = tuple(
        RosterMember(f"Candidat{n:02d} Prénom", f"C-{n:03d}") for n in range(CANDIDATES)
    )
    with open_history(db) as history:
        history.save_group(Group("Promo bench", profile="frappe", members=members))
        for week in range(RESULTS_EACH):
            for n, member in enumerate(members):
                started = datetime(2026, 1, 5, 9, n, tzinfo=UTC) + timedelta(days=3 * week)
                record = ResultRecord(
                    kind="typing",
                    candidate=Candidate(member.name, member.candidate_id),
                    exercise_id=f"t{week % 8:02d}",
                    exercise_title="Texte",
                    reference="Le patient est sorti ce matin.",
                    typed="Le patient est sorti ce matn.",
                    started_at=started,
                    ended_at=started + timedelta(minutes=10),
                    duration_s=600.0,
                    end_reason="timeout",
                    settings=RecordSettings(600.0, True, profile),
                )
                speed = 20.0 + n * 0.5 + week * 0.3
                metrics = {
                    "speed": speed,
                    "faults": float((n + week) % 7),
                    "accuracy": 0.9 + ((n * week) % 10) / 100.0,
                    "error_rate": ((n + week) % 7) / 100.0,
                    "mark_20": min(20.0, speed / 2.0),
                    "passed": speed >= 25.0,
                    "errors": [
                        {"class": CLASSES[(n + week + k) % len(CLASSES)]} for k in range(n % 5)
                    ],
                }
                mode = "practice" if week % 4 == 3 else "exam"
                history.add(record, metrics, db.parent / f"r-{week}-{n}.json", mode=mode)
    return Group("Promo bench", profile="frappe", members=members)


def _timed(func: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def run() -> Result:
    """Run the benchmark, print a table, return the figures."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = folder / "history.sqlite3"
        _fill(db)

        def read() -> None:
            with open_history(db) as store:
                assert len(store.results(ResultFilter(group="Promo bench"))) == 1200

        def class_screen() -> None:
            with open_history(db) as store:
                group = store.group("Promo bench")
                results = store.results(ResultFilter(group="Promo bench"))
            view = class_view(results, group=group, mode="exam", title="Promo bench")
            assert len(view.present) == CANDIDATES
            Console(file=io.StringIO(), width=80).print(class_renderable(view))

        def candidate_screen() -> None:
            with open_history(db) as store:
                group = store.group("Promo bench")
                results = store.results(ResultFilter(candidate="C-007"))
            view = candidate_view(results, targets=group_targets(group))
            Console(file=io.StringIO(), width=80).print(candidate_renderable(view))

        with open_history(db) as store:
            group = store.group("Promo bench")
            results = store.results(ResultFilter(group="Promo bench"))
        first_seance = seances(results)[0]
        one_seance = [r for r in results if r.exercise_id == "t00"][:CANDIDATES]

        figures = {
            "suivi_store_read_s": _timed(read),
            "suivi_class_view_s": _timed(class_screen),
            "suivi_candidate_view_s": _timed(candidate_screen),
            "suivi_csv_export_s": _timed(
                lambda: exports.write_results_csv(results, folder / "x.csv")
            ),
            "suivi_xlsx_export_s": _timed(
                lambda: exports.write_workbook(results, folder / "x.xlsx", group=group)
            ),
            "suivi_pdf_pv_seance_s": _timed(
                lambda: exports.write_proces_verbal(one_seance, folder / "x.pdf", group=group)
            ),
        }
        size_kib = (folder / "x.xlsx").stat().st_size / 1024
    del first_seance
    read_s = figures["suivi_store_read_s"]
    rows = []
    labels = {
        "suivi_store_read_s": "lecture du magasin (1 200 lignes)",
        "suivi_class_view_s": "vue de classe (lecture + stats + rendu)",
        "suivi_candidate_view_s": "vue candidat (40 résultats)",
        "suivi_csv_export_s": "export CSV (1 200 lignes)",
        "suivi_xlsx_export_s": "classeur XLSX (graphiques compris)",
        "suivi_pdf_pv_seance_s": "procès-verbal PDF d'une séance",
    }
    targets = {"suivi_class_view_s": TARGET_CLASS_S, "suivi_xlsx_export_s": TARGET_XLSX_S}
    for key, seconds in figures.items():
        note = f"×{seconds / read_s:.1f} la lecture"
        if key in targets:
            note += " — ok" if seconds < targets[key] else f" — > {targets[key]:g} s"
        rows.append((labels[key], f"{seconds * 1000:.0f} ms", note))
    print_table(
        f"Tableaux de suivi : {CANDIDATES} candidats × {RESULTS_EACH} résultats "
        f"(classeur de {size_kib:.0f} Kio)",
        rows,
    )
    result: Result = {
        key: {"value": round(value, 4), "unit": "s"} for key, value in figures.items()
    }
    result["suivi_xlsx_size"] = {"value": round(size_kib, 1), "unit": "KiB"}
    return result
