"""What an exam seat shows under the test (``frappe typing``, ``frappe dictation`` in
evaluation mode) instead of the home menu: nothing to open, only a way out."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Static

__all__ = ["SeatScreen"]


class SeatScreen(Screen[None]):
    """The bottom screen of an exam seat; the exercise and its results are pushed over it."""

    def compose(self) -> ComposeResult:
        with Vertical(id="home"):
            yield Static("frappe — poste d'examen", id="home-title")
            yield Static("Ctrl+Q pour quitter.", id="home-subtitle")
