"""The trainer's live view of a séance, without any UI: every attempt's central journal
replayed as its lines arrive, pushed by the server (LISTEN/NOTIFY, no polling).

A :class:`RoomMonitor` thread waits for the server's notifications; a batch of lines fetches
only the lines after the last one it holds, a join, hand-in, release or resume re-reads the
attempts. Each :class:`AttemptTracker` keeps the typed text (edits replayed one by one), the
typing time, the incidents and a short window of recent keys for the current speed; the front
end asks for :class:`SeatView` rows. A seat running a test whose lines stop arriving for a few
seconds shows as « déconnecté » (heartbeats arrive four times a second while the clock runs).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from frappe.errors import FrappeError, JournalError, RoomError
from frappe.exercises.session import SessionConfig
from frappe.storage.journal import JournalHeader
from frappe.storage.room import client, official

__all__ = [
    "STALE_AFTER_S",
    "AttemptTracker",
    "MonitorSnapshot",
    "RoomMonitor",
    "SeatView",
]

# No line for this long from a seat whose clock runs: its link is down (or the PC died).
STALE_AFTER_S = 3.0
_SPEED_WINDOW_MS = 30_000
_RETRY_S = 2.0
_STATUS_EVENTS = frozenset({"join", "hand_in", "release", "resume", "close"})

STATE_NAMES = {
    "waiting": "en attente",
    "running": "en cours",
    "finished": "terminé",
    "disconnected": "déconnecté",
    "interrupted": "interrompu",
}


@dataclass(frozen=True, slots=True)
class SeatView:
    """One row of the dashboard.

    Attributes:
        attempt_id: The attempt.
        seat: The seat's name.
        candidate: The candidate's name.
        exercise: The exercise's title.
        state: ``waiting``, ``running``, ``finished``, ``disconnected``, ``interrupted``.
        progress: Share of the reference typed, 0–1 (a dictation: words typed over the
            reference's words; a correction of a draft: share of the recording heard).
        typed_chars: Characters of the typed text.
        speed: Current speed (last 30 s of typing), in ``speed_unit``.
        speed_unit: ``mots/min``…
        time_left_s: Time left (None without a limit).
        paste_refused: Pastes refused.
        focus_lost: Times the window lost focus.
        disconnections: Link cuts the seat reported, plus the one going on.
        result: The provisional result once handed in (speed, faults, mark), or ``""``.
        lines: Journal lines received.
        listening_s: A dictation: where the seat's player stands in the recording, seconds
            (None: a typing test, or nothing played yet).
    """

    attempt_id: int
    seat: str
    candidate: str
    exercise: str
    state: str
    progress: float
    typed_chars: int
    speed: float
    speed_unit: str
    time_left_s: float | None
    paste_refused: int
    focus_lost: int
    disconnections: int
    result: str
    lines: int
    listening_s: float | None = None

    @property
    def state_label(self) -> str:
        """The state in French."""
        return STATE_NAMES.get(self.state, self.state)

    @property
    def incidents(self) -> str:
        """« collage refusé ×1, focus perdu ×2, coupures ×1 », or ``""``."""
        parts = []
        if self.paste_refused:
            parts.append(f"collage refusé ×{self.paste_refused}")
        if self.focus_lost:
            parts.append(f"focus perdu ×{self.focus_lost}")
        if self.disconnections:
            parts.append(f"coupures ×{self.disconnections}")
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class MonitorSnapshot:
    """What the dashboard shows.

    Attributes:
        seance: The séance followed (None: none open yet).
        views: One row per attempt, in joining order.
        message: Why the server cannot be read now (one line), or ``""``.
        received: ``time.monotonic()`` of the notification that caused it (latency measures).
    """

    seance: client.SeanceInfo | None
    views: tuple[SeatView, ...]
    message: str = ""
    received: float = 0.0


class AttemptTracker:
    """One attempt's central journal, replayed line by line."""

    def __init__(self, status: client.AttemptStatus, seen_at: float) -> None:
        self.status = status
        self.seq = 0
        self.config: SessionConfig | None = None
        self.lines: list[str] = []
        self._typed: list[str] = []
        self._elapsed_ms = 0
        self._started = False
        self._ended = False
        self._paste = 0
        self._focus = 0
        self._cuts = 0
        self._recent: deque[tuple[int, int]] = deque()
        self._listening_s: float | None = None
        self.last_seen = seen_at
        self.score: official.OfficialResult | None = None
        self.score_error = ""

    def feed(self, lines: Sequence[str], seen_at: float) -> None:
        """Lines ``seq + 1``… as received."""
        for line in lines:
            self.seq += 1
            self.lines.append(line)
            with contextlib.suppress(ValueError, TypeError, KeyError, JournalError):
                self._apply(json.loads(line))
        if lines:
            self.last_seen = seen_at

    def _apply(self, item: Any) -> None:
        if not isinstance(item, dict):
            return
        if self.config is None and "frappe_journal" in item:
            self.config = JournalHeader.from_dict(item, "journal central").config
            self._typed = list(self.config.initial_text)
            return
        if "k" in item:
            t_ms, _key, op, pos, text = item["k"]
            self._note_time(int(t_ms))
            if op == "insert":
                self._typed[pos:pos] = text
                self._recent.append((int(t_ms), len(text)))
            elif op == "delete":
                del self._typed[pos : pos + len(text)]
        elif "e" in item:
            event = item["e"]
            kind = event.get("type")
            if kind == "paste_refused":
                self._paste += 1
            elif kind == "focus_lost":
                self._focus += 1
            elif kind == "link_lost":
                self._cuts += 1
            elif kind == "playback":
                position = event.get("target_s", event.get("position_s"))
                if isinstance(position, int | float):
                    self._listening_s = float(position)
            if isinstance(event.get("t_ms"), int):
                self._note_time(event["t_ms"])
        elif "start" in item:
            self._started = True
            self._note_time(int(item.get("t", 0)))
        elif "end" in item:
            self._ended = True
            if isinstance(item.get("t"), int):
                self._elapsed_ms = item["t"]
        elif "t" in item and isinstance(item["t"], int) and not self._ended:
            self._note_time(item["t"])

    def _note_time(self, t_ms: int) -> None:
        if not self._ended:
            self._elapsed_ms = max(self._elapsed_ms, t_ms)
        self._started = True

    def state(self, now: float) -> str:
        """The attempt's state now (see :data:`STATE_NAMES`)."""
        server = self.status.state
        if server == "handed_in":
            return "finished"
        if server in ("released", "interrupted"):
            return "interrupted"
        if self._ended:
            return "finished"
        if not self._started:
            return "waiting"
        if now - self.last_seen > STALE_AFTER_S:
            return "disconnected"
        return "running"

    def view(self, now: float, seance: client.SeanceInfo | None = None) -> SeatView:
        """The dashboard row (results need the séance: its reference and profile)."""
        config = self.config
        profile = config.settings.profile if config is not None else None
        limit = config.settings.time_limit_s if config is not None else None
        window_start = self._elapsed_ms - _SPEED_WINDOW_MS
        while self._recent and self._recent[0][0] <= window_start:
            self._recent.popleft()
        window_s = min(_SPEED_WINDOW_MS, self._elapsed_ms) / 1000
        chars = sum(count for _t, count in self._recent)
        per_word = profile.strokes_per_word if profile is not None else 6
        speed = chars / per_word / (window_s / 60) if window_s >= 1 else 0.0
        state = self.state(now)
        return SeatView(
            attempt_id=self.status.attempt_id,
            seat=self.status.seat,
            candidate=self.status.candidate.name,
            exercise=(config.exercise_title or config.exercise_id) if config else "",
            state=state,
            progress=self._progress(seance),
            typed_chars=len(self._typed),
            speed=speed,
            speed_unit=profile.speed_unit if profile is not None else "mots/min",
            time_left_s=None if limit is None else max(0.0, limit - self._elapsed_ms / 1000),
            paste_refused=self._paste,
            focus_lost=self._focus,
            disconnections=self._cuts + (1 if state == "disconnected" else 0),
            result=self._result_text(seance),
            lines=self.seq,
            listening_s=self._listening_s,
        )

    def _progress(self, seance: client.SeanceInfo | None) -> float:
        """Share of the work done: characters of the reference typed (typing test), words
        (transcription), or the part of the recording reached (correction of a draft, whose
        text is as long as the reference from the start)."""
        config = self.config
        if config is None:
            return 0.0
        if config.kind == "typing":
            reference = len(config.reference)
            return min(1.0, len(self._typed) / reference) if reference else 0.0
        audio_s = seance.audio_duration_s if seance is not None else None
        if config.kind == "correction" and audio_s:
            return min(1.0, (self._listening_s or 0.0) / audio_s)
        words = len(config.reference.split())
        return min(1.0, len("".join(self._typed).split()) / words) if words else 0.0

    def _result_text(self, seance: client.SeanceInfo | None) -> str:
        closed = seance is not None and seance.closed_at is not None
        if seance is None or (self.status.state != "handed_in" and not closed):
            return ""
        if self.score is None and not self.score_error:
            try:
                self.score = official.score_attempt(
                    seance,
                    self.status.attempt_id,
                    self.status.candidate,
                    self.status.state,
                    self.lines,
                    b"",
                )
            except FrappeError as error:
                self.score_error = str(error)
        if self.score is None:
            return self.score_error
        metrics = self.score.metrics
        unit = metrics.get("speed_unit", "")
        speed = metrics.get("speed")  # a dictation has none: its faults and mark say it
        text = (
            f"{float(speed):.1f} {unit}, " if isinstance(speed, int | float) else ""
        ) + f"{float(metrics['faults']):g} faute(s), {float(metrics['mark_20']):.1f}/20"
        return f"{text} (officiel)" if closed else text


class RoomMonitor:
    """Follows a séance from its own thread; ``on_update`` gets each new snapshot.

    Args:
        url: The room server with the trainer's credentials.
        seance_id: The séance (None: the latest open one, or the next opened).
        on_update: Called from the monitor's thread.
    """

    def __init__(
        self,
        url: str,
        seance_id: str | None,
        on_update: Callable[[MonitorSnapshot], None],
    ) -> None:
        self.url = url
        self.seance_id = seance_id.strip().upper() if seance_id else None
        self._on_update = on_update
        self._lock = threading.Lock()
        self._trackers: dict[int, AttemptTracker] = {}
        self._seance: client.SeanceInfo | None = None
        self._message = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="frappe-monitor", daemon=True)

    def start(self) -> RoomMonitor:
        """Start following; returns self."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop following."""
        self._stop.set()

    @property
    def seance(self) -> client.SeanceInfo | None:
        """The séance followed."""
        return self._seance

    def snapshot(self, now: float | None = None, received: float = 0.0) -> MonitorSnapshot:
        """The rows as of ``now`` (monotonic): a seat silent too long becomes disconnected."""
        moment = time.monotonic() if now is None else now
        with self._lock:
            views = tuple(t.view(moment, self._seance) for t in self._trackers.values())
            return MonitorSnapshot(self._seance, views, self._message, received)

    def close_seance(self) -> int:
        """Close the séance: the official results are fixed from the central journals
        (blocking). Returns how many results were fixed."""
        seance = self._seance
        if seance is None:
            raise RoomError("aucune séance suivie")
        with contextlib.closing(client.connect(self.url, timeout_s=5.0)) as conn:
            _seance, results = official.close_seance(conn, seance.id)
        return len(results)

    def release(self, attempt_id: int) -> None:
        """Release an attempt whose seat died: any free seat may resume it (blocking)."""
        with contextlib.closing(client.connect(self.url, timeout_s=5.0)) as conn:
            client.release_attempt(conn, attempt_id)

    # -- the thread --------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with (
                    client.RoomListener(self.url) as listener,
                    contextlib.closing(client.connect(self.url, timeout_s=5.0)) as conn,
                ):
                    self._message = ""
                    self._reload(conn)
                    self._publish(time.monotonic())
                    self._follow(listener, conn)
            except RoomError as error:
                self._message = str(error)
                self._publish(time.monotonic())
            self._stop.wait(_RETRY_S)

    def _follow(self, listener: client.RoomListener, conn: client.Connection) -> None:
        while not self._stop.is_set():
            for note in listener.notifications(timeout_s=0.5):
                if self._stop.is_set():
                    return
                if self._seance is None or note.event == "open":
                    if note.event == "open" and self.seance_id is None:
                        self._reload(conn)
                        self._publish(note.received)
                    continue
                if note.seance_id != self._seance.id:
                    continue
                if note.event == "lines" and note.attempt_id in self._trackers:
                    self._fetch_lines(conn, note.attempt_id, note.received)
                elif note.event in _STATUS_EVENTS:
                    self._reload(conn, note.received)
                self._publish(note.received)

    def _reload(self, conn: client.Connection, seen_at: float | None = None) -> None:
        now = time.monotonic() if seen_at is None else seen_at
        seance = self._pick(conn)
        with self._lock:
            if seance is None or (self._seance is not None and seance.id != self._seance.id):
                self._trackers = {}
            self._seance = seance
        if seance is None:
            return
        for status in client.list_attempts(conn, seance.id):
            with self._lock:
                tracker = self._trackers.get(status.attempt_id)
                if tracker is None:
                    tracker = AttemptTracker(status, _seen_at(status, now))
                    self._trackers[status.attempt_id] = tracker
                else:
                    tracker.status = status
            if status.last_seq > tracker.seq:
                self._fetch_lines(conn, status.attempt_id, _seen_at(status, now))

    def _fetch_lines(self, conn: client.Connection, attempt_id: int, seen_at: float) -> None:
        tracker = self._trackers[attempt_id]
        lines = client.attempt_lines(conn, attempt_id, after_seq=tracker.seq)
        with self._lock:
            tracker.feed(lines, seen_at)

    def _pick(self, conn: client.Connection) -> client.SeanceInfo | None:
        if self.seance_id is not None:
            return client.get_seance(conn, self.seance_id)
        opened = client.list_seances(conn, open_only=True)
        return opened[0] if opened else None

    def _publish(self, received: float) -> None:
        with contextlib.suppress(Exception):
            self._on_update(self.snapshot(received=received))


def _seen_at(status: client.AttemptStatus, now: float) -> float:
    """When the attempt's last line arrived, on the monotonic clock (from the server's date)."""
    if status.last_line_at is None:
        return now
    age = (datetime.now(UTC) - status.last_line_at).total_seconds()
    return now - max(0.0, age)
