"""Running a test from start to saved result, without any UI: session + journal + result file
+ history. The app and the ``frappe`` commands share it.

Order on finish, so a candidate's work is never lost: the result file is written first
(atomic, 0600), its path noted in the journal, the journal archived, then the history row
added; a history failure is reported but leaves the result file in place.
"""

from __future__ import annotations

import errno
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from frappe.errors import FrappeError, JournalError, StorageError
from frappe.exercises.record import Candidate, RecordSettings, ResultRecord
from frappe.exercises.results import score_record
from frappe.exercises.session import Session, SessionConfig
from frappe.exercises.texts import Text
from frappe.locations import user_data_dir
from frappe.scoring.profiles import ScoringProfile
from frappe.scoring.score import TypingScore
from frappe.storage.files import write_new_record
from frappe.storage.history import default_db_path, open_history
from frappe.storage.journal import (
    JournalContents,
    JournalHeader,
    JournalWriter,
    create_journal,
    default_journal_dir,
    interrupted_record,
    reopen_journal,
    restore_session,
    slugify,
)

if TYPE_CHECKING:
    from frappe.runs.dictation import SavedTranscription

__all__ = [
    "JOURNAL_DISK_FULL",
    "JOURNAL_FAILING",
    "Mode",
    "Persisted",
    "RunningTest",
    "SavedResult",
    "StoragePaths",
    "TestSpec",
    "close_journal",
    "journal_alarm",
    "journal_destinations",
    "open_journaled_session",
    "reopen_journaled_session",
    "result_file_name",
    "resume_test",
    "save_result",
    "save_session",
    "start_test",
    "typing_score",
]

Mode = Literal["exam", "practice"]


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

    def results_dir_for(self, mode: str) -> Path:
        """Where a result of ``mode`` goes (``practice/`` inside the results folder)."""
        return self.results_dir / "practice" if mode == "practice" else self.results_dir


@dataclass(frozen=True, slots=True)
class TestSpec:
    """A test about to start.

    Attributes:
        candidate: Who types.
        text: What is copied.
        duration_s: Time limit (None: none).
        backspace_allowed: Erasing allowed.
        profile: Scoring profile, with the exam's pass thresholds.
        live_feedback: Errors shown while typing.
        mode: ``exam`` or ``practice``.
    """

    __test__ = False  # not a pytest test class

    candidate: Candidate
    text: Text
    duration_s: float | None
    backspace_allowed: bool
    profile: ScoringProfile
    live_feedback: bool
    mode: Mode = "exam"

    def session_config(self) -> SessionConfig:
        """The session configuration of this test."""
        return SessionConfig(
            candidate=self.candidate,
            exercise_id=self.text.id,
            exercise_title=self.text.title,
            reference=self.text.body,
            settings=RecordSettings(
                time_limit_s=self.duration_s,
                backspace_allowed=self.backspace_allowed,
                profile=self.profile,
                live_feedback=self.live_feedback,
            ),
        )


@dataclass(frozen=True, slots=True)
class SavedResult:
    """A finished test, saved.

    Attributes:
        record: The result record.
        score: Its score under the record's profile.
        path: The result file.
        mode: ``exam`` or ``practice``.
        history_error: Why the history could not be updated (the file is saved anyway).
        journal_error: Why the journal could not be archived, if so.
        notice: The result went beside an existing file of the same name (said so), if so.
    """

    record: ResultRecord
    score: TypingScore
    path: Path
    mode: str = "exam"
    history_error: str | None = None
    journal_error: str | None = None
    notice: str | None = None


@dataclass(slots=True)
class RunningTest:
    """A session being typed, its journal, and where its result goes.

    Attributes:
        session: The session.
        journal: Its journal.
        results_dir: Folder of the result file.
        db_path: History database.
        mode: ``exam`` or ``practice``.
    """

    session: Session
    journal: JournalWriter
    results_dir: Path
    db_path: Path
    mode: str

    def link_label(self) -> str:
        """The room link's state for the status bar (``""`` on a lone PC)."""
        return ""

    def save(self, results_dir: Path | None = None) -> SavedResult:
        """Save the finished session (blocking: call it from a worker thread); to
        ``results_dir`` instead of the planned folder when the candidate chose another one
        after a failed save (disk full)."""
        return save_session(
            self.session,
            self.journal,
            results_dir=results_dir or self.results_dir,
            db_path=self.db_path,
            mode=self.mode,
        )


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
    mode: str,
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


