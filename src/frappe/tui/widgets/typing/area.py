"""The typing area: receives the candidate's keys, feeds the session, redraws what changed.

The parent screen gives it the session (attributes down); it posts messages up when the clock
starts, when a key is refused, when a paste is refused and when the session finishes.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message

from frappe.exercises.session import KeyResult, Session
from frappe.tui.widgets.typing.views import ReferenceView, TypedView

__all__ = ["TypingArea"]

_TEXT_KEYS = frozenset(("backspace", "enter", "ctrl+h"))


class TypingArea(Vertical, can_focus=True):
    """Reference pane above, typed pane below; the widget that has the keyboard."""

    @dataclass
    class Started(Message):
        """The first key started the clock."""

        area: TypingArea

    @dataclass
    class Refused(Message):
        """A key had no effect (``backspace-disabled``…)."""

        area: TypingArea
        reason: str

    @dataclass
    class PasteRefused(Message):
        """A paste was refused (and logged): marked by the terminal (``chars`` known), or
        recognised from keys arriving at machine speed (``chars`` None, still arriving)."""

        area: TypingArea
        chars: int | None

    @dataclass
    class Finished(Message):
        """The session ended by itself (text completed or time-out on a key)."""

        area: TypingArea

    def __init__(
        self,
        session: Session,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.session = session
        self.reference = ReferenceView(session.config.reference, id="reference")
        self.typed = TypedView(session.typed, id="typed")
        live = session.config.settings.live_feedback and session.progress is not None
        if live and session.progress is not None:
            self.typed.is_wrong = session.progress.is_wrong
            self.typed.wrong_spans = session.progress.wrong_spans
        if session.progress is not None:
            self.reference.marker = session.progress.marker()

    def compose(self) -> ComposeResult:
        yield self.reference
        yield self.typed

    def on_mount(self) -> None:
        self.reference.border_title = "Texte à copier"
        self.typed.border_title = "Votre frappe"

    def on_key(self, event: events.Key) -> None:
        character = event.character
        if event.key in _TEXT_KEYS or (character is not None and character.isprintable()):
            event.stop()
            event.prevent_default()
            # event.time is when the input thread read the key: a paste typed for the candidate
            # arrives as one burst even when the event loop handles the keys later.
            self.type_key(event.key, character, arrived_s=event.time)
        # Anything else (Escape, Tab, shortcuts) goes on to the bindings.

    def type_key(
        self, key: str, character: str | None, *, arrived_s: float | None = None
    ) -> KeyResult:
        """Feed one key to the session and redraw what it changed."""
        result = self.session.press(key, character, arrived_s=arrived_s)
        self.show_result(result)
        return result

    def show_result(self, result: KeyResult) -> None:
        """Redraw after a key: the edited rows, the marker, the pending dead key."""
        session = self.session
        for edit in result.edits:
            self.typed.append_edit(len(edit.removed), edit.inserted)
        self.typed.set_pending(result.pending)
        if session.progress is not None and result.edits:
            self.reference.move_marker(session.progress.marker())
        if result.started:
            self.post_message(self.Started(self))
        if result.refused == "paste-detected":
            self.post_message(self.PasteRefused(self, None))
        elif result.refused and result.refused not in ("finished", "paste"):
            self.post_message(self.Refused(self, result.refused))
        if result.finished:
            self.typed.show_cursor = False
            self.typed.invalidate_offsets(self.typed.wrapped.length)
            self.post_message(self.Finished(self))

    def on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()
        self.session.paste(event.text)
        self.post_message(self.PasteRefused(self, len(event.text)))
