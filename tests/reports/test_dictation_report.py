"""``frappe report`` on dictation results: a correction (three counts, missed and introduced
errors, the critical name error) and a plain transcription, in the terminal, Markdown and text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console

from frappe.cli.main import main
from frappe.exercises.record import Candidate, RecordSettings, ResultRecord
from frappe.reports.dictation_report import (
    dictation_report_markdown,
    dictation_report_text,
    render_dictation_report,
)
from frappe.runs.dictation import SavedTranscription, save_transcription
from frappe.scoring import scoring_profile
from support.correction import FINAL, finished_record


def saved_correction(tmp_path: Path) -> SavedTranscription:
    return save_transcription(
        finished_record(), results_dir=tmp_path / "results", db_path=tmp_path / "h.sqlite3"
    )


def test_terminal_report_of_a_correction(tmp_path: Path) -> None:
    saved = saved_correction(tmp_path)
    console = Console(width=120, record=True, color_system=None)
    console.print(render_dictation_report(saved))
    out = console.export_text()
    assert out.startswith("Correction du brouillon — Martin Claire (C-42) — Lettre de sortie")
    assert "Erreurs de reconnaissance corrigées : 1/5 · oubliées : 4 · introduites : 1" in out
    assert "Brouillon : erreurs injectées" in out
    # The name was fixed: no critical identity error is left, and « cardiaques » was introduced.
    assert "aucune erreur critique" in out
    assert "Erreurs introduites" in out and "cardiaques" in out
    assert "Erreurs de reconnaissance oubliées" in out and "furo sémide" in out
    assert str(saved.path) in out.replace("\n", "")


def test_text_report_marks_errors_in_the_document(tmp_path: Path) -> None:
    saved = saved_correction(tmp_path)
    text = dictation_report_text(saved)
    assert "[cardiaques.]" in text  # the introduced error, in brackets
    assert "Madame Lucie Marchal" in text  # fixed: not marked
    assert "[Marchal]" not in text


def test_markdown_report_escapes_and_lists_the_three_ways(tmp_path: Path) -> None:
    saved = saved_correction(tmp_path)
    markdown = dictation_report_markdown(saved)
    assert markdown.startswith("# Correction du brouillon — Martin Claire")
    assert "## Erreurs de reconnaissance oubliées" in markdown
    assert "| Attendu (= brouillon) | Texte rendu |" in markdown
    assert "**cardiaques.** _(orthographe)_" in markdown
    assert "| Note |" in markdown


def transcription_record(typed: str) -> ResultRecord:
    started = datetime(2026, 11, 23, 9, tzinfo=UTC)
    return ResultRecord(
        kind="transcription",
        candidate=Candidate("Durand Léa"),
        exercise_id="dx",
        exercise_title="Certificat",
        reference="Madame Lucie Marchal, née le 12/03/1958, souffre d'une entorse.",
        typed=typed,
        started_at=started,
        ended_at=started + timedelta(minutes=4),
        duration_s=240.0,
        end_reason="stopped",
        settings=RecordSettings(
            None,
            True,
            scoring_profile("dictee"),
            live_feedback=False,
            terminology=("entorse",),
            identity=("Lucie Marchal", "12/03/1958"),
        ),
    )


def test_transcription_report_shows_the_critical_error_first(tmp_path: Path) -> None:
    saved = save_transcription(
        transcription_record("Madame Lucie Marchand, née le 12/03/1958, souffre d'une entors."),
        results_dir=tmp_path,
        db_path=tmp_path / "h.sqlite3",
    )
    text = dictation_report_text(saved)
    assert text.startswith("Dictée — Durand Léa")
    assert "Erreurs de reconnaissance" not in text  # not a correction
    critical = text.index("Erreurs critiques (identitovigilance)")
    assert "attendu « Marchal, », saisi « Marchand, » (identité)" in text
    assert critical < text.index("Note")
    assert "NON VALIDÉ (erreur critique)" in text
    assert "⚠[Marchand,]" in text and "[entors.]" in text


@pytest.mark.parametrize("suffix", [".md", ".txt"])
def test_frappe_report_writes_a_dictation_report(
    tmp_path: Path, suffix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = saved_correction(tmp_path)
    output = tmp_path / f"compte-rendu{suffix}"
    assert main(["report", str(saved.path), "-o", str(output)]) == 0
    assert f"Compte rendu écrit : {output}" in capsys.readouterr().out
    content = output.read_text("utf-8")
    assert "Correction du brouillon" in content and "introduites : 1" in content
    assert output.stat().st_mode & 0o777 == 0o600
    assert FINAL.split()[0] in content


def test_frappe_report_prints_a_dictation_in_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = saved_correction(tmp_path)
    assert main(["report", str(saved.path)]) == 0
    assert "oubliées : 4" in capsys.readouterr().out
