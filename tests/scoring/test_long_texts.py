"""Long texts stay exact while the alignment is banded (issue 14 §6).

Large pairs go through rapidfuzz's doubling band (Ukkonen); the result must have the same
optimal edit cost as the full alignment, on random pairs up to 5,000 words. Timings are in
``make bench`` (benchmarks/bench_scoring.py), not here.
"""

from __future__ import annotations

import itertools
import random

import pytest
from rapidfuzz.distance import Levenshtein

from frappe.scoring import compare_texts, normalization_profile, scoring_profile
from frappe.scoring.align import AlignmentChunk, align_tokens, banded_hint, tokenize
from frappe.scoring.measures import char_distance
from frappe.scoring.normalize import _fold_matches, normalize
from frappe.scoring.score import score_typing


def edited(words: list[str], rate: float, vocabulary: list[str], rng: random.Random) -> list[str]:
    """``words`` with about ``rate`` of them edited: substituted, deleted, inserted, or a run of
    up to 40 words dropped or added."""
    out = list(words)
    for _ in range(int(len(words) * rate)):
        if not out:
            break
        i = rng.randrange(len(out))
        kind = rng.random()
        if kind < 0.3:
            out[i] = rng.choice(vocabulary)
        elif kind < 0.5:
            del out[i]
        elif kind < 0.7:
            out.insert(i, rng.choice(vocabulary))
        elif kind < 0.85:
            del out[i : i + rng.randint(1, 40)]
        else:
            out[i:i] = [rng.choice(vocabulary) for _ in range(rng.randint(1, 40))]
    return out


def cost(chunks: list[AlignmentChunk], ref: list[str], hyp: list[str]) -> int:
    """The edit cost of an alignment, checked to be a valid alignment of the two lists."""
    i = j = 0
    total = 0
    for chunk in chunks:
        assert (chunk.ref_start, chunk.hyp_start) == (i, j)
        ref_len = chunk.ref_end - chunk.ref_start
        hyp_len = chunk.hyp_end - chunk.hyp_start
        if chunk.tag == "equal":
            assert ref[chunk.ref_start : chunk.ref_end] == hyp[chunk.hyp_start : chunk.hyp_end]
        else:
            total += max(ref_len, hyp_len)
        i, j = chunk.ref_end, chunk.hyp_end
    assert (i, j) == (len(ref), len(hyp))
    return total


