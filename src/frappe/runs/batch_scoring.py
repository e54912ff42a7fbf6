"""The pipeline of ``frappe score``: every input scored into one entry (a dict ready for JSON),
in input order, in worker processes for large batches; a bad file gets ``ok: false`` and a
one-line reason and the batch goes on.

A record is checked against the centre before it is scored (``frappe.runs.verification``):
catalogue, profile. The command line (``frappe.cli.score``) parses the options and writes the
entries out (``frappe.reports.batch_results``).
"""

from __future__ import annotations

import dataclasses
import gc
import os
import stat
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from frappe.errors import FrappeError
from frappe.exercises.record import ResultRecord, format_timestamp
from frappe.exercises.results import score_record
from frappe.runs.verification import CentreRules, verify
from frappe.scoring.correction import CorrectionScore
from frappe.scoring.profiles import ScoringProfile, normalization_profile, scoring_profile
from frappe.scoring.score import compare_texts, count_faults, score_typing
from frappe.scoring.transcription import TranscriptionScore
from frappe.storage.files import read_record
from frappe.textio import plain_text, read_text_file

if TYPE_CHECKING:
    from concurrent.futures import Future

__all__ = [
    "BatchSettings",
    "FileId",
    "expand_input_names",
    "output_files",
    "score_inputs",
    "score_inputs_as",
    "score_one",
]

# Below this many inputs, starting worker processes costs more than it saves.
_MIN_FILES_FOR_PROCESSES = 64


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


Finished = TypeVar("Finished")

_worker_settings: BatchSettings | None = None
_worker_finish: Callable[[dict[str, Any]], Any] | None = None
_worker_done = 0


def _init_worker(
    settings: BatchSettings, finish: Callable[[dict[str, Any]], Any] | None = None
) -> None:
    global _worker_settings, _worker_finish  # noqa: PLW0603 - one of each per worker process
    _worker_settings = settings
    _worker_finish = finish
    gc.disable()  # a worker only scores (see _young_collections_only)


def _score_in_worker(paths: list[str]) -> list[Any]:
    """Score one chunk of the batch (in a worker process)."""
    global _worker_done  # noqa: PLW0603 - per worker process
    assert _worker_settings is not None
    finished = []
    for path in paths:
        _worker_done += 1
        _collect_young(_worker_done)
        entry = score_one(Path(path), _worker_settings)
        finished.append(entry if _worker_finish is None else _worker_finish(entry))
    return finished


# Chunk sizes of a batch in worker processes (see _chunk_bounds).
_MIN_CHUNK = 4
_MAX_CHUNK = 64


