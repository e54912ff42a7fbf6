"""The transcription editor: a multi-line ``TextArea`` whose every change is reported as an
edit of the text, ``(pos, removed, inserted)``, for the session and its journal.

Typing, deleting, cutting, pasting from the editor's own clipboard, undo and redo all change the
document; each change posts ``DocumentEditor.Edited`` with the offset and the exact text taken
out and put in, so the journal replays to the very text on screen. A paste from outside the app
(the terminal's bracketed paste) is refused and reported, as in the typing test. AZERTY dead keys
(``^`` then ``e``) are composed into one character when the terminal sends them separately.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.widgets import TextArea
from textual.widgets.text_area import Edit, EditResult

from frappe.exercises.dead_keys import after_dead_key

__all__ = ["DocumentEditor", "text_diff"]


def text_diff(old: str, new: str, hint: int | None = None) -> tuple[int, str, str]:
    """The single edit turning ``old`` into ``new``: ``(pos, removed, inserted)``.

    ``hint`` (the cursor offset after the change) settles ambiguous cases: typing ``a`` after
    the first ``a`` of ``aa`` is reported at the cursor, not at the end of the run.
    """
    limit = min(len(old), len(new))
    prefix = 0
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    removed = old[prefix : len(old) - suffix]
    inserted = new[prefix : len(new) - suffix]
    if hint is not None and bool(removed) != bool(inserted):
        # The longest prefix puts a pure insertion or deletion as far right as it can go;
        # slide it left, while the text stays the same, to where the cursor says it was.
        source, segment = (new, inserted) if inserted else (old, removed)
        target = hint - len(inserted)
        while prefix > max(0, target) and source[prefix - 1] == segment[-1]:
            prefix -= 1
            segment = source[prefix : prefix + len(segment)]
        if inserted:
            inserted = segment
        else:
            removed = segment
    return prefix, removed, inserted


# F6 (select line) and F7 (select all) belong to the player here (the screen's hotkeys); Ctrl+A
# is "select all" as in a word processor, not Emacs's "start of line" (Début does that).
_PLAYER_KEYS = frozenset(("f6", "f7"))
_WORD_PROCESSOR: list[BindingType] = [
    Binding("ctrl+home", "document_start", "Début du document", show=False),
    Binding("ctrl+end", "document_end", "Fin du document", show=False),
    Binding("ctrl+shift+home", "document_start(True)", "Sélection jusqu'au début", show=False),
    Binding("ctrl+shift+end", "document_end(True)", "Sélection jusqu'à la fin", show=False),
    Binding("ctrl+a", "select_all", "Tout sélectionner", show=False),
    Binding("home", "cursor_line_start", "Début de ligne", show=False),
]


def _editor_bindings() -> list[BindingType]:
    taken = {"ctrl+a", "home"}
    kept: list[BindingType] = []
    for cls in (ScrollView, TextArea):
        for binding in cls.BINDINGS:
            if not isinstance(binding, Binding):
                continue
            keys = [k for k in binding.key.split(",") if k not in _PLAYER_KEYS | taken]
            if keys:
                kept.append(replace(binding, key=",".join(keys)))
    return _WORD_PROCESSOR + kept


class DocumentEditor(TextArea, inherit_bindings=False):
    """The candidate's document. Posts ``Edited`` for every change, ``PasteRefused`` for a
    paste from outside, ``DeadKey`` when a dead key waits for its letter (or stops waiting).

    The editor's keys are the ``TextArea``'s, less the F-keys the player uses, so the footer
    lists the player's keys in their order.
    """

    BINDINGS: ClassVar[list[BindingType]] = _editor_bindings()

    DEFAULT_CSS = """
    DocumentEditor {
        height: 1fr;
        border: round $primary;
    }
    """

    @dataclass
    class Edited(Message):
        """The document changed: ``removed`` taken out at ``pos``, then ``inserted``."""

        pos: int
        removed: str
        inserted: str
        key: str

    @dataclass
    class PasteRefused(Message):
        """A paste from outside the app was refused."""

        chars: int

    @dataclass
    class DeadKey(Message):
        """The dead key waiting for its letter (``""``: none any more)."""

        pending: str

    def __init__(self, text: str = "", *, dead_keys: str = "^¨", id: str | None = None) -> None:
        super().__init__(
            text,
            soft_wrap=True,
            tab_behavior="indent",
            show_line_numbers=False,
            id=id,
        )
        self.dead_keys = dead_keys
        self._mirror = self.text
        self._last_key = "edit"
        self._pending = ""

    def action_document_start(self, select: bool = False) -> None:
        """Ctrl+Début: the start of the document (extending the selection with Maj)."""
        self.move_cursor((0, 0), select=select)

    def action_document_end(self, select: bool = False) -> None:
        """Ctrl+Fin: the end of the document."""
        self.move_cursor(self.document.end, select=select)

    @property
    def pending(self) -> str:
        """A dead key waiting for its letter."""
        return self._pending

    def offset_of(self, location: tuple[int, int]) -> int:
        """Offset in the text of a ``(row, column)`` location."""
        row, column = location
        lines = self.document.lines
        return sum(len(line) + 1 for line in lines[:row]) + column

    def load_document(self, text: str) -> None:
        """Replace the whole document without reporting it (a resumed session's text)."""
        self.load_text(text)
        self._mirror = self.text
        self.move_cursor(self.document.end)

    # -- every change goes through here ------------------------------------------------------

    def edit(self, edit: Edit) -> EditResult:
        if not unicodedata.is_normalized("NFC", edit.text):
            edit = Edit(
                unicodedata.normalize("NFC", edit.text),
                edit.from_location,
                edit.to_location,
                edit.maintain_selection_offset,
            )
        start = min(edit.from_location, edit.to_location)
        pos = self.offset_of(start)
        result = super().edit(edit)
        removed = result.replaced_text
        self._report(pos, removed, edit.text)
        return result

    def undo(self) -> None:
        self._last_key = "undo"
        super().undo()
        self._resync()

    def redo(self) -> None:
        self._last_key = "redo"
        super().redo()
        self._resync()

    def _resync(self) -> None:
        text = self.text
        if text == self._mirror:
            return
        hint = self.offset_of(self.cursor_location)
        pos, removed, inserted = text_diff(self._mirror, text, hint)
        self._report(pos, removed, inserted)

    def _report(self, pos: int, removed: str, inserted: str) -> None:
        if not removed and not inserted:
            return
        mirror = self._mirror
        if mirror[pos : pos + len(removed)] != removed:  # never expected: resynchronise
            pos, removed, inserted = text_diff(mirror, self.text)
        self._mirror = mirror[:pos] + inserted + mirror[pos + len(removed) :]
        self.post_message(self.Edited(pos, removed, inserted, self._last_key))

    # -- keys --------------------------------------------------------------------------------

    async def _on_key(self, event: events.Key) -> None:
        self._last_key = event.key
        if self.read_only:
            return
        char = event.character if event.is_printable else None
        if self._pending:
            if event.key in ("backspace", "ctrl+h"):
                self._set_pending("")
                event.stop()
                event.prevent_default()
                return
            if not char:
                return  # navigation keys leave the accent waiting
            dead = self._pending
            # The copy test's rule (one module for both), as one replacement of the selection.
            outcome = after_dead_key(dead, char, self.dead_keys)
            event.stop()
            event.prevent_default()
            self._last_key = f"{dead}+{event.key}"
            self._set_pending(outcome.pending)
            self.replace(
                outcome.text + outcome.follow, *self.selection, maintain_selection_offset=False
            )
            return
        if char and char in self.dead_keys:
            event.stop()
            event.prevent_default()
            self._set_pending(char)

    def _set_pending(self, pending: str) -> None:
        if pending != self._pending:
            self._pending = pending
            self.post_message(self.DeadKey(pending))

    async def _on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()
        if not self.read_only:
            self.post_message(self.PasteRefused(len(event.text)))
