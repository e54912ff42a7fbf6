"""`frappe report -o x.md` is plain CommonMark (Pandoc's ^superscript^ and GitHub's ~~strike~~
showed as raw characters elsewhere); `-o x.txt` keeps its legend brackets and prints the result
path whole."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from markdown_it import MarkdownIt

from frappe.cli.main import main
from frappe.exercises.record import ResultRecord
from frappe.storage.files import write_record

REFERENCE = "Le patient est sorti ce matin. Il va bien."
TYPED = "Le Patient est sorti matn. Il va"  # « ce » omitted, « matn » misspelt


def test_markdown_is_plain_commonmark(
    tmp_path: Path, make_record: Callable[..., ResultRecord]
) -> None:
    result = write_record(make_record(REFERENCE, TYPED), tmp_path / "r.json")
    assert main(["report", str(result), "-o", str(tmp_path / "r.md")]) == 0
    markdown = (tmp_path / "r.md").read_text("utf-8")
    html = MarkdownIt("commonmark").render(markdown)
    assert "^" not in html and "~~" not in html
    assert "<strong>Patient</strong> <em>(majuscule)</em>" in html
    assert "⟨ce⟩ <em>(mot)</em>" in html or "⟨ce⟩ <em>(" in html


def test_text_report_keeps_legend_and_whole_paths(
    tmp_path: Path, make_record: Callable[..., ResultRecord]
) -> None:
    deep = tmp_path / ("un-dossier-de-resultats-au-nom-tres-long-" * 3) / "salle 12"
    result = write_record(make_record(REFERENCE, TYPED), deep / "resultat-martin-claire.json")
    assert main(["report", str(result), "-o", str(tmp_path / "r.txt")]) == 0
    text = (tmp_path / "r.txt").read_text("utf-8")
    assert "(erreurs entre [crochets], omissions entre ⟨ ⟩)" in text
    assert any(line.endswith(str(result)) for line in text.splitlines())
