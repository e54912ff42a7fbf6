"""Official results: each attempt scored from the central journal with the séance's own
reference, duration and profile (stored on the server), never from a seat's file.

While the séance is open the results are provisional (computed on demand); closing it scores
every attempt once, stores the records with the chain head they were computed from
(``frappe.official_result``, append-only), adds them to the room's results store
(``frappe.results``, read by the tableaux de suivi) and refuses any later line or hand-in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from frappe.errors import FrappeError, RoomError
from frappe.exercises.record import Candidate, ResultRecord
from frappe.exercises.results import score_record
from frappe.exercises.session import unfinished_record
from frappe.scoring.correction import CorrectionScore
from frappe.scoring.transcription import TranscriptionScore
from frappe.storage.journal import parse_journal
from frappe.storage.room.client import SeanceInfo, get_seance, room_errors
from frappe.storage.room.store import PostgresStore

__all__ = [
    "STATE_LABELS",
    "OfficialResult",
    "close_seance",
    "official_path",
    "score_attempt",
    "seance_results",
]

Connection = psycopg.Connection[Any]

STATE_LABELS = {
    "running": "en cours",
    "handed_in": "remis",
    "released": "libéré",
    "interrupted": "interrompu",
}


@dataclass(frozen=True, slots=True)
class OfficialResult:
    """One attempt's result, from the central journal.

    Attributes:
        attempt_id: The attempt.
        seance_id: Its séance.
        candidate: Who took it.
        state: ``running``, ``handed_in``, ``released`` or ``interrupted``.
        record: The result record rebuilt from the central journal (score included).
        metrics: The official metrics (the scorer's ``metrics_dict``).
        head_seq: The last journal line it was computed from.
        head_hash: That line's chain hash (hex).
        fixed: True once the séance is closed (stored, final); False: provisional.
        warnings: Damage found in the journal and tolerated, in French.
    """

    attempt_id: int
    seance_id: str
    candidate: Candidate
    state: str
    record: ResultRecord
    metrics: dict[str, Any]
    head_seq: int
    head_hash: str
    fixed: bool
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The export object: candidate, state, typed text, official metrics, chain head."""
        return {
            "attempt": self.attempt_id,
            "seance": self.seance_id,
            "candidate": {"name": self.candidate.name, "id": self.candidate.id},
            "state": self.state,
            "official": self.fixed,
            "exercise": {"id": self.record.exercise_id, "title": self.record.exercise_title},
            "typed": self.record.typed,
            "duration_s": round(self.record.duration_s, 3),
            "end_reason": self.record.end_reason,
            "metrics": self.metrics,
            "journal": {"lines": self.head_seq, "head_sha256": self.head_hash},
        }


def score_attempt(
    seance: SeanceInfo,
    attempt_id: int,
    candidate: Candidate,
    state: str,
    lines: list[str],
    head_hash: bytes,
) -> OfficialResult:
    """Score one attempt's central journal against the séance (header lines sent by the seat
    are ignored: the reference, duration and profile are the server's)."""
    header = seance.journal_header(candidate, session_id=f"{seance.id}-{attempt_id}")
    raw = "".join(line + "\n" for line in lines).encode("utf-8")
    contents = parse_journal(
        raw,
        Path(f"séance {seance.id}, épreuve {attempt_id}"),
        datetime.now(UTC),
        header=header,
    )
    record = unfinished_record(
        contents.header.config,
        keystrokes=contents.keystrokes,
        events=contents.events,
        elapsed_ms=contents.elapsed_ms,
        started_at=contents.started_at or contents.header.created_at,
        end_reason=contents.end_reason,
    )
    score = score_record(record)
    metrics = dict(score.metrics_dict())
    # A dictation's faults one by one (and a correction's recognition errors), as the seat's
    # result file lists them: the trainer reviews them from the official result.
    if isinstance(score, CorrectionScore):
        metrics["errors"] = [flagged.to_dict() for flagged in score.final.errors]
        metrics["recognition"] = score.errors_dict()
    elif isinstance(score, TranscriptionScore):
        metrics["errors"] = [flagged.to_dict() for flagged in score.errors]
    record = replace(record, score=metrics)
    return OfficialResult(
        attempt_id=attempt_id,
        seance_id=seance.id,
        candidate=candidate,
        state=state,
        record=record,
        metrics=json.loads(json.dumps(metrics)),
        head_seq=len(lines),
        head_hash=head_hash.hex(),
        fixed=False,
        warnings=contents.warnings,
    )


def _attempt_rows(conn: Connection, seance_id: str, *, lock: bool) -> list[tuple[Any, ...]]:
    suffix = " FOR UPDATE" if lock else ""
    return conn.execute(
        "SELECT id, candidate_name, candidate_id, state, head_hash FROM frappe.attempt"
        f" WHERE seance_id = %s ORDER BY id{suffix}",
        (seance_id,),
    ).fetchall()


def _lines(conn: Connection, attempt_id: int) -> list[str]:
    rows = conn.execute(
        "SELECT line FROM frappe.journal_line WHERE attempt_id = %s ORDER BY seq", (attempt_id,)
    ).fetchall()
    return [str(row[0]) for row in rows]


def _score_rows(
    conn: Connection, seance: SeanceInfo, rows: list[tuple[Any, ...]]
) -> list[OfficialResult]:
    results: list[OfficialResult] = []
    for attempt_id, name, cid, state, head in rows:
        lines = _lines(conn, attempt_id)
        try:
            result = score_attempt(
                seance, attempt_id, Candidate(name, cid), state, lines, bytes(head)
            )
        except FrappeError as error:
            raise RoomError(
                f"épreuve {attempt_id} ({name}) : résultat impossible à calculer ({error})"
            ) from error
        results.append(result)
    return results


def seance_results(conn: Connection, seance_id: str) -> tuple[SeanceInfo, list[OfficialResult]]:
    """The séance and its results: the fixed ones once it is closed, else provisional ones
    scored now from the central journal."""
    seance = get_seance(conn, seance_id)
    with room_errors():
        if seance.closed_at is not None:
            rows = conn.execute(
                "SELECT a.id, a.candidate_name, a.candidate_id, r.state, r.record, r.metrics,"
                " r.head_seq, r.head_hash FROM frappe.official_result AS r"
                " JOIN frappe.attempt AS a ON a.id = r.attempt_id"
                " WHERE a.seance_id = %s ORDER BY a.id",
                (seance.id,),
            ).fetchall()
            return seance, [
                OfficialResult(
                    attempt_id=int(r[0]),
                    seance_id=seance.id,
                    candidate=Candidate(str(r[1]), r[2]),
                    state=str(r[3]),
                    record=ResultRecord.from_dict(r[4]),
                    metrics=dict(r[5]),
                    head_seq=int(r[6]),
                    head_hash=bytes(r[7]).hex(),
                    fixed=True,
                )
                for r in rows
            ]
        return seance, _score_rows(conn, seance, _attempt_rows(conn, seance.id, lock=False))


def official_path(seance_id: str, attempt_id: int) -> Path:
    """The name an official result goes by in the room's results store (it has no file on a
    seat: the central journal is its source)."""
    return Path("/frappe-room") / seance_id / f"{attempt_id}.json"


def close_seance(conn: Connection, seance_id: str) -> tuple[SeanceInfo, list[OfficialResult]]:
    """Close an open séance: score every attempt from the central journal, store the results
    with their chain heads, mark unfinished attempts ``interrupted``; seats can no longer
    join, write or hand in. RoomError when it is already closed."""
    seance = get_seance(conn, seance_id)
    if seance.closed_at is not None:
        raise RoomError(f"la séance {seance.id} est déjà close")
    with room_errors(), conn.transaction():
        locked = conn.execute(
            "SELECT closed_at FROM frappe.seance WHERE id = %s FOR UPDATE", (seance.id,)
        ).fetchone()
        if locked is None or locked[0] is not None:
            raise RoomError(f"la séance {seance.id} est déjà close")
        rows = _attempt_rows(conn, seance.id, lock=True)
        results = _score_rows(conn, seance, rows)
        store = PostgresStore(conn)
        fixed: list[OfficialResult] = []
        for result in results:
            state = "handed_in" if result.state == "handed_in" else "interrupted"
            conn.execute(
                "INSERT INTO frappe.official_result (attempt_id, state, record, metrics,"
                " head_seq, head_hash) VALUES (%s, %s, %s, %s, %s, %s)",
                (
                    result.attempt_id,
                    state,
                    Jsonb(result.record.to_dict()),
                    Jsonb(result.metrics),
                    result.head_seq,
                    bytes.fromhex(result.head_hash),
                ),
            )
            if state != result.state:
                conn.execute(
                    "UPDATE frappe.attempt SET state = 'interrupted' WHERE id = %s",
                    (result.attempt_id,),
                )
            # The room's results store (the trainer's tableaux de suivi) gets the official
            # result too, its chain head as the verification hash.
            row_id = store.add(
                result.record,
                result.metrics,
                official_path(seance.id, result.attempt_id),
                mode="exam",
                seance=seance.id,
            )
            conn.execute(
                "UPDATE frappe.results SET verification = %s WHERE id = %s",
                (result.head_hash, row_id),
            )
            fixed.append(replace(result, state=state, fixed=True))
        conn.execute("UPDATE frappe.seance SET closed_at = now() WHERE id = %s", (seance.id,))
        conn.execute("SELECT frappe.notify(%s, NULL, 'close', 0)", (seance.id,))
    return get_seance(conn, seance.id), fixed
