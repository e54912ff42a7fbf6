"""The transcription editor reports every change as an exact edit: the journal's keystrokes
replay to the very text on screen, whatever the candidate does (cursor moves, selections, cut
and paste inside the editor, undo/redo, dead keys); an outside paste is refused."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from textual import events
from textual.app import App, ComposeResult
from tui_support import asynctest

from frappe.scoring.keystrokes import Keystroke, replay
from frappe.tui.playback.hotkeys import EDITOR_KEY_NAMES, HOTKEYS, hotkeys_markdown
from frappe.tui.widgets.dictation.editor import DocumentEditor, text_diff


class EditorApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.edits: list[DocumentEditor.Edited] = []
        self.refused: list[int] = []
        self.pending: list[str] = []

    def compose(self) -> ComposeResult:
        yield DocumentEditor(id="editor")

    def on_document_editor_edited(self, message: DocumentEditor.Edited) -> None:
        self.edits.append(message)

    def on_document_editor_paste_refused(self, message: DocumentEditor.PasteRefused) -> None:
        self.refused.append(message.chars)

    def on_document_editor_dead_key(self, message: DocumentEditor.DeadKey) -> None:
        self.pending.append(message.pending)

    def strokes(self) -> list[Keystroke]:
        out: list[Keystroke] = []
        for t, edit in enumerate(self.edits):
            if edit.removed:
                out.append(Keystroke(t, edit.key, "delete", edit.pos, edit.removed))
            if edit.inserted:
                out.append(Keystroke(t, edit.key, "insert", edit.pos, edit.inserted))
        return out


@asynctest
async def test_every_change_replays_to_the_text_on_screen() -> None:
    app = EditorApp()
    async with app.run_test() as pilot:
        editor = app.query_one(DocumentEditor)
        editor.focus()
        await pilot.press(*"Madame", "enter", "enter", *"Cher")
        await pilot.press("up", "up", "end", "backspace", "E")  # Madame → MadamE
        await pilot.press("shift+left", "shift+left", *"me")  # a selection replaced
        await pilot.press("end", "shift+home", "ctrl+x")  # cut the line
        await pilot.press("down", "down", "end", "ctrl+v")  # paste it inside the editor
        await pilot.press("ctrl+z", "ctrl+z", "ctrl+y")
        await pilot.press("ctrl+w")  # delete a word left
        await pilot.pause()
        assert replay(app.strokes()) == editor.text
        keys = {edit.key for edit in app.edits}
    assert {"ctrl+x", "ctrl+v", "undo", "redo", "backspace", "enter"} <= keys


@asynctest
async def test_dead_keys_compose_one_character() -> None:
    app = EditorApp()
    async with app.run_test() as pilot:
        editor = app.query_one(DocumentEditor)
        editor.focus()
        await pilot.press("f", "circumflex_accent", "e", "t", "e")
        await pilot.press("circumflex_accent", "space")  # the accent alone
        await pilot.press("diaeresis", "backspace")  # an accent cancelled
        await pilot.pause()
        assert editor.text == "fête^"
        assert replay(app.strokes()) == "fête^"
        assert app.pending == ["^", "", "^", "", "¨", ""]
        assert app.edits[1].inserted == "ê" and app.edits[1].key == "^+e"


@asynctest
async def test_an_outside_paste_is_refused_and_decomposed_text_is_normalised() -> None:
    app = EditorApp()
    async with app.run_test() as pilot:
        editor = app.query_one(DocumentEditor)
        editor.focus()
        editor.post_message(events.Paste("texte copié ailleurs"))
        await pilot.pause()
        assert editor.text == "" and app.refused == [20]
        editor.insert("fe\u0302te")  # e + combining circumflex
        await pilot.pause()
        assert editor.text == "fête" and replay(app.strokes()) == "fête"


@given(st.text("ab\n", max_size=8), st.text("ab\n", max_size=8), st.integers(0, 8))
def test_text_diff_is_one_exact_edit(old: str, new: str, hint: int) -> None:
    pos, removed, inserted = text_diff(old, new, min(hint, len(new)))
    assert old[pos : pos + len(removed)] == removed
    assert old[:pos] + inserted + old[pos + len(removed) :] == new


def test_text_diff_puts_an_ambiguous_insertion_at_the_cursor() -> None:
    assert text_diff("aa", "aaa", 1) == (0, "", "a")
    assert text_diff("aa", "aaa", 2) == (1, "", "a")
    assert text_diff("aaa", "aa", 1) == (1, "a", "")


@asynctest
async def test_word_processor_keys_move_select_and_undo() -> None:
    app = EditorApp()
    async with app.run_test() as pilot:
        editor = app.query_one(DocumentEditor)
        editor.focus()
        await pilot.press(*"Madame", "enter", *"Cher confrere")
        await pilot.press("ctrl+home")
        assert editor.cursor_location == (0, 0)
        await pilot.press("ctrl+end")
        assert editor.cursor_location == (1, 13)
        await pilot.press("ctrl+left", "ctrl+shift+right")  # the last word, selected by word
        assert editor.selected_text == "confrere"
        await pilot.press(*"confrère")
        assert editor.text == "Madame\nCher confrère"
        await pilot.press("home", "shift+end")
        assert editor.selected_text == "Cher confrère"
        await pilot.press("ctrl+shift+home")
        assert editor.selected_text == "Madame\n"
        await pilot.press("ctrl+a")
        assert editor.selected_text == editor.text
        await pilot.press("X")
        assert editor.text == "X"
        await pilot.press("ctrl+z")
        assert editor.text == "Madame\nCher confrère"
        await pilot.press("ctrl+y")
        assert editor.text == "X"
        await pilot.pause()
        assert replay(app.strokes()) == editor.text


def test_editor_keys_never_collide_with_player_keys() -> None:
    player = {key for hotkey in HOTKEYS for key in hotkey.keys.split(",")}
    assert not player & set(EDITOR_KEY_NAMES)
    bound = {key for b in DocumentEditor.BINDINGS for key in b.key.split(",")}  # type: ignore[union-attr]
    assert set(EDITOR_KEY_NAMES) <= bound
    assert not player & bound
    assert "Ctrl+Début / Ctrl+Fin" in hotkeys_markdown()
