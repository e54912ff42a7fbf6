"""The tableaux de suivi end to end on a real SQLite history: `frappe suivi` commands, the
XLSX read back with openpyxl (sheets, headers, values, number formats, charts and their series
ranges), the CSV read back with `;` and decimal commas, the PDFs through their text and a PNG
rendering."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from PIL import Image
from pypdf import PdfReader
from suivi_support import stored

from frappe.cli.main import main
from frappe.exercises.record import Candidate
from frappe.exercises.results import score_record
from frappe.reports import exports
from frappe.reports.xlsx import (
    CANDIDATE_HEADERS,
    DECIMAL_FORMAT,
    SEANCE_HEADERS,
    count_axis_unit,
)
from frappe.settings import save_centre_name
from frappe.storage.history import open_history
from frappe.storage.store import Group, RosterMember
from support.records import RecordFactory

PEOPLE = (("Martin Claire", "C-001"), ("Durand Paul", None), ("Lefèvre Hélène", "C-003"))
TYPED = (
    "Le patient est sorti ce matin. Il va bien.",
    "Le patient est sorti ce matn. Il va",
    "Le patiant est sortie ce matin.",
)


def _fill(db: Path, make_record: RecordFactory, results_dir: Path) -> None:
    with open_history(db) as history:
        for day_index, day in enumerate((20, 27)):
            for person_index, (name, candidate_id) in enumerate(PEOPLE):
                typed = TYPED[(person_index + day_index) % len(TYPED)]
                record = make_record(typed=typed, duration_s=60.0 + 10 * person_index)
                started = datetime(2026, 11, day, 9, person_index, tzinfo=UTC)
                record = replace(
                    record,
                    candidate=Candidate(name, candidate_id),
                    started_at=started,
                    ended_at=started + timedelta(seconds=record.duration_s),
                )
                score = score_record(record)
                metrics = score.metrics_dict()
                metrics["errors"] = [e.to_dict() for e in score.comparison.errors]
                path = results_dir / f"{day}-{person_index}.json"
                history.add(record, metrics, path, mode="exam")
        started = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
        practice = replace(
            make_record(),
            candidate=Candidate("Martin Claire", "C-001"),
            started_at=started,
            ended_at=started + timedelta(seconds=60),
        )
        history.add(
            practice, score_record(practice).metrics_dict(), results_dir / "p.json", mode="practice"
        )


@pytest.fixture
def suivi_db(tmp_path: Path, make_record: RecordFactory) -> Path:
    db = tmp_path / "history.sqlite3"
    _fill(db, make_record, tmp_path / "r")
    roster = tmp_path / "liste.csv"
    roster.write_bytes(
        "Nom;Prénom;Identifiant\r\nMartin;Claire;C-001\r\nDURAND;Paul;\r\nLefèvre;Hélène;C-003\r\n".encode(
            "cp1252"
        )
    )
    assert (
        suivi(
            db,
            "groupe",
            "importer",
            str(roster),
            "--nom",
            "Promo A",
            "--vitesse",
            "20",
            "--precision",
            "95",
        )
        == 0
    )
    return db


def suivi(db: Path, *args: str) -> int:
    """``frappe suivi ARGS --db DB``: its exit code."""
    return main(["suivi", *args, "--db", str(db)])


@pytest.fixture
def merged_db(suivi_db: Path) -> Path:
    """``suivi_db`` with « DURAND Paul » merged into Promo A's « Durand Paul »."""
    assert suivi(suivi_db, "groupe", "fusionner", "Promo A", "Durand Paul", "DURAND Paul") == 0
    return suivi_db


