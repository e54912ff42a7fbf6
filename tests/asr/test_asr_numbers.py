"""Number normalisation: French number words, dates, doses, phone numbers and identifiers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frappe.asr.numbers import normalise_numbers, number_words_to_digits, parse_french_number

_UNITS = (
    "zéro un deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize"
).split()
_TENS = {2: "vingt", 3: "trente", 4: "quarante", 5: "cinquante", 6: "soixante"}


def spell(n: int, *, plural: bool = True) -> str:
    """French spelling (traditional hyphenation), written independently of the parser."""
    if n < 17:
        return _UNITS[n]
    if n < 20:
        return "dix-" + _UNITS[n - 10]
    if n < 100:
        tens, unit = divmod(n, 10)
        if tens in (7, 9):
            base = "soixante" if tens == 7 else "quatre-vingt"
            rest = n - (60 if tens == 7 else 80)
            if rest == 11 and tens == 7:
                return "soixante et onze"
            return f"{base}-{spell(rest)}"
        if tens == 8:
            return (
                "quatre-vingts"
                if unit == 0 and plural
                else "quatre-vingt" + (f"-{_UNITS[unit]}" if unit else "")
            )
        word = _TENS[tens]
        if unit == 0:
            return word
        if unit == 1:
            return f"{word} et un"
        return f"{word}-{_UNITS[unit]}"
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        head = (
            "cent"
            if hundreds == 1
            else f"{_UNITS[hundreds]} cent" + ("s" if rest == 0 and plural else "")
        )
        return head if rest == 0 else f"{head} {spell(rest)}"
    if n < 1_000_000:
        thousands, rest = divmod(n, 1000)
        head = "mille" if thousands == 1 else f"{spell(thousands, plural=False)} mille"
        return head if rest == 0 else f"{head} {spell(rest)}"
    millions, rest = divmod(n, 1_000_000)
    head = f"{spell(millions)} million" + ("s" if millions > 1 else "")
    return head if rest == 0 else f"{head} {spell(rest)}"


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("zéro", 0),
        ("soixante-dix", 70),
        ("soixante et onze", 71),
        ("soixante-dix-neuf", 79),
        ("quatre-vingts", 80),
        ("quatre-vingt-un", 81),
        ("quatre-vingt-quinze", 95),
        ("quatre vingt dix sept", 97),
        ("cent", 100),
        ("cinq cents", 500),
        ("mille neuf cent cinquante-huit", 1958),
        ("deux mille vingt-cinq", 2025),
        ("vingt-et-un", 21),
        ("deux-cent-trois", 203),
        ("trois cent mille", 300_000),
        ("un million deux cent mille trois", 1_200_003),
        ("deux millions", 2_000_000),
        ("Quatre-Vingt-Douze", 92),
    ],
)
def test_parse_french_number(words: str, value: int) -> None:
    assert parse_french_number(words) == value


@pytest.mark.parametrize(
    "words", ["deux trois", "vingt vingt", "et un", "cent patients", "", "zéro cinq"]
)
def test_not_one_number(words: str) -> None:
    assert parse_french_number(words) is None


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=9_999_999))
def test_every_spelled_number_parses_back(n: int) -> None:
    assert parse_french_number(spell(n)) == n


@pytest.mark.parametrize("n", [0, *range(2, 120), 180, 200, 280, 1000, 1001, 1958, 2000, 80_000])
def test_spelled_numbers_in_a_sentence(n: int) -> None:
    written = f"{n:,}".replace(",", " ") if n >= 10_000 else str(n)
    assert normalise_numbers(f"pendant {spell(n)} jours") == f"pendant {written} jours"
    # « un jour » stays in words: « un » and « une » are articles far more often than numbers.


CASES = [
    # doses and units
    ("cinq cents milligrammes de paracétamol", "500 mg de paracétamol"),
    ("furosémide quarante milligrammes le matin", "furosémide 40 mg le matin"),
    ("du furosémide 40mg le matin et 5mg le soir", "du furosémide 40 mg le matin et 5 mg le soir"),
    ("un comprimé le soir", "1 comprimé le soir"),
    ("un gramme trois fois par jour", "1 g 3 fois par jour"),
    ("deux fois par jour", "2 fois par jour"),
    ("une fois par jour", "1 fois par jour"),
    ("zéro virgule cinq milligramme", "0,5 mg"),
    ("trente-sept virgule huit", "37,8"),
    ("deux cent cinquante microgrammes", "250 µg"),
    ("soixante-dix kilos", "70 kg"),
    ("trente-cinq pour cent", "35 %"),
    ("altérée à 35%", "altérée à 35 %"),
    ("cent cinquante-deux sur quatre-vingt-huit millimètres de mercure", "152/88 mmHg"),
    ("152 sur 88 millimètres de mercure", "152/88 mmHg"),
    ("une tension à douze sur huit", "une tension à 12/8"),
    ("quatre-vingt-douze battements par minute", "92 battements par minute"),
    # ages, durations, labels
    ("âgée de soixante-six ans", "âgée de 66 ans"),
    ("pendant sept jours", "pendant 7 jours"),
    ("un diabète de type deux", "un diabète de type 2"),
    ("stade trois", "stade 3"),
    # dates (DD/MM/YYYY with a year)
    ("née le douze mars mille neuf cent cinquante-huit", "née le 12/03/1958"),
    ("le dix-huit février deux mille vingt-cinq", "le 18/02/2025"),
    ("le 12 mars 1958", "le 12/03/1958"),
    ("le premier avril deux mille vingt", "le 01/04/2020"),
    ("le premier avril", "le 1er avril"),
    ("le trois août", "le 3 août"),
    ("en mars deux mille vingt", "en mars 2020"),
    ("avec une février vraie", "avec une février vraie"),
    ("depuis deux mille dix", "depuis 2010"),
    # phone numbers and identifiers
    ("zéro quatre, soixante-cinq, soixante et onze, vingt-trois, quarante-huit", "04 65 71 23 48"),
    ("zéro six douze trente-quatre cinquante-six soixante-dix-huit", "06 12 34 56 78"),
    ("IPP vingt, vingt-trois, onze, quatre-vingt-sept", "IPP 20231187"),
    ("numéro quarante-deux dix-sept", "numéro 4217"),
    # prose keeps small numbers and « un », « une »
    ("des crépitants aux deux bases", "des crépitants aux deux bases"),
    ("dans une semaine et dans un mois", "dans une semaine et dans un mois"),
    ("un diabète, une dyslipidémie", "un diabète, une dyslipidémie"),
    ("deux points", "deux points"),
    ("un appareil neuf", "un appareil neuf"),
    ("trois cent mille unités", "300 000 unités"),
    ("depuis 2010 virgule un diabète", "depuis 2010 virgule un diabète"),
]


@pytest.mark.parametrize(("spoken", "written"), CASES)
def test_normalise_numbers(spoken: str, written: str) -> None:
    assert normalise_numbers(spoken) == written


def test_long_dates_on_request() -> None:
    assert normalise_numbers("le douze mars mille neuf cent cinquante-huit", date_style="long") == (
        "le 12 mars 1958"
    )


def test_words_to_digits_for_comparison() -> None:
    assert number_words_to_digits("aux deux bases dans une semaine") == "aux 2 bases dans 1 semaine"
    assert number_words_to_digits("quatre-vingt-quinze et 95") == "95 et 95"
