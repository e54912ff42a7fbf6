"""Transcribe one audio file into a :class:`Draft`: text, timed words, speed.

Decoding settings are chosen for French dictation on a CPU: deterministic, and guarded against
Whisper's habit of inventing text on silence or looping on a phrase. A draft is a starting point
for a trainer to review, never a reference in itself.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from frappe.asr.model import LoadedModel
from frappe.errors import AsrError
from frappe.private_files import write_private

__all__ = [
    "DECODE_OPTIONS",
    "HOTWORD_TOKEN_BUDGET",
    "TIMINGS_SCHEMA",
    "Draft",
    "DraftWord",
    "Progress",
    "build_hotwords",
    "collapse_loops",
    "read_timings",
    "transcribe_file",
    "write_timings",
]

Progress = Callable[[float, float], None]
TIMINGS_SCHEMA = 1

# faster-whisper cuts a hotword prompt at max_length // 2 - 1 = 223 tokens, mid-word, and the
# initial prompt shares the same half of the 448-token context. Keep both together below this,
# and cut at a whole term.
HOTWORD_TOKEN_BUDGET = 222

DECODE_OPTIONS: Mapping[str, Any] = {
    # Dictations are French; detection on the first 30 s of a synthetic voice has guessed wrong.
    "language": "fr",
    "task": "transcribe",
    # One temperature: deterministic drafts and a steady speed. The default fallback ladder
    # re-decodes "poor" windows at rising temperatures, which made RTF vary from 0.35 to 2.1.
    "temperature": 0.0,
    "beam_size": 5,
    # Each 30 s window decodes on its own: a hallucinated or looping window cannot seed the next
    # one (the main source of repeated sentences in long French dictations).
    "condition_on_previous_text": False,
    # Without the fallback nothing else stops a loop (« soit 65, soit 65… » over a phone
    # number, measured here); a mild penalty on repeated tokens did, with no WER cost.
    "repetition_penalty": 1.1,
    # Silero VAD cuts silences before decoding: no text invented over pauses. Its defaults
    # (2 s silence to split, 400 ms pad) beat a 700 ms split on dictated commands here.
    "vad_filter": True,
    # Per-word start/end/probability for timings.json and the correction exercise.
    "word_timestamps": True,
    # Not set: hallucination_silence_threshold. Meant to skip text invented over long silences,
    # it dropped whole dictated sentences on the corpus (d03: WER 0.51 with it, 0.31 without).
    # A window that is probably silence and decoded with low confidence is skipped.
    "log_prob_threshold": -1.0,
    "no_speech_threshold": 0.6,
}
# After decoding: a segment's last words that are near-certain inventions (hotword echoes at
# the end of the audio measured at probability 0.016, or zero-length words) are dropped, and a
# phrase repeated LOOP_REPEATS times in a row or more is kept once.
ECHO_PROBABILITY = 0.05
LOOP_REPEATS = 3


@dataclass(frozen=True, slots=True)
class DraftWord:
    """One recognised word (with Whisper's attached punctuation) and its timing."""

    text: str
    start_s: float
    end_s: float
    probability: float


@dataclass(frozen=True, slots=True)
class Draft:
    """A speech-recognition draft of one audio file.

    Attributes:
        text: Recognised text, as Whisper wrote it (no dictated-punctuation pass).
        words: Recognised words with their timings, in order.
        duration_s: Audio duration.
        language: Language decoded (``fr``).
        model: Model name (``whisper-base``, ``small``, folder name).
        rtf: Real-time factor: processing seconds per audio second.
    """

    text: str
    words: tuple[DraftWord, ...]
    duration_s: float
    language: str
    model: str
    rtf: float

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (``timings.json``)."""
        return {
            "schema": TIMINGS_SCHEMA,
            "model": self.model,
            "language": self.language,
            "duration_s": round(self.duration_s, 3),
            "rtf": round(self.rtf, 4),
            "text": self.text,
            "words": [
                {
                    "text": w.text,
                    "start_s": round(w.start_s, 3),
                    "end_s": round(w.end_s, 3),
                    "probability": round(w.probability, 4),
                }
                for w in self.words
            ],
        }

    @classmethod
    def from_json(cls, data: object) -> Draft:
        """Read back :meth:`to_json`; AsrError on a malformed or unknown-schema object."""
        if not isinstance(data, dict):
            raise AsrError("timings : objet JSON attendu")
        if data.get("schema") != TIMINGS_SCHEMA:
            raise AsrError(f"timings : schéma inconnu {data.get('schema')!r}")
        try:
            words = tuple(
                DraftWord(
                    str(w["text"]),
                    float(w["start_s"]),
                    float(w["end_s"]),
                    float(w["probability"]),
                )
                for w in data["words"]
            )
            return cls(
                text=str(data["text"]),
                words=words,
                duration_s=float(data["duration_s"]),
                language=str(data["language"]),
                model=str(data["model"]),
                rtf=float(data["rtf"]),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise AsrError(f"timings : champ manquant ou invalide ({error})") from error


def write_timings(draft: Draft, path: Path) -> None:
    """Write ``timings.json`` atomically (temporary file then rename; a link at ``path`` is
    replaced, never written through)."""
    text = json.dumps(draft.to_json(), ensure_ascii=False, indent=1) + "\n"
    try:
        # 0600 whatever the umask: the timings spell out the dictation word by word.
        write_private(path, text.encode("utf-8"), follow_symlinks=False)
    except OSError as error:
        raise AsrError(f"{path} : écriture impossible ({error.strerror})") from error


def read_timings(path: Path) -> Draft:
    """Read a ``timings.json`` back into a Draft."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError as error:
        raise AsrError(f"{path} : fichier introuvable") from error
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise AsrError(f"{path} : illisible ({error})") from error
    return Draft.from_json(data)


def build_hotwords(
    terms: Iterable[str],
    count_tokens: Callable[[str], int],
    *,
    budget: int = HOTWORD_TOKEN_BUDGET,
) -> str | None:
    """Join exercise terms into a hotword string of at most ``budget`` tokens.

    Terms are kept in order (the exercise lists its most important first), without duplicates;
    the first term that would overflow the budget and every later one are left out, so no term
    is cut in half as faster-whisper's own truncation would do.
    """
    kept: list[str] = []
    seen: set[str] = set()
    for raw in terms:
        term = " ".join(raw.split())
        if not term or term.casefold() in seen:
            continue
        candidate = ", ".join([*kept, term])
        if count_tokens(" " + candidate) > budget:
            break
        kept.append(term)
        seen.add(term.casefold())
    return ", ".join(kept) or None


def _segment_words(segment: Any) -> list[tuple[str, DraftWord]]:
    """(raw text with Whisper's leading space, timed word) for each word of a segment."""
    return [
        (w.word, DraftWord(w.word.strip(), float(w.start), float(w.end), float(w.probability)))
        for w in segment.words or ()
        if w.word.strip()
    ]


def _drop_trailing_echoes(words: list[tuple[str, DraftWord]]) -> list[tuple[str, DraftWord]]:
    def invented(word: DraftWord) -> bool:
        zero_length = word.end_s - word.start_s < 0.01
        return word.probability < ECHO_PROBABILITY or (zero_length and word.probability < 0.5)

    while words and invented(words[-1][1]):
        words.pop()
    return words


def _loop_key(text: str) -> str:
    return "".join(c for c in text.casefold() if c.isalnum())


def collapse_loops(
    words: list[tuple[str, DraftWord]], *, repeats: int = LOOP_REPEATS, longest: int = 8
) -> list[tuple[str, DraftWord]]:
    """Keep once a phrase of up to ``longest`` words said ``repeats`` times in a row or more
    (one more for a single word: « non non » is French, « soit 65, soit 65, soit 65 » a loop)."""
    keys = [_loop_key(w.text) for _, w in words]
    keep = [True] * len(words)
    i = 0
    while i < len(words):
        collapsed = False
        for n in range(1, longest + 1):
            needed = repeats + (1 if n == 1 else 0)
            phrase = keys[i : i + n]
            if len(phrase) < n or not all(phrase):
                break
            count = 1
            while keys[i + count * n : i + (count + 1) * n] == phrase:
                count += 1
            if count >= needed:
                for k in range(i + n, i + count * n):
                    keep[k] = False
                i += count * n
                collapsed = True
                break
        if not collapsed:
            i += 1
    return [pair for pair, kept in zip(words, keep, strict=True) if kept]


def _decode_error(path: Path, error: Exception) -> AsrError:
    """One French line naming ``path`` once: PyAV's and CTranslate2's messages are English and
    repeat the path (« [Errno 1094995529] Invalid data found when processing input: … »)."""
    if _is_ffmpeg_error(error):
        return AsrError(f"{path} : fichier audio illisible ou endommagé")
    if isinstance(error, MemoryError):
        return AsrError(f"{path} : mémoire insuffisante pour la transcription")
    return AsrError(f"{path} : transcription impossible ({type(error).__name__})")


def _is_ffmpeg_error(error: BaseException) -> bool:
    return any(cls.__module__.startswith("av.") for cls in type(error).__mro__)


# A file shorter than it says by more than this is reported (a few milliseconds of padding or
# of an encoder's last frame are normal).
_TRUNCATION_TOLERANCE_S = 0.5


def _wav_declared_s(path: Path) -> float | None:
    """Length a WAV file's header announces (``data`` size / block size), None for another
    format. FFmpeg measures a WAV file by its size, so a cut copy looks whole to it."""
    try:
        with path.open("rb") as handle:
            if handle.read(12)[8:12] != b"WAVE":
                return None
            rate = block = 0
            while header := handle.read(8):
                if len(header) < 8:
                    return None
                name, size = header[:4], int.from_bytes(header[4:], "little")
                if name == b"fmt ":
                    fmt = handle.read(size)
                    rate = int.from_bytes(fmt[4:8], "little")
                    block = int.from_bytes(fmt[12:14], "little")
                    size = 0
                elif name == b"data":
                    return size / block / rate if rate and block else None
                handle.seek(size + (size & 1), os.SEEK_CUR)
    except OSError:
        return None
    return None


def check_audio(path: Path) -> float:
    """Decode ``path`` once and compare what it holds with what it announces: AsrError
    (« tronqué ou endommagé : 1 min 02 s décodées sur 4 min 00 s annoncées ») when decoding
    stops early or falls short, before minutes of transcription. Returns the decoded seconds."""
    try:
        import av  # noqa: PLC0415 - faster-whisper's decoder, installed with the asr extra
    except ImportError:
        return 0.0  # without the asr extra, loading the model says what to install

    declared = _wav_declared_s(path)
    decoded = 0
    rate = 0
    damaged = False
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise AsrError(f"{path} : aucune piste audio")
            stream = container.streams.audio[0]
            rate = int(stream.rate or 0)
            if declared is None and stream.duration and stream.time_base:
                declared = float(stream.duration * stream.time_base)
            try:
                for frame in container.decode(stream):
                    decoded += frame.samples
            except av.error.FFmpegError:
                damaged = True  # decoding stopped in the middle: said below with the lengths
    except av.error.FFmpegError as error:
        raise _decode_error(path, error) from error
    decoded_s = decoded / rate if rate else 0.0
    short = declared is not None and decoded_s < declared - _TRUNCATION_TOLERANCE_S
    if damaged or short or not decoded:
        announced = f" sur {_clock(declared)} annoncées" if declared else ""
        raise AsrError(
            f"{path} : fichier audio tronqué ou endommagé : {_clock(decoded_s)} décodées{announced}"
        )
    return decoded_s


def _clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60} min {whole % 60:02d} s"


