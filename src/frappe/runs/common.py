"""What every run shares, whatever the exercise: where results go (``StoragePaths``), the
session journaled from its first line (open, reopen, restore), the journal's alarm for the
status bar, and the save order (``persist_record``).

``frappe.runs.typing`` (copy tests) and ``frappe.runs.dictation`` (transcriptions and
corrections) build on it; ``frappe.runs.closing`` closes an unfinished journal of either kind.

Order on save, so a candidate's work is never lost: the result file is written first (atomic,
0600, never over an existing one), its path noted in the journal, the journal archived, then
the history row added; a history failure is reported but leaves the result file in place.
"""

from __future__ import annotations

import errno
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from frappe.errors import FrappeError, JournalError, StorageError
from frappe.exercises.record import Mode, ResultRecord
from frappe.exercises.session import Session, SessionConfig, unfinished_record
from frappe.locations import user_data_dir
from frappe.storage.files import write_new_record
from frappe.storage.history import default_db_path, open_history
from frappe.storage.journal import (
    JournalContents,
    JournalHeader,
    JournalWriter,
    create_journal,
    default_journal_dir,
    reopen_journal,
)
from frappe.textio import slugify

__all__ = [
    "JOURNAL_DISK_FULL",
    "JOURNAL_FAILING",
    "Mode",
    "Persisted",
    "StoragePaths",
    "interrupted_record",
    "journal_alarm",
    "journal_destinations",
    "open_journaled_session",
    "persist_record",
    "reopen_journaled_session",
    "restore_session",
    "result_file_name",
]


@dataclass(frozen=True, slots=True)
class StoragePaths:
    """Where results, history, journals and presets live.

    Attributes:
        results_dir: Result files of exams (practice results go to ``practice/`` inside).
        db_path: The SQLite history.
        journal_dir: Running-session journals.
        presets_dir: Exam presets (None: the user config default).
    """

    results_dir: Path
    db_path: Path
    journal_dir: Path
    presets_dir: Path | None = None

    @classmethod
    def default(
        cls, *, results_dir: Path | None = None, db_path: Path | None = None
    ) -> StoragePaths:
        """The user's default folders, with optional overrides."""
        return cls(
            results_dir=results_dir or user_data_dir() / "results",
            db_path=db_path or default_db_path(),
            journal_dir=default_journal_dir(),
        )

    def results_dir_for(self, mode: Mode) -> Path:
        """Where a result of ``mode`` goes (``practice/`` inside the results folder)."""
        return self.results_dir / "practice" if mode == "practice" else self.results_dir


JOURNAL_DISK_FULL = "Disque plein : votre frappe n'est plus enregistrée — prévenez le surveillant"
JOURNAL_FAILING = (
    "Écriture impossible : votre frappe n'est plus enregistrée — prévenez le surveillant"
)


def journal_alarm(journal: JournalWriter) -> str:
    """What the status bar must say while the journal refuses lines ("" when all is written).

    The session keeps the text in memory and the journal retries, so the test goes on; the
    supervisor must know that a crash now would lose the typing since the alarm appeared.
    """
    if journal.healthy:
        return ""
    return JOURNAL_DISK_FULL if journal.disk_full else JOURNAL_FAILING


def open_journaled_session(
    config: SessionConfig,
    storage: StoragePaths,
    mode: Mode,
    *,
    clock: Callable[[], float],
    sync_interval: float,
) -> tuple[Session, JournalWriter, Path]:
    """A new session journaled from its first line, and the folder its result goes to
    (JournalError when the journal cannot be created)."""
    results_dir = storage.results_dir_for(mode)
    header = JournalHeader(
        session_id=secrets.token_hex(4),
        created_at=datetime.now(UTC),
        config=config,
        mode=mode,
        results_dir=str(results_dir),
        db_path=str(storage.db_path),
    )
    journal = create_journal(header, storage.journal_dir, sync_interval=sync_interval)
    return Session(config, clock=clock, listener=journal), journal, results_dir


def restore_session(
    contents: JournalContents,
    *,
    clock: Callable[[], float] = time.monotonic,
    listener: JournalWriter | None = None,
) -> Session:
    """The session of a journal, ready to go on: typed text from the log, remaining time =
    limit − typing time used (ValueError when the keystrokes do not replay)."""
    return Session.restore(
        contents.header.config,
        keystrokes=contents.keystrokes,
        events=contents.events,
        elapsed_ms=contents.elapsed_ms,
        started_at=contents.started_at,
        clock=clock,
        listener=listener,
    )


