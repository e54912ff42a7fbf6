"""Pilot tests of the "correct the speech-recognition draft" exercise: chosen in the picker
(only for a dictation with a draft), the draft in the editor, edits journaled from it, the
three-way result on screen, in the record and in the history, resume after a crash.

The corpus is a temporary one (``FRAPPE_AUDIO_CORPUS_DIR``) whose reference and draft the tests
write, so nothing depends on the bundled drafts.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_dictation_screen import Players, make_app, rendered, screen_of, type_text
from textual.widgets import DataTable, Input, Select
from tui_support import TuiEnv, asynctest, click, settle

from frappe.cli.main import main
from frappe.exercises.dictations import find_dictation, medical_lexicon
from frappe.exercises.record import Candidate
from frappe.runs.dictation import DictationSpec, unfinished_dictations
from frappe.scoring import scoring_profile
from frappe.scoring.correction import score_correction
from frappe.scoring.keystrokes import replay
from frappe.scoring.transcription import ExerciseKeys
from frappe.storage.files import read_record
from frappe.storage.history import open_history
from frappe.storage.journal import read_journal
from frappe.tui.config import StartDictation
from frappe.tui.dialogs.confirm import ConfirmScreen
from frappe.tui.screens.dictation_picker import DictationPickerScreen
from frappe.tui.screens.dictation_results import DictationResultsScreen
from frappe.tui.screens.history import HistoryScreen

REFERENCE = (
    "Madame Lucie Marchal est suivie pour une insuffisance cardiaque. "
    "Elle a été hospitalisée le 12/03/2025 et sortira à domicile avec du furosémide 40 mg."
)
# Five recognition errors: Marchand (a name: critical), est, hospitalisé, a, furo sémide.
DRAFT = (
    "Madame Lucie Marchand est suivie pour une insuffisance cardiaque. "
    "Elle est été hospitalisé le 12/03/2025 et sortira a domicile avec du furo sémide 40 mg."
)
WITH_DRAFT = "c01-lettre-sortie"
WITHOUT_DRAFT = "c02-sans-brouillon"
EXERCISE_TOML = """\
id = "{id}"
title = "{title}"
document_type = "lettre"
level = 1
dictation_style = "plain"
duration_s = 30.0
deadline_min = 10
terminology = ["furosémide"]

