"""The typing-test texts: bundled ones (``texts/<id>.txt`` + ``<id>.toml``) or any text file."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from frappe.errors import ExerciseError, InputFileError
from frappe.locations import bundled_texts_dir
from frappe.textio import read_text_file

__all__ = ["Text", "find_text", "list_texts", "load_text_file"]


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


def _load_bundled(meta_path: Path) -> Text:
    try:
        meta = tomllib.loads(meta_path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ExerciseError(f"{meta_path} : métadonnées illisibles ({error})") from error
    body_path = meta_path.with_suffix(".txt")
    try:
        body = read_text_file(body_path)
    except InputFileError as error:
        raise ExerciseError(str(error)) from error
    return Text(
        id=str(meta.get("id", meta_path.stem)),
        title=str(meta.get("title", meta_path.stem)),
        level=int(meta.get("level", 0)),
        theme=str(meta.get("theme", "")),
        body=_clean(body),
        author=str(meta.get("author", "")),
        licence=str(meta.get("licence", "")),
        description=str(meta.get("description", "")),
        path=body_path,
    )


def list_texts(folder: Path | None = None) -> list[Text]:
    """All texts of a folder (the bundled one by default), sorted by id."""
    folder = folder or bundled_texts_dir()
    if not folder.is_dir():
        raise ExerciseError(f"dossier de textes introuvable : {folder}")
    return [_load_bundled(meta) for meta in sorted(folder.glob("*.toml"))]


def load_text_file(path: Path) -> Text:
    """A text given as a file by a trainer (any encoding frappe reads)."""
    body = _clean(read_text_file(path))
    return Text(id=path.stem, title=path.stem, level=0, theme="", body=body, path=path)


def find_text(id_or_path: str, folder: Path | None = None) -> Text:
    """A bundled text by id (or unique id prefix such as ``t03``), else a file path."""
    candidate = Path(id_or_path)
    if candidate.suffix and candidate.exists():
        return load_text_file(candidate)
    texts = list_texts(folder)
    exact = [t for t in texts if t.id == id_or_path]
    if exact:
        return exact[0]
    prefixed = [t for t in texts if t.id.startswith(id_or_path)]
    if len(prefixed) == 1:
        return prefixed[0]
    if candidate.exists():
        return load_text_file(candidate)
    known = ", ".join(t.id for t in texts)
    raise ExerciseError(f"texte inconnu « {id_or_path} » (textes : {known})")
