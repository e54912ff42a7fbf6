"""The dictated-punctuation pass: « virgule », « point à la ligne »… turned into marks.

Doctors dictate punctuation and layout aloud; Whisper writes those words *and* adds its own
punctuation around them (« minute, poin. On note »). This pass turns the spoken commands into
marks, lets a dictated mark replace Whisper's neighbouring ones (no « ,, » or « ., »), joins
spelled names (« j'épelle M A R C H A L »), capitalises sentence starts and applies French
spacing (a normal space before ``; : ? !``).

Rules for « point », which is also a noun:

* ``point à la ligne``, ``point d'interrogation``, ``point-virgule``… are matched first (the
  longest command wins);
* « point » is a noun after a determiner or « à »/« au » (« le point », « à point », « mise au
  point »), or when a lowercase « de », « d'… », « du » or « par » follows with no punctuation
  between (« point de vue », « point d'appui », « point par point »);
* otherwise it is a full stop. Whisper's misspelling « poin » is always a full stop.

« tiret » at a line start is a list dash (``- ``); inside a line it joins its neighbours with a
hyphen, like « trait d'union ». Spelled letters after « j'épelle » (and its usual
misrecognitions « G-Pel », « et Pelle », « j'appelle ») replace the spoken name just before when
it is close to it (« Marc-Al j'épelle M A R C H A L » → ``Marchal``); three or more capital
letters in a row without the command are joined as an acronym (``M, A, R`` → ``MAR``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Literal

from rapidfuzz import fuzz

from frappe.asr._tokens import (
    BREAK,
    HYPHEN,
    Tok,
    capitalize_sentences,
    fold,
    merge,
    render,
    render_parts,
    tokenize,
)
from frappe.asr.numbers import DateStyle, normalise_number_tokens, normalise_numbers
from frappe.asr.transcribe import DraftWord

__all__ = [
    "SpelledCase",
    "apply_dictated_punctuation",
    "apply_dictated_punctuation_words",
    "normalise_numbers",
    "postprocess_draft",
    "postprocess_words",
]

SpelledCase = Literal["title", "upper"]

# Marks Whisper adds that a dictated mark replaces.
_ABSORBED = frozenset({",", ".", ";", ":", "…"})
_SENTENCE_MARKS = frozenset({".", "?", "!", "…"})
_DROPPABLE = frozenset({",", ".", ";", ":", "…", "?", "!"})
_OPENERS = frozenset({"(", "«", "-"})
_NOT_AT_LINE_START = frozenset({",", ".", ";", ":", "…"})

_Out = tuple[tuple[Literal["mark", "break"], str], ...]
_SPELL = "\x00spell"
_TIRET = "\x00tiret"


def _pieces(text: str) -> list[str]:
    """Folded words split at hyphens and after apostrophes: ``d'interrogation`` → d' + …"""
    return re.findall(r"[^\s\-']+'?|'", fold(text))


def _commands() -> dict[tuple[str, ...], _Out]:
    table: dict[str, _Out] = {
        "virgule": (("mark", ","),),
        "virgules": (("mark", ","),),
        "point": (("mark", "."),),
        "poin": (("mark", "."),),
        "poing": (("mark", "."),),
        "point final": (("mark", "."),),
        "point à la ligne": (("mark", "."), ("break", BREAK)),
        "poin à la ligne": (("mark", "."), ("break", BREAK)),
        "poing à la ligne": (("mark", "."), ("break", BREAK)),
        "points à la ligne": (("mark", "."), ("break", BREAK)),
        "point retour à la ligne": (("mark", "."), ("break", BREAK)),
        "point nouveau paragraphe": (("mark", "."), ("break", BREAK * 2)),
        "à la ligne": (("break", BREAK),),
        "retour à la ligne": (("break", BREAK),),
        "retour ligne": (("break", BREAK),),
        "nouveau paragraphe": (("break", BREAK * 2),),
        "nouvel alinéa": (("break", BREAK * 2),),
        "sauter une ligne": (("break", BREAK * 2),),
        "point-virgule": (("mark", ";"),),
        "points-virgules": (("mark", ";"),),
        "deux points": (("mark", ":"),),
        "deux point": (("mark", ":"),),
        "2 points": (("mark", ":"),),
        "2 point": (("mark", ":"),),
        "point d'interrogation": (("mark", "?"),),
        "point d'exclamation": (("mark", "!"),),
        "points de suspension": (("mark", "…"),),
        "point de suspension": (("mark", "…"),),
        "tiret": (("mark", _TIRET),),
        "trait d'union": (("mark", HYPHEN),),
    }
    for verb, mark in (("ouvrez ouvrir ouvre", "("), ("fermez fermer ferme", ")")):
        for v in verb.split():
            for article in ("la ", "les ", "une ", ""):
                for noun in ("parenthèse", "parenthèses"):
                    table[f"{v} {article}{noun}"] = (("mark", mark),)
    for verb, mark in (("ouvrez ouvrir ouvre", "«"), ("fermez fermer ferme", "»")):
        for v in verb.split():
            for article in ("les ", "le ", ""):
                for noun in ("guillemets", "guillemet"):
                    table[f"{v} {article}{noun}"] = (("mark", mark),)
    table["parenthèse ouvrante"] = (("mark", "("),)
    table["parenthèse fermante"] = (("mark", ")"),)
    table["guillemets ouvrants"] = (("mark", "«"),)
    table["guillemets fermants"] = (("mark", "»"),)
    for spell in ("j'épelle", "j'épèle", "je épelle", "j'appelle", "g-pel", "gpel", "et pelle"):
        table[spell] = (("mark", _SPELL),)
    for spell in ("épelle", "pelle", "g pel", "g-pelle", "jpel", "j'pel"):
        table[spell] = (("mark", _SPELL),)
    return {tuple(_pieces(phrase)): out for phrase, out in table.items()}


_COMMANDS = _commands()
_MAX_COMMAND = max(len(k) for k in _COMMANDS)
# « point » is a noun after these words.
_NOUN_BEFORE = frozenset(
    """
    a au le un ce du quel chaque mon ton son notre votre leur premier dernier seul meme bon
    mauvais petit gros tout par""".split()
)
_NOUN_AFTER = frozenset({"de", "du", "par", "d'"})
_GLUED_SPELL = re.compile(r"^(.+?)-(?:g-?pel+e?s?|j'?e?pel+e?s?)$")
_ACCENTS = {
    "aigu": "\u0301",
    "grave": "\u0300",
    "circonflexe": "\u0302",
    "trema": "\u0308",
    "cedille": "\u0327",
}
_SPELLED_NAME_SIMILARITY = 55.0
_FUNCTION_WORDS = frozenset(
    """
    a au aux avec ce cette ces dans de des du elle elles en et il ils je la le les leur mais
    nous on ou par pour puis qui que sa sans se ses son sur un une vous
    """.split()
)


# --- command matching -------------------------------------------------------------------------


def _split_glued_spell(tokens: Iterable[Tok]) -> list[Tok]:
    """``Dumoulin-G-Pel`` → ``Dumoulin`` + ``G-Pel`` (Whisper glues the command to the name)."""
    out: list[Tok] = []
    for tok in tokens:
        match = _GLUED_SPELL.match(tok.key) if tok.kind == "word" else None
        if match is None:
            out.append(tok)
            continue
        cut = len(match.group(1))
        out.append(replace(tok, text=tok.text[:cut]))
        out.append(replace(tok, text=tok.text[cut + 1 :], space_before=True))
    return out


def _match_command(tokens: Sequence[Tok], i: int) -> tuple[_Out, int] | None:
    """The longest command starting at word token ``i`` (Whisper's punctuation between the
    words of a command is skipped) and the index after it."""
    pieces: list[str] = []
    best: tuple[_Out, int] | None = None
    j = i
    while j < len(tokens) and len(pieces) < _MAX_COMMAND:
        tok = tokens[j]
        if tok.kind == "punct" and tok.text in _ABSORBED and j > i:
            j += 1
            continue
        if tok.kind != "word":
            break
        pieces.extend(_pieces(tok.text))
        j += 1
        found = _COMMANDS.get(tuple(pieces))
        if found is not None:
            best = (found, j)
    return best


def _previous_word(out: Sequence[Tok]) -> Tok | None:
    return out[-1] if out and out[-1].kind == "word" else None


def _point_is_noun(tokens: Sequence[Tok], i: int, end: int, out: Sequence[Tok]) -> bool:
    if not tokens[i].key.startswith(("point", "poing")):
        return False
    before = _previous_word(out)
    if before is not None and before.key in _NOUN_BEFORE:
        return True  # « mise au point », even before « virgule » or « à la ligne »
    if end != i + 1:
        return False
    if end < len(tokens) and tokens[end].kind == "word":
        after = tokens[end]
        first = _pieces(after.text)[0] if _pieces(after.text) else ""
        return after.text[:1].islower() and first in _NOUN_AFTER
    return False


def _deux_points_is_noun(tokens: Sequence[Tok], end: int) -> bool:
    """« deux points de suture »: a count, not a colon."""
    return end < len(tokens) and tokens[end].kind == "word" and tokens[end].key in ("de", "d'")


# --- spelled names ----------------------------------------------------------------------------


def _letter_run(tokens: Sequence[Tok], i: int) -> tuple[list[str], int, bool] | None:
    """Spelled letters from token ``i``: (letters, index after the last one, all capitals)."""
    letters: list[str] = []
    capitals = True
    end = i
    j = i
    while j < len(tokens):
        tok = tokens[j]
        if tok.kind == "punct" and tok.text in ",.-":
            j += 1
            continue
        if tok.kind != "word":
            break
        key = tok.key
        parts = tok.text.split("-")
        if all(len(p) == 1 and p.isalpha() for p in parts):
            letters.extend(parts)
            capitals = capitals and all(p.isupper() for p in parts)
        elif key == "accent" and letters and j + 1 < len(tokens):
            mark = _ACCENTS.get(tokens[j + 1].key)
            if mark is None:
                break
            letters[-1] = unicodedata.normalize("NFC", letters[-1] + mark)
            j += 1
        elif key in ("trema", "cedille") and letters:
            letters[-1] = unicodedata.normalize("NFC", letters[-1] + _ACCENTS[key])
        elif key == "trait" and j + 1 < len(tokens) and tokens[j + 1].key == "d'union":
            letters.append("-")
            j += 1
        elif key == "apostrophe" and letters:
            letters.append("'")
        else:
            break
        j += 1
        end = j
    if sum(1 for c in letters if c.isalpha()) < 2:
        return None
    return letters, end, capitals


def _title(name: str) -> str:
    return re.sub(r"(^|[-'\s])(\w)", lambda m: m.group(1) + m.group(2).upper(), name.lower())


def _replace_spoken_name(out: list[Tok], name: str) -> list[Tok]:
    """Remove the spoken form of ``name`` from the end of ``out``; return the removed tokens.

    The spoken name is the end of the last one or two words (« Lucie-Marc Al » → « Marc Al »)
    closest to the spelled name, if close enough; the rest of those words stays.
    """
    while out and out[-1].kind == "punct" and out[-1].text in _ABSORBED:
        out.pop()
    words: list[Tok] = []
    for tok in reversed(out[-2:]):
        if tok.kind != "word":
            break
        words.insert(0, tok)
    if not words:
        return []
    target = re.sub(r"[^a-z]", "", fold(name))
    pieces = [(w, k, piece) for w in words for k, piece in enumerate(w.text.split("-"))]
    best_score, best_cut = 0.0, -1
    for cut in range(len(pieces)):
        candidate = re.sub(r"[^a-z]", "", fold("".join(p for _, _, p in pieces[cut:])))
        score = fuzz.ratio(candidate, target) if candidate else 0.0
        if score > best_score:
            best_score, best_cut = score, cut
    if best_score < _SPELLED_NAME_SIMILARITY:
        return []
    cut_word, cut_piece, _ = pieces[best_cut]
    removed = words[words.index(cut_word) :]
    del out[len(out) - len(removed) :]
    if cut_piece > 0:
        kept = "-".join(cut_word.text.split("-")[:cut_piece])
        out.append(replace(cut_word, text=kept))
    return removed


def _spelled(
    out: list[Tok], command: Sequence[Tok], tokens: Sequence[Tok], j: int, case: SpelledCase
) -> int | None:
    """Handle « j'épelle » + letters; return the index after them, None if no letters follow."""
    run = _letter_run(tokens, j)
    if run is None:
        return None
    letters, end, _ = run
    name = "".join(letters)
    name = _title(name) if case == "title" else name.upper()
    spoken = _replace_spoken_name(out, name)
    out.append(merge([*spoken, *command, *tokens[j:end]], name))
    return end


