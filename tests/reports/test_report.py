"""The printable summary: terminal, Markdown and plain text; ``frappe report``."""

from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path

import pytest
from rich.console import Console

from frappe.cli.main import main
from frappe.reports.typing_report import (
    highlight_typed,
    metric_rows,
    render_report,
    report_markdown,
    report_text,
    write_report,
)
from frappe.runs.typing import typing_score
from frappe.storage.files import write_record
from support.records import RecordFactory

REFERENCE = "Le patient est sorti ce matin. Il va bien."
TYPED = "Le Patient est sorti ce matn. Il va"


def test_highlight_marks_each_error_with_its_class_style(make_record: RecordFactory) -> None:
    record = make_record(REFERENCE, TYPED)
    score = typing_score(record)
    classes = {e.error_class for e in score.comparison.errors}
    assert classes == {"case", "spelling"}
    text = highlight_typed(record.typed, score.comparison.errors)
    assert text.plain == TYPED
    styled = {TYPED[span.start : span.end] for span in text.spans}
    assert styled == {"Patient", "matn."}
    plain = highlight_typed(record.typed, score.comparison.errors, brackets=True).plain
    assert "[Patient]" in plain and "[matn.]" in plain


def test_omission_is_shown_in_brackets(make_record: RecordFactory) -> None:
    record = make_record(REFERENCE, "Le patient sorti ce matin.")
    score = typing_score(record)
    plain = highlight_typed(record.typed, score.comparison.errors, brackets=True).plain
    assert "⟨est⟩" in plain


def test_terminal_rendering_has_metrics_errors_and_path(make_record: RecordFactory) -> None:
    record = make_record(REFERENCE, TYPED)
    score = typing_score(record)
    console = Console(width=100, record=True, color_system=None)
    console.print(render_report(record, score, Path("/r/a.json")))
    out = console.export_text()
    for expected in (
        "Vitesse",
        "mots/min",
        "Frappes nettes",
        "/ 20",
        "NON RÉUSSI",
        "majuscule",
        "orthographe",
        "/r/a.json",
        "Martin Claire",
    ):
        assert expected in out


def test_markdown_report(make_record: RecordFactory) -> None:
    record = make_record(REFERENCE, TYPED)
    md = report_markdown(record, typing_score(record))
    assert md.startswith("# Test de frappe")
    assert "**Patient** _(majuscule)_" in md
    assert "### orthographe (1)" in md
    assert "| Frappes brutes |" in md


def test_frappe_report_command(
    tmp_path: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    result = write_record(make_record(REFERENCE, TYPED), tmp_path / "r.json")
    assert main(["report", str(result)]) == 0
    assert "Fautes" in capsys.readouterr().out
    assert main(["report", str(result), "--output", str(tmp_path / "r.md")]) == 0
    assert "**matn.**" in (tmp_path / "r.md").read_text("utf-8")
    assert main(["report", str(result), "-o", str(tmp_path / "r.txt")]) == 0
    assert "[matn.]" in (tmp_path / "r.txt").read_text("utf-8")


def test_frappe_report_on_a_bad_file_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    assert main(["report", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "JSON invalide" in err


def test_write_report_is_private(tmp_path: Path, make_record: RecordFactory) -> None:
    record = make_record(REFERENCE, TYPED)
    path = write_report(record, typing_score(record), tmp_path / "x.md")
    assert path.stat().st_mode & 0o777 == 0o600


def test_every_report_format_lists_the_integrity_events(make_record: RecordFactory) -> None:
    record = dataclasses.replace(
        make_record(REFERENCE, TYPED),
        events=(
            {"t_ms": 500, "type": "paste_refused", "chars": 12},
            {"t_ms": 900, "type": "paste_refused", "chars": 30, "via": "keys"},
            {"t_ms": 1200, "type": "focus_lost"},
            {"t_ms": 1300, "type": "focus_gained"},
            {"t_ms": 1400, "type": "focus_lost"},
            {"t_ms": 1500, "type": "burst", "kind": "fast-run", "chars": 11},
        ),
    )
    score = typing_score(record)
    console = Console(width=160, record=True, file=io.StringIO(), color_system=None)
    console.print(render_report(record, score))
    for output in (console.export_text(), report_text(record, score, width=160)):
        assert "Collages refusés" in output
        assert "2 (42 caractères non insérés, dont 1 reconnu à la vitesse des touches)" in output
        assert re.search(r"Fenêtre quittée\s+2 fois", output)
        assert "Frappes en rafale" in output and "1 (11 caractères au total)" in output
    markdown = report_markdown(record, score)
    assert "| Fenêtre quittée | 2 fois |" in markdown
    assert "| Collages refusés | 2 (42 caractères non insérés" in markdown


def test_a_clean_test_says_so(make_record: RecordFactory) -> None:
    record = dataclasses.replace(make_record(REFERENCE, TYPED), events=())
    assert "| Intégrité | aucun incident |" in report_markdown(record, typing_score(record))


def test_a_twenty_out_of_twenty_that_fails_says_why_in_one_line(
    make_record: RecordFactory,
) -> None:
    words = [f"mot{index:02d}" for index in range(50)]
    typed = list(words)
    for index in (3, 14, 25, 36):  # 4 faulty words out of 50: 8 %
        typed[index] = typed[index].upper()[:-1] + "x"
    record = make_record(" ".join(words), " ".join(typed), duration_s=60.0)
    score = typing_score(record)
    assert score.metrics.mark_20 == 20.0 and not score.metrics.passed
    rows = dict(metric_rows(score))
    assert rows["Motif"] == "Note de vitesse 20/20, mais 8,0 % de mots fautifs > 5 %"
    assert "| Motif | Note de vitesse 20/20, mais 8,0 % de mots fautifs \\> 5 % |" in (
        report_markdown(record, score)
    )


def test_a_pass_has_no_reason_and_a_slow_fail_says_it_is_slow(make_record: RecordFactory) -> None:
    text = " ".join(f"mot{index:02d}" for index in range(50))
    record = make_record(text, text, duration_s=60.0)
    assert "Motif" not in dict(metric_rows(typing_score(record)))
    slow = make_record(text, text, duration_s=600.0)
    reason = dict(metric_rows(typing_score(slow)))["Motif"]
    assert reason.startswith("Vitesse ") and reason.endswith(" mots/min < 25 mots/min")
