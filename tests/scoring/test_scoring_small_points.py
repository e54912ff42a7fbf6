"""Smaller scoring points of issue 9 §6, each failing on the old code: ``--normalization``
chosen independently of the profile (``--profile wer`` was refused and nothing reached the
``wer`` normalisation), a leading space counted like a trailing one (« ␣le chat » had CER 0.14),
omitted words separated from their neighbours in every rendering (« ⟨le⟩service »), and the
``international`` profile's description (it credited Monkeytype)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from frappe.reports.typing_report import highlight_typed, markdown_document
from frappe.scoring import compare_texts, normalization_profile, scoring_profile
from frappe.scoring.score import score_typing

REFERENCE = "Le patient est suivi dans le service depuis 2010."


def run_score(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "frappe.cli", "score", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_normalization_is_chosen_on_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "ref.txt").write_text(REFERENCE, encoding="utf-8")
    (tmp_path / "copie.txt").write_text(
        "le patient est suivi dans le service depuis 2010", encoding="utf-8"
    )
    common = ("--reference", "ref.txt", "--format", "json", "copie.txt")
    strict = json.loads(run_score(*common, cwd=tmp_path).stdout)[0]["metrics"]
    result = run_score(*common, "--normalization", "wer", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    wer = json.loads(result.stdout)[0]["metrics"]
    assert strict["wer"] > 0  # a capital and a full stop under the profile's normalisation
    assert wer["wer"] == 0.0 and wer["cer"] == 0.0  # jiwer-style: case and punctuation dropped
    assert wer["profile"] == "frappe"  # the profile is unchanged


def test_profile_wer_points_at_the_normalization_option(tmp_path: Path) -> None:
    (tmp_path / "ref.txt").write_text(REFERENCE, encoding="utf-8")
    (tmp_path / "copie.txt").write_text(REFERENCE, encoding="utf-8")
    result = run_score("--reference", "ref.txt", "--profile", "wer", "copie.txt", cwd=tmp_path)
    assert result.returncode == 2
    assert "--normalization wer" in result.stderr


@pytest.mark.parametrize("typed", [" le chat", "\nle chat", "\n\n le chat\n"])
def test_leading_whitespace_counts_like_trailing_whitespace(typed: str) -> None:
    comparison = compare_texts("le chat", typed, normalization_profile("strict"))
    assert comparison.cer == 0.0 and comparison.accuracy == 1.0
    score = score_typing("le chat", typed, duration_s=60, profile=scoring_profile())
    plain = score_typing("le chat", "le chat", duration_s=60, profile=scoring_profile())
    assert score.metrics == plain.metrics


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("Le patient est suivi dans service depuis 2010.", "dans ⟨le⟩ service"),
        ("Le patient est suivi dans le service 2010.", "service ⟨depuis⟩ 2010"),
        ("patient est suivi dans le service depuis 2010.", "⟨Le⟩ patient"),
    ],
)
def test_an_omitted_word_is_separated_from_its_neighbours(typed: str, shown: str) -> None:
    errors = compare_texts(REFERENCE, typed, normalization_profile("frappe")).errors
    assert [e.op for e in errors] == ["omission"]
    assert shown in highlight_typed(typed, errors, brackets=True).plain
    # The results screen and the Document tab show the same text without the brackets.
    assert shown.replace("⟨", "").replace("⟩", "") in highlight_typed(typed, errors).plain
    markdown = markdown_document(typed, [(errors[0], "mot omis")], lambda text: text)
    word = shown.split("⟩", maxsplit=1)[0].split("⟨")[1]
    assert f"⟨{word}⟩ _(mot omis)_" in markdown
    assert "⟩ _(mot omis)_ " in markdown or markdown.rstrip().endswith("_(mot omis)_")
    assert not any(f"{c}⟨" in markdown for c in "abcdefghijklmnopqrstuvwxyz0123456789")


def test_international_profile_says_what_its_net_wpm_is() -> None:
    description = scoring_profile("international").description
    assert "typing.com" in description
    assert "brut − erreurs non corrigées par minute" in description
    assert "(typing.com, Monkeytype)" not in description
