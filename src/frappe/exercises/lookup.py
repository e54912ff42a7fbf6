"""Finding a text or a dictation from what a user types: its id or the start of it (``t03``,
``d05``), with the same French messages for both."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from frappe.errors import ExerciseError

__all__ = ["find_by_id"]


class _Identified(Protocol):
    @property
    def id(self) -> str: ...


IdentifiedT = TypeVar("IdentifiedT", bound=_Identified)


def find_by_id(
    items: Sequence[IdentifiedT], wanted: str, *, unknown: str, plural: str
) -> IdentifiedT:
    """The item whose id is ``wanted``, else the only one whose id starts with it.

    ExerciseError otherwise: a prefix shared by several ids lists them, an unknown id lists
    every id. ``unknown`` starts that message (« texte inconnu »), ``plural`` names the items
    (« textes »).
    """
    for item in items:
        if item.id == wanted:
            return item
    prefixed = [item for item in items if item.id.startswith(wanted)]
    if len(prefixed) == 1:
        return prefixed[0]
    if prefixed:
        candidates = ", ".join(item.id for item in prefixed)
        raise ExerciseError(
            f"« {wanted} » désigne plusieurs {plural} : {candidates} — précisez l'identifiant"
        )
    known = ", ".join(item.id for item in items)
    raise ExerciseError(f"{unknown} « {wanted} » ({plural} : {known})")
