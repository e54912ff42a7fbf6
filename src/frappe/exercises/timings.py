"""Where a passage of the reference is in the recording, from ``timings.json``.

``timings.json`` (written beside an exercise by speech recognition) lists the recognised words
with their start and end times. Recognised words are not the reference words (dictated
punctuation, numbers said in words, recognition errors), so the two word lists are aligned
(edit distance on normalised words, a substitution costing the words' dissimilarity) and a
reference span is mapped to the time between the recognised words of its neighbours.

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

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from frappe.scoring.normalize import strip_accents, strip_punctuation

__all__ = ["TIMINGS_FILE", "PassageFinder", "WordTiming", "load_timings"]

TIMINGS_FILE = "timings.json"
_WORD = re.compile(r"\S+")
# Margin played before and after a passage, seconds.
_LEAD_S = 0.6
_TAIL_S = 0.4
# Cost of a word said but not in the reference, or written but not heard (a substitution costs
# the two words' dissimilarity, 0–1).
_GAP = 0.7
# Identical words in a row that anchor the alignment (see _align).
_ANCHOR_RUN = 3


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
    # NFKC first: with strip_accents' canonical decomposition, the same as NFKD.
    return strip_accents(unicodedata.normalize("NFKC", strip_punctuation(word).lower()))


def _align(tokens: list[str], heard: list[str]) -> list[int]:
    """For each reference token, the recognised token aligned with it, or -1.

    Identical words anchor the alignment (rapidfuzz's C++ edit distance on the word lists);
    only the stretches between anchors go through :func:`_align_by_similarity`, so a
    30-minute dictation aligns in milliseconds instead of seconds (the similarity alignment
    is quadratic in pure Python).
    """
    match = [-1] * len(tokens)
    # Anchors: runs of identical words long enough not to be a chance « de la » match.
    anchors: list[tuple[int, int, int]] = [
        (op.src_start, op.src_end, op.dest_start)
        for op in Levenshtein.opcodes(tokens, heard)
        if op.tag == "equal" and op.src_end - op.src_start >= _ANCHOR_RUN
    ]
    i_done = j_done = 0
    for i1, i2, j1 in [*anchors, (len(tokens), len(tokens), len(heard))]:
        if i1 > i_done and j1 > j_done:
            gap = _align_by_similarity(tokens[i_done:i1], heard[j_done:j1])
            for offset, found in enumerate(gap):
                if found >= 0:
                    match[i_done + offset] = j_done + found
        match[i1:i2] = range(j1, j1 + i2 - i1)
        i_done, j_done = i2, j1 + i2 - i1
    return match


def _align_by_similarity(tokens: list[str], heard: list[str]) -> list[int]:
    """For each reference token, the recognised token aligned with it, or -1.

    A word alignment whose substitution cost is the words' dissimilarity: « marchal » goes
    with « marchand » rather than with the « virgule » said after it.
    """
    n, m = len(tokens), len(heard)
    if not n or not m:
        return [-1] * n
    similarity = process.cdist(tokens, heard, scorer=fuzz.ratio)
    width = m + 1
    # 0: diagonal (aligned), 1: reference word not heard, 2: recognised word not in the reference
    moves = bytearray((n + 1) * width)
    previous = [j * _GAP for j in range(width)]
    for j in range(1, width):
        moves[j] = 2
    for i in range(1, n + 1):
        row = similarity[i - 1]
        current = [i * _GAP] + [0.0] * m
        moves[i * width] = 1
        for j in range(1, width):
            best = previous[j - 1] + 1.0 - float(row[j - 1]) / 100.0
            move = 0
            if previous[j] + _GAP < best:
                best, move = previous[j] + _GAP, 1
            if current[j - 1] + _GAP < best:
                best, move = current[j - 1] + _GAP, 2
            current[j] = best
            moves[i * width + j] = move
        previous = current
    match = [-1] * n
    i, j = n, m
    while i > 0 and j > 0:
        move = moves[i * width + j]
        if move == 0:
            match[i - 1] = j - 1
            i, j = i - 1, j - 1
        elif move == 1:
            i -= 1
        else:
            j -= 1
    return match


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
        self._match = _align(tokens, heard)

    def text_span(self, heard: int) -> tuple[int, int] | None:
        """Characters ``[start, end)`` of the reference word aligned with recognised word
        number ``heard``; a word left unaligned (dictated punctuation, an extra word) gives the
        closest aligned word before it. None when nothing before it is aligned."""
        best = -1
        for index, match in enumerate(self._match):
            if 0 <= match <= heard and (best < 0 or match >= self._match[best]):
                best = index
        if best < 0:
            return None
        return self._starts[best], self._ends[best]

    def passage(self, start: int, end: int) -> tuple[float, float] | None:
        """Start and end times (seconds, with a little margin) of the reference characters
        ``[start, end)``: everything said between the reference words around them (dictated
        punctuation and a date said in words included). An empty span (an insertion) gives
        the words around it."""
        if not self._starts or not self._timings:
            return None
        first = bisect_right(self._ends, start)  # first word ending after start
        last = bisect_left(self._starts, max(end, start + 1))  # words starting before end
        first = min(first, len(self._starts) - 1)
        last = max(last, first + 1)
        before = [m for m in self._match[:first] if m >= 0]
        after = [m for m in self._match[last:] if m >= 0]
        low = before[-1] + 1 if before else 0
        high = after[0] - 1 if after else len(self._timings) - 1
        if low > high:  # nothing said in between: the neighbours themselves
            low, high = max(0, low - 1), min(len(self._timings) - 1, high + 1)
        begin = self._timings[low].start_s
        finish = self._timings[high].end_s
        return max(0.0, begin - _LEAD_S), finish + _TAIL_S
