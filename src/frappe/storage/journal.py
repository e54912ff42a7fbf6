"""Session journals: every key event of a running test, appended as JSON lines.

A journal lets a test survive a crash, ``kill -9`` or a power cut. Its first line is a header
(candidate, exercise, reference text and SHA-256, for a correction the draft the keystrokes
edit, settings, where the result goes); then one
line per keystroke (``{"k": [t_ms, key, op, pos, text]}``), per event (``{"e": {...}}``), per
clock start (``{"start": date, "t": t_ms}``) and a heartbeat (``{"t": t_ms}``) while the clock
runs, so the time used is known even if the candidate stopped typing; ``{"end": reason}`` and
``{"result": path}`` close it.

Each line is written straight to the file descriptor (a ``kill -9`` loses nothing already
handled); a background thread fsyncs at least once a second, and on finish. The file is locked
(``flock``) while a session writes it, so another frappe never offers to resume a live test.

Nothing is deleted: a finished journal is moved to ``archive/``. A torn last line (power cut in
the middle of a write) is ignored with a warning.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from frappe.errors import JournalError, ProfileError
from frappe.exercises.record import (
    END_REASONS,
    MODES,
    RECORD_KINDS,
    Candidate,
    EndReason,
    Mode,
    RecordSettings,
    format_timestamp,
    parse_timestamp,
    sha256_text,
)
from frappe.exercises.session import SessionConfig
from frappe.locations import user_data_dir
from frappe.private_files import open_private, private_dir
from frappe.scoring.keystrokes import Keystroke, replay
from frappe.scoring.profiles import ScoringProfile
from frappe.textio import slugify

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, journals still work
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "JOURNAL_VERSION",
    "JournalContents",
    "JournalHeader",
    "JournalWriter",
    "archive_journal",
    "create_journal",
    "default_journal_dir",
    "is_in_use",
    "parse_journal",
    "read_journal",
    "reopen_journal",
    "unfinished_journals",
]

JOURNAL_VERSION = 1
SUFFIX = ".jsonl"
ARCHIVE = "archive"
_HEARTBEAT_MS = 250
_NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def default_journal_dir() -> Path:
    """``<user data dir>/journals``."""
    return user_data_dir() / "journals"


@dataclass(frozen=True, slots=True)
class JournalHeader:
    """The first line of a journal.

    Attributes:
        session_id: Random identifier of the session.
        created_at: When the journal was created (UTC).
        config: The session configuration (candidate, exercise, reference, draft, settings).
        mode: ``exam`` or ``practice``.
        results_dir: Where the result file goes (None: the default).
        db_path: The history database (None: the default).
    """

    session_id: str
    created_at: datetime
    config: SessionConfig
    mode: Mode = "exam"
    results_dir: str | None = None
    db_path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON header."""
        config = self.config
        settings = config.settings
        data: dict[str, Any] = {
            "frappe_journal": JOURNAL_VERSION,
            "session_id": self.session_id,
            "created_at": format_timestamp(self.created_at),
            "kind": config.kind,
            "mode": self.mode,
            "candidate": {"name": config.candidate.name, "id": config.candidate.id},
            "exercise": {"id": config.exercise_id, "title": config.exercise_title},
            "reference": {"text": config.reference, "sha256": sha256_text(config.reference)},
            "settings": {
                "time_limit_s": settings.time_limit_s,
                "backspace_allowed": settings.backspace_allowed,
                "live_feedback": settings.live_feedback,
                "scoring_profile": settings.profile.to_dict(),
                "terminology": list(settings.terminology),
                "identity": list(settings.identity),
            },
            "options": {
                "dead_keys": config.dead_keys,
                "end_when_complete": config.end_when_complete,
            },
            "results_dir": self.results_dir,
            "db": self.db_path,
        }
        if config.kind == "correction":
            data["draft"] = {
                "text": config.initial_text,
                "sha256": sha256_text(config.initial_text),
                "source": config.draft_source,
            }
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str) -> JournalHeader:
        """Parse a header; JournalError says what is wrong."""
        if data.get("frappe_journal") != JOURNAL_VERSION:
            raise JournalError(f"{where} : ce n'est pas un journal de session frappe (v1)")
        try:
            reference = data["reference"]
            text = reference["text"]
            if not isinstance(text, str) or reference.get("sha256") != sha256_text(text):
                raise JournalError(
                    f"{where} : le texte de référence ne correspond pas à son empreinte"
                )
            settings = data["settings"]
            options = data.get("options", {})
            candidate = data["candidate"]
            exercise = data["exercise"]
            kind = data.get("kind", "typing")
            if kind not in RECORD_KINDS:
                raise JournalError(f"{where} : type d'exercice inconnu {kind!r}")
            draft, draft_source = "", None
            if kind == "correction":
                draft = data["draft"]["text"]
                if not isinstance(draft, str) or data["draft"].get("sha256") != sha256_text(draft):
                    raise JournalError(f"{where} : le brouillon ne correspond pas à son empreinte")
                source = data["draft"].get("source")
                draft_source = source if isinstance(source, str) else None
            mode = data.get("mode", "exam")
            if mode not in MODES:
                raise JournalError(f"{where} : mode inconnu {mode!r}")
            limit = settings.get("time_limit_s")
            config = SessionConfig(
                candidate=Candidate(str(candidate["name"]), candidate.get("id")),
                exercise_id=str(exercise["id"]),
                exercise_title=str(exercise.get("title", "")),
                reference=text,
                settings=RecordSettings(
                    time_limit_s=float(limit) if limit is not None else None,
                    backspace_allowed=bool(settings.get("backspace_allowed", True)),
                    profile=ScoringProfile.from_dict(settings["scoring_profile"]),
                    live_feedback=bool(settings.get("live_feedback", True)),
                    terminology=tuple(str(t) for t in settings.get("terminology", ())),
                    identity=tuple(str(t) for t in settings.get("identity", ())),
                ),
                kind=kind,
                initial_text=draft,
                draft_source=draft_source,
                dead_keys=str(options.get("dead_keys", "^¨")),
                end_when_complete=bool(options.get("end_when_complete", True)),
            )
            return cls(
                session_id=str(data.get("session_id", "")),
                created_at=parse_timestamp(data.get("created_at"), "created_at"),
                config=config,
                mode=mode,
                results_dir=data.get("results_dir"),
                db_path=data.get("db"),
            )
        except JournalError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError, ProfileError) as error:
            raise JournalError(f"{where} : en-tête de journal invalide ({error})") from error


