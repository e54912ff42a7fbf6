"""Official results from the central journal, closing a séance, and chain verification."""

from __future__ import annotations

import json

import psycopg
import pytest
from room_helpers import REFERENCE, typed_lines, typing_config

from frappe.errors import RoomError
from frappe.exercises.record import Candidate
from frappe.storage.room import client
from frappe.storage.room.chain import chain_hash, chain_origin, verify_chains
from frappe.storage.room.official import close_seance, seance_results
from frappe.storage.room.store import open_room_store
from frappe.storage.store import ResultFilter
from support.postgres_server import RoomDatabase


def _typed_seance(room_db: RoomDatabase) -> tuple[str, client.AttemptKey, client.AttemptKey]:
    """A séance where Alice typed and handed in, Bruno typed a little and is still running."""
    with client.connect(room_db.trainer_url) as trainer:
        seance = client.open_seance(trainer, typing_config(), profile_name="frappe").id
    with client.connect(room_db.seat_url) as seat:
        alice = client.join_seance(seat, seance, Candidate("Alice Martin", "C-1")).key
        lines = typed_lines("Le patient est sorti")
        lines.append(json.dumps({"end": "completed", "t": 5000}))
        client.append_lines(seat, alice, 1, lines)
        client.hand_in(seat, alice, len(lines))
        bruno = client.join_seance(seat, seance, Candidate("Bruno Petit")).key
        client.append_lines(seat, bruno, 1, typed_lines("Le pa"))
    return seance, alice, bruno


def test_results_are_scored_from_the_central_journal(room_db: RoomDatabase) -> None:
    seance, _alice, _ = _typed_seance(room_db)
    with client.connect(room_db.trainer_url) as trainer:
        _, provisional = seance_results(trainer, seance)
        assert [(r.candidate.name, r.state, r.fixed) for r in provisional] == [
            ("Alice Martin", "handed_in", False),
            ("Bruno Petit", "running", False),
        ]
        first = provisional[0]
        assert first.record.typed == "Le patient est sorti"
        assert first.record.reference == REFERENCE  # the séance's, not a seat's
        assert first.record.end_reason == "completed"
        assert first.metrics["profile"] == "frappe"
        assert first.metrics["faults"] == 0
        closed, fixed = close_seance(trainer, seance)
        assert closed.closed_at is not None
        assert [(r.state, r.fixed) for r in fixed] == [("handed_in", True), ("interrupted", True)]
        _, stored = seance_results(trainer, seance)
    assert [r.to_json() for r in stored] == [r.to_json() for r in fixed]
    assert stored[1].record.typed == "Le pa"
    assert stored[0].head_seq == len(typed_lines("Le patient est sorti")) + 1
    # The room's results store (tableaux de suivi) holds the official results too.
    with open_room_store(room_db.trainer_url) as store:
        rows = store.results(ResultFilter(seance=seance))
    assert sorted((r.candidate_name, r.end_reason) for r in rows) == [
        ("Alice Martin", "completed"),
        ("Bruno Petit", "interrupted"),
    ]
    assert {r.verification for r in rows} == {r.head_hash for r in fixed}


def test_a_header_line_sent_by_a_seat_does_not_change_the_reference(
    room_db: RoomDatabase,
) -> None:
    with client.connect(room_db.trainer_url) as trainer:
        seance = client.open_seance(trainer, typing_config(), profile_name="frappe").id
    forged = dict(json.loads(json.dumps({"frappe_journal": 1})))
    forged["reference"] = {"text": "Le pa", "sha256": "x"}
    with client.connect(room_db.seat_url) as seat:
        key = client.join_seance(seat, seance, Candidate("Alice")).key
        client.append_lines(seat, key, 1, [json.dumps(forged), *typed_lines("Le pa")])
    with client.connect(room_db.trainer_url) as trainer:
        _, [result] = seance_results(trainer, seance)
    assert result.record.reference == REFERENCE


