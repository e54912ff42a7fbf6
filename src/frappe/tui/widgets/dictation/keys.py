"""The dictation hotkeys, in one table: the screen's bindings and the documentation come from it.

Defaults follow what transcriptionists know: oTranscribe's Esc (play/pause) and F1–F4 (back,
forward, slower, faster), with Express Scribe's habit of doing everything from the F-keys so the
hands never leave the keyboard. Every binding has an id, so a centre can remap it
(``App.set_keymap``). They are priority bindings: they work while the editor has the focus.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding

__all__ = ["HOTKEYS", "Hotkey", "hotkey_bindings", "hotkeys_markdown"]


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
    action: str
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


def hotkey_bindings() -> list[Binding]:
    """The screen's bindings (priority: they win over the editor's keys)."""
    return [
        Binding(h.keys, h.action, h.label, show=h.shown, priority=True, id=h.id) for h in HOTKEYS
    ]


def hotkeys_markdown() -> str:
    """The hotkeys as a Markdown table (README, ``frappe dictations --keys``)."""
    lines = ["| Touche | Action | Identifiant |", "|---|---|---|"]
    lines += [f"| {h.display} | {h.help} | `{h.id}` |" for h in HOTKEYS]
    return "\n".join(lines)
