"""Trainers' exercises: the user corpus beside the bundled one, a new exercise from a recording,
the review in progress and the accepted reference; the draft generation shared with
``frappe reference``."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from frappe.asr.model import LoadedModel, ModelChoice
from frappe.asr.reference import (
    GenerationStoppedError,
    generate_draft,
    job_for_dictation,
)
from frappe.asr.transcribe import Draft, DraftWord, read_timings
from frappe.errors import ExerciseError
from frappe.exercises.dictations import find_dictation, list_dictations, load_corpus
from frappe.locations import user_audio_corpus_dir
from frappe.runs.authoring import (
    BACKUP_FILE,
    REVIEW_FILE,
    NewExercise,
    accept_reference,
    create_exercise,
    exercise_state,
    identity_kind,
    is_user_exercise,
    missing_keys,
    normalise_reference,
    review_text,
    save_review,
    suggested_deadline_min,
)

CLIP = Path(__file__).resolve().parents[1] / "asr" / "data" / "clip.ogg"
FAKE_MODEL = LoadedModel("fake", ModelChoice("name", "fake", "option"), None, 0.0, 2, "int8")


def new_exercise(title: str = "Lettre « test » de Mme Durand", **kwargs: Any) -> NewExercise:
    values: dict[str, Any] = {
        "audio": CLIP,
        "title": title,
        "document_type": "lettre",
        "dictated_punctuation": True,
        "terminology": ("pneumopathie", "amoxicilline"),
    }
    values.update(kwargs)
    return NewExercise(**values)


# --- user corpus ----------------------------------------------------------------------------


def test_new_exercise_is_listed_with_the_bundled_ones_and_found_by_id() -> None:
    bundled = list_dictations()
    created = create_exercise(new_exercise())
    assert created.id == "f01-lettre-test-de-mme-durand"
    assert created.folder.parent == user_audio_corpus_dir()
    listed = list_dictations()
    assert [d.id for d in listed] == [d.id for d in bundled] + [created.id]
    assert find_dictation("f01").folder == created.folder
    assert is_user_exercise(created) and not is_user_exercise(bundled[0])
    second = create_exercise(new_exercise("Autre"))
    assert second.id == "f02-autre"


def test_exercise_toml_round_trips_with_measured_duration() -> None:
    created = create_exercise(new_exercise())
    meta = tomllib.loads((created.folder / "exercise.toml").read_text("utf-8"))
    assert meta["title"] == "Lettre « test » de Mme Durand"
    assert meta["dictation_style"] == "dictated-punctuation"
    assert meta["terminology"] == ["pneumopathie", "amoxicilline"]
    assert created.duration_s == pytest.approx(19.8, abs=0.1)
    assert created.deadline_min == suggested_deadline_min(19.8) == 5
    assert created.audio == created.folder / "audio.ogg"
    assert created.audio.read_bytes() == CLIP.read_bytes()
    state = exercise_state(created)
    assert not (state.reference or state.draft or state.timings or state.review)
    assert state.editable


@pytest.mark.parametrize(
    ("item", "kind"),
    [
        ("Lucie Marchal", "names"),
        ("Dr Claire Dumoulin", "names"),
        ("12/03/1958", "dates"),
        ("IPP 20231187", "numbers"),
        ("04 65 71 23 48", "numbers"),
        ("2,5 mg", "doses"),
        ("furosémide 40 mg", "doses"),
        ("88 %", "doses"),
        ("38,9 °C", "doses"),
    ],
)
def test_identity_items_are_filed_by_kind(item: str, kind: str) -> None:
    assert identity_kind(item) == kind


def test_identity_from_the_form_is_scored_as_critical() -> None:
    created = create_exercise(
        new_exercise(identity=("Lucie  Marchal", "12/03/1958", "IPP 20231187", "2,5 mg", " "))
    )
    assert created.identity == {
        "names": ("Lucie Marchal",),
        "dates": ("12/03/1958",),
        "numbers": ("IPP 20231187",),
        "doses": ("2,5 mg",),
    }
    assert set(created.keys().identity) == {"Lucie Marchal", "12/03/1958", "IPP 20231187", "2,5 mg"}
    text = "Madame Lucie Marchal, née le 12/03/1958, IPP 20231187 : amoxicilline 2,5 mg."
    assert missing_keys(created, text) == ["« pneumopathie » (terminologie)"]
    assert missing_keys(created, text.replace("Marchal", "Marchand")) == [
        "« Lucie Marchal » (identité)",
        "« pneumopathie » (terminologie)",
    ]


def test_level_and_deadline_from_the_form() -> None:
    created = create_exercise(new_exercise(level=3, deadline_min=20))
    assert (created.level, created.deadline_min) == (3, 20)
    suggested = create_exercise(new_exercise("Autre"))
    assert (suggested.level, suggested.deadline_min) == (2, suggested_deadline_min(19.8))
    for bad, message in (({"level": 4}, "niveau 4"), ({"deadline_min": 0}, "entre 1 et 180")):
        with pytest.raises(ExerciseError, match=message):
            create_exercise(new_exercise("Mauvais", **bad))


def test_bad_recordings_are_one_line_errors_and_leave_nothing(tmp_path: Path) -> None:
    text = tmp_path / "notes.wav"
    text.write_text("ceci n'est pas du son\n", encoding="utf-8")
    cases = {
        tmp_path / "absent.ogg": "introuvable",
        text: "Format audio non reconnu",
        tmp_path: "c'est un dossier",
    }
    for path, expected in cases.items():
        with pytest.raises(ExerciseError) as caught:
            create_exercise(new_exercise(audio=path))
        assert expected in str(caught.value) and "\n" not in str(caught.value)
    with pytest.raises(ExerciseError, match="titre"):
        create_exercise(new_exercise(title="  "))
    corpus = user_audio_corpus_dir()
    assert not corpus.exists() or not any(corpus.iterdir())


def test_duplicate_and_broken_user_exercises_are_skipped_with_a_problem() -> None:
    corpus = user_audio_corpus_dir()
    clash = corpus / "copie-d01"
    clash.mkdir(parents=True)
    (clash / "exercise.toml").write_text('id = "d01-lettre-confrere-cardio"\n', encoding="utf-8")
    broken = corpus / "f07-casse"
    broken.mkdir()
    (broken / "exercise.toml").write_text("id = = \n", encoding="utf-8")
    (corpus / ".new-abc").mkdir()
    (corpus / ".new-abc" / "exercise.toml").write_text('id = "moitie"\n', encoding="utf-8")
    corpus_listing = load_corpus()
    ids = [d.id for d in corpus_listing.dictations]
    assert ids.count("d01-lettre-confrere-cardio") == 1 and "moitie" not in ids
    assert len(corpus_listing.problems) == 2
    assert any("déjà pris" in p for p in corpus_listing.problems)
    assert find_dictation("d01").folder != clash


# --- review and acceptance ------------------------------------------------------------------


def test_review_starts_from_work_in_progress_then_draft() -> None:
    created = create_exercise(new_exercise())
    assert review_text(created).origin == "empty"
    created.draft.write_text("Brouillon brut.\n", encoding="utf-8")
    assert review_text(created) == review_text(created, include_review=False)
    assert review_text(created).text == "Brouillon brut."
    save_review(created, "Brouillon corrigé.")
    assert review_text(created).origin == "review"
    assert review_text(created).text == "Brouillon corrigé."
    assert review_text(created, include_review=False).origin == "draft"
    assert created.draft.read_text("utf-8") == "Brouillon brut.\n"


def test_accept_normalises_keeps_a_backup_and_ends_the_review() -> None:
    created = create_exercise(new_exercise())
    save_review(created, "en cours")
    accepted = accept_reference(created, "\ufeffLigne un.  \r\n\r\nLigne deux.\t\r\n\r\n")
    assert accepted.backup is None
    assert created.reference.read_text("utf-8") == "Ligne un.\n\nLigne deux.\n"
    assert not (created.folder / REVIEW_FILE).exists()
    again = accept_reference(created, "Nouvelle version.")
    assert again.backup == created.folder / BACKUP_FILE
    assert again.backup.read_text("utf-8") == "Ligne un.\n\nLigne deux.\n"
    assert created.reference.read_text("utf-8") == "Nouvelle version.\n"
    assert created.reference_text() == "Nouvelle version."
    with pytest.raises(ExerciseError, match="vide"):
        normalise_reference(" \n\t\n")


# --- generation shared with « frappe reference » ----------------------------------------------


def fake_transcribe(path: Path, model: LoadedModel, **kwargs: Any) -> Draft:
    progress = kwargs.get("progress")
    if progress is not None:
        progress(20.0, 20.0)
    words = (DraftWord("Objet", 0.0, 0.4, 0.9), DraftWord("virgule", 0.5, 0.9, 0.4))
    return Draft("Objet virgule", words, 20.0, "fr", "fake", 0.1)


def test_generate_draft_writes_draft_and_timings_never_the_reference() -> None:
    created = create_exercise(new_exercise())
    accept_reference(created, "Référence relue.")
    job = job_for_dictation(created)
    assert job.hotwords == ("pneumopathie", "amoxicilline") and job.dictated_punctuation
    result = generate_draft(job, FAKE_MODEL, transcribe=fake_transcribe)
    assert result.text == "Objet,"
    assert created.draft.read_text("utf-8") == "Objet,\n"
    assert read_timings(job.timings).words[1].probability == 0.4
    assert created.reference.read_text("utf-8") == "Référence relue.\n"


def test_generation_stopped_before_writing_leaves_no_file() -> None:
    created = create_exercise(new_exercise())

    def stop() -> None:
        raise GenerationStoppedError("génération abandonnée : rien n'a été écrit")

    job = job_for_dictation(created)
    with pytest.raises(GenerationStoppedError):
        generate_draft(job, FAKE_MODEL, transcribe=fake_transcribe, before_write=stop)
    assert not created.draft.exists() and not job.timings.exists()
    assert not exercise_state(created).draft
