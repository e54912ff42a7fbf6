"""French error taxonomy on French copy-test cases: one test per class and per classic slip."""

from __future__ import annotations

import pytest

from frappe.scoring import (
    ScoringError,
    classify,
    classify_word_pair,
    compare_texts,
    count_faults,
    normalization_profile,
    score_typing,
    scoring_profile,
)
from frappe.scoring.score import _reference_side

REFERENCE = (
    "Madame Dupont est hospitalisée depuis le 12 mars.\n"
    "Elle souffre d’une insuffisance cardiaque : dyspnée et œdèmes.\n"
    "Le traitement est bien toléré.\n"
    "Nous la reverrons en consultation dans trois mois."
)


def errors_for(
    typed: str, profile: str = "frappe", reference: str = REFERENCE
) -> list[ScoringError]:
    normalization = scoring_profile(profile).normalization
    return list(compare_texts(reference, typed, normalization).errors)


def only_error(typed: str, profile: str = "frappe") -> ScoringError:
    errors = errors_for(typed, profile)
    assert len(errors) == 1, errors
    return errors[0]


def test_exact_copy_with_keyboard_forms_has_no_error() -> None:
    typed = REFERENCE.replace("’", "'").replace("œ", "oe")
    assert errors_for(typed) == []


@pytest.mark.parametrize(
    ("old", "new", "op", "error_class", "detail"),
    [
        ("hospitalisée", "hospitalisee", "substitution", "accent", None),
        ("Elle", "elle", "substitution", "case", "capital"),
        ("mars.", "mars", "substitution", "punctuation", None),
        ("traitement", "traitemnet", "transposition", "spelling", "letters"),
        ("consultation", "consultasion", "substitution", "spelling", None),
        ("Dupont", "Martin", "substitution", "word", None),
        ("est bien", "estbien", "substitution", "spacing", "missing-space"),
        ("insuffisance", "insuf fisance", "substitution", "spacing", "extra-space"),
        ("est bien", "bien est", "transposition", "word", "words"),
        ("cardiaque :", "cardiaque", "omission", "punctuation", None),
        ("trois mois", "trois trois mois", "insertion", "word", None),
        ("depuis le 12", "depuis 12", "omission", "word", None),
    ],
)
def test_each_class_is_recognised(
    old: str, new: str, op: str, error_class: str, detail: str | None
) -> None:
    error = only_error(REFERENCE.replace(old, new, 1))
    assert (error.op, error.error_class, error.detail) == (op, error_class, detail)


def test_cedilla_and_trema_are_accent_details() -> None:
    assert classify_word_pair("reçu", "recu") == ("substitution", "accent", "cedilla")
    assert classify_word_pair("naïf", "naif") == ("substitution", "accent", "trema")


def test_hyphen_split_is_one_punctuation_fault() -> None:
    reference = "Votre rendez-vous est fixé."
    errors = errors_for("Votre rendez vous est fixé.", reference=reference)
    assert [(e.error_class, e.detail, e.ref, e.hyp) for e in errors] == [
        ("punctuation", "hyphen", "rendez-vous", "rendez vous")
    ]


def test_skipped_line_is_one_line_fault_not_a_cascade() -> None:
    typed = REFERENCE.replace(
        "Elle souffre d’une insuffisance cardiaque : dyspnée et œdèmes.\n", ""
    )
    error = only_error(typed)
    assert (error.op, error.error_class) == ("omission", "line")
    assert error.ref == "Elle souffre d’une insuffisance cardiaque : dyspnée et œdèmes."
    assert error.ref_word_count == 9  # « : » is a word of its own
    score = score_typing(REFERENCE, typed, duration_s=60, profile=scoring_profile())
    assert score.metrics.faults == 1


def test_repeated_line_is_one_line_fault() -> None:
    line = "Le traitement est bien toléré.\n"
    error = only_error(REFERENCE.replace(line, line + line))
    assert (error.op, error.error_class) == ("insertion", "line")
    assert error.hyp == line.strip()


def test_skipped_sentence_inside_a_paragraph_is_one_line_fault() -> None:
    reference = "Le patient va mieux. Il rentre chez lui demain matin. Revoir dans un mois."
    typed = "Le patient va mieux. Revoir dans un mois."
    errors = errors_for(typed, reference=reference)
    assert [(e.op, e.error_class) for e in errors] == [("omission", "line")]


def test_spans_point_into_the_original_texts() -> None:
    typed = "Madame Dupont est hospitalisee depuis le 12 mars.\r\nElle"
    error = errors_for(typed)[0]
    assert REFERENCE[error.ref_span[0] : error.ref_span[1]] == "hospitalisée"
    assert typed[error.hyp_span[0] : error.hyp_span[1]] == "hospitalisee"


def test_spans_survive_decomposed_accents_and_crlf() -> None:
    typed = (
        "Madame Dupont est hospitalise\u0301e depuis le 12 mars.\r\nElle souffre d'une insufisance"
    )
    error = next(e for e in errors_for(typed) if e.error_class == "spelling")
    assert typed[error.hyp_span[0] : error.hyp_span[1]] == "insufisance"


