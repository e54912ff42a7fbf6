"""Dictation exercises: ``audio_corpus/<id>/`` with ``exercise.toml``, audio and reference.

The corpus is the bundled one plus the exercises trainers make from their own recordings
(``frappe.locations.user_audio_corpus_dir``, see ``frappe.runs.authoring``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

import msgspec

from frappe.errors import ConfigError, ExerciseError, InputFileError
from frappe.exercises.lookup import find_by_id
from frappe.locations import bundled_audio_corpus_dir, user_audio_corpus_dir
from frappe.scoring.transcription import ExerciseKeys
from frappe.textio import read_text_file
from frappe.validation import read_toml_file

__all__ = [
    "DOCUMENT_TYPES",
    "Corpus",
    "Dictation",
    "DocumentType",
    "ExerciseFile",
    "find_dictation",
    "list_dictations",
    "load_corpus",
    "load_dictation",
    "medical_lexicon",
    "short_document_type",
]


@dataclass(frozen=True, slots=True)
class DocumentType:
    """A kind of document a dictation is: its label on the trainer's form, and the short one
    the dictation lists show in a narrow column."""

    label: str
    short: str


# The document types of the corpus (``document_type`` of ``exercise.toml``).
DOCUMENT_TYPES: dict[str, DocumentType] = {
    "lettre": DocumentType("Lettre", "lettre"),
    "compte-rendu-hospitalisation": DocumentType("Compte rendu d'hospitalisation", "CR hospit."),
    "compte-rendu-operatoire": DocumentType("Compte rendu opératoire", "CR opératoire"),
    "ordonnance": DocumentType("Ordonnance", "ordonnance"),
    "lettre-de-liaison": DocumentType("Lettre de liaison", "liaison"),
    "rapport-social": DocumentType("Rapport social", "rapport social"),
    "certificat": DocumentType("Certificat médical", "certificat"),
}


def short_document_type(key: str) -> str:
    """The short label of a document type; an unknown type (a centre's own) as it is written."""
    known = DOCUMENT_TYPES.get(key)
    return known.short if known is not None else key


@dataclass(frozen=True, slots=True)
class Dictation:
    """One dictation exercise.

    Attributes:
        id: Identifier (folder name).
        title: Title shown to trainees.
        document_type: lettre, compte-rendu-hospitalisation, ordonnance…
        level: Difficulty 1–3.
        dictation_style: ``plain`` or ``dictated-punctuation`` (punctuation said aloud).
        speaker: Who (or which voice) speaks.
        audio: Path of the audio file.
        duration_s: Audio duration.
        deadline_min: Suggested time to transcribe, minutes (``None``: no deadline).
        reference: Path of the reviewed reference text (may not exist yet for a new audio).
        terminology: Medical terms of the exercise, as written in the reference.
        identity: Identity fields by kind (names, dates, numbers, doses).
        folder: The exercise folder.
    """

    id: str
    title: str
    document_type: str
    level: int
    dictation_style: str
    speaker: str
    audio: Path
    duration_s: float
    deadline_min: float | None
    reference: Path
    folder: Path
    terminology: tuple[str, ...] = ()
    identity: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def draft(self) -> Path:
        """Where a speech-recognition draft of this exercise is kept."""
        return self.folder / "draft.txt"

    def reference_text(self) -> str:
        """The reviewed reference; ExerciseError when there is none yet."""
        try:
            return read_text_file(self.reference).strip("\n")
        except InputFileError as error:
            raise ExerciseError(f"dictée « {self.id} » sans référence relue : {error}") from error

    def keys(self) -> ExerciseKeys:
        """Terminology, identity data and the bundled lexicon, for scoring."""
        identity = tuple(item for values in self.identity.values() for item in values)
        return ExerciseKeys(self.terminology, identity, medical_lexicon())


_Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
_Line = Annotated[str, msgspec.Meta(max_length=500)]
_Item = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class ExerciseFile(msgspec.Struct, forbid_unknown_fields=True):
    """The schema of ``exercise.toml`` (bundled and trainers' exercises alike): types, ranges
    and sizes; a hand-edited mistake (``level = "difficile"``, ``terminology = 5``,
    ``deadline_min = "soon"``, a misspelt key) is one line naming the file and the field."""

    id: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")] | None = None
    title: _Name | None = None
    document_type: _Line = ""
    level: Annotated[int, msgspec.Meta(ge=1, le=3)] = 1
    dictation_style: Literal["plain", "dictated-punctuation"] = "plain"
    speaker: _Line = ""
    # A file name inside the exercise folder, never a path out of it.
    audio: Annotated[str, msgspec.Meta(pattern=r"^(?!\.\.?$)[^/\\]{1,200}$")] = "audio.ogg"
    duration_s: Annotated[float, msgspec.Meta(ge=0, le=6 * 3600)] = 0.0
    deadline_min: Annotated[float, msgspec.Meta(gt=0, le=600)] | None = None
    author: _Line = ""
    licence: _Line = ""
    source_file: _Line = ""
    terminology: Annotated[list[_Item], msgspec.Meta(max_length=1000)] = []
    identity: Annotated[
        dict[
            Annotated[str, msgspec.Meta(pattern=r"^[a-z_]{1,40}$")],
            Annotated[list[_Item], msgspec.Meta(max_length=1000)],
        ],
        msgspec.Meta(max_length=20),
    ] = {}


def load_dictation(folder: Path) -> Dictation:
    """Read one exercise folder; ExerciseError (one line naming the file and the field) when
    its ``exercise.toml`` is missing, unreadable or does not match ``ExerciseFile``."""
    meta_path = folder / "exercise.toml"
    if not meta_path.is_file():
        raise ExerciseError(f"{folder} : pas de exercise.toml")
    try:
        meta = read_toml_file(meta_path, ExerciseFile)
    except ConfigError as error:
        raise ExerciseError(error.message) from error
    return Dictation(
        id=meta.id or folder.name,
        title=meta.title or folder.name,
        document_type=meta.document_type,
        level=meta.level,
        dictation_style=meta.dictation_style,
        speaker=meta.speaker,
        audio=folder / meta.audio,
        duration_s=meta.duration_s,
        deadline_min=meta.deadline_min,
        reference=folder / "reference.txt",
        folder=folder,
        terminology=tuple(meta.terminology),
        identity={kind: tuple(values) for kind, values in meta.identity.items()},
    )


def _exercise_folders(folder: Path) -> list[Path]:
    # Hidden folders are exercises being created (renamed into place when complete).
    return [
        p.parent
        for p in sorted(folder.glob("*/exercise.toml"))
        if not p.parent.name.startswith(".")
    ]


@dataclass(frozen=True, slots=True)
class Corpus:
    """The exercises offered, and the trainers' exercises left out (one French line each)."""

    dictations: list[Dictation]
    problems: list[str]


def _load_folders(folder: Path, seen: dict[str, Path], corpus: Corpus) -> None:
    """Add the exercises of ``folder`` to ``corpus``; a bad one, or one whose id is taken,
    becomes a problem line and the others still load."""
    for path in _exercise_folders(folder):
        try:
            dictation = load_dictation(path)
        except ExerciseError as error:
            corpus.problems.append(f"{error} — exercice ignoré")
            continue
        if dictation.id in seen:
            corpus.problems.append(
                f"{path} : identifiant « {dictation.id} » déjà pris par {seen[dictation.id]}"
                " — exercice ignoré"
            )
            continue
        seen[dictation.id] = path
        corpus.dictations.append(dictation)


def load_corpus(folder: Path | None = None) -> Corpus:
    """The exercises of ``folder``, or by default the bundled corpus followed by the trainers'
    exercises (``user_audio_corpus_dir``), sorted by id within each.

    An exercise that cannot be read (bundled or a trainer's), or whose id is already taken, is
    left out with a problem line, so one bad folder never hides the whole corpus from trainees
    nor stops the app.
    """
    corpus = Corpus([], [])
    seen: dict[str, Path] = {}
    if folder is not None:
        if not folder.is_dir():
            raise ExerciseError(f"dossier de dictées introuvable : {folder}")
        _load_folders(folder, seen, corpus)
        return corpus
    bundled = bundled_audio_corpus_dir()
    if not bundled.is_dir():
        raise ExerciseError(f"dossier de dictées introuvable : {bundled}")
    _load_folders(bundled, seen, corpus)
    user = user_audio_corpus_dir()
    if user.is_dir() and user.resolve() != bundled.resolve():
        _load_folders(user, seen, corpus)
    return corpus


def list_dictations(folder: Path | None = None) -> list[Dictation]:
    """Every exercise of ``folder``, or of the bundled corpus then the trainers' exercises."""
    return load_corpus(folder).dictations


def find_dictation(id_or_path: str, folder: Path | None = None) -> Dictation:
    """An exercise by id (or unique prefix such as ``d03``), or an exercise folder path."""
    path = Path(id_or_path)
    if (path / "exercise.toml").is_file():
        return load_dictation(path)
    return find_by_id(
        list_dictations(folder), id_or_path, unknown="dictée inconnue", plural="dictées"
    )


@lru_cache(maxsize=1)
def medical_lexicon() -> frozenset[str]:
    """Single lower-case words of the bundled French medical lexicon (empty if absent)."""
    resource = resources.files("frappe").joinpath("data/lexicon/medical_fr.txt")
    try:
        text = resource.read_text("utf-8")
    except (FileNotFoundError, OSError):
        return frozenset()
    words: set[str] = set()
    for line in text.splitlines():
        term = line.strip().lower()
        if term and not term.startswith("#"):
            words.update(w for w in term.split() if len(w) > 3)
    return frozenset(words)
