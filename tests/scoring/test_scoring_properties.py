"""Property-based tests of the scoring core, with jiwer as the oracle for WER and CER."""

from __future__ import annotations

import unicodedata

import jiwer
from hypothesis import given, settings
from hypothesis import strategies as st

from frappe.scoring import (
    align_chars,
    align_tokens,
    char_error_rate,
    compare_texts,
    normalization_profile,
    word_measures,
)
from frappe.scoring.align import AlignmentChunk

WORDS = [
    "le",
    "la",
    "patient",
    "hôpital",
    "élève",
    "dossier",
    "à",
    "été",
    "ça",
    "cœur",
    "rendez-vous",
]
words = st.lists(st.sampled_from(WORDS), min_size=0, max_size=25)
nonempty_words = st.lists(st.sampled_from(WORDS), min_size=1, max_size=25)


def apply_chunks(
    ref: list[str] | str, hyp: list[str] | str, chunks: list[AlignmentChunk]
) -> list[str]:
    out: list[str] = []
    for chunk in chunks:
        if chunk.tag == "equal":
            out.extend(ref[chunk.ref_start : chunk.ref_end])
        elif chunk.tag in ("replace", "insert"):
            out.extend(hyp[chunk.hyp_start : chunk.hyp_end])
    return out


@given(words, words)
def test_applying_the_word_alignment_to_the_reference_gives_the_typed_words(
    ref: list[str], hyp: list[str]
) -> None:
    assert apply_chunks(ref, hyp, align_tokens(ref, hyp)) == hyp


@given(st.text(alphabet="abcéèç ,.'", max_size=60), st.text(alphabet="abcéèç ,.'", max_size=60))
def test_applying_the_character_alignment_gives_the_typed_text(ref: str, hyp: str) -> None:
    assert "".join(apply_chunks(ref, hyp, align_chars(ref, hyp))) == hyp


@given(nonempty_words, words)
def test_word_measures_equal_jiwer(ref: list[str], hyp: list[str]) -> None:
    measures = word_measures(align_tokens(ref, hyp))
    oracle = jiwer.process_words(" ".join(ref), " ".join(hyp))
    assert (measures.hits, measures.substitutions, measures.deletions, measures.insertions) == (
        oracle.hits,
        oracle.substitutions,
        oracle.deletions,
        oracle.insertions,
    )
    assert abs(measures.wer - oracle.wer) < 1e-12


@given(
    st.text(alphabet="abcdéà ", min_size=1, max_size=80), st.text(alphabet="abcdéà ", max_size=80)
)
def test_cer_equals_jiwer(ref: str, hyp: str) -> None:
    ref, hyp = " ".join(ref.split()), " ".join(hyp.split())
    if not ref:
        return
    assert abs(char_error_rate(ref, hyp) - jiwer.cer(ref, hyp)) < 1e-12


@given(nonempty_words, words)
def test_compare_texts_measures_equal_jiwer_on_the_wer_profile(
    ref: list[str], hyp: list[str]
) -> None:
    ref_text, hyp_text = " ".join(ref), " ".join(hyp)
    comparison = compare_texts(ref_text, hyp_text, normalization_profile("wer"))
    transform = jiwer.Compose(
        [
            jiwer.ToLowerCase(),
            jiwer.SubstituteRegexes({r"['\-]": " "}),
            jiwer.RemovePunctuation(),
            jiwer.RemoveMultipleSpaces(),
            jiwer.Strip(),
            jiwer.ReduceToListOfListOfWords(),
        ]
    )
    oracle = jiwer.process_words(
        ref_text, hyp_text, reference_transform=transform, hypothesis_transform=transform
    )
    assert comparison.words.wer == oracle.wer


def default_fold_variants(text: str) -> list[str]:
    """The same text as other keyboards/terminals/editors produce it."""
    return [
        text.replace("'", "\u2019"),
        unicodedata.normalize("NFD", text),
        text.replace("\n", "\r\n"),
        text.replace(" :", "\u00a0:").replace(" ;", "\u202f;"),
        text.replace("\n", "   \n"),
        text.replace("...", "…"),
    ]


sentences = st.lists(
    st.lists(st.sampled_from([*WORDS, "l'été", ":", "mars."]), min_size=1, max_size=8).map(
        " ".join
    ),
    min_size=1,
    max_size=5,
).map("\n".join)


@settings(max_examples=60)
@given(sentences, sentences)
def test_scores_are_invariant_under_the_default_folds(reference: str, typed: str) -> None:
    profile = normalization_profile("strict")
    base = compare_texts(reference, typed, profile)
    for variant in default_fold_variants(typed):
        other = compare_texts(reference, variant, profile)
        assert [(e.op, e.error_class) for e in other.errors] == [
            (e.op, e.error_class) for e in base.errors
        ]
        assert other.words == base.words
        for error in other.errors:
            # Spans always cut the typed text at valid places.
            assert 0 <= error.hyp_span[0] <= error.hyp_span[1] <= len(variant)


DISTINCT = [f"mot{i}" for i in range(40)]


@given(
    st.lists(
        st.lists(st.sampled_from(DISTINCT), min_size=3, max_size=7, unique=True),
        min_size=3,
        max_size=8,
    ),
    st.data(),
)
def test_a_skipped_line_is_one_fault(lines: list[list[str]], data: st.DataObject) -> None:
    texts = [" ".join(line) for line in lines]
    if len(set(texts)) != len(texts):
        return
    skipped = data.draw(st.integers(min_value=0, max_value=len(texts) - 1))
    reference = "\n".join(texts)
    typed = "\n".join(t for i, t in enumerate(texts) if i != skipped)
    comparison = compare_texts(reference, typed, normalization_profile("strict"))
    assert [(e.op, e.error_class) for e in comparison.errors] == [("omission", "line")]
    assert comparison.errors[0].ref == texts[skipped]


@given(st.text(alphabet="aeÉéèçÇœ«».,;:!?()[]{}-–—…/\\*_'\"xZ \u0301\u0327", max_size=12))
def test_strip_accents_and_punctuation_equal_their_definitions(word: str) -> None:
    """The cached / translate-based versions against the character-by-character definitions."""
    from frappe.scoring.normalize import (  # noqa: PLC0415
        _PUNCTUATION_CHARS,
        strip_accents,
        strip_punctuation,
    )

    decomposed = unicodedata.normalize("NFD", word)
    assert strip_accents(word) == "".join(c for c in decomposed if not unicodedata.combining(c))
    assert strip_punctuation(word) == "".join(c for c in word if c not in _PUNCTUATION_CHARS)
