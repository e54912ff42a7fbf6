"""The candidate's identification fields, shared by the exam set-up (one PC) and the room's
séance screen: a required « Nom Prénom » and an optional identifier."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label

from frappe.exercises.record import Candidate

__all__ = ["CandidateFields"]


class CandidateFields(Vertical):
    """Name and identifier inputs. Entrée on the name goes to the identifier; Entrée on the
    identifier bubbles up as ``Input.Submitted`` for the screen to go on.

    Args:
        candidate: Shown in the fields (a séance rejoined after a restart), or empty.
        prefix: Ids of the inputs: ``<prefix>-name`` and ``<prefix>-id``.
        placeholder: The name's placeholder (none when empty).
    """

    def __init__(
        self,
        candidate: Candidate | None = None,
        *,
        prefix: str,
        placeholder: str = "",
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._candidate = candidate
        self._prefix = prefix
        self._placeholder = placeholder

    def compose(self) -> ComposeResult:
        name = self._candidate.name if self._candidate else ""
        ident = (self._candidate.id or "") if self._candidate else ""
        yield Horizontal(
            Label("Nom Prénom", classes="form-label"),
            Input(name, id=f"{self._prefix}-name", placeholder=self._placeholder),
            classes="form-row",
        )
        yield Horizontal(
            Label("Identifiant (facultatif)", classes="form-label"),
            Input(ident, id=f"{self._prefix}-id"),
            classes="form-row",
        )

    @property
    def name_input(self) -> Input:
        return self.query_one(f"#{self._prefix}-name", Input)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input is self.name_input:
            event.stop()
            self.query_one(f"#{self._prefix}-id", Input).focus()

    def candidate(self) -> Candidate | None:
        """The candidate typed (spaces folded); None, with a notice and the focus on the name,
        when the name is empty."""
        name = " ".join(self.name_input.value.split())
        if not name:
            self.notify("Saisissez le nom du candidat.", title="Identification", severity="error")
            self.name_input.focus()
            return None
        ident = self.query_one(f"#{self._prefix}-id", Input).value.strip() or None
        return Candidate(name, ident)