# --- the pass ---------------------------------------------------------------------------------


def _absorb_before(out: list[Tok], marks: _Out) -> None:
    sentence = any(text in _SENTENCE_MARKS for _, text in marks)
    while out and out[-1].kind == "punct":
        text = out[-1].text
        if text in _ABSORBED or (sentence and text in ("?", "!")):
            out.pop()
        else:
            break


def _mid_sentence(out: Sequence[Tok]) -> bool:
    return bool(out) and out[-1].kind != "break" and out[-1].text not in _SENTENCE_MARKS


def _lowercase_function_word(tok: Tok) -> Tok:
    """Whisper capitalises after its own full stop; once that stop is gone (replaced by a
    dictated comma, or dropped), a capitalised function word is lowercased again."""
    if tok.text[:1].isupper() and not tok.text.isupper() and tok.key in _FUNCTION_WORDS:
        return replace(tok, text=tok.text[:1].lower() + tok.text[1:])
    return tok


def _emit(out: list[Tok], marks: _Out, source: Sequence[Tok]) -> None:
    for kind, text in marks:
        if kind == "break":
            newlines = len(text)
            if out and out[-1].kind == "break":
                newlines = min(2, len(out.pop().text) + newlines)
            out.append(merge(source, BREAK * newlines, "break"))
            continue
        mark = text
        if mark == _TIRET:
            at_line_start = not out or out[-1].kind == "break"
            mark = "-" if at_line_start else HYPHEN
        if mark in _SENTENCE_MARKS and out and out[-1].text in (",", ";", ":"):
            out.pop()  # « virgule point »: the stronger mark wins, never « ,. »
        # After that pop, not before: « point point-virgule point » is one « . », never « .. »
        # (which a second pass would read as the start of an ellipsis).
        if out and out[-1].kind == "mark" and out[-1].text == mark:
            continue  # « virgule virgule » or Whisper's echo: one mark
        if mark in _NOT_AT_LINE_START and (not out or out[-1].kind == "break"):
            continue  # « à la ligne virgule »: a slip, there is nothing to punctuate
        out.append(merge(source, mark, "mark"))


