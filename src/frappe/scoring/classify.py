"""Error classification in the French copy-test taxonomy.

The word alignment gives blocks where the texts differ; each block is read as a whole, so that
two words typed joined (one missing space), a word split in two, two swapped words, a skipped
line or a repeated line each come out as ONE error, as the French and Intersteno rules count
them, instead of a cascade of substitutions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial
from operator import itemgetter, ne
from typing import Any, Literal, NamedTuple, cast

from rapidfuzz.distance import Levenshtein

from frappe.scoring.align import AlignmentChunk, Tokens
from frappe.scoring.normalize import (
    NormalizedText,
    is_punctuation,
    strip_accents,
    strip_punctuation,
)

__all__ = [
    "ERROR_CLASSES",
    "ErrorClass",
    "ErrorOp",
    "ScoringError",
    "TextUnits",
    "WordSpans",
    "classify_errors",
    "classify_word_pair",
    "text_units",
]

ErrorOp = Literal["substitution", "omission", "insertion", "transposition"]
ErrorClass = Literal["accent", "case", "punctuation", "spacing", "spelling", "word", "line"]
ERROR_CLASSES: tuple[ErrorClass, ...] = (
    "line",
    "word",
    "spelling",
    "spacing",
    "accent",
    "case",
    "punctuation",
)

# Below this similarity a replaced word is a different word, not a misspelt one.
_SPELLING_MIN_SIMILARITY = 0.5
_SENTENCE_END = frozenset(".!?")


class ScoringError(NamedTuple):
    """One error, as a trainer would circle it on paper.

    A named tuple, not a dataclass: a batch makes one per error of every record, and a frozen
    dataclass costs about five times more to make.

    Attributes:
        op: ``substitution``, ``omission``, ``insertion`` or ``transposition``.
        error_class: ``accent``, ``case``, ``punctuation``, ``spacing``, ``spelling``, ``word``
            or ``line`` (serialised as ``class``).
        ref: The reference text concerned, as in the original reference.
        hyp: The typed text concerned, as typed.
        ref_span: ``[start, end)`` offsets in the original reference (empty for insertions).
        hyp_span: ``[start, end)`` offsets in the original typed text (empty for omissions).
        ref_words: ``[first, last)`` indices of the reference words concerned.
        detail: A finer kind when useful for a barème: ``hyphen``, ``apostrophe``,
            ``cedilla``, ``trema``, ``capital``, ``missing-space``, ``extra-space``,
            ``letters``, ``words``.
    """

    op: ErrorOp
    error_class: ErrorClass
    ref: str
    hyp: str
    ref_span: tuple[int, int]
    hyp_span: tuple[int, int]
    ref_words: tuple[int, int]
    detail: str | None = None

    @property
    def ref_word_count(self) -> int:
        """How many reference words the error touches."""
        return self.ref_words[1] - self.ref_words[0]

    def to_dict(self) -> dict[str, object]:
        """The JSON form used in result files and ``frappe score --format json``."""
        op, error_class, ref, hyp, ref_span, hyp_span, ref_words, detail = self
        return {
            "op": op,
            "class": error_class,
            "ref": ref,
            "hyp": hyp,
            "ref_span": [*ref_span],
            "hyp_span": [*hyp_span],
            "ref_words": [*ref_words],
            "detail": detail,
        }


# An error made from its eight fields at once, without the named tuple's Python-level
# constructor (two dozen errors per typing record).
_error_of = cast(Callable[[Any], ScoringError], partial(tuple.__new__, ScoringError))


def classify_word_pair(ref: str, hyp: str) -> tuple[ErrorOp, ErrorClass, str | None] | None:
    """Classify one reference word typed as another; ``None`` when they are equal."""
    if ref == hyp:
        return None
    # Most pairs are a misspelt word: each step below is a C-level string operation, and the
    # forms of each word are made once (this runs for every error of a batch).
    if len(ref) == len(hyp) and len(ref) >= 2 and sum(map(ne, ref, hyp)) == 2:
        first, second = (k for k in range(len(ref)) if ref[k] != hyp[k])
        if second == first + 1 and ref[first] == hyp[second] and ref[second] == hyp[first]:
            return "transposition", "spelling", "letters"
    # A word with no punctuation mark (most words) is its own bare form.
    ref_bare = ref if ref.isalnum() else strip_punctuation(ref)
    hyp_bare = hyp if hyp.isalnum() else strip_punctuation(hyp)
    if ref_bare == hyp_bare:
        changed = set(ref) ^ set(hyp)
        detail = "hyphen" if "-" in changed else "apostrophe" if "'" in changed else None
        return "substitution", "punctuation", detail
    ref_lower, hyp_lower = ref_bare.lower(), hyp_bare.lower()
    if ref_lower == hyp_lower:
        return "substitution", "case", "capital"
    # strip_accents leaves an ASCII word as it is.
    ref_plain = ref_lower if ref_bare.isascii() else strip_accents(ref_bare).lower()
    hyp_plain = hyp_lower if hyp_bare.isascii() else strip_accents(hyp_bare).lower()
    if ref_plain == hyp_plain:
        changed = set(ref_bare) ^ set(hyp_bare)
        if changed & set("çÇ"):
            return "substitution", "accent", "cedilla"
        if changed & set("ëïüÿËÏÜŸ"):
            return "substitution", "accent", "trema"
        return "substitution", "accent", None
    # Without a hyphen or space to drop, the bare forms are already known to differ.
    droppable = "-" in ref_bare or "-" in hyp_bare or " " in hyp_bare
    if droppable and ref_bare.replace("-", "") == hyp_bare.replace("-", "").replace(" ", ""):
        return "substitution", "punctuation", "hyphen"
    similarity = Levenshtein.normalized_similarity(ref_lower, hyp_lower)
    if similarity >= _SPELLING_MIN_SIMILARITY:
        return "substitution", "spelling", None
    return "substitution", "word", None


# Verdicts of word pairs already classified: the same words are misspelt the same way again
# and again over a batch (about 40 % of the pairs of 600 bench records). Short words only (no
# long hostile token kept alive).
_remembered_verdict = lru_cache(maxsize=8192)(classify_word_pair)
_VERDICT_MAX_CHARS = 64


def _pair_verdict(ref: str, hyp: str) -> tuple[ErrorOp, ErrorClass, str | None] | None:
    """``classify_word_pair``, remembered for short words."""
    if len(ref) + len(hyp) > _VERDICT_MAX_CHARS:
        return classify_word_pair(ref, hyp)
    return _remembered_verdict(ref, hyp)


@dataclass(frozen=True, slots=True)
class TextUnits:
    """Lines and sentences of the reference, as ``[first, last)`` word-index ranges.

    Attributes:
        spans: Every line and sentence of two words or more.
        by_words: The same units keyed by their words, to recognise a repeated line.
    """

    spans: frozenset[tuple[int, int]]
    by_words: frozenset[tuple[str, ...]]


def text_units(text: str, tokens: Tokens) -> TextUnits:
    """Find the lines (newline-separated) and sentences (ending in . ! ?) of a text."""
    spans: set[tuple[int, int]] = set()
    words = tokens.words
    line_start = 0
    sentence_start = 0
    for index, word in enumerate(words):
        end = tokens.ends[index]
        next_start = tokens.starts[index + 1] if index + 1 < len(words) else len(text)
        if "\n" in text[end:next_start] or index + 1 == len(words):
            spans.add((line_start, index + 1))
            line_start = index + 1
        if word[-1] in _SENTENCE_END or index + 1 == len(words):
            spans.add((sentence_start, index + 1))
            sentence_start = index + 1
        elif "\n" in text[end:next_start]:
            sentence_start = index + 1
    kept = frozenset(span for span in spans if span[1] - span[0] >= 2)
    return TextUnits(kept, frozenset(tuple(words[a:b]) for a, b in kept))


class _RegionReader:
    """Reads the non-equal regions of one alignment into errors.

    ``ref_word_spans``: see ``classify_errors``."""

    def __init__(
        self,
        ref: NormalizedText,
        hyp: NormalizedText,
        ref_tokens: Tokens,
        hyp_tokens: Tokens,
        ref_word_spans: WordSpans,
    ) -> None:
        self.ref = ref
        self.hyp = hyp
        self.rt = ref_tokens
        self.ht = hyp_tokens
        self.ref_word_spans = ref_word_spans
        self._units: TextUnits | None = None
        self.errors: list[ScoringError] = []

    @property
    def units(self) -> TextUnits:
        # Lines and sentences are needed only for runs of omitted or added words: found lazily.
        if self._units is None:
            self._units = text_units(self.ref.text, self.rt)
        return self._units

    def ref_word(self, index: int) -> tuple[tuple[int, int], str]:
        """The span of reference word ``index`` in the original reference, and that text."""
        known = self.ref_word_spans.get(index)
        if known is None:
            span = self.ref.to_original(self.rt.starts[index], self.rt.ends[index])
            known = self.ref_word_spans[index] = (span, self.ref.original[span[0] : span[1]])
        return known

    def _emit(
        self,
        op: ErrorOp,
        error_class: ErrorClass,
        ref_range: tuple[int, int],
        hyp_range: tuple[int, int],
        detail: str | None = None,
    ) -> None:
        a, b = ref_range
        if b == a + 1:
            ref_span, ref_text = self.ref_word(a)
        else:
            rt = self.rt
            if a == b:
                pos = rt.starts[a] if a < len(rt.starts) else len(self.ref.text)
                ref_span = self.ref.to_original(pos, pos)
            else:
                ref_span = self.ref.to_original(rt.starts[a], rt.ends[b - 1])
            ref_text = self.ref.original[ref_span[0] : ref_span[1]]
        a, b = hyp_range
        ht = self.ht
        if a == b:
            if a < len(ht.starts):
                pos = ht.starts[a]
            elif ht.ends:
                pos = ht.ends[-1]
            else:
                pos = 0
            hyp_span = self.hyp.to_original(pos, pos)
        else:
            hyp_span = self.hyp.to_original(ht.starts[a], ht.ends[b - 1])
        self.errors.append(
            _error_of(
                (
                    op,
                    error_class,
                    ref_text,
                    self.hyp.original[hyp_span[0] : hyp_span[1]],
                    ref_span,
                    hyp_span,
                    ref_range,
                    detail,
                )
            )
        )

    # Runs of omitted or added words ----------------------------------------------------------
    def _reference_unit(self, a: int, b: int) -> tuple[int, int] | None:
        """The whole line or sentence that ref words [a, b) are, allowing the alignment to have
        slid the run over repeated words at its edges; ``None`` when they are not one."""
        words = self.rt.words
        spans = self.units.spans
        if (a, b) in spans:
            return a, b
        left_a, left_b = a, b
        while left_a > 0 and words[left_a - 1] == words[left_b - 1]:
            left_a, left_b = left_a - 1, left_b - 1
            if (left_a, left_b) in spans:
                return left_a, left_b
        right_a, right_b = a, b
        while right_b < len(words) and words[right_a] == words[right_b]:
            right_a, right_b = right_a + 1, right_b + 1
            if (right_a, right_b) in spans:
                return right_a, right_b
        return None

    def _is_repeated_unit(self, a: int, b: int) -> bool:
        """True when added words [a, b) repeat a line or sentence of the reference, or what was
        typed just before them."""
        run = self.ht.words[a:b]
        if tuple(run) in self.units.by_words:
            return True
        n = b - a
        return a >= n and self.ht.words[a - n : a] == run

    def omitted(self, a: int, b: int, hyp_pos: int) -> None:
        if a == b:
            return
        words = self.rt.words[a:b]
        if all(is_punctuation(w) for w in words):
            self._emit("omission", "punctuation", (a, b), (hyp_pos, hyp_pos))
        elif b - a >= 2 and (unit := self._reference_unit(a, b)) is not None:
            # Sliding the run over equal words changes neither text: report the real line.
            shifted = hyp_pos + unit[0] - a
            self._emit("omission", "line", unit, (shifted, shifted))
        else:
            detail = "words" if b - a > 1 else None
            self._emit("omission", "word", (a, b), (hyp_pos, hyp_pos), detail)

    def inserted(self, a: int, b: int, ref_pos: int) -> None:
        if a == b:
            return
        words = self.ht.words[a:b]
        if all(is_punctuation(w) for w in words):
            self._emit("insertion", "punctuation", (ref_pos, ref_pos), (a, b))
        elif b - a >= 2 and self._is_repeated_unit(a, b):
            self._emit("insertion", "line", (ref_pos, ref_pos), (a, b))
        else:
            detail = "words" if b - a > 1 else None
            self._emit("insertion", "word", (ref_pos, ref_pos), (a, b), detail)

    # One region --------------------------------------------------------------------------------
    def region(self, i1: int, i2: int, j1: int, j2: int) -> None:
        ref_words, hyp_words = self.rt.words, self.ht.words
        emit = self._emit
        a, b = i1, j1
        del_start, ins_start = a, b

        def flush() -> None:
            nonlocal del_start, ins_start
            if del_start == a and ins_start == b:
                return  # nothing pending (most of the time)
            self.omitted(del_start, a, ins_start)
            self.inserted(ins_start, b, del_start)
            del_start, ins_start = a, b

        while a < i2 or b < j2:
            if a < i2 and b < j2:
                ref_word, hyp_word = ref_words[a], hyp_words[b]
                # Words joined or split can only be where one word begins the other: tested
                # first, so that a plain misspelt pair costs two comparisons here.
                if len(hyp_word) > len(ref_word) and hyp_word.startswith(ref_word):
                    found = _joined_form(ref_words, a, i2, hyp_word, _JOINED_FORMS)
                    if found is not None:
                        count, form_class, form_detail = found
                        flush()
                        emit("substitution", form_class, (a, a + count), (b, b + 1), form_detail)
                        a, b = a + count, b + 1
                        del_start, ins_start = a, b
                        continue
                elif len(ref_word) > len(hyp_word) and ref_word.startswith(hyp_word):
                    found = _joined_form(hyp_words, b, j2, ref_word, _SPLIT_FORMS)
                    if found is not None:
                        count, form_class, form_detail = found
                        flush()
                        emit("substitution", form_class, (a, a + 1), (b, b + count), form_detail)
                        a, b = a + 1, b + count
                        del_start, ins_start = a, b
                        continue
                if (
                    a + 1 < i2
                    and b + 1 < j2
                    and ref_word == hyp_words[b + 1]
                    and ref_words[a + 1] == hyp_word
                ):
                    flush()
                    emit("transposition", "word", (a, a + 2), (b, b + 2), "words")
                    a, b = a + 2, b + 2
                    del_start, ins_start = a, b
                    continue
                left_ref, left_hyp = i2 - a, j2 - b
                # A word left over on one side: pair the closer ones (the similarity of this
                # pair is only needed then).
                if left_ref > left_hyp:
                    if _similarity(ref_words[a + 1], hyp_word) > _similarity(ref_word, hyp_word):
                        a += 1
                        continue
                elif left_hyp > left_ref and (
                    _similarity(ref_word, hyp_words[b + 1]) > _similarity(ref_word, hyp_word)
                ):
                    b += 1
                    continue
                flush()
                verdict = _pair_verdict(ref_word, hyp_word)
                if verdict is not None:
                    op, error_class, detail = verdict
                    emit(op, error_class, (a, a + 1), (b, b + 1), detail)
                a, b = a + 1, b + 1
                del_start, ins_start = a, b
            elif a < i2:
                a += 1
            else:
                b += 1
        flush()


# How words typed joined or split are classified, tried in order: the separator that joins the
# several words into the one, the error's class and detail. "rendez vous" for "rendez-vous", or
# the reverse, is one hyphen fault.
_JoinedForm = tuple[str, ErrorClass, str]
_JOINED_FORMS: tuple[_JoinedForm, ...] = (
    ("", "spacing", "missing-space"),
    ("-", "punctuation", "hyphen"),
)
_SPLIT_FORMS: tuple[_JoinedForm, ...] = (
    ("", "spacing", "extra-space"),
    ("-", "punctuation", "hyphen"),
)


def _joined_form(
    words: list[str], start: int, stop: int, target: str, forms: tuple[_JoinedForm, ...]
) -> tuple[int, ErrorClass, str] | None:
    """The number of ``words`` from ``start`` that the first of ``forms`` joins into
    ``target``, with that form's class and detail; None when none does."""
    for separator, error_class, detail in forms:
        count = _joined_length(words, start, stop, target, separator)
        if count:
            return count, error_class, detail
    return None


