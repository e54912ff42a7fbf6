"""Talking to the room server: the seat's calls and the trainer's.

Everything a seat does goes through the ``seat_*`` SECURITY DEFINER functions (the seat role
has no table privilege); every call takes the :class:`AttemptKey` (attempt id + secret token)
that :func:`join_seance` or :func:`resume_attempt` returned. Journal lines are the local
journal's own JSON lines, numbered from 1 per attempt; re-sending a line is a no-op, a gap is
refused with :class:`RoomGapError` saying which line the server expects next.

Trainer calls (:func:`open_seance`, :func:`release_attempt`, :func:`list_attempts`,
:func:`attempt_lines`) need the trainer's credentials. :class:`RoomListener` receives the
server's notifications (LISTEN/NOTIFY, no polling): one per batch of lines, join, hand-in,
release, resume and close.

Every psycopg error becomes a :class:`RoomError` (or a subclass) with a one-line French
message; nothing here prints.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import psycopg
import psycopg.errors
from psycopg.types.json import Jsonb

from frappe.errors import RoomError
from frappe.exercises.record import Candidate
from frappe.exercises.session import SessionConfig
from frappe.storage.journal import JournalHeader

__all__ = [
    "CHANNEL",
    "AttemptKey",
    "AttemptStatus",
    "Joined",
    "ReleasedAttempt",
    "Resumed",
    "RoomGapError",
    "RoomListener",
    "RoomNotification",
    "SeanceInfo",
    "append_lines",
    "attempt_lines",
    "connect",
    "fetch_attempt",
    "hand_in",
    "join_seance",
    "list_attempts",
    "list_seances",
    "open_seance",
    "open_seances",
    "release_attempt",
    "released_attempts",
    "resume_attempt",
    "room_errors",
    "translate_error",
]

CHANNEL = "frappe_room"
Connection = psycopg.Connection[Any]
# Séance ids: short, typed by trainers, no ambiguous characters (0/O, 1/I/L).
_ID_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class RoomGapError(RoomError):
    """The server refused lines that would leave a gap: send again from ``expected_seq``."""

    def __init__(self, message: str, expected_seq: int) -> None:
        super().__init__(message)
        self.expected_seq = expected_seq


_SEAT_MESSAGES = {
    "FR001": "séance inconnue sur le serveur de salle",
    "FR002": "cette séance est close : impossible de la rejoindre ou d'y écrire",
    "FR003": "cette épreuve n'appartient pas à ce poste (jeton refusé par le serveur)",
    "FR005": "une ligne du journal diffère de celle déjà reçue par le serveur",
    "FR006": "cette épreuve n'est plus en cours sur le serveur",
    "FR008": "cette épreuve n'a pas été libérée par le formateur",
    "FR009": "nom du candidat vide",
    "FR010": "les lignes de journal ne se modifient pas (ajout seul)",
    "FR011": "ce candidat a déjà rejoint la séance (le formateur peut libérer son épreuve)",
}


def _describe_url(url: str) -> str:
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "?"
    return f"{host}{port}"


def translate_error(error: psycopg.Error, url: str | None = None) -> RoomError:
    """frappe's one-line French message for a psycopg error (as a RoomError)."""
    code = error.sqlstate or ""
    diag = error.diag
    if code == "FR004":
        expected = int(diag.message_detail or "1")
        return RoomGapError(
            f"le serveur attend la ligne de journal n° {expected} (trou dans l'envoi)", expected
        )
    if code == "FR007":
        expected = int(diag.message_detail or "1")
        return RoomGapError(
            f"remise refusée : le serveur n'a reçu le journal que jusqu'à la ligne {expected - 1}",
            expected,
        )
    if code in _SEAT_MESSAGES:
        return RoomError(_SEAT_MESSAGES[code])
    where = f" ({_describe_url(url)})" if url else ""
    if isinstance(error, psycopg.errors.InsufficientPrivilege):
        return RoomError("accès refusé par le serveur de salle (droits insuffisants)")
    if code in ("53100",):
        return RoomError(f"le serveur de salle{where} n'a plus de place sur son disque")
    if code.startswith("53"):
        return RoomError(f"le serveur de salle{where} manque de ressources ({code})")
    if code in ("28P01", "28000"):
        return RoomError(f"serveur de salle{where} : identifiant ou mot de passe refusé")
    if code == "3D000":
        return RoomError(f"serveur de salle{where} : base de données inexistante")
    if isinstance(error, psycopg.OperationalError):
        text = str(error).lower()
        if "password" in text and ("authentication" in text or "no password" in text):
            return RoomError(f"serveur de salle{where} : identifiant ou mot de passe refusé")
        if "does not exist" in text and "database" in text:
            return RoomError(f"serveur de salle{where} : base de données inexistante")
        return RoomError(f"serveur de salle{where} injoignable (arrêté, ou réseau coupé)")
    first = (diag.message_primary or str(error)).splitlines()[0] if str(error) else code
    return RoomError(f"erreur du serveur de salle : {first}")


