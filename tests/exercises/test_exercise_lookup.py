"""Texts and dictations are found the same way: exact id, else a unique id prefix; a prefix
shared by several lists them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from frappe.errors import ExerciseError
from frappe.exercises.dictations import find_dictation, list_dictations
from frappe.exercises.lookup import find_by_id
from frappe.exercises.texts import find_text, list_texts


@dataclass(frozen=True)
class Item:
    id: str


ITEMS = [Item("t01-lettre"), Item("t02-compte-rendu"), Item("t1"), Item("t10-ordonnance")]


def test_exact_id_wins_over_a_longer_id_sharing_its_start() -> None:
    assert find_by_id(ITEMS, "t1", unknown="texte inconnu", plural="textes") == Item("t1")
    assert find_by_id(ITEMS, "t02", unknown="texte inconnu", plural="textes").id.startswith("t02")


def test_a_shared_prefix_lists_the_candidates_only() -> None:
    with pytest.raises(ExerciseError) as caught:
        find_by_id(ITEMS, "t0", unknown="texte inconnu", plural="textes")
    assert str(caught.value) == (
        "« t0 » désigne plusieurs textes : t01-lettre, t02-compte-rendu — précisez l'identifiant"
    )


def test_an_unknown_id_lists_every_id() -> None:
    with pytest.raises(ExerciseError, match=r"^dictée inconnue « z » \(dictées : t01-lettre, "):
        find_by_id(ITEMS, "z", unknown="dictée inconnue", plural="dictées")


def test_texts_say_which_texts_a_prefix_could_mean() -> None:
    """The text lookup said « texte inconnu » and listed every text for an ambiguous prefix."""
    shared = [t.id for t in list_texts() if t.id.startswith("t0")]
    assert len(shared) > 1
    with pytest.raises(ExerciseError, match="désigne plusieurs textes") as caught:
        find_text("t0")
    assert all(text_id in str(caught.value) for text_id in shared)
    assert find_text(shared[0]).id == shared[0]


def test_a_file_named_like_a_prefix_is_still_a_text_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t0").write_text("Un texte du centre.\n", "utf-8")
    assert find_text("t0").body.strip() == "Un texte du centre."


def test_dictations_use_the_same_lookup() -> None:
    shared = [d.id for d in list_dictations() if d.id.startswith("d0")]
    assert len(shared) > 1
    with pytest.raises(ExerciseError, match="désigne plusieurs dictées"):
        find_dictation("d0")
    with pytest.raises(ExerciseError, match=r"^dictée inconnue « zz »"):
        find_dictation("zz")