class JournalWriter:
    """Appends a session's events to its journal; a ``SessionListener``.

    A line that cannot be written (disk full, quota, I/O error, the folder's device gone) is
    kept in memory with every line after it, in order, and written again at the next line and
    by the sync thread until it goes through: the journal never gets a hole or a torn line in
    its middle, and ``healthy`` tells the screen to warn the candidate meanwhile.

    Use ``create_journal`` or ``reopen_journal`` rather than the constructor.
    """

    def __init__(self, path: Path, fd: int, *, sync_interval: float = 0.5) -> None:
        self.path = path
        self._fd: int | None = fd
        self._lock = threading.Lock()  # the memory buffer and the writes
        self._fd_lock = threading.Lock()  # the descriptor's life: fsync and close
        self._dirty = False
        self._last_t = -_HEARTBEAT_MS
        self._stop = threading.Event()
        self._error: OSError | None = None  # the last write refused (cleared when they pass)
        self._sync_error: OSError | None = None  # the last fsync failed
        self._pending = bytearray()
        self.last_sync = time.monotonic()
        self._thread = threading.Thread(
            target=self._sync_loop, args=(sync_interval,), name="frappe-journal", daemon=True
        )
        self._thread.start()

    @property
    def session_id(self) -> str:
        """The session id (the end of the journal's name, see ``create_journal``)."""
        return self.path.stem.rsplit("-", 1)[-1]

    # -- SessionListener ---------------------------------------------------------------------

    def session_started(self, started_at: datetime, t_ms: int) -> None:
        self._write({"start": format_timestamp(started_at), "t": t_ms})

    def keystroke(self, stroke: Keystroke) -> None:
        self._write({"k": list(stroke)}, t_ms=stroke.t_ms)

    def event(self, event: Mapping[str, Any]) -> None:
        self._write({"e": dict(event)})

    def session_finished(self, reason: EndReason, t_ms: int) -> None:
        self._write({"end": reason, "t": t_ms})
        self.sync()

    # -- more --------------------------------------------------------------------------------

    def heartbeat(self, t_ms: int) -> None:
        """Note the time used (called while the clock runs, a few times a second)."""
        if t_ms - self._last_t >= _HEARTBEAT_MS:
            self._write({"t": t_ms}, t_ms=t_ms)

    def result_saved(self, path: Path) -> None:
        """Note where the result file was written."""
        self._write({"result": str(path)})
        self.sync()

    @property
    def error(self) -> OSError | None:
        """The write or sync error still in the way (None once lines go through and are
        synced again)."""
        return self._error or self._sync_error

    @property
    def unwritten_bytes(self) -> int:
        """Bytes of journal lines held in memory because the file refused them."""
        return len(self._pending)

    @property
    def healthy(self) -> bool:
        """Everything handled so far is in the file (False: warn the candidate)."""
        return self._error is None and self._sync_error is None and not self._pending

    @property
    def disk_full(self) -> bool:
        """The journal is held back because the disk (or the quota) is full."""
        error = self.error
        return error is not None and error.errno in _NO_SPACE

    def retry(self) -> bool:
        """Write the lines held in memory now; whether the journal is complete again."""
        with self._lock:
            self._flush_locked()
        return self.healthy

    def sync(self) -> None:
        """Write what is held in memory, then fsync.

        The fsync runs outside the write lock (only the descriptor's own lock is held), so a
        keystroke is never kept waiting by a slow disk flush.
        """
        with self._fd_lock:
            with self._lock:
                fd = self._fd
                if fd is None or not self._flush_locked():
                    return
                self._dirty = False
            try:
                os.fsync(fd)
            except OSError as error:
                # Lines already written may not be on the disk: the alarm stays until an fsync
                # succeeds again (later writes going through prove nothing about earlier ones).
                # A file system that cannot sync at all (EINVAL) is not a failure of this one.
                if error.errno not in (errno.EINVAL, errno.ENOTSUP):
                    self._sync_error = error
            else:
                self._sync_error = None
            self.last_sync = time.monotonic()

    def close(self) -> None:
        """Final fsync, stop the sync thread, release the lock. Lines still refused by the
        file are dropped from the journal (the session keeps them in memory)."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)
        self.sync()
        with self._fd_lock, self._lock:
            if self._fd is not None:
                os.close(self._fd)  # closing releases the flock
                self._fd = None

    def archive(self) -> Path:
        """Close and move the journal to ``archive/``; returns the new path."""
        self.close()
        return archive_journal(self.path)

    def _write(self, line: Mapping[str, Any], *, t_ms: int | None = None) -> None:
        data = (json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        with self._lock:
            if self._fd is None:
                return
            self._pending += data
            self._flush_locked()
            self._dirty = True
        if t_ms is not None:
            # Noted even when held in memory: the heartbeat must not flood the memory buffer.
            self._last_t = max(self._last_t, t_ms)

    def _flush_locked(self) -> bool:
        """Write the held lines (the lock is held); whether they all went through. A partial
        write keeps the rest, so a line is completed later rather than torn."""
        if self._fd is None:
            return False
        while self._pending:
            try:
                written = os.write(self._fd, self._pending)
            except OSError as error:
                self._error = error
                return False
            if written <= 0:  # pragma: no cover - a regular file never writes nothing
                return False
            del self._pending[:written]
        self._error = None
        return True

    def _sync_loop(self, interval: float) -> None:
        while not self._stop.wait(interval):
            if self._pending or self._dirty:
                self.sync()


def _open_locked(path: Path, flags: int) -> int:
    fd = open_private(path, flags)
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            os.close(fd)
            raise JournalError(
                f"{path} : journal déjà utilisé par une autre session frappe en cours"
            ) from error
    return fd


def create_journal(
    header: JournalHeader, folder: Path | None = None, *, sync_interval: float = 0.5
) -> JournalWriter:
    """Create a new journal (mode 0600) and write its header."""
    folder = folder or default_journal_dir()
    config = header.config
    name = (
        f"{header.created_at.astimezone(UTC):%Y%m%d-%H%M%S}-{slugify(config.candidate.name)}"
        f"-{slugify(config.exercise_id, limit=24)}-{header.session_id}{SUFFIX}"
    )
    try:
        private_dir(folder)
        fd = _open_locked(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND)
    except OSError as error:
        raise JournalError(
            f"{folder} : impossible de créer le journal ({_write_problem(error)})"
        ) from error
    writer = JournalWriter(folder / name, fd, sync_interval=sync_interval)
    writer._write(header.to_dict())
    writer.sync()
    if not writer.healthy:
        # A test must not start without its journal: nothing would survive a crash.
        reason = _write_problem(writer.error)
        writer.close()
        with contextlib.suppress(OSError):
            (folder / name).unlink()
        raise JournalError(f"{folder} : impossible de créer le journal ({reason})")
    return writer


def _write_problem(error: OSError | None) -> str:
    if error is not None and error.errno in _NO_SPACE:
        return "disque plein"
    return (error.strerror if error is not None else None) or "erreur d'écriture"


def reopen_journal(path: Path, *, sync_interval: float = 0.5) -> JournalWriter:
    """Open an existing journal to append to it (resume). A torn last line is closed with a
    newline first, so it stays a lone unreadable line instead of corrupting the next one."""
    try:
        fd = _open_locked(path, os.O_RDWR | os.O_APPEND)
    except OSError as error:
        raise JournalError(
            f"{path} : impossible de rouvrir le journal ({error.strerror})"
        ) from error
    size = os.fstat(fd).st_size
    if size:
        last = os.pread(fd, 1, size - 1)
        if last != b"\n":
            os.write(fd, b"\n")
    writer = JournalWriter(path, fd, sync_interval=sync_interval)
    writer.sync()
    return writer


def is_in_use(path: Path) -> bool:
    """Whether a running frappe holds the journal's lock."""
    if fcntl is None:
        return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


