"""Messages a screen posts to ask the app for another screen (screens never import each
other: the app decides what opens)."""

from __future__ import annotations

from textual.message import Message

__all__ = ["OpenCandidateView", "OpenClassView"]


class OpenClassView(Message):
    """Open the tableaux de suivi on a group's class view (None: the first group)."""

    def __init__(self, group: str | None = None) -> None:
        super().__init__()
        self.group = group


class OpenCandidateView(Message):
    """Open a candidate's progression: ``query`` is a name (or part) or an id."""

    def __init__(self, query: str, group: str | None = None) -> None:
        super().__init__()
        self.query = query
        self.group = group
