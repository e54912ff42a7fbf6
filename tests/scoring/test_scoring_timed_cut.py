"""The last word cut by the clock is never a fault (issue 9 §1).

On the old code, « … une dou », « … pour u », « … douleur thor » and « Le pat » each gave one
fault (the cut word was read as an inserted word), and so did « par » for « parking » and
« rend » for « rendez-vous, » in the app; these tests fail there.
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frappe.scoring import compare_texts, normalization_profile, scoring_profile
from frappe.scoring.score import score_typing

REFERENCE = "Le patient est arrivé hier soir pour une douleur thoracique."
APPOINTMENT = "Pour le parking, prenez votre rendez-vous, puis présentez-vous à l'accueil."


@pytest.mark.parametrize(
    "typed",
    [
        "Le patient est arrivé hier soir pour une dou",
        "Le patient est arrivé hier soir pour u",
        "Le patient est arrivé hier soir pour une douleur thor",
        "Le pat",
        "L",
        "Le patient est arrivé hi",
        "Le patient est arr",
        "Le patient est arrivé hier soir pour une douleur thoracique",
    ],
)
def test_a_word_cut_by_the_clock_is_not_a_fault(typed: str) -> None:
    score = score_typing(REFERENCE, typed, duration_s=60, profile=scoring_profile())
    assert score.metrics.faults == 0
    assert score.comparison.errors == ()
    assert score.comparison.partial_last_word


@pytest.mark.parametrize(
    "typed", ["Pour le par", "Pour le parking, prenez votre rend", "Pour le parking, prenez rend"]
)
def test_app_examples_cut_in_parking_and_rendez_vous(typed: str) -> None:
    score = score_typing(APPOINTMENT, typed, duration_s=60, profile=scoring_profile())
    # The last case skipped « votre »: that omission is a fault, the cut word is not.
    expected = 1 if "prenez rend" in typed else 0
    assert score.metrics.faults == expected
    assert all(e.hyp not in {"rend", "par"} for e in score.comparison.errors)


def test_a_final_word_that_is_not_a_beginning_is_scored() -> None:
    score = score_typing(
        REFERENCE,
        "Le patient est arrivé hier soir pour une dx",
        duration_s=60,
        profile=scoring_profile(),
    )
    assert score.metrics.faults == 1
    assert not score.comparison.partial_last_word


def test_a_finished_word_followed_by_a_space_is_scored() -> None:
    score = score_typing(REFERENCE, "Le pat ", duration_s=60, profile=scoring_profile())
    assert score.metrics.faults == 1


def test_a_candidate_who_stopped_is_not_cut_by_the_clock() -> None:
    stopped = score_typing(
        REFERENCE, "Le pat", duration_s=60, profile=scoring_profile(), cut_by_clock=False
    )
    assert stopped.metrics.faults == 1


def test_the_prefix_is_judged_after_the_profile_folds() -> None:
    reference = "Le cœur de l'École bat."
    score = score_typing(reference, "Le coeur de l'Ec", duration_s=60, profile=scoring_profile())
    assert score.metrics.faults == 0


WORDS = [
    "Le",
    "patient",
    "est",
    "arrivé",
    "hier",
    "soir",
    "à",
    "l'hôpital",
    "cœur",
    "École",
    "rendez-vous,",
    "thoracique.",
    "«",
    "Bonjour",
    "»",
    "3",
    "mg",
    "ça",
    "…",
    "a",
]


@st.composite
def cut_copies(draw: st.DrawFn) -> tuple[str, str]:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=30))
    separators = draw(st.lists(st.sampled_from([" ", " ", " ", "\n", "\n\n"]), min_size=len(words)))
    reference = "".join(w + s for w, s in zip(words, separators, strict=False)).rstrip()
    inside = [
        i
        for i in range(1, len(reference))
        if not reference[i - 1].isspace() and not reference[i].isspace()
    ]
    if not inside:
        inside = [len(reference)]
    cut = draw(st.sampled_from(inside))
    return reference, reference[:cut]


@settings(max_examples=300, deadline=None)
@given(cut_copies(), st.sampled_from(["frappe", "traditionnel", "intersteno", "dictee"]))
def test_property_a_correct_copy_cut_inside_a_word_has_no_fault(
    pair: tuple[str, str], profile_name: str
) -> None:
    reference, typed = pair
    assert unicodedata.is_normalized("NFC", reference)
    profile = scoring_profile(profile_name)
    score = score_typing(reference, typed, duration_s=60, profile=profile)
    assert score.metrics.faults == 0, score.comparison.errors
    assert (
        compare_texts(
            reference, typed, normalization_profile(profile.normalization.name), only_reached=True
        ).errors
        == ()
    )
