"""``frappe score``: score a room's result files (or plain-text submissions) in one batch.

Every input gets one entry, in input order; a bad file gets ``ok: false`` and a one-line reason
and the batch goes on. Scoring runs in worker processes (``--jobs``): it is CPU-bound Python.

A record is checked against the centre before it is scored (``frappe.runs.verification``):
catalogue, profile. Names, file names and messages are written as plain text in every format
(no markup, control characters and unencodable characters escaped), and the output file is
written once everything is computed, atomically: a failing batch leaves the previous one.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import gc
import io
import json
import math
import os
import stat
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any, Literal

from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from frappe.errors import FrappeError, InputFileError, ProfileError
from frappe.exercises.record import ResultRecord, format_timestamp
from frappe.exercises.results import score_record
from frappe.reports.csv_export import Column, CsvStyle, csv_text
from frappe.runs.verification import CentreRules, centre_rules, verify
from frappe.scoring.correction import CorrectionScore
from frappe.scoring.profiles import (
    ScoringProfile,
    load_profiles,
    normalization_profile,
    scoring_profile,
)
from frappe.scoring.score import compare_texts, count_faults, score_typing
from frappe.scoring.transcription import TranscriptionScore
from frappe.storage.files import read_record, write_atomic
from frappe.textio import plain_text, read_text_file

__all__ = ["BatchSettings", "expand_inputs", "register", "run_score", "score_inputs"]

OutputFormat = Literal["table", "csv", "json"]
# Below this many inputs, starting worker processes costs more than it saves.
_MIN_FILES_FOR_PROCESSES = 64
_TABLE_COLUMNS = (
    ("wer", "WER", "{:.1%}"),
    ("faults", "fautes", "{:g}"),
    ("speed", "vitesse", "{:.1f}"),
    ("accuracy", "précision", "{:.1%}"),
    ("mark_20", "note/20", "{:.1f}"),
)


@dataclass(frozen=True, slots=True)
class BatchSettings:
    """What every worker needs to score one input.

    Attributes:
        reference: Reference text for plain-text submissions; ``None`` for result records.
        profile: Profile forced on every input (``None``: each record's own profile).
        duration_s: Typing time for plain-text submissions (enables speeds).
        include_errors: Put the error list of each input in the output.
        rules: The centre's catalogue and profiles records are checked against (None: no
            such check, the record's own consistency only).
        normalization: Normalisation profile imposed whatever the scoring profile
            (``--normalization``), None: the profile's own.
    """

    reference: str | None
    profile: dict[str, Any] | None
    duration_s: float | None
    include_errors: bool = True
    rules: CentreRules | None = None
    normalization: str | None = None


# Scoring one record allocates thousands of short-lived containers (the keystroke log) and makes
# no reference cycles; the automatic collector's passes over everything alive (every entry
# scored so far) cost as much as the scoring. During a batch only the young generations are
# collected, every this many files, in case some cycle appears.
_COLLECT_EVERY = 256


@contextmanager
def _young_collections_only() -> Iterator[None]:
    """Pause the automatic garbage collector (restored as it was afterwards)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _collect_young(done: int) -> None:
    if done % _COLLECT_EVERY == 0:
        gc.collect(1)


_worker_settings: BatchSettings | None = None
_worker_done = 0


def _init_worker(settings: BatchSettings) -> None:
    global _worker_settings  # noqa: PLW0603 - one settings object per worker process
    _worker_settings = settings
    gc.disable()  # a worker only scores (see _young_collections_only)


def _score_in_worker(path: str) -> dict[str, Any]:
    global _worker_done  # noqa: PLW0603 - per worker process
    assert _worker_settings is not None
    _worker_done += 1
    _collect_young(_worker_done)
    return score_one(Path(path), _worker_settings)


def score_one(path: Path, settings: BatchSettings) -> dict[str, Any]:
    """Score one input; never raises for bad input (the reason goes in the entry)."""
    entry: dict[str, Any] = {"file": plain_text(str(path))}
    recognition: dict[str, list[dict[str, object]]] | None = None
    warnings: tuple[str, ...] = ()
    try:
        profile = ScoringProfile.from_dict(settings.profile) if settings.profile else None
        if settings.reference is None:
            record = read_record(path)
            if settings.rules is not None:
                if profile is None:
                    verified = verify(record, settings.rules)
                    record, warnings = verified.record, verified.warnings
                else:  # a profile imposed on every record: only the catalogue matters
                    warnings = settings.rules.catalogue.check(record)
            if settings.normalization is not None:
                profile = _with_normalization(profile or record.settings.profile, settings)
            score = score_record(record, profile)
            metrics = score.metrics_dict()
            metrics["kind"] = record.kind
            metrics["candidate"] = record.candidate.name
            metrics["exercise"] = record.exercise_id
            metrics.update(_record_fields(record, path, metrics))
            if isinstance(score, CorrectionScore):
                entry_errors: list[dict[str, object]] = [f.to_dict() for f in score.final.errors]
                recognition = score.errors_dict()
            elif isinstance(score, TranscriptionScore):
                entry_errors = [f.to_dict() for f in score.errors]
            else:
                entry_errors = [e.to_dict() for e in score.comparison.errors]
        else:
            typed = read_text_file(path)
            profile = profile or scoring_profile()
            if settings.normalization is not None:
                profile = _with_normalization(profile, settings)
            if settings.duration_s is not None:
                typing_score = score_typing(
                    settings.reference, typed, duration_s=settings.duration_s, profile=profile
                )
                metrics = typing_score.metrics_dict()
                entry_errors = [e.to_dict() for e in typing_score.comparison.errors]
            else:
                comparison = compare_texts(settings.reference, typed, profile.normalization)
                faults = count_faults(comparison.errors, profile)
                ref_words = comparison.words.ref_words
                metrics = {
                    **comparison.measures_dict(),
                    "faults": faults,
                    "accuracy": comparison.accuracy,
                    "error_rate": faults / ref_words if ref_words else 0.0,
                    "profile": profile.name,
                }
                entry_errors = [e.to_dict() for e in comparison.errors]
    except FrappeError as error:
        entry.update(ok=False, error=_one_line(str(error)))
        return entry
    except Exception as error:  # a bug must not stop the room's batch: report it per file
        entry.update(ok=False, error=_one_line(f"erreur interne : {type(error).__name__}: {error}"))
        return entry
    entry.update(ok=True, metrics=metrics)
    if warnings:
        entry["warnings"] = [plain_text(w) for w in warnings]
    if settings.include_errors:
        entry["errors"] = entry_errors
        if recognition is not None:
            entry["recognition"] = recognition
    return entry


def _with_normalization(profile: ScoringProfile, settings: BatchSettings) -> ScoringProfile:
    """``profile`` with the normalisation imposed by ``--normalization``."""
    assert settings.normalization is not None
    return dataclasses.replace(profile, normalization=normalization_profile(settings.normalization))


def _record_fields(
    record: ResultRecord, path: Path, metrics: dict[str, object]
) -> dict[str, object]:
    """What a trainer's sheet needs beside the metrics: when, who (id), exam or practice (a
    practice result sits in a ``practice`` folder), duration, error rate, critical errors."""
    faults = metrics.get("faults")
    ref_words = metrics.get("ref_words")
    error_rate = metrics.get("error_rate")
    if error_rate is None and isinstance(faults, int | float) and isinstance(ref_words, int):
        error_rate = faults / ref_words if ref_words else 0.0
    return {
        "date": format_timestamp(record.started_at),
        "candidate_id": record.candidate.id,
        "mode": "practice" if path.parent.name == "practice" else "exam",
        "duration_s": record.duration_s,
        "error_rate": error_rate,
        "critical_errors": metrics.get("critical_errors"),
        "passed": metrics.get("passed"),
    }


def _one_line(message: str) -> str:
    return plain_text(" ".join(message.split()))


FileId = tuple[int, int]


def _file_id(path: Path) -> FileId | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_dev, info.st_ino)


