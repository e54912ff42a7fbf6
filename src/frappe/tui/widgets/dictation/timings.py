"""Where a passage of the reference is in the recording, from ``timings.json``.

``timings.json`` (written beside an exercise by speech recognition) lists the recognised words
with their start and end times. Recognised words are not the reference words (dictated
punctuation, numbers said in words, recognition errors), so the two word lists are aligned
(Levenshtein on normalised words) and a reference span is mapped to the times of the recognised
words aligned with it, or of its nearest aligned neighbours.

Pure: no Textual, no audio. Without the file (or with an unreadable one) there are no passages,
and the results screen hides "play this passage".
"""

from __future__ import annotations

import json
import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from frappe.scoring.normalize import strip_punctuation

__all__ = ["TIMINGS_FILE", "PassageFinder", "WordTiming", "load_timings"]

TIMINGS_FILE = "timings.json"
_WORD = re.compile(r"\S+")
# Margin played before and after a passage, seconds.
_LEAD_S = 0.6
_TAIL_S = 0.4


@dataclass(frozen=True, slots=True)
class WordTiming:
    """One recognised word and when it is said."""

    text: str
    start_s: float
    end_s: float


def load_timings(folder: Path) -> tuple[WordTiming, ...] | None:
    """The word timings of an exercise folder; None when absent, unreadable or empty."""
    try:
        data = json.loads((folder / TIMINGS_FILE).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    raw = data.get("words") if isinstance(data, dict) else None
    if not isinstance(raw, list):
        return None
    words: list[WordTiming] = []
    for item in raw:
        if not isinstance(item, dict):
            return None
        start, end, text = item.get("start_s"), item.get("end_s"), item.get("text")
        if not isinstance(start, int | float) or not isinstance(end, int | float):
            return None
        words.append(WordTiming(str(text or ""), float(start), float(max(start, end))))
    return tuple(words) or None


def _token(word: str) -> str:
    plain = unicodedata.normalize("NFKD", strip_punctuation(word).lower())
    return "".join(ch for ch in plain if not unicodedata.combining(ch))


class PassageFinder:
    """Maps reference character spans to times in the recording."""

    def __init__(self, reference: str, timings: tuple[WordTiming, ...]) -> None:
        self._timings = timings
        self._starts: list[int] = []
        self._ends: list[int] = []
        tokens: list[str] = []
        for match in _WORD.finditer(reference):
            token = _token(match.group())
            if token:  # punctuation alone is not said (or said as a word, left unaligned)
                self._starts.append(match.start())
                self._ends.append(match.end())
                tokens.append(token)
        heard = [_token(w.text) for w in timings]
        # For each reference word, the index of the recognised word aligned with it, or -1.
        self._match = [-1] * len(tokens)
        for opcode in Levenshtein.opcodes(tokens, heard):
            if opcode.tag not in ("equal", "replace"):
                continue
            a0, a1 = opcode.src_start, opcode.src_end
            b0, b1 = opcode.dest_start, opcode.dest_end
            for offset in range(a1 - a0):
                self._match[a0 + offset] = b0 + min(offset * (b1 - b0) // (a1 - a0), b1 - b0 - 1)

    def passage(self, start: int, end: int) -> tuple[float, float] | None:
        """Start and end times (seconds, with a little margin) of the reference characters
        ``[start, end)``; an empty span (an insertion) gives the words around it."""
        if not self._starts or not self._timings:
            return None
        first = bisect_right(self._ends, start)  # first word ending after start
        last = bisect_left(self._starts, max(end, start + 1))  # words starting before end
        first = min(first, len(self._starts) - 1)
        last = max(last, first + 1)
        times = [self._match[i] for i in range(first, last) if self._match[i] >= 0]
        if times:
            begin = self._timings[min(times)].start_s
            finish = self._timings[max(times)].end_s
        else:
            before = [m for m in self._match[:first] if m >= 0]
            after = [m for m in self._match[last:] if m >= 0]
            if not before and not after:
                return None
            begin = self._timings[before[-1]].start_s if before else 0.0
            finish = self._timings[after[0]].end_s if after else self._timings[-1].end_s
        return max(0.0, begin - _LEAD_S), finish + _TAIL_S
