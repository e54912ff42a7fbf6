"""The typing-test texts: bundled ones (``texts/<id>.txt`` + ``<id>.toml``) or any text file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import msgspec

from frappe.errors import ConfigError, ExerciseError, InputFileError
from frappe.exercises.lookup import find_by_id
from frappe.locations import bundled_texts_dir
from frappe.textio import read_text_file
from frappe.validation import read_toml_file

__all__ = ["Text", "TextFile", "find_text", "list_texts", "load_text_file", "load_texts"]


@dataclass(frozen=True, slots=True)
class Text:
    """A text to copy.

    Attributes:
        id: Identifier (file name without extension).
        title: Title shown to trainers and candidates.
        level: Difficulty 1 (easy) to 5 (dense medical vocabulary); 0 for an outside file.
        theme: Kind of document (courrier, compte-rendu, social…).
        body: The text, LF line ends, paragraphs separated by a blank line.
        author: Author credit.
        licence: Licence of the text.
        description: What the text exercises.
        path: The file it was read from.
    """

    id: str
    title: str
    level: int
    theme: str
    body: str
    author: str = ""
    licence: str = ""
    description: str = ""
    path: Path | None = None

    @property
    def characters(self) -> int:
        """Length of the body in characters."""
        return len(self.body)


def _clean(body: str) -> str:
    # A trailing newline in the file is not part of what the candidate must type.
    return body.strip("\n")


_Line = Annotated[str, msgspec.Meta(max_length=500)]


class TextFile(msgspec.Struct, forbid_unknown_fields=True):
    """The schema of a text's ``<id>.toml``: a wrong type, an out-of-range level or a misspelt
    key is one line naming the file and the field."""

    id: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")] | None = None
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    level: Annotated[int, msgspec.Meta(ge=0, le=5)] = 0
    theme: _Line = ""
    author: _Line = ""
    licence: _Line = ""
    description: Annotated[str, msgspec.Meta(max_length=2000)] = ""


def _load_bundled(meta_path: Path) -> Text:
    try:
        meta = read_toml_file(meta_path, TextFile)
    except ConfigError as error:
        raise ExerciseError(error.message) from error
    body_path = meta_path.with_suffix(".txt")
    try:
        body = read_text_file(body_path)
    except InputFileError as error:
        raise ExerciseError(str(error)) from error
    return Text(
        id=meta.id or meta_path.stem,
        title=meta.title or meta_path.stem,
        level=meta.level,
        theme=meta.theme,
        body=_clean(body),
        author=meta.author,
        licence=meta.licence,
        description=meta.description,
        path=body_path,
    )


def load_texts(folder: Path | None = None) -> tuple[list[Text], list[str]]:
    """The texts of a folder (the bundled one by default), sorted by id, and one line per
    text left out (bad ``<id>.toml``, unreadable body): one bad file never hides the others."""
    folder = folder or bundled_texts_dir()
    if not folder.is_dir():
        raise ExerciseError(f"dossier de textes introuvable : {folder}")
    texts: list[Text] = []
    problems: list[str] = []
    for meta in sorted(folder.glob("*.toml")):
        try:
            texts.append(_load_bundled(meta))
        except ExerciseError as error:
            problems.append(f"{error} — texte ignoré")
    return texts, problems


def list_texts(folder: Path | None = None) -> list[Text]:
    """The texts of a folder (the bundled one by default) that load, sorted by id."""
    return load_texts(folder)[0]


def load_text_file(path: Path) -> Text:
    """A text given as a file by a trainer (any encoding frappe reads)."""
    body = _clean(read_text_file(path))
    return Text(id=path.stem, title=path.stem, level=0, theme="", body=body, path=path)


def find_text(id_or_path: str, folder: Path | None = None) -> Text:
    """A bundled text by id (or unique id prefix such as ``t03``), else a file path."""
    candidate = Path(id_or_path)
    if candidate.suffix and candidate.exists():
        return load_text_file(candidate)
    try:
        return find_by_id(list_texts(folder), id_or_path, unknown="texte inconnu", plural="textes")
    except ExerciseError:
        if candidate.exists():
            return load_text_file(candidate)
        raise