@dataclass(frozen=True, slots=True)
class JournalContents:
    """What a journal says.

    Attributes:
        path: The journal file.
        header: Its header.
        keystrokes: Keystrokes, in order (only those that replay consistently).
        events: Events logged.
        started_at: Date of the first key press, None if nothing was typed.
        elapsed_ms: Typing time used (last time noted).
        end_reason: Why the session ended, None when it did not.
        result_path: Where the result was written, None when it was not.
        warnings: Damage found and tolerated (torn last line…), in French.
        last_written: Date of the file's last change.
    """

    path: Path
    header: JournalHeader
    keystrokes: tuple[Keystroke, ...]
    events: tuple[dict[str, Any], ...]
    started_at: datetime | None
    elapsed_ms: int
    end_reason: EndReason | None
    result_path: str | None
    warnings: tuple[str, ...]
    last_written: datetime

    @property
    def typed(self) -> str:
        """The typed text rebuilt from the keystrokes (from the draft, for a correction)."""
        return replay(self.keystrokes, self.header.config.initial_text)

    @property
    def remaining_s(self) -> float | None:
        """Time left for the candidate (None without a limit)."""
        limit = self.header.config.settings.time_limit_s
        if limit is None:
            return None
        return max(0.0, limit - self.elapsed_ms / 1000.0)


