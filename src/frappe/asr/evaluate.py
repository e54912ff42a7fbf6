"""Comparing a draft with its reference: the text normalisation used for WER.

Lowercase, number words as digits on both sides (« quatre-vingt-quinze » and ``95`` are the
same word), punctuation and layout removed. Accents are kept: an accent error is an error.
"""

from __future__ import annotations

import re

from rapidfuzz.distance import Levenshtein

from frappe.asr.numbers import number_words_to_digits

__all__ = ["normalise_for_wer", "word_error_rate"]

_NOT_WORD = re.compile(r"[^\w]+")


def normalise_for_wer(text: str) -> str:
    """``text`` lowercased, numbers in digits, punctuation removed, one space between words."""
    text = number_words_to_digits(text.replace("’", "'")).casefold()
    return " ".join(_NOT_WORD.sub(" ", text).split())


def word_error_rate(reference: str, hypothesis: str) -> float:
    """WER of ``hypothesis`` against ``reference`` after :func:`normalise_for_wer`.

    An empty reference gives 0.0 for an empty hypothesis and 1.0 otherwise.
    """
    ref = normalise_for_wer(reference).split()
    hyp = normalise_for_wer(hypothesis).split()
    if not ref:
        return 0.0 if not hyp else 1.0
    return Levenshtein.distance(ref, hyp) / len(ref)
