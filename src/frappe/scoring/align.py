"""Word and character alignment on rapidfuzz's C++ Levenshtein kernels.

Words are runs of non-space characters (as jiwer splits them), so punctuation glued to a word
belongs to it, and French spaced punctuation (``:``, ``;``, ``?``, ``!``, « ») forms its own
token. Token spans are offsets in the *normalised* text; ``NormalizedText.to_original`` maps
them back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from rapidfuzz.distance import Levenshtein

__all__ = [
    "AlignmentChunk",
    "ChunkTag",
    "Tokens",
    "align_chars",
    "align_tokens",
    "banded_hint",
    "reached_reference_words",
    "tokenize",
]

ChunkTag = Literal["equal", "replace", "delete", "insert"]


@dataclass(frozen=True, slots=True)
class Tokens:
    """The words of a text with their ``[start, end)`` offsets.

    Attributes:
        words: The words, in order.
        starts: Offset of each word's first character.
        ends: Offset just past each word's last character.
    """

    words: list[str]
    starts: list[int]
    ends: list[int]

    def __len__(self) -> int:
        return len(self.words)


# Beyond this length the word offsets come from a few numpy passes over the code points
# instead of a str.find per word (5× faster on a 1 MB text; slower on a short one).
_VECTOR_MIN_CHARS = 800
# Every code point str.split() splits on (the last one is U+3000).
_SPACE_TABLE = np.array([chr(code).isspace() for code in range(0x3001)], np.bool_)


def tokenize(text: str) -> Tokens:
    """Split on whitespace, keeping each word's offsets."""
    words = text.split()
    if len(text) >= _VECTOR_MIN_CHARS:
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)
        space = np.zeros(len(codes) + 2, np.bool_)
        space[0] = space[-1] = True
        low = codes < len(_SPACE_TABLE)
        space[1:-1][low] = _SPACE_TABLE[codes[low]]
        edges = np.flatnonzero(space[1:] != space[:-1])
        return Tokens(words, edges[0::2].tolist(), edges[1::2].tolist())
    # str.split + str.find is about twice as fast as a regex scan on short texts.
    starts: list[int] = []
    ends: list[int] = []
    find = text.find
    position = 0
    for word in words:
        start = find(word, position)
        position = start + len(word)
        starts.append(start)
        ends.append(position)
    return Tokens(words, starts, ends)


@dataclass(frozen=True, slots=True)
class AlignmentChunk:
    """One block of an alignment, as jiwer names them.

    Attributes:
        tag: ``equal``, ``replace`` (same length on both sides), ``delete`` (in the reference
            only) or ``insert`` (in the hypothesis only).
        ref_start: First reference index of the block.
        ref_end: One past the last reference index.
        hyp_start: First hypothesis index.
        hyp_end: One past the last hypothesis index.
    """

    tag: ChunkTag
    ref_start: int
    ref_end: int
    hyp_start: int
    hyp_end: int


# Up to this many matrix cells the plain bit-parallel kernel (O(N·M/64)) is the fastest. Beyond,
# rapidfuzz bands the matrix around the diagonal and doubles the band until the distance is
# proven (Ukkonen), then aligns inside a band of that width: the same optimal cost, in
# O((N + M) · d / 64) for d differences instead of O(N · M / 64).
_BANDED_CELLS = 4_000_000


def banded_hint(len1: int, len2: int) -> int | None:
    """The ``score_hint`` that turns on rapidfuzz's doubling band for a large pair (None for
    a small one): the first band is the length difference, which any alignment must cover."""
    if len1 * len2 <= _BANDED_CELLS:
        return None
    return max(64, abs(len1 - len2))


def _chunks(ref: Sequence[str] | str, hyp: Sequence[str] | str) -> list[AlignmentChunk]:
    hint = banded_hint(len(ref), len(hyp))
    return [
        AlignmentChunk(op.tag, op.src_start, op.src_end, op.dest_start, op.dest_end)  # type: ignore[arg-type]
        for op in Levenshtein.opcodes(ref, hyp, score_hint=hint)
    ]


def align_tokens(ref: Sequence[str], hyp: Sequence[str]) -> list[AlignmentChunk]:
    """Minimum-edit alignment of two word sequences (unit costs, as jiwer)."""
    if not ref and not hyp:
        return []
    return _chunks(ref, hyp)


def align_chars(ref: str, hyp: str) -> list[AlignmentChunk]:
    """Minimum-edit alignment of two strings, character by character."""
    if not ref and not hyp:
        return []
    return _chunks(ref, hyp)


def reached_reference_words(ref: Sequence[str], hyp: Sequence[str]) -> int:
    """How many reference words a candidate stopped by the clock had reached.

    Only a window of the reference somewhat longer than what was typed is aligned (a skipped line
    fits in the margin); reference words after the last one matched or replaced are the
    unreached tail, not omissions.
    """
    if not hyp:
        return 0
    margin = max(30, len(hyp) // 4)
    window = ref[: len(hyp) + margin]
    reached = 0
    anchor_ref = anchor_hyp = 0
    for op in _chunks(window, hyp):
        if op.tag != "delete":
            reached = op.ref_end
        if op.tag == "equal" and op.hyp_end < len(hyp):
            anchor_ref, anchor_hyp = op.ref_end, op.hyp_end
        elif op.tag == "equal":
            return reached  # the typed text ends on a matched word: no doubt where it stopped
    # Word counts mislead at the end when a word was split or joined ("rendez vous" for
    # "rendez-vous"): settle the stopping point on characters after the last matched word.
    last_end = min(len(window), reached + 2)
    # Typed words beyond what the longest candidate could match only add the same cost to
    # every candidate: a few are enough (10 MB typed after a short reference took 150 s).
    tail = " ".join(hyp[anchor_hyp : anchor_hyp + 2 * (last_end - anchor_ref) + 30])
    best, best_distance = reached, None
    for end in range(anchor_ref, last_end + 1):
        distance = Levenshtein.distance(" ".join(window[anchor_ref:end]), tail)
        if best_distance is None or distance <= best_distance:
            best, best_distance = end, distance
    return best
