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

from frappe.scoring import compare_texts, measures, normalization_profile, scoring_profile
from frappe.scoring.align import AlignmentChunk, align_tokens, banded_hint, tokenize
from frappe.scoring.measures import char_distance, cut_texts_distance
from frappe.scoring.normalize import _fold_matches, normalize
from frappe.scoring.score import _equal_run_edges, score_typing


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


def typed_copy(reference: str, rate: float, rng: random.Random, alphabet: str) -> str:
    """``reference`` with about ``rate`` of its characters edited: substituted, deleted,
    inserted (up to 3 at once), or two swapped."""
    chars = list(reference)
    for _ in range(int(len(chars) * rate)):
        i = rng.randrange(len(chars) - 1)
        kind = rng.random()
        if kind < 0.3:
            chars[i] = rng.choice(alphabet)
        elif kind < 0.5:
            del chars[i : i + rng.randint(1, 3)]
        elif kind < 0.8:
            chars[i:i] = rng.choices(alphabet, k=rng.randint(1, 3))
        else:
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
    return "".join(chars)


def word_cuts(reference: str, typed: str) -> tuple[list[int], list[int]]:
    """Where ``compare_texts`` cuts two texts: the edges of its word alignment's equal runs."""
    ref_tokens, hyp_tokens = tokenize(reference), tokenize(typed)
    chunks = align_tokens(ref_tokens.words, hyp_tokens.words)
    return _equal_run_edges(reference, typed, ref_tokens, hyp_tokens, chunks, 0, 0)


def random_cuts(ref: str, hyp: str, rng: random.Random) -> tuple[list[int], list[int]]:
    """Cuts of both texts into as many pieces, anywhere (a poor alignment's cuts)."""
    count = rng.randint(0, 60)
    ref_cuts = sorted(rng.randint(0, len(ref)) for _ in range(count))
    hyp_cuts = sorted(rng.randint(0, len(hyp)) for _ in range(count))
    return ref_cuts, hyp_cuts


