"""Pilot tests of the trainer's area: the review screen (doubtful words, playing a word, edit and
accept, autosave reloaded), a new recording through the form, generation stopped or impossible,
and the whole path on the real speech model.

The player is the fake of ``test_dictation_screen``; the model is a fake except in the ``asr``
test, which runs the packaged base model offline on the committed 19.8 s clip.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from test_dictation_screen import Players
from textual.widgets import DataTable, Input, Select, Static, Switch
from textual.widgets.text_area import Selection
from tui_support import TuiEnv, asynctest, click, settle

from frappe.asr.model import LoadedModel, ModelChoice
from frappe.asr.transcribe import Draft, DraftWord, write_timings
from frappe.exercises.dictations import Dictation, find_dictation
from frappe.runs.authoring import REVIEW_FILE, NewExercise, create_exercise
from frappe.tui.app import FrappeApp
from frappe.tui.config import AppConfig, DictationOptions
from frappe.tui.dialogs.confirm import ConfirmScreen
from frappe.tui.screens.draft_review import DraftReviewScreen
from frappe.tui.screens.trainer import (
    GenerationScreen,
    NewRecordingScreen,
    TrainerScreen,
    pasted_path,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "asr"))
from asr_support import CLIP, CLIP_TERMS, model_cache_dir, packaged_model_dir

FAKE_MODEL = LoadedModel("fake", ModelChoice("name", "fake", "option"), None, 0.0, 2, "int8")
WORDS = (
    DraftWord("Madame", 0.0, 0.5, 0.95),
    DraftWord("Durant,", 0.7, 1.2, 0.30),
    DraftWord("82", 1.4, 1.7, 0.65),
    DraftWord("ans.", 1.8, 2.2, 0.97),
)
DRAFT = "Madame Durant, 82 ans."


def make_app(env: TuiEnv, players: Players) -> FrappeApp:
    config = AppConfig(
        storage=env.storage,
        clock=env.clock,
        tick_interval=3600.0,
        check_journals=False,
        dictation=DictationOptions(player_factory=players, auto_pedal=False),
    )
    return FrappeApp(config)


def exercise(*, draft: bool = True, identity: tuple[str, ...] = ()) -> Dictation:
    created = create_exercise(
        NewExercise(CLIP, "Lettre Durand", "lettre", False, identity=identity)
    )
    if draft:
        write_timings(Draft(DRAFT, WORDS, 19.8, "fr", "fake", 0.1), created.folder / "timings.json")
        created.draft.write_text(DRAFT + "\n", encoding="utf-8")
    return created


def review_of(app: FrappeApp) -> DraftReviewScreen:
    screen = app.screen
    assert isinstance(screen, DraftReviewScreen), type(screen)
    return screen


async def type_text(pilot: Any, text: str) -> None:
    for char in text:
        await pilot.press("space" if char == " " else char)


class FakeTranscriber:
    """Writes a fixed draft; with ``gate``, waits for it between two progress reports."""

    def __init__(self, gate: threading.Event | None = None) -> None:
        self.gate = gate
        self.calls: list[Path] = []

    def __call__(self, path: Path, model: LoadedModel, **kwargs: Any) -> Draft:
        self.calls.append(path)
        progress = kwargs["progress"]
        progress(0.0, 19.8)
        if self.gate is not None:
            assert self.gate.wait(10)
        progress(10.0, 19.8)
        progress(19.8, 19.8)
        return Draft(DRAFT, WORDS, 19.8, "fr", "fake", 0.1)


# --- review ---------------------------------------------------------------------------------


@asynctest
async def test_doubtful_words_highlighted_and_a_chosen_word_plays_from_its_time(
    tmp_path: Path,
) -> None:
    env, players = TuiEnv.create(tmp_path), Players(duration_s=19.8)
    created = exercise()
    app = make_app(env, players)
    async with app.run_test(size=(120, 30)) as pilot:
        app.push_screen(DraftReviewScreen(created, DictationOptions(player_factory=players)))
        await settle(pilot)
        screen = review_of(app)
        assert screen.editor.text == DRAFT and screen.origin == "draft"
        table = screen.query_one("#review-words", DataTable)
        assert table.row_count == 4
        styles = [table.get_row_at(i)[1].style for i in range(4)]
        assert styles == ["", "bold white on dark_red", "black on yellow", ""]
        assert isinstance(table.get_row_at(1)[1], Text)
        assert screen.doubtful == [1, 2]
        player = players.last
        assert player.loaded == created.audio
        # Enter on « Durant, »: play from just before it, its place selected in the text.
        table.focus()
        table.move_cursor(row=1)
        await pilot.press("enter")
        await pilot.pause()
        assert player.calls[-2:] == ["seek", "play"]
        assert player.position_s == pytest.approx(0.2)
        assert screen.editor.selected_text == "Durant,"
        # Ctrl+N: the next doubtful word, played alone.
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert table.cursor_row == 2 and screen.editor.selected_text == "82"
        assert player.position_s == pytest.approx(0.9)
        player.advance(1.5)  # past the end of « 82 » (1.7 s + tail)
        screen.player_line.tick()
        assert player.state.value == "paused"
        # The dictation hotkeys drive the same player.
        await pilot.press("f1")
        assert player.calls[-1] == "skip"


@asynctest
async def test_edit_and_accept_writes_the_reference(tmp_path: Path) -> None:
    env, players = TuiEnv.create(tmp_path), Players(duration_s=19.8)
    created = exercise(identity=("Durand",))
    app = make_app(env, players)
    async with app.run_test(size=(120, 30)) as pilot:
        app.push_screen(DraftReviewScreen(created, DictationOptions(player_factory=players)))
        await settle(pilot)
        screen = review_of(app)
        # The draft misspells the patient's name: accepting it would leave the name unchecked.
        await pilot.press("ctrl+s")
        await pilot.pause()
        question = str(app.screen.query_one("#question").render())
        assert "⚠ Absent du texte, donc jamais vérifié : « Durand » (identité)" in question
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is screen and not created.reference.exists()
        screen.editor.selection = Selection((0, 7), (0, 14))
        await type_text(pilot, "Durand,")
        assert screen.editor.text == "Madame Durand, 82 ans."
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "Absent du texte" not in str(app.screen.query_one("#question").render())
        assert not created.reference.exists()  # nothing before the confirmation
        await pilot.press("o")
        await settle(pilot)
        assert not isinstance(app.screen, DraftReviewScreen)
    assert created.reference.read_text("utf-8") == "Madame Durand, 82 ans.\n"
    assert created.draft.read_text("utf-8") == DRAFT + "\n"  # the raw draft stays
    assert not (created.folder / REVIEW_FILE).exists()


@asynctest
async def test_without_accept_the_review_is_autosaved_and_reloaded(tmp_path: Path) -> None:
    env, players = TuiEnv.create(tmp_path), Players(duration_s=19.8)
    created = exercise()
    app = make_app(env, players)
    async with app.run_test(size=(120, 30)) as pilot:
        options = DictationOptions(player_factory=players)
        app.push_screen(DraftReviewScreen(created, options))
        await settle(pilot)
        screen = review_of(app)
        screen.editor.move_cursor((0, len(DRAFT)))
        await type_text(pilot, " Suite")
        assert screen.autosave()  # the timer's job, called here
        assert (created.folder / REVIEW_FILE).read_text("utf-8") == DRAFT + " Suite"
        await type_text(pilot, "!")
        await pilot.press("ctrl+t")  # leave: the last edit is kept too
        await settle(pilot)
        assert not isinstance(app.screen, DraftReviewScreen)
        assert (created.folder / REVIEW_FILE).read_text("utf-8") == DRAFT + " Suite!"
        app.push_screen(DraftReviewScreen(created, options))
        await settle(pilot)
        again = review_of(app)
        assert again.origin == "review" and again.editor.text == DRAFT + " Suite!"
    assert not created.reference.exists()
    assert created.draft.read_text("utf-8") == DRAFT + "\n"


@asynctest
async def test_bundled_exercise_is_read_only(tmp_path: Path) -> None:
    env, players = TuiEnv.create(tmp_path), Players()
    d08 = find_dictation("d08")
    reference = d08.reference.read_bytes()
    app = make_app(env, players)
    async with app.run_test(size=(120, 30)) as pilot:
        app.push_screen(DraftReviewScreen(d08, DictationOptions(player_factory=players)))
        await settle(pilot)
        screen = review_of(app)
        assert screen.read_only and screen.editor.read_only
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        assert "lecture seule" in str(screen.query_one("#review-title", Static).content)
    assert d08.reference.read_bytes() == reference
    assert not (d08.folder / REVIEW_FILE).exists()


# --- new recording and generation -------------------------------------------------------------


def fill_form(form: NewRecordingScreen, audio: Path | str, title: str) -> None:
    form.query_one("#new-audio", Input).value = str(audio)
    form.query_one("#new-title", Input).value = title


@asynctest
async def test_new_recording_form_then_generated_draft_opens_the_review(tmp_path: Path) -> None:
    env, players = TuiEnv.create(tmp_path), Players(duration_s=19.8)
    transcriber = FakeTranscriber()
    app = make_app(env, players)
    not_audio = tmp_path / "notes.ogg"
    not_audio.write_text("pas du son\n", encoding="utf-8")
    async with app.run_test(size=(120, 36)) as pilot:
        app.push_screen(TrainerScreen(loader=lambda: FAKE_MODEL, transcribe=transcriber))
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, NewRecordingScreen)
        error = form.query_one("#new-error", Static)
        for audio, expected in ((tmp_path / "absent.wav", "introuvable"), (not_audio, "Format")):
            fill_form(form, audio, "Lettre Durand")
            form.query_one("#new-title", Input).focus()
            await pilot.press("enter")  # submits the form, like the button
            await pilot.pause()
            assert app.screen is form and expected in str(error.content)
        fill_form(form, f"'{CLIP}'", "Lettre Durand")  # quoted, as a terminal drops a file
        form.query_one("#new-punctuation", Switch).value = False
        form.query_one("#new-identity", Input).value = "Durand ; 82 ans;"
        form.query_one("#new-level", Select).value = 1
        form.query_one("#new-deadline", Select).value = 15
        await click(pilot, "#new-create")
        await settle(pilot)
        screen = review_of(app)
        assert transcriber.calls == [screen.dictation.audio]
        assert screen.editor.text == DRAFT
        created = screen.dictation
        assert created.id == "f01-lettre-durand" and created.dictation_style == "plain"
        assert created.identity["names"] == ("Durand",)
        assert created.identity["numbers"] == ("82 ans",)
        assert (created.level, created.deadline_min) == (1, 15)
        await pilot.press("ctrl+t")
        await settle(pilot)
        trainer = app.screen
        assert isinstance(trainer, TrainerScreen)
        table = trainer.query_one("#trainer-table", DataTable)
        row = table.get_row(created.id)
        assert row[2:6] == ["formateur", "—", "✓", "✓"]
    assert not created.reference.exists()


@asynctest
async def test_leaving_the_generation_writes_nothing(tmp_path: Path) -> None:
    env, players = TuiEnv.create(tmp_path), Players(duration_s=19.8)
    created = exercise(draft=False)
    gate = threading.Event()
    app = make_app(env, players)
    async with app.run_test(size=(120, 30)) as pilot:
        trainer = TrainerScreen(loader=lambda: FAKE_MODEL, transcribe=FakeTranscriber(gate))
        app.push_screen(trainer)
        await settle(pilot)
        table = trainer.query_one("#trainer-table", DataTable)
        table.move_cursor(row=table.get_row_index(created.id))
        await pilot.press("g")
        for _ in range(50):
            await pilot.pause(0.02)
            if isinstance(app.screen, GenerationScreen) and "0 / 20" in str(
                app.screen.query_one("#generation-status", Static).content
            ):
                break
        assert isinstance(app.screen, GenerationScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is trainer
        gate.set()
        await settle(pilot)
    assert not created.draft.exists() and not (created.folder / "timings.json").exists()


@asynctest
async def test_without_the_asr_extra_generation_says_so_and_review_still_plays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "faster_whisper", None)  # import fails as if not installed
    env, players = TuiEnv.create(tmp_path), Players(duration_s=19.8)
    created = exercise(draft=False)
    app = make_app(env, players)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("f")  # from the home screen
        await settle(pilot)
        trainer = app.screen
        assert isinstance(trainer, TrainerScreen)
        table = trainer.query_one("#trainer-table", DataTable)
        table.move_cursor(row=table.get_row_index(created.id))
        await pilot.press("g")
        await settle(pilot)
        generation = app.screen
        assert isinstance(generation, GenerationScreen)
        assert generation.error is not None and "pip install 'frappe[asr]'" in generation.error
        shown = str(generation.query_one("#generation-status").render())
        assert "pip install 'frappe[asr]'" in shown and "Rien n'a été écrit." in shown
        await pilot.press("escape")
        await pilot.press("r")
        await settle(pilot)
        screen = review_of(app)
        assert screen.origin == "empty" and screen.words == ()
        await pilot.press("escape")
        assert players.last.calls[-1] == "play"
    assert not created.draft.exists() and not (created.folder / "timings.json").exists()


@asynctest
async def test_the_trainer_list_fits_80_columns(tmp_path: Path) -> None:
    env = TuiEnv.create(tmp_path)
    created = exercise(draft=False)
    app = make_app(env, Players())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f")
        await settle(pilot)
        trainer = app.screen
        assert isinstance(trainer, TrainerScreen)
        table = trainer.query_one("#trainer-table", DataTable)
        assert table.virtual_size.width <= 80  # the state columns are visible
        row = table.get_row(created.id)
        assert row[0] == created.id[:3] and row[3:6] == ["—", "—", "—"]
        help_line = str(trainer.query_one("#trainer-help").render())
        assert "frappe[asr]" in help_line  # not eaten as markup


@asynctest
async def test_notifications_show_brackets_as_written(tmp_path: Path) -> None:
    app = make_app(TuiEnv.create(tmp_path), Players())
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.notify("installez frappe[asr] dans /salle [2]", title="Extra manquant")
        await pilot.pause()
        (notification,) = [n for n in app._notifications if n.title == "Extra manquant"]
        # Textual's toast renders the message as markup unless told not to.
        assert notification.markup is False
        assert notification.message == "installez frappe[asr] dans /salle [2]"


# --- the real model ---------------------------------------------------------------------------


@pytest.mark.asr
@asynctest
async def test_real_model_new_recording_generated_reviewed_and_accepted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    packaged_model_dir()  # assembled once per run (fails, never skips, without the extra)
    monkeypatch.setenv("FRAPPE_CACHE_DIR", str(model_cache_dir()))
    monkeypatch.delenv("FRAPPE_WHISPER_MODEL", raising=False)
    env, players = TuiEnv.create(tmp_path), Players(duration_s=19.8)
    app = make_app(env, players)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, NewRecordingScreen)
        fill_form(form, CLIP, "Pneumopathie de Mme Durand")
        form.query_one("#new-terms", Input).value = ", ".join(CLIP_TERMS)
        await click(pilot, "#new-create")
        await settle(pilot)
        screen = review_of(app)
        created = screen.dictation
        assert "amoxicilline" in screen.editor.text.lower()
        assert len(screen.words) >= 25
        assert created.draft.read_text("utf-8").rstrip("\n") == screen.editor.text
        table = screen.query_one("#review-words", DataTable)
        assert table.row_count == len(screen.words)
        table.focus()
        table.move_cursor(row=5)
        await pilot.press("enter")
        await pilot.pause()
        assert players.last.position_s == pytest.approx(max(0.0, screen.words[5].start_s - 0.5))
        screen.editor.focus()
        screen.editor.move_cursor((0, 0))
        await type_text(pilot, "Relu : ")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, TrainerScreen)
    reference = created.reference.read_text("utf-8")
    assert reference.startswith("Relu : ") and "amoxicilline" in reference.lower()
    assert reference.endswith("\n") and not reference.endswith("\n\n")
    assert find_dictation(created.id).reference_text() == reference.rstrip("\n")


@pytest.mark.parametrize(
    ("pasted", "name"),
    [
        ("'{folder}/l'\\''entretien de Mme D.wav'", "l'entretien de Mme D.wav"),
        ("{folder}/l\\'entretien\\ de\\ Mme\\ D.wav", "l'entretien de Mme D.wav"),
        ("file://{folder}/l%27entretien%20de%20Mme%20D.wav", "l'entretien de Mme D.wav"),
        ("'file://{folder}/l%27entretien%20de%20Mme%20D.wav'", "l'entretien de Mme D.wav"),
        ('"{folder}/l\'entretien de Mme D.wav"', "l'entretien de Mme D.wav"),
        ("  {folder}/l'entretien de Mme D.wav  ", "l'entretien de Mme D.wav"),
    ],
)
def test_pasted_paths_in_every_file_manager_form(tmp_path: Path, pasted: str, name: str) -> None:
    audio = tmp_path / name
    audio.write_bytes(b"")
    assert pasted_path(pasted.format(folder=tmp_path)) == str(audio)


@asynctest
async def test_the_form_labels_are_whole_at_80_columns(tmp_path: Path) -> None:
    env, players = TuiEnv.create(tmp_path), Players()
    app = make_app(env, players)
    async with app.run_test(size=(80, 40)) as pilot:
        app.push_screen(NewRecordingScreen())
        await settle(pilot)
        shown = app.export_screenshot().replace("&#160;", " ")
        for words in ("(erreurs critiques)", "point à la ligne »)", "(facultatif)"):
            assert words in shown, words