def _dictated_pass(
    tokens: Sequence[Tok], *, keep_asr_punctuation: bool, spelled_case: SpelledCase
) -> list[Tok]:
    tokens = _split_glued_spell(tokens)
    out: list[Tok] = []
    whisper_stop_gone = False  # Whisper's capital after its removed full stop may follow
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.kind == "punct":
            after_mark = out and out[-1].kind in ("mark", "break")
            if (after_mark and tok.text in _ABSORBED) or (
                not keep_asr_punctuation and tok.text in _DROPPABLE
            ):
                whisper_stop_gone = whisper_stop_gone or tok.text in _SENTENCE_MARKS
                i += 1  # Whisper's echo of a dictated mark, or Whisper punctuation not wanted
                continue
            out.append(tok)
            i += 1
            continue
        if tok.kind != "word":
            out.append(tok)
            i += 1
            continue
        match = _match_command(tokens, i)
        if match is not None:
            marks, end = match
            if marks[0][1] == _SPELL:
                after = _spelled(out, tokens[i:end], tokens, end, spelled_case)
                if after is not None:
                    i = after
                    continue
            elif not (
                _point_is_noun(tokens, i, end, out)
                or (marks == (("mark", ":"),) and _deux_points_is_noun(tokens, end))
            ):
                _absorb_before(out, marks)
                _emit(out, marks, tokens[i:end])
                whisper_stop_gone = True
                i = end
                continue
        run = _letter_run(tokens, i)
        if run is not None and run[2] and sum(c.isalpha() for c in run[0]) >= 3:
            letters, end, _ = run
            out.append(merge(tokens[i:end], "".join(letters).upper()))
            i = end
            continue
        if whisper_stop_gone and _mid_sentence(out):
            tok = _lowercase_function_word(tok)
        whisper_stop_gone = False
        out.append(tok)
        i += 1
    return capitalize_sentences(out)