@contextlib.contextmanager
def room_errors(url: str | None = None) -> Iterator[None]:
    """Turn psycopg errors raised inside into :class:`RoomError` (``from`` the original)."""
    try:
        yield
    except psycopg.Error as error:
        raise translate_error(error, url) from error


def connect(url: str, *, timeout_s: float = 5.0, application_name: str = "frappe") -> Connection:
    """An autocommit connection to the room server at ``url`` (``postgresql://…``).

    RoomError (one French line) for a malformed URL, a refused password, a server down."""
    if not url.startswith(("postgresql://", "postgres://")):
        raise RoomError(
            f"adresse de serveur de salle invalide : « {url} » (attendu : postgresql://…)"
        )
    try:
        parts = urlsplit(url)
        _ = parts.port
    except ValueError as error:
        raise RoomError(f"adresse de serveur de salle invalide : « {url} »") from error
    try:
        return psycopg.connect(
            url,
            autocommit=True,
            connect_timeout=max(1, round(timeout_s)),
            application_name=application_name,
        )
    except psycopg.ProgrammingError as error:  # unparsable conninfo
        raise RoomError(f"adresse de serveur de salle invalide : « {url} »") from error
    except psycopg.Error as error:
        raise translate_error(error, url) from error


# -- séances -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SeanceInfo:
    """A séance as the server stores it.

    Attributes:
        id: Short id the trainer types (``K7M2QX``).
        kind: ``typing``, ``transcription`` or ``correction``.
        exercise_id: Text or dictation id.
        exercise_title: Its title.
        duration_s: Time allowed.
        profile_name: Scoring profile name.
        group_name: Optional group (class, room).
        opened_at: When it was opened.
        closed_at: When it was closed (None: open).
        config: The journal-header dict every seat runs (reference, settings, rules); empty in
            :func:`open_seances` (the seat gets it when joining).
        audio_sha256: A dictation's recording, SHA-256 (hex) of the trainer's copy: each seat
            plays its own copy and checks it first (None for a typing test).
        audio_duration_s: That recording's length in seconds, when known.
    """

    id: str
    kind: str
    exercise_id: str
    exercise_title: str
    duration_s: float
    profile_name: str
    group_name: str | None
    opened_at: datetime
    closed_at: datetime | None
    config: Mapping[str, Any]
    audio_sha256: str | None = None
    audio_duration_s: float | None = None

    @property
    def is_dictation(self) -> bool:
        """A transcription or a correction (played on the seat's headset)."""
        return self.kind in ("transcription", "correction")

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SeanceInfo:
        """From the server's ``seance_json``."""
        closed = data.get("closed_at")
        return cls(
            id=str(data["id"]),
            kind=str(data["kind"]),
            exercise_id=str(data["exercise_id"]),
            exercise_title=str(data.get("exercise_title") or ""),
            duration_s=float(data["duration_s"]),
            profile_name=str(data["profile_name"]),
            group_name=data.get("group_name"),
            opened_at=_timestamp(data["opened_at"]),
            closed_at=_timestamp(closed) if closed else None,
            config=data.get("config") or {},
            audio_sha256=data.get("audio_sha256"),
            audio_duration_s=_optional_float(data.get("audio_duration_s")),
        )

    def session_config(self, candidate: Candidate) -> SessionConfig:
        """The session a seat runs for ``candidate`` (and official scoring replays): the
        séance's reference, duration, profile and exam rules."""
        return self.journal_header(candidate).config

    def journal_header(self, candidate: Candidate, *, session_id: str = "") -> JournalHeader:
        """A journal header for ``candidate`` in this séance (mode ``exam``)."""
        data = dict(self.config)
        data["candidate"] = {"name": candidate.name, "id": candidate.id}
        data["session_id"] = session_id or self.id
        return JournalHeader.from_dict(data, f"séance {self.id}")


