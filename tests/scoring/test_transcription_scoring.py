"""Dictée barème, terminology and identitovigilance on French medical letters."""

from __future__ import annotations

from pathlib import Path

import pytest

from frappe.exercises.record import RecordSettings
from frappe.exercises.results import score_record
from frappe.scoring import scoring_profile
from frappe.scoring.transcription import ExerciseKeys, TranscriptionScore, score_transcription
from frappe.storage.files import read_record, write_record
from support.records import RecordFactory

LETTER = (
    "Objet : Madame Lucie Marchal, née le 12/03/1958, IPP 20231187\n\n"
    "Chère consœur,\n\n"
    "J'ai revu votre patiente pour une dyspnée d'effort. J'ai introduit du furosémide "
    "40 mg le matin et de l'apixaban 5 mg 2 fois par jour. Elle ne fume pas."
)
KEYS = ExerciseKeys(
    terminology=("dyspnée d'effort", "furosémide", "apixaban"),
    identity=("Lucie Marchal", "12/03/1958", "IPP 20231187", "furosémide 40 mg"),
    lexicon=frozenset({"dyspnée", "furosémide", "apixaban", "patiente"}),
)
DICTEE = scoring_profile("dictee")


def score(typed: str) -> TranscriptionScore:
    return score_transcription(LETTER, typed, KEYS, DICTEE, duration_s=600)


def test_perfect_transcription_is_validated() -> None:
    result = score(LETTER)
    assert result.errors == () and result.faults == 0
    assert result.mark_20 == 20 and result.validated


def test_wrong_birth_date_is_critical_and_blocks_validation() -> None:
    result = score(LETTER.replace("12/03/1958", "12/08/1958"))
    assert result.critical_errors == 1
    first = result.errors[0]
    assert first.critical and first.reason == "identité"
    assert first.error.ref == "12/03/1958,"
    assert result.mark_20 == 19 and not result.validated


def test_misspelt_patient_name_is_critical() -> None:
    result = score(LETTER.replace("Marchal", "Marchand"))
    assert [(f.reason, f.error.hyp) for f in result.errors] == [("identité", "Marchand,")]


def test_wrong_dose_outside_identity_is_critical_as_a_dose() -> None:
    result = score(LETTER.replace("5 mg", "50 mg"))
    assert result.errors[0].critical and result.errors[0].reason == "dose"  # number and unit
    assert [item.label() for item in result.critical_items] == ["5 mg (dose)"]


def test_terminology_errors_are_counted_apart_and_critical_errors_come_first() -> None:
    typed = (
        LETTER.replace("dyspnée", "dispnée")
        .replace("Elle ne fume", "elle ne fume")
        .replace("IPP 20231187", "IPP 20231178")
    )
    result = score(typed)
    assert result.terminology_errors == 1
    assert result.errors[0].critical  # the IPP, although it comes after in no order
    assert [f.error.error_class for f in result.errors[1:]] == ["spelling", "case"]
    assert result.faults == 1 + 1 + 0.5


def test_half_faults_for_accent_hyphen_and_capital() -> None:
    result = score(LETTER.replace("Chère", "Chere").replace("J'ai revu", "j'ai revu"))
    assert result.faults == 1.0
    assert all(not f.critical for f in result.errors)


def test_fidelity_uses_the_wer_normalisation() -> None:
    result = score(LETTER.replace("Chère consœur,", "chère consoeur"))
    assert result.fidelity.words.wer == 0
    assert result.comparison.errors  # the barème still sees the case and the comma


def test_transcription_record_round_trip_rescores_the_same(
    tmp_path: Path, make_record: RecordFactory
) -> None:
    base = make_record(
        reference=LETTER,
        typed=LETTER.replace("Marchal", "Marchand"),
        kind="transcription",
        profile="dictee",
    )
    record = type(base)(
        **{
            **{f: getattr(base, f) for f in base.__dataclass_fields__},
            "settings": RecordSettings(None, True, DICTEE, True, KEYS.terminology, KEYS.identity),
        }
    )
    path = write_record(record, tmp_path / "t.json")
    again = read_record(path)
    assert again.settings.identity == KEYS.identity
    result = score_record(again)
    assert isinstance(result, TranscriptionScore)
    assert result.critical_errors == 1 and not result.validated
    assert result.metrics_dict()["critical_errors"] == 1


@pytest.mark.parametrize("bad", ["", "Objet"])
def test_empty_or_truncated_transcription_counts_omissions(bad: str) -> None:
    result = score(bad)
    assert result.comparison.words.deletions > 20
    assert result.mark_20 == 0 and not result.validated
