"""Text normalisation with offset tracking.

Every profile applies the *default folds*, because a French keyboard cannot reasonably type the
displayed form: Unicode NFC, typographic apostrophes to ``'``, non-breaking spaces to spaces,
« » spacing, ``…`` to ``...``, CRLF/CR to LF, typographic double quotes to ``"`` and trailing
spaces at line ends removed. Further tolerances are options named in the profile.

The normalised text keeps a map back to the original, so an error found on the normalised text
is reported at its place in what the person actually typed (a UI highlights that).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import filterfalse

__all__ = [
    "NormalizationProfile",
    "NormalizedText",
    "normalize",
    "strip_accents",
]

# Characters folded one-for-one in every profile (same length, so offsets are unchanged).
_DEFAULT_TRANSLATION = {
    ord("\u2019"): "'",  # ’ right single quotation mark (French apostrophe)
    ord("\u2018"): "'",  # ‘
    ord("\u02bc"): "'",  # ʼ modifier letter apostrophe
    ord("\u201b"): "'",  # ‛
    ord("\u2032"): "'",  # ′ prime, produced by some autocorrect
    ord("\u00a0"): " ",  # no-break space (before ; : ! ? in French typography)
    ord("\u202f"): " ",  # narrow no-break space
    ord("\u2009"): " ",  # thin space
    ord("\u2007"): " ",  # figure space
    ord("\u200a"): " ",  # hair space
    ord("\t"): " ",
    ord("\u201c"): '"',  # “
    ord("\u201d"): '"',  # ”
    ord("\u201e"): '"',  # „
}

_DASH_TRANSLATION = {
    ord("\u2010"): "-",  # hyphen
    ord("\u2011"): "-",  # non-breaking hyphen
    ord("\u2012"): "-",  # figure dash
    ord("\u2013"): "-",  # en dash
    ord("\u2014"): "-",  # em dash
    ord("\u2212"): "-",  # minus sign
}

_PUNCTUATION_CHARS = frozenset(".,;:!?'\"«»()[]{}-–—…/\\*_")


@lru_cache(maxsize=4096)
def strip_accents(text: str) -> str:
    """Remove diacritics (accents, cédille, tréma) but keep letters: ``Ça été`` → ``Ca ete``.

    Cached: scoring calls it on words, and a language has few of them.
    """
    if text.isascii():
        return text
    return "".join(filterfalse(unicodedata.combining, unicodedata.normalize("NFD", text)))


@lru_cache(maxsize=1)
def _capital_accent_translation() -> dict[int, str]:
    """É→E, À→A, Ç→C…: capitals whose accented form is hard to type on an AZERTY keyboard."""
    table: dict[int, str] = {}
    for code in range(0xC0, 0x250):
        ch = chr(code)
        if ch.isupper():
            base = strip_accents(ch)
            if len(base) == 1 and base != ch:
                table[code] = base
    return table


@dataclass(frozen=True, slots=True)
class NormalizationProfile:
    """A named set of tolerances applied to both reference and typed text before comparison.

    Attributes:
        name: Identifier used in profiles and stored in result records.
        description: One sentence, in French, shown to trainers.
        fold_ligatures: Treat ``œ``/``æ`` as ``oe``/``ae``.
        fold_capital_accents: Treat accented capitals as plain ones (``É`` ↔ ``E``).
        fold_guillemets: Treat « » as ``"`` (AZERTY has no « » key), inner spaces dropped.
        fold_dashes: Treat en/em dashes and minus signs as ``-``.
        ignore_case: Compare case-insensitively.
        ignore_punctuation: Drop punctuation (apostrophes and hyphens become spaces).
        collapse_whitespace: Turn every run of whitespace, newlines included, into one space.
    """

    name: str
    description: str = ""
    fold_ligatures: bool = False
    fold_capital_accents: bool = False
    fold_guillemets: bool = False
    fold_dashes: bool = False
    ignore_case: bool = False
    ignore_punctuation: bool = False
    collapse_whitespace: bool = False

    def translation(self) -> dict[int, str]:
        """The one-for-one character folds of this profile."""
        return _translation_for(
            self.fold_capital_accents, self.fold_dashes or self.ignore_punctuation
        )

    def pattern(self, text: str) -> re.Pattern[str] | None:
        """The length-changing folds of this profile that ``text`` needs, as one regular
        expression; ``None`` when it needs none.

        Cheap ``in`` tests leave out the alternatives that cannot match: a regex alternation
        tried at every space of a long text costs more than the rest of the scoring.
        """
        crlf = "\r" in text
        ellipsis = "…" in text
        ligatures = self.fold_ligatures and _has_ligature(text)
        guillemets = "«" in text or "»" in text
        trailing = " \n" in text or " \r" in text or text.endswith(" ")
        if not self.ignore_punctuation and not self.collapse_whitespace:
            if not (crlf or ellipsis or ligatures or guillemets or trailing):
                return None
            return _pattern_for(ligatures, guillemets, False, False, crlf, ellipsis, trailing)
        return _pattern_for(
            ligatures, True, self.ignore_punctuation, self.collapse_whitespace, True, True, True
        )


@lru_cache(maxsize=8)
def _translation_for(fold_capital_accents: bool, fold_dashes: bool) -> dict[int, str]:
    table = dict(_DEFAULT_TRANSLATION)
    if fold_dashes:
        table.update(_DASH_TRANSLATION)
    if fold_capital_accents:
        table.update(_capital_accent_translation())
    return table


# Each alternative is a named group; _replacement() decides what it becomes.
@lru_cache(maxsize=64)
def _pattern_for(
    ligatures: bool,
    guillemets: bool,
    ignore_punctuation: bool,
    collapse: bool,
    crlf: bool,
    ellipsis: bool,
    trailing: bool,
) -> re.Pattern[str]:
    parts: list[str] = []
    if crlf and not collapse:  # when collapsing, CR and LF are whitespace like any other
        parts.append(r"(?P<crlf>\r\n?)")
    if ellipsis and not ignore_punctuation:
        parts.append(r"(?P<ellipsis>…)")
    if ligatures:
        parts.append(r"(?P<lig>[œŒæÆ])")
    if ignore_punctuation:
        # Spaces around a removed mark go with it, so no double space is left behind.
        parts.append(r"(?P<elision>\s*['\-]\s*)")
        parts.append(r"(?P<punct>\s*[.,;:!?\"«»()\[\]{}/\\*_…–—]+)")
    elif guillemets:
        # « » spacing is folded in every profile; whether they become " is decided later.
        parts.append(r"(?P<gopen>«[ ]*)")
        parts.append(r"(?P<gclose>[ ]*»)")
    # Whitespace last: punctuation removal above takes the spaces in front of a mark with it.
    if collapse:
        parts.append(r"(?P<ws>\s+)")
    elif trailing:
        parts.append(r"(?P<trail>[ ]+(?=\r|\n|\Z))")
    return re.compile("|".join(parts))


@lru_cache(maxsize=32)
def _rare_start_pattern(
    ligatures: bool, guillemets: bool, crlf: bool, ellipsis: bool, trailing: bool
) -> re.Pattern[str]:
    """``_pattern_for`` without collapsing or punctuation removal, rewritten so that every
    alternative starts with a rare character: the spaces in front of a « » » and at a line's
    end are found by looking back from it (``_fold_matches``) instead of trying two
    alternatives at every space of the text (a third of the time of a 2 MB comparison)."""
    parts: list[str] = []
    if crlf:
        parts.append(r"(?P<crlf>\r\n?)")
    if ellipsis:
        parts.append(r"(?P<ellipsis>…)")
    if ligatures:
        parts.append(r"(?P<lig>[œŒæÆ])")
    if guillemets:
        parts.append(r"(?P<gopen>«[ ]*)")
        parts.append(r"(?P<gclose>»)")
    if trailing:
        parts.append(r"(?P<eol>\n)")
    return re.compile("|".join(parts))


FoldMatch = tuple[int, int, str, str]  # start, end, kind (the named group), matched text


def _fold_matches(text: str, profile: NormalizationProfile) -> Iterator[FoldMatch]:
    """The matches of ``profile.pattern(text)`` in ``text``, in order, found faster."""
    if profile.ignore_punctuation or profile.collapse_whitespace:
        pattern = profile.pattern(text)
        if pattern is not None:
            for match in pattern.finditer(text):
                start, end = match.span()
                yield start, end, match.lastgroup or "", match.group()
        return
    crlf = "\r" in text
    ellipsis = "…" in text
    ligatures = profile.fold_ligatures and _has_ligature(text)
    guillemets = "«" in text or "»" in text
    trailing = " \n" in text or " \r" in text or text.endswith(" ")
    if not (crlf or ellipsis or ligatures or guillemets or trailing):
        return
    pattern = _rare_start_pattern(ligatures, guillemets, crlf, ellipsis, trailing)
    matched_to = 0  # nothing before this is matched again
    for match in pattern.finditer(text):
        start, end = match.span()
        kind = match.lastgroup or ""
        spaces = start  # the run of spaces just before the match (not already matched)
        while spaces > matched_to and text[spaces - 1] == " ":
            spaces -= 1
        if kind == "gclose":  # « [ ]*» »: the spaces before it go with it
            yield spaces, end, kind, text[spaces:end]
        elif kind in ("eol", "crlf"):
            if trailing and spaces < start:  # « [ ]+(?=\r|\n|\Z) »
                yield spaces, start, "trail", text[spaces:start]
            if kind == "eol":  # the line break itself stays
                matched_to = start
                continue
            yield start, end, kind, match.group()
        else:
            yield start, end, kind, match.group()
        matched_to = end
    if trailing:
        spaces = len(text)
        while spaces > matched_to and text[spaces - 1] == " ":
            spaces -= 1
        if spaces < len(text):
            yield spaces, len(text), "trail", text[spaces:]


def _has_ligature(text: str) -> bool:
    """Whether ``text`` holds œ, Œ, æ or Æ: four substring searches over a page of typing take
    0.1 µs, one regular-expression search 5 µs."""
    return "œ" in text or "Œ" in text or "æ" in text or "Æ" in text


_LIGATURES = {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"}


def _replacement(kind: str, matched: str, profile: NormalizationProfile) -> str:
    if kind == "crlf":
        return " " if profile.collapse_whitespace else "\n"
    if kind == "ellipsis":
        return "" if profile.ignore_punctuation else "..."
    if kind == "ws":
        return " "
    if kind == "trail":
        return ""
    if kind == "lig":
        return _LIGATURES[matched]
    if kind == "elision":
        return " "
    if kind == "punct":
        return ""
    if kind == "gopen":
        return '"' if profile.fold_guillemets else "« "
    if kind == "gclose":
        return '"' if profile.fold_guillemets else " »"
    raise AssertionError(kind)  # pragma: no cover - every group is handled above


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """A normalised text and the way back to offsets in the original.

    Attributes:
        original: The text as given.
        text: The normalised text that is compared.
        breaks: Positions in ``text`` where a replaced segment starts, ascending.
        sources: For each break, ``(start, end, replacement_length)`` in the original text.
        nfc_map: When the original was not NFC, the original offset of each NFC character
            (plus one past the end); empty when the original was already NFC.
    """

    original: str
    text: str
    breaks: tuple[int, ...] = ()
    sources: tuple[tuple[int, int, int], ...] = ()
    nfc_map: tuple[int, ...] = ()

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a ``[start, end)`` span of the normalised text to the original text.

        A span touching a replaced segment takes the whole source segment. One function, no
        helper calls: scoring maps two spans per error."""
        breaks = self.breaks
        if breaks:
            i = bisect_right(breaks, start) - 1
            if i < 0:
                orig_start = start
            else:
                src_start, src_end, rep_len = self.sources[i]
                inside = start - breaks[i]
                orig_start = src_start if inside < rep_len else src_end + inside - rep_len
            if start == end:
                orig_end = orig_start
            else:
                i = bisect_right(breaks, end - 1) - 1
                if i < 0:
                    orig_end = end
                else:
                    _, src_end, rep_len = self.sources[i]
                    inside = end - breaks[i]
                    orig_end = src_end if inside <= rep_len else src_end + inside - rep_len
        else:
            orig_start, orig_end = start, end
        nfc_map = self.nfc_map
        if nfc_map:
            return nfc_map[orig_start], nfc_map[orig_end]
        return orig_start, orig_end