def _optional_float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _timestamp(value: object) -> datetime:
    if isinstance(value, datetime):
        return value
    text = str(value)
    # jsonb timestamps: "2026-11-29T00:12:03.123456+00:00"
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def seance_config_dict(config: SessionConfig, *, opened_at: datetime) -> dict[str, Any]:
    """The journal-header dict stored with a séance (candidate left empty)."""
    neutral = replace(config, candidate=Candidate("", None))
    header = JournalHeader(session_id="", created_at=opened_at, config=neutral, mode="exam")
    data = header.to_dict()
    for key in ("results_dir", "db", "session_id"):
        data.pop(key, None)
    return data


def new_seance_id() -> str:
    """A random 6-character séance id."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(6))


def open_seance(
    conn: Connection,
    config: SessionConfig,
    *,
    profile_name: str,
    group_name: str | None = None,
    audio_sha256: str | None = None,
    audio_duration_s: float | None = None,
) -> SeanceInfo:
    """Open a séance running ``config`` (trainer). Its duration is the config's time limit;
    a dictation's recording is named by its hash (``audio_sha256``), the seats play their own
    copy of it."""
    limit = config.settings.time_limit_s
    if limit is None or limit <= 0:
        raise RoomError("une séance a besoin d'une durée (par exemple --duration 10m)")
    opened = datetime.now(UTC)
    stored = seance_config_dict(config, opened_at=opened)
    with room_errors():
        for _ in range(20):
            seance_id = new_seance_id()
            row = conn.execute(
                "INSERT INTO frappe.seance (id, config, kind, exercise_id, exercise_title,"
                " reference_sha256, duration_s, profile_name, group_name, opened_at,"
                " audio_sha256, audio_duration_s)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (id) DO NOTHING RETURNING frappe.seance_json(seance)",
                (
                    seance_id,
                    Jsonb(stored),
                    config.kind,
                    config.exercise_id,
                    config.exercise_title,
                    stored["reference"]["sha256"],
                    limit,
                    profile_name,
                    group_name or None,
                    opened,
                    audio_sha256,
                    audio_duration_s,
                ),
            ).fetchone()
            if row is not None:
                conn.execute("SELECT frappe.notify(%s, NULL, 'open', 0)", (seance_id,))
                return SeanceInfo.from_json(row[0])
    raise RoomError("impossible de trouver un identifiant de séance libre")


def get_seance(conn: Connection, seance_id: str) -> SeanceInfo:
    """One séance with its config (trainer); RoomError when unknown."""
    with room_errors():
        row = conn.execute(
            "SELECT frappe.seance_json(s) FROM frappe.seance AS s WHERE s.id = upper(btrim(%s))",
            (seance_id,),
        ).fetchone()
    if row is None:
        raise RoomError(f"séance inconnue : {seance_id}")
    return SeanceInfo.from_json(row[0])


def list_seances(conn: Connection, *, open_only: bool = False) -> list[SeanceInfo]:
    """Séances, most recent first (trainer)."""
    where = "WHERE s.closed_at IS NULL" if open_only else ""
    with room_errors():
        rows = conn.execute(
            f"SELECT frappe.seance_json(s) FROM frappe.seance AS s {where}"
            " ORDER BY s.opened_at DESC"
        ).fetchall()
    return [SeanceInfo.from_json(row[0]) for row in rows]


def open_seances(conn: Connection) -> list[SeanceInfo]:
    """The open séances (seat: for the home-screen banner), oldest first, without config."""
    with room_errors():
        rows = conn.execute("SELECT seance FROM frappe.seat_open_seances()").fetchall()
    return [SeanceInfo.from_json(row[0]) for row in rows]


# -- attempts (seat) ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AttemptKey:
    """What proves a seat owns an attempt: keep it with the local journal.

    Attributes:
        attempt_id: The attempt's number on the server.
        token: Its secret (never shown, never logged).
    """

    attempt_id: int
    token: str

    def __repr__(self) -> str:
        return f"AttemptKey(attempt_id={self.attempt_id}, token=…)"


@dataclass(frozen=True, slots=True)
class Joined:
    """A seat's new attempt.

    Attributes:
        key: Attempt id and token.
        seance: The séance, with the config to run.
    """

    key: AttemptKey
    seance: SeanceInfo


def join_seance(
    conn: Connection, seance_id: str, candidate: Candidate, *, seat: str = ""
) -> Joined:
    """Join an open séance as ``candidate`` from seat ``seat`` (its host name).

    RoomError: unknown or closed séance, empty name, candidate already in the séance."""
    with room_errors():
        row = conn.execute(
            "SELECT attempt_id, token, seance FROM frappe.seat_join(%s, %s, %s, %s)",
            (seance_id, candidate.name, candidate.id, seat),
        ).fetchone()
    assert row is not None
    return Joined(AttemptKey(int(row[0]), str(row[1])), SeanceInfo.from_json(row[2]))


def append_lines(conn: Connection, key: AttemptKey, first_seq: int, lines: Sequence[str]) -> int:
    """Send journal lines numbered ``first_seq``, ``first_seq + 1``… (one transaction);
    returns the last seq the server now holds. Lines already received are skipped when
    identical. RoomGapError (``expected_seq``) when ``first_seq`` leaves a gap; RoomError when
    the attempt is no longer running, the séance is closed, or the token is refused."""
    with room_errors():
        row = conn.execute(
            "SELECT frappe.seat_append(%s, %s, %s, %s)",
            (key.attempt_id, key.token, first_seq, list(lines)),
        ).fetchone()
    assert row is not None
    return int(row[0])


def hand_in(conn: Connection, key: AttemptKey, last_seq: int) -> None:
    """Hand the attempt in once lines 1..``last_seq`` are all on the server (idempotent).
    RoomGapError (``expected_seq``) when some are missing: send them, then hand in again."""
    with room_errors():
        conn.execute(
            "SELECT frappe.seat_hand_in(%s, %s, %s)", (key.attempt_id, key.token, last_seq)
        )


def fetch_attempt(conn: Connection, key: AttemptKey) -> list[str]:
    """The attempt's own journal lines, seq 1 first."""
    with room_errors():
        rows = conn.execute(
            "SELECT seq, line FROM frappe.seat_fetch(%s, %s)", (key.attempt_id, key.token)
        ).fetchall()
    return [str(row[1]) for row in rows]


