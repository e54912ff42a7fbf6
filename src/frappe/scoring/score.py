"""Scoring entry points: compare two texts, count faults, compute typing metrics.

``compare_texts`` is the shared core (normalise, align, classify, measure). ``score_typing``
adds what a timed copy test needs: strokes, faults under a profile, speeds, accuracy, mark and
pass/fail.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, fields
from functools import lru_cache

from frappe.scoring.align import (
    AlignmentChunk,
    Tokens,
    align_tokens,
    reached_reference_words,
    tokenize,
)
from frappe.scoring.classify import ScoringError, WordSpans, classify_errors
from frappe.scoring.keystrokes import Keystroke, KeystrokeStats, keystroke_stats
from frappe.scoring.measures import (
    WordMeasures,
    char_distance,
    cut_texts_distance,
    word_measures,
)
from frappe.scoring.normalize import NormalizationProfile, NormalizedText, normalize
from frappe.scoring.profiles import ScoringProfile

__all__ = [
    "ALTGR_CHARACTERS",
    "TextComparison",
    "TypingMetrics",
    "TypingScore",
    "compare_texts",
    "count_faults",
    "count_strokes",
    "score_typing",
]

# Characters typed with AltGr on a French AZERTY keyboard (Intersteno counts them 2 strokes).
ALTGR_CHARACTERS = frozenset("@#{}[]|\\`~€¤")


@dataclass(frozen=True, slots=True)
class TextComparison:
    """A typed text compared with its reference.

    Attributes:
        normalization: Name of the normalisation profile used.
        errors: Classified errors, in reference order, spans in the original texts.
        words: Word-level counts and WER on the compared (reached) part.
        cer: Character error rate on the compared part, after normalisation.
        accuracy: Final-text accuracy: 1 − character edit distance / longer text length.
        ref_words_reached: Reference words compared (all of them unless cut by the clock).
        ref_chars_reached: Characters of the original reference up to the last word reached.
        partial_last_word: The last typed word was a beginning of its reference word, cut by
            the clock, and was left out of the comparison.
    """

    normalization: str
    errors: tuple[ScoringError, ...]
    words: WordMeasures
    cer: float
    accuracy: float
    ref_words_reached: int
    ref_chars_reached: int
    partial_last_word: bool

    def measures_dict(self) -> dict[str, object]:
        """WER, CER and the word counts, flat, for JSON/CSV output."""
        words = self.words
        return {
            "wer": words.wer,
            "cer": self.cer,
            "ref_words": words.ref_words,
            "hyp_words": words.hyp_words,
            "hits": words.hits,
            "substitutions": words.substitutions,
            "deletions": words.deletions,
            "insertions": words.insertions,
        }


@lru_cache(maxsize=16)
def _reference_side(
    reference: str, normalization: NormalizationProfile
) -> tuple[NormalizedText, Tokens, WordSpans]:
    """The normalised, tokenised reference, and the spans of its words met so far in errors.
    Cached: a batch scores a room's records against the same reference, and this is as much
    work as the typed side. Callers only read the result (the spans are filled as they go)."""
    ref = normalize(reference, normalization)
    return ref, tokenize(ref.text), {}


def compare_texts(
    reference: str,
    typed: str,
    normalization: NormalizationProfile,
    *,
    only_reached: bool = False,
    cut_by_clock: bool | None = None,
) -> TextComparison:
    """Compare ``typed`` with ``reference``.

    With ``only_reached`` (a timed copy test), only the part of the reference the candidate
    reached is compared: the unreached tail is not omissions. With ``cut_by_clock`` (the test
    ended by the clock; by default, whenever ``only_reached``), a last typed word that is a
    beginning of the reference word where the candidate stopped, or of the next one, is left
    out of the comparison and is not a fault, whatever its length.
    """
    ref, ref_tokens, ref_word_spans = _reference_side(reference, normalization)
    hyp = normalize(typed, normalization)
    hyp_tokens = tokenize(hyp.text)
    ref_words, hyp_words = ref_tokens.words, hyp_tokens.words
    compared_ref: Sequence[str] = ref_words
    compared_hyp: Sequence[str] = hyp_words
    partial = False
    if only_reached:
        if cut_by_clock is None:
            cut_by_clock = True
        # The original text decides whether the last word was finished: normalisation drops
        # trailing spaces.
        stopped = (
            _stopping_point_of_cut_word(ref_words, hyp_words)
            if (cut_by_clock and hyp_words and not typed[-1:].isspace())
            else None
        )
        if stopped is not None:
            partial = True
            compared_ref = ref_words[:stopped]
            compared_hyp = hyp_words[:-1]
        else:
            compared_ref = ref_words[: reached_reference_words(ref_words, hyp_words)]
    chunks = align_tokens(compared_ref, compared_hyp)
    errors = classify_errors(
        ref, hyp, ref_tokens, hyp_tokens, chunks, ref_word_spans=ref_word_spans
    )
    ref_end = ref_tokens.ends[len(compared_ref) - 1] if compared_ref else 0
    hyp_end = hyp_tokens.ends[len(compared_hyp) - 1] if compared_hyp else 0
    # Whitespace before the first word counts no more than whitespace after the last one.
    ref_start = ref_tokens.starts[0] if compared_ref else 0
    hyp_start = hyp_tokens.starts[0] if compared_hyp else 0
    ref_text, hyp_text = ref.text[ref_start:ref_end], hyp.text[hyp_start:hyp_end]
    if chunks and len(ref_text) + len(hyp_text) >= _CUT_DISTANCE_MIN_CHARS:
        ref_cuts, hyp_cuts = _equal_run_edges(
            ref_text, hyp_text, ref_tokens, hyp_tokens, chunks, ref_start, hyp_start
        )
        distance = cut_texts_distance(ref_text, hyp_text, ref_cuts, hyp_cuts)
    else:
        distance = char_distance(ref_text, hyp_text)
    longest = max(len(ref_text), len(hyp_text))
    return TextComparison(
        normalization=normalization.name,
        errors=tuple(errors),
        words=word_measures(chunks),
        cer=distance / len(ref_text) if ref_text else float(len(hyp_text)),
        accuracy=1.0 - distance / longest if longest else 1.0,
        ref_words_reached=len(compared_ref),
        ref_chars_reached=ref.to_original(0, ref_end)[1] if ref_end else 0,
        partial_last_word=partial,
    )


# From this many characters the character distance is found from the word alignment's cuts
# (``cut_texts_distance``) instead of by doubling rapidfuzz's band from 64.
_CUT_DISTANCE_MIN_CHARS = 40_000


def _equal_run_edges(
    ref_text: str,
    hyp_text: str,
    ref_tokens: Tokens,
    hyp_tokens: Tokens,
    chunks: Sequence[AlignmentChunk],
    ref_start: int,
    hyp_start: int,
) -> tuple[list[int], list[int]]:
    """Where each run of equal words of the word alignment starts and ends, in both texts:
    the cuts of ``cut_texts_distance`` (equal words are equal pieces; a region of changed
    words is one piece, as its characters may be aligned across its words)."""

    ref_words, hyp_words = chunks[-1].ref_end, chunks[-1].hyp_end  # the words compared

    def cut(starts: list[int], index: int, words: int, offset: int, text: str) -> int:
        return starts[index] - offset if index < words else len(text)

    rt, ht = ref_tokens.starts, hyp_tokens.starts
    edges = [
        chunk
        for previous, chunk in itertools.pairwise(chunks)
        if chunk.tag == "equal" or previous.tag == "equal"
    ]
    ref_cuts = [cut(rt, c.ref_start, ref_words, ref_start, ref_text) for c in edges]
    hyp_cuts = [cut(ht, c.hyp_start, hyp_words, hyp_start, hyp_text) for c in edges]
    return ref_cuts, hyp_cuts


def _stopping_point_of_cut_word(ref_words: Sequence[str], hyp_words: Sequence[str]) -> int | None:
    """When the last typed word is a beginning of the reference word at the point where the
    words before it stopped (or of the next one: the candidate skipped a word), the number of
    reference words to compare without it; ``None`` when it is not such a beginning (it is
    then scored as usual). A complete word is not a cut one."""
    last = hyp_words[-1]
    stop = reached_reference_words(ref_words, hyp_words[:-1])
    for index in (stop, stop + 1):
        if index < len(ref_words) and ref_words[index].startswith(last):
            if ref_words[index] == last:
                return None
            return index
    return None


def count_faults(errors: Sequence[ScoringError], profile: ScoringProfile) -> float:
    """Faults under a profile: weighted by class, at most one per reference word when the
    profile says so, a run of omitted or added words once when it groups them."""
    per_word: dict[int, float] = {}
    loose = 0.0
    # An error's weight depends on its class and detail only, except for an accent error
    # (the profile may name word pairs): looked up once per kind.
    weights: dict[tuple[str, str | None], float] = {}
    one_per_word = profile.max_one_fault_per_word
    group = profile.group_omissions
    for error in errors:
        # One unpacking instead of four attribute lookups (this runs for every error).
        op, error_class, _, _, _, _, (first, last), detail = error
        if error_class == "accent":
            weight = profile.error_weight(error)
        else:
            kind = (error_class, detail)
            found = weights.get(kind)
            if found is None:
                found = weights[kind] = profile.error_weight(error)
            weight = found
        words = last - first
        if not group and op in ("omission", "insertion"):
            weight *= max(1, words if op == "omission" else _hyp_word_count(error))
        if words and one_per_word:
            per_word[first] = max(per_word.get(first, 0.0), weight)
        else:
            loose += weight
    return sum(per_word.values()) + loose


def _hyp_word_count(error: ScoringError) -> int:
    return len(error.hyp.split())


def count_strokes(text: str, profile: ScoringProfile) -> int:
    """*Frappes brutes*: characters typed, capitals and AltGr characters weighted by the
    profile (whitespace before the first word and after the last one is not counted)."""
    text = text.strip()
    strokes = len(text)
    if profile.capital_strokes != 1:
        strokes += (profile.capital_strokes - 1) * sum(1 for c in text if c.isupper())
    if profile.altgr_strokes != 1:
        strokes += (profile.altgr_strokes - 1) * sum(1 for c in text if c in ALTGR_CHARACTERS)
    return strokes


@dataclass(frozen=True, slots=True)
class TypingMetrics:
    """The numbers of a timed typing test under one profile.

    Attributes:
        duration_s: Typing time used for speeds.
        characters: Characters typed (final text, without whitespace before the first word or
            after the last one).
        frappes_brutes: Strokes, capitals/AltGr weighted by the profile.
        faults: Faults under the profile (at most one per word when it says so).
        frappes_nettes: max(0, brutes − fault_penalty × faults).
        mots_par_minute: frappes nettes / strokes_per_word / minutes.
        gross_wpm: characters / 5 / minutes.
        net_wpm: max(0, gross_wpm − uncorrected errors / minutes).
        cpm: characters / minutes.
        speed: The profile's headline speed (net or gross, in its unit).
        accuracy: Final-text accuracy (see TextComparison).
        keystroke_accuracy: Correct key presses / key presses, ``None`` without a log.
        uncorrected_errors: Errors left in the final text.
        corrected_errors: Wrong characters erased during the test (``None`` without a log).
        correction_time_s: Time spent on characters later erased and on erasing.
        consistency: Monkeytype consistency, ``None`` when too short or without a log.
        error_rate: faults / reference words reached.
        mark_20: Mark out of 20 under the profile.
        passed: Speed ≥ profile minimum and error rate ≤ profile maximum.
    """

    duration_s: float
    characters: int
    frappes_brutes: int
    faults: float
    frappes_nettes: float
    mots_par_minute: float
    gross_wpm: float
    net_wpm: float
    cpm: float
    speed: float
    accuracy: float
    keystroke_accuracy: float | None
    uncorrected_errors: int
    corrected_errors: int | None
    correction_time_s: float | None
    consistency: float | None
    error_rate: float
    mark_20: float
    passed: bool


_METRIC_FIELDS = tuple(field.name for field in fields(TypingMetrics))


@dataclass(frozen=True, slots=True)
class TypingScore:
    """A typing test scored under one profile.

    Attributes:
        profile: The profile used (stored whole in the result).
        comparison: Errors and word-level measures.
        metrics: Speeds, faults, accuracies, mark.
    """

    profile: ScoringProfile
    comparison: TextComparison
    metrics: TypingMetrics

    def metrics_dict(self) -> dict[str, object]:
        """Flat metrics for JSON/CSV output (word measures and typing metrics together)."""
        data = self.comparison.measures_dict()
        metrics = self.metrics  # flat fields: no need for asdict's recursive copy
        data.update({name: getattr(metrics, name) for name in _METRIC_FIELDS})
        data["profile"] = self.profile.name
        data["speed_unit"] = self.profile.speed_unit
        data["ref_chars_reached"] = self.comparison.ref_chars_reached
        return data


def _mark(
    profile: ScoringProfile, speed: float, faults: float, error_rate: float, strokes: int
) -> float:
    rule = profile.mark
    if rule.formula == "speed":
        mark = 20.0 * min(1.0, speed / rule.full_mark_speed)
    elif rule.formula == "errors":
        if rule.error_basis == "strokes":
            percent = 100.0 * faults / strokes if strokes else (100.0 if faults else 0.0)
        else:
            percent = 100.0 * error_rate
        mark = rule.base - rule.slope * percent
    else:
        mark = rule.base - rule.per_fault * faults
    return round(min(20.0, max(0.0, mark)), 2)


def score_typing(
    reference: str,
    typed: str,
    *,
    duration_s: float,
    profile: ScoringProfile,
    keystrokes: Sequence[Keystroke] | None = None,
    only_reached: bool = True,
    cut_by_clock: bool | None = None,
) -> TypingScore:
    """Score a copy test: the typed text against the reference, over ``duration_s`` seconds.

    ``cut_by_clock`` says the test ended by the clock (see ``compare_texts``)."""
    comparison = compare_texts(
        reference,
        typed,
        profile.normalization,
        only_reached=only_reached,
        cut_by_clock=cut_by_clock,
    )
    minutes = max(duration_s, 1e-9) / 60.0
    characters = len(typed.strip())
    strokes = count_strokes(typed, profile)
    faults = count_faults(comparison.errors, profile)
    nettes = max(0.0, strokes - profile.fault_penalty * faults)
    uncorrected = len(comparison.errors)
    gross_wpm = characters / 5.0 / minutes if duration_s > 0 else 0.0
    net_wpm = max(0.0, gross_wpm - uncorrected / minutes) if duration_s > 0 else 0.0
    basis = nettes if profile.speed_basis == "net" else float(strokes)
    speed = basis / profile.strokes_per_word / minutes if duration_s > 0 else 0.0
    error_rate = faults / comparison.ref_words_reached if comparison.ref_words_reached else 0.0
    stats: KeystrokeStats | None = None
    if keystrokes:
        stats = keystroke_stats(
            keystrokes,
            reference,
            profile.normalization.translation(),
            end_ms=round(duration_s * 1000),
        )
    metrics = TypingMetrics(
        duration_s=duration_s,
        characters=characters,
        frappes_brutes=strokes,
        faults=faults,
        frappes_nettes=nettes,
        mots_par_minute=nettes / 6.0 / minutes if duration_s > 0 else 0.0,
        gross_wpm=gross_wpm,
        net_wpm=net_wpm,
        cpm=characters / minutes if duration_s > 0 else 0.0,
        speed=speed,
        accuracy=comparison.accuracy,
        keystroke_accuracy=stats.keystroke_accuracy if stats else None,
        uncorrected_errors=uncorrected,
        corrected_errors=stats.corrected_errors if stats else None,
        correction_time_s=stats.correction_time_s if stats else None,
        consistency=stats.consistency if stats else None,
        error_rate=error_rate,
        mark_20=_mark(profile, speed, faults, error_rate, strokes),
        passed=speed >= profile.pass_min_speed and error_rate <= profile.pass_max_error_rate,
    )
    return TypingScore(profile=profile, comparison=comparison, metrics=metrics)