def _chunk_bounds(count: int, jobs: int) -> list[tuple[int, int]]:
    """``(start, end)`` of each chunk: a share of what is left, so that chunks are large at
    first (few messages between the processes: a chunk's entries cross in one) and a few files
    at the end (the workers finish together)."""
    bounds: list[tuple[int, int]] = []
    start = 0
    while start < count:
        size = max(_MIN_CHUNK, min(_MAX_CHUNK, (count - start) // (jobs * 4)))
        bounds.append((start, min(count, start + size)))
        start += size
    return bounds


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


def _file_id(path: str | Path) -> FileId | None:
    try:
        info = os.stat(path)
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


def _files_under(folder: str, suffixes: tuple[str, ...]) -> Iterator[str]:
    """What ``p for p in Path(folder).rglob("*") if p.is_file() and p.suffix.lower() in
    suffixes`` finds (symbolic links to files kept, to folders not followed), from the
    directory entries' own types (no stat per file), as text: ``folder`` (as ``str(Path)``
    writes it), ``/``, the names (no Path built per file here)."""
    try:
        entries = list(os.scandir(folder))
    except PermissionError:
        return
    prefix = folder if folder.endswith("/") else folder + "/"
    for entry in entries:
        try:
            is_file = entry.is_file()
            is_dir = not is_file and entry.is_dir() and not entry.is_symlink()
        except OSError:
            continue
        if is_file:
            name = entry.name
            dot = name.rfind(".")
            if 0 < dot < len(name) - 1 and name[dot:].lower() in suffixes:
                yield prefix + name
        elif is_dir:
            yield from _files_under(prefix + entry.name, suffixes)


def _path_order(prefix_length: int) -> Callable[[str], list[str]]:
    """The order of ``sorted(paths)`` as a key for the texts ``_files_under`` gives: on POSIX
    paths compare by their parts, and these share the folder's; a key spares the 20,000
    Python-level comparisons of 2,000 paths (a tenth of a second)."""
    return lambda name: name[prefix_length:].split("/")


def expand_input_names(
    paths: Sequence[str], suffixes: tuple[str, ...], exclude: set[FileId] | None = None
) -> list[str]:
    """Files as given, folders searched recursively for ``suffixes``, in a stable order (that
    of ``sorted`` on their paths); ``exclude`` leaves out this run's own output files. A path
    that does not exist is kept: it becomes an error entry, not a crash.

    Texts, not ``Path`` (``Path(name)`` is each file): a batch's thousands of paths need none
    built and printed back in the parent (a hundredth of a second per 2,000 files; the
    workers build each one's anyway)."""
    files: list[str] = []
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            if not exclude or _file_id(path) not in exclude:
                files.append(str(path))
            continue
        folder = str(path)
        found = sorted(
            _files_under(folder, suffixes),
            key=_path_order(len(folder) if folder.endswith("/") else len(folder) + 1),
        )
        if exclude:
            found = [name for name in found if _file_id(name) not in exclude]
        files.extend(found)
    return files


def score_inputs(
    files: Sequence[str | Path], settings: BatchSettings, *, jobs: int
) -> Iterator[dict[str, Any]]:
    """Score every file, yielding entries in input order."""
    return _scored(files, settings, jobs=jobs, finish=None)


def score_inputs_as(
    files: Sequence[str | Path],
    settings: BatchSettings,
    finish: Callable[[dict[str, Any]], Finished],
    *,
    jobs: int,
) -> Iterator[Finished]:
    """``score_inputs``, each entry passed through ``finish`` where it was scored (in the
    worker processes: e.g. written as JSON there, so that the cores share that work and only
    a string comes back). ``finish`` must pickle: a module-level function, or a partial of one."""
    return _scored(files, settings, jobs=jobs, finish=finish)


def _scored(
    files: Sequence[str | Path],
    settings: BatchSettings,
    *,
    jobs: int,
    finish: Callable[[dict[str, Any]], Any] | None,
) -> Iterator[Any]:
    with _young_collections_only():
        if jobs <= 1 or len(files) < _MIN_FILES_FOR_PROCESSES:
            here = _score_here(files, settings)
            if finish is not None:
                here = map(finish, here)
            yield from here
            return
        # Worker processes only for large batches (start-up time of the others).
        import multiprocessing  # noqa: PLC0415
        from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415

        # Forked on Linux: a worker starts with everything this process imported and loaded
        # (the catalogue, the profiles). Python 3.14's default there, forkserver, would import
        # it all again in each worker. Elsewhere the platform's default (macOS: spawn).
        context = multiprocessing.get_context("fork") if sys.platform == "linux" else None
        names = [str(f) for f in files]
        with ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=context,
            initializer=_init_worker,
            initargs=(settings, finish),
        ) as pool:
            chunks = [
                pool.submit(_score_in_worker, names[start:end])
                for start, end in _chunk_bounds(len(names), jobs)
            ]
            try:
                yield from _collecting(_chunk_results(chunks))
            finally:  # stopped early (an interruption): the chunks not started are dropped
                for chunk in chunks:
                    chunk.cancel()


def _score_here(files: Sequence[str | Path], settings: BatchSettings) -> Iterator[dict[str, Any]]:
    for done, path in enumerate(files, 1):
        _collect_young(done)
        yield score_one(Path(path), settings)


def _chunk_results(chunks: Iterable[Future[list[Any]]]) -> Iterator[Any]:
    for chunk in chunks:
        yield from chunk.result()


def _collecting(entries: Iterable[Finished]) -> Iterator[Finished]:
    for done, entry in enumerate(entries, 1):
        _collect_young(done)
        yield entry
