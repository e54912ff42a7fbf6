"""A test taken on a seat of a room: the lone-PC run (session, local journal, result file,
history) plus the live copy of the journal on the room server.

Everything a lone PC does is done first and the same way; the room only adds a
:class:`~frappe.runs.room_seat.JournalSender` reading the journal back. The exam goes on
locally whatever happens to the server, and when the result is saved the sender sends what is
left and hands the attempt in (or keeps it in the outbox for the next start).
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from frappe.errors import JournalError
from frappe.exercises.record import Candidate, EndReason
from frappe.exercises.session import Session, SessionConfig
from frappe.runs.common import StoragePaths, open_journaled_session
from frappe.runs.room_seat import (
    JournalSender,
    LinkState,
    LinkStatus,
    SeatLink,
    delete_ticket,
    pending_tickets,
    read_ticket,
    ticket_path,
    write_ticket,
)
from frappe.runs.typing import RunningTest, SavedResult, resume_test
from frappe.scoring.keystrokes import Keystroke
from frappe.storage.journal import (
    JOURNAL_VERSION,
    JournalHeader,
    JournalWriter,
    read_journal,
)
from frappe.storage.room.seat_link import AttemptTicket
from frappe.textio import slugify

__all__ = [
    "RoomRunningTest",
    "attach_sender",
    "flush_outbox",
    "hand_in_after_save",
    "rejoin_room",
    "resume_room_attempt",
    "seance_session_config",
    "start_room_test",
]

# How long saving waits for the hand-in before showing the results anyway (the sender goes on
# in the background; what is not sent stays in the outbox).
HAND_IN_WAIT_S = 3.0


def seance_session_config(config: Mapping[str, Any], candidate: Candidate) -> SessionConfig:
    """The session a séance's configuration describes (a journal header without candidate),
    for one candidate. JournalError when the configuration is not one."""
    header = dict(config)
    header.update(
        frappe_journal=JOURNAL_VERSION,
        session_id="",
        created_at=datetime.now(UTC).isoformat(),
        candidate={"name": candidate.name, "id": candidate.id},
    )
    return JournalHeader.from_dict(header, "séance").config


class _WakingJournal:
    """The session's listener on a seat: the journal first, then a nudge to the sender."""

    def __init__(self, journal: JournalWriter, sender: JournalSender) -> None:
        self.journal = journal
        self.sender = sender

    def session_started(self, started_at: datetime, t_ms: int) -> None:
        self.journal.session_started(started_at, t_ms)
        self.sender.wake()

    def keystroke(self, stroke: Keystroke) -> None:
        self.journal.keystroke(stroke)
        self.sender.wake()

    def event(self, event: Mapping[str, Any]) -> None:
        self.journal.event(event)
        self.sender.wake()

    def session_finished(self, reason: EndReason, t_ms: int) -> None:
        self.journal.session_finished(reason, t_ms)
        self.sender.wake()


@dataclass(slots=True)
class RoomRunningTest(RunningTest):
    """A running test whose journal also goes to the room server.

    Attributes:
        sender: Forwards the journal (None once the test is saved and handed in).
        ticket: The attempt on the server.
    """

    sender: JournalSender | None = None
    ticket: AttemptTicket | None = None

    def save(self, results_dir: Path | None = None) -> SavedResult:
        """Save locally exactly as on a lone PC, then hand in (waiting a little)."""
        journal_path = self.journal.path
        saved = RunningTest.save(self, results_dir)
        hand_in_after_save(self.sender, journal_path)
        return saved

    def link_label(self) -> str:
        """The link state for the status bar."""
        return "" if self.sender is None else self.sender.status.label

    def link_status(self) -> LinkStatus | None:
        """The link's status (None without a sender)."""
        return None if self.sender is None else self.sender.status

    def abandon(self) -> None:
        """The program quits mid-test: stop sending (the journal stays, to resume)."""
        if self.sender is not None:
            self.sender.stop()


def attach_sender(
    session: Session,
    journal: JournalWriter,
    ticket: AttemptTicket,
    connect: Callable[[], SeatLink],
    on_status: Callable[[LinkStatus], None] | None = None,
) -> JournalSender:
    """The sender of a running session's journal (a typing test or a dictation): the ticket
    kept next to the journal, each line written then a nudge to the sender, the link's cuts
    noted in the journal. Not started yet."""
    write_ticket(journal.path, ticket)

    def note(kind: str) -> None:
        journal.event({"t_ms": session.elapsed_ms, "type": kind})

    def status_changed(status: LinkStatus) -> None:
        if status.state is LinkState.HANDED_IN:
            delete_ticket(journal.path)
        if on_status is not None:
            on_status(status)

    sender = JournalSender(journal.path, ticket, connect, on_status=status_changed, note_event=note)
    session.listener = _WakingJournal(journal, sender)
    return sender


