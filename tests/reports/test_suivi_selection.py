"""What a class view or an export covers (group, séance, period), shared by `frappe suivi` and
the app: typed dates, inclusive periods on the trainer's calendar, titles and file names."""

from __future__ import annotations

from datetime import date

import pytest
from suivi_support import stored

from frappe.durations import parse_day
from frappe.reports.selection import Selection, file_slug, seance_label
from frappe.reports.statistics import local_day, seance_key


def test_dates_typed_as_in_the_cli() -> None:
    assert parse_day("2026-11-27") == date(2026, 11, 27)
    assert parse_day(" 27/11/2026 ") == date(2026, 11, 27)
    for wrong in ("31/02/2026", "27-11-2026", "27/11/26", "demain", ""):
        with pytest.raises(ValueError, match="date invalide") as caught:
            parse_day(wrong)
        message = str(caught.value)
        assert f"« {wrong} »" in message and "AAAA-MM-JJ ou JJ/MM/AAAA" in message
        assert "\n" not in message


def test_a_period_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match=r"période vide : le 12/10/2026 est après le 01/10/2026"):
        Selection(date_from=date(2026, 10, 12), date_to=date(2026, 10, 1))
    Selection(date_from=date(2026, 10, 12), date_to=date(2026, 10, 12))  # one day is fine


def test_period_and_seance_narrow_inclusively() -> None:
    results = [stored("Martin Claire", day=day, hour=9) for day in (19, 20, 21, 22)]
    results.append(stored("Martin Claire", day=21, hour=9, exercise="t02"))
    days = [local_day(r.started_at) for r in results]
    period = Selection(date_from=days[1], date_to=days[2])
    assert [local_day(r.started_at) for r in period.narrow(results)] == [
        days[1],
        days[2],
        days[2],
    ]
    assert Selection(date_to=days[0]).narrow(results) == [results[0]]
    assert Selection(date_from=days[3]).narrow(results) == [results[3]]
    assert Selection().narrow(results) == results
    one = Selection(seance=seance_key(results[4]), date_from=days[1])
    assert one.narrow(results) == [results[4]]
    # The store filter says the same period (« au » inclusive: until the next midnight).
    store_filter = period.result_filter()
    assert store_filter.since is not None and store_filter.until is not None
    assert store_filter.since.date() == days[1] and store_filter.until.date() == date(2026, 11, 22)
    assert Selection("Promo A").result_filter().group == "Promo A"


def test_titles_and_file_names() -> None:
    assert Selection().title() == "Tous les résultats"
    assert Selection("Promo A").title() == "Promo A"
    chosen = Selection("Promo Été", "2026-10-05 t01", date(2026, 10, 1), date(2026, 10, 31))
    assert chosen.title() == "Promo Été — séance 2026-10-05 t01 — du 01/10/2026 au 31/10/2026"
    assert Selection(date_to=date(2026, 10, 31)).period_text() == "du … au 31/10/2026"
    assert chosen.file_stem("20261029-101500") == (
        "promo-ete-2026-10-05-t01-2026-10-01-au-2026-10-31-20261029-101500"
    )
    assert Selection(date_from=date(2026, 10, 1)).file_stem("s") == "suivi-2026-10-01-au-fin-s"
    assert file_slug("Lefèvre / Hélène") == "lefevre-helene"
    assert seance_label("2026-10-05 t01-test") == "05/10/26 t01-test"
    assert seance_label("salle-7f3a") == "salle-7f3a"
