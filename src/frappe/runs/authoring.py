"""Trainers' exercises: a new recording becomes an exercise folder, its speech-recognition
draft is reviewed, and the reviewed text is accepted as the reference.

Files of an exercise folder, by who writes them:

* ``audio.*``, ``exercise.toml``: ``create_exercise`` (the folder is built hidden, then renamed
  into the user corpus: a half-made exercise is never listed);
* ``draft.txt``, ``timings.json``: speech recognition (``frappe.asr.reference``). ``draft.txt``
  stays the raw recognition draft, which the trainee correction exercise also uses;
* ``draft.review.txt``: the trainer's review in progress, saved as they edit, so nothing typed
  is lost when the app is left or killed;
* ``reference.txt``: only ``accept_reference``, on the trainer's explicit acceptance; a
  reference it replaces is kept as ``reference.txt.bak``.

No Textual and no faster-whisper here: the app and tests use it directly.
"""

from __future__ import annotations

import contextlib
import math
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from frappe.audio.source import read_info
from frappe.errors import AudioError, ExerciseError, InputFileError
from frappe.exercises.dictations import DOCUMENT_TYPES, Dictation, load_dictation
from frappe.locations import user_audio_corpus_dir
from frappe.private_files import make_private, private_dir
from frappe.storage.files import write_atomic
from frappe.textio import read_text_file, slugify
from frappe.validation import toml_string

__all__ = [
    "BACKUP_FILE",
    "REVIEW_FILE",
    "AcceptedReference",
    "ExerciseState",
    "NewExercise",
    "ReviewText",
    "accept_reference",
    "create_exercise",
    "discard_review",
    "exercise_state",
    "identity_kind",
    "is_user_exercise",
    "missing_keys",
    "normalise_reference",
    "review_text",
    "save_review",
    "suggested_deadline_min",
]

REVIEW_FILE = "draft.review.txt"
BACKUP_FILE = "reference.txt.bak"
TIMINGS_FILE = "timings.json"
ID_PREFIX = "f"  # « formateur »: bundled exercises are d01–d08, the picker shows 3 characters
_NUMBERED = re.compile(rf"{ID_PREFIX}(\d+)-")
_SLUG_LENGTH = 40
# The bundled deadlines are 8–10 times the audio length (typing, listening again, checking).
_DEADLINE_FACTOR = 9.0
_DEADLINE_STEP_MIN = 5


@dataclass(frozen=True, slots=True)
class ExerciseState:
    """What an exercise folder holds, for the trainer's list."""

    reference: bool
    draft: bool
    timings: bool
    review: bool
    editable: bool


def is_user_exercise(dictation: Dictation) -> bool:
    """The exercise is a trainer's (in the user corpus), not one shipped with frappe."""
    with contextlib.suppress(OSError, ValueError):
        return dictation.folder.resolve().is_relative_to(user_audio_corpus_dir().resolve())
    return False


def exercise_state(dictation: Dictation) -> ExerciseState:
    """Which of reference, draft, timings and review in progress exist."""
    folder = dictation.folder
    return ExerciseState(
        reference=dictation.reference.is_file(),
        draft=dictation.draft.is_file(),
        timings=(folder / TIMINGS_FILE).is_file(),
        review=(folder / REVIEW_FILE).is_file(),
        editable=is_user_exercise(dictation),
    )


# --- a new exercise -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewExercise:
    """What the « new recording » form asks.

    Attributes:
        audio: The recording to copy into the exercise.
        title: Title shown to trainees.
        document_type: A key of ``DOCUMENT_TYPES``.
        dictated_punctuation: Punctuation is said aloud (« virgule », « point à la ligne »).
        terminology: Medical terms, passed to speech recognition and used in scoring.
        identity: Names, dates, numbers and doses that must be exact (critical errors).
        level: Difficulty 1–3.
        deadline_min: Time to transcribe, minutes (None: suggested from the audio length).
    """

    audio: Path
    title: str
    document_type: str
    dictated_punctuation: bool
    terminology: tuple[str, ...] = ()
    identity: tuple[str, ...] = ()
    level: int = 2
    deadline_min: int | None = None


# How an identity item is filed in ``[identity]``: a date, a dose or measure (digits and a unit),
# a number (digits, spaces, letters of an identifier such as « IPP 20231187 »), else a name.
_DATE = re.compile(r"\d{1,2}/\d{1,2}/\d{2,4}")
_DOSE = re.compile(
    r"\d+(?:[,.]\d+)?\s*(?:mg|g|µg|mcg|ml|mL|l|L|UI|unités?|%|mmHg|°C|mmol/L|gouttes?)(?!\w)"
)


