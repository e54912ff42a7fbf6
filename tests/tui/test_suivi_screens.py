"""The tableaux de suivi in the app: the class view (home « s ») and a candidate's progression
(Enter on a row), with snapshots at 80×24."""

from __future__ import annotations

import csv
import io
import stat
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from pypdf import PdfReader
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, Static
from tui_support import TuiEnv, asynctest, settle

from frappe.exercises.record import Candidate, ResultRecord
from frappe.exercises.results import score_record
from frappe.settings import load_settings, save_centre_name
from frappe.storage.history import open_history
from frappe.storage.store import Group, RosterMember
from frappe.tui.dialogs.export_folder import ExportFolderScreen
from frappe.tui.navigation import OpenCandidateView, OpenClassView
from frappe.tui.screens.roster import RosterScreen
from frappe.tui.screens.suivi import CandidateScreen, ClassScreen
from frappe.tui.widgets.history.chart import DatedProgressChart

SIZE = (80, 24)
SnapCompare = Any
TYPED = (
    "Le patient est sorti ce matin. Il va bien.",
    "Le patient est sorti ce matn. Il va",
    "Le patiant est sortie ce matin.",
    "Le patient est sorti",
)
PEOPLE = (("Martin Claire", "C-001"), ("Durand Paul", None), ("Lefèvre Hélène", "C-003"))


@pytest.fixture
def env(tmp_path: Path, make_record: Callable[..., ResultRecord]) -> TuiEnv:
    env = TuiEnv.create(tmp_path)
    with open_history(env.storage.db_path) as history:
        history.save_group(
            Group(
                "Promo A",
                speed_target=6.0,
                accuracy_target=0.9,
                members=(*(RosterMember(n, i) for n, i in PEOPLE), RosterMember("Petit Léo")),
            )
        )
        for week in range(4):
            for index, (name, candidate_id) in enumerate(PEOPLE):
                record = make_record(
                    typed=TYPED[(index + week) % len(TYPED)], duration_s=40.0 + 5 * week
                )
                started = datetime(2026, 10, 5 + 7 * week, 9, index, tzinfo=UTC)
                record = replace(
                    record,
                    candidate=Candidate(name, candidate_id),
                    started_at=started,
                    ended_at=started + timedelta(seconds=record.duration_s),
                )
                score = score_record(record)
                metrics = score.metrics_dict()
                metrics["errors"] = [e.to_dict() for e in score.comparison.errors]
                mode = "practice" if week == 1 else "exam"
                path = tmp_path / "r" / f"{week}-{index}.json"
                history.add(record, metrics, path, mode=mode)
    return env


def test_class_view_snapshot(snap_compare: SnapCompare, env: TuiEnv) -> None:
    async def open_view(pilot: Pilot[None]) -> None:
        await pilot.press("s")
        await settle(pilot)

    assert snap_compare(env.app(), terminal_size=SIZE, run_before=open_view)


def test_candidate_view_snapshot(snap_compare: SnapCompare, env: TuiEnv) -> None:
    async def open_view(pilot: Pilot[None]) -> None:
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("enter")  # the first row: Martin Claire
        await settle(pilot)

    assert snap_compare(env.app(), terminal_size=SIZE, run_before=open_view)


@asynctest
async def test_class_view_navigation_and_modes(env: TuiEnv) -> None:
    app = env.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ClassScreen)
        table = screen.query_one(DataTable)
        assert table.row_count == 4  # the roster, the absent member included
        assert screen.view is not None and len(screen.view.present) == 3
        summary = str(screen.query_one("#suivi-summary", Static).render())
        assert "Présents 3/4" in summary and "à rapprocher" not in summary
        await pilot.press("m")
        assert screen.view.mode == "practice" and len(screen.view.present) == 3
        await pilot.press("m")
        await pilot.press("enter")
        await settle(pilot)
        candidate = app.screen
        assert isinstance(candidate, CandidateScreen)
        assert candidate.data is not None and len(candidate.data.view.exams) == 3
        chart = candidate.query_one(DatedProgressChart)
        assert chart.points_shown == 3
        await pilot.press("m")
        assert chart.points_shown == 1
        await pilot.press("escape")
        assert isinstance(app.screen, ClassScreen)


@asynctest
async def test_class_view_tells_of_names_to_merge(
    env: TuiEnv, make_record: Callable[..., ResultRecord], tmp_path: Path
) -> None:
    record = replace(make_record(), candidate=Candidate("PETIT Léo", None))
    with open_history(env.storage.db_path) as history:
        history.add(record, score_record(record).metrics_dict(), tmp_path / "leo.json")
    app = env.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await settle(pilot)
        summary = str(app.screen.query_one("#suivi-summary", Static).render())
        assert "1 nom(s) à rapprocher" in summary