def hand_in_after_save(sender: JournalSender | None, journal_path: Path) -> None:
    """The result is saved locally: send what is left and hand in, waiting a little (the
    ticket goes once the server has it; else the outbox keeps it for the next start)."""
    if sender is not None:
        sender.finish()
        if sender.wait(HAND_IN_WAIT_S) and sender.status.state is LinkState.HANDED_IN:
            delete_ticket(journal_path)


def _attach(
    running: RunningTest,
    ticket: AttemptTicket,
    connect: Callable[[], SeatLink],
    on_status: Callable[[LinkStatus], None] | None,
) -> RoomRunningTest:
    sender = attach_sender(running.session, running.journal, ticket, connect, on_status)
    room = RoomRunningTest(
        running.session,
        running.journal,
        running.results_dir,
        running.db_path,
        running.mode,
        sender=sender,
        ticket=ticket,
    )
    sender.start()
    return room


def start_room_test(
    config: SessionConfig,
    ticket: AttemptTicket,
    storage: StoragePaths,
    connect: Callable[[], SeatLink],
    *,
    clock: Callable[[], float] = time.monotonic,
    sync_interval: float = 0.5,
    on_status: Callable[[LinkStatus], None] | None = None,
) -> RoomRunningTest:
    """A new exam on a seat: journaled locally from its first line, forwarded live."""
    session, journal, results_dir = open_journaled_session(
        config, storage, "exam", clock=clock, sync_interval=sync_interval
    )
    running = RunningTest(session, journal, results_dir, storage.db_path, "exam")
    return _attach(running, ticket, connect, on_status)


def resume_room_attempt(
    lines: Sequence[str],
    ticket: AttemptTicket,
    storage: StoragePaths,
    connect: Callable[[], SeatLink],
    *,
    clock: Callable[[], float] = time.monotonic,
    sync_interval: float = 0.5,
    on_status: Callable[[LinkStatus], None] | None = None,
) -> RoomRunningTest:
    """Go on, on this seat, with an attempt begun on another one: the central journal becomes
    this seat's local journal (its header pointing at this seat's folders), then the test
    resumes from it — typed text from the log, the time left — and goes on being forwarded
    from the line after the last the server holds."""
    path = import_central_journal(lines, storage)
    contents = read_journal(path)
    running = resume_test(contents, storage, clock=clock, sync_interval=sync_interval)
    return _attach(running, ticket, connect, on_status)


def rejoin_room(
    running: RunningTest,
    connect: Callable[[], SeatLink],
    *,
    on_status: Callable[[LinkStatus], None] | None = None,
) -> RunningTest:
    """A test resumed on this seat from its own local journal (the program had stopped):
    when the journal belongs to a room attempt (its ticket is kept next to it), it goes on
    being forwarded; otherwise it is returned as it is."""
    ticket = read_ticket(ticket_path(running.journal.path))
    if ticket is None:
        return running
    return _attach(running, ticket, connect, on_status)


def import_central_journal(lines: Sequence[str], storage: StoragePaths) -> Path:
    """Write the central journal's lines as a local journal (0600, fsynced) and return it."""
    if not lines:
        raise JournalError("le journal central de cette épreuve est vide")
    try:
        header = json.loads(lines[0])
        parsed = JournalHeader.from_dict(header, "journal central")
    except ValueError as error:
        raise JournalError(f"journal central : en-tête illisible ({error})") from error
    mode = parsed.mode
    header["results_dir"] = str(storage.results_dir_for(mode))
    header["db"] = str(storage.db_path)
    config = parsed.config
    name = (
        f"{parsed.created_at.astimezone(UTC):%Y%m%d-%H%M%S}-{slugify(config.candidate.name)}"
        f"-{slugify(config.exercise_id, limit=24)}-{parsed.session_id or 'salle'}.jsonl"
    )
    folder = storage.journal_dir
    body = [json.dumps(header, ensure_ascii=False, separators=(",", ":")), *lines[1:]]
    data = ("\n".join(body) + "\n").encode()
    path = folder / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        counter = 1
        while path.exists():
            path = folder / f"{Path(name).stem}.{counter}.jsonl"
            counter += 1
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as error:
        raise JournalError(f"{folder} : journal impossible à écrire ({error.strerror})") from error
    return path


def flush_outbox(
    journal_dir: Path, connect: Callable[[], SeatLink], *, busy: Sequence[Path] = ()
) -> list[JournalSender]:
    """Send what earlier runs on this seat left unsent (the PC was switched off, the server
    was down when the program ended): archived journals are handed in, unfinished ones only
    sent (they may still be resumed here or released by the trainer). Journals in ``busy``
    (being written now) are left to their own sender. Returns the started senders."""
    senders: list[JournalSender] = []
    for journal, ticket in pending_tickets(journal_dir):
        if journal in busy:
            continue
        archived = journal.parent.name == "archive"
        with contextlib.suppress(JournalError):
            original = journal_dir / journal.name

            def handed(status: LinkStatus, original: Path = original) -> None:
                if status.state is LinkState.HANDED_IN:
                    delete_ticket(original)

            sender = JournalSender(journal, ticket, connect, on_status=handed)
            sender.finish(hand_in=archived)
            senders.append(sender.start())
    return senders