def output_files(output: str | None) -> set[FileId]:
    """The files this run writes to: ``--output``, and standard output when it is a file
    (``frappe score salle/ > salle/notes.json``: the shell creates it before frappe starts)."""
    found: set[FileId] = set()
    try:
        info = os.fstat(sys.stdout.fileno())
        if stat.S_ISREG(info.st_mode):
            found.add((info.st_dev, info.st_ino))
    except (OSError, ValueError, AttributeError):
        pass  # no real standard output (a test's capture)
    if output:
        file_id = _file_id(Path(output))
        if file_id is not None:
            found.add(file_id)
    return found


def expand_inputs(
    paths: Sequence[str], suffixes: tuple[str, ...], exclude: set[FileId] | None = None
) -> list[Path]:
    """Files as given, folders searched recursively for ``suffixes``, in a stable order;
    ``exclude`` leaves out this run's own output files.

    A path that does not exist is kept: it becomes an error entry, not a crash.
    """
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(
                sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes)
            )
        else:
            files.append(path)
    if exclude:
        files = [f for f in files if _file_id(f) not in exclude]
    return files


def score_inputs(
    files: Sequence[Path], settings: BatchSettings, *, jobs: int, progress: bool
) -> Iterator[dict[str, Any]]:
    """Score every file, yielding entries in input order."""
    with _young_collections_only():
        if jobs <= 1 or len(files) < _MIN_FILES_FOR_PROCESSES:
            yield from _with_progress(_score_here(files, settings), len(files), progress)
            return
        chunksize = max(1, min(64, len(files) // (jobs * 8)))
        with ProcessPoolExecutor(
            max_workers=jobs, initializer=_init_worker, initargs=(settings,)
        ) as pool:
            mapped = pool.map(_score_in_worker, [str(f) for f in files], chunksize=chunksize)
            yield from _with_progress(_collecting(mapped), len(files), progress)


def _score_here(files: Sequence[Path], settings: BatchSettings) -> Iterator[dict[str, Any]]:
    for done, path in enumerate(files, 1):
        _collect_young(done)
        yield score_one(path, settings)


def _collecting(entries: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for done, entry in enumerate(entries, 1):
        _collect_young(done)
        yield entry


def _with_progress(
    entries: Iterable[dict[str, Any]], total: int, enabled: bool
) -> Iterator[dict[str, Any]]:
    """Show a progress bar on stderr once the batch has taken over a second."""
    started = time.monotonic()
    bar: Progress | None = None
    task = None
    done = 0
    try:
        for entry in entries:
            done += 1
            if enabled and bar is None and time.monotonic() - started > 1.0:
                bar = Progress(
                    "[progress.description]{task.description}",
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeRemainingColumn(),
                    console=Console(stderr=True),
                    transient=True,
                )
                bar.start()
                task = bar.add_task("Notation", total=total, completed=done)
            if bar is not None and task is not None:
                bar.update(task, completed=done)
            yield entry
    finally:
        if bar is not None:
            bar.stop()


def _render_table(entries: list[dict[str, Any]], console: Console) -> None:
    """The table; every name, file name and message goes in as ``Text`` (never markup).

    Rows are numbered and the files listed under the table, so the columns a trainer reads
    (who, when, exam or practice, how long, speed, faults, error rate, mark, verdict) fit 80
    columns; WER, speed, critical errors and the draft column appear when some entry has them.
    """
    scored = [e["metrics"] for e in entries if e["ok"]]

    def present(key: str) -> bool:
        return any(isinstance(m.get(key), int | float) for m in scored)

    columns: list[tuple[str, str, Callable[[dict[str, Any]], str]]] = [
        ("date", "date", lambda m: _record_cells(m)[0]),
        ("mode", "mode", lambda m: _record_cells(m)[1]),
        ("durée", "duration_s", lambda m: _record_cells(m)[2]),
    ]
    if present("speed"):
        columns.append(("vit.", "speed", lambda m: _fr_number(m.get("speed"), "{:.1f}")))
    columns.append(("faut.", "faults", lambda m: _fr_number(m.get("faults"), "{:g}")))
    columns.append(("err.", "error_rate", lambda m: _record_cells(m)[3]))
    if any(m.get("kind") in {"transcription", "correction"} or "speed" not in m for m in scored):
        columns.append(("WER", "wer", lambda m: _fr_number(m.get("wer"), "{:.0%}")))
    columns.append(("note", "mark_20", lambda m: _fr_number(m.get("mark_20"), "{:.1f}")))
    if present("critical_errors"):
        columns.append(("crit", "critical_errors", lambda m: _record_cells(m)[4]))
    columns.append(("résultat", "passed", lambda m: _record_cells(m)[5]))
    table = Table(
        title="Résultats",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 0),
    )
    table.add_column("n°", justify="right", no_wrap=True)
    table.add_column("candidat", overflow="fold", ratio=1, min_width=10)
    for label, _key, _cell in columns:
        table.add_column(
            label,
            justify="left" if label in {"date", "mode", "résultat"} else "right",
            no_wrap=True,
        )
    corrections = any(e["ok"] and "fixed" in e["metrics"] for e in entries)
    if corrections:
        table.add_column("brouillon", justify="right", no_wrap=True)
    warned = any(e.get("warnings") for e in entries)
    if warned:
        table.add_column("⚠", no_wrap=True)  # a warning listed under the table
    for number, entry in enumerate(entries, start=1):
        if not entry["ok"]:
            blanks = [""] * (len(columns) + corrections + warned)
            table.add_row(str(number), Text("erreur ↓", style="red"), *blanks)
            continue
        metrics = entry["metrics"]
        cells: list[str | Text] = [cell(metrics) for _label, _key, cell in columns]
        if corrections:
            cells.append(_draft_cell(metrics))
        if warned:
            cells.append(Text("⚠", style="yellow") if entry.get("warnings") else "")
        who = str(metrics.get("candidate", ""))
        if metrics.get("candidate_id"):
            who += f" ({metrics['candidate_id']})"
        table.add_row(str(number), Text(plain_text(who)), *cells)
    console.print(table)
    console.print(Text("Fichiers :"))
    for number, entry in enumerate(entries, start=1):
        line = Text(f"{number:>3}  ")
        line.append(plain_text(entry["file"]))
        console.print(line, highlight=False, soft_wrap=True)
    failed = sum(1 for e in entries if not e["ok"])
    for entry in entries:
        for warning in entry.get("warnings", ()):
            line = Text("⚠ ", style="yellow")
            line.append(f"{plain_text(Path(entry['file']).name)} : {plain_text(warning)}")
            console.print(line, highlight=False, soft_wrap=True)
    for entry in entries:
        if not entry["ok"]:
            line = Text("✗ ", style="red")
            line.append(plain_text(entry["error"]))
            console.print(line, highlight=False, soft_wrap=True)
    console.print(Text(f"{len(entries) - failed} notés, {failed} en erreur"))
    warned_count = sum(1 for e in entries if e.get("warnings"))
    if warned_count:
        console.print(Text(f"{warned_count} avec avertissement (⚠)"))


def _fr_number(value: object, fmt: str) -> str:
    """A number with the French decimal comma; — when absent or not finite."""
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        return "—"
    return fmt.format(value).replace(".", ",").replace("%", " %")


def _record_cells(metrics: dict[str, Any]) -> tuple[str, ...]:
    """Date, mode, then duration, error rate, critical errors and verdict of a table row."""
    moment = metrics.get("date")
    day = (
        datetime.fromisoformat(moment.replace("Z", "+00:00")).astimezone().strftime("%d/%m")
        if isinstance(moment, str)
        else "—"
    )
    mode = {"exam": "ex.", "practice": "ent."}.get(str(metrics.get("mode")), "—")
    duration = metrics.get("duration_s")
    rate = metrics.get("error_rate")
    critical = metrics.get("critical_errors")
    passed = metrics.get("passed")
    kind = metrics.get("kind", "typing")
    verdict = "—"
    if isinstance(passed, bool):
        verdict = (
            ("réussi" if passed else "échoué")
            if kind == "typing"
            else ("validé" if passed else "non validé")
        )
    return (
        day,
        mode,
        _minutes(duration) if isinstance(duration, int | float) else "—",
        _fr_number(rate, "{:.1%}"),
        str(critical) if isinstance(critical, int) else "—",
        verdict,
    )


def _minutes(seconds: float) -> str:
    """``10:00`` (minutes:seconds)."""
    if not math.isfinite(seconds):
        return "—"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


def _draft_cell(metrics: dict[str, Any]) -> str:
    """``12/15 +1``: recognition errors fixed out of the draft's, then errors introduced (the
    missed ones are the difference; the table must fit 80 columns)."""
    if "fixed" not in metrics:
        return "—"
    return f"{metrics['fixed']}/{metrics['recognition_errors']} +{metrics['introduced']}"


_CSV_METRICS = (
    "wer",
    "cer",
    "ref_words",
    "hyp_words",
    "hits",
    "substitutions",
    "deletions",
    "insertions",
    "faults",
    "accuracy",
    "gross_wpm",
    "net_wpm",
    "cpm",
    "mots_par_minute",
    "frappes_brutes",
    "frappes_nettes",
    "keystroke_accuracy",
    "mark_20",
    "passed",
    # Correction of a speech-recognition draft (empty for the other kinds).
    "recognition_errors",
    "fixed",
    "missed",
    "introduced",
    "fix_rate",
)


# Columns added for the trainers' sheets (issue 12), before the warnings: date, id, mode…
_CSV_RECORD = (
    "date",
    "candidate_id",
    "mode",
    "duration_s",
    "speed",
    "speed_unit",
    "error_rate",
    "critical_errors",
)
_CSV_HEADERS_FR = {
    "file": "Fichier",
    "ok": "Noté",
    "error": "Erreur",
    "candidate": "Candidat",
    "candidate_id": "Identifiant",
    "date": "Date",
    "time": "Heure",
    "exercise": "Exercice",
    "mode": "Mode",
    "profile": "Profil",
    "duration_s": "Durée (s)",
    "speed": "Vitesse",
    "speed_unit": "Unité",
    "faults": "Fautes",
    "error_rate": "Taux d'erreurs",
    "accuracy": "Précision",
    "mark_20": "Note /20",
    "passed": "Réussi / validé",
    "critical_errors": "Erreurs critiques",
    "wer": "WER",
    "cer": "CER",
    "ref_words": "Mots de la référence",
    "hyp_words": "Mots saisis",
    "hits": "Mots justes",
    "substitutions": "Substitutions",
    "deletions": "Omissions",
    "insertions": "Insertions",
    "gross_wpm": "Mots/min bruts (5 car.)",
    "net_wpm": "Mots/min nets (5 car.)",
    "cpm": "Caractères/min",
    "mots_par_minute": "Mots/min (6 frappes)",
    "frappes_brutes": "Frappes brutes",
    "frappes_nettes": "Frappes nettes",
    "keystroke_accuracy": "Précision des frappes",
    "recognition_errors": "Erreurs du brouillon",
    "fixed": "Corrigées",
    "missed": "Oubliées",
    "introduced": "Introduites",
    "fix_rate": "Taux de correction",
    "warnings": "Avertissements",
}
# The French sheet reads left to right as a trainer does: who, when, what, then the numbers.
_CSV_ORDER_FR = (
    "candidate",
    "candidate_id",
    "date",
    "time",
    "exercise",
    "mode",
    "profile",
    "duration_s",
    "speed",
    "speed_unit",
    "faults",
    "error_rate",
    "accuracy",
    "mark_20",
    "passed",
    "critical_errors",
    *(k for k in _CSV_METRICS if k not in {"faults", "accuracy", "mark_20", "passed"}),
    "ok",
    "error",
    "warnings",
    "file",
)
_MODE_FR = {"exam": "examen", "practice": "entraînement"}


def _render_csv(entries: list[dict[str, Any]], style: CsvStyle = "francais") -> str:
    """``francais`` (default): for French Excel — ``;``, decimal comma, UTF-8 BOM, French
    headers, ISO dates. ``international``: today's ``,``/``.`` form, the new columns after."""
    if style == "international":
        return _render_csv_international(entries)
    rows: list[dict[str, object]] = []
    for entry in entries:
        metrics = entry.get("metrics", {})
        row: dict[str, object] = {key: metrics.get(key) for key in _CSV_HEADERS_FR}
        row.update(
            file=entry["file"],
            ok=entry["ok"],
            error=entry.get("error", ""),
            warnings=" | ".join(entry.get("warnings", ())),
        )
        moment = metrics.get("date")
        if isinstance(moment, str):
            local = datetime.fromisoformat(moment.replace("Z", "+00:00")).astimezone()
            row.update(date=local.date().isoformat(), time=local.strftime("%H:%M"))
        row["mode"] = _MODE_FR.get(str(metrics.get("mode")), metrics.get("mode"))
        rows.append(
            {
                key: plain_text(value) if isinstance(value, str) else _finite(value)
                for key, value in row.items()
            }
        )
    columns = [Column(key, _CSV_HEADERS_FR[key]) for key in _CSV_ORDER_FR]
    return csv_text(rows, columns, "francais")


def _render_csv_international(entries: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "file",
            "ok",
            "error",
            "candidate",
            "exercise",
            "profile",
            *_CSV_METRICS,
            *_CSV_RECORD,
            "warnings",
        ]
    )
    for entry in entries:
        metrics = entry.get("metrics", {})
        writer.writerow(
            [
                _csv_value(entry["file"]),
                entry["ok"],
                _csv_value(entry.get("error", "")),
                _csv_value(metrics.get("candidate", "")),
                _csv_value(metrics.get("exercise", "")),
                _csv_value(metrics.get("profile", "")),
                *[_csv_value(metrics.get(key)) for key in _CSV_METRICS],
                *[_csv_value(metrics.get(key)) for key in _CSV_RECORD],
                _csv_value(" | ".join(entry.get("warnings", ()))),
            ]
        )
    return buffer.getvalue()


def _csv_value(value: object) -> object:
    if isinstance(value, float):
        return f"{value:.4f}" if math.isfinite(value) else ""
    if isinstance(value, str):
        return plain_text(value)
    return "" if value is None else value


def run_score(args: argparse.Namespace) -> int:
    """Handler of ``frappe score``."""
    try:
        settings = _settings_from(args)
    except FrappeError as error:
        print(f"frappe : {plain_text(str(error))}", file=sys.stderr)
        return 2
    suffixes = (".txt",) if settings.reference is not None else (".json",)
    files = expand_inputs(args.paths, suffixes, output_files(args.output))
    if not files:
        print("frappe : aucun fichier à noter", file=sys.stderr)
        return 2
    try:
        centre_key = _load_centre_key(args.key) if args.key else None
    except FrappeError as error:
        print(f"frappe : {error}", file=sys.stderr)
        return 2
    jobs = args.jobs or os.cpu_count() or 1
    entries = list(score_inputs(files, settings, jobs=jobs, progress=sys.stderr.isatty()))
    if centre_key is not None:
        _check_signatures(entries, files, centre_key)
    output_format: OutputFormat = args.format
    if output_format == "json":
        text = _json_text(entries) + "\n"
    elif output_format == "csv":
        text = _render_csv(entries, getattr(args, "csv_style", "francais"))
    elif args.output:
        console = Console(file=io.StringIO(), record=True, width=140)
        _render_table(entries, console)
        text = console.export_text()
    else:
        _render_table(entries, Console())
        text = ""
    # Whatever cannot be encoded (a file name in another encoding) is escaped, never fatal;
    # in JSON the escape is a JSON escape.
    data = text.encode("utf-8", "backslashreplace")
    if args.output:
        try:
            write_atomic(Path(args.output), data)  # 0600: candidates' names
        except OSError as error:
            print(
                f"frappe : {plain_text(args.output)} : écriture impossible "
                f"({error.strerror or error})",
                file=sys.stderr,
            )
            return 2
    elif data:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    if centre_key is not None:
        _report_signatures(entries)
    signed = centre_key is None or all(e["signature"] == "valid" for e in entries)
    return 0 if signed and all(e["ok"] for e in entries) else 1


def _load_centre_key(path: str) -> Any:
    from frappe.storage.signing import load_public_key  # noqa: PLC0415 - only with --key

    return load_public_key(Path(path))


def _check_signatures(entries: list[dict[str, Any]], files: Sequence[Path], key: Any) -> None:
    """``--key``: each entry's ``signature`` (valid, unsigned, altered, other_key)."""
    from frappe.storage.signing import check_signature  # noqa: PLC0415

    # The entries' file names are escaped for display: the files are the inputs, in order.
    for entry, path in zip(entries, files, strict=True):
        entry["signature"] = check_signature(path, key).status


def _report_signatures(entries: list[dict[str, Any]]) -> None:
    """One line per file that is not validly signed, then the counts (on stderr)."""
    labels = {
        "unsigned": "non signé",
        "altered": "MODIFIÉ depuis sa signature",
        "other_key": "signé par une autre clé",
    }
    for entry in entries:
        if entry["signature"] != "valid":
            print(f"✗ {plain_text(entry['file'])} : {labels[entry['signature']]}", file=sys.stderr)
    valid = sum(1 for e in entries if e["signature"] == "valid")
    print(
        f"signatures : {valid} valide(s), {len(entries) - valid} non signée(s) ou invalide(s)",
        file=sys.stderr,
    )


def _json_text(value: object) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=1)``, about twice as fast on entries,
    except that a float that is not finite is written ``null`` (``NaN`` is not JSON).

    The standard encoder indents in pure Python, one generator per container; for a room's
    entries that costs a fifth of the batch, in the parent process after the workers are done.
    This builds each container with one join; a value it does not know (an int or str
    subclass, a non-string key) sends the whole document to ``json.dumps``.
    """
    try:
        return _encode(value, 0)
    except (_NotPlainJsonError, IndexError, RecursionError):
        return json.dumps(_finite(value), ensure_ascii=False, indent=1)


def _finite(value: Any) -> Any:
    """``value`` with every non-finite float replaced by None (the rare fallback path)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