def identity_kind(item: str) -> str:
    """``dates``, ``doses``, ``numbers`` or ``names``: the ``[identity]`` table of ``item``."""
    if _DATE.fullmatch(item):
        return "dates"
    if _DOSE.search(item):
        return "doses"
    if any(ch.isdigit() for ch in item):
        return "numbers"
    return "names"


def missing_keys(dictation: Dictation, text: str) -> list[str]:
    """Identity data and terms of the exercise that ``text`` does not contain as written:
    scoring looks them up in the reference, so one missing there is never checked."""
    identity = [item for values in dictation.identity.values() for item in values]
    return [
        f"« {item} » ({'identité' if item in identity else 'terminologie'})"
        for item in (*identity, *dictation.terminology)
        if item and item not in text
    ]


def suggested_deadline_min(duration_s: float) -> int:
    """A suggested time to transcribe, in whole steps of 5 minutes (5 at least)."""
    minutes = duration_s * _DEADLINE_FACTOR / 60.0
    return max(_DEADLINE_STEP_MIN, math.ceil(minutes / _DEADLINE_STEP_MIN) * _DEADLINE_STEP_MIN)


def _next_number(corpus: Path) -> int:
    numbers = [0]
    if corpus.is_dir():
        for child in corpus.iterdir():
            match = _NUMBERED.match(child.name)
            if match:
                numbers.append(int(match.group(1)))
    return max(numbers) + 1


def _exercise_toml(
    exercise_id: str, new: NewExercise, audio_name: str, duration_s: float, source: str
) -> str:
    terms = ", ".join(toml_string(t) for t in new.terminology)
    identity: dict[str, list[str]] = {"names": [], "dates": [], "numbers": [], "doses": []}
    for item in new.identity:
        identity[identity_kind(item)].append(item)
    style = "dictated-punctuation" if new.dictated_punctuation else "plain"
    lines = [
        "# Exercice créé dans frappe à partir d'un enregistrement du formateur.",
        "# À compléter à la main si besoin : level (1 à 3), deadline_min, terminology, et",
        "# [identity] (noms, dates, numéros, doses : une erreur dessus est critique ; chaque",
        "# valeur doit figurer telle quelle dans reference.txt).",
        f"id = {toml_string(exercise_id)}",
        f"title = {toml_string(new.title)}",
        f"document_type = {toml_string(new.document_type)}",
        f"level = {new.level}",
        f"dictation_style = {toml_string(style)}",
        'speaker = ""',
        f"audio = {toml_string(audio_name)}",
        f"duration_s = {duration_s:.1f}",
        f"deadline_min = {new.deadline_min or suggested_deadline_min(duration_s)}",
        'author = "formateur"',
        f"source_file = {toml_string(source)}",
        f"terminology = [{terms}]",
        "",
        "[identity]",
        *(
            f"{kind} = [{', '.join(toml_string(v) for v in values)}]"
            for kind, values in identity.items()
        ),
        "",
    ]
    return "\n".join(lines)


def _check_new(new: NewExercise) -> float:
    """The recording's duration; ExerciseError (one line) on a bad form."""
    if not str(new.audio).strip():
        raise ExerciseError("indiquez le fichier audio")
    if not new.title.strip():
        raise ExerciseError("donnez un titre à l'exercice")
    if new.level not in (1, 2, 3):
        raise ExerciseError(f"niveau {new.level} : 1, 2 ou 3")
    if new.deadline_min is not None and not 1 <= new.deadline_min <= 180:
        raise ExerciseError(f"temps limite de {new.deadline_min} min : entre 1 et 180 minutes")
    if new.document_type not in DOCUMENT_TYPES:
        raise ExerciseError(f"type de document inconnu : {new.document_type}")
    audio = new.audio
    if audio.is_dir():
        raise ExerciseError(f"{audio} : c'est un dossier, pas un fichier audio")
    if not audio.exists():
        raise ExerciseError(f"fichier audio introuvable : {audio}")
    try:
        info = read_info(audio)
    except AudioError as error:
        raise ExerciseError(str(error)) from error
    if info.frames <= 0 or info.sample_rate <= 0:
        raise ExerciseError(f"{audio} : l'enregistrement ne contient aucun son")
    return info.frames / info.sample_rate