def _joined_length(
    words: list[str], start: int, stop: int, target: str, separator: str = ""
) -> int:
    """k ≥ 2 when ``words[start:start+k]`` joined by ``separator`` is ``target``, else 0."""
    if not target.startswith(words[start]) or len(target) == len(words[start]):
        return 0
    built = words[start]
    k = 1
    while start + k < stop and len(built) < len(target):
        built += separator + words[start + k]
        k += 1
        if built == target:
            return k
        if not target.startswith(built):
            return 0
    return 0


def _similarity(a: str, b: str) -> float:
    return Levenshtein.normalized_similarity(a.lower(), b.lower())


def _merge_swaps(chunks: list[AlignmentChunk], ref: Tokens, hyp: Tokens) -> list[AlignmentChunk]:
    """Levenshtein writes two swapped words as insert X, equal Y, delete X (or the mirror):
    turn that into one replace region, so it reads as one transposition."""
    # A swap needs an insert and a delete chunk (most records have none of one or the other:
    # the chunks are then returned as they are).
    tags = set(map(itemgetter(0), chunks))
    if "insert" not in tags or "delete" not in tags:
        return chunks
    merged: list[AlignmentChunk] = []
    i = 0
    while i < len(chunks):
        if i + 2 < len(chunks):
            first, middle, last = chunks[i], chunks[i + 1], chunks[i + 2]
            if (
                middle.tag == "equal"
                and middle.ref_end - middle.ref_start == 1
                and {first.tag, last.tag} == {"insert", "delete"}
                and _single_word(first, ref, hyp) == _single_word(last, ref, hyp) is not None
            ):
                merged.append(
                    AlignmentChunk(
                        "replace", first.ref_start, last.ref_end, first.hyp_start, last.hyp_end
                    )
                )
                i += 3
                continue
        merged.append(chunks[i])
        i += 1
    return merged