def _seance_choices(select: Select[str]) -> list[str]:
    """The séances offered (« Toutes les séances » and the blank left out)."""
    return [v for _label, v in select._options if isinstance(v, str) and v != "__all__"]


def _notices(app: Any) -> list[str]:
    return [notice.message for notice in app._notifications]


async def _export_to(
    pilot: Pilot[None], key: str, folder: Path, *, centre: str | None = None
) -> ExportFolderScreen:
    """Press an export key and type ``folder`` (and the centre's name) in the dialog (Entrée)."""
    await pilot.press(key)
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, ExportFolderScreen)
    if centre is not None:
        dialog.query_one("#export-centre", Input).value = centre
    dialog.query_one("#export-path", Input).value = str(folder)
    await pilot.press("enter")
    await settle(pilot)
    return dialog


@asynctest
async def test_class_view_exports_to_a_chosen_folder(env: TuiEnv, tmp_path: Path) -> None:
    usb = tmp_path / "CLE USB"
    app = env.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await settle(pilot)
        # The dialog proposes the app's exports folder first.
        await pilot.press("x")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ExportFolderScreen)
        assert dialog.suggestions[0] == env.storage.results_dir.parent / "exports"
        assert dialog.query_one("#export-path", Input).value == str(dialog.suggestions[0])
        await pilot.press("escape")  # cancelled: nothing written
        assert isinstance(app.screen, ClassScreen)
        notices: list[str] = []
        for key in ("x", "c", "v"):
            # Only the printed procès-verbal asks the centre's name (once: then kept).
            await _export_to(pilot, key, usb, centre="IFSanté Nord" if key == "v" else None)
            assert isinstance(app.screen, ClassScreen)
            notices += _notices(app)
        assert load_settings().centre.name == "IFSanté Nord"
        await pilot.press("v")
        await settle(pilot)
        assert app.screen.query_one("#export-centre", Input).value == "IFSanté Nord"
        await pilot.press("escape")
        # The next export proposes the folder used last.
        await pilot.press("x")
        await settle(pilot)
        assert app.screen.query_one("#export-path", Input).value == str(usb)
        await pilot.press("escape")
    assert not (env.storage.results_dir.parent / "exports").exists()
    written = {p.suffix: p for p in usb.iterdir()}
    assert sorted(written) == [".csv", ".pdf", ".xlsx"]
    for path in written.values():
        assert path.name.startswith("promo-a-")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600  # names and marks
        assert f"Export écrit : {path}" in notices
    assert all("\n" not in n for n in notices)
    # Read back: what the class view shows, all four exam séances and the practice one.
    workbook = openpyxl.load_workbook(written[".xlsx"])
    assert workbook.sheetnames[0] == "Synthèse"
    assert workbook["Synthèse"]["A1"].value == "Promo A"
    assert {"Martin Claire", "Durand Paul", "Lefèvre Hélène"} <= set(workbook.sheetnames)
    assert len([n for n in workbook.sheetnames if n.startswith("S ")]) == 4
    raw = written[".csv"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 12
    assert {r["Mode"] for r in rows} == {"examen", "entraînement"}
    assert all("." not in r["Vitesse"] for r in rows)
    text = "\n".join(page.extract_text() for page in PdfReader(written[".pdf"]).pages)
    assert "Martin Claire" in text and "Lefèvre Hélène" in text
    assert "Centre : IFSanté Nord" in text


@asynctest
async def test_class_view_period_filter(env: TuiEnv, tmp_path: Path) -> None:
    app = env.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ClassScreen)
        seance = screen.query_one("#suivi-seance", Select)
        error = screen.query_one("#suivi-error", Static)
        title = screen.query_one("#suivi-title", Static)
        assert len(_seance_choices(seance)) == 4
        # The period as in the CLI: French or ISO dates, both ends included.
        screen.query_one("#suivi-from", Input).focus()
        await pilot.press(*"12/10/2026")
        screen.query_one("#suivi-to", Input).focus()
        await pilot.press(*"2026-10-19", "enter")  # Entrée: back to the table
        await settle(pilot)
        assert screen.query_one(DataTable).has_focus
        assert (screen.date_from, screen.date_to) == (date(2026, 10, 12), date(2026, 10, 19))
        assert not error.display
        assert "du 12/10/2026 au 19/10/2026" in str(title.render())
        assert screen.view is not None
        # Exams of the period: only the 19/10 one (12/10 was practice).
        assert {r.result.started_at.date() for r in screen.view.present} == {date(2026, 10, 19)}
        table = screen.query_one(DataTable)
        # Date and exercise of each row, as in `frappe suivi classe`.
        assert [str(c).strip() for c in table.get_row_at(0)[:3]] == [
            "Martin Claire",
            "19/10/26",
            "t01-test",
        ]
        assert _seance_choices(seance) == ["2026-10-19 t01-test", "2026-10-12 t01-test"]
        await pilot.press("m")
        assert {r.result.started_at.date() for r in screen.view.present} == {date(2026, 10, 12)}
        await pilot.press("m")
        # The export takes the period too: 6 results (3 candidates × 2 weeks).
        await _export_to(pilot, "c", tmp_path / "out")
        (exported,) = (tmp_path / "out").iterdir()
        assert "2026-10-12-au-2026-10-19" in exported.name
        rows = list(csv.DictReader(io.StringIO(exported.read_text("utf-8-sig")), delimiter=";"))
        assert sorted({r["Date"] for r in rows}) == ["2026-10-12", "2026-10-19"]
        assert len(rows) == 6
        # A wrong date: one line in French when Entrée is pressed, the period kept.
        end = screen.query_one("#suivi-to", Input)
        end.focus()
        end.value = "31/02/2026"  # while typed: no error yet, the period kept
        await settle(pilot)
        assert not error.display and screen.date_to == date(2026, 10, 19)
        await pilot.press("enter")
        await settle(pilot)
        assert error.display
        message = str(error.render())
        assert "date invalide : « 31/02/2026 »" in message and "JJ/MM/AAAA" in message
        assert "\n" not in message.strip()
        assert screen.date_to == date(2026, 10, 19)
        # An end before the start.
        end.value = "01/10/2026"
        await pilot.press("enter")
        await settle(pilot)
        assert "période vide : le 12/10/2026 est après le 01/10/2026" in str(error.render())
        # Emptied: everything again, the error gone.
        end.value = ""
        screen.query_one("#suivi-from", Input).value = ""
        await pilot.press("enter")
        await settle(pilot)
        assert not error.display
        assert (screen.date_from, screen.date_to) == (None, None)
        assert len(_seance_choices(seance)) == 4
        assert "du " not in str(title.render())