def reopen_journaled_session(
    contents: JournalContents, *, clock: Callable[[], float], sync_interval: float
) -> tuple[Session, JournalWriter]:
    """A journaled session restored, its journal reopened to go on appending (JournalError
    when the journal cannot be reopened or does not replay)."""
    journal = reopen_journal(contents.path, sync_interval=sync_interval)
    try:
        session = restore_session(contents, clock=clock, listener=journal)
    except ValueError as error:
        journal.close()
        raise JournalError(f"{contents.path} : journal incohérent ({error})") from error
    return session, journal


def interrupted_record(contents: JournalContents) -> ResultRecord:
    """The record of a journal closed without resuming: end reason ``interrupted`` (or the
    journal's own end reason when the session had ended but its result was not saved)."""
    return unfinished_record(
        contents.header.config,
        keystrokes=contents.keystrokes,
        events=contents.events,
        elapsed_ms=contents.elapsed_ms,
        started_at=contents.started_at or contents.header.created_at,
        end_reason=contents.end_reason,
    )


def journal_destinations(
    contents: JournalContents, storage: StoragePaths | None
) -> tuple[Path, Path]:
    """The results folder and history database a journaled session meant to save to (the
    default ones, or ``storage``'s, for a journal that does not name them)."""
    header = contents.header
    if header.results_dir and header.db_path:
        return Path(header.results_dir), Path(header.db_path)
    storage = storage or StoragePaths.default()
    results_dir = Path(header.results_dir) if header.results_dir else storage.results_dir
    db_path = Path(header.db_path) if header.db_path else storage.db_path
    return results_dir, db_path


def result_file_name(record: ResultRecord, session_id: str = "") -> str:
    """``20261123-090000-martin-claire-t04-lettre-admission-ssr-ab12cd34.json``."""
    suffix = f"-{session_id}" if session_id else f"-{secrets.token_hex(4)}"
    return (
        f"{record.started_at.astimezone(UTC):%Y%m%d-%H%M%S}-{slugify(record.candidate.name)}"
        f"-{slugify(record.exercise_id, limit=32)}{suffix}.json"
    )


@dataclass(frozen=True, slots=True)
class Persisted:
    """Where a result went and what did not go as planned.

    Attributes:
        path: The result file written.
        history_error: Why the history row could not be added (the file is saved anyway).
        journal_error: Why the journal could not note the result or be archived, if so.
        beside: The result file that was already there under the planned name (the new
            result was written beside it, never over it), else None.
    """

    path: Path
    history_error: str | None = None
    journal_error: str | None = None
    beside: Path | None = None

    @property
    def notice(self) -> str | None:
        """One line for the user when the result went beside an existing one."""
        if self.beside is None:
            return None
        return (
            f"un résultat existait déjà sous le nom {self.beside.name} : il est conservé, "
            f"le nouveau est écrit à côté ({self.path.name})"
        )


def persist_record(
    record: ResultRecord,
    metrics: dict[str, object],
    *,
    results_dir: Path,
    db_path: Path,
    mode: Mode,
    journal: JournalWriter | None,
    session_id: str,
) -> Persisted:
    """The save order shared by every exercise: result file first (never over an existing
    one), then the journal is archived, then the history row. Only a result file that cannot
    be written raises (FrappeError); the journal is then kept and the session still holds the
    text, so nothing is lost and ``results_dir`` can be another folder on a second try."""
    planned = results_dir / result_file_name(record, session_id)
    try:
        path = write_new_record(record, planned)
    except OSError as error:
        raise FrappeError(
            f"{results_dir} : résultat impossible à écrire ({_os_problem(error)})",
            title="Résultat non enregistré",
        ) from error
    journal_error: str | None = None
    if journal is not None:
        journal.result_saved(path)
        if not journal.healthy:
            journal_error = (
                f"{journal.path} : le journal n'a pas pu noter le résultat "
                f"({_os_problem(journal.error)}) ; le résultat est enregistré : {path}"
            )
        # Archived even without its « result » line (a rename needs no free space): left
        # among the unfinished journals, it would be offered again and closed a second time.
        try:
            journal.archive()
        except JournalError as error:
            journal_error = str(error)
    history_error: str | None = None
    try:
        with open_history(db_path) as history:
            history.add(record, metrics, path, mode=mode)
    except StorageError as error:
        history_error = str(error)
    return Persisted(path, history_error, journal_error, planned if path != planned else None)


def _os_problem(error: OSError | None) -> str:
    """« disque plein » for the errors that mean it, else the system's own words."""
    if error is not None and error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return "disque plein"
    return (error.strerror if error is not None else None) or "erreur d'écriture"
