"""Trainer files fail soft (issue 14 §4): every ``exercise.toml`` (trainers' and bundled
corpus), text ``<id>.toml`` and exam preset is checked against its schema; a bad file is left
out with one line naming the file and the field, the others still load, and the commands and
pickers never crash on it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from frappe.cli.main import main
from frappe.exercises.dictations import load_corpus
from frappe.exercises.texts import load_texts
from frappe.locations import bundled_audio_corpus_dir, bundled_texts_dir, user_audio_corpus_dir
from frappe.storage.presets import ExamPreset, list_presets, save_preset

GOOD_EXERCISE = """\
id = "f01-bonne"
title = "Lettre de sortie"
document_type = "lettre"
level = 2
dictation_style = "plain"
audio = "audio.ogg"
duration_s = 60.0
deadline_min = 10
terminology = ["pneumopathie"]

[identity]
names = ["Madame Durand"]
"""
DEEP = "x = " + "[" * 5000 + "]" * 5000 + "\n"
# Each: (folder, exercise.toml, what the problem line must name)
BAD_EXERCISES = [
    ("f02-niveau", 'level = "difficile"\n', "level"),
    ("f03-termes", "terminology = 5\n", "terminology"),
    ("f04-delai", 'deadline_min = "soon"\n', "deadline_min"),
    ("f05-nan", "duration_s = nan\n", "duration_s"),
    ("f06-chemin", 'audio = "../../etc/passwd"\n', "audio"),
    ("f07-inconnu", 'titre = "faute de frappe"\n', "titre"),
    ("f08-identite", "[identity]\nnames = [1, 2]\n", "identity"),
    ("f09-profond", DEEP, "imbrication"),
    ("f10-syntaxe", "level = \n", "TOML illisible"),
]


def write_exercise(corpus: Path, name: str, toml: str) -> None:
    folder = corpus / name
    folder.mkdir(parents=True)
    (folder / "exercise.toml").write_text(toml, "utf-8")


def test_bad_trainer_exercises_are_skipped_one_line_each(
    capsys: pytest.CaptureFixture[str],
) -> None:
    corpus = user_audio_corpus_dir()
    write_exercise(corpus, "f01-bonne", GOOD_EXERCISE)
    for name, toml, _field in BAD_EXERCISES:
        write_exercise(corpus, name, toml)
    loaded = load_corpus()
    ids = [d.id for d in loaded.dictations]
    assert "f01-bonne" in ids and "d08-certificat-medical" in ids
    assert not any(
        i.startswith(("f02", "f03", "f04", "f05", "f06", "f07", "f08", "f09", "f10")) for i in ids
    )
    assert len(loaded.problems) == len(BAD_EXERCISES)
    for (name, _toml, field), problem in zip(BAD_EXERCISES, loaded.problems, strict=True):
        assert "\n" not in problem
        assert f"{name}/exercise.toml" in problem and field in problem, problem
    good = next(d for d in loaded.dictations if d.id == "f01-bonne")
    assert good.level == 2 and good.deadline_min == 10.0
    assert good.identity == {"names": ("Madame Durand",)}
    assert main(["dictations"]) == 0
    out, err = capsys.readouterr()
    assert "f01-bonne" in out and "d08-certificat-medical" in out
    assert len(err.strip().splitlines()) == len(BAD_EXERCISES)
    assert "Traceback" not in err


def test_a_broken_bundled_exercise_does_not_hide_the_corpus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "audio_corpus"
    shutil.copytree(bundled_audio_corpus_dir(), copy, ignore=shutil.ignore_patterns("*.ogg"))
    broken = copy / "d03-crh-pneumopathie" / "exercise.toml"
    broken.write_text(broken.read_text("utf-8").replace("level = ", 'level = "x" #'), "utf-8")
    monkeypatch.setenv("FRAPPE_AUDIO_CORPUS_DIR", str(copy))
    loaded = load_corpus()
    assert len(loaded.dictations) == 7
    assert len(loaded.problems) == 1 and "d03-crh-pneumopathie" in loaded.problems[0]
    assert "level" in loaded.problems[0]


def test_bad_text_metadata_is_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    texts = tmp_path / "textes"
    shutil.copytree(bundled_texts_dir(), texts)
    count = len(list(texts.glob("*.toml")))
    (texts / "t90-mauvais.toml").write_text('level = "facile"\n', "utf-8")
    (texts / "t90-mauvais.txt").write_text("Un texte.\n", "utf-8")
    (texts / "t91-table.toml").write_text("title = {a = 1}\n", "utf-8")
    (texts / "t91-table.txt").write_text("Un texte.\n", "utf-8")
    (texts / "t92-profond.toml").write_text(DEEP, "utf-8")
    loaded, problems = load_texts(texts)
    assert len(loaded) == count
    assert len(problems) == 3
    assert "t90-mauvais.toml" in problems[0] and "level" in problems[0]
    assert "t91-table.toml" in problems[1] and "title" in problems[1]
    assert "t92-profond.toml" in problems[2] and "imbrication" in problems[2]
    assert main(["texts", "--dir", str(texts)]) == 0
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 3 and "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ('name = "A"\ntext = "t01"\nmin_speed = nan\n', "min_speed"),
        ('name = "A"\ntext = "t01"\nmax_error_rate = inf\n', "max_error_rate"),
        ('name = "A"\ntext = {a = 1}\n', "text"),
        ('name = "A"\ntext = "t01"\nduration_s = "10m"\n', "duration_s"),
        ('name = "A"\ntext = "t01"\nbackspace_allowed = 1\n', "backspace_allowed"),
        ('name = "A"\ntext = "t01"\n' + DEEP, "imbrication"),
    ],
)
def test_bad_presets_are_refused_and_the_good_ones_load(
    tmp_path: Path, content: str, field: str
) -> None:
    save_preset(ExamPreset("Bon", "t01", min_speed=20), tmp_path)
    (tmp_path / "mauvais.toml").write_text(content, "utf-8")
    presets, problems = list_presets(tmp_path)
    assert [p.name for p in presets] == ["Bon"]
    assert len(problems) == 1
    assert "mauvais.toml" in problems[0] and field in problems[0], problems[0]
    assert "\n" not in problems[0]


def test_a_nan_speed_from_the_form_is_refused() -> None:
    with pytest.raises(Exception, match="vitesse minimale"):
        ExamPreset("A", "t01", min_speed=float("nan")).validate()
