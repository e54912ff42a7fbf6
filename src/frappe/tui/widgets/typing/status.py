"""The line above the typing area: countdown, progress, short notices."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

__all__ = ["TypingStatus", "format_clock"]


def format_clock(seconds: float) -> str:
    """``mm:ss``, rounded up (a countdown shows 00:01 until the very end)."""
    whole = int(seconds) + (1 if seconds % 1 > 0 else 0)
    minutes, secs = divmod(max(0, whole), 60)
    return f"{minutes:02d}:{secs:02d}"


class TypingStatus(Horizontal):
    """Countdown on the left, progress in the middle, a notice on the right.

    The screen sets the values (``show_time``, ``show_progress``, ``show_notice``); each one
    only touches its own label, and only when the text changes.
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._countdown = Static("", id="countdown")
        self._progress = Static("", id="progress", markup=False)
        self._notice = Static("", id="notice", markup=False)
        self._link = Static("", id="room-link", markup=False)
        self._link.display = False  # a lone PC has no room link: nothing shown, nothing moved
        self._shown: dict[str, str] = {}
        self._progress_text = ""
        self.alarm = ""

    def compose(self) -> ComposeResult:
        yield self._countdown
        yield self._progress
        yield self._notice
        yield self._link

    def _set(self, widget: Static, text: str) -> None:
        key = widget.id or ""
        if self._shown.get(key) != text:
            self._shown[key] = text
            widget.update(text)

    def show_time(self, remaining: float | None, elapsed: float, running: bool) -> None:
        """Remaining time (or elapsed time without a limit)."""
        if remaining is None:
            text = f"Temps : {format_clock(elapsed)}"
        else:
            text = f"Temps restant : {format_clock(remaining)}"
        if not running:
            text += " (le chrono démarre à la première frappe)"
        self._set(self._countdown, text)
        self._countdown.set_class(remaining is not None and remaining <= 30, "-urgent")

    def show_progress(self, words: int, total: int) -> None:
        """Words begun out of reference words (hidden by an alarm)."""
        self._progress_text = f"Mots : {words} / {total}" if total else ""
        if not self.alarm:
            self._set(self._progress, self._progress_text)

    def show_alarm(self, text: str) -> None:
        """A problem the candidate must report at once (the journal refuses the typing), in
        place of the progress and in alarm colours until it is cleared with ""."""
        self.alarm = text
        self._set(self._progress, text or self._progress_text)
        self._progress.set_class(bool(text), "-alarm")

    def show_notice(self, text: str) -> None:
        """A short notice (key refused, paste refused, saving…)."""
        self._set(self._notice, text)

    def show_link(self, text: str) -> None:
        """The room link (a seat): connected, cut (the test goes on), handed in."""
        self._set(self._link, text)
        self._link.display = bool(text)
        self._link.set_class(text.startswith("Salle : déconnecté"), "-down")
