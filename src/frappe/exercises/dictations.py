"""Dictation exercises: ``audio_corpus/<id>/`` with ``exercise.toml``, audio and reference.

The corpus is the bundled one plus the exercises trainers make from their own recordings
(``frappe.locations.user_audio_corpus_dir``, see ``frappe.storage.authoring``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from frappe.errors import ExerciseError, InputFileError
from frappe.locations import bundled_audio_corpus_dir, user_audio_corpus_dir
from frappe.scoring.transcription import ExerciseKeys
from frappe.textio import read_text_file

__all__ = [
    "Corpus",
    "Dictation",
    "find_dictation",
    "list_dictations",
    "load_corpus",
    "load_dictation",
    "medical_lexicon",
]


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


def load_dictation(folder: Path) -> Dictation:
    """Read one exercise folder."""
    meta_path = folder / "exercise.toml"
    try:
        meta = tomllib.loads(meta_path.read_text("utf-8"))
    except FileNotFoundError as error:
        raise ExerciseError(f"{folder} : pas de exercise.toml") from error
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ExerciseError(f"{meta_path} : illisible ({error})") from error
    identity_raw = meta.get("identity", {})
    if not isinstance(identity_raw, dict):
        raise ExerciseError(f"{meta_path} : [identity] doit être une table")
    deadline = meta.get("deadline_min")
    return Dictation(
        id=str(meta.get("id", folder.name)),
        title=str(meta.get("title", folder.name)),
        document_type=str(meta.get("document_type", "")),
        level=int(meta.get("level", 1)),
        dictation_style=str(meta.get("dictation_style", "plain")),
        speaker=str(meta.get("speaker", "")),
        audio=folder / str(meta.get("audio", "audio.ogg")),
        duration_s=float(meta.get("duration_s", 0.0)),
        deadline_min=float(deadline) if deadline is not None else None,
        reference=folder / "reference.txt",
        folder=folder,
        terminology=tuple(str(t) for t in meta.get("terminology", [])),
        identity={str(k): tuple(str(v) for v in values) for k, values in identity_raw.items()},
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


def load_corpus(folder: Path | None = None) -> Corpus:
    """The exercises of ``folder``, or by default the bundled corpus followed by the trainers'
    exercises (``user_audio_corpus_dir``), sorted by id within each.

    A bundled exercise that cannot be read is an error (frappe is broken); a trainer's exercise
    that cannot be read, or whose id is already taken, is left out with a problem line, so one
    bad folder never hides the whole corpus from trainees.
    """
    if folder is not None:
        if not folder.is_dir():
            raise ExerciseError(f"dossier de dictées introuvable : {folder}")
        return Corpus([load_dictation(p) for p in _exercise_folders(folder)], [])
    bundled = bundled_audio_corpus_dir()
    if not bundled.is_dir():
        raise ExerciseError(f"dossier de dictées introuvable : {bundled}")
    dictations = [load_dictation(p) for p in _exercise_folders(bundled)]
    problems: list[str] = []
    user = user_audio_corpus_dir()
    if user.is_dir() and user.resolve() != bundled.resolve():
        seen = {d.id: d.folder for d in dictations}
        for path in _exercise_folders(user):
            try:
                dictation = load_dictation(path)
            except ExerciseError as error:
                problems.append(str(error))
                continue
            if dictation.id in seen:
                problems.append(
                    f"{path} : identifiant « {dictation.id} » déjà pris par {seen[dictation.id]}"
                    " — exercice ignoré"
                )
                continue
            seen[dictation.id] = path
            dictations.append(dictation)
    return Corpus(dictations, problems)


def list_dictations(folder: Path | None = None) -> list[Dictation]:
    """Every exercise of ``folder``, or of the bundled corpus then the trainers' exercises."""
    return load_corpus(folder).dictations


def find_dictation(id_or_path: str, folder: Path | None = None) -> Dictation:
    """An exercise by id (or unique prefix such as ``d03``), or an exercise folder path."""
    path = Path(id_or_path)
    if (path / "exercise.toml").is_file():
        return load_dictation(path)
    dictations = list_dictations(folder)
    exact = [d for d in dictations if d.id == id_or_path]
    if exact:
        return exact[0]
    prefixed = [d for d in dictations if d.id.startswith(id_or_path)]
    if len(prefixed) == 1:
        return prefixed[0]
    if len(prefixed) > 1:
        candidates = ", ".join(d.id for d in prefixed)
        raise ExerciseError(
            f"« {id_or_path} » désigne plusieurs dictées : {candidates} — précisez l'identifiant"
        )
    known = ", ".join(d.id for d in dictations)
    raise ExerciseError(f"dictée inconnue « {id_or_path} » (dictées : {known})")


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
