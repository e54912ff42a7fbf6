"""AZERTY dead keys (``^`` then ``e`` → ``ê``) for a terminal that sends the accent and the
letter separately: the one rule the copy test's session and the transcription editor both
follow, so a key sequence gives the same text in either.

Pure: the caller keeps the accent waiting (``pending``) and asks, for the next character, what
the pair makes (:func:`after_dead_key`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import NamedTuple

__all__ = ["DEAD_KEYS", "DeadKeyOutcome", "after_dead_key", "compose_dead_key"]

# Spacing accents of AZERTY dead keys and the combining mark each one adds.
DEAD_KEYS: Mapping[str, str] = {
    "^": "\u0302",  # circumflex: ê, â, î, ô, û
    "¨": "\u0308",  # diaeresis: ë, ï, ü, ÿ
    "`": "\u0300",  # grave (AltGr+7 on Linux AZERTY)
    "´": "\u0301",  # acute
    "~": "\u0303",  # tilde (AltGr+2 on Linux AZERTY): ñ, õ
}


def compose_dead_key(dead: str, char: str) -> str | None:
    """The single character a dead key and a letter make (``^`` + ``e`` → ``ê``), or None."""
    mark = DEAD_KEYS.get(dead)
    if mark is None or len(char) != 1 or not char.isalpha():
        return None
    composed = unicodedata.normalize("NFC", char + mark)
    return composed if len(composed) == 1 else None


class DeadKeyOutcome(NamedTuple):
    """What a waiting dead key and the next character make.

    Attributes:
        text: The accent's own contribution: the composed letter (``ê``), or the accent
            itself (after a space, the same accent, a letter it does not go on, another
            accent).
        follow: The next character, still to type as itself (``""`` when the pair took it).
        pending: A dead key now waiting in its turn (the next character was another one), or
            ``""``.
    """

    text: str
    follow: str
    pending: str

    @property
    def paired(self) -> bool:
        """The next character went into the accent's text (composed, or space/same accent
        giving the accent alone): one key, ``^+e``, made it."""
        return not self.follow and not self.pending


def after_dead_key(dead: str, char: str, dead_keys: str) -> DeadKeyOutcome:
    """What the dead key ``dead``, waiting, makes with the next character ``char`` (one
    character) when ``dead_keys`` are the accents treated as dead keys."""
    composed = compose_dead_key(dead, char)
    if composed is not None:
        return DeadKeyOutcome(composed, "", "")
    if char in (" ", dead):
        return DeadKeyOutcome(dead, "", "")
    if char in dead_keys:
        return DeadKeyOutcome(dead, "", char)
    return DeadKeyOutcome(dead, char, "")
