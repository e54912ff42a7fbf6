"""The results store contract, on both back ends wherever a method exists on both (the SQLite
history and the room's PostgreSQL, a real server): rows from records (typing, dictation,
correction, séance), one row per result file, the ResultFilter (partial and case-insensitive
names, exact names, dates, exercise, mode, kind, group, limit), candidates, groups and
rosters, one French line when the database refuses. SQLite only: explicit schema versions and
the 1 → 2 migration of a database written by the schema-1 frappe."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from frappe.errors import StorageError
from frappe.exercises.record import Candidate, Mode, ResultRecord
from frappe.exercises.results import score_record
from frappe.storage.history import _SCHEMA_1, HISTORY_SCHEMA, History, open_history
from frappe.storage.room.store import open_room_store
from frappe.storage.store import (
    Group,
    ResultFilter,
    ResultStore,
    RosterMember,
    filter_clauses,
    like_pattern,
    name_key,
    search_key,
)
from support.records import RecordFactory


def _record(
    make_record: RecordFactory,
    name: str,
    candidate_id: str | None = None,
    *,
    day: int = 23,
    exercise: str = "t01-test",
) -> ResultRecord:
    record = make_record()
    started = datetime(2026, 11, day, 9, 0, tzinfo=UTC)
    return replace(
        record,
        candidate=Candidate(name, candidate_id),
        exercise_id=exercise,
        started_at=started,
        ended_at=started + timedelta(seconds=record.duration_s),
    )


def _add(store: ResultStore, record: ResultRecord, path: Path, mode: Mode = "exam") -> int:
    score = score_record(record)
    metrics = score.metrics_dict()
    metrics["errors"] = [error.to_dict() for error in score.comparison.errors]
    return store.add(record, metrics, path, mode=mode)


StoreOpener = Callable[[], AbstractContextManager[ResultStore]]


@pytest.fixture(params=["sqlite", "postgresql"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreOpener:
    """The same contract tests on both back ends: the SQLite history and the room's
    PostgreSQL (a real server, see tests/support/postgres_server.py)."""
    if request.param == "sqlite":
        return lambda: open_history(tmp_path / "h.db")
    url = request.getfixturevalue("store_url")
    return lambda: open_room_store(url)


def test_history_is_a_result_store(tmp_path: Path) -> None:
    with open_history(tmp_path / "h.db") as history:
        store: ResultStore = history  # mypy checks the Protocol here
        assert store.results() == []


def test_room_store_is_a_result_store(store_url: str) -> None:
    with open_room_store(store_url) as room:
        store: ResultStore = room  # mypy checks the Protocol here
        assert store.results() == []


def test_name_keys() -> None:
    assert name_key("  Martin   Claire ") == "Martin Claire"
    assert name_key("D’Artagnan Léa") == "D'Artagnan Léa"
    assert name_key("MARTIN Claire") != name_key("Martin Claire")  # proposed, never merged
    assert search_key("Hélène MARTIN") == "helene martin"
    assert like_pattern("50%_x") == "%50\\%\\_x%"


def test_partial_case_insensitive_search(
    tmp_path: Path, make_record: RecordFactory, open_store: StoreOpener
) -> None:
    with open_store() as history:
        _add(history, _record(make_record, "Martin Bruno", "B-1"), tmp_path / "a.json")
        _add(history, _record(make_record, "Hélène Durand", "H-2"), tmp_path / "b.json")
        _add(history, _record(make_record, "Paul 50%"), tmp_path / "c.json")
        names = lambda q: [r.candidate_name for r in history.results(q)]  # noqa: E731
        assert names(ResultFilter(candidate="martin")) == ["Martin Bruno"]
        assert names(ResultFilter(candidate="HELENE")) == ["Hélène Durand"]
        assert names(ResultFilter(candidate="H-2")) == ["Hélène Durand"]
        assert names(ResultFilter(candidate="0%")) == ["Paul 50%"]
        assert names(ResultFilter(candidate="_")) == []  # a LIKE wildcard is escaped


def test_filters_by_date_exercise_mode_kind(
    tmp_path: Path, make_record: RecordFactory, open_store: StoreOpener
) -> None:
    with open_store() as history:
        _add(history, _record(make_record, "A", day=20), tmp_path / "1.json")
        _add(history, _record(make_record, "B", day=22, exercise="t02"), tmp_path / "2.json")
        _add(history, _record(make_record, "C", day=24), tmp_path / "3.json", mode="practice")
        names = lambda q: [r.candidate_name for r in history.results(q)]  # noqa: E731
        assert names(ResultFilter()) == ["C", "B", "A"]  # most recent first
        since = datetime(2026, 11, 21, tzinfo=UTC)
        until = datetime(2026, 11, 24, tzinfo=UTC)
        assert names(ResultFilter(since=since)) == ["C", "B"]
        assert names(ResultFilter(since=since, until=until)) == ["B"]
        assert names(ResultFilter(exercise="t02")) == ["B"]
        assert names(ResultFilter(mode="practice")) == ["C"]
        assert names(ResultFilter(mode="exam", limit=1)) == ["B"]
        assert names(ResultFilter(kind="transcription")) == []


def test_stored_details(
    tmp_path: Path, make_record: RecordFactory, open_store: StoreOpener
) -> None:
    record = _record(make_record, "Martin Claire", "C-001")
    with open_store() as history:
        _add(history, record, tmp_path / "a.json")
        (stored,) = history.results()
    # The fixture's record: « matn » for « matin » (spelling), « bien. » not reached.
    assert stored.error_classes == {"spelling": 1}
    assert stored.integrity_events == {"paste_refused": 1}
    # Each key against the word's character at its length (Monkeytype): in « matn. » the « n »
    # is typed where « i » was expected, the « . » where « n » was.
    assert stored.weak_keys == (("i", 1, 3), ("n", 1, 2))
    assert stored.critical_errors is None and stored.seance is None


def test_groups_and_rosters(
    tmp_path: Path, make_record: RecordFactory, open_store: StoreOpener
) -> None:
    group = Group(
        name="Promo 2026",
        starts_on=date(2026, 9, 1),
        ends_on=date(2027, 6, 30),
        profile="frappe",
        speed_target=30.0,
        accuracy_target=0.95,
        members=(
            RosterMember("Martin Claire", "C-001"),
            RosterMember("Durand Paul", None, aliases=("DURAND Paul",)),
        ),
    )
    with open_store() as history:
        history.save_group(group)
        assert history.group("Promo 2026") == group
        assert [g.name for g in history.groups()] == ["Promo 2026"]
        # By id whatever the spelling; by name key or an accepted alias; others left out.
        _add(history, _record(make_record, "MARTIN C.", "C-001"), tmp_path / "1.json")
        _add(history, _record(make_record, "DURAND  Paul", None), tmp_path / "2.json")
        _add(history, _record(make_record, "Durand Paul", "X-9"), tmp_path / "3.json")
        _add(history, _record(make_record, "Martin Claire", "C-002"), tmp_path / "4.json")
        _add(history, _record(make_record, "Autre Personne"), tmp_path / "5.json")
        found = history.results(ResultFilter(group="Promo 2026"))
        assert sorted(r.result_path[-6:] for r in found) == ["1.json", "2.json", "3.json"]
        assert history.results(ResultFilter(group="inconnu")) == []
        history.save_group(replace(group, members=group.members[:1]))
        assert len(history.group("Promo 2026").members) == 1  # type: ignore[union-attr]
        assert history.delete_group("Promo 2026") is True
        assert history.delete_group("Promo 2026") is False
        assert len(history.results()) == 5  # results are never deleted with a group


def test_migration_from_schema_1(tmp_path: Path) -> None:
    """A database written by the schema-1 frappe (with its in-place columns) opens as schema
    2, every row kept, name keys computed, groups usable."""
    db = tmp_path / "old.sqlite3"
    connection = sqlite3.connect(db)
    connection.executescript(_SCHEMA_1)
    connection.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    connection.execute("INSERT INTO schema_version VALUES (1)")
    connection.execute("ALTER TABLE results ADD COLUMN recognition_errors INTEGER")
    connection.execute(
        "INSERT INTO results (candidate_name, candidate_id, exercise_id, kind, mode, started_at,"
        " ended_at, duration_s, end_reason, profile, speed, mark_20, passed, result_path,"
        " recorded_at) VALUES ('Hélène  Martin', NULL, 't01', 'typing', 'exam',"
        " '2026-01-05T09:00:00.000Z', '2026-01-05T09:10:00.000Z', 600, 'timeout', 'frappe',"
        " 31.5, 12.5, 1, '/r/a.json', '2026-01-05T09:10:01.000Z')"
    )
    connection.commit()
    connection.close()
    with open_history(db) as history:
        (row,) = history.results(ResultFilter(candidate="helene"))
        assert row.speed == 31.5 and row.mark_20 == 12.5 and row.passed is True
        assert row.error_classes == {} and row.weak_keys == ()
        history.save_group(Group("G", members=(RosterMember("Hélène Martin"),)))
        assert len(history.results(ResultFilter(group="G"))) == 1
    connection = sqlite3.connect(db)
    try:
        assert connection.execute("SELECT version FROM schema_version").fetchall() == [(2,)]
        columns = {r[1] for r in connection.execute("PRAGMA table_info(results)")}
        assert {"fixed", "candidate_key", "error_classes", "seance"} <= columns
    finally:
        connection.close()
    assert HISTORY_SCHEMA == 2


def test_failed_migration_leaves_schema_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A migration step that fails rolls back whole: the database stays a valid schema 1."""
    db = tmp_path / "old.sqlite3"
    connection = sqlite3.connect(db)
    connection.executescript(_SCHEMA_1)
    connection.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    connection.execute("INSERT INTO schema_version VALUES (1)")
    connection.commit()
    connection.close()

    def broken(db: sqlite3.Connection) -> None:
        db.execute("ALTER TABLE results ADD COLUMN candidate_key TEXT")
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setitem(History.__init__.__globals__["_MIGRATIONS"], 1, broken)
    with pytest.raises(Exception, match="historique"):
        open_history(db).__enter__()
    connection = sqlite3.connect(db)
    try:
        assert connection.execute("SELECT version FROM schema_version").fetchall() == [(1,)]
        columns = {r[1] for r in connection.execute("PRAGMA table_info(results)")}
        assert "candidate_key" not in columns
    finally:
        connection.close()


