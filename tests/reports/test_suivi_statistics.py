"""Class and candidate statistics, checked against values computed by hand."""

from __future__ import annotations

import pytest
from suivi_support import stored

from frappe.reports.statistics import (
    Targets,
    candidate_view,
    class_view,
    group_targets,
    seance_key,
    seances,
    summarize,
)
from frappe.storage.store import Group, RosterMember


def test_summary_by_hand() -> None:
    summary = summarize([10.0, None, 30.0, 20.0, 40.0])
    assert summary.count == 4
    assert summary.mean == 25.0  # (10 + 30 + 20 + 40) / 4
    assert summary.median == 25.0  # (20 + 30) / 2
    assert (summary.minimum, summary.maximum) == (10.0, 40.0)
    assert summarize([None]).mean is None
    assert summarize([7.0, 1.0, 4.0]).median == 4.0


def test_class_view_by_hand() -> None:
    group = Group(
        "Promo",
        members=(
            RosterMember("Martin Claire", "C1"),
            RosterMember("Durand Paul"),
            RosterMember("Petit Léa", "L3"),
            RosterMember("Absent Marc"),
        ),
    )
    results = [
        # Claire: two exams, the later one counts; and a practice kept apart.
        stored("Martin Claire", candidate_id="C1", hour=9, speed=20.0, mark=8.0, passed=False),
        stored(
            "MARTIN C.",
            candidate_id="C1",
            hour=11,
            speed=35.0,
            mark=15.0,
            passed=True,
            error_classes={"accent": 2, "word": 1},
        ),
        stored("Martin Claire", candidate_id="C1", hour=12, mode="practice", speed=99.0),
        stored(
            "Durand Paul",
            speed=25.0,
            mark=10.0,
            passed=False,
            error_rate=0.08,
            error_classes={"accent": 1, "punctuation": 3},
            critical_errors=2,
        ),
        stored("Petit Léa", candidate_id="L3", speed=40.0, mark=18.0, passed=True, error_rate=0.01),
        stored("Inconnu Hors Groupe", speed=5.0),
    ]
    view = class_view(results, group=group, mode="exam", title="Promo")
    assert [row.name for row in view.rows] == [
        "Martin Claire",
        "Durand Paul",
        "Petit Léa",
        "Absent Marc",
    ]
    assert [row.attempts for row in view.rows] == [2, 1, 1, 0]
    assert view.rows[0].result is not None and view.rows[0].result.speed == 35.0
    assert view.rows[3].result is None
    assert view.speed.mean == pytest.approx((35 + 25 + 40) / 3)
    assert view.speed.median == 35.0
    assert (view.mark.minimum, view.mark.maximum) == (10.0, 18.0)
    assert view.mark.mean == pytest.approx(43 / 3)
    assert view.error_rate.median == 0.02
    assert (view.passed, view.graded) == (2, 3)
    assert view.pass_rate == pytest.approx(2 / 3)
    assert view.error_classes == (("accent", 3), ("punctuation", 3), ("word", 1))
    assert view.critical_errors == 2
    practice = class_view(results, group=group, mode="practice")
    assert practice.speed.mean == 99.0 and practice.graded == 1


def test_class_view_without_group_lists_every_candidate() -> None:
    view = class_view([stored("b"), stored("A"), stored("b", hour=10)])
    assert [row.name for row in view.rows] == ["A", "b"]
    assert view.pass_rate == 1.0


def test_seances() -> None:
    a = stored("A", day=2, exercise="t01")
    b = stored("B", day=2, exercise="t02", hour=14)
    c = stored("C", day=1, exercise="t01", seance="S-42")
    assert seance_key(c) == "S-42"
    assert seances([a, b, c]) == ["S-42", seance_key(a), seance_key(b)]
    assert seance_key(a).endswith(" t01")


def test_candidate_view_by_hand() -> None:
    results = [
        stored("Léa", day=20, speed=30.0, weak_keys=(("é", 2, 10), ("a", 1, 50))),
        stored("Léa", day=10, speed=20.0, weak_keys=(("é", 3, 10), ("q", 2, 2))),
        stored("Léa", day=15, mode="practice", speed=25.0, error_classes={"accent": 4}),
    ]
    view = candidate_view(results, targets=Targets(28.0, 0.95, "groupe"))
    assert [p.speed for p in view.exams] == [20.0, 30.0]  # oldest first
    assert [p.speed for p in view.practice] == [25.0]
    # é: 5 errors / 20 attempts = 25 %; a: 1/50; q has only 2 attempts (< 3): left out.
    assert [(k.char, k.errors, k.attempts) for k in view.weak_keys] == [("é", 5, 20), ("a", 1, 50)]
    assert view.error_classes == (("accent", 4),)
    assert view.targets.speed == 28.0


def test_group_targets() -> None:
    assert group_targets(None) == Targets()
    explicit = group_targets(Group("G", speed_target=33.0, accuracy_target=0.9))
    assert (explicit.speed, explicit.accuracy) == (33.0, 0.9)
    from_profile = group_targets(Group("G", profile="frappe"))
    assert from_profile.speed == 25.0 and from_profile.accuracy == pytest.approx(0.95)
