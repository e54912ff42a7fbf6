"""The dictated-punctuation pass: French examples per rule, Whisper's own habits, timed words."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frappe.asr.punctuation import (
    apply_dictated_punctuation,
    apply_dictated_punctuation_words,
    postprocess_draft,
    postprocess_words,
)
from frappe.asr.transcribe import DraftWord

CASES = [
    # commas and full stops
    (
        "le patient virgule âgé de 80 ans virgule va bien point",
        "Le patient, âgé de 80 ans, va bien.",
    ),
    ("elle ne fume pas point elle boit peu point", "Elle ne fume pas. Elle boit peu."),
    ("il va bien point final", "Il va bien."),
    # Whisper's own punctuation next to a command is not doubled
    ("Dans ses antécédents, virgule, on retient", "Dans ses antécédents, on retient"),
    ("traitée depuis 2010. Virgule, un diabète", "Traitée depuis 2010, un diabète"),
    ("par minute, poin. On note", "Par minute. On note"),
    ("rapide. Point. L'échographie", "Rapide. L'échographie"),
    ("il va bien, point, à la ligne. Suite", "Il va bien.\nSuite"),
    # line breaks and paragraphs
    ("Chère consœur virgule à la ligne J'ai revu", "Chère consœur,\nJ'ai revu"),
    ("fin du bilan point à la ligne suite", "Fin du bilan.\nSuite"),
    ("fin point nouveau paragraphe suite", "Fin.\n\nSuite"),
    ("fin point à la ligne à la ligne suite", "Fin.\n\nSuite"),
    ("fin poing à la ligne suite", "Fin.\nSuite"),
    ("fin points à la ligne suite", "Fin.\nSuite"),
    ("fin retour à la ligne suite", "Fin\nSuite"),
    # colon, semicolon, question and exclamation marks: a normal space before
    ("Objet deux points consultation", "Objet : consultation"),
    ("Object, 2 points, Madame Marchal", "Object : Madame Marchal"),
    ("repos point-virgule hydratation", "Repos ; hydratation"),
    ("repos point virgule hydratation", "Repos ; hydratation"),
    ("a-t-il mal point d'interrogation", "A-t-il mal ?"),
    ("quelle surprise point d'exclamation", "Quelle surprise !"),
    ("il hésite points de suspension", "Il hésite…"),
    ("Est-ce grave? Oui!", "Est-ce grave ? Oui !"),
    # parentheses and quotes
    (
        "altérée à 35 %, ouvrez la parenthèse, normale supérieure à 50 %, fermez la parenthèse",
        "Altérée à 35 % (normale supérieure à 50 %)",
    ),
    ("cf ouvrir la parenthèse voir plus haut fermer la parenthèse", "Cf (voir plus haut)"),
    ("ouvre parenthèse bis fermé la parenthèse", "(Bis)"),
    ("il dit ouvrez les guillemets j'ai mal fermez les guillemets", "Il dit « j'ai mal »"),
    ("ouvrez guillemets non fermez guillemets", "« Non »"),
    # dashes
    (
        "traitement deux points à la ligne tiret furosémide à la ligne tiret bisoprolol",
        "Traitement :\n- Furosémide\n- Bisoprolol",
    ),
    ("un bêta tiret bloquant", "Un bêta-bloquant"),
    ("Jean trait d'union Pierre", "Jean-Pierre"),
    # « point » as a noun
    ("du point de vue clinique", "Du point de vue clinique"),
    ("la viande est cuite à point", "La viande est cuite à point"),
    ("après mise au point virgule tout va bien", "Après mise au point, tout va bien"),
    ("nous ferons le point dans un mois point", "Nous ferons le point dans un mois."),
    ("un point d'appui", "Un point d'appui"),
    ("reprendre point par point", "Reprendre point par point"),
    ("deux points de suture", "Deux points de suture"),
    ("il est stable point De plus il mange", "Il est stable. De plus il mange"),
    # spelled names
    ("Madame Marchal j'épelle M A R C H A L virgule née", "Madame Marchal, née"),
    ("Dr Claire Dumoulin-G-Pel, D-U-M-O-U-L-I-N, Virgule, médecin", "Dr Claire Dumoulin, médecin"),
    ("Madame Lucie-Marc Al-G-Pel, M-A-R-C-H-A-L, virgule", "Madame Lucie Marchal,"),
    (
        "Dr Benoît Ferange et Pelle, F-E-R-R-A-N-D, virgule, cardiologue",
        "Dr Benoît Ferrand, cardiologue",
    ),
    ("patiente je épelle M A R C H A L", "Patiente Marchal"),
    ("monsieur Lefèvre j'épelle L E F E accent grave V R E", "Monsieur Lefèvre"),
    ("madame Saint-Jean j'épelle S A I N T trait d'union J E A N", "Madame Saint-Jean"),
    ("nom M, A, R, C, H, A, L virgule prénom", "Nom MARCHAL, prénom"),
    ("le VIH V I H est négatif", "Le VIH VIH est négatif"),
    ("il y a un souci", "Il y a un souci"),
    # capitals after a sentence end, Whisper's capitals after its removed stops
    ("fin. la suite point et encore", "Fin. La suite. Et encore"),
    ("pneumopathie droite. Virgule Avec une fièvre", "Pneumopathie droite, avec une fièvre"),
    ("l'échographie montre point l'ECG aussi", "L'échographie montre. L'ECG aussi"),
]


@pytest.mark.parametrize(("spoken", "written"), CASES)
def test_dictated_punctuation(spoken: str, written: str) -> None:
    assert apply_dictated_punctuation(spoken) == written


@pytest.mark.parametrize(
    ("spoken", "written"),
    [
        (
            "Madame Durant, 82 ans, est hospitalisée. Virgule Avec une fièvre.",
            "Madame Durant 82 ans est hospitalisée, avec une fièvre",
        ),
        ("elle va bien? point d'interrogation", "Elle va bien ?"),
        ("fin. Point à la ligne Suite", "Fin.\nSuite"),
    ],
)
def test_whisper_punctuation_dropped_when_everything_is_dictated(spoken: str, written: str) -> None:
    assert apply_dictated_punctuation(spoken, keep_asr_punctuation=False) == written


def test_spelled_names_in_capitals_on_request() -> None:
    text = "Madame Marchal j'épelle M A R C H A L virgule"
    assert apply_dictated_punctuation(text, spelled_case="upper") == "Madame MARCHAL,"


def test_a_spelled_name_far_from_the_spoken_word_does_not_replace_it() -> None:
    text = "votre patiente j'épelle M A R C H A L"
    assert apply_dictated_punctuation(text) == "Votre patiente Marchal"


def test_j_appelle_without_letters_is_just_words() -> None:
    assert apply_dictated_punctuation("je vous appelle demain") == "Je vous appelle demain"
    assert apply_dictated_punctuation("j'appelle le service") == "J'appelle le service"


def test_full_letter_from_a_real_draft() -> None:
    draft = (
        "Dr Claire Dumoulin-G-Pel, D-U-M-O-U-L-I-N, virgule, médecin généraliste à la ligne "
        "Objet deux points madame Lucie Marchal, virgule, née le douze mars mille neuf cent "
        "cinquante-huit, virgule, IPP vingt, vingt-trois, onze, quatre-vingt-sept à la ligne "
        "Chère consœur, virgule, à la ligne. J'ai introduit du furosémide 40mg le matin, "
        "virgule, de l'apixaban cinq milligrammes deux fois par jour, point à la ligne. "
        "Je vous prie de croire, virgule, chère consœur, virgule, en l'assurance de mes "
        "sentiments confraternels, point à la ligne. Docteur Benoît Ferrand"
    )
    assert postprocess_draft(draft) == (
        "Dr Claire Dumoulin, médecin généraliste\n"
        "Objet : madame Lucie Marchal, née le 12/03/1958, IPP 20231187\n"
        "Chère consœur,\n"
        "J'ai introduit du furosémide 40 mg le matin, de l'apixaban 5 mg 2 fois par jour.\n"
        "Je vous prie de croire, chère consœur, en l'assurance de mes sentiments "
        "confraternels.\n"
        "Dr Benoît Ferrand"
    )


def test_decimal_comma_is_not_a_dictated_comma() -> None:
    assert postprocess_draft("température trente-sept virgule cinq virgule pouls 80") == (
        "Température 37,5, pouls 80"
    )
    assert postprocess_draft("depuis deux mille dix virgule un diabète") == (
        "Depuis 2010, un diabète"
    )


def test_empty_and_blank_text() -> None:
    assert apply_dictated_punctuation("") == ""
    assert apply_dictated_punctuation("  \n ") == ""
    assert postprocess_draft("virgule") == ""  # nothing to punctuate


# --- timed words ------------------------------------------------------------------------------


def timed(text: str) -> list[DraftWord]:
    return [
        DraftWord(w, i * 1.0, i * 1.0 + 0.5, 0.9 - i * 0.01) for i, w in enumerate(text.split())
    ]


def test_words_keep_their_timings() -> None:
    words = timed("Chère consœur, virgule, à la ligne. J'ai revu")
    out = apply_dictated_punctuation_words(words)
    assert [w.text for w in out] == ["Chère", "consœur,\n", "J'ai", "revu"]
    assert (out[1].start_s, out[1].end_s) == (1.0, 1.5)
    assert (out[2].start_s, out[3].end_s) == (6.0, 7.5)


def test_spelled_name_spans_the_name_the_command_and_the_letters() -> None:
    words = timed("Madame Marchal j'épelle M A R C H A L virgule née")
    out = apply_dictated_punctuation_words(words)
    assert [w.text for w in out] == ["Madame", "Marchal,", "née"]
    assert (out[1].start_s, out[1].end_s) == (1.0, 9.5)
    assert out[1].probability == pytest.approx(min(w.probability for w in words[1:10]))


def test_opening_marks_stick_to_the_next_word() -> None:
    words = timed("normale ouvrez la parenthèse supérieure à 50 fermez la parenthèse point")
    assert [w.text for w in apply_dictated_punctuation_words(words)] == [
        "Normale",
        "(supérieure",
        "à",
        "50).",
    ]


def test_postprocess_words_converts_numbers_with_timings() -> None:
    words = timed("née le douze mars mille neuf cent cinquante-huit virgule")
    out = postprocess_words(words)
    assert [w.text for w in out] == ["Née", "le", "12/03/1958,"]
    assert (out[2].start_s, out[2].end_s) == (2.0, 7.5)  # the date's words


def test_no_words() -> None:
    assert apply_dictated_punctuation_words([]) == ()
    assert postprocess_words([]) == ()


# --- properties -------------------------------------------------------------------------------

_PLAIN_WORDS = st.sampled_from(
    "le la patient patiente va bien mal examen cardiaque tension normale hier matin soir "
    "traitement dose elle il sans avec douleur thoracique bilan sanguin".split()
)


@settings(max_examples=80, deadline=None)
@given(st.lists(_PLAIN_WORDS, min_size=1, max_size=30))
def test_text_without_commands_keeps_its_words(words: list[str]) -> None:
    text = " ".join(words)
    out = apply_dictated_punctuation(text)
    assert out.casefold().split() == text.casefold().split()


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.one_of(_PLAIN_WORDS, st.sampled_from(["virgule", "point", "à la ligne", "deux points"])),
        min_size=1,
        max_size=30,
    )
)
def test_pass_is_stable_and_timings_stay_in_order(words: list[str]) -> None:
    text = " ".join(words)
    once = apply_dictated_punctuation(text)
    assert apply_dictated_punctuation(once) == once
    out = apply_dictated_punctuation_words(timed(text))
    starts = [w.start_s for w in out]
    assert starts == sorted(starts)
    assert " ".join(w.text for w in out).split() == once.split()


def test_a_stop_after_a_dropped_weaker_mark_is_not_doubled() -> None:
    # Found by the property test above: « point point-virgule point » gave « La.. », which a
    # second pass read as an ellipsis (« La… »), so the pass was not stable.
    text = "la point deux points point point virgule point"
    once = apply_dictated_punctuation(text)
    assert once == "La."
    assert apply_dictated_punctuation(once) == once