def test_filter_clauses_are_standard_sql() -> None:
    """The WHERE any back end can run (PostgreSQL's driver uses %s)."""
    group = Group("G", members=(RosterMember("A B", "1"),))
    where, params = filter_clauses(
        ResultFilter(candidate="ab", mode="exam"), group, placeholder="%s"
    )
    assert "?" not in where and "COLLATE" not in where and where.count("%s") == len(params)
    assert params == ["%ab%", "ab", "exam", "1", "A B"]


def test_exact_name_filter(
    tmp_path: Path, make_record: RecordFactory, open_store: StoreOpener
) -> None:
    """One person's own results (the practice progress screen): no partial match."""
    with open_store() as history:
        _add(history, _record(make_record, "Martin  Claire"), tmp_path / "a.json")
        _add(history, _record(make_record, "Martin Claire-Anne"), tmp_path / "b.json")
        found = history.results(ResultFilter(name="Martin Claire"))
        assert [r.candidate_name for r in found] == ["Martin  Claire"]


def test_add_returns_the_row_and_stores_the_record(
    tmp_path: Path, make_record: RecordFactory, open_store: StoreOpener
) -> None:
    record = make_record()
    metrics = score_record(record).metrics_dict()
    with open_store() as store:
        row = store.add(record, metrics, tmp_path / "a.json", mode="practice")
        (stored,) = store.results()
    assert stored.id == row
    assert (stored.candidate_name, stored.candidate_id) == ("Martin Claire", "C-001")
    assert (stored.exercise_id, stored.exercise_title) == ("t01-test", "Test")
    assert (stored.kind, stored.mode, stored.end_reason) == ("typing", "practice", "timeout")
    assert (stored.profile, stored.speed_unit) == ("frappe", "mots/min")
    assert stored.faults == pytest.approx(metrics["faults"])
    assert stored.speed == pytest.approx(metrics["speed"])
    assert stored.mark_20 == pytest.approx(metrics["mark_20"]) and stored.passed is False
    assert stored.duration_s == 60.0 and stored.characters == metrics.get("characters")
    # Dates come back as they went in, in UTC, from either back end.
    assert stored.started_at == record.started_at and stored.ended_at == record.ended_at
    assert stored.started_at.utcoffset() == timedelta(0)
    assert stored.result_path == str((tmp_path / "a.json").resolve())
    assert stored.seance is None and stored.verification is None


