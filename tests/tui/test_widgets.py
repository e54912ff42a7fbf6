"""The typing widgets: incremental wrapping equals a fresh wrap, only changed rows are
redrawn, one cursor, the reference marker follows the candidate."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from textual.geometry import Region
from tui_support import TuiEnv, asynctest, exam_spec, start_exam, type_keys

from frappe.exercises.record import Candidate
from frappe.tui.dialogs.confirm import ConfirmScreen
from frappe.tui.screens.typing import TypingScreen
from frappe.tui.widgets.typing.text_view import WrappedText, wrap_spans


@pytest.fixture
def env(tmp_path: Path) -> TuiEnv:
    return TuiEnv.create(tmp_path)


def test_wrap_spans_breaks_at_spaces_and_hard_breaks_long_words() -> None:
    assert wrap_spans("le chat dort", 8) == [(0, 8), (8, 12)]
    assert wrap_spans("anticonstitutionnel", 8) == [(0, 8), (8, 16), (16, 19)]
    assert wrap_spans("", 8) == [(0, 0)]
    assert wrap_spans("abcd", 4) == [(0, 4), (4, 4)]  # full row: the cursor goes below


edits = st.lists(
    st.one_of(
        st.tuples(st.just(0), st.text(alphabet="ab \n", min_size=1, max_size=4)),
        st.tuples(st.integers(1, 5), st.just("")),
    ),
    max_size=80,
)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 14), edits)
def test_incremental_wrap_equals_a_fresh_wrap(width: int, steps: list[tuple[int, str]]) -> None:
    wrapped = WrappedText("", width)
    text = ""
    for wanted, inserted in steps:
        removed = min(wanted, len(text))
        before = list(wrapped.rows)
        first = wrapped.edit_at_end(removed, inserted)
        text = text[: len(text) - removed] + inserted
        fresh = WrappedText(text, width)
        assert wrapped.text == text
        assert wrapped.rows == fresh.rows
        assert wrapped.line_starts == fresh.line_starts
        assert wrapped.first_row == fresh.first_row
        assert before[:first] == wrapped.rows[:first]  # rows before `first` are unchanged


@asynctest
async def test_one_key_redraws_one_row_of_the_typed_pane(env: TuiEnv) -> None:
    app = env.app(start_exam())
    async with app.run_test(size=(80, 24)) as pilot:
        await type_keys(pilot, env.clock, "La fête est")
        screen = app.screen
        assert isinstance(screen, TypingScreen)
        typed = screen.area.typed
        await pilot.pause()
        dirty: list[Region] = []
        original = typed.refresh

        def spy(*regions: Region, **kwargs: bool) -> object:
            dirty.extend(regions)
            if not regions:
                dirty.append(Region(0, 0, 0, 999))  # a full redraw
            return original(*regions, **kwargs)

        typed.refresh = spy  # type: ignore[method-assign]
        screen.area.type_key("space", " ")
        assert dirty and all(region.height == 1 for region in dirty)
        assert {region.y for region in dirty} == {0}


@asynctest
async def test_single_cursor_after_new_paragraphs(env: TuiEnv) -> None:
    app = env.app(start_exam())
    async with app.run_test(size=(80, 24)) as pilot:
        await type_keys(pilot, env.clock, "La fête\n\nLe")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TypingScreen)
        typed = screen.area.typed
        cursor = typed.style_of("typed--cursor")
        rows_with_cursor = [
            y
            for y in range(len(typed.wrapped.rows))
            if any(seg.style == typed.base_style + cursor for seg in typed.render_line(y))
        ]
        assert rows_with_cursor == [len(typed.wrapped.rows) - 1]


@asynctest
async def test_reference_marker_follows_words(env: TuiEnv) -> None:
    app = env.app(start_exam())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, TypingScreen)
        reference = screen.area.reference
        assert reference.marker == 0
        await type_keys(pilot, env.clock, "La fte est")  # a missed letter stays in its word
        body = screen.running.session.config.reference
        assert reference.marker == body.index("est") + 3
        await type_keys(pilot, env.clock, " pr")
        assert reference.marker == body.index("prête") + 2


@asynctest
async def test_names_with_brackets_show_as_typed(env: TuiEnv) -> None:
    """Candidate names and titles are data, not markup: « [groupe B] » stays on screen."""
    spec = dataclasses.replace(exam_spec(), candidate=Candidate("Martin Claire [groupe B]"))
    app = env.app(start_exam(spec))
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TypingScreen)
        title = str(screen.query_one("#typing-title").render())
        assert "Martin Claire [groupe B]" in title
        app.push_screen(ConfirmScreen("Clore [groupe B] ?", confirm="Oui", cancel="Non"))
        await pilot.pause()
        assert "Clore [groupe B] ?" in str(app.screen.query_one("#question").render())
