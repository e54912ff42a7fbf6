"""The room end to end, every piece a real process: a PostgreSQL server, the trainer's
dashboard and three seats (separate processes and data folders) typing in tmux.

* Seat A runs in its own network namespace, linked to the server by a veth pair on a private
  test subnet; its cable is pulled (the host end of the pair goes down) for 10 s mid-exam while
  the candidate goes on typing: nothing is lost, nothing is doubled.
* Seat B is killed with ``kill -9`` mid-exam; the trainer releases its attempt on the dashboard
  and the candidate resumes on a fresh seat D (« Reprendre sur ce poste ») with the right time
  left and the text typed so far.
* Seat C simply takes the exam.
The dashboard shows the three hand-ins. Without root (no network namespaces), seat A's link is
cut by stopping the relay it goes through instead.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import random
import shlex
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from cuttable_link import CuttableLink

from frappe.storage.journal import JournalContents, read_journal
from frappe.storage.room import client
from frappe.storage.room.schema import migrate
from frappe.tui.widgets.typing.status import format_clock
from support.postgres_server import PostgresServer

FRAPPE = Path(sys.executable).with_name("frappe")
TEXT = "Le patient va bien. Il sort demain."
DURATION_S = 120.0
_databases = itertools.count(1)


def wait_until(
    predicate: Callable[[], bool], timeout: float, show: Callable[[], str] = lambda: ""
) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"délai dépassé ; écran :\n{show()}")
        time.sleep(0.1)


@dataclass
class Seat:
    """One PC: its own data and config folders, maybe its own network namespace."""

    name: str
    root: Path
    url: str
    netns: str | None = None

    @property
    def env(self) -> dict[str, str]:
        return {
            "FRAPPE_DATA_DIR": str(self.root / "data"),
            "FRAPPE_CONFIG_DIR": str(self.root / "config"),
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "TERM": "xterm-256color",
            "COLORTERM": "truecolor",
            "HOME": os.environ.get("HOME", str(self.root)),
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        }

    def command(self, *args: str) -> list[str]:
        line = [str(FRAPPE), *args]
        return ["ip", "netns", "exec", self.netns, *line] if self.netns else line

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*args),
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def archived_journal(self) -> Path:
        [path] = (self.root / "data" / "journals" / "archive").glob("*.jsonl")
        return path


@dataclass
class Tmux:
    """A private tmux server; each session gets its own environment in its command."""

    socket: str = field(default_factory=lambda: f"frappe-room-{uuid.uuid4().hex[:8]}")

    def run(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=False
        )
        return done.stdout

    def start(self, name: str, env: dict[str, str], command: list[str], width: int = 110) -> None:
        # The size too: under pytest the tmux server's environment carries COLUMNS=80 and
        # LINES=24 (set below Python's os.environ), which the app would believe.
        sized = {**env, "COLUMNS": str(width), "LINES": "30"}
        exports = " ".join(f"{key}={shlex.quote(value)}" for key, value in sized.items())
        line = f"env {exports} {shlex.join(command)}"
        subprocess.run(
            ["tmux", "-L", self.socket, "new-session", "-d", "-x", str(width), "-y", "30",
             "-s", name, line],
            check=True,
        )  # fmt: skip

    def screen(self, name: str) -> str:
        return self.run("capture-pane", "-p", "-J", "-t", name)

    def size(self, name: str) -> str:
        return self.run("display-message", "-p", "-t", name, "#{window_width}x#{window_height}")

    def keys(self, name: str, *keys: str) -> None:
        self.run("send-keys", "-t", name, *keys)

    def type(self, name: str, text: str) -> None:
        """One key per send-keys (a burst can be applied out of order)."""
        for char in text:
            self.run("send-keys", "-t", name, "-l", char)
            time.sleep(0.03)

    def pane_pid(self, name: str) -> int:
        return int(self.run("display-message", "-p", "-t", name, "#{pane_pid}").strip())

    def wait_for(self, name: str, text: str, timeout: float = 20.0) -> str:
        wait_until(lambda: text in self.screen(name), timeout, lambda: self.screen(name))
        return self.screen(name)


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    assert shutil.which("tmux"), "tmux introuvable (make test l'installe avec apt)"
    assert FRAPPE.exists(), f"{FRAPPE} introuvable (make test installe frappe dans .venv)"
    server = Tmux()
    yield server
    server.run("kill-server")


@dataclass
class Room:
    """A fresh room database of the test cluster, with its URLs."""

    admin_url: str
    trainer_url: str
    seat_url: str
    host: str
    port: int


@pytest.fixture
def room(postgres_server: PostgresServer) -> Iterator[Room]:
    """A database of its own (the home screens list every open séance: no other test's)."""
    name = f"room_e2e_{next(_databases)}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(postgres_server.url(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    with psycopg.connect(postgres_server.url(name), autocommit=True) as conn:
        migrate(conn)
    yield Room(
        admin_url=postgres_server.url(name),
        trainer_url=postgres_server.url(name, user="frappe_trainer"),
        seat_url=postgres_server.url(name, user="frappe_seat"),
        host=postgres_server.host,
        port=postgres_server.port,
    )
    with psycopg.connect(postgres_server.url(), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


@dataclass
class Cable:
    """Seat A's link: a veth pair into its network namespace (as root), else a relay."""

    relay: CuttableLink
    netns: str | None
    host_end: str | None

    def pull(self) -> None:
        if self.host_end:
            _ip("link", "set", self.host_end, "down")
        else:
            self.relay.cut()

    def plug(self) -> None:
        if self.host_end:
            _ip("link", "set", self.host_end, "up")
        else:
            self.relay.restore()


@pytest.fixture
def cable(room: Room) -> Iterator[Cable]:
    if os.geteuid() != 0 or shutil.which("ip") is None:
        relay = CuttableLink(room.host, room.port)
        yield Cable(relay, None, None)
        relay.close()
        return
    tag = uuid.uuid4().hex[:6]
    netns, host_end, seat_end = f"frappe-{tag}", f"fr{tag}h", f"fr{tag}s"
    subnet = f"10.231.{random.randrange(256)}"
    _ip("netns", "add", netns)
    try:
        _ip("link", "add", host_end, "type", "veth", "peer", "name", seat_end)
        _ip("link", "set", seat_end, "netns", netns)
        _ip("addr", "add", f"{subnet}.1/30", "dev", host_end)
        _ip("link", "set", host_end, "up")
        _ip("netns", "exec", netns, "ip", "addr", "add", f"{subnet}.2/30", "dev", seat_end)
        _ip("netns", "exec", netns, "ip", "link", "set", seat_end, "up")
        _ip("netns", "exec", netns, "ip", "link", "set", "lo", "up")
        # The test server listens on loopback: a relay on the host end of the cable.
        relay = CuttableLink(room.host, room.port, bind=f"{subnet}.1")
        yield Cable(relay, netns, host_end)
        relay.close()
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            _ip("link", "del", host_end)
        with contextlib.suppress(subprocess.CalledProcessError):
            _ip("netns", "del", netns)


def central_lines(room: Room, attempt_id: int) -> list[str]:
    with client.connect(room.trainer_url) as trainer:
        return client.attempt_lines(trainer, attempt_id)


def attempt_of(room: Room, seance_id: str, name: str) -> client.AttemptStatus:
    with client.connect(room.trainer_url) as trainer:
        return next(a for a in client.list_attempts(trainer, seance_id) if a.candidate.name == name)


def dashboard_row(screen: str, seat: str) -> str:
    return next((line for line in screen.splitlines() if f" {seat} " in f" {line} "), "")


def test_three_seats_a_cut_link_and_a_dead_pc(
    room: Room, cable: Cable, tmux: Tmux, tmp_path: Path
) -> None:
    text_file = tmp_path / "sortie.txt"
    text_file.write_text(TEXT + "\n", encoding="utf-8")
    trainer = Seat("trainer", tmp_path / "trainer", room.trainer_url)
    opened = trainer.run(
        "room", "open", "--text", str(text_file), "--duration", "2m", "--url", room.trainer_url
    )
    assert opened.returncode == 0, opened.stderr
    with client.connect(room.trainer_url) as conn:
        [seance] = client.list_seances(conn, open_only=True)
    assert seance.id in opened.stdout
    tmux.start(
        "trainer",
        trainer.env,
        trainer.command("room", "dashboard", "--url", room.trainer_url, "--seance", seance.id),
        width=200,
    )
    tmux.wait_for("trainer", f"[{seance.id}]")

    seat_a = Seat("PC-A", tmp_path / "a", cable.relay.url(room.seat_url), cable.netns)
    seat_b = Seat("PC-B", tmp_path / "b", room.seat_url)
    seat_c = Seat("PC-C", tmp_path / "c", room.seat_url)
    seat_d = Seat("PC-D", tmp_path / "d", room.seat_url)
    for seat in (seat_a, seat_b, seat_c, seat_d):
        joined = seat.run("room", "join", seat.url, "--seat", seat.name)
        assert joined.returncode == 0, joined.stderr
        assert f"Séance en cours : sortie (2 min) [{seance.id}]" in joined.stdout

    # Three candidates take the séance (A reads the rules first).
    tmux.start("a", seat_a.env, seat_a.command("room", "take", "--candidate", "Alpha Anne"))
    tmux.start(
        "b",
        seat_b.env,
        seat_b.command("room", "take", "--candidate", "Bravo Bruno", "--no-instructions"),
    )
    tmux.start(
        "c",
        seat_c.env,
        seat_c.command("room", "take", "--candidate", "Charlie Chloé", "--no-instructions"),
    )
    tmux.wait_for("a", "Commencer le test")
    tmux.keys("a", "Enter")
    for name in ("a", "b", "c"):
        tmux.wait_for(name, "le chrono démarre")
    wait_until(
        lambda: all(dashboard_row(tmux.screen("trainer"), s) for s in ("PC-A", "PC-B", "PC-C")),
        10,
        lambda: tmux.screen("trainer"),
    )

    # Seat C types the whole text and hands in.
    tmux.type("c", TEXT)
    tmux.wait_for("c", "Enregistré dans")

    # Seat A: half the text, then the cable is pulled for 10 s while the candidate types on.
    tmux.type("a", "Le patient va ")
    tmux.wait_for("a", "Salle : connecté")
    attempt_a = attempt_of(room, seance.id, "Alpha Anne").attempt_id
    cable.pull()
    pulled = time.monotonic()
    tmux.type("a", "bien. Il ")
    tmux.wait_for("a", "Salle : déconnecté", timeout=10)
    wait_until(
        lambda: "déconnecté" in dashboard_row(tmux.screen("trainer"), "PC-A"),
        8,
        lambda: tmux.screen("trainer"),
    )
    during_cut = len(central_lines(room, attempt_a))
    time.sleep(max(0.0, 10.0 - (time.monotonic() - pulled)))
    cable.plug()
    tmux.wait_for("a", "Salle : connecté", timeout=15)
    tmux.type("a", "sort demain.")
    tmux.wait_for("a", "Enregistré dans")

    # Seat B: types, then its PC dies (kill -9) in the middle of the exam.
    tmux.type("b", "Le patient")
    attempt_b = attempt_of(room, seance.id, "Bravo Bruno").attempt_id
    wait_until(
        lambda: (
            _journal_of(central_lines(room, attempt_b), tmp_path / "b.jsonl").typed == "Le patient"
        ),
        5,
    )
    time.sleep(1.5)  # the heartbeats after the last key reach the server too (within 1 s)
    os.kill(tmux.pane_pid("b"), signal.SIGKILL)
    wait_until(
        lambda: "déconnecté" in dashboard_row(tmux.screen("trainer"), "PC-B"),
        8,
        lambda: tmux.screen("trainer"),
    )
    # The trainer releases it from the dashboard: down to its row (seats are listed in the
    # order they joined), then « l ».
    rows = [line for line in tmux.screen("trainer").splitlines() if " PC-" in f" {line}"]
    for _ in range(next(i for i, line in enumerate(rows) if "PC-B" in line)):
        tmux.keys("trainer", "Down")
        time.sleep(0.2)
    tmux.keys("trainer", "l")
    wait_until(
        lambda: "interrompu" in dashboard_row(tmux.screen("trainer"), "PC-B"),
        8,
        lambda: tmux.screen("trainer"),
    )
    central_b = central_lines(room, attempt_b)
    expected = _journal_of(central_b, tmp_path / "central-b.jsonl")
    assert expected.typed == "Le patient"

    # A fresh seat D offers « Reprendre sur ce poste » and goes on with the text and the time.
    tmux.start("d", seat_d.env, seat_d.command())
    screen = tmux.wait_for("d", "Reprendre sur ce poste : Bravo Bruno")
    tmux.keys("d", "Down")  # the séance's entry comes first
    time.sleep(0.3)
    tmux.keys("d", "Enter")
    screen = tmux.wait_for("d", "Test repris")
    assert expected.remaining_s is not None
    assert f"Temps restant : {format_clock(expected.remaining_s)}" in screen
    assert expected.remaining_s < DURATION_S - 1.0
    assert "Le patient" in screen
    tmux.type("d", " va bien. Il sort demain.")
    tmux.wait_for("d", "Enregistré dans")

    # The dashboard shows the three hand-ins.
    def three_handed_in() -> bool:
        screen = tmux.screen("trainer")
        rows = [dashboard_row(screen, s) for s in ("PC-A", "PC-D", "PC-C")]
        return all("terminé" in row and "/20" in row for row in rows)

    wait_until(three_handed_in, 15, lambda: tmux.size("trainer") + tmux.screen("trainer"))
    assert "3 remis" in tmux.screen("trainer")

    # Nothing lost, nothing doubled: the central journals are the seats' own journals.
    central_a = central_lines(room, attempt_a)
    assert during_cut < len(central_a)
    assert central_a == seat_a.archived_journal().read_text("utf-8").splitlines()
    events_a = [e["type"] for e in read_journal(seat_a.archived_journal()).events]
    assert "link_lost" in events_a and "link_back" in events_a
    final_b = central_lines(room, attempt_b)
    local_d = seat_d.archived_journal().read_text("utf-8").splitlines()
    assert final_b[: len(central_b)] == central_b
    assert final_b[1:] == local_d[1:]  # seat D's header names its own folders
    with client.connect(room.trainer_url) as conn:
        states = {
            a.candidate.name: (a.state, a.seat) for a in client.list_attempts(conn, seance.id)
        }
    assert states == {
        "Alpha Anne": ("handed_in", "PC-A"),
        "Bravo Bruno": ("handed_in", "PC-D"),
        "Charlie Chloé": ("handed_in", "PC-C"),
    }
    for seat, name in ((seat_a, "Alpha Anne"), (seat_d, "Bravo Bruno")):
        record = json.loads(next((seat.root / "data" / "results").glob("*.json")).read_text())
        assert record["typed"] == TEXT and record["candidate"]["name"] == name


def _journal_of(lines: list[str], path: Path) -> JournalContents:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return read_journal(path)
