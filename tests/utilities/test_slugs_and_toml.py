"""One slug for every file name frappe derives from a name, one TOML string writer for every
file frappe writes (settings, presets, pedal profiles, trainers' exercises)."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from frappe.audio.pedal import (
    PedalButton,
    PedalProfile,
    find_profile,
    parse_profiles,
    profile_to_toml,
)
from frappe.exercises.record import Candidate, RecordSettings
from frappe.exercises.session import SessionConfig
from frappe.reports.selection import file_slug
from frappe.scoring import scoring_profile
from frappe.settings import AudioSettings, RoomSettings, Settings, load_settings, save_settings
from frappe.storage.journal import JournalHeader, create_journal
from frappe.storage.presets import ExamPreset, delete_preset, load_preset, save_preset
from frappe.textio import slugify
from frappe.validation import toml_string, toml_value


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Sœur Marie", "soeur-marie"),
        ("ŒDÈME", "oedeme"),
        ("Lætitia Dupont", "laetitia-dupont"),
        ("Élodie Martin", "elodie-martin"),
        ("N'Diaye Aïssatou", "n-diaye-aissatou"),
        ("Weiß", "weiss"),
        ("Øyvind Łukasz", "oyvind-lukasz"),
        ("  --Jean--Claude--  ", "jean-claude"),
        ("ﬁlle", "fille"),  # a typographic ligature decomposes by itself
        ("日本語", "x"),
        ("", "x"),
    ],
)
def test_slugify_spells_out_letters_instead_of_dropping_them(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_slugify_cuts_at_the_limit_without_a_trailing_dash() -> None:
    assert slugify("abc def", limit=4) == "abc"
    assert slugify("a" * 50) == "a" * 40
    assert slugify("a" * 50, limit=None) == "a" * 50
    assert slugify("—", empty="groupe") == "groupe"


def test_every_file_name_made_from_a_name_uses_the_same_slug(tmp_path: Path) -> None:
    """« Sœur » gave ``sur`` in journal and preset names and ``sœur`` in export names."""
    assert file_slug("Sœur Marie / Lætitia") == "soeur-marie-laetitia"
    preset = save_preset(ExamPreset(name="Sœur", text="t01"), tmp_path)
    assert preset.name == "soeur.toml"
    config = SessionConfig(
        candidate=Candidate("Sœur Lætitia"),
        exercise_id="t01",
        exercise_title="Texte",
        reference="Un texte.",
        settings=RecordSettings(60.0, True, scoring_profile(), live_feedback=False),
    )
    header = JournalHeader(
        session_id="abcd", created_at=datetime(2026, 11, 29, tzinfo=UTC), config=config
    )
    writer = create_journal(header, tmp_path / "journaux")
    try:
        assert "-soeur-laetitia-t01-abcd" in writer.path.name
    finally:
        writer.close()


def test_a_preset_saved_under_the_old_slug_is_still_found_and_deleted(tmp_path: Path) -> None:
    old = tmp_path / "sur.toml"  # « Sœur » before « œ » was spelt out
    old.write_text(ExamPreset(name="Sœur", text="t01").to_toml(), "utf-8")
    assert load_preset("Sœur", tmp_path).name == "Sœur"
    assert delete_preset("Sœur", tmp_path) == old
    assert not old.exists()


def test_pedal_profiles_are_found_by_a_loosely_written_name() -> None:
    profile = PedalProfile("Olympus RS-28 Pédale", 0x07B4, 0x0218, {"left": PedalButton(0, 1)})
    assert find_profile({"p": profile}, "olympus rs 28 pedale") is profile
    other = PedalProfile("日本", 0x1234, 0x5678, {"left": PedalButton(0, 1)})
    with pytest.raises(Exception, match="inconnu"):
        find_profile({"o": other}, "中文")


HARD_STRINGS = [
    'Guillemets " et \\ barre',
    "ligne 1\nligne 2\ttab\r\x0c\x08",
    "DEL \x7f et NUL \x00 et ESC \x1b",
    "séparateur \u2028 espace\u00a0insécable",
    "hors BMP 𝄞 et étiquette \U000e0001",
    "Sœur « Lætitia »",
]


@pytest.mark.parametrize("text", HARD_STRINGS)
def test_toml_strings_read_back_unchanged(text: str) -> None:
    assert tomllib.loads(f"v = {toml_string(text)}")["v"] == text


def test_a_lone_surrogate_becomes_a_replacement_character() -> None:
    """A file name in another encoding (``surrogateescape``): written raw, the TOML text could
    not be encoded in UTF-8 (creating the exercise failed); escaped, tomllib refuses it."""
    name = b"enregistrement-\xff.wav".decode("utf-8", "surrogateescape")
    data = f"v = {toml_string(name)}".encode()
    assert tomllib.loads(data.decode("utf-8"))["v"] == "enregistrement-\ufffd.wav"


def test_toml_scalars() -> None:
    values = {"a": True, "b": 3, "c": 2.5, "d": "texte"}
    document = "\n".join(f"{key} = {toml_value(value)}" for key, value in values.items())
    assert tomllib.loads(document) == values
    with pytest.raises(TypeError):
        toml_value([1])  # type: ignore[arg-type]


def test_the_writers_of_frappe_files_use_it(tmp_path: Path) -> None:
    """DEL in a name: the JSON-based writers wrote it raw, and tomllib refused the file."""
    name = "Poste \x7f « 12 »"
    preset = ExamPreset(name=name, text="t01")
    save_preset(preset, tmp_path)
    assert load_preset(name, tmp_path) == preset
    profile = PedalProfile(name, 0x07B4, 0x0218, {"left": PedalButton(0, 1)})
    assert parse_profiles(profile_to_toml(profile))[0].name == name
    settings_file = tmp_path / "frappe.toml"
    settings = Settings(room=RoomSettings(seat=name), audio=AudioSettings(device="USB \\ « A »"))
    save_settings(settings, settings_file)
    assert load_settings(settings_file) == settings
