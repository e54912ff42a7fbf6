"""A centre's own keys (``keys.toml``): read, checked, applied to the dictation hotkeys."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_dictation_screen import Players, make_app, screen_of, spec
from tui_support import TuiEnv, asynctest, settle

from frappe import locations
from frappe.tui.config import StartDictation
from frappe.tui.keymap import KeymapError, known_binding_ids, load_keymap
from frappe.tui.playback.hotkeys import HOTKEYS


def write_keys(text: str) -> Path:
    path = locations.user_config_dir() / "keys.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


def test_no_file_no_keymap() -> None:
    assert load_keymap() == {}


def test_real_key_names_are_accepted() -> None:
    write_keys(
        '"dictation.back" = "ctrl+left,shift+f1,f24,pageup,a,1,plus,exclamation_mark,escape"\n'
    )
    assert load_keymap()["dictation.back"].startswith("ctrl+left,")


def test_quoted_and_dotted_ids_mean_the_same() -> None:
    write_keys('"dictation.play_pause" = "F10"\n[dictation]\nback = "f1, ctrl+left"\n')
    assert load_keymap() == {"dictation.play_pause": "f10", "dictation.back": "f1,ctrl+left"}


def test_every_dictation_hotkey_can_be_remapped() -> None:
    assert {h.id for h in HOTKEYS} <= known_binding_ids()
    assert {"home.trainer", "review.accept", "dictation_picker.resume"} <= known_binding_ids()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"dictation.play_pause" = 10\n', "champ dictation.play_pause"),
        ('"dictation.play_pause" = "f10 !"\n', "doit valoir des noms de touches"),
        ('"dictation.play_pouse" = "f10"\n', "identifiant(s) inconnu(s) : dictation.play_pouse"),
        ('"dictation.back" = "f1,ctrl+lfet"\n', "nom(s) de touche inconnu(s) : ctrl+lfet"),
        ('"dictation.back" = "hyperr+f1"\n', "nom(s) de touche inconnu(s) : hyperr+f1"),
        ("[dictation]\nback = [1, 2]\n", "champ dictation.back"),
        ("[dictation.back]\nx = { y = 1 }\n", "champ dictation.back : un texte attendu"),
        ("a = " + "[" * 40 + "]" * 40 + "\n", "imbrication"),
        ('"dictation.play_pause" = \n', "TOML illisible"),
    ],
)
def test_a_bad_file_is_a_one_line_error(text: str, message: str) -> None:
    path = write_keys(text)
    with pytest.raises(KeymapError) as caught:
        load_keymap()
    assert message in str(caught.value) and str(path) in str(caught.value)
    assert "\n" not in str(caught.value)


@asynctest
async def test_a_remapped_key_drives_the_player(tmp_path: Path) -> None:
    write_keys('"dictation.play_pause" = "f10"\n')
    env, players = TuiEnv.create(tmp_path), Players()
    app = make_app(env, players, StartDictation(spec()))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        player = players.last
        await pilot.press("escape")  # no longer play/pause
        await pilot.pause()
        assert "play" not in player.calls
        await pilot.press("f10")
        await pilot.pause()
        assert player.calls[-1] == "play"
        screen_of(app).running.journal.close()


@asynctest
async def test_a_bad_keys_file_keeps_the_defaults_and_says_why(tmp_path: Path) -> None:
    write_keys('"dictation.play_pouse" = "f10"\n')
    env, players = TuiEnv.create(tmp_path), Players()
    app = make_app(env, players, StartDictation(spec()))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        (notice,) = [n for n in app._notifications if n.title == "Touches par défaut"]
        assert "dictation.play_pouse" in notice.message
        await pilot.press("escape")
        await pilot.pause()
        assert players.last.calls[-1] == "play"
        screen_of(app).running.journal.close()
