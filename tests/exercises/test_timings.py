"""Word timings: the anchored alignment of reference and recognised words is as good as the
full similarity alignment (same cost) on every bundled dictation, and maps passages to times."""

from __future__ import annotations

import pytest
from rapidfuzz import fuzz

from frappe.exercises import timings
from frappe.exercises.dictations import Dictation, list_dictations
from frappe.exercises.timings import PassageFinder, WordTiming, load_timings


def _tokens(dictation: Dictation) -> tuple[list[str], list[str]]:
    words = load_timings(dictation.folder)
    assert words is not None
    reference = dictation.reference_text()
    tokens = [t for t in (timings._token(w) for w in reference.split()) if t]
    return tokens, [timings._token(w.text) for w in words]


def _cost(tokens: list[str], heard: list[str], match: list[int]) -> float:
    """The alignment's cost: dissimilarity of aligned pairs, a gap for every word left out."""
    paired = [(i, j) for i, j in enumerate(match) if j >= 0]
    assert [j for _i, j in paired] == sorted({j for _i, j in paired})  # in order, each once
    cost = sum(1.0 - fuzz.ratio(tokens[i], heard[j]) / 100.0 for i, j in paired)
    return cost + timings._GAP * (len(tokens) + len(heard) - 2 * len(paired))


@pytest.mark.parametrize("dictation", list_dictations(), ids=lambda d: d.id[:3])
def test_anchored_alignment_is_optimal_on_the_corpus(dictation: Dictation) -> None:
    tokens, heard = _tokens(dictation)
    anchored = timings._align(tokens, heard)
    full = timings._align_by_similarity(tokens, heard)
    assert _cost(tokens, heard, anchored) == pytest.approx(_cost(tokens, heard, full))
    assert sum(j >= 0 for j in anchored) > 0.6 * len(tokens)


def test_a_misheard_name_keeps_its_time() -> None:
    heard = "madame lucie marchand virgule née le douze mars mille neuf cent cinquante-huit"
    words = tuple(WordTiming(w, i * 0.5, i * 0.5 + 0.4) for i, w in enumerate(heard.split()))
    reference = "Madame Lucie Marchal, née le 12/03/1958"
    finder = PassageFinder(reference, words)
    start = reference.index("Marchal")
    span = finder.passage(start, start + len("Marchal,"))
    assert span is not None
    # From just before « marchand » (word 2, 1.0 s) to « virgule » said after it (word 3).
    assert span == pytest.approx((1.0 - 0.6, 1.9 + 0.4))
    date = reference.index("12/03/1958")
    begin, end = finder.passage(date, date + 10) or (0.0, 0.0)
    # Everything said for the date: « douze » (word 6) to « cinquante-huit » (word 11).
    assert begin == pytest.approx(6 * 0.5 - 0.6) and end == pytest.approx(11 * 0.5 + 0.4 + 0.4)
