"""Tokens shared by the text passes: words, Whisper's punctuation, dictated marks, line breaks.

A pass rewrites a token list; every token remembers the range of source words it came from, so
the same passes run on plain text and on timed :class:`~frappe.asr.transcribe.DraftWord` lists.
Rendering applies French spacing: a space before ``; : ? !`` (a normal space, what a keyboard
types), none before ``, .``, ``( `` and `` )`` hug their content, ``« `` and `` »`` are spaced.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from frappe.scoring.normalize import strip_accents

__all__ = [
    "BREAK",
    "HYPHEN",
    "Kind",
    "Tok",
    "fold",
    "merge",
    "render",
    "tokenize",
]

Kind = Literal["word", "punct", "mark", "break"]

# A dictated hyphen ("trait d'union", "tiret" inside a line): glues its neighbours.
HYPHEN = "\u2010"
BREAK = "\n"

_TOKEN = re.compile(
    r"""
    (?P<break>\n+)
    | (?P<ordinal>\d+(?:er|re|ère|ème|e)(?![^\W_]))
    | (?P<number>\d+(?:[.,/:]\d+)*)
    | (?P<word>[^\W_]+(?:['’\-][^\W_]+)*['’]?)
    | (?P<ellipsis>\.\.\.|…)
    | (?P<punct>[^\w\s])
    """,
    re.VERBOSE,
)

# (space before, space after) for the marks French typography fixes. Others keep the source's.
_SPACING: dict[str, tuple[bool, bool]] = {
    ",": (False, True),
    ".": (False, True),
    "…": (False, True),
    ";": (True, True),
    ":": (True, True),
    "?": (True, True),
    "!": (True, True),
    "%": (True, True),
    "(": (True, False),
    ")": (False, True),
    "«": (True, True),
    "»": (True, True),
    HYPHEN: (False, False),
}
SENTENCE_END = frozenset({".", "?", "!", "…"})


@dataclass(frozen=True, slots=True)
class Tok:
    """One token.

    Attributes:
        text: Its text (a line break token holds ``\\n`` or ``\\n\\n``).
        kind: ``word``; ``punct`` (punctuation Whisper wrote); ``mark`` (punctuation produced
            from a dictated command, authoritative); ``break`` (line break).
        first: Index of the first source word it comes from.
        last: Index of the last source word.
        space_before: Whether the source had a space before it (used for unknown symbols).
    """

    text: str
    kind: Kind
    first: int
    last: int
    space_before: bool = True

    @property
    def key(self) -> str:
        """Case- and accent-folded text, for matching commands and number words."""
        return fold(self.text)


def fold(text: str) -> str:
    """Lowercase, no accents, typographic apostrophe as ``'``."""
    composed = unicodedata.normalize("NFKC", text.casefold().replace("’", "'"))
    return strip_accents(composed).replace("œ", "oe")


def tokenize(text: str, source: int | None = None) -> list[Tok]:
    """Split ``text``; tokens get source index ``source``, or their own position when ``None``."""
    tokens: list[Tok] = []
    previous_end = 0
    for match in _TOKEN.finditer(text):
        group = match.lastgroup
        value = match.group()
        index = source if source is not None else len(tokens)
        spaced = match.start() > previous_end or previous_end == 0
        previous_end = match.end()
        if group == "break":
            tokens.append(Tok(BREAK * min(len(value), 2), "break", index, index, False))
        elif group in ("word", "number", "ordinal"):
            tokens.append(Tok(value, "word", index, index, spaced))
        elif group == "ellipsis":
            tokens.append(Tok("…", "punct", index, index, spaced))
        else:
            tokens.append(Tok(value, "punct", index, index, spaced))
    return tokens


def merge(tokens: Sequence[Tok], text: str, kind: Kind = "word") -> Tok:
    """One token standing for ``tokens`` (their whole source range)."""
    first = min(t.first for t in tokens)
    last = max(t.last for t in tokens)
    return Tok(text, kind, first, last, tokens[0].space_before)


def _capitalize(text: str) -> str:
    for i, char in enumerate(text):
        if char.isalpha():
            return text[:i] + char.upper() + text[i + 1 :]
        if char.isdigit():
            return text
    return text


def capitalize_sentences(tokens: list[Tok]) -> list[Tok]:
    """Capitalise the first word of the text, of each line and after ``. ? ! …``."""
    out: list[Tok] = []
    pending = True
    for tok in tokens:
        if tok.kind == "word":
            out.append(replace(tok, text=_capitalize(tok.text)) if pending else tok)
            pending = False
            continue
        if tok.kind == "break" or tok.text in SENTENCE_END:
            pending = True
        out.append(tok)
    return out


def _spacing(tok: Tok) -> tuple[bool, bool]:
    """(space before, space after) of a token; unknown symbols keep the source's spacing."""
    if tok.kind in ("word", "break"):
        return (True, True)
    if tok.kind == "mark" and tok.text == "-":
        return (True, True)  # a list dash at a line start
    return _SPACING.get(tok.text, (tok.space_before, tok.space_before))


def _separator(previous: Tok | None, tok: Tok, line_start: bool) -> str:
    if previous is None or line_start or tok.kind == "break":
        return ""
    after = _spacing(previous)[1]
    if previous.kind != "word" and previous.text not in _SPACING:
        after = tok.space_before  # what followed the unknown symbol in the source
    return " " if after and _spacing(tok)[0] else ""


def render_parts(tokens: Sequence[Tok]) -> list[tuple[str, Tok]]:
    """Each token with the separator that precedes it in the rendered text."""
    parts: list[tuple[str, Tok]] = []
    previous: Tok | None = None
    line_start = True
    for tok in tokens:
        text = "-" if tok.text == HYPHEN else tok.text
        parts.append((_separator(previous, tok, line_start), replace(tok, text=text)))
        previous = tok
        line_start = tok.kind == "break"
    return parts


def render(tokens: Sequence[Tok]) -> str:
    """The text of ``tokens`` with French spacing; no spaces at line ends."""
    text = "".join(sep + tok.text for sep, tok in render_parts(tokens))
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()
