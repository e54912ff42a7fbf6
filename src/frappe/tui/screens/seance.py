"""A room's séance on a seat: the candidate identifies, the seat joins the séance, then the
candidate reads the séance's own rules (its duration, whether erasing is allowed…, as stored on
the server) and starts. Joining and starting are the app's business: the screen posts
``SeanceScreen.Start`` (identified: join) and ``SeanceScreen.Go`` (rules read: type)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Static

from frappe.durations import format_duration
from frappe.exercises.record import Candidate
from frappe.exercises.session import SessionConfig
from frappe.tui.widgets.candidate_form import CandidateFields

if TYPE_CHECKING:
    from frappe.runs.dictation import RunningDictation
    from frappe.runs.typing import RunningTest
    from frappe.storage.room.client import SeanceInfo

__all__ = ["SeanceScreen", "seance_rules"]


def describe_seance(seance: SeanceInfo) -> str:
    """The séance in one line (the room's adapter says how)."""
    from frappe.storage.room.seat_link import describe_seance as describe  # noqa: PLC0415

    return describe(seance)


def seance_rules(seance: SeanceInfo, config: SessionConfig) -> str:
    """The séance's rules as the candidate reads them (``config``: the session the séance
    gave this seat when it joined)."""
    settings = config.settings
    limit = settings.time_limit_s
    if config.kind != "typing":
        return _dictation_rules(seance, config)
    lines = [
        f"Candidat : {config.candidate.name}",
        f"Séance : {describe_seance(seance)}",
        f"Texte : {config.exercise_title or config.exercise_id} "
        f"({len(config.reference)} caractères)",
        f"Durée : {format_duration(limit) if limit is not None else 'sans limite'}",
        "",
        "• Recopiez le texte affiché en haut dans la zone du bas.",
        "• Le chronomètre démarre à votre première frappe ; il n'y a ni pause ni reprise.",
        "• Le copier-coller est refusé et noté.",
        "• Votre frappe est enregistrée sur ce poste et envoyée en direct au formateur ;",
        "  une coupure du réseau n'interrompt pas le test.",
        "• La correction (retour arrière) est autorisée."
        if settings.backspace_allowed
        else "• La correction (retour arrière) est DÉSACTIVÉE : ce qui est tapé reste.",
    ]
    if not settings.live_feedback:
        lines.append("• Les erreurs ne sont pas signalées pendant le test.")
    lines.append("• Le test s'arrête à la fin du temps ou du texte ; Échap pour terminer plus tôt.")
    return "\n".join(lines)


def _dictation_rules(seance: SeanceInfo, config: SessionConfig) -> str:
    limit = config.settings.time_limit_s
    correction = config.kind == "correction"
    words = len(config.reference.split())
    lines = [
        f"Candidat : {config.candidate.name}",
        f"Séance : {describe_seance(seance)}",
        f"Dictée : {config.exercise_title or config.exercise_id} (environ {words} mots)",
        f"Durée : {format_duration(limit) if limit is not None else 'sans limite'}",
        "",
        "• Corrigez au clavier le brouillon de reconnaissance vocale affiché, en écoutant "
        "l'enregistrement au casque."
        if correction
        else "• Écoutez l'enregistrement au casque et tapez le document dans la zone de saisie.",
        "• Échap : lecture/pause · F1/F2 : reculer/avancer · F3/F4 : ralentir/accélérer "
        "(ou la pédale du poste).",
        "• Le chronomètre démarre à votre première touche ou à la première écoute ; il n'y a "
        "ni pause ni reprise (le temps passé sans son, casque débranché, est rendu).",
        "• Le copier-coller est refusé et noté.",
        "• Votre saisie est enregistrée sur ce poste et envoyée en direct au formateur ;",
        "  une coupure du réseau n'interrompt pas la dictée.",
        "• La dictée s'arrête à la fin du temps ; Ctrl+T pour la rendre plus tôt.",
    ]
    return "\n".join(lines)


class SeanceScreen(Screen[None]):
    """Identification, then the séance's rules; see the module docstring."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Retour", id="seance.back"),
    ]

    class Start(Message):
        """The candidate is identified: join the séance."""

        def __init__(self, seance: SeanceInfo, candidate: Candidate) -> None:
            super().__init__()
            self.seance = seance
            self.candidate = candidate

    class Go(Message):
        """The rules are read: the test begins."""

        def __init__(self, running: RunningTest | RunningDictation) -> None:
            super().__init__()
            self.running = running

    class Leave(Message):
        """The candidate goes back without joining."""

    def __init__(
        self,
        seance: SeanceInfo,
        candidate: Candidate | None = None,
        running: RunningTest | RunningDictation | None = None,
    ) -> None:
        super().__init__()
        self.seance = seance
        self.candidate = candidate
        self.running = running
        self._busy = False

    def compose(self) -> ComposeResult:
        yield Static(
            f"Séance en cours — {describe_seance(self.seance)}", id="seance-title", markup=False
        )
        with VerticalScroll(id="seance-body"):
            yield Static(
                "Identifiez-vous : les consignes de la séance s'affichent ensuite.",
                id="seance-rules",
                markup=False,
            )
            yield CandidateFields(self.candidate, prefix="seance", id="seance-form")
            with Horizontal(id="seance-buttons"):
                yield Button("Retour", id="back")
                yield Button("Continuer", id="start", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        if self.running is not None:
            self.joined(self.running)
        else:
            self.query_one(CandidateFields).name_input.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.start()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "start":
            self.start()
        else:
            self.action_back()

    def action_back(self) -> None:
        if self.running is None:  # once joined, the attempt exists: only forward
            self.post_message(self.Leave())

    def start(self) -> None:
        """Identified: ask the app to join; joined: ask it to begin the test."""
        if self._busy:
            return
        if self.running is not None:
            self._busy = True
            self.post_message(self.Go(self.running))
            return
        candidate = self.query_one(CandidateFields).candidate()
        if candidate is None:
            return
        self._busy = True
        self.query_one("#start", Button).disabled = True
        self.post_message(self.Start(self.seance, candidate))

    def joined(self, running: RunningTest | RunningDictation) -> None:
        """The seat joined: the séance's rules, and « Commencer le test »."""
        self.running = running
        self._busy = False
        self.query_one("#seance-rules", Static).update(
            seance_rules(self.seance, running.session.config)
        )
        self.query_one("#seance-form").display = False
        self.query_one("#back", Button).display = False
        button = self.query_one("#start", Button)
        kind = running.session.config.kind
        button.label = "Commencer le test" if kind == "typing" else "Commencer la dictée"
        button.variant = "success"
        button.disabled = False
        button.focus()

    def failed(self) -> None:
        """Joining failed (the app said why): the candidate may try again."""
        self._busy = False
        self.query_one("#start", Button).disabled = False