class _NotPlainJsonError(Exception):
    """A value that ``_json_text`` leaves to ``json.dumps``."""


def _json_float(value: float) -> str:
    if value != value or value in (math.inf, -math.inf):  # noqa: PLR0124 - NaN
        return "null"  # NaN and Infinity are not JSON
    return float.__repr__(value)


_JSON_SCALARS: dict[type, Callable[[Any], str]] = {
    str: encode_basestring,
    int: int.__repr__,
    float: _json_float,
    bool: lambda value: "true" if value else "false",
    type(None): lambda _value: "null",
}
_json_keys: dict[str, str] = {}
# Per depth: after the opening bracket, between items, before the closing bracket.
_JSON_SEPARATORS = [
    ("\n" + " " * (depth + 1), ",\n" + " " * (depth + 1), "\n" + " " * depth) for depth in range(64)
]


def _json_key(key: object) -> str:
    if type(key) is not str:
        raise _NotPlainJsonError
    text = _json_keys.get(key)
    if text is None:
        text = encode_basestring(key) + ": "
        if len(_json_keys) < 1024:
            _json_keys[key] = text
    return text


def _encode(value: object, depth: int) -> str:
    scalar = _JSON_SCALARS.get(type(value))
    if scalar is not None:
        return scalar(value)
    first, between, last = _JSON_SEPARATORS[depth]
    scalars = _JSON_SCALARS.get
    if type(value) is dict:
        if not value:
            return "{}"
        items = [
            _json_key(key)
            + (
                scalar(item)
                if (scalar := scalars(type(item))) is not None
                else _encode(item, depth + 1)
            )
            for key, item in value.items()
        ]
        return "{" + first + between.join(items) + last + "}"
    if type(value) is list or type(value) is tuple:
        if not value:
            return "[]"
        items = [
            scalar(item)
            if (scalar := scalars(type(item))) is not None
            else _encode(item, depth + 1)
            for item in value
        ]
        return "[" + first + between.join(items) + last + "]"
    raise _NotPlainJsonError


