"""Three-way scoring of the correction exercise: fixed, missed, introduced."""

from __future__ import annotations

from frappe.scoring import scoring_profile
from frappe.scoring.correction import score_correction
from frappe.scoring.transcription import ExerciseKeys

REFERENCE = (
    "Madame Lucie Marchal est suivie pour une insuffisance cardiaque. "
    "Elle a été hospitalisée le 12/03/2025 et sortira à domicile avec du furosémide 40 mg."
)
DRAFT = (
    "Madame Lucie Marchand est suivie pour une insuffisance cardiaque. "
    "Elle est été hospitalisé le 12/03/2025 et sortira a domicile avec du furo sémide 40 mg."
)
KEYS = ExerciseKeys(identity=("Lucie Marchal", "12/03/2025"), terminology=("furosémide",))
PROFILE = scoring_profile("dictee")


def test_all_fixed() -> None:
    result = score_correction(REFERENCE, DRAFT, REFERENCE, KEYS, PROFILE)
    assert len(result.fixed) == 5 and not result.missed and not result.introduced
    assert result.fix_rate == 1.0 and result.final.validated


def test_missed_and_introduced_are_told_apart() -> None:
    final = (
        DRAFT.replace("Marchand", "Marchal")
        .replace("est été", "a été")
        .replace("furo sémide", "furosémide")
        .replace("cardiaque", "cardiaques")
    )
    result = score_correction(REFERENCE, DRAFT, final, KEYS, PROFILE)
    assert sorted(e.ref for e in result.fixed) == ["Marchal", "a", "furosémide"]
    assert sorted(e.hyp for e in result.missed) == ["a", "hospitalisé"]
    assert [e.hyp for e in result.introduced] == ["cardiaques."]
    metrics = result.metrics_dict()
    assert (metrics["fixed"], metrics["missed"], metrics["introduced"]) == (3, 2, 1)
    assert metrics["recognition_errors"] == 5


def test_an_untouched_draft_misses_everything_including_the_critical_name() -> None:
    result = score_correction(REFERENCE, DRAFT, DRAFT, KEYS, PROFILE)
    assert not result.fixed and len(result.missed) == 5 and not result.introduced
    assert result.final.critical_errors == 1 and not result.final.validated