def apply_dictated_punctuation(
    text: str, *, keep_asr_punctuation: bool = True, spelled_case: SpelledCase = "title"
) -> str:
    """Turn dictated punctuation and layout commands of ``text`` into marks (module docstring).

    ``keep_asr_punctuation=False`` drops the punctuation Whisper added on its own (for
    dictations where every mark is said aloud); dictated marks are always kept.
    """
    tokens = tokenize(text)
    return render(
        _dictated_pass(tokens, keep_asr_punctuation=keep_asr_punctuation, spelled_case=spelled_case)
    )


def _abbreviate_titles(tokens: list[Tok]) -> list[Tok]:
    """« docteur Ferrand » → ``Dr Ferrand``, « professeur » → ``Pr``, before a capitalised name."""
    out: list[Tok] = []
    for i, tok in enumerate(tokens):
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if (
            tok.kind == "word"
            and tok.key in ("docteur", "professeur")
            and following is not None
            and following.kind == "word"
            and following.text[:1].isupper()
        ):
            out.append(replace(tok, text="Dr" if tok.key == "docteur" else "Pr"))
        else:
            out.append(tok)
    return out


def _postprocess_tokens(
    tokens: list[Tok],
    *,
    keep_asr_punctuation: bool,
    spelled_case: SpelledCase,
    date_style: DateStyle,
) -> list[Tok]:
    tokens = normalise_number_tokens(tokens, date_style=date_style)
    tokens = _dictated_pass(
        tokens, keep_asr_punctuation=keep_asr_punctuation, spelled_case=spelled_case
    )
    return _abbreviate_titles(tokens)