def _settings_from(args: argparse.Namespace) -> BatchSettings:
    profile: ScoringProfile | None = None
    profiles_file = Path(args.profiles) if args.profiles else None
    if args.profile:  # imposed on every input, from the centre's file or the bundled ones
        if profiles_file is not None:
            profiles = load_profiles(profiles_file)
            if args.profile not in profiles:
                raise ProfileError(f"profil « {args.profile} » absent de {args.profiles}")
            profile = profiles[args.profile]
        else:
            profile = scoring_profile(args.profile)
    reference = None
    rules = None
    if args.reference:
        try:
            reference = read_text_file(Path(args.reference)).strip("\n")
        except InputFileError as error:
            raise InputFileError(f"référence : {error}") from error
        if profile is None and profiles_file is not None:
            profile = load_profiles(profiles_file)["frappe"]
    else:
        rules = centre_rules(
            catalogue_dirs=[Path(folder) for folder in args.catalogue],
            profiles_file=profiles_file,
            profile_from_record=args.profile_from_record,
        )
    duration = _parse_duration(args.duration) if args.duration else None
    return BatchSettings(
        reference=reference,
        profile=profile.to_dict() if profile else None,
        duration_s=duration,
        include_errors=not args.no_errors,
        rules=rules,
        normalization=getattr(args, "normalization", None),
    )


