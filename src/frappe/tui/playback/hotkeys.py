"""The dictation hotkeys, in one table: the screen's bindings and the documentation come from it.

Defaults follow what transcriptionists know: oTranscribe's Esc (play/pause) and F1–F4 (back,
forward, slower, faster), with Express Scribe's habit of doing everything from the F-keys so the
hands never leave the keyboard. Every binding has an id, so a centre can remap it
(``App.set_keymap``). They are priority bindings: they work while the editor has the focus.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from textual.binding import Binding

from frappe.exercises.playback import PlaybackCommand

__all__ = [
    "EDITOR_KEYS",
    "HOTKEYS",
    "Hotkey",
    "HotkeyAction",
    "hotkey_bindings",
    "hotkeys_markdown",
]

# What a dictation hotkey does: a player command, or finishing the exercise.
HotkeyAction = PlaybackCommand | Literal["finish"]


@dataclass(frozen=True, slots=True)
class Hotkey:
    """One player or exercise command.

    Attributes:
        keys: Textual key names, comma separated (``f5,f13``: F5 or Shift+F1).
        action: The screen action it runs.
        label: Short French label (footer).
        help: What it does, in French (documentation, help line).
        id: Binding id, for remapping.
        shown: Shown in the footer.
    """

    keys: str
    action: HotkeyAction
    label: str
    help: str
    id: str
    shown: bool = True

    @property
    def display(self) -> str:
        """Keys as written in the documentation: ``F5 / Maj+F1``."""
        names = []
        for key in self.keys.split(","):
            if key == "f13":
                names.append("Maj+F1")
            elif key == "f14":
                names.append("Maj+F2")
            else:
                parts = key.split("+")
                names.append(
                    "+".join(
                        {"ctrl": "Ctrl", "escape": "Échap", "up": "↑", "down": "↓"}.get(
                            part, part.upper()
                        )
                        for part in parts
                    )
                )
        return " / ".join(names)


HOTKEYS: tuple[Hotkey, ...] = (
    Hotkey(
        "escape",
        "play_pause",
        "Lecture/pause",
        "lecture / pause (reprise 2 s avant)",
        "dictation.play_pause",
    ),
    Hotkey("f1", "back", "−2 s", "reculer (pas court, 2 s)", "dictation.back"),
    Hotkey("f2", "forward", "+2 s", "avancer (pas court, 2 s)", "dictation.forward"),
    Hotkey("f3", "slower", "Ralentir", "ralentir (jusqu'à ×0,5)", "dictation.slower"),
    Hotkey("f4", "faster", "Accélérer", "accélérer (jusqu'à ×1,5)", "dictation.faster"),
    Hotkey("f5,f13", "back_long", "−10 s", "reculer (pas long, 10 s)", "dictation.back_long"),
    Hotkey("f6,f14", "forward_long", "+10 s", "avancer (pas long, 10 s)", "dictation.forward_long"),
    Hotkey(
        "f7",
        "back_slower",
        "Reculer+ralentir",
        "reculer et ralentir en un seul geste",
        "dictation.back_slower",
    ),
    Hotkey(
        "f8",
        "loop",
        "Boucle",
        "répéter en boucle les 5 dernières secondes (ou arrêter)",
        "dictation.loop",
    ),
    Hotkey("f9", "go_to_start", "Début", "revenir au début de l'enregistrement", "dictation.start"),
    Hotkey("f11,ctrl+down", "volume_down", "Vol−", "baisser le volume", "dictation.volume_down"),
    Hotkey("f12,ctrl+up", "volume_up", "Vol+", "monter le volume", "dictation.volume_up"),
    Hotkey(
        "ctrl+t", "finish", "Terminer", "terminer et rendre la transcription", "dictation.finish"
    ),
)


# The editor's word-processor keys (``DocumentEditor``), for the documentation: none of them is
# a player key above (tests check it), so a transcriptionist's habits never pause the recording.
EDITOR_KEYS: tuple[tuple[str, str], ...] = (
    ("Ctrl+Début / Ctrl+Fin", "début / fin du document"),
    ("Début / Fin", "début / fin de la ligne"),
    ("Ctrl+← / Ctrl+→", "mot précédent / suivant"),
    ("Maj+flèches, Maj+Début/Fin", "sélectionner"),
    ("Ctrl+Maj+← / →, Ctrl+Maj+Début/Fin", "sélectionner par mot / jusqu'au début ou à la fin"),
    ("Ctrl+A", "tout sélectionner"),
    ("Ctrl+Z / Ctrl+Y", "annuler / rétablir"),
    ("Ctrl+X / Ctrl+C / Ctrl+V", "couper / copier / coller (dans le document seulement)"),
    ("Ctrl+W / Ctrl+Retour arrière", "effacer le mot précédent"),
)
# Textual names of the editor keys above (checked against the player's by the tests).
EDITOR_KEY_NAMES: tuple[str, ...] = (
    "ctrl+home",
    "ctrl+end",
    "ctrl+shift+home",
    "ctrl+shift+end",
    "home",
    "end",
    "ctrl+left",
    "ctrl+right",
    "ctrl+shift+left",
    "ctrl+shift+right",
    "shift+left",
    "shift+right",
    "shift+up",
    "shift+down",
    "shift+home",
    "shift+end",
    "ctrl+a",
    "ctrl+z",
    "ctrl+y",
    "ctrl+x",
    "ctrl+c",
    "ctrl+v",
    "ctrl+w",
)


def hotkey_bindings() -> list[Binding]:
    """The screen's bindings (priority: they win over the editor's keys)."""
    return [
        Binding(h.keys, h.action, h.label, show=h.shown, priority=True, id=h.id) for h in HOTKEYS
    ]


def hotkeys_markdown() -> str:
    """The hotkeys, then the editor's keys, as Markdown tables (README, ``frappe dictations
    --keys``)."""
    lines = ["| Touche | Action | Identifiant |", "|---|---|---|"]
    lines += [f"| {h.display} | {h.help} | `{h.id}` |" for h in HOTKEYS]
    lines += ["", "| Touche (éditeur) | Action |", "|---|---|"]
    lines += [f"| {keys} | {what} |" for keys, what in EDITOR_KEYS]
    return "\n".join(lines)
