"""Word- and character-level measures, computed as jiwer computes them.

For the same token lists, ``hits``, ``substitutions``, ``deletions``, ``insertions`` and ``wer``
equal jiwer's ``process_words``; ``cer`` equals jiwer's ``cer`` on the same strings. The tests
use jiwer as the oracle; frappe does not depend on it at run time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from rapidfuzz.distance import Levenshtein

from frappe.scoring.align import AlignmentChunk, code_points

__all__ = [
    "WordMeasures",
    "char_distance",
    "char_error_rate",
    "cut_texts_distance",
    "word_measures",
]


@dataclass(frozen=True, slots=True)
class WordMeasures:
    """Counts from one word alignment.

    Attributes:
        hits: Reference words typed exactly.
        substitutions: Reference words replaced by another word.
        deletions: Reference words missing.
        insertions: Typed words with no reference counterpart.
        ref_words: Reference words compared (H + S + D).
        hyp_words: Typed words compared (H + S + I).
        wer: (S + D + I) / (H + S + D); 0 when both are empty, 1 per word when only the
            reference is empty is undefined, so it is reported as ``float(insertions)``.
    """

    hits: int
    substitutions: int
    deletions: int
    insertions: int
    ref_words: int
    hyp_words: int
    wer: float


def word_measures(chunks: list[AlignmentChunk]) -> WordMeasures:
    """Count hits and edits in a word alignment."""
    hits = substitutions = deletions = insertions = 0
    for tag, ref_start, ref_end, hyp_start, hyp_end in chunks:
        if tag == "equal":
            hits += ref_end - ref_start
        elif tag == "replace":
            substitutions += ref_end - ref_start
        elif tag == "delete":
            deletions += ref_end - ref_start
        else:
            insertions += hyp_end - hyp_start
    ref_words = hits + substitutions + deletions
    errors = substitutions + deletions + insertions
    # jiwer raises on an empty reference; frappe must not crash on an empty text, so an empty
    # reference gives the count of extra words (0 when both are empty).
    wer = errors / ref_words if ref_words else float(insertions)
    return WordMeasures(
        hits=hits,
        substitutions=substitutions,
        deletions=deletions,
        insertions=insertions,
        ref_words=ref_words,
        hyp_words=hits + substitutions + insertions,
        wer=wer,
    )


def char_distance(ref: str, hyp: str, *, upper_bound: int | None = None) -> int:
    """Exact character edit distance, fast when the texts are close.

    rapidfuzz bands the matrix around the diagonal from a first guess and doubles the band until
    the distance is proven (Ukkonen): O(length × distance / 64) instead of O(length² / 64).
    ``upper_bound`` (the cost of any alignment of the two texts, e.g. ``cut_texts_distance``'s)
    is a first band that needs no doubling: the result is the same exact distance, found about
    four times faster on a long text.
    """
    hint = max(64, abs(len(ref) - len(hyp)))
    if upper_bound is not None:
        hint = max(hint, upper_bound)
    return int(Levenshtein.distance(ref, hyp, score_hint=hint))


def cut_texts_distance(ref: str, hyp: str, ref_cuts: Sequence[int], hyp_cuts: Sequence[int]) -> int:
    """The exact character distance of ``ref`` and ``hyp``, which an alignment (of their words)
    cuts into as many pieces: ``ref_cuts[k]``, ``hyp_cuts[k]`` are where piece k + 1 starts,
    ascending. Near-linear when most pieces are equal, as in an almost equal copy.

    Upper bound: each run of differing pieces, with up to ``_CONTEXT`` equal characters on each
    side (a « block »), is compared whole; the equal pieces cost nothing. The sum ``U`` of the
    blocks' distances is the cost of one alignment of the whole texts.

    Lower bound (a proof that no alignment costs less): an alignment costing less than ``U``
    stays within a band of diagonals, so it matches each block's reference characters with
    some substring of a window of the typed text around the block (Ukkonen's bound on the
    offset). Its cost within the block is at least the block's best match anywhere in that
    window (edlib's infix distance), and the blocks take disjoint steps of the alignment. When
    no block matches its window for less than its own distance, no alignment costs less than
    ``U``: the distance is ``U``. Otherwise (a text that repeats itself within the window),
    beyond 256 different characters, or without edlib, rapidfuzz's band of width ``U`` decides,
    as for any pair.
    """
    blocks, bound = _differing_blocks(ref, hyp, ref_cuts, hyp_cuts)
    if bound == 0 or not _blocks_are_optimal(ref, hyp, blocks, bound):
        return char_distance(ref, hyp, upper_bound=bound)
    return bound


# Equal characters kept on each side of a run of differing pieces: a block's best match in
# its window is then where the alignment put it, unless the text repeats itself nearby.
_CONTEXT = 32

# A block: where it starts and ends in the reference, and its distance to its typed side.
_Block = tuple[int, int, int]


def _differing_blocks(
    ref: str, hyp: str, ref_cuts: Sequence[int], hyp_cuts: Sequence[int]
) -> tuple[list[_Block], int]:
    """The blocks of ``cut_texts_distance`` and the sum of their distances."""
    runs: list[list[int]] = []  # [ref_start, ref_end, hyp_start, hyp_end] of differing pieces
    ref_start = hyp_start = 0
    for ref_end, hyp_end in zip((*ref_cuts, len(ref)), (*hyp_cuts, len(hyp)), strict=True):
        if ref[ref_start:ref_end] != hyp[hyp_start:hyp_end]:
            # Equal pieces between two runs have the same length on both sides; runs closer
            # than two contexts are one block, so that blocks never overlap.
            if runs and ref_start - runs[-1][1] < 2 * _CONTEXT:
                runs[-1][1], runs[-1][3] = ref_end, hyp_end
            else:
                runs.append([ref_start, ref_end, hyp_start, hyp_end])
        ref_start, hyp_start = ref_end, hyp_end
    blocks: list[_Block] = []
    total = 0
    distance = Levenshtein.distance
    for ref_start, ref_end, hyp_start, hyp_end in runs:
        before = min(_CONTEXT, ref_start, hyp_start)
        after = min(_CONTEXT, len(ref) - ref_end, len(hyp) - hyp_end)
        block_start, block_end = ref_start - before, ref_end + after
        cost = distance(ref[block_start:block_end], hyp[hyp_start - before : hyp_end + after])
        blocks.append((block_start, block_end, cost))
        total += cost
    return blocks, total


def _blocks_are_optimal(ref: str, hyp: str, blocks: list[_Block], bound: int) -> bool:
    """Whether no alignment of ``ref`` and ``hyp`` costs less than ``bound``, the sum of the
    blocks' distances (see ``cut_texts_distance``)."""
    edlib_align = _edlib_align()
    as_bytes = _one_byte_each(ref, hyp) if edlib_align is not None else None
    if edlib_align is None or as_bytes is None:
        return False
    ref_bytes, hyp_bytes = as_bytes
    # An alignment costing at most bound - 1 reaches cell (i, j) only if |j - i| plus
    # |(len(hyp) - len(ref)) - (j - i)| is at most bound - 1 (what it costs to get there, and
    # from there to the end): j - i lies between these two offsets.
    difference = len(hyp) - len(ref)
    lowest = (difference - bound + 1) // 2
    highest = -((-(difference + bound - 1)) // 2)
    for block_start, block_end, cost in blocks:
        query = ref_bytes[block_start:block_end]
        window_start = max(0, block_start + lowest)
        window = hyp_bytes[window_start : max(0, block_end + highest)]
        if block_start == 0 and block_end == len(ref):  # the whole texts: the distance itself
            mode = "NW"
        elif block_start == 0:  # an alignment starts at both texts' starts
            mode = "SHW"
        elif block_end == len(ref):  # and ends at both ends: reversed, ends become starts
            query, window, mode = query[::-1], hyp_bytes[window_start:][::-1], "SHW"
        else:
            mode = "HW"  # anywhere in the window
        found = edlib_align(query, window, mode=mode, task="distance", k=cost - 1)
        if found["editDistance"] != -1:  # a match for less: this proof fails
            return False
    return True


def _edlib_align() -> Callable[..., dict[str, Any]] | None:
    """edlib's ``align``, imported when a long text needs it (most batches never do); None
    where edlib is not installed (it has no wheel for Windows: rapidfuzz's band decides)."""
    try:
        from edlib import align  # noqa: PLC0415
    except ImportError:
        return None
    return cast(Callable[..., dict[str, Any]], align)


def _one_byte_each(ref: str, hyp: str) -> tuple[bytes, bytes] | None:
    """Both texts with one byte per character (edlib compares bytes), a character giving the
    same byte in both; None when they use more than 256 characters. Characters beyond Latin-1
    (’, œ, €…) take byte values neither text uses, in numpy: ``str.translate`` took 0.2 s for
    two 2 MB texts, more than the proof saves."""
    try:
        return ref.encode("latin-1"), hyp.encode("latin-1")
    except UnicodeEncodeError:
        pass
    codes = [code_points(ref), code_points(hyp)]
    every = np.concatenate(codes)
    latin = every <= 0xFF
    wide = np.unique(every[~latin])
    unused = np.flatnonzero(np.bincount(every[latin], minlength=0x100) == 0)
    if len(wide) > len(unused):
        return None
    converted: list[bytes] = []
    for text_codes in codes:
        one_byte = text_codes.astype(np.uint8)  # Latin-1 characters are their own byte
        beyond = text_codes > 0xFF
        one_byte[beyond] = unused[np.searchsorted(wide, text_codes[beyond])]
        converted.append(one_byte.tobytes())
    return converted[0], converted[1]


def char_error_rate(ref: str, hyp: str) -> float:
    """Character edit distance over reference length (jiwer's CER on the same strings)."""
    distance = char_distance(ref, hyp)
    return distance / len(ref) if ref else float(len(hyp))
