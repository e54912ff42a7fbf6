"""Running a typing test from start to saved result, without any UI: session + journal +
result file + history (``frappe.runs.common`` holds what a dictation shares). The app and the
``frappe`` commands share it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from frappe.errors import FrappeError, JournalError
from frappe.exercises.record import Candidate, Mode, RecordSettings, ResultRecord
from frappe.exercises.results import score_record
from frappe.exercises.session import Session, SessionConfig
from frappe.exercises.texts import Text
from frappe.runs.common import (
    StoragePaths,
    interrupted_record,
    journal_destinations,
    open_journaled_session,
    persist_record,
    reopen_journaled_session,
)
from frappe.scoring.profiles import ScoringProfile
from frappe.scoring.score import TypingScore
from frappe.storage.journal import JournalContents, JournalWriter, reopen_journal

__all__ = [
    "RunningTest",
    "SavedResult",
    "TypingSpec",
    "close_typing_journal",
    "resume_test",
    "save_result",
    "save_session",
    "start_test",
    "typing_score",
]


@dataclass(frozen=True, slots=True)
class TypingSpec:
    """A typing test about to start.

    Attributes:
        candidate: Who types.
        text: What is copied.
        duration_s: Time limit (None: none).
        backspace_allowed: Erasing allowed.
        profile: Scoring profile, with the exam's pass thresholds.
        live_feedback: Errors shown while typing.
        mode: ``exam`` or ``practice``.
    """

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
    mode: Mode = "exam"
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
    mode: Mode

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


def start_test(
    spec: TypingSpec,
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


def save_result(
    record: ResultRecord,
    *,
    results_dir: Path,
    db_path: Path,
    mode: Mode = "exam",
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
    mode: Mode,
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


def close_typing_journal(
    contents: JournalContents, storage: StoragePaths | None = None
) -> SavedResult:
    """Close an unfinished typing-test journal without resuming: its record is saved as
    interrupted (where the test meant to save it) and the journal archived (FrappeError
    when the journal cannot be reopened or the result written)."""
    header = contents.header
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
