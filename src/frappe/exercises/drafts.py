"""The speech-recognition draft of a dictation, for the "correct the draft" exercise.

``frappe reference`` writes ``draft.txt`` (the model's transcript, with ``timings.json``);
``frappe asr inject`` writes ``draft.txt`` with typical recognition errors injected into the
reference, and lists them in ``draft.errors.json``. Either one is a draft to correct.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from frappe.errors import ExerciseError, InputFileError
from frappe.exercises.dictations import Dictation
from frappe.textio import read_text_file

__all__ = [
    "DRAFT_SOURCES",
    "DictationDraft",
    "draft_source",
    "has_draft",
    "no_draft_message",
    "read_draft",
]

# French labels of where a draft comes from.
DRAFT_SOURCES = {"asr": "reconnaissance vocale", "injected": "erreurs injectées"}


@dataclass(frozen=True, slots=True)
class DictationDraft:
    """A draft ready to be corrected.

    Attributes:
        text: The draft (NFC, LF, without trailing blank lines).
        source: ``asr`` (the model's transcript) or ``injected`` (errors injected by a tool).
        path: The file it was read from.
    """

    text: str
    source: str
    path: Path


def has_draft(dictation: Dictation) -> bool:
    """Whether the exercise has a draft file."""
    return dictation.draft.is_file()


def draft_source(dictation: Dictation) -> str:
    """``injected`` when ``draft.errors.json`` is there and not older than the draft (a later
    ``frappe reference`` replaces the draft, not the error list), else ``asr``."""
    errors = dictation.draft.with_name(dictation.draft.stem + ".errors.json")
    try:
        if errors.stat().st_mtime >= dictation.draft.stat().st_mtime:
            return "injected"
    except OSError:
        pass
    return "asr"


def no_draft_message(dictation: Dictation) -> str:
    """Why the exercise cannot be corrected, and how to make its draft (one French line)."""
    return (
        f"Pas de brouillon pour cette dictée : générez-le avec « frappe reference "
        f"{dictation.id} » ou « frappe asr inject {dictation.id} »"
    )


def read_draft(dictation: Dictation) -> DictationDraft:
    """The exercise's draft; ExerciseError (one French line) when there is none or it is
    unusable."""
    path = dictation.draft
    if not path.is_file():
        raise ExerciseError(no_draft_message(dictation))
    try:
        raw = read_text_file(path)
    except InputFileError as error:
        raise ExerciseError(f"brouillon de « {dictation.id} » illisible : {error}") from error
    # NFC like every edit the session records, so the draft and the typed text compare alike.
    text = unicodedata.normalize("NFC", raw).strip("\n")
    if not text.strip():
        raise ExerciseError(f"brouillon de « {dictation.id} » vide : {path}")
    return DictationDraft(text, draft_source(dictation), path)
