"""The centre's catalogue of exercises: what each known exercise id must be typed against.

A result record carries its own reference text (and, for a correction, its draft). Editing
both the text and its SHA-256 is easy, so a record whose exercise id is in the catalogue must
carry that exercise's reference (and draft) exactly: otherwise it is refused
(« référence modifiée »). A record of an exercise the catalogue does not know (a trainer's own
text file, a generated practice) is scored with a warning.

The catalogue is the bundled texts and dictations, the trainers' corpus, and any folder given
(``frappe score --catalogue DIR``: texts as ``<id>.txt`` with an optional ``<id>.toml``, and
dictation exercise folders ``<id>/exercise.toml``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from frappe.errors import ExerciseError, InputFileError, RecordError
from frappe.exercises.dictations import Dictation, load_corpus, load_dictation
from frappe.exercises.drafts import read_draft
from frappe.exercises.texts import list_texts, load_text_file, load_texts

if TYPE_CHECKING:
    from frappe.exercises.record import ResultRecord

__all__ = ["UNKNOWN_EXERCISE", "Catalogue", "CatalogueEntry", "load_catalogue"]

UNKNOWN_EXERCISE = "exercice inconnu du catalogue du centre : référence non vérifiée"
# A reference the trainer replaced is kept beside it (frappe.runs.authoring): records typed
# against the previous one stay valid.
_PREVIOUS_REFERENCE = "reference.txt.bak"


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    """What records of one exercise must carry.

    Attributes:
        kind: ``text`` (typing tests) or ``dictation`` (transcriptions and corrections).
        references: The accepted reference texts (the current one, and a replaced one).
        drafts: The accepted drafts of a dictation (empty: no draft, no correction).
    """

    kind: Literal["text", "dictation"]
    references: frozenset[str]
    drafts: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Known exercises by id, and the catalogue files that could not be read.

    Attributes:
        entries: Exercise id → what its records must carry.
        problems: One French line per catalogue file left out.
    """

    entries: Mapping[str, CatalogueEntry] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    def check(self, record: ResultRecord) -> tuple[str, ...]:
        """Warnings for a record (an unknown exercise); RecordError when it does not match
        the catalogue (reference or draft modified, or an exercise of another kind)."""
        entry = self.entries.get(record.exercise_id)
        if entry is None:
            return (UNKNOWN_EXERCISE,)
        expected = "text" if record.kind == "typing" else "dictation"
        if entry.kind != expected:
            raise RecordError(
                f"« {record.exercise_id} » est un exercice de type {_KIND_LABELS[entry.kind]}, "
                f"pas « {record.kind} »"
            )
        if record.reference not in entry.references:
            raise RecordError(
                f"référence modifiée : le texte de référence n'est pas celui de l'exercice "
                f"« {record.exercise_id} » du catalogue"
            )
        if record.draft is not None and record.draft not in entry.drafts:
            raise RecordError(
                f"brouillon modifié : le brouillon n'est pas celui de la dictée "
                f"« {record.exercise_id} » du catalogue"
            )
        return ()


_KIND_LABELS = {"text": "texte (frappe)", "dictation": "dictée"}


def _dictation_entry(dictation: Dictation) -> CatalogueEntry | None:
    references: set[str] = set()
    # Not reviewed yet: no record can have been made from it.
    with contextlib.suppress(ExerciseError):
        references.add(dictation.reference_text())
    previous = dictation.folder / _PREVIOUS_REFERENCE
    if previous.is_file():
        with contextlib.suppress(InputFileError):
            references.add(load_text_file(previous).body)
    if not references:
        return None
    drafts: set[str] = set()
    with contextlib.suppress(ExerciseError):
        drafts.add(read_draft(dictation).text)
    return CatalogueEntry("dictation", frozenset(references), frozenset(drafts))


def _add(entries: dict[str, CatalogueEntry], key: str, entry: CatalogueEntry) -> None:
    """A later folder adds accepted versions to an id already known (never removes any)."""
    known = entries.get(key)
    if known is None or known.kind != entry.kind:
        entries[key] = entry
        return
    entries[key] = CatalogueEntry(
        entry.kind, known.references | entry.references, known.drafts | entry.drafts
    )


def _folder_entries(folder: Path, problems: list[str]) -> Iterable[tuple[str, CatalogueEntry]]:
    """Texts and dictation exercises of a trainer's folder (``--catalogue DIR``)."""
    if not folder.is_dir():
        raise ExerciseError(f"catalogue introuvable : {folder}")
    described = {path.with_suffix(".txt") for path in folder.glob("*.toml")}
    texts, text_problems = load_texts(folder)
    problems.extend(text_problems)
    for text in texts:
        yield text.id, CatalogueEntry("text", frozenset((text.body,)))
    for path in sorted(folder.glob("*.txt")):
        if path in described:
            continue
        try:
            text = load_text_file(path)
        except InputFileError as error:
            problems.append(str(error))
            continue
        yield text.id, CatalogueEntry("text", frozenset((text.body,)))
    for meta in sorted(folder.glob("*/exercise.toml")):
        try:
            dictation = load_dictation(meta.parent)
        except ExerciseError as error:
            problems.append(str(error))
            continue
        entry = _dictation_entry(dictation)
        if entry is not None:
            yield dictation.id, entry


def load_catalogue(folders: Sequence[Path] = ()) -> Catalogue:
    """The bundled texts and dictations, the trainers' corpus, then ``folders``.

    A trainer's file that cannot be read is left out with a problem line; a folder that does
    not exist is an ExerciseError (a typo in ``--catalogue`` must not pass silently).
    """
    entries: dict[str, CatalogueEntry] = {}
    problems: list[str] = []
    for text in list_texts():
        _add(entries, text.id, CatalogueEntry("text", frozenset((text.body,))))
    corpus = load_corpus()
    problems.extend(corpus.problems)
    for dictation in corpus.dictations:
        entry = _dictation_entry(dictation)
        if entry is not None:
            _add(entries, dictation.id, entry)
    for folder in folders:
        for key, entry in _folder_entries(folder, problems):
            _add(entries, key, entry)
    return Catalogue(entries, tuple(problems))
