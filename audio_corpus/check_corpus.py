"""Check the dictation corpus: metadata, audio, reference hygiene, size.

Usage (from the top of the repository)::

    .venv/bin/python audio_corpus/check_corpus.py

Checks every ``audio_corpus/<id>/`` folder: ``exercise.toml`` parses and has its fields,
``audio.ogg`` is Ogg Vorbis mono 16 kHz, lasts 45–180 s and matches ``duration_s``, every
terminology and identity string occurs verbatim in ``reference.txt``, ``reference.txt`` and
``script.txt`` are clean UTF-8 (LF, one final newline, no trailing spaces), and the whole corpus
stays under 25 MB. Prints a table, then the problems found; exits 1 if there are any.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import Any

import soundfile as sf

CORPUS_DIR = Path(__file__).resolve().parent
MAX_CORPUS_BYTES = 25 * 1024 * 1024
MIN_DURATION = 45.0
MAX_DURATION = 180.0
DURATION_TOLERANCE = 0.1
DOCUMENT_TYPES = {
    "lettre",
    "compte-rendu-hospitalisation",
    "compte-rendu-operatoire",
    "ordonnance",
    "lettre-de-liaison",
    "rapport-social",
    "certificat",
}
STYLES = {"dictated-punctuation", "plain"}
FIELDS: dict[str, type | tuple[type, ...]] = {
    "id": str,
    "title": str,
    "document_type": str,
    "level": int,
    "dictation_style": str,
    "speaker": str,
    "audio": str,
    "duration_s": (int, float),
    "deadline_min": int,
    "author": str,
    "licence": str,
    "terminology": list,
    "identity": dict,
}
IDENTITY_KEYS = ("names", "dates", "numbers", "doses")


def text_problems(path: Path) -> list[str]:
    """Encoding and whitespace hygiene of a text file."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return [f"{path.name}: not UTF-8 ({error})"]
    problems = []
    if text.startswith("\ufeff"):
        problems.append(f"{path.name}: starts with a BOM")
    if "\r" in text:
        problems.append(f"{path.name}: CR characters (use LF)")
    if not text.endswith("\n") or text.endswith("\n\n"):
        problems.append(f"{path.name}: must end with exactly one newline")
    for number, line in enumerate(text.split("\n"), start=1):
        if line != line.rstrip():
            problems.append(f"{path.name}:{number}: trailing whitespace")
    if "\n\n\n" in text:
        problems.append(f"{path.name}: more than one blank line in a row")
    return problems


def meta_problems(folder: Path, meta: dict[str, Any], reference: str) -> list[str]:
    """Fields, values and the verbatim presence of every listed string."""
    problems = []
    for field, kind in FIELDS.items():
        if field not in meta:
            problems.append(f"exercise.toml: missing {field}")
        elif not isinstance(meta[field], kind) or isinstance(meta[field], bool):
            problems.append(f"exercise.toml: {field} has the wrong type")
    if problems:
        return problems
    if meta["id"] != folder.name:
        problems.append(f"exercise.toml: id {meta['id']!r} differs from the folder name")
    if meta["document_type"] not in DOCUMENT_TYPES:
        problems.append(f"exercise.toml: unknown document_type {meta['document_type']!r}")
    if meta["dictation_style"] not in STYLES:
        problems.append(f"exercise.toml: unknown dictation_style {meta['dictation_style']!r}")
    if not 1 <= meta["level"] <= 3:
        problems.append("exercise.toml: level must be 1, 2 or 3")
    strings: list[tuple[str, object]] = [("terminology", s) for s in meta["terminology"]]
    for key in IDENTITY_KEYS:
        values = meta["identity"].get(key)
        if not isinstance(values, list):
            problems.append(f"exercise.toml: identity.{key} missing or not a list")
            continue
        strings.extend((f"identity.{key}", s) for s in values)
    for where, value in strings:
        if not isinstance(value, str) or not value:
            problems.append(f"exercise.toml: {where} holds a non-string or empty value")
        elif value not in reference:
            problems.append(f"{where}: {value!r} not found in reference.txt")
    return problems


def audio_problems(path: Path, declared: float) -> tuple[float, list[str]]:
    """Format, length and declared length of the audio file."""
    if not path.is_file():
        return 0.0, [f"{path.name}: missing"]
    info = sf.info(path)
    problems = []
    if (info.format, info.subtype, info.channels, info.samplerate) != ("OGG", "VORBIS", 1, 16000):
        problems.append(
            f"{path.name}: {info.format}/{info.subtype}, {info.channels} ch, {info.samplerate} Hz"
            " (expected OGG/VORBIS, 1 ch, 16000 Hz)"
        )
    duration = float(info.duration)
    if not MIN_DURATION <= duration <= MAX_DURATION:
        problems.append(f"{path.name}: {duration:.1f} s outside {MIN_DURATION}–{MAX_DURATION} s")
    if abs(duration - declared) > DURATION_TOLERANCE:
        problems.append(f"duration_s = {declared} but the audio lasts {duration:.1f} s")
    return duration, problems


def main() -> int:
    """Check every exercise, print the table and the problems."""
    folders = sorted(p.parent for p in CORPUS_DIR.glob("*/exercise.toml"))
    rows: list[tuple[str, ...]] = []
    problems: list[str] = []
    for folder in folders:
        local: list[str] = []
        meta = tomllib.loads((folder / "exercise.toml").read_text(encoding="utf-8"))
        for name in ("reference.txt", "script.txt"):
            if (folder / name).is_file():
                local += text_problems(folder / name)
            else:
                local.append(f"{name}: missing")
        reference = (folder / "reference.txt").read_text(encoding="utf-8")
        local += meta_problems(folder, meta, reference)
        audio = folder / str(meta.get("audio", "audio.ogg"))
        duration, found = audio_problems(audio, float(meta.get("duration_s", 0.0)))
        local += found
        size = sum(p.stat().st_size for p in folder.iterdir() if p.is_file())
        rows.append(
            (
                folder.name,
                str(meta.get("document_type", "?")),
                str(meta.get("dictation_style", "?")),
                f"{duration:.1f}",
                str(len(reference.split())),
                f"{size / 1024:.0f} KiB",
            )
        )
        problems += [f"{folder.name}: {p}" for p in local]
    total = sum(p.stat().st_size for p in CORPUS_DIR.rglob("*") if p.is_file())
    if total >= MAX_CORPUS_BYTES:
        problems.append(f"corpus is {total / 1e6:.1f} MB (limit 25 MB)")
    header = ("id", "type", "style", "duration_s", "words", "size")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    print(f"{len(rows)} exercises, corpus {total / 1024 / 1024:.2f} MiB")
    for problem in problems:
        print(f"PROBLEM {problem}", file=sys.stderr)
    return 1 if problems or not rows else 0


if __name__ == "__main__":
    raise SystemExit(main())
