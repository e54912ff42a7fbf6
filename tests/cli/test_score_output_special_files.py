"""``--output`` naming a device, a FIFO or a socket is written through like a shell redirection,
never replaced: ``frappe score DIR --output /dev/null`` (as root) used to rename a regular 0600
file over ``/dev/null`` and broke it for the whole machine. Tested with a FIFO (never with
``/dev/null`` itself); the shared writers (exports, reports, history) behave the same."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

from frappe.asr.reference import write_text_atomic
from frappe.private_files import make_private, open_private, write_private
from frappe.storage.files import write_record
from support.records import RecordFactory


def drain(read_fd: int, running: subprocess.Popen[bytes] | None, timeout: float = 120) -> bytes:
    """Everything written to the FIFO whose read end is ``read_fd`` (non-blocking) until the
    writing process has ended (or, without one, until nothing more comes)."""
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ended = running is None or running.poll() is not None
        try:
            chunk = os.read(read_fd, 65536)
        except BlockingIOError:
            chunk = None  # a writer is connected, nothing to read yet
        if chunk:
            chunks.append(chunk)
        elif ended:
            break
        else:
            time.sleep(0.01)
    return b"".join(chunks)


def make_fifo(path: Path) -> int:
    """A FIFO (mode 0644, so that a chmod shows) with its read end open, non-blocking."""
    os.mkfifo(path)
    os.chmod(path, 0o644)
    return os.open(path, os.O_RDONLY | os.O_NONBLOCK)


def test_score_output_to_a_fifo_is_written_through_not_replaced(
    tmp_path: Path, make_record: RecordFactory
) -> None:
    room = tmp_path / "salle"
    for name in ("a", "b"):
        write_record(make_record(candidate=f"Candidat {name}"), room / f"{name}.json")
    fifo = tmp_path / "notes.fifo"
    read_fd = make_fifo(fifo)
    try:
        command = [sys.executable, "-m", "frappe.cli", "score", str(room), "--format", "json"]
        running = subprocess.Popen(
            [*command, "--output", str(fifo)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        received = drain(read_fd, running)
        assert running.wait(timeout=120) == 0
    finally:
        os.close(read_fd)
    info = os.stat(fifo)
    assert stat.S_ISFIFO(info.st_mode)  # still the FIFO, not a file renamed over it
    assert stat.S_IMODE(info.st_mode) == 0o644
    entries = json.loads(received)
    assert [Path(entry["file"]).name for entry in entries] == ["a.json", "b.json"]
    assert all(entry["ok"] for entry in entries)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".notes.fifo")]


def test_private_writers_leave_a_fifo_in_place_with_its_mode(tmp_path: Path) -> None:
    fifo = tmp_path / "export.csv"
    read_fd = make_fifo(fifo)
    try:
        write_private(fifo, b"nom;note\n")
        assert drain(read_fd, None) == b"nom;note\n"
        os.close(open_private(fifo, os.O_WRONLY))
        make_private(fifo)
    finally:
        os.close(read_fd)
    info = os.stat(fifo)
    assert stat.S_ISFIFO(info.st_mode)
    assert stat.S_IMODE(info.st_mode) == 0o644  # a device's or FIFO's mode is not ours to set
    # A regular file keeps the atomic 0600 write.
    notes = tmp_path / "notes.csv"
    notes.write_bytes(b"hier\n")
    notes.chmod(0o644)
    write_private(notes, b"aujourd'hui\n")
    assert notes.read_bytes() == b"aujourd'hui\n"
    assert stat.S_IMODE(notes.stat().st_mode) == 0o600


def test_asr_drafts_written_to_a_fifo_go_through_it(tmp_path: Path) -> None:
    # ``frappe asr inject … --out /dev/null --force`` renamed its draft over the device.
    fifo = tmp_path / "draft.txt"
    read_fd = make_fifo(fifo)
    try:
        write_text_atomic(fifo, "Le patient est sorti.\n")
        assert drain(read_fd, None) == b"Le patient est sorti.\n"
    finally:
        os.close(read_fd)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    # A symbolic link is still replaced, never followed (its documented rule).
    link = tmp_path / "lien.txt"
    link.symlink_to(fifo)
    write_text_atomic(link, "brouillon\n")
    assert not link.is_symlink() and link.read_text("utf-8") == "brouillon\n"
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
