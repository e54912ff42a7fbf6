"""Where a copy test stands against its reference, for the live display: which typed
characters depart from the reference and where the next one is expected, followed edit by edit
(``Edit``: a change of the typed text, as the session reports it).

Pure and cheap per key: appending or erasing at the end of the text costs a few operations (the
typing screen redraws only what changed), other edits recompute everything.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from frappe.scoring.normalize import NormalizationProfile, normalize

__all__ = ["CopyProgress", "Edit"]

_WORD = re.compile(r"\S+")


@dataclass(frozen=True, slots=True)
class Edit:
    """One change of the typed text: ``removed`` taken out at ``pos``, then ``inserted``."""

    pos: int
    removed: str
    inserted: str


class CopyProgress:
    """Where a copy test stands against its reference, for the live display.

    Word-aligned, as typing tools do: typed word *k* is compared with reference word *k* after
    the profile's normalisation, so a missed letter only marks its own word. A character is
    wrong when the normalised typed word up to it is not a beginning of the reference word.
    Appending or erasing at the end costs a few operations; other edits recompute everything.
    """

    def __init__(self, reference: str, normalization: NormalizationProfile) -> None:
        self._normalization = normalization
        norm = normalize(reference, normalization)
        self._ref_words: list[str] = []
        self._ref_starts: list[int] = []
        self._ref_ends: list[int] = []
        for match in _WORD.finditer(norm.text):
            start, end = norm.to_original(match.start(), match.end())
            self._ref_words.append(match.group())
            self._ref_starts.append(start)
            self._ref_ends.append(end)
        self._reference_length = len(reference)
        self._typed: list[str] = []
        # Start offset (in the typed text) of each typed word.
        self._word_starts: list[int] = []
        self._wrong = bytearray()

    @property
    def reference_words(self) -> int:
        """Words in the reference."""
        return len(self._ref_words)

    @property
    def typed_words(self) -> int:
        """Words begun in the typed text."""
        return len(self._word_starts)

    def is_wrong(self, pos: int) -> bool:
        """Whether the typed character at ``pos`` departs from the reference word."""
        return 0 <= pos < len(self._wrong) and self._wrong[pos] == 1

    def expected_at(self, pos: int) -> str | None:
        """The (normalised) reference character expected where the typed character at ``pos``
        stands in its word; None for spaces and characters beyond the reference word."""
        if not 0 <= pos < len(self._typed) or self._typed[pos].isspace():
            return None
        index = bisect_right(self._word_starts, pos) - 1
        if not 0 <= index < len(self._ref_words):
            return None
        offset = pos - self._word_starts[index]
        word = self._ref_words[index]
        return word[offset] if offset < len(word) else None

    def wrong_spans(self, start: int, end: int) -> list[tuple[int, int, bool]]:
        """``[start, end)`` cut into runs of right and wrong characters, ``(from, to, wrong)``
        (a row of the live display: a few C-speed searches instead of a test per character;
        positions beyond the typed text are right)."""
        flags = self._wrong
        stop = min(end, len(flags))
        spans: list[tuple[int, int, bool]] = []
        pos = start
        while pos < stop:
            wrong = flags[pos] == 1
            found = flags.find(0 if wrong else 1, pos, stop)
            until = stop if found < 0 else found
            spans.append((pos, until, wrong))
            pos = until
        if pos < end:
            spans.append((pos, end, False))
        return spans

    def wrong_positions(self) -> list[int]:
        """All wrong typed positions (for tests and full redraws)."""
        return [i for i, flag in enumerate(self._wrong) if flag]

    def marker(self) -> int:
        """Offset in the original reference where the next character is expected."""
        if not self._ref_starts:
            return 0
        count = len(self._word_starts)
        ends_in_word = bool(self._typed) and not self._typed[-1].isspace()
        if not ends_in_word:
            if count >= len(self._ref_starts):
                return self._reference_length
            return self._ref_starts[count]
        index = count - 1
        if index >= len(self._ref_starts):
            return self._reference_length
        typed_length = len(self._typed) - self._word_starts[-1]
        return min(self._ref_starts[index] + typed_length, self._ref_ends[index])

    def completed(self) -> bool:
        """The last reference word has been typed to its full length."""
        if not self._ref_words or len(self._word_starts) != len(self._ref_words):
            return False
        last = "".join(self._typed[self._word_starts[-1] :]).rstrip()
        last_norm = normalize(last, self._normalization).text
        return len(last_norm) >= len(self._ref_words[-1])

    def apply(self, edit: Edit) -> None:
        """Follow one edit of the typed text."""
        at_end = edit.pos + len(edit.removed) == len(self._typed)
        if not at_end:
            self._typed[edit.pos : edit.pos + len(edit.removed)] = edit.inserted
            self._recompute()
            return
        for _ in edit.removed:
            self._pop()
        for char in edit.inserted:
            self._push(char)

    def _push(self, char: str) -> None:
        pos = len(self._typed)
        self._typed.append(char)
        if char.isspace():
            self._wrong.append(0)
            return
        if pos == 0 or self._typed[pos - 1].isspace():
            self._word_starts.append(pos)
        self._wrong.append(0 if self._prefix_ok() else 1)

    def _pop(self) -> None:
        pos = len(self._typed) - 1
        self._typed.pop()
        self._wrong.pop()
        if self._word_starts and self._word_starts[-1] == pos:
            self._word_starts.pop()

    def _prefix_ok(self) -> bool:
        index = len(self._word_starts) - 1
        if index >= len(self._ref_words):
            return False
        word = "".join(self._typed[self._word_starts[-1] :])
        return self._ref_words[index].startswith(normalize(word, self._normalization).text)

    def _recompute(self) -> None:
        typed = self._typed
        self._typed = []
        self._word_starts = []
        self._wrong = bytearray()
        for char in typed:
            self._push(char)
