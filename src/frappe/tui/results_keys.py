"""The keys of a results screen (a test's or a dictation's): ignored for a moment after the
bell, Escape back home (or the end of the program on an exam seat)."""

from __future__ import annotations

from collections.abc import Callable

from textual.screen import Screen

from frappe.tui.navigation import navigator

__all__ = [
    "KEYS_AFTER_BELL_S",
    "AfterBell",
    "is_kiosk",
    "leave_results",
    "notify_history_error",
]

# A candidate still typing when the time runs out must not export, open a screen or leave
# with the keys that follow the bell: a results screen ignores its keys this long.
KEYS_AFTER_BELL_S = 1.5


class AfterBell:
    """When a results screen starts answering its keys: ``KEYS_AFTER_BELL_S`` after it was
    built (on the app's clock) when it follows the end of a test, at once when it is opened
    from the history."""

    def __init__(self, clock: Callable[[], float], *, just_finished: bool) -> None:
        self._clock = clock
        self._ready_at = clock() + (KEYS_AFTER_BELL_S if just_finished else 0.0)

    def ready(self) -> bool:
        """The keys have an effect again."""
        return self._clock() >= self._ready_at

    def check(self, screen: Screen[None], action: str) -> bool | None:
        """``check_action`` for a results screen: its actions shown but disabled until ready
        (None); Escape reads « Terminer » on an exam seat, « Accueil » elsewhere."""
        if action in ("home", "leave") and (action == "leave") != is_kiosk(screen):
            return False
        return True if self.ready() else None


def is_kiosk(screen: Screen[None]) -> bool:
    """The screen belongs to an exam seat (leaving the results ends the program)."""
    return navigator(screen).kiosk


def notify_history_error(screen: Screen[None], error: str | None) -> None:
    """The result is saved but the history was not updated (``error``): say so, for long."""
    if error:
        screen.notify(error, title="Historique non mis à jour", severity="error", timeout=20)


def leave_results(screen: Screen[None]) -> None:
    """Esc on a results screen: back to frappe's home screen, or the end of the program on an
    exam seat."""
    navigator(screen).go_home()
