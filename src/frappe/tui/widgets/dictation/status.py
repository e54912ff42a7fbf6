"""The player status bar above the transcription: state, position / duration, speed, volume,
loop, pedal, countdown, and a line for notices (no audio device, pedal unplugged…)."""

from __future__ import annotations

from typing import Literal

from rich.text import Text
from textual.widgets import Static

from frappe.durations import format_position, format_speed
from frappe.tui.playback.controls import PlayerSnapshot
from frappe.tui.widgets.typing.status import format_clock

__all__ = ["DictationStatus"]

Severity = Literal["info", "warning", "error"]

_STATES = {
    "playing": ("▶", "Lecture", "bold green"),
    "paused": ("⏸", "Pause", "bold yellow"),
    "stopped": ("■", "Arrêt", "bold"),
    "ended": ("■", "Fin de l'enregistrement", "bold"),
    "device_lost": ("⚠", "Sortie audio perdue", "bold red"),
}
_NOTICE_STYLES = {"info": "italic", "warning": "bold yellow", "error": "bold red"}


class DictationStatus(Static):
    """Two lines: the player and the clock, then a notice. The screen sets the values; the
    widget redraws only when the text changes."""

    DEFAULT_CSS = """
    DictationStatus {
        height: 2;
        padding: 0 1;
        background: $boost;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.player: PlayerSnapshot | None = None
        self.player_message = "Chargement de l'audio…"
        self.pedal: str | None = None
        self.pedal_ok = True
        self.clock = ""
        self.clock_urgent = False
        self.notice = ""
        self.notice_severity: Severity = "info"
        self.pending = ""
        self.alarm = ""
        self.link = ""
        self._shown: Text | None = None

    # -- values ------------------------------------------------------------------------------

    def show_player(self, snapshot: PlayerSnapshot | None, message: str = "") -> None:
        """The player's state (None: no player, ``message`` says why)."""
        self.player = snapshot
        self.player_message = message
        self._refresh()

    def show_pedal(self, text: str | None, *, ok: bool = True) -> None:
        """Pedal state (None: no pedal configured)."""
        self.pedal = text
        self.pedal_ok = ok
        self._refresh()

    def show_time(self, remaining: float | None, elapsed: float, running: bool) -> None:
        """Countdown (or elapsed time without a deadline)."""
        if remaining is None:
            text = f"Temps {format_clock(elapsed)}"
        else:
            text = f"Reste {format_clock(remaining)}"
        if not running:
            text += " (démarre à la 1re touche)"
        self.clock = text
        self.clock_urgent = remaining is not None and remaining <= 60
        self._refresh()

    def show_notice(self, text: str, severity: Severity = "info") -> None:
        """A notice on the second line (empty: none)."""
        self.notice = text
        self.notice_severity = severity
        self._refresh()

    def show_alarm(self, text: str) -> None:
        """A problem to report at once (the journal refuses the typing), first on the second
        line, until it is cleared with ""."""
        self.alarm = text
        self._refresh()

    def show_link(self, text: str) -> None:
        """The room link's state (a seat of a room; ``""`` on a lone PC)."""
        self.link = text
        self._refresh()

    def show_pending(self, dead_key: str) -> None:
        """A dead key waiting for its letter."""
        self.pending = dead_key
        self._refresh()

    # -- rendering ---------------------------------------------------------------------------

    def render_text(self) -> Text:
        """The two lines (also used by tests)."""
        line = Text()
        snapshot = self.player
        # Most important first: the line is cut at the right edge of narrow terminals.
        if snapshot is None:
            line.append(f"♪ {self.player_message or 'Pas de lecteur'}", style="bold red")
        else:
            icon, label, style = _STATES.get(snapshot.state, ("?", snapshot.state, "bold"))
            line.append(f"{icon} {label}", style=style)
            line.append(
                f"  {format_position(snapshot.position_s)} / {format_position(snapshot.duration_s)}"
            )
            line.append(f"  {format_speed(snapshot.speed)}", style="bold")
        if self.clock:
            line.append("  │ ")
            line.append(self.clock, style="bold red" if self.clock_urgent else "bold")
        if snapshot is not None:
            line.append(f"  │ Vol {round(snapshot.volume * 100)} %")
            if snapshot.looping:
                line.append("  ⟲ boucle", style="bold magenta")
        if self.pedal is not None:
            line.append("  │ Pédale : ")
            line.append(self.pedal, style="" if self.pedal_ok else "bold red")
        if self.link:
            line.append(f"  │ {self.link}", style="dim")
        notice = Text()
        if self.alarm:
            notice.append(f"{self.alarm}  ", style="bold reverse red")
        if self.pending:
            notice.append(f"« {self.pending} » en attente de sa lettre  ", style="bold cyan")
        if self.notice:
            notice.append(self.notice, style=_NOTICE_STYLES[self.notice_severity])
        line.append("\n")
        line.append_text(notice)
        line.no_wrap = True
        line.overflow = "ellipsis"
        return line

    def _refresh(self) -> None:
        text = self.render_text()
        if (
            self._shown is None
            or text.plain != self._shown.plain
            or text.spans != self._shown.spans
        ):
            self._shown = text
            self.update(text)