@asynctest
async def test_class_view_export_error_keeps_the_dialog(env: TuiEnv, tmp_path: Path) -> None:
    blocker = tmp_path / "fichier.txt"
    blocker.write_text("pas un dossier", "utf-8")
    app = env.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await settle(pilot)
        dialog = await _export_to(pilot, "v", blocker)
        assert app.screen is dialog
        assert str(dialog.query_one("#export-error", Static).render()) == (
            f"{blocker} n'est pas un dossier."
        )
        dialog = await _export_to(pilot, "v", blocker / "sous-dossier")
        assert app.screen is dialog  # nothing lost: another folder can be chosen
        message = str(dialog.query_one("#export-error", Static).render())
        assert "PDF impossible à écrire" in message and "n'est pas un dossier" in message
        assert "\n" not in message
        good = tmp_path / "ailleurs"
        dialog.query_one("#export-path", Input).value = str(good)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ClassScreen)
    (pdf,) = good.iterdir()
    assert pdf.read_bytes().startswith(b"%PDF")


@asynctest
async def test_candidate_view_attestation_to_a_chosen_folder(env: TuiEnv, tmp_path: Path) -> None:
    save_centre_name("Centre Pasteur")
    app = env.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("enter")  # Martin Claire
        await settle(pilot)
        assert isinstance(app.screen, CandidateScreen)
        await _export_to(pilot, "a", tmp_path / "attestations")
        assert isinstance(app.screen, CandidateScreen)
        notices = _notices(app)
    (attestation,) = (tmp_path / "attestations").iterdir()
    assert attestation.name.startswith("attestation-martin-claire-")
    assert stat.S_IMODE(attestation.stat().st_mode) == 0o600
    assert f"Attestation écrite : {attestation}" in notices
    text = "\n".join(page.extract_text() for page in PdfReader(attestation).pages)
    assert "Martin Claire" in text and "C-001" in text
    assert "Centre : Centre Pasteur" in text  # the settings' name, proposed in the dialog


