"""Normalisation, profiles, strokes, keystroke metrics and marks."""

from __future__ import annotations

import math

import pytest

from frappe.errors import ProfileError
from frappe.scoring import (
    Keystroke,
    ScoringProfile,
    count_strokes,
    keystroke_stats,
    normalization_profile,
    normalize,
    replay,
    score_typing,
    scoring_profile,
    scoring_profiles,
)
from frappe.scoring.keystrokes import monkeytype_consistency


def test_default_folds_apply_in_every_profile() -> None:
    text = "L\u2019h\u00f4pital\u00a0: \u00ab\u00a0oui\u00a0\u00bb\u2026\r\nfin  \rx"
    for name in ("strict", "frappe", "wer"):
        result = normalize(text, normalization_profile(name)).text
        assert "\u2019" not in result and "\u00a0" not in result and "\r" not in result
    assert normalize(text, normalization_profile("strict")).text == "L'hôpital : « oui »...\nfin\nx"


def test_frappe_profile_options() -> None:
    frappe = normalization_profile("frappe")
    assert normalize("Œdème — État « stable »", frappe).text == 'OEdème - Etat "stable"'
    wer = normalization_profile("wer")
    assert (
        normalize("  L'Hôpital, rendez-vous !\r\n Fin… ", wer).text == "l hôpital rendez vous fin"
    )
    assert normalize("mot … suite l' été", wer).text == "mot suite l été"


def test_offsets_map_back_through_length_changing_folds() -> None:
    original = "a\u2026 b\r\nc\u0153ur e\u0301te\u0301"
    normalized = normalize(original, normalization_profile("frappe"))
    assert normalized.text == "a... b\ncoeur été"
    start = normalized.text.index("coeur")
    span = normalized.to_original(start, start + 5)
    assert original[span[0] : span[1]] == "c\u0153ur"
    start = normalized.text.index("été")
    span = normalized.to_original(start, start + 3)
    assert original[span[0] : span[1]] == "e\u0301te\u0301"


def test_profiles_are_data_and_round_trip() -> None:
    names = set(scoring_profiles())
    assert {"frappe", "traditionnel", "belge", "intersteno", "international", "dictee"} <= names
    for profile in scoring_profiles().values():
        assert ScoringProfile.from_dict(profile.to_dict()) == profile
    with pytest.raises(ProfileError, match="inconnu"):
        scoring_profile("nope")
    broken = scoring_profile().to_dict() | {"strokes_per_word": 0}
    with pytest.raises(ProfileError, match="strokes_per_word"):
        ScoringProfile.from_dict(broken)


def test_intersteno_counts_capitals_and_altgr_twice() -> None:
    text = "Dr Roux @ 10 €"
    assert count_strokes(text, scoring_profile("traditionnel")) == len(text)
    assert count_strokes(text, scoring_profile("intersteno")) == len(text) + 2 + 2


REFERENCE = "Le patient est sorti ce matin. " * 20


def test_traditional_worked_example() -> None:
    # 600 characters typed in 1 min with 2 faults: (600 - 10 x 2) / 6 = 96.67 mots/min.
    typed = REFERENCE[:600].replace("patient", "patiant", 1).replace("sorti", "sortie", 1)
    score = score_typing(REFERENCE, typed, duration_s=60, profile=scoring_profile("traditionnel"))
    m = score.metrics
    assert m.frappes_brutes == len(typed.rstrip())
    assert m.faults == 2
    assert m.frappes_nettes == m.frappes_brutes - 20
    assert m.mots_par_minute == pytest.approx(m.frappes_nettes / 6)
    assert m.gross_wpm == pytest.approx(m.characters / 5)
    assert m.net_wpm == pytest.approx(m.gross_wpm - 2)
    assert m.cpm == pytest.approx(m.characters)
    assert m.mark_20 == 20.0 and m.passed


def test_belge_mark_from_error_percent_of_strokes() -> None:
    profile = scoring_profile("belge")
    words = REFERENCE.split()
    typed = " ".join(["patiant" if w == "patient" else w for w in words[:100]])
    score = score_typing(REFERENCE, typed, duration_s=120, profile=profile)
    m = score.metrics
    assert m.faults == 17  # "patient" appears 17 times in the first 100 words
    assert m.error_rate == pytest.approx(17 / 100)
    percent = 100 * 17 / m.frappes_brutes
    assert m.mark_20 == pytest.approx(max(0, 20 - 16 * percent), abs=0.01)
    assert m.frappes_nettes == m.frappes_brutes - 6 * 17
    assert not m.passed  # 17 % of words faulty > 5 %


def strokes_for(text: str, start_ms: int = 0, step_ms: int = 200) -> list[Keystroke]:
    return [Keystroke(start_ms + i * step_ms, ch, "insert", i, ch) for i, ch in enumerate(text)]


def test_keystroke_accuracy_keeps_corrected_errors() -> None:
    reference = "bonjour"
    log = strokes_for("bonju")  # "u" is wrong at position 4
    log.append(Keystroke(1100, "backspace", "delete", 4, "u"))
    log += [Keystroke(1300 + i * 200, ch, "insert", 4 + i, ch) for i, ch in enumerate("our")]
    assert replay(log) == "bonjour"
    stats = keystroke_stats(log, reference, {})
    assert stats.keypresses == 8
    assert stats.correct_keypresses == 7
    assert stats.corrected_errors == 1
    assert stats.backspaces == 1
    assert stats.correction_time_s == pytest.approx(
        0.5
    )  # the wrong key (0.2 s) and the backspace (0.3 s)
    score = score_typing(
        reference, "bonjour", duration_s=2, profile=scoring_profile(), keystrokes=log
    )
    assert score.metrics.accuracy == 1.0
    assert score.metrics.keystroke_accuracy == pytest.approx(7 / 8)


def test_replay_rejects_an_inconsistent_log() -> None:
    with pytest.raises(ValueError, match="incohérente"):
        replay([Keystroke(0, "a", "insert", 0, "a"), Keystroke(5, "backspace", "delete", 0, "b")])


def test_consistency_formula() -> None:
    assert monkeytype_consistency([5, 5, 5, 5]) == pytest.approx(100.0)
    values = [2.0, 6.0]
    c = 0.5
    assert monkeytype_consistency(values) == pytest.approx(
        100 * (1 - math.tanh(c + c**3 / 3 + c**5 / 5))
    )
    assert monkeytype_consistency([3.0]) == 100.0  # one second: no variation
    assert monkeytype_consistency([]) is None
