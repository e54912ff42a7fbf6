"""Room server under load: simulated seats typing against one local PostgreSQL.

A throwaway cluster (the code ``frappe room serve`` runs, default durability: fsync on,
synchronous commit) gets N seats, each joining a séance and typing 8 keys per second; each key
is one journal line sent as a real seat's sender sends it (at once, or with whatever piled up
while the previous call was in flight), through the ``seat_append`` function. A dashboard
connection LISTENs: the latency of a key is the time from the key press to the notification
that its line is on the server. After the run: lines lost (typed but not on the server, or a
broken chain), and the server's CPU (all its processes) over the typing phase.

30 seats (one room), then 200 (a centre's rooms: séances of 20), side by side. Then the
design choice of schema 4 checked in the same run: 200 seats with journal lines committed
asynchronously (schema 4) and synchronously (the same schema with that one setting removed).
``FRAPPE_BENCH_ROOM_S`` sets the typing time (default 60 s per run),
``FRAPPE_BENCH_ROOM_COMPARE_S`` that of the comparison (default 20 s each).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import resource
import statistics
import threading
import time
from pathlib import Path
from typing import Any

import psycopg

from benchmarks._common import Result, print_table
from benchmarks._room import room_cluster, room_url, seance_config
from frappe.storage.room import client
from frappe.storage.room.chain import verify_chains
from frappe.storage.room.schema import SEAT_ROLE, TRAINER_ROLE, migrate

KEYS_PER_S = 8.0
SEATS_PER_SEANCE = 20
_REFERENCE = "Le patient est sorti ce matin. " * 40


async def _seat(
    url: str, seance: str, name: str, duration_s: float, start_at: float
) -> tuple[int, list[float]]:
    """One seat: join, type for ``duration_s``, send like the journal sender. Returns the
    attempt id and the monotonic time of each key (index = seq - 1)."""
    conn = await psycopg.AsyncConnection.connect(url, autocommit=True)
    row = await (
        await conn.execute(
            "SELECT attempt_id, token FROM frappe.seat_join(%s, %s, NULL, %s)",
            (seance, name, name),
        )
    ).fetchone()
    assert row is not None
    attempt, token = int(row[0]), str(row[1])
    key_times: list[float] = []
    pending: list[str] = []
    sent = 0
    typed = asyncio.Event()
    done = False

    async def sender() -> None:
        nonlocal sent
        while not (done and not pending):
            await typed.wait()
            typed.clear()
            while pending:
                batch = list(pending)
                await conn.execute(
                    "SELECT frappe.seat_append(%s, %s, %s, %s)",
                    (attempt, token, sent + 1, batch),
                )
                sent += len(batch)
                del pending[: len(batch)]

    task = asyncio.create_task(sender())
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    # Spread the seats over one key period, as real candidates are.
    await asyncio.sleep((hash(name) % 1000) / 1000 / KEYS_PER_S)
    begin = time.monotonic()
    count = 0
    while True:
        due = begin + count / KEYS_PER_S
        if due - begin >= duration_s:
            break
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        stamp = time.monotonic()
        t_ms = int((stamp - begin) * 1000)
        pending.append(json.dumps({"k": [t_ms, "a", "insert", count, "a"]}))
        key_times.append(stamp)
        count += 1
        typed.set()
    done = True
    typed.set()
    await task
    await conn.close()
    return attempt, key_times


def _worker(
    url: str, seats: list[tuple[str, str]], duration_s: float, start_at: float, out: Any
) -> None:
    async def main() -> list[tuple[int, list[float]]]:
        return await asyncio.gather(
            *(_seat(url, seance, name, duration_s, start_at) for seance, name in seats)
        )

    out.put(asyncio.run(main()))


def _server_cpu_ns(cluster_dir: Path) -> dict[int, int]:
    """CPU nanoseconds of the postmaster and each live child of it, by pid, from the
    scheduler's own count (``/proc/PID/schedstat``): the tick-sampled ``utime`` of
    ``/proc/PID/stat`` misses most of backends that run for tens of microseconds per call."""
    try:
        postmaster = int((cluster_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return {}
    found: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if postmaster not in (int(entry.name), ppid):
                continue
            found[int(entry.name)] = int((entry / "schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue
    return found


def _cpu_between(before: dict[int, int], after: dict[int, int]) -> float:
    """CPU seconds spent between two samples by the processes alive at the second (a
    process that ended in between, such as an autovacuum worker, is left out)."""
    return sum(ns - before.get(pid, 0) for pid, ns in after.items()) / 1e9


def _run_room(
    port: int, cluster_dir: Path, seats: int, duration_s: float, db: str = "frappe"
) -> dict[str, float]:
    config = seance_config("bench", _REFERENCE)
    with client.connect(room_url(port, TRAINER_ROLE, db)) as trainer:
        seances = [
            client.open_seance(trainer, config, profile_name="frappe").id
            for _ in range((seats + SEATS_PER_SEANCE - 1) // SEATS_PER_SEANCE)
        ]
    plan = [(seances[i // SEATS_PER_SEANCE], f"siege-{seats}-{i:03d}") for i in range(seats)]
    received: dict[tuple[int, int], float] = {}
    notified: dict[int, int] = {}
    stop = threading.Event()
    listening = threading.Event()

    def listen() -> None:
        with psycopg.connect(room_url(port, TRAINER_ROLE, db), autocommit=True) as conn:
            conn.execute(f"LISTEN {client.CHANNEL}")
            listening.set()
            while not stop.is_set():
                for note in conn.notifies(timeout=0.5):
                    now = time.monotonic()
                    data = json.loads(note.payload)
                    if data.get("event") != "lines":
                        continue
                    attempt, seq = int(data["attempt"]), int(data["seq"])
                    for covered in range(notified.get(attempt, 0) + 1, seq + 1):
                        received[(attempt, covered)] = now
                    notified[attempt] = max(notified.get(attempt, 0), seq)

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    listening.wait(30)
    workers = 2
    start_at = time.monotonic() + 3.0 + seats * 0.01
    queue: Any = multiprocessing.get_context("fork").Queue()
    processes = [
        multiprocessing.get_context("fork").Process(
            target=_worker,
            args=(room_url(port, SEAT_ROLE, db), plan[w::workers], duration_s, start_at, queue),
        )
        for w in range(workers)
    ]
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    children_cpu_before = usage.ru_utime + usage.ru_stime
    for process in processes:
        process.start()
    time.sleep(max(0.0, start_at - time.monotonic()))
    cpu_before, wall_before = _server_cpu_ns(cluster_dir), time.monotonic()
    time.sleep(duration_s)
    cpu_after, wall_after = _server_cpu_ns(cluster_dir), time.monotonic()
    outcomes: list[tuple[int, list[float]]] = []
    for _ in processes:
        outcomes.extend(queue.get(timeout=duration_s + 120))
    for process in processes:
        process.join(timeout=30)
    seats_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    seats_cpu_s = seats_cpu.ru_utime + seats_cpu.ru_stime - children_cpu_before
    time.sleep(1.0)  # the last notifications
    stop.set()
    listener.join(timeout=5)
    latencies: list[float] = []
    typed = 0
    unnotified = 0
    for attempt, key_times in outcomes:
        typed += len(key_times)
        for seq, stamp in enumerate(key_times, start=1):
            arrived = received.get((attempt, seq))
            if arrived is None:
                unnotified += 1
            else:
                latencies.append(arrived - stamp)
    with client.connect(room_url(port, TRAINER_ROLE, db)) as trainer:
        stored = 0
        broken = 0
        for seance in seances:
            stored += sum(a.last_seq for a in client.list_attempts(trainer, seance))
            broken += len(verify_chains(trainer, seance).breaks)
    latencies.sort()
    quantile = statistics.quantiles(latencies, n=100) if len(latencies) >= 2 else [0.0] * 99
    return {
        "seats": float(seats),
        "keys": float(typed),
        "keys_per_s": typed / duration_s,
        "p50_ms": quantile[49] * 1000,
        "p99_ms": quantile[98] * 1000,
        "max_ms": (latencies[-1] if latencies else 0.0) * 1000,
        "lost": float(typed - stored + broken),
        "unnotified": float(unnotified),
        "server_cpu_pct": 100.0 * _cpu_between(cpu_before, cpu_after) / (wall_after - wall_before),
        # The simulated seats share this machine's cores with the server: their own CPU
        # (whole run, joining included) says how much of the latency is theirs.
        "seats_cpu_pct": 100.0 * seats_cpu_s / duration_s,
    }


_ASYNC_COMMIT = "PERFORM set_config('synchronous_commit', 'off', true);"


def _commit_journal_lines_synchronously(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    """Redefine every function that turns ``synchronous_commit`` off, without that line."""
    rows = conn.execute(
        "SELECT pg_get_functiondef(p.oid) FROM pg_proc p"
        " JOIN pg_namespace n ON n.oid = p.pronamespace"
        " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')"
        " AND p.prosrc LIKE %s",
        ("%" + _ASYNC_COMMIT + "%",),
    ).fetchall()
    if not rows:
        raise RuntimeError("no journal function commits asynchronously: nothing to compare")
    for (definition,) in rows:
        conn.execute(str(definition).replace(_ASYNC_COMMIT, ""))


def run() -> Result:
    duration = float(os.environ.get("FRAPPE_BENCH_ROOM_S", "60"))
    compare_s = float(os.environ.get("FRAPPE_BENCH_ROOM_COMPARE_S", "20"))
    results: dict[int, dict[str, float]] = {}
    commits: dict[str, dict[str, float]] = {}
    with room_cluster("frappe-bench-room-", databases=("frappe", "frappe_sync")) as cluster:
        # The current schema with journal lines committed synchronously, as before schema 4
        # made them asynchronous (a database left at schema 3 lacks later séance columns).
        with psycopg.connect(
            room_url(cluster.port, "frappe_admin", "frappe_sync"), autocommit=True
        ) as conn:
            migrate(conn)
            _commit_journal_lines_synchronously(conn)
        for seats in (30, 200):
            results[seats] = _run_room(cluster.port, cluster.data_dir, seats, duration)
        commits["async"] = _run_room(cluster.port, cluster.data_dir, 200, compare_s)
        commits["sync"] = _run_room(
            cluster.port, cluster.data_dir, 200, compare_s, db="frappe_sync"
        )
    small, large = results[30], results[200]
    rows = [
        ("", "30 postes", "200 postes"),
        ("frappes/s reçues", f"{small['keys_per_s']:.0f}", f"{large['keys_per_s']:.0f}"),
        ("latence p50 (ms)", f"{small['p50_ms']:.1f}", f"{large['p50_ms']:.1f}"),
        ("latence p99 (ms)", f"{small['p99_ms']:.1f}", f"{large['p99_ms']:.1f}"),
        ("latence max (ms)", f"{small['max_ms']:.1f}", f"{large['max_ms']:.1f}"),
        ("lignes perdues", f"{small['lost']:.0f}", f"{large['lost']:.0f}"),
        ("sans notification", f"{small['unnotified']:.0f}", f"{large['unnotified']:.0f}"),
        (
            "CPU serveur (% d'un cœur)",
            f"{small['server_cpu_pct']:.0f}",
            f"{large['server_cpu_pct']:.0f}",
        ),
        (
            "CPU postes simulés (% d'un cœur)",
            f"{small['seats_cpu_pct']:.0f}",
            f"{large['seats_cpu_pct']:.0f}",
        ),
    ]
    print_table(
        f"Serveur de salle : frappe → tableau de bord (LISTEN/NOTIFY), {KEYS_PER_S:g} frappes/s "
        f"par poste, {duration:g} s, cible p99 < 1000 ms et 0 perte",
        rows,
    )
    fast, slow = commits["async"], commits["sync"]
    print_table(
        f"Validation des lignes de journal, 200 postes, {compare_s:g} s chacune "
        "(asynchrone comme le schéma actuel ; synchrone : les mêmes fonctions sans ce réglage)",
        [
            ("", "asynchrone", "synchrone"),
            ("latence p50 (ms)", f"{fast['p50_ms']:.1f}", f"{slow['p50_ms']:.1f}"),
            ("latence p99 (ms)", f"{fast['p99_ms']:.1f}", f"{slow['p99_ms']:.1f}"),
            ("lignes perdues", f"{fast['lost']:.0f}", f"{slow['lost']:.0f}"),
            (
                "p99 synchrone / asynchrone",
                f"{slow['p99_ms'] / max(fast['p99_ms'], 1e-9):.1f}×",
                "",
            ),
        ],
    )
    report: Result = {
        f"room_{seats}_seats": {key: round(value, 2) for key, value in figures.items()}
        for seats, figures in results.items()
    }
    for mode, figures in commits.items():
        report[f"room_200_seats_{mode}_commit"] = {
            key: round(value, 2) for key, value in figures.items()
        }
    return report


if __name__ == "__main__":
    print(json.dumps(run()))
