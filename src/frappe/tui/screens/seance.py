"""A room's séance on a seat: the rules (the séance's), the candidate's identification, and
the start. Joining and starting are the app's business (``SeanceScreen.Start``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Static

from frappe.durations import format_duration
from frappe.exercises.record import Candidate

if TYPE_CHECKING:
    from frappe.storage.room.client import SeanceInfo

__all__ = ["SeanceScreen", "seance_rules"]


def describe_seance(seance: SeanceInfo) -> str:
    """The séance in one line (the room's adapter says how)."""
    from frappe.storage.room.seat_link import describe_seance as describe  # noqa: PLC0415

    return describe(seance)


def seance_rules(seance: SeanceInfo) -> str:
    """The séance's rules, as the candidate reads them."""
    settings = seance.config.get("settings", {}) if seance.config else {}
    lines = [
        f"Séance : {describe_seance(seance)}",
        f"Durée : {format_duration(seance.duration_s)}",
        "",
        "• Recopiez le texte affiché en haut dans la zone du bas.",
        "• Le chronomètre démarre à votre première frappe ; il n'y a ni pause ni reprise.",
        "• Le copier-coller est refusé et noté.",
        "• Votre frappe est enregistrée sur ce poste et envoyée en direct au formateur ;",
        "  une coupure du réseau n'interrompt pas le test.",
    ]
    if settings.get("backspace_allowed", True) is False:
        lines.append("• La correction (retour arrière) est DÉSACTIVÉE : ce qui est tapé reste.")
    else:
        lines.append("• La correction (retour arrière) est autorisée.")
    if not settings.get("live_feedback", False):
        lines.append("• Les erreurs ne sont pas signalées pendant le test.")
    lines.append("• Le test s'arrête à la fin du temps ou du texte ; Échap pour terminer plus tôt.")
    return "\n".join(lines)


class SeanceScreen(Screen[None]):
    """The séance's rules and the candidate's name; « Commencer » posts ``Start``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Retour", id="seance.back"),
    ]

    class Start(Message):
        """The candidate is identified: join the séance and start."""

        def __init__(self, seance: SeanceInfo, candidate: Candidate) -> None:
            super().__init__()
            self.seance = seance
            self.candidate = candidate

    class Leave(Message):
        """The candidate goes back without starting."""

    def __init__(self, seance: SeanceInfo, candidate: Candidate | None = None) -> None:
        super().__init__()
        self.seance = seance
        self.candidate = candidate
        self._starting = False

    def compose(self) -> ComposeResult:
        yield Static(
            f"Séance en cours — {describe_seance(self.seance)}", id="seance-title", markup=False
        )
        with VerticalScroll(id="seance-body"):
            yield Static(seance_rules(self.seance), id="seance-rules", markup=False)
            with Vertical(id="seance-form"):
                name = self.candidate.name if self.candidate else ""
                ident = (self.candidate.id or "") if self.candidate else ""
                yield Horizontal(
                    Label("Nom Prénom", classes="form-label"),
                    Input(name, id="seance-name", disabled=self.candidate is not None),
                    classes="form-row",
                )
                yield Horizontal(
                    Label("Identifiant (facultatif)", classes="form-label"),
                    Input(ident, id="seance-id", disabled=self.candidate is not None),
                    classes="form-row",
                )
            with Horizontal(id="seance-buttons"):
                yield Button("Retour", id="back")
                yield Button("Commencer le test", id="start", variant="success")
        yield Footer()

    def on_mount(self) -> None:
        if self.candidate is None:
            self.query_one("#seance-name", Input).focus()
        else:
            self.query_one("#start", Button).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "seance-name":
            self.query_one("#seance-id", Input).focus()
        else:
            self.start()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "start":
            self.start()
        else:
            self.action_back()

    def action_back(self) -> None:
        self.post_message(self.Leave())

    def start(self) -> None:
        """Check the name, then ask the app to join and start."""
        if self._starting:
            return
        name = " ".join(self.query_one("#seance-name", Input).value.split())
        if not name:
            self.notify("Saisissez le nom du candidat.", title="Identification", severity="error")
            self.query_one("#seance-name", Input).focus()
            return
        ident = self.query_one("#seance-id", Input).value.strip() or None
        self._starting = True
        self.query_one("#start", Button).disabled = True
        self.post_message(self.Start(self.seance, Candidate(name, ident)))

    def failed(self) -> None:
        """Joining failed (the app said why): the candidate may try again."""
        self._starting = False
        self.query_one("#start", Button).disabled = False