def test_the_same_result_file_is_one_row_and_candidates_are_sorted(
    tmp_path: Path, make_record: RecordFactory, open_store: StoreOpener
) -> None:
    record = make_record()
    metrics = score_record(record).metrics_dict()
    with open_store() as store:
        first = store.add(record, metrics, tmp_path / "a.json")
        again = store.add(make_record(candidate="martin Claire"), metrics, tmp_path / "a.json")
        store.add(make_record(candidate="Bernard Paul"), metrics, tmp_path / "b.json")
        store.add(make_record(candidate="Zoé Arnaud"), metrics, tmp_path / "c.json")
        assert again == first  # recording the same file again replaces its row
        assert len(store.results()) == 3
        assert [r.candidate_name for r in store.results(ResultFilter(name="martin Claire"))] == [
            "martin Claire"
        ]
        # Alphabetical whatever the case: « martin » between « Bernard » and « Zoé ».
        assert store.candidates() == ["Bernard Paul", "martin Claire", "Zoé Arnaud"]


def test_rows_of_a_dictation_and_of_a_correction(
    tmp_path: Path, make_record: RecordFactory, open_store: StoreOpener
) -> None:
    """Dictation metrics that only transcriptions and corrections have, and the séance."""
    transcription = replace(
        make_record(kind="transcription", duration_s=120.0, with_log=False),
        score={"listening": {"heard_s": 30.0, "heard_ratio": 0.5}, "errors": []},
    )
    correction = replace(
        make_record(with_log=False, candidate="Durand Paul"), kind="correction", draft="Le patien"
    )
    with open_store() as store:
        store.add(
            transcription,
            {"critical_errors": 3, "passed": False, "faults": 12.5, "mark_20": 7.5},
            tmp_path / "d.json",
            seance="K7M2QX",
        )
        store.add(
            correction,
            {"recognition_errors": 9, "fixed": 6, "missed": 3, "introduced": 1, "passed": True},
            tmp_path / "c.json",
        )
        dictation = store.results(ResultFilter(kind="transcription"))[0]
        fixed = store.results(ResultFilter(kind="correction"))[0]
    assert dictation.critical_errors == 3 and dictation.passed is False
    assert dictation.faults == 12.5 and dictation.mark_20 == 7.5 and dictation.speed is None
    assert dictation.listening_ratio == pytest.approx(2.0)  # 120 s spent on 60 s of audio
    assert dictation.weak_keys == () and dictation.seance == "K7M2QX"
    assert (fixed.recognition_errors, fixed.fixed, fixed.missed, fixed.introduced) == (9, 6, 3, 1)
    assert fixed.passed is True and fixed.seance is None


