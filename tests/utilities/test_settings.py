"""The settings file: typed, validated, one-line errors, written 0600 atomically."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from frappe.errors import ConfigError
from frappe.settings import (
    AudioSettings,
    RoomSettings,
    Settings,
    load_settings,
    save_centre_name,
    save_settings,
)


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "frappe.toml") == Settings()


def test_round_trip_and_private_mode(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "frappe.toml"
    settings = Settings(
        audio=AudioSettings(device='Casque "USB"'),
        room=RoomSettings(url="postgresql://seat:pw@127.0.0.1:5433/frappe"),
    )
    save_settings(settings, path)
    assert load_settings(path) == settings
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "[pedal]" not in path.read_text("utf-8")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[room]\nurl = 5\n", "champ room.url : un texte ou rien attendu, un entier trouvé"),
        ("[audio]\ndevise = 'x'\n", "champ inconnu audio.devise"),
        ("[room\n", "TOML illisible"),
        ("a = " + "[" * 100 + "]" * 100 + "\n", "imbrication trop profonde"),
    ],
)
def test_bad_file_is_one_line_naming_file_and_field(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "frappe.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert "\n" not in message
    assert str(path) in message
    assert expected in message


def test_centre_name_is_kept_beside_the_other_settings(tmp_path: Path) -> None:
    path = tmp_path / "frappe.toml"
    save_settings(Settings(audio=AudioSettings(device="Casque")), path)
    save_centre_name("  IFSanté Nord ", path)
    settings = load_settings(path)
    assert settings.centre.name == "IFSanté Nord"
    assert settings.audio.device == "Casque"  # untouched
    assert '[centre]\nname = "IFSanté Nord"' in path.read_text("utf-8")
    # A broken file is reported and left as it is, never overwritten.
    path.write_text("[centre\n", "utf-8")
    with pytest.raises(ConfigError, match="TOML illisible"):
        save_centre_name("Autre", path)
    assert path.read_text("utf-8") == "[centre\n"
