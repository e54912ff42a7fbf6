"""A yes/no question in a modal dialog."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Button, Static

from frappe.exercises.session import Session

__all__ = ["ConfirmScreen", "confirm_early_end", "replace_finished_screen"]


class ConfirmScreen(ModalScreen[bool]):
    """Asks a question; dismisses with True (confirm) or False (cancel, the default)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Annuler", id="confirm.cancel"),
        Binding("o", "confirm", "Oui", id="confirm.yes", show=False),
        Binding("n", "cancel", "Non", id="confirm.no", show=False),
    ]

    def __init__(self, question: str, *, confirm: str = "Oui", cancel: str = "Non") -> None:
        super().__init__()
        self.question = question
        self.confirm_label = confirm
        self.cancel_label = cancel

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self.question, id="question", markup=False)
            with Horizontal(id="dialog-buttons"):
                yield Button(self.cancel_label, id="cancel", variant="primary")
                yield Button(self.confirm_label, id="confirm", variant="error")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


def confirm_early_end(
    screen: Screen[Any],
    session: Session,
    dialog: ConfirmScreen,
    *,
    finish: Callable[[], None],
    refocus: Widget,
) -> None:
    """Ask ``dialog`` before ending ``session`` early. Confirmed, the session stops; a session
    over by then (confirmed, or timed out while the dialog was open) goes to ``finish``;
    otherwise the exercise goes on, the focus back on ``refocus``."""

    def answered(answer: bool | None) -> None:
        if answer and not session.finished:
            session.stop()
        if session.finished:
            finish()
        else:
            refocus.focus()

    screen.app.push_screen(dialog, answered)


def replace_finished_screen(screen: Screen[Any], results: Screen[Any]) -> None:
    """Show ``results`` in place of the finished exercise ``screen``. A dialog left open on
    top of it when the time ran out (end early? quit?) has no object any more: it goes too,
    or ``switch_screen`` would replace the dialog and leave the exercise underneath."""
    app = screen.app
    while app.screen is not screen and len(app.screen_stack) > 1:
        app.pop_screen()
    app.switch_screen(results)
