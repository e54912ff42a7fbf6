"""The correction exercise of the tests: a reference, its recognition draft with five errors,
and a session that fixes one and introduces one (``finished_record``)."""

from __future__ import annotations

from frappe.exercises.record import Candidate, RecordSettings, ResultRecord
from frappe.exercises.session import Session, SessionConfig
from frappe.scoring import scoring_profile
from support.fakes import FakeClock

__all__ = [
    "DRAFT",
    "FINAL",
    "REFERENCE",
    "config",
    "corrected_session",
    "finished_record",
    "replace_in",
]

REFERENCE = (
    "Madame Lucie Marchal est suivie pour une insuffisance cardiaque. "
    "Elle a été hospitalisée le 12/03/2025 et sortira à domicile avec du furosémide 40 mg."
)
# Five recognition errors: Marchand, est (for a), hospitalisé, a (for à), furo sémide.
DRAFT = (
    "Madame Lucie Marchand est suivie pour une insuffisance cardiaque. "
    "Elle est été hospitalisé le 12/03/2025 et sortira a domicile avec du furo sémide 40 mg."
)


def config(*, draft: str = DRAFT, limit: float | None = 600.0) -> SessionConfig:
    return SessionConfig(
        candidate=Candidate("Martin Claire", "C-42"),
        exercise_id="dx-lettre",
        exercise_title="Lettre de sortie",
        reference=REFERENCE,
        settings=RecordSettings(
            limit,
            True,
            scoring_profile("dictee"),
            live_feedback=False,
            terminology=("furosémide",),
            identity=("Lucie Marchal", "12/03/2025"),
        ),
        kind="correction",
        initial_text=draft,
        draft_source="injected",
        end_when_complete=False,
    )


def replace_in(session: Session, old: str, new: str) -> None:
    """The trainee selects ``old`` in the document and types ``new`` over it."""
    session.edit(session.typed.index(old), len(old), new, key="edit")


def corrected_session(clock: FakeClock | None = None, **kwargs: object) -> Session:
    """One recognition error fixed (the name), one error introduced (cardiaques)."""
    clock = clock or FakeClock()
    session = Session(config(), clock=clock, **kwargs)  # type: ignore[arg-type]
    assert session.typed == DRAFT
    clock.now += 5.0
    replace_in(session, "Marchand", "Marchal")
    clock.now += 5.0
    replace_in(session, "cardiaque", "cardiaques")
    clock.now += 5.0
    return session


FINAL = DRAFT.replace("Marchand", "Marchal").replace("cardiaque", "cardiaques")


def finished_record() -> ResultRecord:
    session = corrected_session()
    session.stop()
    return session.to_record()
