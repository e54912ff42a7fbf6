"""What the dialogs asking for a folder share: a list of suggested folders, a path typed or
picked from it, a one-line error, « Annuler » or Échap to give up."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, TypeVar

from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static

__all__ = ["FolderChoiceScreen"]

ResultT = TypeVar("ResultT")


class FolderChoiceScreen(ModalScreen[ResultT]):
    """A folder dialog: its widgets are ``#<prefix>-folders`` (an ``OptionList`` of
    ``suggestions``, option ids their indexes), ``#<prefix>-path`` (an ``Input``),
    ``#<prefix>-error`` (a ``Static``) and the buttons ``#confirm`` and ``#cancel``.
    Highlighting a suggestion fills the path; choosing one, Entrée or « confirm » call
    :meth:`choose`."""

    prefix: ClassVar[str] = ""

    def __init__(self, suggestions: list[Path]) -> None:
        super().__init__()
        self.suggestions = suggestions

    def choose(self) -> None:
        """The trainer chose: go on with :meth:`chosen_folder`."""
        raise NotImplementedError

    def chosen_folder(self) -> Path | None:
        """The folder typed, or None with the reason on the error line (empty, not a folder)."""
        raw = self.query_one(f"#{self.prefix}-path", Input).value.strip()
        error = self.query_one(f"#{self.prefix}-error", Static)
        if not raw:
            error.update("Indiquez un dossier.")
            return None
        folder = Path(raw).expanduser()
        if folder.exists() and not folder.is_dir():
            error.update(f"{folder} n'est pas un dossier.")
            return None
        return folder

    def _show_suggestion(self, option_id: str | None) -> None:
        self.query_one(f"#{self.prefix}-path", Input).value = str(
            self.suggestions[int(option_id or 0)]
        )

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._show_suggestion(event.option.id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._show_suggestion(event.option.id)
        self.choose()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.choose()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "confirm":
            self.choose()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