def transcribe_file(
    path: Path,
    model: LoadedModel,
    *,
    hotwords: list[str] | None = None,
    initial_prompt: str | None = None,
    progress: Progress | None = None,
) -> Draft:
    """Transcribe ``path`` in French with ``model``.

    ``hotwords`` (exercise terminology) are re-injected in every 30 s window, trimmed to whole
    terms within the token budget left by ``initial_prompt``; ``progress`` is called with
    (audio seconds done, total audio seconds) after each segment and once at the end.
    """
    if not path.is_file():
        raise AsrError(f"fichier audio introuvable : {path}")
    check_audio(path)  # a cut or damaged file is said before minutes of transcription
    prompt = initial_prompt.strip() if initial_prompt else None
    hotword_text = None
    if hotwords:
        used = model.count_tokens(" " + prompt) if prompt else 0
        hotword_text = build_hotwords(
            hotwords, model.count_tokens, budget=max(0, HOTWORD_TOKEN_BUDGET - used)
        )
    start = time.perf_counter()
    try:
        segments, info = model.whisper.transcribe(
            str(path), hotwords=hotword_text, initial_prompt=prompt, **DECODE_OPTIONS
        )
        total = float(info.duration)
        if progress is not None:
            progress(0.0, total)
        timed: list[tuple[str, DraftWord]] = []
        for segment in segments:
            timed.extend(_drop_trailing_echoes(_segment_words(segment)))
            if progress is not None:
                progress(min(float(segment.end), total), total)
    except AsrError:
        raise
    except Exception as error:  # PyAV decoding and CTranslate2 errors
        raise _decode_error(path, error) from error
    elapsed = time.perf_counter() - start
    if progress is not None:
        progress(total, total)
    timed = collapse_loops(timed)
    return Draft(
        text=" ".join("".join(raw for raw, _ in timed).split()),
        words=tuple(word for _, word in timed),
        duration_s=total,
        language=str(info.language),
        model=model.name,
        rtf=elapsed / total if total > 0 else 0.0,
    )