def _single_word(chunk: AlignmentChunk, ref: Tokens, hyp: Tokens) -> str | None:
    if chunk.tag == "delete" and chunk.ref_end - chunk.ref_start == 1:
        return ref.words[chunk.ref_start]
    if chunk.tag == "insert" and chunk.hyp_end - chunk.hyp_start == 1:
        return hyp.words[chunk.hyp_start]
    return None


# Reference word index → its span in the original reference and that text: the same reference
# words are misspelt again and again over a batch (see ``classify_errors``).
WordSpans = dict[int, tuple[tuple[int, int], str]]


def classify_errors(
    ref: NormalizedText,
    hyp: NormalizedText,
    ref_tokens: Tokens,
    hyp_tokens: Tokens,
    chunks: list[AlignmentChunk],
    *,
    ref_word_spans: WordSpans | None = None,
) -> list[ScoringError]:
    """Read an alignment into classified errors, in reference order.

    ``ref_word_spans`` keeps the original span and text of reference words from one call to
    the next (a batch compares many texts with one reference): it must belong to ``ref`` and
    ``ref_tokens``; it is filled as words are met."""
    spans: WordSpans = {} if ref_word_spans is None else ref_word_spans
    reader = _RegionReader(ref, hyp, ref_tokens, hyp_tokens, spans)
    chunks = _merge_swaps(chunks, ref_tokens, hyp_tokens)
    ref_words, hyp_words = ref_tokens.words, hyp_tokens.words
    hyp_starts, hyp_ends = hyp_tokens.starts, hyp_tokens.ends
    hyp_to_original, hyp_original = hyp.to_original, hyp.original
    ref_word = reader.ref_word
    errors = reader.errors
    count = len(chunks)
    index = 0
    while index < count:
        tag, i1, i2, j1, j2 = chunks[index]
        if tag == "equal":
            index += 1
            continue
        # Adjacent non-equal chunks form one region (a joined word is a replace + a delete).
        end = index + 1
        while end < count and chunks[end][0] != "equal":
            end += 1
        if end > index + 1:
            last = chunks[end - 1]
            i2, j2 = last[2], last[4]
        index = end
        if i2 - i1 != 1 or j2 - j1 != 1:
            reader.region(i1, i2, j1, j2)
            continue
        # One word for one (most regions): nothing to join, split or swap, only the pair to
        # classify (what ``region`` and ``_emit`` come to, without their searches).
        verdict = _pair_verdict(ref_words[i1], hyp_words[j1])
        if verdict is None:
            continue
        op, error_class, detail = verdict
        known = spans.get(i1) or ref_word(i1)
        hyp_span = hyp_to_original(hyp_starts[j1], hyp_ends[j1])
        errors.append(
            _error_of(
                (
                    op,
                    error_class,
                    known[1],
                    hyp_original[hyp_span[0] : hyp_span[1]],
                    known[0],
                    hyp_span,
                    (i1, i2),
                    detail,
                )
            )
        )
    return errors
