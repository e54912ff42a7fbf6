"""Rosters (lists of a group's candidates) read from what a spreadsheet exports, and the
matching of stored results to a roster.

A roster file is CSV (``;`` or ``,``; UTF-8 with or without BOM, or Windows-1252) or XLSX
(read with openpyxl in read-only mode). Its columns are found by their headers: « Nom » and
« Prénom » (joined as « Nom Prénom »), or one « Nom complet »/« Candidat » column, and an
optional identifier (« Identifiant », « ID », « Matricule », « N° »). A file without a
recognised header is read as name[, id] per line.

Matching follows ``Group.member_for``: by id, else by name key. Names that differ only in case,
accents, word order or a small typo (« Martin Claire » / « MARTIN Claire ») are *proposed* as
near-duplicates; only the trainer merges them (an alias on the member), never this module.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz

from frappe.errors import InputFileError
from frappe.storage.store import Group, RosterMember, name_key, search_key

__all__ = [
    "MergeProposal",
    "decode_roster_bytes",
    "fold_key",
    "near_duplicates",
    "propose_merges",
    "read_roster",
    "roster_from_rows",
]

MAX_ROSTER_BYTES = 5_000_000
_NEAR_RATIO = 90.0

_NAME_HEADERS = {"nom complet", "candidat", "candidate", "name", "nom et prenom", "nom prenom"}
_LAST_HEADERS = {"nom", "nom de famille", "last name", "lastname"}
_FIRST_HEADERS = {"prenom", "first name", "firstname"}
_ID_HEADERS = {"id", "identifiant", "matricule", "n°", "no", "numero", "num", "code"}


def fold_key(name: str) -> str:
    """Case, accents and word order removed: the key of near-duplicates."""
    return " ".join(sorted(search_key(name).replace("-", " ").split()))


def decode_roster_bytes(data: bytes, where: str) -> str:
    """Text of a CSV roster: UTF-8 (BOM or not), else Windows-1252 (Excel's « CSV » on a
    French Windows); InputFileError for a binary file."""
    if b"\x00" in data[:4096]:
        raise InputFileError(f"{where} : fichier binaire, pas une liste CSV")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _header_kind(cell: str) -> str | None:
    folded = search_key(cell).strip(" :.")
    folded = folded.replace("_", " ")
    if folded in _NAME_HEADERS:
        return "name"
    if folded in _LAST_HEADERS:
        return "last"
    if folded in _FIRST_HEADERS:
        return "first"
    if folded in _ID_HEADERS or folded.startswith("identifiant"):
        return "id"
    return None


def roster_from_rows(rows: Iterable[Sequence[object]], where: str) -> list[RosterMember]:
    """Roster members from spreadsheet rows (first non-empty row: headers, when recognised).

    Empty lines are skipped; a row without a name is an InputFileError naming its line."""
    cleaned = [
        (number, ["" if cell is None else str(cell).strip() for cell in row])
        for number, row in enumerate(rows, start=1)
    ]
    cleaned = [(n, cells) for n, cells in cleaned if any(cells)]
    if not cleaned:
        raise InputFileError(f"{where} : liste vide")
    header_line, header = cleaned[0]
    kinds = [_header_kind(cell) for cell in header]
    columns = {kind: index for index, kind in reversed(list(enumerate(kinds))) if kind}
    if "name" in columns or "last" in columns:
        body = cleaned[1:]
    else:
        columns = {"name": 0, "id": 1}
        body = cleaned
        header_line = 0

    def cell(cells: list[str], kind: str) -> str:
        index = columns.get(kind)
        return cells[index] if index is not None and index < len(cells) else ""

    members: list[RosterMember] = []
    for number, cells in body:
        if "name" in columns:
            name = cell(cells, "name")
        else:
            name = f"{cell(cells, 'last')} {cell(cells, 'first')}"
        name = name_key(name)
        if not name:
            raise InputFileError(f"{where}, ligne {number} : nom manquant")
        members.append(RosterMember(name, cell(cells, "id") or None))
    if not members:
        raise InputFileError(f"{where} : aucun candidat après la ligne d'en-tête {header_line}")
    return members


def read_roster(path: Path) -> list[RosterMember]:
    """The members listed in a CSV or XLSX roster file (InputFileError: one French line)."""
    where = str(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise InputFileError(f"{where} : fichier illisible ({error.strerror})") from error
    if size > MAX_ROSTER_BYTES:
        raise InputFileError(f"{where} : fichier trop volumineux pour une liste de candidats")
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        return roster_from_rows(_xlsx_rows(path), where)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputFileError(f"{where} : fichier illisible ({error.strerror})") from error
    text = decode_roster_bytes(data, where)
    sample = text[:4000]  # the separator used most in the first lines
    delimiter = max((";", ",", "\t"), key=sample.count)
    return roster_from_rows(csv.reader(io.StringIO(text), delimiter=delimiter), where)


def _xlsx_rows(path: Path) -> list[tuple[object, ...]]:
    from openpyxl import load_workbook  # noqa: PLC0415 (only for XLSX rosters)

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise InputFileError(f"{path} : classeur XLSX illisible ({error})") from error
    try:
        sheet = workbook.worksheets[0]
        return [tuple(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def near_duplicates(names: Sequence[str]) -> list[tuple[str, str]]:
    """Pairs of different names that look like one person (case, accents, word order, a
    small typo), in input order; never merged here."""
    pairs: list[tuple[str, str]] = []
    keys = [name_key(n) for n in names]
    folds = [fold_key(n) for n in names]
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            if keys[i] == keys[j]:
                continue
            if folds[i] == folds[j] or fuzz.ratio(folds[i], folds[j]) >= _NEAR_RATIO:
                pairs.append((names[i], names[j]))
    return pairs


@dataclass(frozen=True, slots=True)
class MergeProposal:
    """A name found in the results that is probably a roster member.

    Attributes:
        result_name: The name as stored with results.
        member: The roster member it resembles.
        results: How many results carry that name.
    """

    result_name: str
    member: RosterMember
    results: int


def propose_merges(group: Group, stored: Iterable[tuple[str, str | None]]) -> list[MergeProposal]:
    """For the (name, id) of stored results that match no roster member, the member each
    resembles (same folded key, or a close one): proposals for the trainer to accept."""
    counts: dict[str, int] = {}
    for name, candidate_id in stored:
        if group.member_for(name, candidate_id) is None:
            counts[name] = counts.get(name, 0) + 1
    proposals: list[MergeProposal] = []
    member_folds = [(member, fold_key(member.name)) for member in group.members]
    for name, count in sorted(counts.items(), key=lambda kv: kv[0].casefold()):
        fold = fold_key(name)
        best: tuple[float, RosterMember] | None = None
        for member, member_fold in member_folds:
            score = 100.0 if fold == member_fold else fuzz.ratio(fold, member_fold)
            if score >= _NEAR_RATIO and (best is None or score > best[0]):
                best = (score, member)
        if best is not None:
            proposals.append(MergeProposal(name, best[1], count))
    return proposals