def test_a_closed_seance_refuses_seats(room_db: RoomDatabase) -> None:
    seance, _, bruno = _typed_seance(room_db)
    with client.connect(room_db.trainer_url) as trainer:
        close_seance(trainer, seance)
        with pytest.raises(RoomError, match="déjà close"):
            close_seance(trainer, seance)
    with client.connect(room_db.seat_url) as seat:
        with pytest.raises(RoomError, match="séance est close") as closed:
            client.join_seance(seat, seance, Candidate("Chloé"))
        assert "\n" not in str(closed.value)
        with pytest.raises(RoomError):
            client.append_lines(seat, bruno, 7, ['{"t":9000}'])
        assert seance not in [s.id for s in client.open_seances(seat)]


def test_verify_finds_intact_chains(room_db: RoomDatabase) -> None:
    seance, _alice, _ = _typed_seance(room_db)
    with client.connect(room_db.trainer_url) as trainer:
        report = verify_chains(trainer, seance)
        close_seance(trainer, seance)
        after_close = verify_chains(trainer, seance)
    assert report.attempts == 2 and report.lines > 20 and report.breaks == ()
    assert after_close.breaks == ()


def test_python_and_sql_chain_formulas_agree(room_db: RoomDatabase) -> None:
    _seance, alice, _ = _typed_seance(room_db)
    with psycopg.connect(room_db.admin_url) as admin:
        rows = admin.execute(
            "SELECT seq, line, hash FROM frappe.journal_line WHERE attempt_id = %s ORDER BY seq",
            (alice.attempt_id,),
        ).fetchall()
    running = chain_origin(alice.attempt_id)
    for seq, line, stored in rows:
        running = chain_hash(running, seq, line)
        assert running == bytes(stored)


def _tamper(room_db: RoomDatabase, statement: str, *params: object) -> None:
    """What an administrator with the superuser password could do: triggers off, then edit."""
    with psycopg.connect(room_db.admin_url, autocommit=True) as admin:
        admin.execute("SET session_replication_role = replica")
        admin.execute(statement.encode(), params)


def test_verify_reports_an_edited_line(room_db: RoomDatabase) -> None:
    seance, alice, _ = _typed_seance(room_db)
    edited = json.dumps({"k": [400, "X", "insert", 1, "X"]}, separators=(",", ":"))
    _tamper(
        room_db,
        "UPDATE frappe.journal_line SET line = %s WHERE attempt_id = %s AND seq = 3",
        edited,
        alice.attempt_id,
    )
    with client.connect(room_db.trainer_url) as trainer:
        report = verify_chains(trainer, seance)
    [found] = report.breaks
    assert (found.attempt_id, found.seq) == (alice.attempt_id, 3)
    assert "ligne modifiée" in found.describe() and "Alice Martin" in found.describe()


def test_verify_reports_deleted_and_truncated_lines(room_db: RoomDatabase) -> None:
    seance, alice, bruno = _typed_seance(room_db)
    _tamper(
        room_db,
        "DELETE FROM frappe.journal_line WHERE attempt_id = %s AND seq = 2",
        alice.attempt_id,
    )
    _tamper(
        room_db,
        "DELETE FROM frappe.journal_line WHERE attempt_id = %s AND seq = 6",
        bruno.attempt_id,
    )
    with client.connect(room_db.trainer_url) as trainer:
        report = verify_chains(trainer)
    mine = [b for b in report.breaks if b.seance_id == seance]
    assert [(b.attempt_id, b.seq) for b in mine] == [(alice.attempt_id, 2), (bruno.attempt_id, 5)]
    assert "manquante" in mine[0].reason
    assert "ancré" in mine[1].reason


def test_verify_reports_an_official_result_sealed_on_another_head(room_db: RoomDatabase) -> None:
    seance, alice, _ = _typed_seance(room_db)
    with client.connect(room_db.trainer_url) as trainer:
        close_seance(trainer, seance)
    _tamper(
        room_db,
        "UPDATE frappe.official_result SET head_hash = sha256('x') WHERE attempt_id = %s",
        alice.attempt_id,
    )
    with client.connect(room_db.trainer_url) as trainer:
        [found] = verify_chains(trainer, seance).breaks
    assert found.attempt_id == alice.attempt_id
    assert "scellé sur une autre fin de chaîne" in found.reason