@pytest.mark.parametrize("seed", range(6))
def test_the_distance_of_cut_texts_is_the_exact_distance(seed: int) -> None:
    """Whatever the cuts (a word alignment's, or random ones), and whether the blocks' proof
    holds (text that does not repeat itself) or not (a text of a few letters, or a sentence
    repeated: its blocks match elsewhere in their windows), the result is the distance."""
    rng = random.Random(500 + seed)
    words = [
        "".join(rng.choices("abcdefghijklmnopqrstuvwxyzéèàç", k=rng.randint(1, 9)))
        for _ in range(3000)
    ]
    sentence = "Le patient est arrivé hier soir pour une douleur thoracique. "
    for source in ("words", "letters", "repeated"):
        length = rng.randint(5_000, 40_000)
        if source == "words":
            reference = " ".join(rng.choices(words, k=length // 5))
        elif source == "letters":
            reference = "".join(rng.choices("ab ", k=length))
        else:
            reference = (sentence * (length // len(sentence) + 1))[:length]
        typed = typed_copy(reference, rng.choice([0.0002, 0.002, 0.02, 0.2]), rng, "abé ")
        expected = Levenshtein.distance(reference, typed)
        for ref_cuts, hyp_cuts in (
            word_cuts(reference, typed),
            random_cuts(reference, typed, rng),
            ([], []),
        ):
            assert cut_texts_distance(reference, typed, ref_cuts, hyp_cuts) == expected


def proven_distance(reference: str, typed: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    """``cut_texts_distance`` at the word alignment's cuts, with rapidfuzz's band made to fail
    the test if it runs; and the full distance."""
    ref_cuts, hyp_cuts = word_cuts(reference, typed)
    expected = Levenshtein.distance(reference, typed)

    def no_band(*_args: object, **_kwargs: object) -> int:
        raise AssertionError("the band ran")

    monkeypatch.setattr(measures, "char_distance", no_band)
    return cut_texts_distance(reference, typed, ref_cuts, hyp_cuts), expected


def test_an_almost_equal_copy_is_proven_without_the_band(monkeypatch: pytest.MonkeyPatch) -> None:
    """Text that does not repeat itself, typed with an edit every ~500 characters and words
    added before and after it: each block matches its window nowhere for less than its own
    distance (the first and the last only where the texts start and end), so the sum of the
    blocks is the distance, and rapidfuzz's band (linear × distance) never runs."""
    rng = random.Random(9)
    words = [
        "".join(rng.choices("abcdefghijklmnopqrstuvwxyzé", k=rng.randint(2, 9)))
        for _ in range(5000)
    ]
    reference = " ".join(rng.choices(words, k=40_000))
    typed = "Cher confrère, " + typed_copy(reference, 0.002, rng, "aeiouéè ") + " Bien à vous."
    found, expected = proven_distance(reference, typed, monkeypatch)
    assert found == expected > 400


def test_texts_of_more_than_256_characters_still_get_the_exact_distance() -> None:
    """edlib compares bytes: beyond 256 different characters the band decides."""
    alphabet = [chr(0x4E00 + k) for k in range(300)]
    rng = random.Random(11)
    reference = "".join(rng.choices(alphabet, k=8000))
    typed = typed_copy(reference, 0.005, rng, "".join(alphabet))
    ref_cuts, hyp_cuts = random_cuts(reference, typed, rng)
    expected = Levenshtein.distance(reference, typed)
    assert cut_texts_distance(reference, typed, ref_cuts, hyp_cuts) == expected


def matching_cuts(ref: str, hyp: str, rng: random.Random) -> tuple[list[int], list[int]]:
    """Cuts around equal substrings picked at random, in order in both texts: equal pieces
    that a good alignment would not pair, so that the blocks' sum often exceeds the distance
    and the proof must see it."""
    ref_cuts: list[int] = []
    hyp_cuts: list[int] = []
    i = j = 0
    while i < len(ref) and j < len(hyp):
        i, j = rng.randint(i, min(len(ref) - 1, i + 40)), rng.randint(j, min(len(hyp) - 1, j + 40))
        length = 0
        while (
            i + length < len(ref) and j + length < len(hyp) and ref[i + length] == hyp[j + length]
        ):
            length += 1
        if length:
            ref_cuts += [i, i + length]
            hyp_cuts += [j, j + length]
        i, j = i + length + 1, j + length + 1
    return ref_cuts, hyp_cuts


@pytest.mark.parametrize("seed", range(20))
def test_a_poor_alignments_cuts_still_give_the_distance(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Short texts of a few letters (where a block matches elsewhere in its window) cut at
    equal substrings paired at random, or where an optimal alignment cuts them: the proof
    must fail whenever the blocks' sum is not the distance. It holds for any context; short
    ones make many blocks in such texts. (Seeds 1 and 15 catch a proof that would look for a
    middle block's match only at its window's start; 1, one that would narrow the window.)"""
    rng = random.Random(seed)
    proven = 0
    for context in (0, 1, 3):
        monkeypatch.setattr(measures, "_CONTEXT", context)
        for _ in range(300):
            alphabet = rng.choice(["ab", "abc ", "abcdefgh ", "abcdefghijklmnopqrstuvwxyzé "])
            reference = "".join(rng.choices(alphabet, k=rng.randint(1, 400)))
            typed = typed_copy(reference + "..", rng.choice([0.01, 0.05, 0.2]), rng, alphabet)
            expected = Levenshtein.distance(reference, typed)
            for ref_cuts, hyp_cuts in (
                matching_cuts(reference, typed, rng),
                optimal_cuts(reference, typed),
            ):
                blocks, bound = measures._differing_blocks(reference, typed, ref_cuts, hyp_cuts)
                proven += bound > 0 and measures._blocks_are_optimal(
                    reference, typed, blocks, bound
                )
                assert cut_texts_distance(reference, typed, ref_cuts, hyp_cuts) == expected
    assert proven >= 100  # the proof's own path is tested, not only the band's


def optimal_cuts(ref: str, hyp: str) -> tuple[list[int], list[int]]:
    """The cuts of an optimal alignment of the characters (the proof may hold)."""
    ops = Levenshtein.opcodes(ref, hyp)
    return [op.src_start for op in ops][1:], [op.dest_start for op in ops][1:]


def test_without_edlib_the_band_gives_the_same_distance(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where edlib is not installed (no wheel for Windows), the band decides: same result."""
    rng = random.Random(12)
    reference = " ".join(rng.choices(["patient", "douleur", "arrivé", "hier", "soir"], k=9000))
    typed = typed_copy(reference, 0.003, rng, "aeiou ")
    ref_cuts, hyp_cuts = word_cuts(reference, typed)
    with_edlib = cut_texts_distance(reference, typed, ref_cuts, hyp_cuts)
    monkeypatch.setattr(measures, "_edlib_align", lambda: None)
    assert cut_texts_distance(reference, typed, ref_cuts, hyp_cuts) == with_edlib
    assert with_edlib == Levenshtein.distance(reference, typed)


def test_characters_beyond_latin_1_keep_the_proof(monkeypatch: pytest.MonkeyPatch) -> None:
    """’, œ and € (kept by the strict profile) get byte values of their own for edlib: the
    proof still holds without the band, and the distance is the full one."""
    rng = random.Random(13)
    letters = "abcdefghijklmnopqrstuvwxyzéèàç’œ€"
    words = ["".join(rng.choices(letters, k=rng.randint(2, 9))) for _ in range(5000)]
    reference = " ".join(rng.choices(words, k=20_000))
    typed = typed_copy(reference, 0.002, rng, "aeiou’œ€ ")
    found, expected = proven_distance(reference, typed, monkeypatch)
    assert found == expected > 100
