"""Trainer side of an exam: configuration (saved as named presets), identification of the
candidate, instructions."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Footer, Input, Label, Select, Static, Switch

from frappe.durations import format_duration, parse_exam_duration
from frappe.errors import FrappeError
from frappe.exercises.record import Candidate
from frappe.exercises.texts import Text, find_text, load_texts
from frappe.runs.typing import TypingSpec
from frappe.scoring.profiles import scoring_profiles
from frappe.storage.presets import (
    ExamPreset,
    list_presets,
    save_preset,
)
from frappe.tui.config import AppConfig
from frappe.tui.navigation import navigator
from frappe.tui.widgets.candidate_form import CandidateFields

__all__ = ["ExamSetupScreen", "IdentifyScreen", "InstructionsScreen", "spec_from_preset"]


def spec_from_preset(
    preset: ExamPreset, candidate: Candidate, texts_dir: Path | None = None
) -> TypingSpec:
    """The test a preset describes, for one candidate."""
    text = find_text(preset.text, texts_dir)
    return TypingSpec(
        candidate=candidate,
        text=text,
        duration_s=preset.duration_s,
        backspace_allowed=preset.backspace_allowed,
        profile=preset.scoring_profile(),
        live_feedback=preset.live_feedback,
        mode="exam",
    )


def _row(label: str, widget: Widget) -> Horizontal:
    return Horizontal(Label(label, classes="form-label"), widget, classes="form-row")


class ExamSetupScreen(Screen[None]):
    """Choose or edit an exam preset, then identify the candidate."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Retour", id="setup.back"),
        Binding("ctrl+s", "save_preset", "Enregistrer le préréglage", id="setup.save"),
    ]

    def __init__(self, config: AppConfig) -> None:
        super().__init__()
        self.config = config
        self.texts: list[Text] = []
        self.presets: list[ExamPreset] = []
        self.problems: list[str] = []

    def compose(self) -> ComposeResult:
        try:
            self.texts, problems = load_texts(self.config.texts_dir)
            self.problems += problems  # a bad text is left out, the others offered
        except FrappeError as error:
            self.problems.append(str(error))
        self.presets, problems = list_presets(self.config.storage.presets_dir)
        self.problems += problems
        text_options = [
            (f"{t.id} — {t.title} (niveau {t.level}, {t.characters} car.)", t.id)
            for t in self.texts
        ]
        profiles = scoring_profiles()
        yield Static("Test d'admission — configuration (formateur)", id="setup-title")
        with VerticalScroll(id="setup-form"):
            yield _row(
                "Préréglage",
                Select(
                    [(p.name, p.name) for p in self.presets],
                    prompt="Nouveau (aucun préréglage)",
                    id="preset",
                ),
            )
            yield _row(
                "Texte",
                Select(
                    text_options,
                    id="text",
                    allow_blank=not text_options,
                    value=text_options[0][1] if text_options else Select.BLANK,
                ),
            )
            yield _row(
                "Durée (1 à 30 min)", Input("10m", id="duration", placeholder="10m, 90s, 5m")
            )
            yield _row("Correction autorisée", Switch(True, id="backspace"))
            yield _row(
                "Profil de notation",
                Select(
                    [(name, name) for name in profiles],
                    value="frappe",
                    id="profile",
                    allow_blank=False,
                ),
            )
            yield _row("Vitesse minimale", Input("", id="min-speed", placeholder="profil"))
            yield _row("Erreurs max. (%)", Input("", id="max-errors", placeholder="profil"))
            yield _row("Erreurs visibles pendant le test", Switch(False, id="feedback"))
            yield _row(
                "Nom du préréglage", Input("", id="preset-name", placeholder="ex. Admission")
            )
            with Horizontal(id="setup-buttons"):
                yield Button("Retour", id="back")
                yield Button("Enregistrer le préréglage", id="save")
                yield Button("Continuer", id="continue", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        for problem in self.problems:
            self.notify(problem, title="Fichier ignoré", severity="warning")
        self.query_one("#text", Select).focus()

    @on(Select.Changed, "#preset")
    def _preset_chosen(self, event: Select.Changed) -> None:
        for preset in self.presets:
            if preset.name == event.value:
                self.fill(preset)

    def fill(self, preset: ExamPreset) -> None:
        """Show a preset's values in the form."""
        text_select = self.query_one("#text", Select)
        if any(t.id == preset.text for t in self.texts):
            text_select.value = preset.text
        self.query_one("#duration", Input).value = _duration_text(preset.duration_s)
        self.query_one("#backspace", Switch).value = preset.backspace_allowed
        self.query_one("#profile", Select).value = preset.profile
        self.query_one("#min-speed", Input).value = (
            "" if preset.min_speed is None else f"{preset.min_speed:g}"
        )
        self.query_one("#max-errors", Input).value = (
            "" if preset.max_error_rate is None else f"{100 * preset.max_error_rate:g}"
        )
        self.query_one("#feedback", Switch).value = preset.live_feedback
        self.query_one("#preset-name", Input).value = preset.name

    def read_form(self) -> ExamPreset:
        """The form as a validated preset; FrappeError names the faulty field."""
        text = self.query_one("#text", Select).value
        if not isinstance(text, str):
            raise FrappeError("choisissez un texte")
        duration = parse_exam_duration(self.query_one("#duration", Input).value)
        profile = self.query_one("#profile", Select).value
        preset = ExamPreset(
            name=self.query_one("#preset-name", Input).value.strip() or "Sans nom",
            text=text,
            duration_s=duration,
            backspace_allowed=self.query_one("#backspace", Switch).value,
            profile=profile if isinstance(profile, str) else "frappe",
            min_speed=_number(self.query_one("#min-speed", Input).value, "vitesse minimale"),
            max_error_rate=_percent(self.query_one("#max-errors", Input).value),
            live_feedback=self.query_one("#feedback", Switch).value,
        )
        preset.validate()
        return preset

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "back":
            self.action_back()
        elif event.button.id == "save":
            self.action_save_preset()
        elif event.button.id == "continue":
            self.action_continue()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_save_preset(self) -> None:
        try:
            preset = self.read_form()
            if not self.query_one("#preset-name", Input).value.strip():
                raise FrappeError("donnez un nom au préréglage")
            path = save_preset(preset, self.config.storage.presets_dir)
        except FrappeError as error:
            self.notify(str(error), title="Préréglage non enregistré", severity="error")
            return
        self.notify(f"Préréglage « {preset.name} » enregistré ({path})", title="Préréglage")

    def action_continue(self) -> None:
        try:
            preset = self.read_form()
        except FrappeError as error:
            self.notify(str(error), title="Configuration incomplète", severity="error")
            return
        self.app.push_screen(IdentifyScreen(preset, self.config))


def _duration_text(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    if secs == 0:
        return f"{minutes}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def _number(text: str, what: str) -> float | None:
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise FrappeError(f"{what} : nombre attendu, pas « {text} »") from None


def _percent(text: str) -> float | None:
    value = _number(text.rstrip("% "), "erreurs maximales")
    return None if value is None else value / 100.0


class IdentifyScreen(Screen[None]):
    """Name (required) and optional identifier of the candidate."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Retour", id="identify.back")
    ]

    def __init__(self, preset: ExamPreset, config: AppConfig) -> None:
        super().__init__()
        self.preset = preset
        self.config = config

    def compose(self) -> ComposeResult:
        yield Static("Identification du candidat", id="identify-title")
        with Vertical(id="identify-form"):
            yield CandidateFields(
                prefix="candidate", placeholder="Nom Prénom", id="identify-fields"
            )
            with Horizontal(id="identify-buttons"):
                yield Button("Retour", id="back")
                yield Button("Continuer", id="continue", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(CandidateFields).name_input.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_continue()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "back":
            self.action_back()
        else:
            self.action_continue()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_continue(self) -> None:
        candidate = self.query_one(CandidateFields).candidate()
        if candidate is None:
            return
        try:
            spec = spec_from_preset(self.preset, candidate, self.config.texts_dir)
        except FrappeError as error:
            self.notify(str(error), title="Texte introuvable", severity="error")
            return
        self.app.push_screen(InstructionsScreen(spec, self.config))


def instructions_text(spec: TypingSpec) -> str:
    """The rules, as shown to the candidate."""
    duration = format_duration(spec.duration_s) if spec.duration_s is not None else "sans limite"
    lines = [
        f"Candidat : {spec.candidate.name}",
        f"Texte : {spec.text.title} ({spec.text.characters} caractères)",
        f"Durée : {duration}",
        "",
        "• Recopiez le texte affiché en haut dans la zone du bas.",
        "• Le chronomètre démarre à votre première frappe ; il n'y a ni pause ni reprise.",
        "• Entrée pour aller à la ligne ou changer de paragraphe.",
        "• Les accents s'obtiennent comme d'habitude (^ puis e donne ê).",
        "• Le copier-coller est refusé et noté.",
    ]
    lines.append(
        "• La correction (retour arrière) est autorisée."
        if spec.backspace_allowed
        else "• La correction (retour arrière) est DÉSACTIVÉE : ce qui est tapé reste."
    )
    if not spec.live_feedback:
        lines.append("• Les erreurs ne sont pas signalées pendant le test.")
    lines += [
        "• Le test s'arrête à la fin du temps ou du texte ; Échap pour terminer plus tôt",
        "  (une confirmation vous sera demandée).",
    ]
    return "\n".join(lines)


class InstructionsScreen(Screen[None]):
    """The rules, then the start of the test (the clock waits for the first key)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Retour", id="instructions.back")
    ]

    def __init__(self, spec: TypingSpec, config: AppConfig) -> None:
        super().__init__()
        self.spec = spec
        self.config = config

    def compose(self) -> ComposeResult:
        yield Static("Consignes", id="instructions-title")
        with VerticalScroll(id="instructions"):
            yield Static(instructions_text(self.spec), id="instructions-text")
            with Horizontal(id="instructions-buttons"):
                yield Button("Retour", id="back")
                yield Button("Commencer le test", id="start", variant="success")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#start", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "start":
            self.start()
        else:
            self.action_back()

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
        else:
            self.app.exit()

    def start(self) -> None:
        """Open the session and its journal, and show the typing screen."""
        navigator(self).start_test(self.spec, replace=True)
