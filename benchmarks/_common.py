"""Small shared helpers: timing and the result table."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

Result = dict[str, dict[str, float | str]]


def time_call(func: Callable[[], object], *, repeat: int = 7, min_time: float = 0.2) -> float:
    """Median seconds per call, each sample looping until ``min_time`` has passed."""
    loops = 1
    while True:
        start = time.perf_counter()
        for _ in range(loops):
            func()
        elapsed = time.perf_counter() - start
        if elapsed >= min_time / repeat or loops >= 1 << 20:
            break
        loops *= 2
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(loops):
            func()
        samples.append((time.perf_counter() - start) / loops)
    return statistics.median(samples)


def print_table(title: str, rows: list[tuple[str, str, str]]) -> None:
    """Print ``name  value  note`` rows under a title."""
    print(f"\n{title}")
    width = max(len(r[0]) for r in rows)
    for name, value, note in rows:
        print(f"  {name:<{width}}  {value:>14}  {note}")