@dataclass(frozen=True, slots=True)
class ReleasedAttempt:
    """An attempt the trainer released (its seat died).

    Attributes:
        attempt_id: Its number.
        candidate: Who was taking it.
    """

    attempt_id: int
    candidate: Candidate


def released_attempts(conn: Connection, seance_id: str) -> list[ReleasedAttempt]:
    """Released attempts of an open séance (seat), by candidate name."""
    with room_errors():
        rows = conn.execute(
            "SELECT attempt_id, candidate_name, candidate_id FROM frappe.seat_released(%s)",
            (seance_id,),
        ).fetchall()
    return [ReleasedAttempt(int(r[0]), Candidate(str(r[1]), r[2])) for r in rows]


@dataclass(frozen=True, slots=True)
class Resumed:
    """A released attempt taken over by this seat.

    Attributes:
        key: Attempt id and the NEW token (the dead seat's no longer works).
        seance: The séance with its config.
        candidate: Who takes it.
        lines: Its journal lines so far (seq 1 first): replay them into a new local journal,
            then go on sending from ``len(lines) + 1``.
    """

    key: AttemptKey
    seance: SeanceInfo
    candidate: Candidate
    lines: tuple[str, ...]


def resume_attempt(conn: Connection, attempt_id: int, *, seat: str = "") -> Resumed:
    """Take over a released attempt on this seat. RoomError when it is not released."""
    with room_errors():
        row = conn.execute(
            "SELECT token, seance, candidate_name, candidate_id, lines"
            " FROM frappe.seat_resume(%s, %s)",
            (attempt_id, seat),
        ).fetchone()
    assert row is not None
    return Resumed(
        AttemptKey(attempt_id, str(row[0])),
        SeanceInfo.from_json(row[1]),
        Candidate(str(row[2]), row[3]),
        tuple(str(line) for line in row[4]),
    )