def read_journal(path: Path) -> JournalContents:
    """Read a journal, tolerating a torn last line and skipping unreadable lines (warned)."""
    try:
        raw = path.read_bytes()
        mtime = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except OSError as error:
        raise JournalError(f"{path} : journal illisible ({error.strerror})") from error
    return parse_journal(raw, path, mtime)


def parse_journal(
    raw: bytes, path: Path, last_written: datetime, *, header: JournalHeader | None = None
) -> JournalContents:
    """What the journal bytes ``raw`` say (see :func:`read_journal`). With ``header``, that
    header is used and any header line in ``raw`` is ignored: the room server scores a seat's
    lines against the séance's own reference and settings, never the seat's."""
    lines = raw.split(b"\n")
    torn = lines[-1] != b""
    if not torn:
        lines.pop()
    warnings: list[str] = []
    forced = header is not None
    keystrokes: list[Keystroke] = []
    stroke_lines: list[int] = []
    events: list[tuple[int, dict[str, Any]]] = []
    times: list[tuple[int, int]] = []  # (line number, time used noted there)
    started_at: datetime | None = None
    end_reason: EndReason | None = None
    end_t: int | None = None
    result_path: str | None = None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line.decode("utf-8"))
            if not isinstance(item, dict):
                raise ValueError("pas un objet")
        except (UnicodeDecodeError, ValueError):
            if header is None and number == 1 and not (torn and number == len(lines)):
                raise JournalError(f"{path} : en-tête de journal illisible") from None
            if torn and number == len(lines):
                warnings.append("dernière ligne incomplète ignorée (coupure pendant l'écriture)")
            else:
                warnings.append(f"ligne {number} illisible ignorée")
            continue
        if "frappe_journal" in item and forced:
            continue
        if header is None:
            header = JournalHeader.from_dict(item, str(path))
            continue
        try:
            if "k" in item:
                stroke = Keystroke.from_json(item["k"])
                keystrokes.append(stroke)
                stroke_lines.append(number)
                times.append((number, stroke.t_ms))
            elif "e" in item:
                event = item["e"]
                if isinstance(event, dict) and isinstance(event.get("t_ms"), int):
                    events.append((number, event))
                    times.append((number, event["t_ms"]))
            elif "start" in item:
                if started_at is None:
                    started_at = parse_timestamp(item["start"], "start")
                times.append((number, int(item.get("t", 0))))
            elif "end" in item:
                reason = item["end"]
                if reason in END_REASONS:
                    end_reason = reason
                if isinstance(item.get("t"), int):
                    end_t = item["t"]
            elif "result" in item:
                result_path = str(item["result"])
            elif "t" in item and isinstance(item["t"], int) and end_reason is None:
                times.append((number, item["t"]))
        except (ValueError, TypeError) as error:
            warnings.append(f"ligne {number} invalide ignorée ({error})")
    if header is None:
        raise JournalError(f"{path} : journal vide")
    kept = _consistent_prefix(keystrokes, header.config.initial_text, warnings)
    if len(kept) < len(keystrokes):
        # What follows the first keystroke that does not replay is lost for this session: the
        # time used stops there too, or a resumed candidate would be charged for typing that
        # is not given back (and a closed one credited with a duration its text never took).
        cut = stroke_lines[len(kept)]
        times = [(number, t) for number, t in times if number < cut]
        events = [(number, event) for number, event in events if number < cut]
    elapsed = max((t for _number, t in times), default=0)
    if end_t is not None:
        elapsed = end_t
    limit = header.config.settings.time_limit_s
    if limit is not None:
        elapsed = min(elapsed, round(limit * 1000))
    return JournalContents(
        path=path,
        header=header,
        keystrokes=tuple(kept),
        events=tuple(event for _number, event in events),
        started_at=started_at,
        elapsed_ms=elapsed,
        end_reason=end_reason,
        result_path=result_path,
        warnings=tuple(warnings),
        last_written=last_written,
    )


