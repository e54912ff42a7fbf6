"""Room seats end to end, the real code path: each seat is a real session writing its local
journal, forwarded by the real journal sender; the trainer's side is the real dashboard
monitor (LISTEN/NOTIFY, lines fetched as notified, journals replayed).

Latency of a key = from the key press on the seat to the first dashboard snapshot showing it
(the typed text of that seat has reached its position); ``bench_room`` measures the server's
part alone (key → notification) with simulated seats, this one the whole path. Every seat and
the monitor run in this one process (threads sharing one interpreter and the machine's 2 cores
with the server), so the figures are pessimistic. 10 then 30 seats, side by side. After each
run: lines lost (each seat's local journal against the central one, line by line).

``FRAPPE_BENCH_SEAT_S`` sets the typing time (default 20 s per run).
"""

from __future__ import annotations

import json
import os
import statistics
import threading
import time
from pathlib import Path

from benchmarks._common import Result, print_table
from benchmarks._room import room_cluster, room_url, seance_config
from frappe.exercises.record import Candidate
from frappe.runs.common import StoragePaths
from frappe.runs.room_monitor import MonitorSnapshot, RoomMonitor
from frappe.runs.room_test import RoomRunningTest, start_room_test
from frappe.storage.room import client
from frappe.storage.room.schema import SEAT_ROLE, TRAINER_ROLE
from frappe.storage.room.seat_link import AttemptTicket, connect_seat

KEYS_PER_S = 8.0
_REFERENCE = "Le patient est sorti ce matin. " * 60


def _quantiles(values: list[float]) -> tuple[float, float, float]:
    values = sorted(values)
    if len(values) < 2:
        return (0.0, 0.0, 0.0)
    q = statistics.quantiles(values, n=100)
    return q[49] * 1000, q[98] * 1000, values[-1] * 1000


def _run(port: int, seats: int, duration_s: float, root: Path) -> dict[str, float]:
    seat_url, trainer_url = room_url(port, SEAT_ROLE), room_url(port, TRAINER_ROLE)
    with client.connect(trainer_url) as trainer:
        config = seance_config("bench-seat", _REFERENCE)
        seance = client.open_seance(trainer, config, profile_name="frappe")
    running: list[RoomRunningTest] = []
    with client.connect(seat_url) as conn:
        for index in range(seats):
            name = f"Poste {index:02d}"
            joined = client.join_seance(conn, seance.id, Candidate(name), seat=name)
            ticket = AttemptTicket(joined.key.attempt_id, joined.key.token, seance.id)
            folder = root / f"seat{index}"
            storage = StoragePaths(folder / "results", folder / "h.sqlite3", folder / "j")
            running.append(
                start_room_test(
                    joined.seance.session_config(Candidate(name)),
                    ticket,
                    storage,
                    lambda: connect_seat(seat_url),
                )
            )
    attempt_of = {r.ticket.attempt_id: i for i, r in enumerate(running) if r.ticket}
    pressed: list[list[float]] = [[] for _ in running]  # press time of character n
    shown: list[int] = [0 for _ in running]  # characters seen on the dashboard
    dashboard: list[float] = []
    lock = threading.Lock()

    def update(snapshot: MonitorSnapshot) -> None:
        now = time.monotonic()
        with lock:
            for view in snapshot.views:
                index = attempt_of.get(view.attempt_id)
                if index is None:
                    continue
                times = pressed[index]
                upto = min(view.typed_chars, len(times))
                dashboard.extend(now - times[n] for n in range(shown[index], upto))
                shown[index] = max(shown[index], upto)

    monitor = RoomMonitor(trainer_url, seance.id, update).start()
    time.sleep(2.0)

    def typist(index: int) -> None:
        test = running[index]
        begin = time.monotonic() + index / seats / KEYS_PER_S
        count = 0
        while True:
            due = begin + count / KEYS_PER_S
            if due - begin >= duration_s:
                break
            time.sleep(max(0.0, due - time.monotonic()))
            char = _REFERENCE[count % len(_REFERENCE)]
            with lock:
                pressed[index].append(time.monotonic())
            test.session.press(char, char)
            test.journal.heartbeat(test.session.elapsed_ms)
            count += 1

    typists = [threading.Thread(target=typist, args=(i,)) for i in range(seats)]
    for thread in typists:
        thread.start()
    for thread in typists:
        thread.join()
    time.sleep(2.0)
    monitor.stop()
    lost = 0
    for test in running:
        test.session.stop()
        test.save()
        assert test.ticket is not None
        archived = test.journal.path.parent / "archive" / test.journal.path.name
        local = archived.read_text("utf-8").splitlines()
        with client.connect(trainer_url) as trainer:
            central = client.attempt_lines(trainer, test.ticket.attempt_id)
        lost += sum(1 for a, b in zip(local, central, strict=False) if a != b)
        lost += abs(len(local) - len(central))
    typed = sum(len(times) for times in pressed)
    p50, p99, worst = _quantiles(dashboard)
    return {
        "seats": float(seats),
        "keys": float(typed),
        "shown": float(len(dashboard)),
        "p50_ms": p50,
        "p99_ms": p99,
        "max_ms": worst,
        "lost": float(lost),
    }


def run() -> Result:
    duration = float(os.environ.get("FRAPPE_BENCH_SEAT_S", "20"))
    results: dict[int, dict[str, float]] = {}
    with room_cluster("frappe-bench-seat-") as cluster:
        base = cluster.data_dir.parent
        for seats in (10, 30):
            results[seats] = _run(cluster.port, seats, duration, base / f"seats{seats}")
    small, large = results[10], results[30]

    def row(label: str, key: str, digits: int = 1) -> tuple[str, str, str]:
        return (label, f"{small[key]:.{digits}f}", f"{large[key]:.{digits}f}")

    print_table(
        "Postes de salle, chemin réel : frappe → journal local → envoi → serveur → tableau de "
        f"bord, {KEYS_PER_S:g} frappes/s par poste, {duration:g} s (un seul processus : "
        "chiffres pessimistes), cible p99 < 1000 ms et 0 perte",
        [
            ("", "10 postes", "30 postes"),
            row("frappes", "keys", 0),
            row("frappes vues au tableau de bord", "shown", 0),
            row("latence frappe → tableau p50 (ms)", "p50_ms"),
            row("latence frappe → tableau p99 (ms)", "p99_ms"),
            row("latence frappe → tableau max (ms)", "max_ms"),
            row("lignes perdues ou différentes", "lost", 0),
        ],
    )
    return {
        f"room_seats_real_path_{seats}": {key: round(value, 2) for key, value in figures.items()}
        for seats, figures in results.items()
    }


if __name__ == "__main__":
    print(json.dumps(run()))
