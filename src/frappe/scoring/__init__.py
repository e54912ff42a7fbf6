"""frappe's scoring core: pure functions, no I/O.

One module per concern: ``normalize`` (profiles of tolerated differences, offsets kept),
``align`` (rapidfuzz alignment), ``classify`` (the French error taxonomy), ``measures``
(WER/CER as jiwer), ``keystrokes`` (keystroke logs), ``profiles`` (scoring constants as data)
and ``score`` (the entry points).
"""

from frappe.scoring.align import AlignmentChunk, align_chars, align_tokens, tokenize
from frappe.scoring.classify import ERROR_CLASSES, ScoringError, classify_word_pair
from frappe.scoring.keystrokes import Keystroke, keystroke_stats, replay
from frappe.scoring.measures import WordMeasures, char_error_rate, word_measures
from frappe.scoring.normalize import NormalizationProfile, NormalizedText, normalize
from frappe.scoring.profiles import (
    DEFAULT_PROFILE,
    ScoringProfile,
    load_profiles,
    normalization_profile,
    scoring_profile,
    scoring_profiles,
)
from frappe.scoring.score import (
    TextComparison,
    TypingMetrics,
    TypingScore,
    compare_texts,
    count_faults,
    count_strokes,
    score_typing,
)

__all__ = [
    "DEFAULT_PROFILE",
    "ERROR_CLASSES",
    "AlignmentChunk",
    "Keystroke",
    "NormalizationProfile",
    "NormalizedText",
    "ScoringError",
    "ScoringProfile",
    "TextComparison",
    "TypingMetrics",
    "TypingScore",
    "WordMeasures",
    "align_chars",
    "align_tokens",
    "char_error_rate",
    "classify_word_pair",
    "compare_texts",
    "count_faults",
    "count_strokes",
    "keystroke_stats",
    "load_profiles",
    "normalization_profile",
    "normalize",
    "replay",
    "score_typing",
    "scoring_profile",
    "scoring_profiles",
    "tokenize",
    "word_measures",
]