def _parse_duration(text: str) -> float:
    from frappe.durations import parse_duration  # noqa: PLC0415 - keep startup light

    return parse_duration(text)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``frappe score``."""
    parser = subparsers.add_parser(
        "score",
        help="noter des fichiers de résultats ou des textes saisis",
        description=(
            "Note des fichiers de résultats (JSON, dossiers parcourus récursivement) ou, avec "
            "--reference, des textes saisis (.txt) comparés à une référence."
        ),
    )
    parser.add_argument("paths", nargs="+", metavar="CHEMIN", help="fichiers ou dossiers")
    parser.add_argument("--reference", metavar="REF.txt", help="texte de référence")
    parser.add_argument(
        "--format", choices=("table", "csv", "json"), default="table", help="format de sortie"
    )
    parser.add_argument("--output", metavar="FICHIER", help="écrire dans un fichier")
    parser.add_argument(
        "--csv-style",
        choices=("francais", "international"),
        default="francais",
        help="CSV : « ; », virgule décimale, BOM, en-têtes français (défaut) ; ou « , » et point",
    )
    parser.add_argument("--profile", metavar="NOM", help="profil de notation imposé")
    parser.add_argument(
        "--normalization",
        choices=("strict", "frappe", "wer"),
        help="normalisation imposée quel que soit le profil (wer : comme jiwer / la "
        "reconnaissance vocale)",
    )
    parser.add_argument(
        "--profiles",
        metavar="FICHIER.toml",
        help="profils du centre (les résultats sont notés avec le profil du centre de même nom)",
    )
    parser.add_argument(
        "--profile-from-record",
        action="store_true",
        help="noter avec le profil enregistré dans le fichier même s'il diffère de celui du centre",
    )
    parser.add_argument(
        "--catalogue",
        action="append",
        default=[],
        metavar="DOSSIER",
        help="textes et dictées du centre en plus de ceux livrés (références vérifiées)",
    )
    parser.add_argument(
        "--duration", metavar="DURÉE", help="durée de frappe des textes (.txt), ex. 10m"
    )
    parser.add_argument(
        "--jobs", type=int, default=0, metavar="N", help="processus (défaut : tous les cœurs)"
    )
    parser.add_argument("--no-errors", action="store_true", help="sans la liste des erreurs")
    parser.add_argument(
        "--key",
        metavar="CENTRE.pub",
        help="vérifier la signature de chaque fichier (FICHIER.sig) avec la clé du centre",
    )
    parser.set_defaults(func=run_score)
