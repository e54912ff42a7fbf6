"""A foot pedal on the dictation screen: the real pedal reader and controller (a FIFO stands in
for ``/dev/hidraw*`` and receives a VEC Infinity pedal's report bytes) drive the player; hold to
play, release to pause, left pedal back; the actions land in the record's events; the pedal
unplugged is a status bar message."""

from __future__ import annotations

import os
from pathlib import Path

from test_dictation_screen import Players, make_app, screen_of, spec
from tui_support import TuiEnv, asynctest, settle

from frappe.audio.pedal import PedalController, PedalEvent, PlayMode, builtin_profiles
from frappe.errors import AudioError, FrappeError
from frappe.exercises.playback import PlayerState
from frappe.tui.config import StartDictation
from frappe.tui.playback.controls import PlayerControls
from frappe.tui.playback.pedal import real_pedal_factory

VEC = "05f3:00ff"


async def until(pilot: object, check: object, what: str) -> None:
    for _ in range(400):
        if check():  # type: ignore[operator]
            return
        await pilot.pause(0.01)  # type: ignore[attr-defined]
    raise AssertionError(f"never happened: {what}")


@asynctest
async def test_a_vec_pedal_plays_while_held_and_its_unplugging_is_shown(tmp_path: Path) -> None:
    env = TuiEnv.create(tmp_path)
    fifo = tmp_path / "hidraw-test"
    os.mkfifo(fifo)
    writer = os.open(fifo, os.O_RDWR)  # never blocks, and keeps the FIFO open for the reader
    players = Players()
    pedals = real_pedal_factory(fifo, {VEC: builtin_profiles()[VEC]})
    app = make_app(env, players, StartDictation(spec()), pedal_factory=pedals)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            screen = screen_of(app)
            player = players.last
            assert "Pédale : VEC" in screen.status.render_text().plain
            os.write(writer, b"\x02\x00")  # middle pedal held: play
            await until(pilot, lambda: player.state is PlayerState.PLAYING, "play")
            player.advance(6.0)
            os.write(writer, b"\x00\x00")  # released: pause
            await until(pilot, lambda: player.state is PlayerState.PAUSED, "pause")
            os.write(writer, b"\x01\x00")  # left pedal: back one step
            await until(pilot, lambda: "skip" in player.calls, "skip back")
            os.write(writer, b"\x00\x00")
            await until(
                pilot,
                lambda: (
                    [e.get("action") for e in screen.running.session.events][-3:]
                    == ["play", "pause", "skip"]
                ),
                "the actions in the record's events",
            )
            os.close(writer)  # the pedal is unplugged
            writer = -1
            await until(
                pilot,
                lambda: "Pédale : débranchée" in screen.status.render_text().plain,
                "the unplugged message",
            )
            assert any(e["type"] == "pedal_problem" for e in screen.running.session.events)
            assert "Pédale : Pédale" not in screen.status.render_text().plain
            # Typing and hotkeys go on.
            await pilot.press("O", "escape")
            await pilot.pause()
            assert screen.running.session.typed == "O"
            assert player.state is PlayerState.PLAYING
    finally:
        if writer >= 0:
            os.close(writer)


class _BrokenPlayer:
    """A player whose library fails with its own (non-frappe) exception on play."""

    def play(self, *, rewind: bool = True) -> None:
        raise RuntimeError("PaErrorCode -9999")

    def pause(self) -> None:
        return


def test_the_pedal_goes_through_the_controls_like_the_hotkeys() -> None:
    """A pedal press is a command run by the same ``PlayerControls`` as a hotkey: a library
    error becomes the controls' one-line ``AudioError`` for the status bar (the pedal used to
    call the player itself, and such an error escaped its thread)."""
    errors: list[FrappeError] = []
    controls = PlayerControls(_BrokenPlayer())  # type: ignore[arg-type]
    controller = PedalController(
        controls.run, builtin_profiles()[VEC].roles, PlayMode.HOLD, on_error=errors.append
    )
    try:
        controller.handle(PedalEvent("middle", True, 0))
        controller.handle(PedalEvent("middle", False, 0))
    finally:
        controller.close()
    assert len(errors) == 1
    assert isinstance(errors[0], AudioError)
    assert str(errors[0]) == "lecteur audio : PaErrorCode -9999"
