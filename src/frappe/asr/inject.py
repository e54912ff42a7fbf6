"""Make a realistic speech-recognition draft from a reference by injecting recognition errors.

For "correct the voice-recognition draft" exercises when no model draft exists. The errors are
the ones trainees must learn to catch: French homophones (a/à, et/est, ces/ses, -er/-é…),
words split or merged, a medical term heard as near-sounding common words, punctuation dropped,
numbers misheard. The same reference and seed always give the same draft, and every injected
error is listed with its span in the reference and in the draft, so the exercise can be scored.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from frappe.asr._tokens import fold

__all__ = ["ERROR_KINDS", "ErrorKind", "InjectedDraft", "InjectedError", "inject_errors"]

ErrorKind = Literal["homophone", "split", "merge", "term", "punctuation", "number"]
ERROR_KINDS: tuple[ErrorKind, ...] = (
    "homophone",
    "split",
    "merge",
    "term",
    "punctuation",
    "number",
)
# How often each kind is drawn, relative to the others (homophones dominate real drafts).
_WEIGHTS: dict[ErrorKind, int] = {
    "homophone": 4,
    "term": 3,
    "punctuation": 2,
    "number": 2,
    "split": 1,
    "merge": 1,
}

_HOMOPHONES: dict[str, tuple[str, ...]] = {}
for _group in (
    ("a", "à"),
    ("et", "est"),
    ("ces", "ses"),
    ("son", "sont"),
    ("ou", "où"),
    ("c'est", "s'est"),
    ("leur", "leurs"),
    ("on", "ont"),
    ("la", "là"),
    ("peu", "peut"),
    ("ce", "se"),
    ("sa", "ça"),
    ("cet", "cette"),
    ("quand", "quant"),
    ("mes", "mais"),
    ("du", "dû"),
    ("sur", "sûr"),
    ("voie", "voix"),
    ("cours", "court"),
    ("tant", "temps"),
):
    for _word in _group:
        _HOMOPHONES[_word] = tuple(w for w in _group if w != _word)

# Medical terms and what a recogniser makes of them: near-sounding everyday words.
_TERM_MISHEARINGS: dict[str, str] = {
    "dyspnée": "dispnée",
    "œdème": "aide aime",
    "œdèmes": "des dèmes",
    "crépitants": "décrépitants",
    "godet": "gaudé",
    "fibrillation": "fibre illusion",
    "atriale": "à triale",
    "échographie": "écho graphie",
    "électrocardiogramme": "électro cardio gramme",
    "furosémide": "furet aux semides",
    "apixaban": "appris ça banc",
    "bisoprolol": "biseau prolo",
    "kaliémie": "calie émis",
    "créatininémie": "créatine ni émis",
    "dyslipidémie": "dix lipides émis",
    "hypertension": "hyper tension",
    "diabète": "dia bête",
    "insuffisance": "un suffisance",
    "ventriculaire": "vent triculaire",
    "consœur": "con sœur",
    "anamnèse": "anne amnèse",
    "pneumopathie": "neuro pathie",
    "bronchite": "branchite",
    "angor": "encore",
    "thrombose": "trombone",
    "embolie": "en bolide",
    "hématome": "et ma tome",
    "syncope": "cinq copes",
    "asthénie": "as ténie",
    "anorexie": "anne orexie",
    "ictère": "hic terre",
    "arthrose": "art rose",
    "coxarthrose": "coque sarthrose",
    "gonalgie": "gone algie",
    "lombalgie": "lombe algie",
    "sciatique": "scie attique",
    "paracétamol": "para set amol",
    "amoxicilline": "à moxi cilline",
    "métformine": "mette formine",
    "metformine": "mette formine",
    "lévothyrox": "lève au tirox",
    "glycémie": "glisse émis",
    "hémoglobine": "et mon globine",
    "prothèse": "pro thèse",
    "escarre": "est carre",
    "cholécystectomie": "colle écystectomie",
    "appendicectomie": "appendice ectomie",
    "céphalées": "ses phallées",
    "vertiges": "verre tiges",
    "nausées": "nos zées",
}
_SOUND_ALIKE_SPELLINGS = (
    ("ph", "f"),
    ("y", "i"),
    ("th", "t"),
    ("œ", "é"),
    ("qu", "k"),
    ("ch", "k"),
    ("é", "ai"),
    ("mm", "m"),
    ("ll", "l"),
    ("tion", "ssion"),
)
_SPLIT_PREFIXES = (
    "électro",
    "cardio",
    "gastro",
    "radio",
    "écho",
    "hyper",
    "hypo",
    "anti",
    "inter",
    "intra",
    "para",
    "poly",
    "hémi",
    "néo",
    "péri",
    "micro",
    "bêta",
)
_MERGE_FIRST = frozenset({"de", "la", "le", "en", "au", "un", "du", "se", "ne"})
_ER_NOT_VERBS = frozenset(
    """
    hiver mer fer cher amer hier enfer cancer premier dernier léger entier super laser
    poster cuiller cutter leader starter ulcer""".split()
)
# « sept » and « cette », « cent » and « sans » sound alike; so do these written numbers.
_NUMBER_SOUND_ALIKES: dict[str, str] = {
    "2": "12",
    "12": "2",
    "6": "10",
    "10": "6",
    "3": "13",
    "13": "3",
    "4": "14",
    "14": "4",
    "5": "15",
    "15": "5",
    "16": "6",
    "60": "70",
    "70": "60",
    "80": "90",
    "90": "80",
    "100": "1",
    "deux": "de",
    "cent": "sans",
    "vingt": "vin",
    "sept": "cette",
    "cinq": "saint",
    "six": "si",
    "dix": "dis",
    "mille": "mil",
}

_ELISION = re.compile(r"(?:[cdjlmnst]|qu)['’](?=\w)", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_PUNCT = re.compile(r"[,;:.](?=\s|$)")
_NUMBER = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class InjectedError:
    """One injected error.

    Attributes:
        kind: Error kind (``homophone``, ``split``, ``merge``, ``term``, ``punctuation``,
            ``number``).
        ref_start: Start of the changed text in the reference (character offset).
        ref_end: End of it in the reference.
        draft_start: Start of the replacement in the draft.
        draft_end: End of it in the draft.
        ref_text: The reference text that was replaced.
        draft_text: What the draft has instead (empty for a dropped mark).
    """

    kind: ErrorKind
    ref_start: int
    ref_end: int
    draft_start: int
    draft_end: int
    ref_text: str
    draft_text: str


@dataclass(frozen=True, slots=True)
class InjectedDraft:
    """A draft made from a reference, with its errors in reference order."""

    text: str
    errors: tuple[InjectedError, ...]
    seed: int


@dataclass(frozen=True, slots=True)
class _Edit:
    kind: ErrorKind
    start: int
    end: int
    replacement: str


def _match_case(original: str, replacement: str) -> str:
    if original.isupper() and len(original) > 1:
        return replacement.upper()
    if original[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement


def _homophone(word: str, rng: random.Random) -> str | None:
    lower = word.lower().replace("’", "'")
    if lower in _HOMOPHONES:
        return _match_case(word, rng.choice(_HOMOPHONES[lower]))
    infinitive = len(lower) >= 5 and lower.endswith("er") and not lower.endswith("ier")
    if infinitive and lower not in _ER_NOT_VERBS and "-" not in lower:
        return word[:-2] + "é"
    for ending in ("ées", "és", "ée", "é"):
        if len(lower) >= 6 and lower.endswith(ending) and not lower.endswith("té" + ending[1:]):
            return word[: -len(ending)] + "er"
    return None


def _term(word: str, terms: frozenset[str]) -> str | None:
    lower = word.lower()
    if lower in _TERM_MISHEARINGS and _TERM_MISHEARINGS[lower] != lower:
        return _match_case(word, _TERM_MISHEARINGS[lower])
    if fold(word) not in terms or len(word) < 6:
        return None
    misheard = lower
    for written, heard in _SOUND_ALIKE_SPELLINGS:
        misheard = misheard.replace(written, heard, 1)
    return _match_case(word, misheard) if misheard != lower else None


def _split(word: str) -> str | None:
    if "-" in word:
        return word.replace("-", " ", 1)
    lower = word.lower()
    for prefix in _SPLIT_PREFIXES:
        if lower.startswith(prefix) and len(lower) - len(prefix) >= 4:
            return f"{word[: len(prefix)]} {word[len(prefix) :]}"
    return None


def _number(text: str, rng: random.Random) -> str | None:
    key = text.lower()
    if key in _NUMBER_SOUND_ALIKES:
        return _match_case(text, _NUMBER_SOUND_ALIKES[key])
    groups = list(_NUMBER.finditer(text))
    if not groups:
        return None
    group = rng.choice(groups)
    digits = group.group()
    if digits in _NUMBER_SOUND_ALIKES:
        new = _NUMBER_SOUND_ALIKES[digits]
    elif len(digits) >= 2:
        # The tens are misheard (« cinquante-huit » → « quarante-huit »): change one tens digit.
        position = len(digits) - 2
        tens = int(digits[position])
        new_tens = (tens + rng.choice((1, -1))) % 10
        new = digits[:position] + str(new_tens) + digits[position + 1 :]
    else:
        return None
    return text[: group.start()] + new + text[group.end() :]


def _candidates(reference: str, terms: frozenset[str], rng: random.Random) -> list[_Edit]:
    edits: list[_Edit] = []
    words = list(_WORD.finditer(reference))
    for index, match in enumerate(words):
        word = match.group()
        start, end = match.span()
        # Terms and splits look past an elided article: « l'échographie ».
        elided = _ELISION.match(word)
        head = start + (elided.end() if elided else 0)
        stem = reference[head:end]
        found: list[tuple[ErrorKind, int, str, str | None]] = [
            ("homophone", start, word, _homophone(word, rng)),
            ("number", start, word, _number(word, rng)),
            ("term", head, stem, _term(stem, terms)),
            ("split", head, stem, _split(stem) if len(stem) >= 8 or "-" in stem else None),
        ]
        edits.extend(
            _Edit(kind, begin, end, replacement)
            for kind, begin, original, replacement in found
            if replacement is not None and replacement != original
        )
        following = words[index + 1] if index + 1 < len(words) else None
        if (
            following is not None
            and word.lower() in _MERGE_FIRST
            and reference[end : following.start()] == " "
        ):
            merged = word + following.group()
            edits.append(_Edit("merge", start, following.end(), merged))
    for match in _PUNCT.finditer(reference):
        edits.append(_Edit("punctuation", match.start(), match.end(), ""))
    return edits


def _pick(
    edits: Sequence[_Edit], count: int, kinds: Iterable[ErrorKind], rng: random.Random
) -> list[_Edit]:
    by_kind: dict[ErrorKind, list[_Edit]] = {k: [] for k in kinds}
    for edit in edits:
        if edit.kind in by_kind:
            by_kind[edit.kind].append(edit)
    for pool in by_kind.values():
        rng.shuffle(pool)
    chosen: list[_Edit] = []
    taken: list[tuple[int, int]] = []

    def free(edit: _Edit) -> bool:
        # One character of margin: two errors never touch each other.
        return all(edit.end < s - 1 or edit.start > e + 1 for s, e in taken)

    while len(chosen) < count:
        available = [k for k, pool in by_kind.items() if pool]
        if not available:
            break
        kind = rng.choices(available, weights=[_WEIGHTS[k] for k in available])[0]
        edit = by_kind[kind].pop()
        if free(edit):
            chosen.append(edit)
            taken.append((edit.start, edit.end))
    return sorted(chosen, key=lambda e: e.start)


def inject_errors(
    reference: str,
    *,
    seed: int,
    rate: float = 0.06,
    kinds: Iterable[ErrorKind] = ERROR_KINDS,
    terminology: Iterable[str] = (),
) -> InjectedDraft:
    """A draft of ``reference`` with about ``rate`` × words recognition errors.

    ``terminology`` (the exercise's medical terms) adds terms the built-in table does not know:
    they are misspelt the way they sound. Same ``reference``, ``seed`` and options: same draft.
    """
    if not 0.0 <= rate <= 1.0:
        raise ValueError("rate must be between 0 and 1")
    rng = random.Random(seed)
    terms = frozenset(fold(w) for term in terminology for w in _WORD.findall(term))
    word_count = len(_WORD.findall(reference))
    count = round(word_count * rate)
    if rate > 0 and word_count:
        count = max(1, count)
    edits = _pick(_candidates(reference, terms, rng), count, tuple(kinds), rng)
    parts: list[str] = []
    errors: list[InjectedError] = []
    position = 0
    draft_length = 0
    for edit in edits:
        before = reference[position : edit.start]
        parts.append(before)
        draft_length += len(before)
        parts.append(edit.replacement)
        errors.append(
            InjectedError(
                edit.kind,
                edit.start,
                edit.end,
                draft_length,
                draft_length + len(edit.replacement),
                reference[edit.start : edit.end],
                edit.replacement,
            )
        )
        draft_length += len(edit.replacement)
        position = edit.end
    parts.append(reference[position:])
    return InjectedDraft("".join(parts), tuple(errors), seed)
