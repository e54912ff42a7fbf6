"""Importing a roster into a group and attaching names, as `frappe suivi groupe` and the app's
roster screen do (frappe.runs.groups), on a real SQLite history."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from frappe.errors import FrappeError, InputFileError
from frappe.runs.groups import attach_name, prepare_import, save_import
from frappe.storage.history import open_history
from frappe.storage.store import Group


def test_reimport_keeps_accepted_names_dates_and_targets(tmp_path: Path) -> None:
    roster = tmp_path / "liste.csv"
    roster.write_text("Nom;Prénom\nMartin;Claire\nDurand;Paul\nDurand;Paul\n", "utf-8")
    with open_history(tmp_path / "h.db") as store:
        first = prepare_import(
            store, roster, "  Promo   A ", starts_on=date(2026, 9, 1), speed_target=30.0
        )
        assert first.previous is None and first.repeated == ("Durand Paul",)
        assert first.group.name == "Promo A"
        assert [m.name for m in first.group.members] == ["Martin Claire", "Durand Paul"]
        save_import(store, first)
        saved = store.group("Promo A")
        assert saved is not None
        attach_name(store, saved, "MARTIN Claire", "Martin Claire")
        # A new list: the accepted spelling, the dates and the target stay.
        roster.write_text("Nom;Prénom\nMartin;Claire\nPetit;Léo\n", "utf-8")
        again = prepare_import(store, roster, "Promo A", accuracy_target=0.95)
        assert again.previous is not None
        group = again.group
        assert (group.starts_on, group.speed_target, group.accuracy_target) == (
            date(2026, 9, 1),
            30.0,
            0.95,
        )
        unchanged = store.group("Promo A")  # preparing writes nothing
        assert unchanged is not None
        assert [m.name for m in unchanged.members] == ["Martin Claire", "Durand Paul"]
        save_import(store, again)
        kept = store.group("Promo A")
        assert kept is not None and [m.name for m in kept.members] == ["Martin Claire", "Petit Léo"]
        claire = kept.member_for("MARTIN Claire", None)
        assert claire is not None and claire.name == "Martin Claire"


def test_refusals_are_one_line(tmp_path: Path) -> None:
    with open_history(tmp_path / "h.db") as store:
        with pytest.raises(FrappeError, match="nom du groupe manquant"):
            prepare_import(store, tmp_path / "x.csv", "   ")
        with pytest.raises(InputFileError, match="illisible"):
            prepare_import(store, tmp_path / "absente.csv", "G")
        with pytest.raises(FrappeError, match="« Personne » n'est pas dans le groupe « G »"):
            attach_name(store, Group("G"), "PERSONNE", "Personne")
