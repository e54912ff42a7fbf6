"""The app's pickers with bad trainer files (issue 14 §4): the exam setup opens with the good
texts and presets, each bad file a one-line notification naming file and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tui_support import TuiEnv, asynctest

from frappe.locations import bundled_texts_dir
from frappe.storage.presets import ExamPreset, save_preset
from frappe.tui.screens.exam_setup import ExamSetupScreen


@asynctest
async def test_exam_setup_skips_bad_texts_and_presets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = tmp_path / "textes"
    shutil.copytree(bundled_texts_dir(), texts)
    good_texts = len(list(texts.glob("*.toml")))
    (texts / "t90-mauvais.toml").write_text('level = "facile"\n', "utf-8")
    (texts / "t90-mauvais.txt").write_text("Un texte.\n", "utf-8")
    monkeypatch.setenv("FRAPPE_TEXTS_DIR", str(texts))
    env = TuiEnv.create(tmp_path)
    presets = env.storage.presets_dir
    assert presets is not None
    save_preset(ExamPreset("Bon", "t01", min_speed=20), presets)
    (presets / "nan.toml").write_text('name = "N"\ntext = "t01"\nmin_speed = nan\n', "utf-8")
    (presets / "table.toml").write_text('name = "T"\ntext = {a = 1}\n', "utf-8")
    (presets / "profond.toml").write_text("x = " + "[" * 3000 + "]" * 3000 + "\n", "utf-8")
    app = env.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        setup = app.screen
        assert isinstance(setup, ExamSetupScreen)
        assert len(setup.texts) == good_texts
        assert [p.name for p in setup.presets] == ["Bon"]
        assert len(setup.problems) == 4
        assert all("\n" not in p for p in setup.problems)
        joined = " | ".join(setup.problems)
        for name, field in (
            ("t90-mauvais.toml", "level"),
            ("nan.toml", "min_speed"),
            ("table.toml", "text"),
            ("profond.toml", "imbrication"),
        ):
            assert name in joined and field in joined, (name, joined)
        messages = [n.message for n in app._notifications]
        assert sum("ignoré" in m or ".toml" in m for m in messages) >= 4