[identity]
names = ["Lucie Marchal"]
dates = ["12/03/2025"]
"""


@pytest.fixture(autouse=True)
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "corpus"
    audio = find_dictation("d01").audio
    for exercise_id, title in ((WITH_DRAFT, "Lettre de sortie"), (WITHOUT_DRAFT, "Sans brouillon")):
        exercise = folder / exercise_id
        exercise.mkdir(parents=True)
        (exercise / "exercise.toml").write_text(
            EXERCISE_TOML.format(id=exercise_id, title=title), "utf-8"
        )
        (exercise / "reference.txt").write_text(REFERENCE + "\n", "utf-8")
        shutil.copy(audio, exercise / "audio.ogg")
    (folder / WITH_DRAFT / "draft.txt").write_text(DRAFT + "\n", "utf-8")
    monkeypatch.setenv("FRAPPE_AUDIO_CORPUS_DIR", str(folder))
    yield folder


def correction_spec(deadline_s: float | None = 600.0) -> DictationSpec:
    return DictationSpec(
        candidate=Candidate("Martin Claire", "C-42"),
        dictation=find_dictation(WITH_DRAFT),
        deadline_s=deadline_s,
        mode="practice",
        exercise="correction",
    )


KEYS = ExerciseKeys(("furosémide",), ("Lucie Marchal", "12/03/2025"), medical_lexicon())


@asynctest
async def test_picker_offers_the_correction_only_with_a_draft(tmp_path: Path) -> None:
    env = TuiEnv.create(tmp_path)
    players = Players()
    app = make_app(env, players)
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.press("d")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, DictationPickerScreen)
        table = picker.query_one("#picker-table", DataTable)
        assert [table.get_row_at(i)[-1] for i in range(table.row_count)] == ["✓", "—"]
        assert table.virtual_size.width <= 78  # the draft column still fits 80 columns
        picker.query_one("#picker-name", Input).value = "Durand Léa"
        picker.query_one("#picker-exercise", Select).value = "correction"
        table.focus()
        await pilot.press("down", "enter")  # the dictation without a draft
        await pilot.pause()
        assert app.screen is picker
        messages = [n.message for n in app._notifications]
        assert any(
            m.startswith("Pas de brouillon pour cette dictée") and "frappe asr inject" in m
            for m in messages
        )
        assert not players.made  # nothing started
        await pilot.press("up", "enter")
        await settle(pilot)
        screen = screen_of(app)
        config = screen.running.session.config
        title = str(screen.query_one("#dictation-title").render())
        assert config.kind == "correction" and config.initial_text == DRAFT
        assert title.startswith("Correction du brouillon — Durand Léa")
        assert screen.editor.text == DRAFT and screen.editor.cursor_location == (0, 0)
        assert players.last.loaded == find_dictation(WITH_DRAFT).audio
        screen.running.journal.close()


@asynctest
async def test_picker_leaves_out_a_recording_without_reviewed_reference(
    tmp_path: Path, corpus: Path
) -> None:
    (corpus / WITHOUT_DRAFT / "reference.txt").unlink()
    env = TuiEnv.create(tmp_path)
    app = make_app(env, Players())
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.press("d")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, DictationPickerScreen)
        table = picker.query_one("#picker-table", DataTable)
        assert table.row_count == 1
        assert [d.id for d in picker.dictations] == [WITH_DRAFT]
        messages = [n.message for n in app._notifications]
        assert any(m.startswith("1 dictée(s) sans référence relue") for m in messages)


@asynctest
async def test_trainee_corrects_the_draft_and_sees_fixed_missed_introduced(
    tmp_path: Path,
) -> None:
    env = TuiEnv.create(tmp_path)
    players = Players()
    app = make_app(env, players, StartDictation(correction_spec()))
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        assert screen.editor.text == DRAFT
        await pilot.press("escape")  # play: the same hotkeys as the dictation
        players.last.advance(5.0)
        # Fix the name: after "Marchand", erase "nd" and type "l".
        await pilot.press(*["right"] * len("Madame Lucie Marchand"))
        await pilot.press("backspace", "backspace")
        await type_text(pilot, env.clock, "l")
        # Introduce an error where the draft was right: a word before the first one.
        await pilot.press("home")
        await type_text(pilot, env.clock, "Chère ")
        final = "Chère " + DRAFT.replace("Marchand", "Marchal")
        assert screen.running.session.typed == final == screen.editor.text
        env.clock.advance(60.0)
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await click(pilot, "#confirm")
        await settle(pilot)
        results = app.screen
        assert isinstance(results, DictationResultsScreen)
        saved = results.saved
        shown = rendered(results.metrics_view())
        title = str(results.query_one("#dictation-results-title").render())

    expected = score_correction(REFERENCE, DRAFT, final, KEYS, scoring_profile("dictee"))
    assert (len(expected.fixed), len(expected.missed), len(expected.introduced)) == (1, 4, 1)
    correction = saved.correction
    assert correction is not None
    assert [e.ref for e in correction.fixed] == ["Marchal"]
    assert len(correction.missed) == 4 and [e.hyp for e in correction.introduced] == ["Chère"]
    assert saved.score.mark_20 == expected.final.mark_20
    assert saved.score.critical_errors == 0  # the name was fixed
    assert title.startswith("Résultats de la correction du brouillon")
    assert "Erreurs de reconnaissance corrigées : 1/5 · oubliées : 4 · introduites : 1" in shown
    assert shown.index("corrigées : 1/5") < shown.index("Note")
    assert "Erreurs de reconnaissance oubliées" in shown and "hospitalisé" in shown
    assert "Erreurs introduites" in shown and "Chère" in shown
    assert "Temps d'écoute" in shown

    record = read_record(saved.path)
    assert record.kind == "correction" and record.draft == DRAFT and record.typed == final
    assert replay(record.keystrokes, DRAFT) == final
    assert record.score is not None
    assert (record.score["fixed"], record.score["missed"], record.score["introduced"]) == (1, 4, 1)
    assert any(e["type"] == "playback" for e in record.events)
    with open_history(env.storage.db_path) as history:
        (entry,) = history.entries()
    assert entry.kind == "correction" and (entry.fixed, entry.introduced) == (1, 1)
    assert unfinished_dictations(env.storage.journal_dir) == []

    # Reopened from the history: the same three-way result.
    app2 = make_app(env, Players())
    async with app2.run_test(size=(100, 40)) as pilot:
        history_screen = HistoryScreen(app2.config)
        app2.push_screen(history_screen)
        await pilot.pause()
        table = history_screen.query_one(DataTable)
        assert table.get_row_at(0)[3] == "correction 1/5"
        await pilot.press("enter")
        await settle(pilot)
        reopened = app2.screen
        assert isinstance(reopened, DictationResultsScreen)
        assert reopened.saved.path == saved.path and reopened.saved.correction is not None
        assert "oubliées : 4 · introduites : 1" in rendered(reopened.metrics_view())


@asynctest
async def test_a_crashed_correction_resumes_from_its_journal_draft(
    tmp_path: Path, corpus: Path
) -> None:
    env = TuiEnv.create(tmp_path)
    app = make_app(env, Players(), StartDictation(correction_spec()))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        await pilot.press("pagedown", "end")  # the end of the document
        await pilot.press("backspace", "backspace", "backspace", "backspace")  # " mg." erased
        typed = screen.running.session.typed
        assert typed == DRAFT[: -len(" mg.")] == screen.editor.text
        journal = screen.running.journal.path
        screen.running.journal.close()  # the process dies
        app.exit()
    contents = read_journal(journal)
    assert contents.header.config.initial_text == DRAFT and contents.typed == typed
    # The trainer regenerates the draft meanwhile: the resumed exercise keeps its own.
    (corpus / WITH_DRAFT / "draft.txt").write_text("Un tout autre brouillon.\n", "utf-8")

    app2 = make_app(env, Players(), StartDictation(correction_spec(), resume=contents))
    async with app2.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = screen_of(app2)
        assert screen.editor.text == typed
        assert "Correction reprise" in screen.status.render_text().plain
        await pilot.press("pagedown", "end")
        await type_text(pilot, env.clock, " mg.")
        await pilot.press("ctrl+t")
        await pilot.pause()
        await click(pilot, "#confirm")
        await settle(pilot)
        results = app2.screen
        assert isinstance(results, DictationResultsScreen)
        saved = results.saved
    assert saved.record.draft == DRAFT and saved.record.typed == DRAFT
    assert any(e["type"] == "resumed" for e in saved.record.events)
    assert saved.correction is not None
    assert not saved.correction.fixed and len(saved.correction.missed) == 5
    assert not saved.correction.introduced


def test_frappe_dictation_correction_needs_a_draft(
    capsys: pytest.CaptureFixture[str], corpus: Path
) -> None:
    assert main(["dictations"]) == 0
    listing = capsys.readouterr().out
    assert listing.count("✓ brouillon") == 1
    assert listing.index(WITH_DRAFT) < listing.index("✓ brouillon") < listing.index("c02")
    assert "référence à relire" not in listing
    reference = corpus / WITHOUT_DRAFT / "reference.txt"
    reference.rename(reference.with_suffix(".bak"))
    assert main(["dictations"]) == 0
    listing = capsys.readouterr().out
    assert listing.index("c02") < listing.index("⚠ référence à relire")
    reference.with_suffix(".bak").rename(reference)
    code = main(["dictation", "c02", "--candidate", "Durand Léa", "--correction"])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("frappe : Pas de brouillon pour cette dictée")
    assert f"frappe reference {WITHOUT_DRAFT}" in err and err.count("\n") == 1