def test_timed_copy_scores_only_the_reached_part() -> None:
    typed = REFERENCE[:80]  # stops inside "insuffisance"
    comparison = compare_texts(REFERENCE, typed, normalization_profile("frappe"), only_reached=True)
    assert comparison.errors == ()
    assert comparison.partial_last_word
    assert comparison.words.deletions == 0
    full = compare_texts(REFERENCE, typed, normalization_profile("frappe"))
    assert full.words.deletions > 10


def test_timed_copy_still_counts_a_skipped_word_before_the_end() -> None:
    typed = "Madame Dupont est hospitalisée le 12 mars.\nElle souffre"
    comparison = compare_texts(REFERENCE, typed, normalization_profile("frappe"), only_reached=True)
    assert [(e.op, e.ref) for e in comparison.errors] == [("omission", "depuis")]


def test_at_most_one_fault_per_word() -> None:
    profile = scoring_profile("traditionnel")
    # Two errors in one word (accent and a letter) and a separate word error.
    typed = REFERENCE.replace("hospitalisée", "hospitalizee").replace("Dupont", "Dupond")
    errors = errors_for(typed, "traditionnel")
    assert len(errors) == 2
    assert count_faults(errors, profile) == 2


def test_dictee_bareme_gives_half_faults() -> None:
    profile = scoring_profile("dictee")
    typed = REFERENCE.replace("hospitalisée", "hospitalisee").replace("Elle", "elle")
    errors = errors_for(typed, "dictee")
    assert count_faults(errors, profile) == 1.0  # two half faults


def test_dictee_counts_each_omitted_word() -> None:
    typed = REFERENCE.replace("dans trois ", "")
    dictee = scoring_profile("dictee")
    frappe = scoring_profile("frappe")
    errors = errors_for(typed, "dictee")
    assert count_faults(errors, dictee) == 2
    assert count_faults(errors_for(typed), frappe) == 1


def test_strict_profile_counts_what_frappe_tolerates() -> None:
    typed = REFERENCE.replace("œdèmes", "oedèmes")
    assert errors_for(typed, "frappe") == []
    assert [e.error_class for e in errors_for(typed, "traditionnel")] == ["spelling"]


def test_empty_typed_text_and_empty_reference() -> None:
    profile = scoring_profile()
    empty_typed = score_typing(REFERENCE, "", duration_s=60, profile=profile)
    assert empty_typed.metrics.frappes_brutes == 0
    assert empty_typed.comparison.errors == ()  # nothing reached in a timed copy
    untimed = compare_texts(REFERENCE, "", profile.normalization)
    assert untimed.words.deletions == untimed.words.ref_words > 0
    empty_ref = compare_texts("", "bonjour", profile.normalization)
    assert empty_ref.words.insertions == 1
    both = compare_texts("", "", profile.normalization)
    assert both.words.wer == 0.0
    assert both.errors == ()


def test_timed_copy_stopping_right_after_a_split_word_does_not_omit_the_next() -> None:
    reference = "Votre rendez-vous est fixé au lundi 3 mars à 9 h."
    comparison = compare_texts(
        reference, "Votre rendez vous", normalization_profile("frappe"), only_reached=True
    )
    assert comparison.ref_words_reached == 2
    assert [(e.error_class, e.detail) for e in comparison.errors] == [("punctuation", "hyphen")]


def test_reference_word_spans_kept_between_comparisons_change_no_error() -> None:
    """A batch keeps the original spans of the reference's words from one comparison to the
    next: errors are the same as with nothing kept, in any order of comparisons."""
    reference = REFERENCE.replace("cardiaque", "cardiaque « sévère »") + " Sœur Élodie…"
    typed_texts = [
        reference.replace("Dupont", "Dupond").replace("œdèmes", "oedemes"),
        reference.replace("cardiaque « sévère »", 'cardiaq "severe"').replace("Sœur", "Soeur"),
        reference.replace("est hospitalisée", "esthospitalisée").replace("trois", "troi"),
        reference[:120] + "Le traitemnet",
    ]
    normalization = scoring_profile("frappe").normalization
    alone = []
    for typed in typed_texts:
        _reference_side.cache_clear()
        alone.append(compare_texts(reference, typed, normalization).errors)
    _reference_side.cache_clear()
    for typed, expected in zip(reversed(typed_texts), reversed(alone), strict=True):
        assert compare_texts(reference, typed, normalization).errors == expected
    assert all(alone)


def test_remembered_word_pair_verdicts_match_a_fresh_classification() -> None:
    pairs = [("cardiaque", "cardiaqeu"), ("dyspnée", "dyspnee"), ("Madame", "madame")]
    pairs.append(("x" * 40, "y" * 40))  # too long to be remembered
    remembered = classify._remembered_verdict
    remembered.cache_clear()
    for _ in range(2):  # the second round reads the remembered verdicts
        for ref, hyp in pairs:
            assert classify._pair_verdict(ref, hyp) == classify_word_pair(ref, hyp)
    # The three short pairs remembered once and read back once; the long one never kept.
    info = remembered.cache_info()
    assert (info.currsize, info.misses, info.hits) == (3, 3, 3)
    assert remembered("dyspnée", "dyspnee") == ("substitution", "accent", None)
    assert remembered.cache_info().hits == 4
