"""The settings screen: output devices and pedals listed, a test sound, pedal presses live, the
learning wizard, saved in ``frappe.toml``; every dictation opened from the app then uses them,
and the command line's flags still win. The pedal is a FIFO fed with a VEC pedal's reports;
the device list and the test sound are the screen's injected functions here (the real ones
run in ``test_settings_e2e_tmux.py`` on PortAudio)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from textual.widgets import Input, Select, Static
from tui_support import TuiEnv, asynctest, settle

from frappe.audio.pedal import load_profiles
from frappe.audio.player import OutputDevice
from frappe.settings import load_settings
from frappe.tui.config import DictationOptions
from frappe.tui.screens import settings as settings_screen
from frappe.tui.screens.settings import SettingsScreen

DEVICES = [
    OutputDevice(0, "pulse", "ALSA", 32, 44100.0, True),
    OutputDevice(3, "USB Headset", "ALSA", 2, 48000.0, False),
]


async def until(pilot: object, check: object, what: str) -> None:
    for _ in range(500):
        if check():  # type: ignore[operator]
            return
        await pilot.pause(0.02)  # type: ignore[attr-defined]
    raise AssertionError(f"never happened: {what}")


def text(screen: SettingsScreen, target: str) -> str:
    return str(screen.query_one(f"#{target}", Static).content)


@asynctest
async def test_choose_test_and_save_then_dictations_use_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PortAudio stays out of the test process: the home entry's screen lists these.
    monkeypatch.setattr(settings_screen, "real_devices", lambda: DEVICES)
    env = TuiEnv.create(tmp_path)
    fifo = tmp_path / "pedale"
    os.mkfifo(fifo)
    writer = os.open(fifo, os.O_RDWR)
    played: list[str | None] = []

    def sound(device: str | None) -> str:
        played.append(device)
        return device or "défaut"

    app = env.app()
    try:
        async with app.run_test(size=(100, 40)) as pilot:
            await settle(pilot)
            await pilot.press("o")  # from the home screen
            await settle(pilot)
            assert isinstance(app.screen, SettingsScreen)
            app.pop_screen()
            screen = SettingsScreen(test_sound=sound)
            await app.push_screen(screen)
            await settle(pilot)
            device = screen.query_one("#settings-device", Select)
            await until(pilot, lambda: len(device._options) == 3, "the devices listed")
            device.value = "USB Headset"
            screen.query_one("#settings-pedal-path", Input).value = str(fifo)
            screen.query_one("#settings-pedal-profile", Select).value = "vec"
            await pilot.press("f2")
            await until(
                pilot,
                lambda: "joué sur USB Headset" in text(screen, "settings-sound-status"),
                "sound",
            )
            assert played == ["USB Headset"]
            await pilot.press("f3")  # the pedal, live
            await pilot.pause()
            assert "Pédale : VEC" in text(screen, "settings-pedal-live")
            os.write(writer, b"\x02\x00")
            await until(
                pilot, lambda: "centrale appuyée" in text(screen, "settings-pedal-live"), "press"
            )
            os.write(writer, b"\x00\x00")
            await until(
                pilot, lambda: "centrale relâchée" in text(screen, "settings-pedal-live"), "release"
            )
            await pilot.press("f3")
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert "Réglages enregistrés" in text(screen, "settings-status")
            options = app.dictation_options()
    finally:
        os.close(writer)
    saved = load_settings()
    assert saved.audio.device == "USB Headset"
    assert (saved.pedal.path, saved.pedal.profile, saved.pedal.enabled) == (str(fifo), "vec", True)
    assert (options.device, options.pedal, options.pedal_profile) == ("USB Headset", fifo, "vec")
    # The command line's flags win over the file; --no-pedal means no pedal at all.
    flags = DictationOptions(device=7, auto_pedal=False).with_settings(saved)
    assert (flags.device, flags.pedal, flags.auto_pedal) == (7, None, False)
    assert DictationOptions(pedal_profile="olympus-rs28").with_settings(saved).pedal_profile == (
        "olympus-rs28"
    )


@asynctest
async def test_the_learning_wizard_in_the_screen(tmp_path: Path) -> None:
    env = TuiEnv.create(tmp_path)
    fifo = tmp_path / "pedale-inconnue"
    os.mkfifo(fifo)
    writer = os.open(fifo, os.O_RDWR)
    app = env.app()
    try:
        async with app.run_test(size=(100, 40)) as pilot:
            screen = SettingsScreen(devices=lambda: [], test_sound=lambda _d: "")
            await app.push_screen(screen)
            await settle(pilot)
            screen.query_one("#settings-pedal-path", Input).value = str(fifo)
            await pilot.press("f4")
            await pilot.pause()
            assert "identifiant USB attendu" in text(screen, "settings-pedal-live")
            screen.query_one("#settings-usb-id", Input).value = "abcd:0001"
            await pilot.press("f4")
            for report in (b"\x04\x00", b"\x01\x00", b"\x02\x00"):
                await until(
                    pilot,
                    lambda: "Appuyez sur la pédale" in text(screen, "settings-pedal-live"),
                    "prompt",
                )
                os.write(writer, report)
                await until(
                    pilot,
                    lambda: "Relâchez" in text(screen, "settings-pedal-live"),
                    "release prompt",
                )
                os.write(writer, b"\x00\x00")
            await until(
                pilot, lambda: "enregistré dans" in text(screen, "settings-pedal-live"), "saved"
            )
            assert screen.query_one("#settings-pedal-profile", Select).value == "abcd:0001"
    finally:
        os.close(writer)
    learned = load_profiles()["abcd:0001"]
    assert learned.paths == (str(fifo),) and learned.buttons["left"].mask == 4