def _nfc_with_map(text: str) -> tuple[str, tuple[int, ...]]:
    """NFC-normalise, recording for each output character the original offset it starts at.

    Decomposed accents come from dead keys on some terminals; they are rare, so this slow path
    runs only when the text is not already NFC.
    """
    out: list[str] = []
    offsets: list[int] = []
    cluster_start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or not unicodedata.combining(text[i]):
            composed = unicodedata.normalize("NFC", text[cluster_start:i])
            out.append(composed)
            offsets.extend([cluster_start] * len(composed))
            cluster_start = i
    offsets.append(len(text))
    return "".join(out), tuple(offsets)


@lru_cache(maxsize=8)
def _fold_pattern(table_key: tuple[bool, bool]) -> re.Pattern[str]:
    table = _translation_for(*table_key)
    return re.compile("[" + re.escape("".join(chr(code) for code in table)) + "]")


def _fold_characters(text: str, profile: NormalizationProfile) -> str:
    """The one-for-one folds; a regex pass costs per match, and matches are rare."""
    key = (profile.fold_capital_accents, profile.fold_dashes or profile.ignore_punctuation)
    table = _translation_for(*key)
    return _fold_pattern(key).sub(lambda match: table[ord(match.group())], text)


def normalize(text: str, profile: NormalizationProfile) -> NormalizedText:
    """Apply the default folds and the profile's options to ``text``."""
    nfc_map: tuple[int, ...] = ()
    source = text
    if not unicodedata.is_normalized("NFC", source):
        source, nfc_map = _nfc_with_map(source)
    folded = _fold_characters(source, profile)
    if profile.ignore_case:
        lowered = folded.lower()
        # str.lower() changes the length for a few characters (İ); keep offsets exact then.
        folded = (
            lowered
            if len(lowered) == len(folded)
            else "".join(c.lower() if len(c.lower()) == 1 else c for c in folded)
        )
    pieces: list[str] = []
    breaks: list[int] = []
    sources: list[tuple[int, int, int]] = []
    position = 0
    out_length = 0
    for start, end, kind, matched in _fold_matches(folded, profile):
        if start > position:
            pieces.append(folded[position:start])
            out_length += start - position
        replacement = _replacement(kind, matched, profile)
        breaks.append(out_length)
        sources.append((start, end, len(replacement)))
        pieces.append(replacement)
        out_length += len(replacement)
        position = end
    if not breaks:
        return NormalizedText(text, folded, nfc_map=nfc_map)
    pieces.append(folded[position:])
    normalized = "".join(pieces)
    if profile.collapse_whitespace:
        # Leading/trailing space from collapsing: strip, shifting the map by what was removed.
        stripped = normalized.strip(" ")
        lead = len(normalized) - len(normalized.lstrip(" "))
        if lead or len(stripped) != len(normalized):
            return _strip_collapsed(text, normalized, stripped, lead, breaks, sources, nfc_map)
    return NormalizedText(text, normalized, tuple(breaks), tuple(sources), nfc_map)


