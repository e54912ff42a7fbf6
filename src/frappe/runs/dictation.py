"""Running a dictation from start to saved result, without any UI: session + journal + result
file + history, exactly as the typing test does (``frappe.runs.typing``), for ``transcription``
records scored under the dictée barème, and ``correction`` records (the trainee corrects the
speech-recognition draft while listening; the document starts as the draft).

The session and journal are the typing test's: the editor feeds arbitrary edits
(``Session.edit``), and playback actions are logged as session events as they happen
(``Session.log_event``, which journals them), so a crash loses neither the text nor how the
recording was listened to. On finish the result file is written
first, its path noted in the journal, the journal archived, then the history row added.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from frappe.errors import ExerciseError, FrappeError, JournalError
from frappe.exercises.dictations import Dictation, find_dictation
from frappe.exercises.drafts import read_draft
from frappe.exercises.playback import PlaybackAction, PlaybackActionName
from frappe.exercises.record import Candidate, Mode, RecordSettings, ResultRecord
from frappe.exercises.results import score_record
from frappe.exercises.session import Session, SessionConfig, SessionState
from frappe.runs.common import (
    StoragePaths,
    interrupted_record,
    journal_destinations,
    open_journaled_session,
    persist_record,
    reopen_journaled_session,
)
from frappe.runs.listening import (
    PLAYBACK_EVENT,
    ListeningSummary,
    listening_summary,
    playback_fields,
)
from frappe.runs.verification import read_verified_record
from frappe.scoring.correction import CorrectionScore
from frappe.scoring.profiles import ScoringProfile, scoring_profile
from frappe.scoring.transcription import TranscriptionScore
from frappe.storage.journal import (
    JournalContents,
    JournalWriter,
    reopen_journal,
    unfinished_journals,
)

__all__ = [
    "DICTATION_KINDS",
    "DICTATION_PROFILE",
    "DictationExercise",
    "DictationSpec",
    "RunningDictation",
    "SavedTranscription",
    "close_dictation_journal",
    "dictation_scores",
    "last_playback",
    "load_saved_transcription",
    "resume_dictation",
    "save_transcription",
    "start_dictation",
    "transcription_score",
    "unfinished_dictations",
]

DICTATION_PROFILE = "dictee"
DictationExercise = Literal["transcription", "correction"]
# Record kinds run by the dictation screen (same player, journal, results screen).
DICTATION_KINDS: tuple[DictationExercise, ...] = ("transcription", "correction")
# Player actions that are not the trainee's doing, and those not worth a line in the record.
_PASSIVE: frozenset[PlaybackActionName] = frozenset(
    ("load", "ended", "range_end", "loop", "device_lost", "recover", "tick")
)
_UNLOGGED: frozenset[PlaybackActionName] = frozenset(("load", "tick"))


@dataclass(frozen=True, slots=True)
class DictationSpec:
    """A dictation about to start.

    Attributes:
        candidate: Who transcribes.
        dictation: The exercise.
        deadline_s: Time allowed (None: none); the clock starts at the first key or play.
        profile: The barème (``dictee`` by default).
        mode: ``exam`` or ``practice`` (where the result file goes, history mode).
        exercise: ``transcription`` (type the document from nothing) or ``correction`` (correct
            the exercise's speech-recognition draft).
    """

    candidate: Candidate
    dictation: Dictation
    deadline_s: float | None
    profile: ScoringProfile = field(default_factory=lambda: scoring_profile(DICTATION_PROFILE))
    mode: Mode = "exam"
    exercise: DictationExercise = "transcription"

    def session_config(self) -> SessionConfig:
        """The session configuration: a transcription with the exercise's scoring keys, or a
        correction starting from the draft. ExerciseError when the reference (or, for a
        correction, the draft) is missing."""
        dictation = self.dictation
        keys = dictation.keys()
        reference = dictation.reference_text()
        draft = read_draft(dictation) if self.exercise == "correction" else None
        return SessionConfig(
            candidate=self.candidate,
            exercise_id=dictation.id,
            exercise_title=dictation.title,
            reference=reference,
            settings=RecordSettings(
                time_limit_s=self.deadline_s,
                backspace_allowed=True,
                profile=self.profile,
                live_feedback=False,
                terminology=keys.terminology,
                identity=keys.identity,
            ),
            kind=self.exercise,
            initial_text=draft.text if draft is not None else "",
            draft_source=draft.source if draft is not None else None,
            end_when_complete=False,
        )


@dataclass(frozen=True, slots=True)
class SavedTranscription:
    """A finished transcription (or correction of a draft), saved.

    Attributes:
        record: The result record (with its score).
        score: Its score under the record's barème (for a correction, the final text's).
        listening: How the recording was listened to.
        path: The result file.
        mode: ``exam`` or ``practice``.
        dictation: The exercise, when it is still in the corpus (audio, word timings).
        history_error: Why the history could not be updated (the file is saved anyway).
        journal_error: Why the journal could not be archived, if so.
        correction: For a correction, the recognition errors fixed, missed and introduced.
        notice: The result went beside an existing file of the same name (said so), if so.
    """

    record: ResultRecord
    score: TranscriptionScore
    listening: ListeningSummary
    path: Path
    mode: Mode = "exam"
    dictation: Dictation | None = None
    history_error: str | None = None
    journal_error: str | None = None
    correction: CorrectionScore | None = None
    notice: str | None = None


@dataclass(slots=True)
class RunningDictation:
    """A transcription (or correction) being typed, its journal, its exercise and where its
    result goes.

    Attributes:
        session: The session (its clock starts at the first key or the first playback action).
        journal: Its journal.
        results_dir: Folder of the result file.
        db_path: History database.
        mode: ``exam`` or ``practice``.
        dictation: The exercise (None when a resumed journal's exercise left the corpus).
    """

    session: Session
    journal: JournalWriter
    results_dir: Path
    db_path: Path
    mode: Mode
    dictation: Dictation | None

    @property
    def session_id(self) -> str:
        """The session id (end of the journal's name)."""
        return self.journal.session_id

    def start_clock(self) -> None:
        """Start the session clock if it is not running (the first playback action counts
        as the start of the exercise, like the first key)."""
        self.session.start()

    @property
    def untouched(self) -> bool:
        """Nothing done yet: no key typed, no playback (the clock has not started)."""
        return self.session.state is SessionState.READY

    def discard_if_untouched(self) -> bool:
        """Close and delete the journal of a dictation left before any key or playback (opened
        by mistake): nothing to resume, and no « interrompu » 0/20 result in the history.
        False (the journal kept) once anything was done."""
        if not self.untouched:
            return False
        self.journal.close()
        try:
            self.journal.path.unlink(missing_ok=True)
        except OSError:
            return False  # still there: it will be offered for resuming, as before
        return True

    def log_event(self, event_type: str, **data: Any) -> dict[str, Any] | None:
        """Log a timestamped event in the record and the journal now (None once the session
        is finished)."""
        return self.session.log_event(event_type, **data)

    def log_playback(self, action: PlaybackAction) -> dict[str, Any] | None:
        """Log one playback action; the trainee's own actions start the clock if needed
        (loading a file, the end of the recording or a device lost do not)."""
        if self.session.finished or action.action in _UNLOGGED:
            return None
        if action.action not in _PASSIVE:
            self.start_clock()
        # None when the deadline had passed (the session finished on starting).
        return self.session.log_event(PLAYBACK_EVENT, **playback_fields(action))

    def link_label(self) -> str:
        """The room link's state for the status bar (``""`` on a lone PC)."""
        return ""

    def record(self) -> ResultRecord:
        """The record of the finished session, its events in time order (a burst is logged
        when its run ends, dated from its first key)."""
        record = self.session.to_record()
        events = sorted(record.events, key=lambda e: int(e.get("t_ms", 0)))
        return replace(record, events=tuple(events))

    def save(self, results_dir: Path | None = None) -> SavedTranscription:
        """Save the finished session (blocking: call it from a worker thread); to
        ``results_dir`` instead of the planned folder when the candidate chose another one
        after a failed save (disk full)."""
        return save_transcription(
            self.record(),
            results_dir=results_dir or self.results_dir,
            db_path=self.db_path,
            mode=self.mode,
            journal=self.journal,
            session_id=self.session_id,
            dictation=self.dictation,
        )


def start_dictation(
    spec: DictationSpec,
    storage: StoragePaths,
    *,
    clock: Callable[[], float] = time.monotonic,
    sync_interval: float = 0.5,
) -> RunningDictation:
    """A new transcription (or correction) session, journaled from its first line.
    ExerciseError when the exercise has no reference yet (or no draft, for a correction),
    JournalError when the journal cannot be created."""
    session, journal, results_dir = open_journaled_session(
        spec.session_config(),
        storage,
        spec.mode,
        clock=clock,
        sync_interval=min(1.0, sync_interval),
    )
    return RunningDictation(
        session, journal, results_dir, storage.db_path, spec.mode, spec.dictation
    )


def _find(exercise_id: str) -> Dictation | None:
    try:
        return find_dictation(exercise_id)
    except ExerciseError:
        return None


def resume_dictation(
    contents: JournalContents,
    storage: StoragePaths | None = None,
    *,
    clock: Callable[[], float] = time.monotonic,
    sync_interval: float = 0.5,
) -> RunningDictation:
    """Go on with a journaled transcription or correction: same text, the time left, same
    exercise (a correction's draft comes from the journal, not from the corpus)."""
    if contents.header.config.kind not in DICTATION_KINDS:
        raise JournalError(f"{contents.path} : ce journal n'est pas celui d'une dictée")
    if contents.end_reason is not None:
        raise JournalError(
            f"{contents.path} : cette dictée est terminée, elle ne peut qu'être close"
        )
    session, journal = reopen_journaled_session(
        contents, clock=clock, sync_interval=min(1.0, sync_interval)
    )
    results_dir, db_path = journal_destinations(contents, storage)
    return RunningDictation(
        session,
        journal,
        results_dir,
        db_path,
        contents.header.mode,
        _find(contents.header.config.exercise_id),
    )


def last_playback(events: tuple[Mapping[str, Any], ...]) -> tuple[float, float] | None:
    """Position and speed after the last playback event (to resume there)."""
    for event in reversed(events):
        if event.get("type") == PLAYBACK_EVENT:
            position = event.get("target_s", event.get("position_s"))
            speed = event.get("speed")
            if isinstance(position, int | float) and isinstance(speed, int | float):
                return float(position), float(speed)
    return None


def unfinished_dictations(journal_dir: Path | None = None) -> list[JournalContents]:
    """Unfinished transcription and correction journals (typing tests left out), oldest
    first."""
    return [
        contents
        for contents in unfinished_journals(journal_dir)
        if contents.header.config.kind in DICTATION_KINDS
    ]


def dictation_scores(record: ResultRecord) -> tuple[TranscriptionScore, CorrectionScore | None]:
    """The final text's score and, for a correction, the three-way comparison with the draft
    (FrappeError for a typing test)."""
    score = score_record(record)
    if isinstance(score, CorrectionScore):
        return score.final, score
    if not isinstance(score, TranscriptionScore):
        raise FrappeError(f"« {record.exercise_id} » n'est pas une transcription")
    return score, None


def transcription_score(record: ResultRecord) -> TranscriptionScore:
    """The score of a transcription record, or of a correction's final text (FrappeError for
    another kind)."""
    return dictation_scores(record)[0]


def _listening(record: ResultRecord, dictation: Dictation | None) -> ListeningSummary:
    duration = dictation.duration_s if dictation is not None and dictation.duration_s else None
    return listening_summary(
        record.events, end_ms=round(record.duration_s * 1000), duration_s=duration
    )


def save_transcription(
    record: ResultRecord,
    *,
    results_dir: Path,
    db_path: Path,
    mode: Mode = "exam",
    journal: JournalWriter | None = None,
    session_id: str = "",
    dictation: Dictation | None = None,
) -> SavedTranscription:
    """Score, write the result file, archive the journal, add to the history.

    Raises FrappeError only when the result file itself cannot be written (the journal is
    then kept, so nothing is lost).
    """
    score, correction = dictation_scores(record)
    listening = _listening(record, dictation)
    flat = (correction or score).metrics_dict()
    metrics: dict[str, Any] = dict(flat)
    metrics["errors"] = [flagged.to_dict() for flagged in score.errors]
    if correction is not None:
        metrics["recognition"] = correction.errors_dict()
    metrics["listening"] = listening.to_dict()
    record = replace(record, score=metrics)
    persisted = persist_record(
        record,
        flat,
        results_dir=results_dir,
        db_path=db_path,
        mode=mode,
        journal=journal,
        session_id=session_id,
    )
    return SavedTranscription(
        record,
        score,
        listening,
        persisted.path,
        mode,
        dictation,
        persisted.history_error,
        persisted.journal_error,
        correction,
        persisted.notice,
    )


def close_dictation_journal(
    contents: JournalContents, storage: StoragePaths | None = None
) -> SavedTranscription:
    """Close an unfinished transcription (or correction) journal without resuming: saved as
    interrupted."""
    header = contents.header
    results_dir, db_path = journal_destinations(contents, storage)
    record = interrupted_record(contents)
    journal = reopen_journal(contents.path)
    return save_transcription(
        record,
        results_dir=results_dir,
        db_path=db_path,
        mode=header.mode,
        journal=journal,
        session_id=header.session_id,
        dictation=_find(header.config.exercise_id),
    )


def load_saved_transcription(
    path: Path, mode: Mode = "exam", record: ResultRecord | None = None
) -> SavedTranscription:
    """A saved transcription or correction read back (the history browser opens it), checked
    against the centre (``frappe.runs.verification``) unless the checked ``record`` is given."""
    if record is None:
        record = read_verified_record(path).record
    dictation = _find(record.exercise_id)
    score, correction = dictation_scores(record)
    return SavedTranscription(
        record,
        score,
        _listening(record, dictation),
        path,
        mode,
        dictation,
        correction=correction,
    )
