"""One speech-recognition draft for one input: what ``frappe reference`` and the trainer screen
share.

``generate_draft`` transcribes, applies the dictated-punctuation pass and writes
``timings.json`` then ``draft.txt``, each atomically; nothing is written when transcription fails
or is stopped. It never writes the reviewed ``reference.txt`` (accepting a reviewed draft is the
trainer's explicit act: ``frappe.runs.authoring.accept_reference``).

Nothing here imports faster-whisper: the model is loaded by the caller (``load_model``), so the
app can open, list and review drafts without the ``asr`` extra.
"""

from __future__ import annotations

import contextlib
import glob
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from frappe.asr.model import LoadedModel
from frappe.asr.punctuation import postprocess_draft
from frappe.asr.transcribe import Draft, Progress, transcribe_file, write_timings
from frappe.errors import AsrError, FrappeError
from frappe.private_files import write_private

if TYPE_CHECKING:
    from frappe.exercises.dictations import Dictation

__all__ = [
    "AUDIO_SUFFIXES",
    "GeneratedDraft",
    "GenerationStoppedError",
    "ReferenceJob",
    "Transcriber",
    "check_targets",
    "generate_draft",
    "job_for_dictation",
    "plan_job",
    "same_file",
    "write_text_atomic",
]

AUDIO_SUFFIXES = (".ogg", ".oga", ".opus", ".flac", ".wav", ".mp3", ".m4a", ".webm")


class GenerationStoppedError(AsrError):
    """Raised by a progress callback to stop a transcription (the user left); an AsrError so
    that ``transcribe_file`` lets it through untouched."""


class Transcriber(Protocol):
    """``frappe.asr.transcribe.transcribe_file``'s signature (tests pass a fake)."""

    def __call__(
        self,
        path: Path,
        model: LoadedModel,
        *,
        hotwords: list[str] | None = None,
        initial_prompt: str | None = None,
        progress: Progress | None = None,
    ) -> Draft: ...


@dataclass(frozen=True, slots=True)
class ReferenceJob:
    """One input of ``frappe reference`` and where its results go.

    Attributes:
        label: Shown in messages (exercise id or audio file name).
        audio: Audio file to transcribe.
        draft: Where the post-processed text goes.
        timings: Where the timed words go.
        reference: The reviewed reference this draft must never replace (if any).
        hotwords: Exercise terminology, passed as hotwords.
        dictated_punctuation: Every mark is said aloud: Whisper's own punctuation is dropped.
    """

    label: str
    audio: Path
    draft: Path
    timings: Path
    reference: Path | None
    hotwords: tuple[str, ...]
    dictated_punctuation: bool


@dataclass(frozen=True, slots=True)
class GeneratedDraft:
    """What one generation produced: the raw draft (timed words) and the text written."""

    job: ReferenceJob
    draft: Draft
    text: str


def job_for_dictation(dictation: Dictation, out: Path | None = None) -> ReferenceJob:
    """The job of a dictation exercise: results in its folder, or in ``out/<id>``."""
    folder = out / dictation.id if out else dictation.folder
    return ReferenceJob(
        label=dictation.id,
        audio=dictation.audio,
        draft=folder / "draft.txt",
        timings=folder / "timings.json",
        reference=dictation.reference,
        hotwords=dictation.terminology,
        dictated_punctuation=dictation.dictation_style == "dictated-punctuation",
    )


def plan_job(item: str, out: Path | None) -> ReferenceJob:
    """Where ``item`` (an exercise folder or id, or an audio file) is read and written."""
    path = Path(item)
    if path.is_file():
        if path.suffix.lower() not in AUDIO_SUFFIXES:
            raise AsrError(f"{path} : format audio non reconnu ({', '.join(AUDIO_SUFFIXES)})")
        folder = out or path.parent
        # rec.wav and rec.mp3 side by side must not write the same rec.draft.txt: then each
        # keeps its whole name (rec.wav.draft.txt, rec.mp3.draft.txt).
        twins = [
            other
            for other in path.parent.glob(f"{glob.escape(path.stem)}.*")
            if other.suffix.lower() in AUDIO_SUFFIXES and other.name != path.name
        ]
        base = path.name if twins else path.stem
        return ReferenceJob(
            label=path.name,
            audio=path,
            draft=folder / f"{base}.draft.txt",
            timings=folder / f"{base}.timings.json",
            reference=path.parent / "reference.txt",
            hotwords=(),
            dictated_punctuation=False,
        )
    from frappe.exercises.dictations import find_dictation  # noqa: PLC0415 - core, heavy import

    if path.suffix.lower() in AUDIO_SUFFIXES:
        raise AsrError(f"fichier audio introuvable : {path}")
    if not path.is_dir() and len(path.parts) > 1:
        raise AsrError(f"{item} : dossier introuvable")
    try:
        dictation = find_dictation(item)
    except FrappeError as error:
        raise AsrError(f"{item} : {error}") from error
    return job_for_dictation(dictation, out)


def same_file(a: Path, b: Path | None) -> bool:
    if b is None:
        return False
    with contextlib.suppress(OSError):
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    return False


def check_targets(job: ReferenceJob, force: bool) -> None:
    """AsrError when a target is the reviewed reference (even through a link), exists without
    ``force``, or the audio is missing."""
    for target in (job.draft, job.timings):
        if same_file(target, job.reference) or target.name == "reference.txt":
            raise AsrError(f"{target} : c'est la référence relue, elle n'est jamais remplacée")
        if (target.exists() or target.is_symlink()) and not force:
            raise AsrError(f"{target} existe déjà (--force pour le remplacer)")
    if not job.audio.is_file():
        raise AsrError(f"fichier audio introuvable : {job.audio}")


def write_text_atomic(path: Path, text: str) -> None:
    """Atomic write: a temporary file renamed over the target (a symlink is replaced, never
    followed, so nothing is written through it). A device or FIFO named itself (``--out
    /dev/null``) is written through, never replaced."""
    try:
        # 0600 whatever the umask: a draft is the answer key of an exercise.
        write_private(path, text.encode("utf-8"), follow_symlinks=False)
    except OSError as error:
        raise AsrError(f"{path} : écriture impossible ({error.strerror})") from error


def generate_draft(
    job: ReferenceJob,
    model: LoadedModel,
    *,
    progress: Progress | None = None,
    transcribe: Transcriber = transcribe_file,
    before_write: Callable[[], None] | None = None,
) -> GeneratedDraft:
    """Transcribe ``job.audio`` and write ``timings.json`` and ``draft.txt``.

    The caller checks the targets first (``check_targets``). ``before_write`` runs between
    transcription and writing: it may raise (``GenerationStoppedError``, or ``check_targets`` again
    after a long transcription) to leave both files untouched. Each file is a temporary file
    renamed into place, so a link that appeared meanwhile is replaced, never written through.
    """
    draft = transcribe(job.audio, model, hotwords=list(job.hotwords) or None, progress=progress)
    text = postprocess_draft(draft.text, keep_asr_punctuation=not job.dictated_punctuation)
    if before_write is not None:
        before_write()
    write_timings(draft, job.timings)  # temporary file renamed: links replaced
    write_text_atomic(job.draft, text + "\n")
    return GeneratedDraft(job, draft, text)
