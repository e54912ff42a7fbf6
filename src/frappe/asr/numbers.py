"""Numbers, dates and doses written as a French medical letter writes them.

Choices (made once, here):

* Dates with a day, a month and a year become ``DD/MM/YYYY`` (« douze mars mille neuf cent
  cinquante-huit » → ``12/03/1958``): the way identity data (birth dates) is written for
  identitovigilance, unambiguous and what the exercises' references use. Without a year:
  ``12 mars``. ``date_style="long"`` gives ``12 mars 1958`` instead.
* Quantities go to digits with their unit abbreviated: « cinq cents milligrammes » → ``500 mg``,
  « trente-cinq pour cent » → ``35 %``, « cent cinquante-deux sur quatre-vingt-huit millimètres
  de mercure » → ``152/88 mmHg``, « trente-sept virgule cinq » → ``37,5``.
* A number before a counted noun of time or dosage goes to digits (« deux fois par jour » →
  ``2 fois par jour``, « soixante-six ans » → ``66 ans``); so does any number of 17 or more or
  spoken in several words (years, rates). Small numbers in prose stay words (« aux deux bases »),
  and « un », « une » stay words except before a dose unit (« un comprimé » → ``1 comprimé``).
* Five two-digit groups starting with « zéro » are a phone number (``04 65 71 23 48``); groups
  after « IPP », « NIP » or « numéro » are joined into one identifier (``20231187``).

Whisper often writes digits already: those are kept, with units spaced (``40mg`` → ``40 mg``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from frappe.asr._tokens import Kind, Tok, fold, merge, render, tokenize

__all__ = [
    "DateStyle",
    "normalise_number_tokens",
    "normalise_numbers",
    "number_words_to_digits",
    "parse_french_number",
]

DateStyle = Literal["numeric", "long"]

_UNITS = {
    "zero": 0,
    "un": 1,
    "une": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "six": 6,
    "sept": 7,
    "huit": 8,
    "neuf": 9,
}
_TEENS = {"dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15}
_TEENS["seize"] = 16
_TENS = {"vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50}
_TENS["soixante"] = 60
_NUMBER_WORDS = frozenset(
    [*_UNITS, *_TEENS, *_TENS, "cent", "cents", "mille", "mil", "million", "millions", "et"]
)
_MONTHS = {
    "janvier": 1,
    "fevrier": 2,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "decembre": 12,
}
# Spoken unit (folded word sequence) → abbreviation. Longest first when matching.
_UNIT_ABBREVIATIONS: dict[tuple[str, ...], str] = {
    ("millimetres", "de", "mercure"): "mmHg",
    ("millimetre", "de", "mercure"): "mmHg",
    ("mm", "de", "mercure"): "mmHg",
    ("mmhg",): "mmHg",
    ("pour", "cent"): "%",
    ("%",): "%",
    ("milligrammes",): "mg",
    ("milligramme",): "mg",
    ("mg",): "mg",
    ("microgrammes",): "µg",
    ("microgramme",): "µg",
    ("grammes",): "g",
    ("gramme",): "g",
    ("kilogrammes",): "kg",
    ("kilogramme",): "kg",
    ("kilos",): "kg",
    ("kilo",): "kg",
    ("kg",): "kg",
    ("millilitres",): "ml",
    ("millilitre",): "ml",
    ("ml",): "ml",
    ("centimetres",): "cm",
    ("centimetre",): "cm",
    ("cm",): "cm",
    ("millimetres",): "mm",
    ("millimetre",): "mm",
    ("mm",): "mm",
    ("millimoles",): "mmol",
    ("millimole",): "mmol",
    ("micromoles",): "µmol",
    ("micromole",): "µmol",
}
# Nouns after which a number is written in digits (the noun itself stays).
_COUNTED = frozenset(
    """
    ans an annees mois semaines jours heures h minutes min secondes fois
    comprimes comprimé comprime gelules gelule sachets sachet ampoules ampoule gouttes goutte
    bouffees bouffee injections injection unites ui cures seances cycles litres litre
    degres battements pulsations cycles mg g kg ml cm mm mmol
    """.split()
)
# Before these, even « un » / « une » becomes 1 (prescriptions).
_DOSE_NOUNS = frozenset(
    """
    comprime comprimes gelule gelules sachet sachets ampoule ampoules goutte gouttes
    bouffee bouffees injection injections
    """.split()
)
_UNITS_LONGEST_FIRST = sorted(_UNIT_ABBREVIATIONS.items(), key=lambda item: -len(item[0]))
# After these, a number is a label or a class: « type deux » → ``type 2``.
_LABELS = frozenset({"type", "stade", "grade", "classe", "score", "niveau", "chambre", "lit"})
_ID_KEYWORDS = frozenset({"ipp", "nip", "numero", "n°", "no", "dossier"})
_PRESSURE_WORDS = frozenset({"tension", "pression", "ta", "pa"})


# --- parsing number words ---------------------------------------------------------------------


def _teen(p: Sequence[str], i: int) -> tuple[int, int] | None:
    if i >= len(p):
        return None
    if p[i] == "dix" and i + 1 < len(p) and p[i + 1] in ("sept", "huit", "neuf"):
        return 10 + _UNITS[p[i + 1]], i + 2
    if p[i] in _TEENS:
        return _TEENS[p[i]], i + 1
    return None


def _below_100(p: Sequence[str], i: int) -> tuple[int, int] | None:
    if i >= len(p):
        return None
    word = p[i]
    nxt = p[i + 1] if i + 1 < len(p) else ""
    if word == "quatre" and nxt in ("vingt", "vingts"):
        base, i = 80, i + 2
    elif word in _TENS:
        base, i = _TENS[word], i + 1
    else:
        teen = _teen(p, i)
        if teen is not None:
            return teen
        if word in _UNITS:
            return _UNITS[word], i + 1
        return None
    after = p[i] if i < len(p) else ""
    if after == "et" and i + 1 < len(p):
        target = p[i + 1]
        if target in ("un", "une") and base != 80:
            return base + 1, i + 2
        if target == "onze" and base == 60:
            return 71, i + 2
        return base, i
    if base in (60, 80):
        teen = _teen(p, i)
        if teen is not None:
            return base + teen[0], teen[1]
    if (after in _UNITS and after not in ("zero", "un", "une")) or (after == "un" and base == 80):
        return base + _UNITS[after], i + 1
    return base, i


def _below_1000(p: Sequence[str], i: int) -> tuple[int, int] | None:
    if i < len(p) and p[i] in ("cent", "cents"):
        rest = _below_100(p, i + 1)
        return (100 + rest[0], rest[1]) if rest else (100, i + 1)
    if i + 1 < len(p) and p[i] in _UNITS and _UNITS[p[i]] >= 2 and p[i + 1] in ("cent", "cents"):
        hundreds = _UNITS[p[i]] * 100
        rest = _below_100(p, i + 2)
        return (hundreds + rest[0], rest[1]) if rest else (hundreds, i + 2)
    return _below_100(p, i)


def _parse(p: Sequence[str], i: int = 0) -> tuple[int, int] | None:
    """Longest number at ``p[i:]``: (value, end index), or None."""
    start = i
    if p[i] == "zero":
        return 0, i + 1  # « zéro » is never part of a larger number
    total = 0
    head = _below_1000(p, i)
    if head and head[1] < len(p) and p[head[1]] in ("million", "millions"):
        total += head[0] * 1_000_000
        i = head[1] + 1
    if i < len(p) and p[i] in ("mille", "mil"):
        total += 1000
        i += 1
    else:
        head = _below_1000(p, i)
        if head and head[1] < len(p) and p[head[1]] in ("mille", "mil") and head[0] > 1:
            total += head[0] * 1000
            i = head[1] + 1
    rest = _below_1000(p, i)
    if rest is not None and p[i] != "zero":
        total += rest[0]
        i = rest[1]
    return (total, i) if i > start else None


def parse_french_number(text: str) -> int | None:
    """The value of French number words (``quatre-vingt-quinze`` → 95), or None.

    The whole text must be one number: ``deux trois`` is None.
    """
    pieces = [piece for word in fold(text).split() for piece in word.split("-") if piece]
    parsed = _parse(pieces) if pieces else None
    return parsed[0] if parsed and parsed[1] == len(pieces) else None


# --- the pass over tokens ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Number:
    value: int
    end: int  # token index after the number
    spoken: bool  # from words (not digits)
    single_small: bool  # one word, value <= 16 (or « zéro »)
    text: str  # digits as written (keeps leading zeros and decimals of digit tokens)


def _number_pieces(tokens: Sequence[Tok], i: int) -> tuple[list[str], list[int]]:
    """Number-word pieces from token ``i`` on, and the token index after each piece."""
    pieces: list[str] = []
    ends: list[int] = []
    j = i
    while j < len(tokens) and tokens[j].kind == "word":
        parts = [part for part in tokens[j].key.split("-") if part]
        if not parts or not all(part in _NUMBER_WORDS for part in parts):
            break
        pieces.extend(parts)
        ends.extend([j + 1] * len(parts))
        j += 1
    return pieces, ends


def _number_at(tokens: Sequence[Tok], i: int) -> _Number | None:
    if i >= len(tokens) or tokens[i].kind != "word":
        return None
    text = tokens[i].text
    if text.isdigit():
        return _Number(int(text), i + 1, False, False, text)
    pieces, ends = _number_pieces(tokens, i)
    if not pieces or pieces[0] == "et":
        return None
    parsed = _parse(pieces)
    if parsed is None:
        return None
    value, used = parsed
    # A number ends at a token boundary: « vingt-trois » cannot be cut after « vingt ».
    while 0 < used < len(pieces) and ends[used - 1] == ends[used]:
        used -= 1
    if used == 0:
        return None
    if used != parsed[1]:
        reparsed = _parse(pieces[:used])
        if reparsed is None or reparsed[1] != used:
            return None
        value = reparsed[0]
    end = ends[used - 1]
    single = end == i + 1 and "-" not in text and (value <= 16)
    return _Number(value, end, True, single, str(value))


def _format_large(value: int) -> str:
    if value < 10_000:
        return str(value)
    return f"{value:,}".replace(",", " ")


def _next_word_key(tokens: Sequence[Tok], i: int) -> str:
    return tokens[i].key if i < len(tokens) and tokens[i].kind == "word" else ""


def _unit_at(tokens: Sequence[Tok], i: int) -> tuple[str, int] | None:
    """A unit abbreviation starting at token ``i`` and the index after it."""
    for words, abbreviation in _UNITS_LONGEST_FIRST:
        end = i + len(words)
        if end <= len(tokens) and all(
            tokens[i + k].key == w and tokens[i + k].kind in ("word", "punct")
            for k, w in enumerate(words)
        ):
            return abbreviation, end
    return None


def _phone(tokens: Sequence[Tok], i: int) -> tuple[Tok, int] | None:
    """« zéro quatre, soixante-cinq, … » (five two-digit groups) → ``04 65 71 23 48``."""
    groups: list[str] = []
    j = i
    while len(groups) < 5:
        if groups and j < len(tokens) and tokens[j].kind == "punct" and tokens[j].text in ",.-":
            j += 1
        number = _number_at(tokens, j)
        if number is None:
            break
        if not groups:
            if tokens[j].key != "zero":
                if not (number.text.startswith("0") and len(number.text) == 2):
                    return None
                groups.append(number.text)
                j = number.end
                continue
            digit = _number_at(tokens, number.end)
            if digit is None or not 1 <= digit.value <= 9:
                return None
            groups.append(f"0{digit.value}")
            j = digit.end
            continue
        if number.value > 99 or (number.spoken and number.value < 10):
            break
        groups.append(f"{number.value:02d}" if number.spoken else number.text)
        j = number.end
    if len(groups) != 5:
        return None
    return merge(tokens[i:j], " ".join(groups)), j


def _identifier(tokens: Sequence[Tok], i: int) -> tuple[Tok, int] | None:
    """Number groups said one after the other after « IPP », « numéro »… → one identifier."""
    groups: list[str] = []
    j = i
    while True:
        k = j
        if groups and k < len(tokens) and tokens[k].kind == "punct" and tokens[k].text in ",.-":
            k += 1
        number = _number_at(tokens, k)
        if number is None:
            break
        spoken_pair = number.spoken and number.value >= 10
        groups.append(f"{number.value:02d}" if spoken_pair else number.text)
        j = number.end
    if len(groups) < 2:
        return None
    return merge(tokens[i:j], "".join(groups)), j


def _date(tokens: Sequence[Tok], i: int, style: DateStyle) -> tuple[list[Tok], int] | None:
    """Day, month name and optional year → ``DD/MM/YYYY`` (or ``12 mars 1958``)."""
    key = tokens[i].key
    if key in ("premier", "1er"):
        day, after_day = 1, i + 1
    elif key in ("un", "une"):
        return None  # « une février » is a misheard « en février »; day one is « premier »
    else:
        number = _number_at(tokens, i)
        if number is None or not 1 <= number.value <= 31:
            return None
        day, after_day = number.value, number.end
    month_key = _next_word_key(tokens, after_day)
    if month_key not in _MONTHS:
        return None
    month = _MONTHS[month_key]
    year = _number_at(tokens, after_day + 1)
    day_text = "1er" if day == 1 else str(day)
    if year is None or not 1000 <= year.value <= 2199:
        return [
            merge(tokens[i:after_day], day_text),
            tokens[after_day],
        ], after_day + 1
    if style == "long":
        return [
            merge(tokens[i:after_day], day_text),
            tokens[after_day],
            merge(tokens[after_day + 1 : year.end], str(year.value)),
        ], year.end
    return [merge(tokens[i : year.end], f"{day:02d}/{month:02d}/{year.value}")], year.end


def _decimal(tokens: Sequence[Tok], i: int, whole: _Number) -> tuple[Tok, int] | None:
    """« trente-sept virgule cinq » → ``37,5``."""
    j = whole.end
    if _next_word_key(tokens, j) != "virgule":
        return None
    fraction = _number_at(tokens, j + 1)
    if fraction is None:
        return None
    if tokens[j + 1].key in ("un", "une"):
        # « depuis 2010 virgule un diabète » is a comma, not 2010,1.
        following = _next_word_key(tokens, fraction.end)
        if _unit_at(tokens, fraction.end) is None and following not in _COUNTED:
            return None
    digits = fraction.text if not fraction.spoken else str(fraction.value)
    if fraction.spoken and tokens[j + 1].key == "zero":
        rest = _number_at(tokens, fraction.end)
        if rest is not None:
            digits, fraction = f"0{rest.value}", rest
    return merge(tokens[i : fraction.end], f"{whole.text},{digits}"), fraction.end


def _pressure_second(tokens: Sequence[Tok], i: int, out: Sequence[Tok]) -> _Number | None:
    """The « 88 » of « 152 sur 88 » (``i`` at « sur ») with a pressure unit after it or a
    pressure word just before: a blood pressure, written ``152/88``."""
    if _next_word_key(tokens, i) != "sur":
        return None
    second = _number_at(tokens, i + 1)
    if second is None:
        return None
    unit = _unit_at(tokens, second.end)
    near = {t.key for t in out[-6:]}
    return second if (unit and unit[0] == "mmHg") or near & _PRESSURE_WORDS else None


def _wants_digits(tokens: Sequence[Tok], i: int, number: _Number) -> bool:
    following = _next_word_key(tokens, number.end)
    counted = following in _COUNTED or _unit_at(tokens, number.end) is not None
    if tokens[i].key in ("un", "une") and number.end == i + 1:
        return (
            following in _DOSE_NOUNS
            or _unit_at(tokens, number.end) is not None
            or (following == "fois" and _next_word_key(tokens, number.end + 1) == "par")
        )
    if tokens[i].key == "zero" and number.end == i + 1:
        return counted
    return counted or not number.single_small


def normalise_number_tokens(tokens: list[Tok], *, date_style: DateStyle = "numeric") -> list[Tok]:
    """The number pass on tokens (see the module docstring)."""
    out: list[Tok] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.kind != "word":
            out.append(tok)
            i += 1
            continue
        previous_key = out[-1].key if out and out[-1].kind == "word" else ""
        if previous_key in _ID_KEYWORDS:
            identifier = _identifier(tokens, i)
            if identifier is not None:
                out.append(identifier[0])
                i = identifier[1]
                continue
        phone = _phone(tokens, i)
        if phone is not None:
            out.append(phone[0])
            i = phone[1]
            continue
        date = _date(tokens, i, date_style)
        if date is not None:
            out.extend(date[0])
            i = date[1]
            continue
        number = _number_at(tokens, i)
        if number is None:
            out.append(tok)
            i += 1
            continue
        decimal = _decimal(tokens, i, number)
        if decimal is not None:
            out.append(decimal[0])
            i = decimal[1]
            end = i
            value_tok = decimal[0]
        else:
            end = number.end
            labelled = previous_key in _LABELS and not tokens[i].key.startswith("un")
            pressure = _pressure_second(tokens, end, out) is not None
            wanted = labelled or pressure or _wants_digits(tokens, i, number)
            if number.spoken and not wanted:
                out.extend(tokens[i:end])
                i = end
                continue
            text = _format_large(number.value) if number.spoken else number.text
            value_tok = merge(tokens[i:end], text)
            out.append(value_tok)
            i = end
        second = _pressure_second(tokens, i, out)
        if second is not None:
            second_text = str(second.value) if second.spoken else second.text
            pair = f"{value_tok.text}/{second_text}"
            out[-1] = merge([value_tok, *tokens[i : second.end]], pair)
            i = second.end
        unit = _unit_at(tokens, i)
        if unit is not None:
            abbreviation, after = unit
            kind: Kind = "punct" if abbreviation == "%" else "word"
            out.append(merge(tokens[i:after], abbreviation, kind))
            i = after
    return out


def normalise_numbers(text: str, *, date_style: DateStyle = "numeric") -> str:
    """Numbers, dates and doses of ``text`` written as in a medical letter (module docstring)."""
    return render(normalise_number_tokens(tokenize(text), date_style=date_style))


def number_words_to_digits(text: str) -> str:
    """Every French number of ``text`` in digits, « un » and « une » included.

    For comparing texts (WER), not for writing them: ``deux bases`` → ``2 bases`` on both sides.
    """
    tokens = tokenize(text)
    out: list[Tok] = []
    i = 0
    while i < len(tokens):
        number = _number_at(tokens, i) if tokens[i].kind == "word" else None
        if number is None or not number.spoken:
            out.append(tokens[i])
            i += 1
            continue
        out.append(merge(tokens[i : number.end], str(number.value)))
        i = number.end
    return render(out)
