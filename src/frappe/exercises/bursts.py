"""Keys arriving faster than a person types, watched key by key for the session.

- ``BurstDetector``: one event inserting many characters, or a long run of keys each a few
  milliseconds after the previous, is logged as a ``burst`` event for the jury; the keys are
  kept (a fast typist's rollover is not a fault).
- ``PasteDetector``: keys arriving at machine speed (a terminal without bracketed-paste
  markers, a clipboard tool typing for the candidate) are a paste: refused, the keys of the run
  already inserted are taken back by the session, and ``paste_refused`` is logged once the run
  stops.

Both log through the session (``log``: event type, then its fields) so the events reach its
record and journal in order. Pure, and a few operations per key: the typing screen's key path
goes through them.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Final, Protocol

__all__ = [
    "PASTE_CLOSE_MS",
    "PASTE_CONTINUED",
    "PASTE_DETECTED",
    "BurstDetector",
    "EventLog",
    "PasteDetector",
]

# A refused paste's event is logged once its keys have stopped for this long (session time).
PASTE_CLOSE_MS: Final = 200
# Why a key of a paste had no effect (``KeyResult.refused``): the key that showed the run to be
# a paste (the run's characters are taken back), and the run's later keys.
PASTE_DETECTED: Final = "paste-detected"
PASTE_CONTINUED: Final = "paste"


class EventLog(Protocol):
    """Logs a session event now or at ``t_ms`` (``Session.log_event``)."""

    def __call__(
        self, event_type: str, /, *, t_ms: int | None = None, **data: Any
    ) -> object:  # pragma: no cover - a protocol
        ...


class BurstDetector:
    """One event with many characters, or a long run of keys closer than ``gap_ms``.

    Args:
        gap_ms: Key presses closer than this belong to a burst run…
        min_run: …and a run of at least this many characters is logged.
        single_event: An event inserting at least this many characters is logged.
        log: Where the ``burst`` events go.
    """

    __slots__ = ("_chars", "_gap_ms", "_last_ms", "_log", "_min_run", "_single_event", "_start_ms")

    def __init__(self, *, gap_ms: int, min_run: int, single_event: int, log: EventLog) -> None:
        self._gap_ms = gap_ms
        self._min_run = min_run
        self._single_event = single_event
        self._log = log
        self._start_ms = 0
        self._last_ms = -1_000_000
        self._chars = 0

    def note_insert(self, t_ms: int, chars: int) -> None:
        """``chars`` characters were inserted at ``t_ms``."""
        if chars >= self._single_event:
            self._log("burst", t_ms=t_ms, kind="single-event", chars=chars)
        if t_ms - self._last_ms < self._gap_ms:
            self._chars += chars
        else:
            self.close()
            self._start_ms = t_ms
            self._chars = chars
        self._last_ms = t_ms

    def close(self) -> None:
        """The run is over (a slower key, the end of the session): log it if long enough."""
        if self._chars >= self._min_run:
            self._log(
                "burst",
                t_ms=self._start_ms,
                kind="fast-run",
                chars=self._chars,
                duration_ms=self._last_ms - self._start_ms,
            )
        self._chars = 0


class PasteDetector:
    """The current run of text keys, each arrived under ``chain_ms`` after the previous; a run
    with ``min_run`` keys within ``window_ms`` is a paste.

    Arrival times are the front end's (when the input thread read the key, in seconds), so
    keys a busy event loop handles late are not mistaken for a paste; session times (``t_ms``)
    date the logged event.

    Attributes:
        refused: The current run is a paste (its keys are refused).
        chars: Characters of the run so far.
        start_length: Typed length before the run's first key (where a take-back stops).
        start_pending: Dead key pending before the run's first key (given back on take-back).
        start_ms: Session time of the run's first key (or of its not yet logged part).
        last_ms: Session time of the run's last key.
    """

    __slots__ = (
        "_arrivals",
        "_chain_ms",
        "_last_at",
        "_log",
        "_min_run",
        "_window_ms",
        "chars",
        "last_ms",
        "refused",
        "start_length",
        "start_ms",
        "start_pending",
    )

    def __init__(self, *, min_run: int, window_ms: float, chain_ms: float, log: EventLog) -> None:
        self._min_run = min_run
        self._window_ms = window_ms
        self._chain_ms = chain_ms
        self._log = log
        self._last_at: float | None = None  # arrival of the previous text key, in seconds
        self._arrivals: deque[float] = deque()  # the run's last keys (seconds)
        self.chars = 0
        self.start_length = 0
        self.start_pending = ""
        self.start_ms = 0
        self.last_ms = 0
        self.refused = False

    def follow(
        self, chars: int, t_ms: int, arrived_s: float, length: int, pending: str
    ) -> str | None:
        """A text key of ``chars`` characters, arrived at ``arrived_s``, the typed text being
        ``length`` long with ``pending`` waiting: None when it is typed as usual, else why it
        is refused (``PASTE_DETECTED``: the caller takes the run back to ``start_length`` and
        ``start_pending``; ``PASTE_CONTINUED``: a later key of a refused run)."""
        last_at = self._last_at
        chained = last_at is not None and (arrived_s - last_at) * 1000 < self._chain_ms
        self._last_at = arrived_s
        arrivals = self._arrivals
        arrivals.append(arrived_s)
        if len(arrivals) > self._min_run:
            arrivals.popleft()
        if not chained:
            self.close()
            arrivals.clear()
            arrivals.append(arrived_s)
            self.chars = chars
            self.start_length = length
            self.start_pending = pending
            self.start_ms = t_ms
            self.last_ms = t_ms
            return None
        self.chars += chars
        self.last_ms = t_ms
        if self.refused:
            return PASTE_CONTINUED
        if len(arrivals) < self._min_run or (
            (arrivals[-1] - arrivals[0]) * 1000 >= self._window_ms
        ):
            return None
        self.refused = True
        return PASTE_DETECTED

    def log_run(self) -> None:
        """Log the refused run's characters so far (its keys may still be arriving)."""
        if self.refused and self.chars:
            self._log("paste_refused", t_ms=self.start_ms, chars=self.chars, via="keys")
        self.chars = 0
        self.start_ms = self.last_ms

    def close(self) -> None:
        """The run is over (a slow key, an erase, the end of the session)."""
        self.log_run()
        self.refused = False
        self._arrivals.clear()
        self.chars = 0

    def break_chain(self) -> None:
        """A key that is not text (Backspace): the next text key starts a new run."""
        self.close()
        self._last_at = None