def create_exercise(new: NewExercise, corpus: Path | None = None) -> Dictation:
    """Make an exercise folder for ``new`` in ``corpus`` (the user corpus by default).

    The recording is copied (the original may be on a USB stick), ``exercise.toml`` is written
    with the measured duration, and the folder is renamed into place when complete.
    """
    duration_s = _check_new(new)
    new = NewExercise(
        new.audio.expanduser(),
        " ".join(new.title.split()),
        new.document_type,
        new.dictated_punctuation,
        tuple(t for t in (" ".join(t.split()) for t in new.terminology) if t),
        tuple(i for i in (" ".join(i.split()) for i in new.identity) if i),
        new.level,
        new.deadline_min,
    )
    corpus = corpus or user_audio_corpus_dir()
    audio_name = "audio" + new.audio.suffix.lower()
    try:
        private_dir(corpus)
        building = Path(tempfile.mkdtemp(prefix=".new-", dir=corpus))  # 0700
    except OSError as error:
        raise ExerciseError(f"{corpus} : dossier inutilisable ({error.strerror})") from error
    try:
        try:
            shutil.copyfile(new.audio, building / audio_name)
            make_private(building / audio_name)  # a dictated letter names its patient
        except OSError as error:
            raise ExerciseError(f"{new.audio} : copie impossible ({error.strerror})") from error
        # Another trainer may take a number meanwhile: the rename fails, the next one is tried.
        slug = slugify(new.title, limit=_SLUG_LENGTH, empty="enregistrement")
        for _attempt in range(20):
            exercise_id = f"{ID_PREFIX}{_next_number(corpus):02d}-{slug}"
            toml = _exercise_toml(exercise_id, new, audio_name, duration_s, new.audio.name)
            target = corpus / exercise_id
            try:
                write_atomic(building / "exercise.toml", toml.encode("utf-8"))
                if target.exists():
                    continue
                building.rename(target)
            except OSError as error:
                if target.exists():
                    continue
                raise ExerciseError(f"{target} : création impossible ({error.strerror})") from error
            return load_dictation(target)
        raise ExerciseError(f"{corpus} : aucun identifiant libre pour « {new.title} »")
    finally:
        shutil.rmtree(building, ignore_errors=True)


# --- review and acceptance ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReviewText:
    """The text the review starts from.

    Attributes:
        text: The text.
        origin: ``review`` (work in progress, reloaded), ``draft`` (the recognition draft),
            ``reference`` (no draft: the current reference) or ``empty``.
    """

    text: str
    origin: str


def _read(path: Path) -> str | None:
    try:
        return read_text_file(path).rstrip("\n")
    except InputFileError:
        return None


def review_text(dictation: Dictation, *, include_review: bool = True) -> ReviewText:
    """Work in progress first (unless ``include_review`` is false), else the draft, else the
    current reference, else nothing."""
    folder = dictation.folder
    for path, origin in (
        (folder / REVIEW_FILE, "review"),
        (dictation.draft, "draft"),
        (dictation.reference, "reference"),
    ):
        if origin == "review" and not include_review:
            continue
        if path.is_file():
            text = _read(path)
            if text is not None:
                return ReviewText(text, origin)
    return ReviewText("", "empty")


def save_review(dictation: Dictation, text: str) -> None:
    """Keep the review in progress beside the draft (never over it)."""
    path = dictation.folder / REVIEW_FILE
    try:
        write_atomic(path, text.encode("utf-8"))
    except OSError as error:
        raise ExerciseError(f"{path} : sauvegarde impossible ({error.strerror})") from error


def discard_review(dictation: Dictation) -> None:
    """Forget the review in progress."""
    with contextlib.suppress(FileNotFoundError):
        (dictation.folder / REVIEW_FILE).unlink()


def normalise_reference(text: str) -> str:
    """The corpus format: LF line ends, no trailing spaces, no blank lines at either end,
    one final newline."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    body = "\n".join(lines).strip("\n")
    if not body.strip():
        raise ExerciseError("la référence est vide : rien n'a été enregistré")
    return body + "\n"


@dataclass(frozen=True, slots=True)
class AcceptedReference:
    """Where the reference went, and the copy of the one it replaced (if any)."""

    path: Path
    backup: Path | None


def accept_reference(dictation: Dictation, text: str) -> AcceptedReference:
    """Write ``text`` as the exercise's ``reference.txt`` (atomically); a different reference
    already there is kept as ``reference.txt.bak``; the review in progress is then removed."""
    content = normalise_reference(text).encode("utf-8")
    path = dictation.reference
    backup: Path | None = None
    try:
        if path.is_file():
            old = path.read_bytes()
            if old != content:
                backup = path.with_name(BACKUP_FILE)
                write_atomic(backup, old)
        write_atomic(path, content)
    except OSError as error:
        raise ExerciseError(f"{path} : écriture impossible ({error.strerror})") from error
    discard_review(dictation)
    return AcceptedReference(path, backup)
