"""Word and character alignment on rapidfuzz's C++ Levenshtein kernels.

Words are runs of non-space characters (as jiwer splits them), so punctuation glued to a word
belongs to it, and French spaced punctuation (``:``, ``;``, ``?``, ``!``, « ») forms its own
token. Token spans are offsets in the *normalised* text; ``NormalizedText.to_original`` maps
them back.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal, NamedTuple, cast

import numpy as np
from rapidfuzz.distance import Levenshtein

__all__ = [
    "AlignmentChunk",
    "ChunkTag",
    "Tokens",
    "align_chars",
    "align_tokens",
    "banded_hint",
    "code_points",
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
# Whether str.split() splits on a code point, up to U+3000 (the last space) and one more entry,
# False, that every code point beyond stands for (``np.take(..., mode="clip")``).
_SPACE_TABLE = np.array([chr(code).isspace() for code in range(0x3002)], np.bool_)


def code_points(text: str) -> np.ndarray[tuple[int], np.dtype[np.uint32]]:
    """The code point of each character of ``text`` (a lone surrogate included), in numpy."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)


def tokenize(text: str) -> Tokens:
    """Split on whitespace, keeping each word's offsets."""
    words = text.split()
    if len(text) >= _VECTOR_MIN_CHARS:
        codes = code_points(text)
        space = np.empty(len(codes) + 2, np.bool_)
        space[0] = space[-1] = True
        np.take(_SPACE_TABLE, codes, out=space[1:-1], mode="clip")
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


class AlignmentChunk(NamedTuple):
    """One block of an alignment, as jiwer names them.

    A named tuple, not a dataclass: it is made straight from rapidfuzz's opcode tuples, with no
    Python-level constructor (frozen dataclasses made a typing record's two word alignments
    cost 0.2 ms instead of 0.05 ms).

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


# An opcode tuple ``(tag, i1, i2, j1, j2)`` as a chunk, without ``_make``'s length check.
_chunk_of = cast(
    Callable[[Any], AlignmentChunk],
    partial(tuple.__new__, AlignmentChunk),
)

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
    if (
        min(len(ref), len(hyp)) >= _ANCHORED_MIN_WORDS
        and not isinstance(ref, str)
        and not isinstance(hyp, str)
    ):
        anchored, cost = _anchored_chunks(ref, hyp)
        if anchored is not None:
            return anchored
        hint = max(hint or 0, cost)
    opcodes = Levenshtein.opcodes(ref, hyp, score_hint=hint).as_list()
    return list(map(_chunk_of, opcodes))


# From this many words on each side, the words are aligned piece by piece between anchors (a
# run of identical words found near where the previous piece ended), and the sum of the
# pieces' costs is proven to be the optimal cost by the distance over the whole texts; only
# when it is not does the whole alignment run (2 MB almost equal texts: 0.6 s → 0.2 s).
_ANCHORED_MIN_WORDS = 20_000
_ANCHOR_WORDS = 16
_PIECE_WORDS = 2_000


def _anchored_chunks(
    ref: Sequence[str], hyp: Sequence[str]
) -> tuple[list[AlignmentChunk] | None, int]:
    """The alignment of pieces between anchors and its cost; the alignment is None when that
    cost is not the optimal one (the cost is then an upper bound of it)."""
    vocabulary: dict[str, int] = {}
    number = vocabulary.setdefault
    ref_ids = [number(word, len(vocabulary)) for word in ref]
    hyp_ids = [number(word, len(vocabulary)) for word in hyp]
    cuts = _anchors(ref_ids, hyp_ids)
    chunks: list[AlignmentChunk] = []
    cost = 0
    for (ref_start, hyp_start), (ref_end, hyp_end) in itertools.pairwise(cuts):
        piece_ref, piece_hyp = ref_ids[ref_start:ref_end], hyp_ids[hyp_start:hyp_end]
        hint = max(64, abs(len(piece_ref) - len(piece_hyp)))
        for op in Levenshtein.opcodes(piece_ref, piece_hyp, score_hint=hint):
            chunk = AlignmentChunk(
                op.tag,  # type: ignore[arg-type]
                op.src_start + ref_start,
                op.src_end + ref_start,
                op.dest_start + hyp_start,
                op.dest_end + hyp_start,
            )
            if chunk.tag != "equal":
                cost += max(chunk.ref_end - chunk.ref_start, chunk.hyp_end - chunk.hyp_start)
            elif chunks and chunks[-1].tag == "equal":  # the same run, across an anchor
                previous = chunks.pop()
                chunk = AlignmentChunk(
                    "equal", previous.ref_start, chunk.ref_end, previous.hyp_start, chunk.hyp_end
                )
            chunks.append(chunk)
    # The pieces' alignments joined are one alignment of the whole; it is optimal exactly when
    # no alignment costs less (a band of that width proves it, in one pass).
    if Levenshtein.distance(ref_ids, hyp_ids, score_hint=max(64, cost)) < cost:
        return None, cost
    return chunks, cost


def _anchors(ref_ids: list[int], hyp_ids: list[int]) -> list[tuple[int, int]]:
    """Where the pieces start, ``(0, 0)`` first and the ends last: every ``_PIECE_WORDS``
    reference words, the run of ``_ANCHOR_WORDS`` words there found in the typed words near
    where the previous piece's offset puts it (the nearest occurrence; none: no cut there)."""
    typed = np.array(hyp_ids, np.int32).tobytes()
    reference = np.array(ref_ids, np.int32)
    width = reference.itemsize
    cuts = [(0, 0)]
    for position in range(_PIECE_WORDS, len(ref_ids) - _ANCHOR_WORDS, _PIECE_WORDS):
        last_ref, last_hyp = cuts[-1]
        expected = last_hyp + position - last_ref
        slack = 64 + (position - last_ref) // 8
        low = max(last_hyp, expected - slack)
        high = min(len(hyp_ids), expected + slack + _ANCHOR_WORDS)
        needle = reference[position : position + _ANCHOR_WORDS].tobytes()
        best = None
        found = typed.find(needle, low * width, high * width)
        while found >= 0:
            if found % width == 0:  # on a word boundary
                at = found // width
                if best is None or abs(at - expected) < abs(best - expected):
                    best = at
                if at >= expected:
                    break
            found = typed.find(needle, found + 1, high * width)
        if best is not None:
            cuts.append((position, best))
    cuts.append((len(ref_ids), len(hyp_ids)))
    return cuts


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
    typed_words = len(hyp)
    for tag, _, ref_end, _, hyp_end in _chunks(window, hyp):
        if tag != "delete":
            reached = ref_end
        if tag == "equal":
            if hyp_end == typed_words:
                return reached  # the typed text ends on a matched word: no doubt where it stopped
            anchor_ref, anchor_hyp = ref_end, hyp_end
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
