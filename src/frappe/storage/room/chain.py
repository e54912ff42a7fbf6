"""Hash chains of the central journal, checked independently of the server's own functions.

Each attempt's lines are chained: ``hash(n) = sha256(hash(n-1) || int4 big-endian n || UTF-8
line)``, starting from ``sha256('frappe-room:' || attempt id)`` (the same formula as the SQL
``frappe.chain_hash``). The head (last seq and hash) is anchored on the attempt row, and again
in the official result fixed when the séance closes (append-only), which goes into the signed
export: an edited, deleted, reordered or truncated line no longer matches.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import psycopg

from frappe.storage.room.client import room_errors

__all__ = ["ChainBreak", "ChainReport", "chain_hash", "chain_origin", "verify_chains"]

Connection = psycopg.Connection[Any]


def chain_origin(attempt_id: int) -> bytes:
    """The hash the first line of an attempt chains on."""
    return hashlib.sha256(f"frappe-room:{attempt_id}".encode()).digest()


def chain_hash(previous: bytes, seq: int, line: str) -> bytes:
    """The hash of line ``seq`` after ``previous``."""
    return hashlib.sha256(previous + seq.to_bytes(4, "big", signed=True) + line.encode()).digest()


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """A place where an attempt's journal no longer matches its chain.

    Attributes:
        seance_id: The séance.
        attempt_id: The attempt.
        candidate: The candidate's name.
        seq: The first line concerned (0: the attempt as a whole).
        reason: What is wrong, in French.
    """

    seance_id: str
    attempt_id: int
    candidate: str
    seq: int
    reason: str

    def describe(self) -> str:
        """One line for the trainer."""
        where = f", ligne {self.seq}" if self.seq else ""
        return (
            f"séance {self.seance_id}, épreuve {self.attempt_id} ({self.candidate}){where} : "
            f"{self.reason}"
        )


@dataclass(frozen=True, slots=True)
class ChainReport:
    """What ``frappe room verify`` found.

    Attributes:
        attempts: Attempts checked.
        lines: Journal lines checked.
        breaks: Every break found (empty: all chains hold).
    """

    attempts: int
    lines: int
    breaks: tuple[ChainBreak, ...]


def verify_chains(
    conn: Connection,
    seance_id: str | None = None,
    *,
    outside_heads: Mapping[int, tuple[int, str]] | None = None,
) -> ChainReport:
    """Recompute every chain (of one séance, or all) from the stored lines and compare it with
    the stored hashes, the attempt's anchored head and the fixed official result's head.

    ``outside_heads`` (attempt id → (line count, head hash in hex)) are heads kept OFF the
    server — read from a signed export: a journal rewritten on the server with every hash and
    anchor recomputed (possible to its superuser) still no longer passes through them."""
    outside = dict(outside_heads or {})
    breaks: list[ChainBreak] = []
    attempts = 0
    total_lines = 0
    # One transaction: named cursors stream the lines (a 200-seat room is millions of them).
    with room_errors(), conn.transaction():
        rows = conn.execute(
            "SELECT a.id, a.seance_id, a.candidate_name, a.last_seq, a.head_hash,"
            " r.head_seq, r.head_hash FROM frappe.attempt AS a"
            " LEFT JOIN frappe.official_result AS r ON r.attempt_id = a.id"
            " WHERE %s::text IS NULL OR a.seance_id = upper(btrim(%s)) ORDER BY a.id",
            (seance_id, seance_id),
        ).fetchall()
        for attempt_id, seance, candidate, last_seq, head_hash, fixed_seq, fixed_hash in rows:
            attempts += 1

            def note(
                seq: int,
                reason: str,
                *,
                _s: str = seance,
                _a: int = attempt_id,
                _c: str = candidate,
            ) -> None:
                breaks.append(ChainBreak(_s, _a, _c, seq, reason))

            expected_seq = 1
            running = chain_origin(attempt_id)
            hash_at: dict[int, bytes] = {0: running}
            wanted = {fixed_seq} if fixed_seq is not None else set()
            if attempt_id in outside:
                wanted.add(outside[attempt_id][0])
            broken = False
            with conn.cursor(name=f"frappe_verify_{attempt_id}") as cursor:
                cursor.execute(
                    "SELECT seq, line, hash FROM frappe.journal_line WHERE attempt_id = %s"
                    " ORDER BY seq",
                    (attempt_id,),
                )
                for seq, line, stored in cursor:
                    total_lines += 1
                    if broken:
                        continue
                    if seq != expected_seq:
                        note(expected_seq, f"ligne(s) {expected_seq}–{seq - 1} manquante(s)")
                        broken = True
                        continue
                    running = chain_hash(running, seq, line)
                    if bytes(stored) != running:
                        note(seq, "ligne modifiée (son empreinte ne suit plus la chaîne)")
                        broken = True
                        continue
                    if seq in wanted:
                        hash_at[seq] = running
                    expected_seq += 1
            if broken:
                continue
            last = expected_seq - 1
            if last != last_seq or running != bytes(head_hash):
                note(
                    last,
                    f"la chaîne s'arrête à la ligne {last} mais le serveur en a ancré "
                    f"{last_seq} (lignes supprimées ou ajoutées hors du serveur)",
                )
            elif fixed_seq is not None and hash_at.get(fixed_seq) != bytes(fixed_hash):
                note(fixed_seq, "le résultat officiel a été scellé sur une autre fin de chaîne")
            if attempt_id in outside:
                seq_out, hash_out = outside.pop(attempt_id)
                held = hash_at.get(seq_out)
                if held is None or held.hex() != hash_out.lower():
                    note(
                        seq_out,
                        "le journal ne passe plus par la tête de chaîne de l'export signé "
                        "(réécrit sur le serveur depuis l'export)",
                    )
        for missing in sorted(outside):
            breaks.append(
                ChainBreak(
                    seance_id or "?",
                    missing,
                    "?",
                    0,
                    "épreuve de l'export signé absente du serveur",
                )
            )
    return ChainReport(attempts, total_lines, tuple(breaks))