def _consistent_prefix(
    strokes: list[Keystroke], initial: str, warnings: list[str]
) -> list[Keystroke]:
    """The keystrokes that replay (from ``initial``), up to the first inconsistent one."""
    try:
        replay(strokes, initial)
        return strokes
    except ValueError:
        pass
    low, high = 0, len(strokes)  # largest n such that strokes[:n] replays
    while low < high:
        middle = (low + high + 1) // 2
        try:
            replay(strokes[:middle], initial)
            low = middle
        except ValueError:
            high = middle - 1
    warnings.append(
        f"journal de frappe incohérent à partir de la frappe n° {low + 1} : "
        f"{len(strokes) - low} frappe(s) écartée(s)"
    )
    return strokes[:low]


def unfinished_journals(folder: Path | None = None) -> list[JournalContents]:
    """Journals whose result was never written, oldest first.

    Journals held by a running frappe are skipped; journals whose result is already written
    are archived on the way (moved, not deleted); unreadable files are left alone.
    """
    folder = folder or default_journal_dir()
    if not folder.is_dir():
        return []
    found: list[JournalContents] = []
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        if is_in_use(path):
            continue
        try:
            contents = read_journal(path)
        except JournalError:
            continue
        if contents.result_path is not None:
            with contextlib.suppress(OSError, JournalError):
                archive_journal(path)
            continue
        found.append(contents)
    return found


def archive_journal(path: Path) -> Path:
    """Move a journal to ``archive/`` next to it (never overwriting one)."""
    target_dir = path.parent / ARCHIVE
    try:
        private_dir(target_dir)
        target = target_dir / path.name
        counter = 1
        while target.exists():
            target = target_dir / f"{path.stem}.{counter}{path.suffix}"
            counter += 1
        os.replace(path, target)
    except OSError as error:
        raise JournalError(
            f"{path} : impossible d'archiver le journal ({error.strerror})"
        ) from error
    return target