@asynctest
async def test_roster_import_in_the_app(
    env: TuiEnv, make_record: Callable[..., ResultRecord], tmp_path: Path
) -> None:
    # Results under a spelling the new list does not have: proposed, attached only on Entrée.
    with open_history(env.storage.db_path) as history:
        for name in ("MARTIN Claude", "BERNARD Anne"):
            record = replace(make_record(), candidate=Candidate(name, None))
            history.add(record, score_record(record).metrics_dict(), tmp_path / f"{name}.json")
    roster = tmp_path / "liste promo B.csv"
    roster.write_bytes(
        "Nom;Prénom;Identifiant\r\nMartin;Claude;\r\nBernard;Anne;B-2\r\nBernard;Anne;B-2\r\n"
        "Bernart;Anne;\r\n".encode("cp1252")  # Windows-1252, as Excel saves it
    )
    app = env.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RosterScreen)
        status = screen.query_one("#roster-status", Static)
        assert screen.query_one("#roster-group", Input).value == "Promo A"  # the view's group
        # Nothing typed: told in one line.
        await pilot.press("enter")
        await settle(pilot)
        assert "Indiquez le chemin de la liste" in str(status.render())
        # A file that is not there: its one-line reason, nothing saved.
        screen.query_one("#roster-path", Input).value = str(tmp_path / "absente.csv")
        screen.query_one("#roster-group", Input).value = "Promo B"
        await pilot.press("enter")
        await settle(pilot)
        assert "absente.csv" in str(status.render()) and "illisible" in str(status.render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Affichez d'abord l'aperçu" in str(status.render())
        # The preview: the list, its repeated line and near-duplicates told; nothing saved yet.
        screen.query_one("#roster-path", Input).value = str(roster)
        await pilot.press("enter")
        await settle(pilot)
        table = screen.query_one(DataTable)
        assert [str(table.get_row_at(i)[0]) for i in range(table.row_count)] == [
            "Martin Claude",
            "Bernard Anne",
            "Bernart Anne",
        ]
        shown = str(status.render())
        assert "3 candidats pour « Promo B »" in shown and "1 ligne(s) en double" in shown
        assert "doublon possible : « Bernard Anne » / « Bernart Anne »" in shown
        with open_history(env.storage.db_path) as history:
            assert history.group("Promo B") is None
        # Import: then the names of the results that look like a member.
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Promo B » : 3 candidats importés" in str(status.render())
        assert [p.result_name for p in screen.proposals] == ["BERNARD Anne", "MARTIN Claude"]
        with open_history(env.storage.db_path) as history:
            saved = history.group("Promo B")
        assert saved is not None and all(not m.aliases for m in saved.members)  # never silently
        # Entrée on « MARTIN Claude »: attached to « Martin Claude », the other one left.
        table.move_cursor(row=1)
        await pilot.press("enter")
        await settle(pilot)
        assert "« MARTIN Claude » est maintenant rattaché à « Martin Claude »" in str(
            status.render()
        )
        assert [p.result_name for p in screen.proposals] == ["BERNARD Anne"]
        assert table.row_count == 1
        with open_history(env.storage.db_path) as history:
            saved = history.group("Promo B")
        assert saved is not None
        member = saved.member_for("MARTIN Claude", None)
        assert member is not None and member.name == "Martin Claude"
        assert saved.member_for("BERNARD Anne", None) is None
        # Back in the class view: the new group is offered.
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ClassScreen)
        groups = app.screen.query_one("#suivi-group", Select)
        assert "Promo B" in [v for _label, v in groups._options]


@asynctest
async def test_candidate_without_speed_charts_the_mark(
    env: TuiEnv, make_record: Callable[..., ResultRecord], tmp_path: Path
) -> None:
    # Dictations have no speed: the left axis showed nothing; it shows the mark /20.
    with open_history(env.storage.db_path) as history:
        for week in range(3):
            started = datetime(2026, 11, 2 + 7 * week, 9, tzinfo=UTC)
            record = replace(
                make_record(),
                candidate=Candidate("Roux Inès", "C-9"),
                started_at=started,
                ended_at=started + timedelta(minutes=10),
            )
            metrics = {
                "mark_20": 11.0 + week,
                "accuracy": 0.9,
                "faults": 3.0 - week,
                "critical_errors": 2 - week,
            }
            history.add(record, metrics, tmp_path / f"d{week}.json")
        history.save_group(Group("Promo D", members=(RosterMember("Roux Inès", "C-9"),)))
    app = env.app()
    async with app.run_test(size=SIZE) as pilot:
        # The class summary gives the faults (the last result: 1,0) instead of an empty speed.
        app.post_message(OpenClassView("Promo D"))
        await settle(pilot)
        summary = str(app.screen.query_one("#suivi-summary", Static).render())
        assert "Fautes : moy. 1,0" in summary and "Vitesse" not in summary
        await pilot.press("escape")
        await settle(pilot)
        app.post_message(OpenCandidateView("C-9"))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CandidateScreen)
        chart = screen.query_one(DatedProgressChart)
        assert chart.points_shown == 3 and chart.measure_shown == "note"
        details = str(screen.query_one("#candidate-details", Static).render())
        assert "note 13,0/20, fautes 1,0" in details and "erreurs critiques 0" in details
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("enter")  # Martin Claire: typing results, speed on the left axis
        await settle(pilot)
        assert app.screen.query_one(DatedProgressChart).measure_shown == "vitesse"