def _strip_collapsed(
    original: str,
    normalized: str,
    stripped: str,
    lead: int,
    breaks: list[int],
    sources: list[tuple[int, int, int]],
    nfc_map: tuple[int, ...],
) -> NormalizedText:
    new_breaks: list[int] = []
    new_sources: list[tuple[int, int, int]] = []
    for brk, (src_start, src_end, rep_len) in zip(breaks, sources, strict=True):
        start = brk - lead
        if start < 0:
            # The leading space became nothing: the segment now has length 0 at position 0.
            new_breaks.append(0)
            new_sources.append((src_start, src_end, 0))
            continue
        if start >= len(stripped):
            new_breaks.append(len(stripped))
            new_sources.append((src_start, src_end, 0))
            continue
        new_breaks.append(start)
        new_sources.append((src_start, src_end, rep_len))
    return NormalizedText(original, stripped, tuple(new_breaks), tuple(new_sources), nfc_map)


def is_punctuation(token: str) -> bool:
    """True when a token is made only of punctuation marks (``:``, ``»``, ``...``)."""
    return bool(token) and all(ch in _PUNCTUATION_CHARS for ch in token)


def strip_punctuation(token: str) -> str:
    """The token without its punctuation marks."""
    return token.translate(_PUNCTUATION_DELETION)


_PUNCTUATION_DELETION: dict[int, None] = dict.fromkeys(map(ord, _PUNCTUATION_CHARS))
