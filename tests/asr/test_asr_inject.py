"""Recognition-error injection: reproducible, spans that point at what changed, each error kind."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frappe.asr.inject import ERROR_KINDS, ErrorKind, inject_errors
from frappe.locations import bundled_texts_dir

REFERENCE = (
    "Madame Marchal, âgée de 66 ans, est hospitalisée depuis le 12/03/2025 pour une dyspnée.\n"
    "Elle a reçu du furosémide 40 mg et son traitement est à poursuivre. Ses examens sont "
    "normaux; où en est-on de l'échographie ? C'est à contrôler avec leur médecin, "
    "l'électrocardiogramme et la kaliémie de contrôle sont prévus en ambulatoire."
)


def check_spans(reference: str, draft: str, errors: tuple[object, ...]) -> None:
    previous_end = -1
    for error in errors:
        assert error.ref_start > previous_end  # type: ignore[attr-defined]
        assert reference[error.ref_start : error.ref_end] == error.ref_text  # type: ignore[attr-defined]
        assert draft[error.draft_start : error.draft_end] == error.draft_text  # type: ignore[attr-defined]
        assert error.ref_text != error.draft_text  # type: ignore[attr-defined]
        previous_end = error.ref_end  # type: ignore[attr-defined]


def test_same_seed_same_draft() -> None:
    first = inject_errors(REFERENCE, seed=7, rate=0.2)
    again = inject_errors(REFERENCE, seed=7, rate=0.2)
    assert first == again
    assert first.text != REFERENCE and first.seed == 7
    assert inject_errors(REFERENCE, seed=8, rate=0.2).text != first.text


def test_spans_point_at_the_changes() -> None:
    draft = inject_errors(REFERENCE, seed=1, rate=0.3)
    check_spans(REFERENCE, draft.text, draft.errors)
    # Undoing every error gives the reference back.
    text = draft.text
    for error in reversed(draft.errors):
        text = text[: error.draft_start] + error.ref_text + text[error.draft_end :]
    assert text == REFERENCE


def test_rate_sets_the_number_of_errors() -> None:
    words = len(REFERENCE.split())
    few = inject_errors(REFERENCE, seed=3, rate=0.05)
    many = inject_errors(REFERENCE, seed=3, rate=0.25)
    assert 1 <= len(few.errors) <= round(words * 0.05) + 1
    assert len(many.errors) > len(few.errors)
    assert inject_errors(REFERENCE, seed=3, rate=0.0).errors == ()
    with pytest.raises(ValueError):
        inject_errors(REFERENCE, seed=3, rate=1.5)


@pytest.mark.parametrize("kind", ERROR_KINDS)
def test_each_kind(kind: ErrorKind) -> None:
    draft = inject_errors(REFERENCE, seed=5, rate=0.1, kinds=[kind])
    assert draft.errors, kind
    assert {e.kind for e in draft.errors} == {kind}
    check_spans(REFERENCE, draft.text, draft.errors)


def test_typical_errors() -> None:
    pairs = {
        (e.ref_text, e.draft_text)
        for seed in range(40)
        for e in inject_errors(REFERENCE, seed=seed, rate=0.3).errors
    }
    homophones = {("a", "à"), ("et", "est"), ("son", "sont"), ("Ses", "Ces"), ("où", "ou")}
    assert homophones & pairs
    assert ("contrôler", "contrôlé") in pairs  # -er / -é
    assert ("kaliémie", "calie émis") in pairs  # a term heard as common words
    assert ("électrocardiogramme", "électro cardiogramme") in pairs  # split
    assert any(e == "," and d == "" for e, d in pairs)  # dropped punctuation
    assert any(r == "40" and d != "40" for r, d in pairs)  # misheard number


def test_exercise_terminology_is_misheard_too() -> None:
    text = "Une cholangiographie est prévue."
    draft = inject_errors(text, seed=0, rate=0.5, kinds=["term"], terminology=["cholangiographie"])
    assert [(e.ref_text, e.draft_text) for e in draft.errors] == [
        ("cholangiographie", "kolangiografie")
    ]


def test_empty_reference() -> None:
    assert inject_errors("", seed=1).text == ""
    assert inject_errors("", seed=1).errors == ()


def test_bundled_texts_get_errors() -> None:
    for path in sorted(bundled_texts_dir().glob("*.txt"))[:3]:
        reference = path.read_text("utf-8")
        draft = inject_errors(reference, seed=11)
        check_spans(reference, draft.text, draft.errors)
        assert len(draft.errors) >= len(reference.split()) * 0.03


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="abcdéèà ,.;:'-\n0123456789ESCL", max_size=200), st.integers(0, 10**6))
def test_any_text_any_seed(reference: str, seed: int) -> None:
    draft = inject_errors(reference, seed=seed, rate=0.2)
    check_spans(reference, draft.text, draft.errors)
    assert inject_errors(reference, seed=seed, rate=0.2) == draft