def test_group_lookups_and_a_limited_group_filter(
    tmp_path: Path, make_record: RecordFactory, open_store: StoreOpener
) -> None:
    with open_store() as store:
        assert store.group("inconnu") is None and store.groups() == []
        store.save_group(Group("beta", members=(RosterMember("Martin Claire"),)))
        store.save_group(Group("Alpha", profile="dictee"))
        assert [g.name for g in store.groups()] == ["Alpha", "beta"]  # whatever the case
        assert store.group("ALPHA") is None  # exact names
        for day in (20, 22, 24):
            _add(store, _record(make_record, "Martin Claire", day=day), tmp_path / f"{day}.json")
            _add(store, _record(make_record, "Autre", day=day), tmp_path / f"x{day}.json")
        # The limit counts the group's own results (most recent first), not all rows.
        found = store.results(ResultFilter(group="beta", limit=2))
        assert [r.result_path[-7:] for r in found] == ["24.json", "22.json"]
        assert [r.candidate_name for r in store.results(ResultFilter(limit=1))] == ["Autre"]


def test_row_of_a_dictation(make_record: RecordFactory, tmp_path: Path) -> None:
    """Critical errors from the metrics; listening ratio = time spent ÷ audio length, the audio
    length being heard_s ÷ heard_ratio (what the dictation run stores)."""
    from frappe.storage.store import result_values  # noqa: PLC0415

    record = replace(
        make_record(kind="transcription", duration_s=120.0, with_log=False),
        score={"listening": {"heard_s": 30.0, "heard_ratio": 0.5}, "errors": []},
    )
    values = result_values(
        record, {"critical_errors": 3, "passed": False}, tmp_path / "d.json", mode="exam"
    )
    assert values["critical_errors"] == 3 and values["passed"] == 0
    assert values["listening_ratio"] == pytest.approx(2.0)  # 120 s spent on 60 s of audio
    assert values["weak_keys"] == "[]"  # keys are judged for typing tests only


@pytest.fixture(params=["sqlite", "postgresql"])
def refusing_store(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[StoreOpener, str]:
    """A store its database refuses, and the French words its one-line message holds: a
    damaged SQLite file; the room server with a wrong password."""
    if request.param == "sqlite":
        damaged = tmp_path / "h.db"
        damaged.write_bytes(b"ceci n'est pas une base SQLite" * 200)
        return (lambda: open_history(damaged)), "endommagée"
    url = urlsplit(request.getfixturevalue("store_url"))
    wrong = urlunsplit(url._replace(netloc=f"{url.username}:faux@{url.hostname}:{url.port}"))
    return (lambda: open_room_store(wrong)), "mot de passe refusé"


def test_a_refusing_database_is_one_french_line(refusing_store: tuple[StoreOpener, str]) -> None:
    opener, words = refusing_store
    with pytest.raises(StorageError) as caught, opener():
        pass
    message = str(caught.value)
    assert words in message and "\n" not in message.strip()
