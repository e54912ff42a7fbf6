"""The bundled texts and dictations load, are well formed, and score sensibly."""

from __future__ import annotations

import re

import soundfile

from frappe.exercises.dictations import (
    DOCUMENT_TYPES,
    list_dictations,
    medical_lexicon,
    short_document_type,
)
from frappe.exercises.texts import find_text, list_texts
from frappe.scoring import score_typing, scoring_profile
from frappe.scoring.transcription import score_transcription


def test_at_least_twelve_texts_graded_and_sized() -> None:
    texts = list_texts()
    assert len(texts) >= 12
    assert {t.level for t in texts} == {1, 2, 3, 4, 5}
    for text in texts:
        assert 800 <= text.characters <= 3000, text.id
        assert text.author == "frappe" and text.licence
        perfect = score_typing(text.body, text.body, duration_s=600, profile=scoring_profile())
        assert perfect.comparison.errors == (), text.id
    assert find_text("t03").id.startswith("t03")


def test_dictations_are_complete_and_their_keys_are_in_the_reference() -> None:
    dictations = list_dictations()
    assert len(dictations) >= 8
    assert len(medical_lexicon()) > 1000
    dictee = scoring_profile("dictee")
    for dictation in dictations:
        info = soundfile.info(str(dictation.audio))
        assert 45 <= info.duration <= 180, dictation.id
        reference = dictation.reference_text()
        keys = dictation.keys()
        for item in keys.terminology + keys.identity:
            assert item in reference, (dictation.id, item)
        assert score_transcription(reference, reference, keys, dictee).validated


def test_a_wrong_date_in_a_bundled_letter_is_critical() -> None:
    dictation = next(d for d in list_dictations() if d.identity.get("dates"))
    reference = dictation.reference_text()
    date = dictation.identity["dates"][0]
    wrong = re.sub(r"\d", lambda m: str((int(m.group()) + 1) % 10), date, count=1)
    result = score_transcription(
        reference, reference.replace(date, wrong), dictation.keys(), scoring_profile("dictee")
    )
    assert result.critical_errors >= 1 and not result.validated
    assert result.errors[0].reason == "identité"


def test_every_bundled_dictation_has_a_known_document_type() -> None:
    """One table of document types serves the trainer's form (labels), the lists (short
    labels) and the authoring check; the bundled corpus uses only its keys."""
    assert {d.document_type for d in list_dictations()} <= set(DOCUMENT_TYPES)
    assert short_document_type("compte-rendu-hospitalisation") == "CR hospit."
    assert DOCUMENT_TYPES["certificat"].label == "Certificat médical"
    assert short_document_type("courrier-du-centre") == "courrier-du-centre"