def start_test(
    spec: TestSpec,
    storage: StoragePaths,
    *,
    clock: Callable[[], float] = time.monotonic,
    sync_interval: float = 0.5,
) -> RunningTest:
    """A new session, journaled from its first line."""
    session, journal, results_dir = open_journaled_session(
        spec.session_config(), storage, spec.mode, clock=clock, sync_interval=sync_interval
    )
    return RunningTest(session, journal, results_dir, storage.db_path, spec.mode)


def resume_test(
    contents: JournalContents,
    storage: StoragePaths | None = None,
    *,
    clock: Callable[[], float] = time.monotonic,
    sync_interval: float = 0.5,
) -> RunningTest:
    """Go on with a journaled session: same typed text, the time left."""
    if contents.end_reason is not None:
        raise JournalError(f"{contents.path} : ce test est terminé, il ne peut qu'être clos")
    session, journal = reopen_journaled_session(contents, clock=clock, sync_interval=sync_interval)
    results_dir, db_path = journal_destinations(contents, storage)
    return RunningTest(session, journal, results_dir, db_path, contents.header.mode)


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


def save_result(
    record: ResultRecord,
    *,
    results_dir: Path,
    db_path: Path,
    mode: str = "exam",
    journal: JournalWriter | None = None,
    session_id: str = "",
) -> SavedResult:
    """Score, write the result file, archive the journal, add to the history.

    Raises FrappeError only when the result file itself cannot be written (the journal is
    then kept, so nothing is lost).
    """
    score = typing_score(record)
    record = _with_score(record, score)
    persisted = persist_record(
        record,
        score.metrics_dict(),
        results_dir=results_dir,
        db_path=db_path,
        mode=mode,
        journal=journal,
        session_id=session_id,
    )
    return SavedResult(
        record,
        score,
        persisted.path,
        mode,
        persisted.history_error,
        persisted.journal_error,
        persisted.notice,
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
    mode: str,
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


def typing_score(record: ResultRecord) -> TypingScore:
    """The score of a typing-test record (FrappeError for another kind)."""
    score = score_record(record)
    if not isinstance(score, TypingScore):
        raise FrappeError(f"« {record.exercise_id} » n'est pas un test de frappe")
    return score


def _with_score(record: ResultRecord, score: TypingScore) -> ResultRecord:
    metrics = score.metrics_dict()
    metrics["errors"] = [error.to_dict() for error in score.comparison.errors]
    return replace(record, score=metrics)


def save_session(
    session: Session,
    journal: JournalWriter | None,
    *,
    results_dir: Path,
    db_path: Path,
    mode: str,
) -> SavedResult:
    """Save a finished session (its journal path names the session)."""
    return save_result(
        session.to_record(),
        results_dir=results_dir,
        db_path=db_path,
        mode=mode,
        journal=journal,
        session_id=journal.session_id if journal is not None else "",
    )


def close_journal(
    contents: JournalContents, storage: StoragePaths | None = None
) -> SavedResult | SavedTranscription:
    """Close an unfinished journal without resuming: its record is saved as interrupted
    (where the test meant to save it) and the journal archived. A transcription (or
    correction) journal is closed the dictation way (scored and saved as such)."""
    header = contents.header
    if header.config.kind in ("transcription", "correction"):
        from frappe.runs.dictation import (  # noqa: PLC0415 - cycle
            close_dictation_journal,
        )

        try:
            return close_dictation_journal(contents, storage)
        except JournalError as error:
            raise FrappeError(str(error)) from error
    results_dir, db_path = journal_destinations(contents, storage)
    record = interrupted_record(contents)
    try:
        journal = reopen_journal(contents.path)
    except JournalError as error:
        raise FrappeError(str(error)) from error
    return save_result(
        record,
        results_dir=results_dir,
        db_path=db_path,
        mode=header.mode,
        journal=journal,
        session_id=header.session_id,
    )