def test_import_proposes_and_merge_attaches(
    suivi_db: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Importing the roster again (same list) proposes again; nothing was merged meanwhile.
    assert (
        suivi(suivi_db, "groupe", "importer", str(tmp_path / "liste.csv"), "--nom", "Promo A") == 0
    )
    out = capsys.readouterr().out
    assert "3 candidats importés" in out
    # « DURAND Paul » on the roster, « Durand Paul » in the results: proposed, not merged.
    assert "« Durand Paul » (2 résultat(s)) est-il « DURAND Paul »" in out
    assert suivi(suivi_db, "classe", "Promo A") == 0
    table = capsys.readouterr().out
    assert "DURAND Paul" in table and "absent" in table
    assert suivi(suivi_db, "groupe", "fusionner", "Promo A", "Durand Paul", "DURAND Paul") == 0
    capsys.readouterr()
    assert suivi(suivi_db, "classe", "Promo A") == 0
    assert "absent" not in capsys.readouterr().out


def test_a_roster_line_listed_twice_is_kept_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = tmp_path / "l.csv"
    roster.write_text("Nom;Prénom\nMartin;Claire\nMARTIN;Claire\nMartin;Claire\n", "utf-8")
    db = tmp_path / "h.db"
    assert suivi(db, "groupe", "importer", str(roster), "--nom", "G") == 0
    out = capsys.readouterr().out
    assert "Ligne en double ignorée : « Martin Claire »" in out
    assert "2 candidats importés" in out
    assert "Doublon possible dans la liste : « Martin Claire » / « MARTIN Claire »" in out


def test_class_command_fits_80_columns(
    suivi_db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    capsys.readouterr()
    assert suivi(suivi_db, "classe", "Promo A", "--from", "2026-11-27") == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "Martin Claire" in out and "27/11/26" in out and "20/11/26" not in out
    assert "réussite" in out and "médiane" in out


def test_candidate_command(suivi_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert suivi(suivi_db, "candidat", "helene") == 0
    out = capsys.readouterr().out
    assert "Lefèvre Hélène (C-003)" in out and "Examens" in out
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "Objectifs (groupe Promo A) : vitesse 20,0" in out
    assert suivi(suivi_db, "candidat", "a") == 1
    assert "plusieurs candidats" in capsys.readouterr().err
    assert suivi(suivi_db, "candidat", "personne") == 1


def test_xlsx_export_reads_back(merged_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "suivi.xlsx"
    assert (
        suivi(merged_db, "export", "--groupe", "Promo A", "--format", "xlsx", "--output", str(path))
        == 0
    )
    workbook = openpyxl.load_workbook(path)
    names = workbook.sheetnames
    assert names[0] == "Synthèse"
    assert [n for n in names if n.startswith("S ")] == ["S 20-11 t01-test", "S 27-11 t01-test"]
    assert {"Martin Claire", "DURAND Paul", "Lefèvre Hélène"} <= set(names)
    seance = workbook["S 20-11 t01-test"]
    assert [c.value for c in seance[1]] == list(SEANCE_HEADERS)
    assert seance.freeze_panes == "A2"
    first = [c.value for c in seance[2]]
    assert first[0] == "Durand Paul" and isinstance(first[6], float)
    assert seance.cell(2, 7).number_format == DECIMAL_FORMAT
    assert seance.cell(2, 3).number_format.endswith("dd/mm/yyyy")
    (chart,) = seance._charts
    refs = [s.val.numRef.f for s in _all_series(chart)]
    assert refs == ["'S 20-11 t01-test'!$G$2:$G$4", "'S 20-11 t01-test'!$K$2:$K$4"]
    # Speed as columns, the mark as markers without a line on the second axis: two column
    # series on two axes overlap, and LibreOffice drew the mark's columns over the speed's.
    speed_plot, mark_plot = chart._charts
    assert speed_plot.tagname == "barChart" and mark_plot.tagname == "lineChart"
    (mark_series,) = mark_plot.series
    assert mark_series.spPr.ln.noFill and mark_series.marker.symbol == "diamond"
    # Wrapped headers get a row tall enough for two lines; printed A4 landscape, one page wide,
    # the header row repeated (checked by hand in LibreOffice, see the README).
    assert seance.row_dimensions[1].height == 30
    assert seance.page_setup.orientation == "landscape" and seance.page_setup.paperSize == 9
    assert seance.sheet_properties.pageSetUpPr.fitToPage and seance.page_setup.fitToHeight == 0
    assert seance.print_title_rows == "$1:$1"
    summary = workbook["Synthèse"]
    assert summary.freeze_panes == "A5"
    assert [c.value for c in summary[4]][:3] == ["Séance", "Date", "Exercice"]
    assert summary.row_dimensions[4].height == 30
    distribution, error_classes = summary._charts
    assert distribution.y_axis.majorUnit == 1
    # The most frequent class on top, as in the table beside it.
    assert error_classes.x_axis.scaling.orientation == "maxMin"
    claire = workbook["Martin Claire"]
    assert [c.value for c in claire[1]][: len(CANDIDATE_HEADERS)] == list(CANDIDATE_HEADERS)
    assert [claire.cell(r, 4).value for r in (2, 3, 4)] == ["examen", "examen", "entraînement"]
    (progress,) = claire._charts
    series = _all_series(progress)
    assert len(series) == 6  # speed + accuracy × 2 modes, and the 2 target lines
    values = [s.yVal.numRef.f for s in series]
    dates = [s.xVal.numRef.f for s in series]
    assert "'Martin Claire'!$E$2:$E$3" in values and "'Martin Claire'!$E$4" in values
    assert "'Martin Claire'!$F$2:$F$3" in values  # accuracy, on its own axis
    assert "'Martin Claire'!$A$2:$A$3" in dates  # dates on the x axis
    assert "'Martin Claire'!$N$2:$N$3" in values  # the speed target line
    # The targets' date column is wide enough for a date (LibreOffice showed « ### »).
    assert claire.column_dimensions["M"].width >= 12
    # Written values, never formulas.
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert not (isinstance(cell.value, str) and cell.value.startswith("="))


def test_csv_export_for_french_excel(suivi_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "suivi.csv"
    assert suivi(suivi_db, "export", "--format", "csv", "--output", str(path)) == 0
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 7
    first = rows[0]
    assert first["Candidat"] == "Martin Claire" and first["Date"] == "2026-11-20"
    assert first["Mode"] == "examen" and first["Réussi / validé"] in {"oui", "non"}
    speed = float(first["Vitesse"].replace(",", "."))
    assert speed > 0 and "." not in first["Vitesse"]
    international = tmp_path / "int.csv"
    assert (
        suivi(
            suivi_db,
            "export",
            "--format",
            "csv",
            "--csv-style",
            "international",
            "--output",
            str(international),
        )
        == 0
    )
    rows = list(csv.DictReader(io.StringIO(international.read_text("utf-8"))))
    assert float(rows[0]["speed"]) == pytest.approx(speed)


def test_count_axis_steps() -> None:
    # A step of 1 piled 30 labels on the distribution's axis for a class of 30.
    assert [count_axis_unit(n) for n in (0, 3, 8, 9, 16, 30, 41, 100, 801)] == [
        1,
        1,
        1,
        2,
        2,
        5,
        10,
        20,
        200,
    ]


def _all_series(chart: Any) -> list[Any]:
    """Series of every plot in a chart (a secondary axis is a second plot for openpyxl)."""
    return [series for plot in chart._charts for series in plot.series]


def _pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def _render_png(path: Path, tmp_path: Path) -> None:
    """pdftoppm renders the first page; a blank page would be almost all white."""
    assert shutil.which("pdftoppm"), "poppler-utils (pdftoppm) manque : make test l'installe"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")],
        check=True,
    )
    (png,) = tmp_path.glob("p*.png")
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG")
    with Image.open(png) as image:  # Pillow comes with fpdf2
        dark = sum(image.convert("L").histogram()[:128])
    assert dark > 500, "page blanche"


def test_proces_verbal_pdf(merged_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "pv.pdf"
    assert (
        suivi(
            merged_db,
            "export",
            "--groupe",
            "Promo A",
            "--seance",
            "2026-11-20 t01-test",
            "--format",
            "pdf",
            "--centre",
            "Centre Pasteur",
            "--output",
            str(path),
        )
        == 0
    )
    text = _pdf_text(path)
    assert "Procès-verbal de séance" in text and "Centre Pasteur" in text
    assert "Lefèvre Hélène" in text and "Durand Paul" in text
    assert "collage refusé ×1" in text  # the fixture's integrity event
    assert "profil « frappe »" in text and "signature" in text
    assert "27/11/2026" not in text
    _render_png(path, tmp_path)


def test_attestation_pdf(suivi_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "att.pdf"
    assert (
        suivi(suivi_db, "attestation", "C-003", "--centre", "Centre Pasteur", "--output", str(path))
        == 0
    )
    text = _pdf_text(path)
    assert "Attestation de résultats" in text and "Lefèvre Hélène" in text
    assert "identifiant C-003" in text and "/20" in text and "Groupe : Promo A" in text
    _render_png(path, tmp_path)


def test_centre_name_from_the_settings(suivi_db: Path, tmp_path: Path) -> None:
    save_centre_name("IFSanté Nord")  # the user's frappe.toml (a test folder here)
    for args in (
        ["export", "--seance", "2026-11-20 t01-test", "--format", "pdf"],
        ["attestation", "C-003"],
    ):
        path = tmp_path / f"{args[0]}.pdf"
        assert suivi(suivi_db, *args, "-o", str(path)) == 0
        assert "Centre : IFSanté Nord" in _pdf_text(path)
        # --centre still wins.
        assert suivi(suivi_db, *args, "--centre", "Autre", "-o", str(path)) == 0
        text = _pdf_text(path)
        assert "Centre : Autre" in text and "IFSanté" not in text


def test_export_errors(suivi_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert (
        suivi(
            suivi_db,
            "export",
            "--groupe",
            "Inconnu",
            "--format",
            "csv",
            "--output",
            str(tmp_path / "x.csv"),
        )
        == 1
    )
    assert "groupe inconnu" in capsys.readouterr().err
    assert (
        suivi(
            suivi_db,
            "export",
            "--from",
            "2030-01-01",
            "--format",
            "csv",
            "--output",
            str(tmp_path / "x.csv"),
        )
        == 1
    )
    assert "aucun résultat" in capsys.readouterr().err
    assert (
        suivi(
            suivi_db,
            "export",
            "--format",
            "xlsx",
            "--output",
            str(tmp_path / "liste.csv" / "x.xlsx"),
        )
        != 0
    )
    capsys.readouterr()
    # A folder that cannot be made: one line, in French (not the system's English words).
    blocker = tmp_path / "fichier"
    blocker.write_text("x", "utf-8")
    for kind in ("xlsx", "csv", "pdf"):
        output = str(blocker / f"x.{kind}")
        args = ["suivi", "export", "--format", kind, "-o", output, "--db", str(suivi_db)]
        assert main(args) == 1
        err = capsys.readouterr().err.strip()
        assert "un élément du chemin n'est pas un dossier" in err and "\n" not in err
    # A period ending before it starts is told, not shown empty.
    args = ["suivi", "classe", "Promo A", "--from", "28/11/2026", "--to", "2026-11-20"]
    assert main([*args, "--db", str(suivi_db)]) == 1
    assert "période vide : le 28/11/2026 est après le 20/11/2026" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        suivi(suivi_db, "classe", "Promo A", "--from", "31/02/2026")
    assert "date invalide : « 31/02/2026 » (AAAA-MM-JJ ou JJ/MM/AAAA)" in capsys.readouterr().err


def test_suivi_on_the_room_server(
    store_url: str, tmp_path: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same commands on the room's PostgreSQL (a real server): import, class view, XLSX."""
    from frappe.storage.room.store import open_room_store  # noqa: PLC0415

    with open_room_store(store_url) as room:
        for index, (name, candidate_id) in enumerate(PEOPLE):
            record = make_record(typed=TYPED[index])
            record = replace(record, candidate=Candidate(name, candidate_id))
            score = score_record(record)
            metrics = score.metrics_dict()
            metrics["errors"] = [e.to_dict() for e in score.comparison.errors]
            room.add(record, metrics, tmp_path / f"{index}.json", seance="S-7")
    roster = tmp_path / "liste.csv"
    roster.write_text("Candidat,Identifiant\nMartin Claire,C-001\nLefèvre Hélène,C-003\n", "utf-8")
    assert (
        main(["suivi", "groupe", "importer", str(roster), "--nom", "Salle", "--url", store_url])
        == 0
    )
    capsys.readouterr()
    assert main(["suivi", "classe", "Salle", "--seance", "S-7", "--url", store_url]) == 0
    out = capsys.readouterr().out
    assert "Martin Claire" in out and "Lefèvre Hélène" in out and "Durand" not in out
    assert max(len(line) for line in out.splitlines()) <= 80
    path = tmp_path / "salle.xlsx"
    assert (
        main(
            [
                "suivi",
                "export",
                "--groupe",
                "Salle",
                "--format",
                "xlsx",
                "--output",
                str(path),
                "--url",
                store_url,
            ]
        )
        == 0
    )
    assert "S S-7" in openpyxl.load_workbook(path).sheetnames


def test_dictation_workbook_charts_faults_and_marks(tmp_path: Path) -> None:
    # Dictations have no speed: LibreOffice drew empty speed columns and lines. Their charts
    # show the faults (séance) and the mark (candidate) instead; values with a decimal comma.
    people = ("Martin Claire", "Durand Paul")
    results = [
        stored(
            name,
            day=20 + day,
            hour=9 + index,
            kind="dictation",
            exercise="d01-crh",
            speed=None,
            mark=12.5 + index - day,
            faults=1.5 * index + day,
            passed=index == 0,
            listening_ratio=1.25,
        )
        for day in range(2)
        for index, name in enumerate(people)
    ]
    group = Group(
        "Promo D", speed_target=30.0, accuracy_target=0.9, members=tuple(map(RosterMember, people))
    )
    path = exports.write_workbook(results, tmp_path / "d.xlsx", group=group)
    workbook = openpyxl.load_workbook(path)
    seance = workbook[next(n for n in workbook.sheetnames if n.startswith("S 20-11"))]
    (chart,) = seance._charts
    columns, marks = chart._charts
    assert [s.val.numRef.f.split("!")[1] for s in columns.series] == ["$H$2:$H$3"]  # Fautes
    assert columns.y_axis.numFmt.formatCode == DECIMAL_FORMAT
    assert [s.val.numRef.f.split("!")[1] for s in marks.series] == ["$K$2:$K$3"]  # Note /20
    claire = workbook["Martin Claire"]
    (progress,) = claire._charts
    series = _all_series(progress)
    values = [s.yVal.numRef.f.split("!")[1] for s in series]
    # The mark, the accuracy and its target; no speed target line without a speed.
    assert values == ["$G$2:$G$3", "$F$2:$F$3", "$O$2:$O$3"]
    assert (progress.y_axis.scaling.min, progress.y_axis.scaling.max) == (0, 20)


def test_dictation_pdfs_give_faults_not_an_empty_speed(tmp_path: Path) -> None:
    people = ("Martin Claire", "Durand Paul")
    results = [
        stored(
            name,
            hour=9 + index,
            kind="dictation",
            exercise="d01-crh",
            speed=None,
            mark=12.5 + index,
            faults=1.5 + index,
            critical_errors=index,
            passed=index == 0,
        )
        for index, name in enumerate(people)
    ]
    pv = exports.write_proces_verbal(results, tmp_path / "pv.pdf", centre="IFSanté Nord")
    text = _pdf_text(pv)
    assert "fautes en moyenne 2,0 (médiane 2,0)" in text and "vitesse moyenne" not in text
    attestation = exports.write_attestation(results[1:], tmp_path / "att.pdf")
    text = _pdf_text(attestation)
    assert "2,5 faute(s), 1 crit." in text and "mots/min" not in text
    assert "non validé" in text
    _render_png(attestation, tmp_path)