@pytest.mark.parametrize("seed", range(6))
def test_banded_word_alignment_has_the_full_alignments_cost(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(5):
        vocabulary = [f"m{k}" for k in range(rng.choice([3, 20, 500, 5000]))]
        ref = [rng.choice(vocabulary) for _ in range(rng.randint(2100, 5000))]
        hyp = edited(ref, rng.choice([0.001, 0.01, 0.05, 0.3]), vocabulary, rng)
        assert banded_hint(len(ref), len(hyp)) is not None  # the banded path is the one tested
        chunks = align_tokens(ref, hyp)
        assert cost(chunks, ref, hyp) == Levenshtein.distance(ref, hyp)


@pytest.mark.parametrize("seed", range(4))
def test_banded_character_distance_is_exact(seed: int) -> None:
    rng = random.Random(100 + seed)
    alphabet = "abcdeé '\n"
    for _ in range(4):
        ref = "".join(rng.choice(alphabet) for _ in range(rng.randint(3000, 20000)))
        hyp = list(ref)
        for _ in range(int(len(ref) * rng.choice([0.0005, 0.01, 0.1]))):
            i = rng.randrange(len(hyp))
            hyp[i : i + rng.randint(0, 3)] = rng.choice(alphabet) * rng.randint(0, 3)
        typed = "".join(hyp)
        assert char_distance(ref, typed) == Levenshtein.distance(ref, typed)


def test_a_long_copy_compares_like_a_short_one() -> None:
    sentence = "Le patient est arrivé hier soir pour une douleur thoracique. "
    reference = sentence * 800  # 48,000 characters, 7,200 words
    typed = reference.replace("hier soir", "hier", 3).replace("douleur", "doleur", 5)
    comparison = compare_texts(reference, typed, normalization_profile("frappe"))
    kinds = sorted((e.op, e.error_class) for e in comparison.errors)
    assert kinds == [("omission", "word")] * 3 + [("substitution", "spelling")] * 5
    # Word offsets come from the vectorised tokenizer on such a text: spans still point at the
    # typed words.
    assert {typed[e.hyp_span[0] : e.hyp_span[1]] for e in comparison.errors} == {"doleur", ""}


def test_tokenize_gives_the_same_offsets_on_long_and_short_texts() -> None:
    rng = random.Random(5)
    pieces = ["mot", "é", " ", "\n", "\t", "\u00a0", "\u3000", "«", "\x1c", "\U0001f600"]
    text = "".join(rng.choice(pieces) for _ in range(30_000))
    long_tokens = tokenize(text)
    assert long_tokens.words == text.split()
    for word, start, end in zip(
        long_tokens.words, long_tokens.starts, long_tokens.ends, strict=True
    ):
        assert text[start:end] == word


def test_a_huge_typed_text_after_a_short_reference_reaches_its_end() -> None:
    reference = "Le patient est arrivé hier soir pour une douleur thoracique."
    typed = (reference + " ") * 20_000  # 1.2 MB typed against one sentence
    score = score_typing(reference, typed, duration_s=600, profile=scoring_profile())
    assert score.comparison.ref_words_reached == len(reference.split())
    assert score.metrics.faults == 1  # the added words, once


@pytest.mark.parametrize("seed", range(3))
def test_the_word_alignment_bound_leaves_the_character_distance_exact(seed: int) -> None:
    """Long texts start the character band from the word alignment's cost (an upper bound):
    the distance, hence accuracy and CER, stays the full distance."""
    rng = random.Random(200 + seed)
    vocabulary = ["le", "patient", "arrivé", "douleur", "thoracique.", "«", "»", "l'", "-"]
    ref_words = [rng.choice(vocabulary) for _ in range(rng.randint(6000, 9000))]
    hyp_words = edited(ref_words, rng.choice([0.001, 0.02, 0.2]), vocabulary, rng)
    separators = [" ", " ", " ", "\n", "\n\n"]
    reference = "".join(w + rng.choice(separators) for w in ref_words).strip()
    typed = "".join(w + rng.choice(separators) for w in hyp_words).strip()
    norm = normalization_profile("frappe")
    comparison = compare_texts(reference, typed, norm)
    ref_norm, hyp_norm = normalize(reference, norm).text, normalize(typed, norm).text
    distance = Levenshtein.distance(ref_norm.strip(), hyp_norm.strip())
    assert comparison.cer == distance / len(ref_norm.strip())


@pytest.mark.parametrize("seed", range(4))
def test_fold_matches_are_the_profile_patterns_matches(seed: int) -> None:
    """The look-back search of a long text's folds finds exactly what the profile's regular
    expression (the specification) finds."""
    rng = random.Random(300 + seed)
    pieces = [" ", " ", "  ", "»", "«", "\n", "\r", "\r\n", "…", "œ", "Æ", "mot", "é", "."]
    for name in ("strict", "frappe", "wer"):
        profile = normalization_profile(name)
        for _ in range(150):
            text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
            pattern = profile.pattern(text)
            expected = (
                [(m.start(), m.end(), m.lastgroup, m.group()) for m in pattern.finditer(text)]
                if pattern is not None
                else []
            )
            assert list(_fold_matches(text, profile)) == expected, repr(text)


@pytest.mark.parametrize("seed", range(3))
def test_anchored_word_alignment_has_the_full_alignments_cost(seed: int) -> None:
    """From 20,000 words a side, pieces between anchors are aligned and their total proven
    optimal; repeated text (anchors that recur) and heavy edits (no proof: the whole
    alignment runs) included."""
    rng = random.Random(400 + seed)
    for period, rate in ((None, 0.001), (3000, 0.01), (None, 0.3)):
        vocabulary = [f"m{k}" for k in range(2000)]
        if period is None:
            ref = [rng.choice(vocabulary) for _ in range(rng.randint(20_000, 26_000))]
        else:
            block = [rng.choice(vocabulary) for _ in range(period)]
            ref = (block * 9)[: rng.randint(20_000, 26_000)]
        hyp = edited(ref, rate, vocabulary, rng)
        if min(len(ref), len(hyp)) < 20_000:
            hyp += ref[len(hyp) : 20_000]
        chunks = align_tokens(ref, hyp)
        assert cost(chunks, ref, hyp) == Levenshtein.distance(ref, hyp)
        assert all(  # an equal run is one chunk, as a whole alignment gives it
            not (a.tag == b.tag == "equal") for a, b in itertools.pairwise(chunks)
        )


def test_a_misleading_anchor_falls_back_to_the_whole_alignment() -> None:
    """300 words dropped before the 2,000th, and a copy of the 16 words there typed where they
    were expected: the pieces cut at that copy cost more than the optimum, which is then found
    by aligning the whole."""
    rng = random.Random(7)
    ref = [f"m{rng.randrange(5000)}" for _ in range(24_000)]
    decoy = ref[2000:2016]
    hyp = ref[:1700] + ref[2000:2300] + decoy + ref[2300:]
    chunks = align_tokens(ref, hyp)
    assert cost(chunks, ref, hyp) == Levenshtein.distance(ref, hyp) == 316
