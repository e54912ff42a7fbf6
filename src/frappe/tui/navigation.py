"""How a screen asks for another screen: screens never import each other, the app
(``frappe.tui.app.FrappeApp``) is the only module that knows them all.

A screen either posts one of the messages below (the app opens the view when the message
reaches it), or calls a navigation method of its app through :func:`navigator` when it needs
the answer at once (did the test start? could the journal be resumed?).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from textual.message import Message

if TYPE_CHECKING:
    from textual.dom import DOMNode
    from textual.screen import Screen

    from frappe.exercises.dictations import Dictation
    from frappe.runs.dictation import DictationSpec, SavedTranscription
    from frappe.runs.typing import SavedResult, TypingSpec
    from frappe.storage.journal import JournalContents
    from frappe.tui.config import DictationOptions
    from frappe.tui.playback.host import PlayerHost

__all__ = ["Navigator", "OpenCandidateView", "OpenClassView", "OpenRosterImport", "navigator"]


class OpenClassView(Message):
    """Open the tableaux de suivi on a group's class view (None: the first group)."""

    def __init__(self, group: str | None = None) -> None:
        super().__init__()
        self.group = group


class OpenRosterImport(Message):
    """Open the roster import (a group's list of candidates from a CSV/XLSX file)."""

    def __init__(self, group: str | None = None) -> None:
        super().__init__()
        self.group = group


class OpenCandidateView(Message):
    """Open a candidate's progression: ``query`` is a name (or part) or an id."""

    def __init__(self, query: str, group: str | None = None) -> None:
        super().__init__()
        self.query = query
        self.group = group


@runtime_checkable
class Navigator(Protocol):
    """The navigation methods of frappe's app, as the screens see them."""

    @property
    def kiosk(self) -> bool:
        """An exam seat: leaving the results ends the program, no history is opened."""
        ...

    def go_home(self) -> None:
        """Back to the home screen (on an exam seat: the end of the program)."""

    def dictation_options(self) -> DictationOptions:
        """The app's dictation options, completed by the settings file as it is now."""
        ...

    def start_test(self, spec: TypingSpec, *, replace: bool = False) -> bool:
        """Open a typing test and show it; False (notified) when it cannot start."""
        ...

    def start_dictation(self, spec: DictationSpec, *, replace: bool = False) -> bool:
        """Open a dictation (or correction) and show it; False (notified) when it cannot."""
        ...

    def resume_journal(self, contents: JournalContents) -> bool:
        """Go on with an unfinished test or dictation; False (notified) when it cannot."""
        ...

    def show_results(
        self,
        saved: SavedResult | SavedTranscription,
        *,
        finished: Screen[Any] | None = None,
        player: PlayerHost | None = None,
    ) -> None:
        """Show a saved result: in place of the ``finished`` exercise's screen (a dictation
        hands over its player host for « écouter ce passage »), or on top of the current
        screen (from the history)."""

    def show_progress(self, candidate: str) -> None:
        """Show a trainee's progression (history of one name)."""

    def review_draft(self, dictation: Dictation) -> None:
        """Open the trainer's review of a dictation's speech-recognition draft."""


def navigator(node: DOMNode) -> Navigator:
    """The app of ``node``, as a :class:`Navigator` (frappe's screens run in frappe's app)."""
    app = node.app
    if not isinstance(app, Navigator):
        raise TypeError(f"{type(app).__name__} is not frappe's app: no navigation")
    return app
