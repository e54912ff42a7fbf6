"""Exam presets saved as TOML in the user's config folder."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from frappe.errors import ExerciseError, ProfileError
from frappe.storage.presets import (
    ExamPreset,
    default_presets_dir,
    delete_preset,
    list_presets,
    load_preset,
    save_preset,
)


def test_round_trip_in_the_config_folder() -> None:
    preset = ExamPreset(
        name="Admission « septembre »",
        text="t04-lettre-admission-ssr",
        duration_s=600,
        backspace_allowed=False,
        profile="traditionnel",
        min_speed=28.5,
        max_error_rate=0.04,
        live_feedback=False,
    )
    path = save_preset(preset)
    assert path.parent == default_presets_dir()
    assert tomllib.loads(path.read_text("utf-8"))["name"] == preset.name
    assert load_preset("Admission « septembre »") == preset
    assert list_presets() == ([preset], [])


def test_scoring_profile_carries_the_exam_thresholds() -> None:
    preset = ExamPreset("A", "t01", min_speed=30, max_error_rate=0.02)
    profile = preset.scoring_profile()
    assert profile.pass_min_speed == 30
    assert profile.pass_max_error_rate == 0.02
    default = ExamPreset("B", "t01").scoring_profile()
    assert default.pass_min_speed == 25


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"duration_s": 30}, "1 à 30 minutes"),
        ({"duration_s": 31 * 60}, "1 à 30 minutes"),
        ({"name": " "}, "nom"),
        ({"max_error_rate": 5.0}, "0 à 1"),
        ({"min_speed": -1.0}, "négative"),
    ],
)
def test_invalid_presets_are_refused(changes: dict[str, object], message: str) -> None:
    values: dict[str, object] = {"name": "X", "text": "t01"}
    values.update(changes)
    with pytest.raises(ExerciseError, match=message):
        save_preset(ExamPreset(**values))  # type: ignore[arg-type]


def test_unknown_profile_is_refused() -> None:
    with pytest.raises(ProfileError):
        ExamPreset("X", "t01", profile="nope").validate()


def test_bad_files_are_reported_not_fatal(tmp_path: Path) -> None:
    save_preset(ExamPreset("Bon", "t01"), tmp_path)
    (tmp_path / "casse.toml").write_text("name = ", encoding="utf-8")
    (tmp_path / "inconnu.toml").write_text('name = "x"\ntext = "t01"\ncolor = 3\n', "utf-8")
    presets, problems = list_presets(tmp_path)
    assert [p.name for p in presets] == ["Bon"]
    assert len(problems) == 2
    assert any("inconnu.toml : champ inconnu color" in p for p in problems)


def test_unknown_and_deleted_presets() -> None:
    save_preset(ExamPreset("Temporaire", "t01"))
    with pytest.raises(ExerciseError, match="connus : Temporaire"):
        load_preset("Autre")
    delete_preset("Temporaire")
    with pytest.raises(ExerciseError):
        delete_preset("Temporaire")
