"""Groups and rosters in a results store, as the trainer decides them: importing a roster (a
spreadsheet's list) into a group, and attaching a name found in the results to a member.
Shared by ``frappe suivi groupe …`` and the app's roster screen; nothing is merged without the
trainer (near-duplicates are only proposed)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from frappe.errors import FrappeError
from frappe.storage.roster import MergeProposal, near_duplicates, propose_merges, read_roster
from frappe.storage.store import Group, ResultStore, RosterMember, name_key

__all__ = ["RosterImport", "attach_name", "prepare_import", "save_import", "stored_names"]


@dataclass(frozen=True, slots=True)
class RosterImport:
    """A roster read and ready to be saved (nothing written yet).

    Attributes:
        group: The group as it will be saved (the previous one's dates, targets and accepted
            aliases kept unless given anew).
        previous: The group of that name already in the store, if any.
        repeated: Names listed twice with the same id (kept once: a second copy would always
            show « absent »).
        near_duplicates: Pairs of names of the list that look like one person (told, kept).
    """

    group: Group
    previous: Group | None
    repeated: tuple[str, ...]
    near_duplicates: tuple[tuple[str, str], ...]


def prepare_import(
    store: ResultStore,
    path: Path,
    name: str,
    *,
    starts_on: date | None = None,
    ends_on: date | None = None,
    profile: str | None = None,
    speed_target: float | None = None,
    accuracy_target: float | None = None,
) -> RosterImport:
    """Read the roster at ``path`` for the group ``name`` (InputFileError, one line, when the
    file cannot be used)."""
    name = " ".join(name.split())
    if not name:
        raise FrappeError("nom du groupe manquant")
    seen: set[tuple[str, str | None]] = set()
    members: list[RosterMember] = []
    repeated: list[str] = []
    for member in read_roster(path):
        key = (name_key(member.name), member.candidate_id)
        if key in seen:
            repeated.append(member.name)
            continue
        seen.add(key)
        members.append(member)
    previous = store.group(name)
    if previous is not None:  # keep the aliases the trainer accepted before
        aliases = {name_key(m.name): m.aliases for m in previous.members}
        members = [replace(m, aliases=aliases.get(name_key(m.name), ())) for m in members]
    group = Group(
        name,
        starts_on=starts_on or (previous.starts_on if previous else None),
        ends_on=ends_on or (previous.ends_on if previous else None),
        profile=profile or (previous.profile if previous else None),
        speed_target=speed_target
        if speed_target is not None
        else (previous.speed_target if previous else None),
        accuracy_target=accuracy_target
        if accuracy_target is not None
        else (previous.accuracy_target if previous else None),
        members=tuple(members),
    )
    pairs = tuple(near_duplicates([m.name for m in members]))
    return RosterImport(group, previous, tuple(repeated), pairs)


def stored_names(store: ResultStore) -> list[tuple[str, str | None]]:
    """The (name, id) of every stored result."""
    return [(r.candidate_name, r.candidate_id) for r in store.results()]


def save_import(store: ResultStore, prepared: RosterImport) -> list[MergeProposal]:
    """Save the group and its roster; the names of the results it should perhaps take in."""
    store.save_group(prepared.group)
    return propose_merges(prepared.group, stored_names(store))


def attach_name(store: ResultStore, group: Group, result_name: str, member_name: str) -> Group:
    """Attach ``result_name`` (as found in the results) to the member ``member_name``: the
    trainer's decision, kept as an alias. FrappeError when that member is not in the group."""
    target = name_key(member_name)
    members = list(group.members)
    for index, member in enumerate(members):
        if name_key(member.name) == target:
            alias = name_key(result_name)
            if alias not in member.aliases:
                members[index] = replace(member, aliases=(*member.aliases, alias))
            break
    else:
        raise FrappeError(f"« {member_name} » n'est pas dans le groupe « {group.name} »")
    updated = replace(group, members=tuple(members))
    store.save_group(updated)
    return updated
