"""A seat's copy of a séance's recording (no server needed): found in the trainer's corpus
by the dictation's id, checked against the hash the séance keeps; each way it can fail is one
French line."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from frappe.errors import ExerciseError, RoomError
from frappe.exercises.dictations import find_dictation
from frappe.locations import user_audio_corpus_dir
from frappe.runs.room_dictation import audio_fingerprint, seance_dictation

RECORDING = b"OggS" + bytes(range(256)) * 40


def trainer_exercise(audio: bytes | None) -> Path:
    """A trainer's own dictation ``f01-formateur`` in this PC's trainer corpus."""
    folder = user_audio_corpus_dir() / "f01-formateur"
    folder.mkdir(parents=True)
    (folder / "exercise.toml").write_text(
        'title = "Compte rendu du formateur"\nduration_s = 3.0\n', encoding="utf-8"
    )
    (folder / "reference.txt").write_text("Le patient va bien.\n", encoding="utf-8")
    if audio is not None:
        (folder / "audio.ogg").write_bytes(audio)
    return folder


def test_the_seat_s_own_copy_is_found_by_id_and_checked() -> None:
    trainer_exercise(RECORDING)
    expected = hashlib.sha256(RECORDING).hexdigest()
    assert audio_fingerprint(find_dictation("f01-formateur")).sha256 == expected
    found = seance_dictation("f01-formateur", expected)
    assert found.id == "f01-formateur" and found.audio.read_bytes() == RECORDING


@pytest.mark.parametrize(
    ("audio", "sha256", "message"),
    [
        (
            RECORDING[:-1] + b"!",
            hashlib.sha256(RECORDING).hexdigest(),
            "l'enregistrement de la dictée f01-formateur sur ce poste diffère de celui de la "
            "séance (empreinte SHA-256) : copiez celui du formateur",
        ),
        (
            None,
            hashlib.sha256(RECORDING).hexdigest(),
            "l'enregistrement de la dictée f01-formateur est absent ou illisible sur ce poste "
            "(audio.ogg introuvable)",
        ),
        (
            RECORDING,
            None,
            "la séance ne donne pas l'empreinte de l'enregistrement de la dictée f01-formateur : "
            "le formateur doit la rouvrir avec ce frappe",
        ),
    ],
)
def test_a_copy_that_cannot_be_played_is_one_line(
    audio: bytes | None, sha256: str | None, message: str
) -> None:
    trainer_exercise(audio)
    with pytest.raises(RoomError) as refused:
        seance_dictation("f01-formateur", sha256)
    assert str(refused.value) == message


def test_the_trainer_cannot_open_a_seance_without_the_recording() -> None:
    folder = trainer_exercise(None)
    with pytest.raises(ExerciseError) as refused:
        audio_fingerprint(find_dictation("f01-formateur"))
    assert str(refused.value) == (
        f"dictée {folder.name} : enregistrement illisible (audio.ogg introuvable)"
    )
