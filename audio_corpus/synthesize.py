"""Regenerate the audio of frappe's dictation corpus with SVOX Pico (offline French voice).

Usage (from the top of the repository)::

    .venv/bin/python audio_corpus/synthesize.py              # every exercise
    .venv/bin/python audio_corpus/synthesize.py d01-lettre-confrere-cardio d05-ordonnance

For each folder of ``audio_corpus/`` holding ``script.txt`` and ``exercise.toml``, the script is
spoken by ``pico2wave -l fr-FR``, the pieces are joined with silences, the result is written as
``audio.ogg`` (Ogg Vorbis, mono, 16 kHz) and ``duration_s`` is updated in ``exercise.toml``.
An existing ``audio.ogg`` that decodes to the same samples is left untouched (each encoding
draws a new Ogg serial number, so the bytes would change for nothing).

How ``script.txt`` is read:

* one dictated paragraph per line (blank lines are ignored); a longer silence separates lines;
* a sentence ends at ``.``, ``?`` or ``!``; a shorter silence separates sentences. Other marks
  (commas) are prosody hints for the voice: they are not spoken;
* in exercises whose ``dictation_style`` is ``"dictated-punctuation"``, spoken commands
  (« virgule », « point à la ligne », « ouvrez la parenthèse »…) are said on their own, with a
  short pause around them, as a doctor dictates;
* after « j'épelle », a run of single capital letters (and « accent aigu », « trait d'union »…)
  is spelled letter by letter, with a pause between letters.

Before the text reaches Pico, a few spellings the voice mispronounces are replaced
(``PRONUNCIATIONS``: Pico reads « œ » as « o », so « sœur » would sound like « sour »; it
reads some acronyms such as « MDPH » as a word).
``script.txt`` itself stays correct French.

Requires ``pico2wave`` (Debian package ``libttspico-utils``, in the non-free component), plus
``numpy`` and ``soundfile``. The committed ``audio.ogg`` files mean nobody else needs Pico.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile as sf

CORPUS_DIR = Path(__file__).resolve().parent
SAMPLE_RATE = 16_000
SPEED = 90  # percent of Pico's default rate: closer to a doctor's dictation pace
PAUSE_PARAGRAPH = 0.8
PAUSE_SENTENCE = 0.35
PAUSE_COMMAND = 0.25
PAUSE_LETTER = 0.22
LEAD_IN = 0.5
TAIL = 0.8
SILENCE_THRESHOLD = 0.004
EDGE_MARGIN = 0.03

INSTALL_HINT = (
    "pico2wave introuvable : ajoutez les composants « contrib non-free » aux sources APT, puis "
    "« apt-get update && apt-get install -y libttspico-utils » (voir audio_corpus/README.md)."
)

# Spoken dictation commands, longest first so that « point à la ligne » wins over « point ».
COMMANDS = (
    "point à la ligne",
    "point d'interrogation",
    "point d'exclamation",
    "points de suspension",
    "point virgule",
    "deux points",
    "à la ligne",
    "nouveau paragraphe",
    "ouvrez la parenthèse",
    "fermez la parenthèse",
    "ouvrez les guillemets",
    "fermez les guillemets",
    "virgule",
    "point",
    "tiret",
)
COMMAND_RE = re.compile(
    r"(?<![\w'])(" + "|".join(re.escape(c) for c in COMMANDS) + r")(?![\w'])", re.IGNORECASE
)
# Commands after which a doctor pauses as at the end of a sentence.
STOPS = frozenset({"point", "point d'interrogation", "point d'exclamation", "deux points"})
SPELL_TRIGGER = "j'épelle"
SPELL_WORDS = (
    "accent aigu",
    "accent grave",
    "accent circonflexe",
    "tréma",
    "cédille",
    "trait d'union",
    "apostrophe",
)
SPELL_RE = re.compile(
    re.escape(SPELL_TRIGGER)
    + r"\s+((?:(?:[A-Z]|"
    + "|".join(re.escape(w) for w in SPELL_WORDS)
    + r")(?:\s+|$))+)"
)
SENTENCE_RE = re.compile(r"(?<=[.!?])\s+")

# Word-level respellings for Pico (applied to whole words, case kept for the first letter).
PRONUNCIATIONS = {
    "œdème": "édème",
    "œdèmes": "édèmes",
    "œdémateux": "édémateux",
    "œdémateuse": "édémateuse",
    "œsophage": "ésophage",
    "œsophagien": "ésophagien",
    "œsophagienne": "ésophagienne",
    "œstrogènes": "éstrogènes",
    "cœlioscopie": "célioscopie",
    "cœlioscopique": "célioscopique",
    "fœtus": "fétus",
    "fœtal": "fétal",
    "Lefebvre": "Lefèvre",
    # Acronyms said letter by letter that Pico would read as a word.
    "MDPH": "M D P H",
    "MMSE": "M M S E",
}


@dataclass(frozen=True)
class Piece:
    """A stretch of speech and the silence that follows it."""

    text: str
    pause_after: float


def fail(message: str) -> None:
    """Print a one-line message on stderr and stop."""
    print(message, file=sys.stderr)
    raise SystemExit(1)


def for_pico(text: str) -> str:
    """Apply ``PRONUNCIATIONS`` word by word, then write any other « œ » as « oe »."""

    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        return PRONUNCIATIONS.get(word, PRONUNCIATIONS.get(word.lower(), word))

    text = re.sub(r"\w+", swap, text)
    return text.replace("œ", "oe").replace("Œ", "Oe")


def split_commands(sentence: str) -> Iterator[Piece]:
    """Cut a sentence around the spoken dictation commands it holds."""
    position = 0
    for match in COMMAND_RE.finditer(sentence):
        before = sentence[position : match.start()].strip(" ,")
        if before:
            yield Piece(before, PAUSE_COMMAND)
        command = match.group(0)
        yield Piece(command, PAUSE_SENTENCE if command.lower() in STOPS else PAUSE_COMMAND)
        position = match.end()
    rest = sentence[position:].strip(" ,")
    if rest:
        yield Piece(rest, PAUSE_COMMAND)


def split_spelling(text: str, dictated: bool) -> Iterator[Piece]:
    """Cut a sentence into speech pieces, spelled letters one by one."""
    position = 0
    for match in SPELL_RE.finditer(text):
        head = text[position : match.start()] + SPELL_TRIGGER
        yield from _speech(head, dictated)
        units = re.findall("|".join(re.escape(w) for w in SPELL_WORDS) + r"|[A-Z]", match.group(1))
        for unit in units:
            yield Piece(unit, PAUSE_LETTER)
        position = match.end()
    yield from _speech(text[position:], dictated)


def _speech(text: str, dictated: bool) -> Iterator[Piece]:
    text = text.strip()
    if not text:
        return
    if dictated:
        yield from split_commands(text)
    else:
        yield Piece(text, PAUSE_COMMAND)


def pieces(script: str, dictated: bool) -> list[Piece]:
    """The whole script as pieces to synthesise, with the pause after each one."""
    result: list[Piece] = []
    paragraphs = [line.strip() for line in script.splitlines() if line.strip()]
    for paragraph in paragraphs:
        sentences = [s for s in SENTENCE_RE.split(paragraph) if s.strip()]
        for sentence in sentences:
            sentence_pieces = list(split_spelling(sentence, dictated))
            if sentence_pieces:
                last = sentence_pieces[-1]
                sentence_pieces[-1] = Piece(last.text, PAUSE_SENTENCE)
            result.extend(sentence_pieces)
        if result:
            result[-1] = Piece(result[-1].text, PAUSE_PARAGRAPH)
    if result:
        result[-1] = Piece(result[-1].text, TAIL)
    return result


def synthesise(text: str, workdir: Path) -> npt.NDArray[np.float32]:
    """Speak one piece with pico2wave and trim the silence around it."""
    wav = workdir / "piece.wav"
    markup = f'<speed level="{SPEED}">{for_pico(text)}</speed>'
    completed = subprocess.run(
        ["pico2wave", "-l", "fr-FR", "-w", str(wav), markup],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        fail(f"pico2wave a échoué sur « {text[:60]} » : {completed.stderr.strip()}")
    data, rate = sf.read(wav, dtype="float32", always_2d=False)
    if rate != SAMPLE_RATE:
        fail(f"pico2wave a produit du {rate} Hz au lieu de {SAMPLE_RATE} Hz")
    loud = np.flatnonzero(np.abs(data) > SILENCE_THRESHOLD)
    if loud.size == 0:
        return np.zeros(0, dtype=np.float32)
    margin = int(EDGE_MARGIN * SAMPLE_RATE)
    start = max(0, int(loud[0]) - margin)
    end = min(data.size, int(loud[-1]) + margin)
    return np.asarray(data[start:end], dtype=np.float32)


def silence(seconds: float) -> npt.NDArray[np.float32]:
    """Digital silence of the given length."""
    return np.zeros(round(seconds * SAMPLE_RATE), dtype=np.float32)


def render(exercise_dir: Path) -> float:
    """Write ``audio.ogg`` for one exercise and return its duration in seconds."""
    meta = tomllib.loads((exercise_dir / "exercise.toml").read_text(encoding="utf-8"))
    dictated = meta.get("dictation_style") == "dictated-punctuation"
    script = (exercise_dir / "script.txt").read_text(encoding="utf-8")
    chunks: list[npt.NDArray[np.float32]] = [silence(LEAD_IN)]
    with tempfile.TemporaryDirectory(prefix="frappe-pico-") as tmp:
        for piece in pieces(script, dictated):
            chunks.append(synthesise(piece.text, Path(tmp)))
            chunks.append(silence(piece.pause_after))
    audio = np.concatenate(chunks)
    peak = float(np.max(np.abs(audio))) or 1.0
    audio = (audio * (0.9 / peak)).astype(np.float32)
    target = exercise_dir / meta.get("audio", "audio.ogg")
    fresh = target.with_name(target.name + ".new")
    write_ogg(fresh, audio)
    if target.is_file() and same_samples(target, fresh):
        fresh.unlink()  # only the Ogg stream's random serial number would change
    else:
        fresh.replace(target)
    duration = float(sf.info(target).duration)
    update_duration(exercise_dir / "exercise.toml", duration)
    return duration


def write_ogg(target: Path, audio: npt.NDArray[np.float32]) -> None:
    """Write Ogg Vorbis in one-second blocks.

    libsndfile 1.2's Vorbis encoder crashes (segmentation fault) when handed a couple of minutes
    of audio in a single write call, so the samples go in small blocks.
    """
    with sf.SoundFile(target, "w", SAMPLE_RATE, 1, format="OGG", subtype="VORBIS") as out:
        for start in range(0, audio.size, SAMPLE_RATE):
            out.write(audio[start : start + SAMPLE_RATE])


def same_samples(first: Path, second: Path) -> bool:
    """True when two audio files decode to exactly the same samples."""
    a, rate_a = sf.read(first, dtype="float32")
    b, rate_b = sf.read(second, dtype="float32")
    return bool(rate_a == rate_b and a.shape == b.shape and np.array_equal(a, b))


def update_duration(toml_path: Path, duration: float) -> None:
    """Rewrite the ``duration_s`` line of an exercise.toml, leaving the rest untouched."""
    text = toml_path.read_text(encoding="utf-8")
    line = f"duration_s = {duration:.1f}"
    new, count = re.subn(r"(?m)^duration_s\s*=.*$", line, text)
    if count == 0:
        fail(f"{toml_path} : ligne « duration_s = ... » absente")
    toml_path.write_text(new, encoding="utf-8")


def exercise_dirs(ids: Sequence[str]) -> list[Path]:
    """The exercise folders to render: those named, or every one found."""
    if ids:
        dirs = [CORPUS_DIR / name for name in ids]
        for folder in dirs:
            if not (folder / "script.txt").is_file():
                fail(f"exercice inconnu ou sans script.txt : {folder.name}")
        return dirs
    return sorted(p.parent for p in CORPUS_DIR.glob("*/script.txt"))


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Synthétise les dictées du corpus avec Pico.")
    parser.add_argument("ids", nargs="*", help="identifiants d'exercices (défaut : tous)")
    args = parser.parse_args(argv)
    if shutil.which("pico2wave") is None:
        fail(INSTALL_HINT)
    for folder in exercise_dirs(args.ids):
        duration = render(folder)
        print(f"{folder.name}: {duration:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
