"""The test helpers themselves: a click aimed just after a screen changed reaches its button."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.widgets import Button, Static
from tui_support import asynctest, click


class MovingButtonApp(App[None]):
    """A form above a button; hiding the form moves the button up, as the séance screen does
    when the candidate has joined."""

    CSS: ClassVar[str] = "#form { height: 12; }"

    def __init__(self) -> None:
        super().__init__()
        self.pressed: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static("formulaire", id="form")
        yield Button("Commencer", id="go")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.pressed.append(event.button.id or "")


@asynctest
async def test_a_click_right_after_the_layout_changed_reaches_the_moved_button() -> None:
    app = MovingButtonApp()
    async with app.run_test(size=(40, 20)) as pilot:
        await pilot.pause()
        old_place = app.query_one("#go").region
        app.query_one("#form").display = False  # not laid out again until the app runs
        assert app.query_one("#go").region == old_place  # what the pilot would aim at
        await click(pilot, "#go")
        await pilot.pause()
        assert app.query_one("#go").region.y < old_place.y
        assert app.pressed == ["go"]


@asynctest
async def test_the_bare_pilot_click_misses_the_moved_button() -> None:
    """What ``click`` guards against (a seat test once timed out this way)."""
    app = MovingButtonApp()
    async with app.run_test(size=(40, 20)) as pilot:
        await pilot.pause()
        app.query_one("#form").display = False
        landed = await pilot.click("#go")
        await pilot.pause()
        assert not landed and app.pressed == []
