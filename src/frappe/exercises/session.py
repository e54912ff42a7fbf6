"""A typing session as a state machine fed by timestamped key events.

Pure: no Textual, no I/O. The front end feeds key presses (``press``), pastes, focus changes and
clock ticks; the session keeps the typed text, the keystroke log and the events, applies the
exam rules (time limit, backspace policy, dead keys) and builds the ``ResultRecord``. A
listener (the journal) hears every keystroke and event as it happens.

States::

    ready ──first key──▶ running ──time-out / text finished / stop──▶ finished
    resumed (rebuilt from a journal) ──first key──▶ running

The clock is an injectable monotonic clock in seconds; it starts on the first key press and
``t_ms`` values are milliseconds of typing time since then (a resumed session continues from
the time already used).

Edits are ``(pos, removed, inserted)`` on the typed text, so the same journal and record path
serves a transcription editor with arbitrary cursor edits (``edit``), while ``press`` implements
a copy test where the cursor stays at the end.

The session applies rules kept in their own modules: dead keys (``dead_keys``, shared with the
transcription editor), the live comparison with the reference (``copy_progress``), bursts and
pastes (``bursts``).
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from frappe.exercises.bursts import PASTE_CLOSE_MS, PASTE_DETECTED, BurstDetector, PasteDetector
from frappe.exercises.copy_progress import CopyProgress, Edit
from frappe.exercises.dead_keys import after_dead_key
from frappe.exercises.record import Candidate, EndReason, RecordKind, RecordSettings, ResultRecord
from frappe.scoring.keystrokes import Keystroke, replay

__all__ = [
    "TIME_ADDED_EVENT",
    "Edit",
    "KeyResult",
    "Session",
    "SessionConfig",
    "SessionListener",
    "SessionState",
    "unfinished_record",
]

Clock = Callable[[], float]
WallClock = Callable[[], datetime]


class SessionState(StrEnum):
    """Where a session stands."""

    READY = "ready"
    RUNNING = "running"
    RESUMED = "resumed"
    FINISHED = "finished"


@dataclass(frozen=True, slots=True)
class SessionConfig:
    """Everything a session needs to know before the first key.

    Attributes:
        candidate: Who types.
        exercise_id: Text or dictation identifier.
        exercise_title: Its title.
        reference: The text to produce.
        settings: Time limit, backspace policy, scoring profile, live feedback.
        kind: ``typing`` (copy test), ``transcription`` or ``correction`` (of a
            speech-recognition draft).
        initial_text: The text the document starts with: empty, or for a correction the draft
            to correct (the keystrokes edit it, and replay from it).
        draft_source: For a correction, where the draft came from (``asr``, ``injected``).
        dead_keys: Spacing accents treated as dead keys (empty: none); a composed character is
            one character and one insertion.
        end_when_complete: A copy test ends by itself once the last reference word is typed.
        burst_gap_ms: Key presses closer than this belong to a burst run…
        burst_min_run: …and a run of at least this many characters is flagged.
        burst_single_event: An event inserting at least this many characters is flagged.
        paste_min_run: This many text keys arrived…
        paste_window_ms: …within this time (5 ms a key on average) are a paste typed for
            the candidate (a terminal without bracketed-paste markers, a clipboard tool):
            refused, the keys of its run already inserted are taken back, and
            ``paste_refused`` is logged. A 150 wpm typist leaves about 80 ms between keys, key
            rollover brings two or three keys a few milliseconds together, key repeat sends
            one every 30 ms or so: eight keys in 40 ms are not human.
        paste_chain_ms: The run of a paste: its keys, each arrived less than this after the
            previous one (a terminal may hand a paste over in pieces a few milliseconds
            apart; a person's key before a paste is further away, the paste shortcut takes
            longer than this).
    """

    candidate: Candidate
    exercise_id: str
    exercise_title: str
    reference: str
    settings: RecordSettings
    kind: RecordKind = "typing"
    initial_text: str = ""
    draft_source: str | None = None
    dead_keys: str = "^¨"
    end_when_complete: bool = True
    burst_gap_ms: int = 15
    burst_min_run: int = 10
    burst_single_event: int = 3
    paste_min_run: int = 8
    paste_window_ms: float = 40.0
    paste_chain_ms: float = 50.0

    def __post_init__(self) -> None:
        # Only a correction starts from a text: its record carries that text as the draft the
        # keystrokes replay from; any other record replays from an empty text.
        if self.initial_text and self.kind != "correction":
            raise ValueError("seul un exercice de correction part d'un texte")

    @property
    def draft(self) -> str | None:
        """The draft of a correction (None for the other kinds)."""
        return self.initial_text if self.kind == "correction" else None


@dataclass(frozen=True, slots=True)
class KeyResult:
    """What one key press did.

    Attributes:
        edits: Changes to the typed text, in order (usually zero or one).
        refused: Why the key had no effect (``backspace-disabled``, ``finished``, ``empty``;
            ``paste-detected`` for the key that showed a run to be a paste, whose ``edits``
            take back the run's characters; ``paste`` for the run's later keys), or None.
        pending: A dead key waiting for its letter (shown at the cursor), or ``""``.
        started: This key started the clock.
        finished: The session is finished (time-out or text completed).
    """

    edits: tuple[Edit, ...] = ()
    refused: str | None = None
    pending: str = ""
    started: bool = False
    finished: bool = False


class SessionListener(Protocol):
    """Hears a session as it happens (the journal implements it)."""

    def session_started(self, started_at: datetime, t_ms: int) -> None:
        """The clock started (first key, or first key after a resume)."""

    def keystroke(self, stroke: Keystroke) -> None:
        """A key press was logged."""

    def event(self, event: Mapping[str, Any]) -> None:
        """An event was logged (paste refused, focus, burst…)."""

    def session_finished(self, reason: EndReason, t_ms: int) -> None:
        """The session ended."""


# The key name of the deletions that take back the first keys of a refused paste.
_TAKE_BACK_KEY = "paste-refused"
# An event whose ``ms`` pushed the time limit back (see :meth:`Session.add_time`).
TIME_ADDED_EVENT = "time_added"


class Session:
    """One typing test or transcription, fed key by key.

    Args:
        config: What is typed, by whom, under which rules.
        clock: Monotonic clock in seconds (``time.monotonic``); tests inject a fake one.
        wall_clock: Current UTC date, for ``started_at``/``ended_at``.
        listener: Hears keystrokes and events as they happen (the journal).
    """

    def __init__(
        self,
        config: SessionConfig,
        *,
        clock: Clock = time.monotonic,
        wall_clock: WallClock | None = None,
        listener: SessionListener | None = None,
    ) -> None:
        self.config = config
        self._clock = clock
        self._wall = wall_clock or (lambda: datetime.now(UTC))
        self.listener = listener
        self.state = SessionState.READY
        self._typed: list[str] = list(config.initial_text)
        self._keystrokes: list[Keystroke] = []
        self._events: list[dict[str, Any]] = []
        self._offset_ms = 0  # typing time used before the current run (resume)
        self._added_ms = 0  # time given back (the dictation's audio output was lost)
        self._run_start: float | None = None
        self._started_at: datetime | None = None
        self._ended_at: datetime | None = None
        self._end_reason: EndReason | None = None
        self._end_ms = 0
        self._pending = ""
        self._bursts = BurstDetector(
            gap_ms=config.burst_gap_ms,
            min_run=config.burst_min_run,
            single_event=config.burst_single_event,
            log=self.log_event,
        )
        self._pastes = PasteDetector(
            min_run=config.paste_min_run,
            window_ms=config.paste_window_ms,
            chain_ms=config.paste_chain_ms,
            log=self.log_event,
        )
        self.progress: CopyProgress | None = (
            CopyProgress(config.reference, config.settings.profile.normalization)
            if config.kind == "typing"
            else None
        )

    # -- restoring ---------------------------------------------------------------------------

    @classmethod
    def restore(
        cls,
        config: SessionConfig,
        *,
        keystrokes: Sequence[Keystroke],
        events: Sequence[Mapping[str, Any]],
        elapsed_ms: int,
        started_at: datetime | None,
        clock: Clock = time.monotonic,
        wall_clock: WallClock | None = None,
        listener: SessionListener | None = None,
        announce: bool = True,
    ) -> Session:
        """A session rebuilt from a journal: typed text from the log, clock stopped at
        ``elapsed_ms`` until the next key. State ``resumed`` (``ready`` if nothing was typed).

        With ``announce``, a ``resumed`` event is logged. Raises ValueError when the keystrokes
        do not replay (a corrupt log).
        """
        session = cls(config, clock=clock, wall_clock=wall_clock, listener=None)
        typed = replay(keystrokes, config.initial_text)
        session._keystrokes = list(keystrokes)
        session._events = [dict(e) for e in events]
        session._typed = list(typed)
        session._offset_ms = max(0, elapsed_ms)
        session._added_ms = sum(
            max(0, int(e.get("ms", 0)))
            for e in events
            if e.get("type") == TIME_ADDED_EVENT and isinstance(e.get("ms"), int)
        )
        session._started_at = started_at
        if session.progress is not None and typed:
            session.progress.apply(Edit(0, "", typed))
        if started_at is not None or keystrokes:
            session.state = SessionState.RESUMED
        session.listener = listener
        if announce and session.state is SessionState.RESUMED:
            session.log_event("resumed", t_ms=session._offset_ms)
        return session

    # -- clock -------------------------------------------------------------------------------

    @property
    def elapsed_ms(self) -> int:
        """Typing time used so far, in milliseconds (frozen once finished)."""
        if self.state is SessionState.FINISHED:
            return self._end_ms
        if self._run_start is None:
            return self._offset_ms
        return self._offset_ms + int((self._clock() - self._run_start) * 1000)

    @property
    def elapsed_s(self) -> float:
        """Typing time used so far, in seconds."""
        return self.elapsed_ms / 1000.0

    @property
    def time_limit_ms(self) -> int | None:
        """The limit in milliseconds, or None."""
        limit = self.config.settings.time_limit_s
        return None if limit is None else round(limit * 1000) + self._added_ms

    @property
    def added_ms(self) -> int:
        """Time given back by :meth:`add_time` (and restored from ``time_added`` events)."""
        return self._added_ms

    def add_time(self, ms: int) -> None:
        """Push the time limit back by ``ms``: time the exercise could not be done (a
        dictation whose audio output was lost). Not logged here: the caller logs one
        ``time_added`` event (``ms``) per outage, which a resumed session adds back."""
        if ms > 0 and not self.finished:
            self._added_ms += ms

    @property
    def remaining_s(self) -> float | None:
        """Seconds left before time-out (None without a limit)."""
        limit = self.time_limit_ms
        if limit is None:
            return None
        return max(0, limit - self.elapsed_ms) / 1000.0

    @property
    def started_at(self) -> datetime | None:
        """Date of the first key press."""
        return self._started_at

    @property
    def end_reason(self) -> EndReason | None:
        """Why the session ended, once finished."""
        return self._end_reason

    def tick(self) -> bool:
        """Check the time limit; True when this call ended the session by time-out."""
        if self.state is not SessionState.RUNNING:
            return False
        limit = self.time_limit_ms
        if limit is not None and self.elapsed_ms >= limit:
            self._finish("timeout", limit)
            return True
        pastes = self._pastes
        if pastes.refused and pastes.chars and self.elapsed_ms - pastes.last_ms >= PASTE_CLOSE_MS:
            pastes.log_run()  # keys still arriving at machine speed stay refused
        return False

    # -- text --------------------------------------------------------------------------------

    @property
    def typed(self) -> str:
        """The typed text so far."""
        return "".join(self._typed)

    @property
    def length(self) -> int:
        """Length of the typed text."""
        return len(self._typed)

    @property
    def pending(self) -> str:
        """A dead key waiting for its letter."""
        return self._pending

    @property
    def keystrokes(self) -> tuple[Keystroke, ...]:
        """The keystroke log."""
        return tuple(self._keystrokes)

    @property
    def events(self) -> tuple[Mapping[str, Any], ...]:
        """Events logged (paste refused, focus, bursts…)."""
        return tuple(self._events)

    @property
    def finished(self) -> bool:
        """Whether the session has ended."""
        return self.state is SessionState.FINISHED

    # -- input -------------------------------------------------------------------------------

    def start(self) -> bool:
        """Start the clock if it is not running yet (a dictation's first playback action
        starts the exercise, as the first key does); True when this call started it. A resumed
        session past its time limit finishes here."""
        if self.state not in (SessionState.READY, SessionState.RESUMED):
            return False
        self._ensure_running()
        self.tick()
        return True

    def log_event(
        self, event_type: str, /, *, t_ms: int | None = None, **data: Any
    ) -> dict[str, Any] | None:
        """Log an event, timed now (or at ``t_ms``), in the record and to the listener: the
        session's own (bursts, pastes, focus, resume) and what the front end reports
        (playback, audio problems, time given back). None once the session is finished."""
        if self.state is SessionState.FINISHED:
            return None
        event: dict[str, Any] = {
            "t_ms": self.elapsed_ms if t_ms is None else t_ms,
            "type": event_type,
        }
        event.update(data)
        self._events.append(event)
        if self.listener is not None:
            self.listener.event(event)
        return event

    def press(
        self, key: str, character: str | None = None, *, arrived_s: float | None = None
    ) -> KeyResult:
        """One key press of a copy test (the cursor stays at the end of the text).

        ``key`` is the key name (``backspace``, ``enter``, ``a``…), ``character`` the printable
        character it produced, if any. Keys that are neither text, Enter nor Backspace are
        ignored (no effect, not logged). ``arrived_s`` is when the key reached the program
        (a monotonic time in seconds, the front end's input thread): the gaps between keys
        that tell a paste from typing are measured on it, so keys a busy event loop handles
        late are not mistaken for a paste. Without it, the session's clock is used.
        """
        if key in ("enter", "ctrl+m", "ctrl+j"):
            text: str | None = "\n"
        elif key in {"backspace", "ctrl+h"}:
            text = None
        elif character and character.isprintable():
            text = unicodedata.normalize("NFC", character)
        else:
            return KeyResult(pending=self._pending)
        if self.state is SessionState.FINISHED:
            return KeyResult(refused="finished", finished=True)
        started = self._ensure_running()
        if self.tick():
            return KeyResult(refused="finished", started=started, finished=True)
        t_ms = self.elapsed_ms
        if text is None:
            self._pastes.break_chain()
            return self._backspace(t_ms, started)
        refused = self._pastes.follow(
            len(text),
            t_ms,
            self._clock() if arrived_s is None else arrived_s,
            len(self._typed),
            self._pending,
        )
        if refused is not None:
            taken_back = self._take_back_paste(t_ms) if refused == PASTE_DETECTED else ()
            return KeyResult(
                edits=taken_back, refused=refused, pending=self._pending, started=started
            )
        edits = self._type_text(key, text, t_ms)
        finished = self._check_complete()
        return KeyResult(
            edits=tuple(edits), pending=self._pending, started=started, finished=finished
        )

    def edit(self, pos: int, removed: int, inserted: str, *, key: str = "edit") -> Edit | None:
        """An arbitrary edit (a transcription editor): remove ``removed`` characters at
        ``pos`` then insert ``inserted``. Backspace policy is the caller's business.
        """
        if self.state is SessionState.FINISHED:
            return None
        if not 0 <= pos <= len(self._typed) or removed < 0 or pos + removed > len(self._typed):
            raise ValueError(f"édition hors du texte : {pos}+{removed}")
        self._ensure_running()
        if self.tick():
            return None
        t_ms = self.elapsed_ms
        text = unicodedata.normalize("NFC", inserted)
        gone = "".join(self._typed[pos : pos + removed])
        if gone:
            self._log_stroke(Keystroke(t_ms, key, "delete", pos, gone))
        if text:
            self._bursts.note_insert(t_ms, len(text))
            self._log_stroke(Keystroke(t_ms, key, "insert", pos, text))
        change = Edit(pos, gone, text)
        self._apply(change)
        return change

    def paste(self, text: str) -> None:
        """A paste: refused, and logged with its length."""
        if self.state is SessionState.FINISHED:
            return
        self.log_event("paste_refused", chars=len(text))

    def focus_lost(self) -> None:
        """The terminal reported that the window lost focus."""
        if self.state is not SessionState.FINISHED:
            self.log_event("focus_lost")

    def focus_gained(self) -> None:
        """The terminal reported that the window got focus back."""
        if self.state is not SessionState.FINISHED:
            self.log_event("focus_gained")

    def stop(self) -> None:
        """End the session at the candidate's confirmed request (or a practice stop)."""
        if self.state is SessionState.FINISHED:
            return
        if self.tick():
            return
        self._finish("stopped", self.elapsed_ms)

    def close_interrupted(self) -> None:
        """End a session that cannot go on (closed from a journal after a crash)."""
        if self.state is not SessionState.FINISHED:
            self._finish("interrupted", self.elapsed_ms)

    # -- record ------------------------------------------------------------------------------

    def to_record(self) -> ResultRecord:
        """The result record of a finished session."""
        if self.state is not SessionState.FINISHED or self._end_reason is None:
            raise ValueError("la session n'est pas terminée")
        ended = self._ended_at or self._wall()
        started = self._started_at or ended
        return ResultRecord(
            kind=self.config.kind,
            candidate=self.config.candidate,
            exercise_id=self.config.exercise_id,
            exercise_title=self.config.exercise_title,
            reference=self.config.reference,
            typed=self.typed,
            started_at=started,
            ended_at=max(ended, started),
            duration_s=self._end_ms / 1000.0,
            end_reason=self._end_reason,
            settings=self.config.settings,
            keystrokes=tuple(self._keystrokes),
            events=tuple(self._events),
            draft=self.config.draft,
            draft_source=self.config.draft_source if self.config.kind == "correction" else None,
        )

    # -- internals ---------------------------------------------------------------------------

    def _ensure_running(self) -> bool:
        if self.state in (SessionState.READY, SessionState.RESUMED):
            first = self.state is SessionState.READY
            self._run_start = self._clock()
            self.state = SessionState.RUNNING
            if first or self._started_at is None:
                self._started_at = self._wall()
            if self.listener is not None:
                self.listener.session_started(self._started_at, self._offset_ms)
            return True
        return False

    def _backspace(self, t_ms: int, started: bool) -> KeyResult:
        if self._pending:
            self._pending = ""
            self._log_stroke(Keystroke(t_ms, "backspace", "none", len(self._typed), ""))
            return KeyResult(started=started)
        if not self.config.settings.backspace_allowed:
            self._log_stroke(Keystroke(t_ms, "backspace", "none", len(self._typed), ""))
            return KeyResult(refused="backspace-disabled", started=started)
        if not self._typed:
            self._log_stroke(Keystroke(t_ms, "backspace", "none", 0, ""))
            return KeyResult(refused="empty", started=started)
        pos = len(self._typed) - 1
        change = Edit(pos, self._typed[pos], "")
        self._log_stroke(Keystroke(t_ms, "backspace", "delete", pos, change.removed))
        self._apply(change)
        return KeyResult(edits=(change,), started=started)

    def _type_text(self, key: str, text: str, t_ms: int) -> list[Edit]:
        dead_keys = self.config.dead_keys
        if len(text) == 1 and dead_keys:
            if self._pending:
                dead, self._pending = self._pending, ""
                outcome = after_dead_key(dead, text, dead_keys)
                if outcome.paired:
                    return [self._insert(f"{dead}+{key}", outcome.text, t_ms)]
                edits = [self._insert(dead, outcome.text, t_ms)]
                if outcome.pending:
                    self._pending = outcome.pending
                    self._log_stroke(Keystroke(t_ms, key, "none", len(self._typed), ""))
                    return edits
                edits.append(self._insert(key, outcome.follow, t_ms))
                return edits
            if text in dead_keys:
                self._pending = text
                self._log_stroke(Keystroke(t_ms, key, "none", len(self._typed), ""))
                return []
        if self._pending:
            dead, self._pending = self._pending, ""
            return [self._insert(dead, dead, t_ms), self._insert(key, text, t_ms)]
        return [self._insert(key, text, t_ms)]

    def _insert(self, key: str, text: str, t_ms: int) -> Edit:
        pos = len(self._typed)
        self._bursts.note_insert(t_ms, len(text))
        self._log_stroke(Keystroke(t_ms, key, "insert", pos, text))
        change = Edit(pos, "", text)
        self._apply(change)
        return change

    def _apply(self, change: Edit) -> None:
        end = change.pos + len(change.removed)
        if end == len(self._typed) and not change.removed and len(change.inserted) == 1:
            self._typed.append(change.inserted)
        else:
            self._typed[change.pos : end] = change.inserted
        if self.progress is not None:
            self.progress.apply(change)

    def _check_complete(self) -> bool:
        if (
            self.config.end_when_complete
            and self.progress is not None
            and not self._pending
            and self.progress.completed()
        ):
            self._finish("completed", self.elapsed_ms)
            return True
        return False

    def _take_back_paste(self, t_ms: int) -> tuple[Edit, ...]:
        """Erase what the paste's first keys inserted, and give back the dead key pending
        before them; the deletions, in order."""
        start = self._pastes.start_length
        edits: list[Edit] = []
        while len(self._typed) > start:
            pos = len(self._typed) - 1
            change = Edit(pos, self._typed[pos], "")
            self._log_stroke(Keystroke(t_ms, _TAKE_BACK_KEY, "delete", pos, change.removed))
            self._apply(change)
            edits.append(change)
        self._pending = self._pastes.start_pending
        return tuple(edits)

    def _finish(self, reason: EndReason, t_ms: int) -> None:
        self._pastes.close()
        self._bursts.close()
        self._end_ms = t_ms
        self._end_reason = reason
        self._ended_at = self._wall()
        self.state = SessionState.FINISHED
        self._pending = ""
        if self.listener is not None:
            self.listener.session_finished(reason, t_ms)

    def _log_stroke(self, stroke: Keystroke) -> None:
        self._keystrokes.append(stroke)
        if self.listener is not None:
            self.listener.keystroke(stroke)


def unfinished_record(
    config: SessionConfig,
    *,
    keystrokes: Sequence[Keystroke],
    events: Sequence[Mapping[str, Any]],
    elapsed_ms: int,
    started_at: datetime,
    end_reason: EndReason | None = None,
) -> ResultRecord:
    """The record of a session that will not go on, rebuilt from its log (a journal closed
    without resuming, an attempt scored from the room's central journal): end reason
    ``interrupted``, or ``end_reason`` when the session had ended but its result was not
    saved. Raises ValueError when the keystrokes do not replay."""
    ended = started_at + timedelta(milliseconds=elapsed_ms)
    session = Session.restore(
        config,
        keystrokes=keystrokes,
        events=events,
        elapsed_ms=elapsed_ms,
        started_at=started_at,
        wall_clock=lambda: ended,
        announce=False,
    )
    session.close_interrupted()
    record = session.to_record()
    if end_reason is not None and end_reason != "interrupted":
        record = replace(record, end_reason=end_reason)
    return record
