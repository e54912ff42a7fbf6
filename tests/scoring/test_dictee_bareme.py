"""The dictée barème as data, and critical errors counted per item (issue 9 §4 and §5).

Each test fails on the old code: every accent error weighed ½ (« à » typed « a » included),
« consœur » typed « consoeur » was a spelling fault, omitting « connus. » after « déglutition »
flagged « déglutition » as a terminology error, and an omitted block holding several doses or a
long gap holding many identity values counted as ONE critical error.
"""

from __future__ import annotations

import re

import pytest

from frappe.errors import ProfileError
from frappe.exercises.dictations import find_dictation
from frappe.reports.dictation_report import transcription_rows
from frappe.scoring import compare_texts, count_faults, scoring_profile
from frappe.scoring.profiles import ScoringProfile, load_profiles
from frappe.scoring.transcription import score_transcription

DICTEE = scoring_profile("dictee")


def faults(reference: str, typed: str) -> float:
    comparison = compare_texts(reference, typed, DICTEE.normalization)
    return count_faults(comparison.errors, DICTEE)


@pytest.mark.parametrize(
    ("reference", "typed"),
    [
        ("Il a mal à la tête.", "Il a mal a la tête."),
        ("Il a mal à la tête.", "Il à mal à la tête."),
        ("Où est-il ?", "Ou est-il ?"),
        ("Il est là depuis hier.", "Il est la depuis hier."),
        ("Il a dû partir.", "Il a du partir."),
        ("Il en est sûr.", "Il en est sur."),
        ("Bien qu'il fût malade.", "Bien qu'il fut malade."),
        ("Qu'il eût fini.", "Qu'il eut fini."),
    ],
)
def test_a_grammatical_accent_is_a_full_fault(reference: str, typed: str) -> None:
    assert faults(reference, typed) == 1.0


def test_a_lexical_accent_stays_half_a_fault() -> None:
    assert faults("Il est à l'hôpital.", "Il est à l'hopital.") == 0.5


def test_ligatures_are_folded_in_dictations() -> None:
    assert faults("Sa consœur est venue.", "Sa consoeur est venue.") == 0.0
    assert faults("Un curriculum vitæ.", "Un curriculum vitae.") == 0.0


def test_the_pairs_are_profile_data(tmp_path: object) -> None:
    data = DICTEE.to_dict()
    lenient = ScoringProfile.from_dict({**data, "full_fault_accents": []})
    comparison = compare_texts("Il a mal à la tête.", "Il a mal a la tête.", lenient.normalization)
    assert count_faults(comparison.errors, lenient) == 0.5
    with pytest.raises(ProfileError, match="full_fault_accents"):
        ScoringProfile.from_dict({**data, "full_fault_accents": [["à", "b"]]})


def test_a_centre_file_can_list_its_own_pairs(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "profils.toml"  # type: ignore[operator]
    path.write_text(
        '[scoring.maison]\nnormalization = "dictee"\nfull_fault_accents = [["côte", "cote"]]\n'
        "[scoring.maison.class_weights]\naccent = 0.5\n",
        encoding="utf-8",
    )
    profile = load_profiles(path)["maison"]
    comparison = compare_texts("La côte est belle.", "La cote est belle.", profile.normalization)
    assert count_faults(comparison.errors, profile) == 1.0


def test_punctuation_next_to_a_correct_term_is_not_a_terminology_error() -> None:
    dictation = find_dictation("d03-crh-pneumopathie")
    reference = dictation.reference_text()
    typed = reference.replace("déglutition connus.", "déglutition.")
    score = score_transcription(reference, typed, dictation.keys(), DICTEE)
    assert all("déglutition" not in item.text for item in score.terminology_items)
    assert not any(f.terminology and "déglutition" in f.error.ref for f in score.errors)


def test_an_omitted_block_of_doses_counts_each_dose() -> None:
    dictation = find_dictation("d05-ordonnance-diabete")
    reference = dictation.reference_text()
    start, end = reference.index("Metformine"), reference.index("Insuline")
    score = score_transcription(
        reference, reference[:start] + reference[end:], dictation.keys(), DICTEE
    )
    assert [item.text for item in score.critical_items] == [
        "Metformine 1000 mg : 1 comprimé 2 fois par jour",
        "Amlodipine 5 mg : 1 comprimé le matin",
        "Atorvastatine 20 mg : 1 comprimé le soir",
    ]
    assert score.critical_errors == 3 and not score.validated
    # Terminology per term: the three drugs and « comprimé » three times.
    assert [item.text for item in score.terminology_items].count("comprimé") == 3
    assert {"Metformine", "Amlodipine", "Atorvastatine"} <= {
        item.text for item in score.terminology_items
    }
    assert score.metrics_dict()["critical_items"] == [item.label() for item in score.critical_items]


def test_a_long_gap_counts_every_identity_value_in_it() -> None:
    dictation = find_dictation("d03-crh-pneumopathie")
    reference = dictation.reference_text()
    words = [m.span() for m in re.finditer(r"\S+", reference)]
    start, end = words[20][0], words[230][0]
    score = score_transcription(
        reference, reference[:start] + reference[end:], dictation.keys(), DICTEE
    )
    gap = reference[start:end]
    identity_in_gap = [value for value in dictation.keys().identity if value in gap]
    assert len(identity_in_gap) >= 8
    assert score.critical_errors >= len(identity_in_gap)
    assert {item.text for item in score.critical_items} >= set(identity_in_gap)


def test_a_wrong_number_and_an_added_dose_are_items() -> None:
    reference = "Prendre 5 mg le matin."
    score = score_transcription(reference, "Prendre 50 mg le matin.", keys_none(), DICTEE)
    assert [item.label() for item in score.critical_items] == ["5 mg (dose)"]
    added = score_transcription(
        reference, "Prendre 5 mg le matin et 3 le soir.", keys_none(), DICTEE
    )
    assert [item.reason for item in added.critical_items] == ["nombre"]


def keys_none() -> object:
    from frappe.scoring.transcription import ExerciseKeys  # noqa: PLC0415

    return ExerciseKeys()


def test_the_results_rows_list_the_items(make_record: object) -> None:
    dictation = find_dictation("d05-ordonnance-diabete")
    reference = dictation.reference_text()
    typed = reference.replace("Amlodipine 5 mg", "Amlodipine 50 mg")
    score = score_transcription(reference, typed, dictation.keys(), DICTEE)

    class Saved:  # what transcription_rows reads
        def __init__(self) -> None:
            self.score = score
            self.record = type("R", (), {"duration_s": 60.0, "end_reason": "completed"})()
            self.record.events = ()  # type: ignore[attr-defined]

    rows = dict((label, value.plain) for label, value in transcription_rows(Saved()))  # type: ignore[arg-type]
    assert "Amlodipine 5 mg : 1 comprimé le matin (identité)" in rows["Identitovigilance"]
