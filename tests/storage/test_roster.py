"""Roster import from what spreadsheets export, and near-duplicates proposed, never merged."""

from __future__ import annotations

from pathlib import Path

import pytest
import xlsxwriter

from frappe.errors import InputFileError
from frappe.storage.roster import near_duplicates, propose_merges, read_roster
from frappe.storage.store import Group, RosterMember


def _names(path: Path) -> list[tuple[str, str | None]]:
    return [(m.name, m.candidate_id) for m in read_roster(path)]


@pytest.mark.parametrize(
    ("encoding", "separator"),
    [("utf-8-sig", ";"), ("utf-8", ","), ("cp1252", ";"), ("cp1252", ",")],
)
def test_csv_rosters(tmp_path: Path, encoding: str, separator: str) -> None:
    path = tmp_path / "liste.csv"
    lines = [
        f"Nom{separator}Prénom{separator}Identifiant",
        f"Lefèvre{separator}Hélène{separator}C-01",
        "",
        f"D'Arc{separator}Noël{separator}",
    ]
    path.write_bytes("\r\n".join(lines).encode(encoding))
    assert _names(path) == [("Lefèvre Hélène", "C-01"), ("D'Arc Noël", None)]


def test_csv_one_name_column_and_no_header(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("Candidat;N°\nMartin  Claire;12\n", "utf-8")
    assert _names(path) == [("Martin Claire", "12")]
    bare = tmp_path / "b.csv"
    bare.write_text("Martin Claire\nDurand Paul,7\n", "utf-8")
    assert _names(bare) == [("Martin Claire", None), ("Durand Paul", "7")]


def test_xlsx_roster(tmp_path: Path) -> None:
    path = tmp_path / "liste.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["Matricule", "Nom", "Prénom"])
    sheet.write_row(1, 0, [101, "Œuvray", "Zoé"])
    sheet.write_row(2, 0, ["", "Petit", "Léa"])
    workbook.close()
    assert _names(path) == [("Œuvray Zoé", "101"), ("Petit Léa", None)]


def test_bad_rosters(tmp_path: Path) -> None:
    empty = tmp_path / "vide.csv"
    empty.write_text("\n\n", "utf-8")
    with pytest.raises(InputFileError, match="liste vide"):
        read_roster(empty)
    binary = tmp_path / "x.csv"
    binary.write_bytes(b"\x00\x01\x02")
    with pytest.raises(InputFileError, match="binaire"):
        read_roster(binary)
    missing_name = tmp_path / "m.csv"
    missing_name.write_text("Nom;Identifiant\n;C-1\n", "utf-8")
    with pytest.raises(InputFileError, match="ligne 2 : nom manquant"):
        read_roster(missing_name)
    broken = tmp_path / "b.xlsx"
    broken.write_bytes(b"PK not a workbook")
    with pytest.raises(InputFileError, match="XLSX illisible"):
        read_roster(broken)
    with pytest.raises(InputFileError, match="illisible"):
        read_roster(tmp_path / "absent.csv")


def test_near_duplicates_are_proposed() -> None:
    names = ["Martin Claire", "MARTIN Claire", "Claire Martin", "Martin Clair", "Durand Paul"]
    assert near_duplicates(names) == [
        ("Martin Claire", "MARTIN Claire"),
        ("Martin Claire", "Claire Martin"),
        ("Martin Claire", "Martin Clair"),
        ("MARTIN Claire", "Claire Martin"),
        ("MARTIN Claire", "Martin Clair"),
        ("Claire Martin", "Martin Clair"),
    ]


def test_merge_proposals_never_merge() -> None:
    group = Group("G", members=(RosterMember("Martin Claire", "C1"), RosterMember("Durand Paul")))
    stored = [
        ("Martin Claire", None),  # exact name key: already matched
        ("MARTIN Claire", None),  # proposed
        ("MARTIN Claire", None),
        ("Someone C1", "C1"),  # matched by id
        ("Durant Paul", None),  # a typo: proposed
        ("Bernard Zoé", None),  # nobody like it
    ]
    proposals = propose_merges(group, stored)
    assert [(p.result_name, p.member.name, p.results) for p in proposals] == [
        ("Durant Paul", "Durand Paul", 1),
        ("MARTIN Claire", "Martin Claire", 2),
    ]
    # Still not matched until the trainer accepts (an alias).
    assert group.member_for("MARTIN Claire", None) is None
    accepted = Group("G", members=(RosterMember("Martin Claire", "C1", ("MARTIN Claire",)),))
    assert accepted.member_for("MARTIN Claire", None) is not None