# -- attempts (trainer) ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AttemptStatus:
    """An attempt as the trainer sees it.

    Attributes:
        attempt_id: Its number.
        seance_id: Its séance.
        candidate: Who takes it.
        seat: The seat's host name.
        state: ``running``, ``handed_in``, ``released`` or ``interrupted``.
        last_seq: Lines received.
        joined_at: When the candidate joined.
        last_line_at: When the last line arrived (None: none yet).
        handed_in_at: When it was handed in.
        takeovers: How many times it moved to another seat.
    """

    attempt_id: int
    seance_id: str
    candidate: Candidate
    seat: str
    state: str
    last_seq: int
    joined_at: datetime
    last_line_at: datetime | None
    handed_in_at: datetime | None
    takeovers: int


def list_attempts(conn: Connection, seance_id: str) -> list[AttemptStatus]:
    """Every attempt of a séance (trainer), in joining order."""
    with room_errors():
        rows = conn.execute(
            "SELECT id, seance_id, candidate_name, candidate_id, seat, state, last_seq,"
            " joined_at, last_line_at, handed_in_at, takeovers FROM frappe.attempt"
            " WHERE seance_id = upper(btrim(%s)) ORDER BY id",
            (seance_id,),
        ).fetchall()
    return [
        AttemptStatus(
            attempt_id=int(r[0]),
            seance_id=str(r[1]),
            candidate=Candidate(str(r[2]), r[3]),
            seat=str(r[4]),
            state=str(r[5]),
            last_seq=int(r[6]),
            joined_at=r[7],
            last_line_at=r[8],
            handed_in_at=r[9],
            takeovers=int(r[10]),
        )
        for r in rows
    ]


def attempt_lines(conn: Connection, attempt_id: int, *, after_seq: int = 0) -> list[str]:
    """Journal lines of any attempt after ``after_seq`` (trainer: dashboard, scoring)."""
    with room_errors():
        rows = conn.execute(
            "SELECT line FROM frappe.journal_line WHERE attempt_id = %s AND seq > %s ORDER BY seq",
            (attempt_id, after_seq),
        ).fetchall()
    return [str(row[0]) for row in rows]


def release_attempt(conn: Connection, attempt_id: int) -> None:
    """Release a running attempt whose seat died (trainer): its token stops working and any
    seat can take it over with :func:`resume_attempt`."""
    with room_errors():
        conn.execute("SELECT frappe.trainer_release(%s)", (attempt_id,))


# -- notifications -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RoomNotification:
    """One server notification.

    Attributes:
        seance_id: The séance concerned.
        attempt_id: The attempt (None for a séance event: open, close).
        event: ``open``, ``join``, ``lines``, ``hand_in``, ``release``, ``resume``, ``close``.
        seq: The attempt's last line number on the server.
        received: ``time.monotonic()`` when it arrived (for latency measures).
    """

    seance_id: str
    attempt_id: int | None
    event: str
    seq: int
    received: float


class RoomListener:
    """LISTENs on the room channel with its own connection (trainer or seat credentials).

    ``for note in listener.notifications(timeout_s=1.0)`` yields what arrived, waiting at
    most ``timeout_s`` when nothing did; ``close()`` ends it. Use from one thread.
    """

    def __init__(self, url: str) -> None:
        self._url = url
        self._conn = connect(url, application_name="frappe-listen")
        with room_errors(url):
            self._conn.execute(f"LISTEN {CHANNEL}")

    def notifications(self, timeout_s: float = 1.0) -> Iterator[RoomNotification]:
        """Yield each notification as it arrives, for ``timeout_s`` seconds in all."""
        with room_errors(self._url):
            for raw in self._conn.notifies(timeout=timeout_s):
                yield _notification(raw.payload)

    def close(self) -> None:
        """Stop listening."""
        with contextlib.suppress(psycopg.Error):
            self._conn.close()

    def __enter__(self) -> RoomListener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _notification(payload: str) -> RoomNotification:
    data = json.loads(payload)
    attempt = data.get("attempt")
    return RoomNotification(
        seance_id=str(data.get("seance") or ""),
        attempt_id=int(attempt) if attempt is not None else None,
        event=str(data.get("event") or ""),
        seq=int(data.get("seq") or 0),
        received=time.monotonic(),
    )
