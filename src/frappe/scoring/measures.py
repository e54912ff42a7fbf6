"""Word- and character-level measures, computed as jiwer computes them.

For the same token lists, ``hits``, ``substitutions``, ``deletions``, ``insertions`` and ``wer``
equal jiwer's ``process_words``; ``cer`` equals jiwer's ``cer`` on the same strings. The tests
use jiwer as the oracle; frappe does not depend on it at run time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from frappe.scoring.align import AlignmentChunk

__all__ = [
    "WordMeasures",
    "char_distance",
    "char_error_rate",
    "piecewise_upper_bound",
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
    ``upper_bound`` (the cost of any alignment of the two texts, e.g. ``piecewise_upper_bound``)
    is a first band that needs no doubling: the result is the same exact distance, found about
    four times faster on a long text.
    """
    hint = max(64, abs(len(ref) - len(hyp)))
    if upper_bound is not None:
        hint = max(hint, upper_bound)
    return int(Levenshtein.distance(ref, hyp, score_hint=hint))


def piecewise_upper_bound(
    ref: str, hyp: str, ref_cuts: Sequence[int], hyp_cuts: Sequence[int]
) -> int:
    """The cost of one alignment of ``ref`` and ``hyp``: each cuts both texts into as many
    pieces (``ref_cuts[k]``, ``hyp_cuts[k]`` are where piece k + 1 starts, ascending), and the
    pieces are aligned pairwise. Equal pieces (most of an almost equal copy) cost nothing to
    check; the distance over the whole texts is at most this."""
    total = 0
    ref_start = hyp_start = 0
    distance = Levenshtein.distance
    for ref_end, hyp_end in zip((*ref_cuts, len(ref)), (*hyp_cuts, len(hyp)), strict=True):
        ref_piece, hyp_piece = ref[ref_start:ref_end], hyp[hyp_start:hyp_end]
        if ref_piece != hyp_piece:
            total += distance(ref_piece, hyp_piece)
        ref_start, hyp_start = ref_end, hyp_end
    return total


def char_error_rate(ref: str, hyp: str) -> float:
    """Character edit distance over reference length (jiwer's CER on the same strings)."""
    distance = char_distance(ref, hyp)
    return distance / len(ref) if ref else float(len(hyp))