def postprocess_draft(
    text: str,
    *,
    keep_asr_punctuation: bool = True,
    spelled_case: SpelledCase = "title",
    date_style: DateStyle = "numeric",
) -> str:
    """Numbers first (so « trente-sept virgule cinq » is ``37,5``, not a comma), then dictated
    punctuation, then ``Dr``/``Pr`` before names: the text written to ``draft.txt``."""
    tokens = _postprocess_tokens(
        tokenize(text),
        keep_asr_punctuation=keep_asr_punctuation,
        spelled_case=spelled_case,
        date_style=date_style,
    )
    return render(tokens)


def _words_from_tokens(tokens: Sequence[Tok], words: Sequence[DraftWord]) -> tuple[DraftWord, ...]:
    """Group rendered tokens into timed words: closing marks and line breaks stick to the word
    before, opening marks to the word after, as Whisper attaches its own punctuation."""
    groups: list[list[tuple[str, Tok]]] = []
    after_break = False
    for sep, tok in render_parts(tokens):
        opener = tok.kind != "word" and tok.text in _OPENERS
        last_is_opener = bool(groups) and all(t.text in _OPENERS for _, t in groups[-1])
        if groups and last_is_opener:
            groups[-1].append((sep, tok))
        elif not groups or after_break or ((tok.kind == "word" or opener) and sep):
            groups.append([("", tok)])
        else:
            groups[-1].append((sep, tok))
        after_break = tok.kind == "break"
    result: list[DraftWord] = []
    for group in groups:
        members = [tok for _, tok in group]
        sources = [t for t in members if t.kind == "word"] or members
        first = max(0, min(t.first for t in sources))
        last = min(len(words) - 1, max(t.last for t in sources))
        span = words[first : last + 1]
        result.append(
            DraftWord(
                "".join(sep + tok.text for sep, tok in group),
                span[0].start_s,
                span[-1].end_s,
                min(w.probability for w in span),
            )
        )
    return tuple(result)


def _word_tokens(words: Sequence[DraftWord]) -> list[Tok]:
    return [tok for index, word in enumerate(words) for tok in tokenize(word.text, index)]


def apply_dictated_punctuation_words(
    words: Sequence[DraftWord],
    *,
    keep_asr_punctuation: bool = True,
    spelled_case: SpelledCase = "title",
) -> tuple[DraftWord, ...]:
    """:func:`apply_dictated_punctuation` on timed words: each output word spans the source
    words it came from (a spelled name covers the name, « j'épelle » and every letter)."""
    if not words:
        return ()
    tokens = _dictated_pass(
        _word_tokens(words), keep_asr_punctuation=keep_asr_punctuation, spelled_case=spelled_case
    )
    return _words_from_tokens(tokens, words)


def postprocess_words(
    words: Sequence[DraftWord],
    *,
    keep_asr_punctuation: bool = True,
    spelled_case: SpelledCase = "title",
    date_style: DateStyle = "numeric",
) -> tuple[DraftWord, ...]:
    """:func:`postprocess_draft` on timed words."""
    if not words:
        return ()
    tokens = _postprocess_tokens(
        _word_tokens(words),
        keep_asr_punctuation=keep_asr_punctuation,
        spelled_case=spelled_case,
        date_style=date_style,
    )
    return _words_from_tokens(tokens, words)
