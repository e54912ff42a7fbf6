"""Key handling in the typing screen: time to handle one key press and redraw, at the start of
a 5,000-character text and around its 4,900th character (target p99 < 4 ms, no growth).

Measured in the headless app, without pilot round trips (a pilot key press waits for the app
to be idle twice, ~62 ms of waiting): each sample is the typing area's key handler (session,
journal write, widget updates) plus the compositor update that paints the dirty lines, i.e.
what Textual does for a key between two idle points.

Each sample is timed twice: wall clock (what the candidate waits for on a quiet machine) and
the thread's CPU time (the same work without the time other processes take on a shared
machine: on the 2 shared cores of the team's machine, wall-clock p99 mostly measures them).
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks._common import Result, print_table, time_call
from frappe.exercises import timings
from frappe.exercises.dictations import find_dictation
from frappe.exercises.record import Candidate
from frappe.exercises.texts import Text, list_texts
from frappe.exercises.timings import PassageFinder, WordTiming, load_timings
from frappe.runs.common import StoragePaths
from frappe.runs.typing import TypingSpec
from frappe.scoring.profiles import scoring_profile
from frappe.tui.app import FrappeApp, make_app
from frappe.tui.config import AppConfig, StartExam
from frappe.tui.screens.typing import TypingScreen

LENGTH = 5000
SAMPLE = 200
TARGET_P99_MS = 4.0


def long_text(length: int = LENGTH) -> str:
    """At least ``length`` characters of the bundled texts, cut at a space."""
    body = "\n\n".join(t.body for t in list_texts())
    while len(body) < length + 100:
        body += "\n\n" + body
    return body[: body.index(" ", length)]


def _key(char: str) -> tuple[str, str | None]:
    if char == "\n":
        return "enter", None
    if char == " ":
        return "space", " "
    return char, char


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


Samples = list[tuple[float, float]]  # (wall clock, thread CPU time) per key, in seconds


async def _measure(live_feedback: bool) -> tuple[Samples, Samples]:
    text = long_text()
    typed = text.replace("e", "r", 40)  # a few errors, as a real candidate makes
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        storage = StoragePaths(folder / "results", folder / "h.sqlite3", folder / "journals")
        spec = TypingSpec(
            candidate=Candidate("Banc d'essai"),
            text=Text(id="bench", title="Banc d'essai", level=0, theme="", body=text),
            duration_s=None,
            backspace_allowed=True,
            profile=scoring_profile(),
            live_feedback=live_feedback,
        )
        config = AppConfig(storage=storage, tick_interval=3600.0, check_journals=False)
        app: FrappeApp = make_app(config, StartExam(spec, skip_instructions=True))
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, TypingScreen)
            area = screen.area
            watched = (area.typed, area.reference)
            # Keys as a person types them, 100 ms apart: run back to back without these
            # arrival times, they would be refused as a paste.
            arrivals = itertools.count(start=1.0, step=0.1)

            def press_and_paint(char: str) -> tuple[float, float]:
                key, character = _key(char)
                cpu = time.thread_time()
                start = time.perf_counter()
                area.type_key(key, character, arrived_s=next(arrivals))
                for widget in watched:
                    if widget._repaint_required:
                        widget._repaint_required = False
                        screen._dirty_widgets.add(widget)
                if screen._dirty_widgets:
                    screen._compositor.update_widgets(screen._dirty_widgets)
                    screen._compositor_refresh()
                return time.perf_counter() - start, time.thread_time() - cpu

            first = [press_and_paint(c) for c in typed[:SAMPLE]]
            for char in typed[SAMPLE : 4900 - SAMPLE // 2]:
                key, character = _key(char)
                area.type_key(key, character, arrived_s=next(arrivals))
            await pilot.pause()
            late = [press_and_paint(c) for c in typed[4900 - SAMPLE // 2 : 4900 + SAMPLE // 2]]
            assert area.session.length == 4900 + SAMPLE // 2
            screen.running.journal.close()
    return first, late


def run() -> Result:
    """Run the benchmark, print a table, return the figures."""
    results: Result = {}
    rows: list[tuple[str, str, str]] = []
    for live in (False, True):
        first, late = asyncio.run(_measure(live))
        label = "retour visuel" if live else "examen"
        mode = "feedback" if live else "exam"
        for where, place, pairs in (("début", "start", first), ("4900e car.", "at4900", late)):
            name = f"tui_key_{mode}_{place}"
            cells = []
            for clock, suffix, samples in (
                ("horloge", "", [wall for wall, _cpu in pairs]),
                ("CPU", "_cpu", [cpu for _wall, cpu in pairs]),
            ):
                p50 = statistics.median(samples) * 1000
                p99 = _percentile(samples, 0.99) * 1000
                results[f"{name}{suffix}_p50"] = {"value": round(p50, 3), "unit": "ms"}
                results[f"{name}{suffix}_p99"] = {"value": round(p99, 3), "unit": "ms"}
                verdict = "ok" if p99 < TARGET_P99_MS else f"> {TARGET_P99_MS:g} ms"
                cells.append(f"{clock} p50 {p50:.2f} p99 {p99:.2f} ms {verdict}")
            rows.append((f"touche, {label}, {where}", cells[0], cells[1]))
    print_table(
        "Frappe dans l'application (texte de 5 000 caractères, sans la boucle du pilote)", rows
    )
    results.update(_passage_finder())
    return results


def _passage_finder() -> Result:
    """Aligning reference and recognised words for « play this passage » on a long dictation:
    d03 repeated ten times (3,430 reference words, about 29 minutes), anchored vs full alignment."""
    dictation = find_dictation("d03")
    words = load_timings(dictation.folder)
    assert words is not None
    reference = "\n\n".join([dictation.reference_text()] * 10)
    heard = tuple(
        WordTiming(w.text, w.start_s + k * 180.0, w.end_s + k * 180.0)
        for k in range(10)
        for w in words
    )
    anchored = time_call(lambda: PassageFinder(reference, heard), repeat=5)
    tokens = [t for t in (timings._token(w) for w in reference.split()) if t]
    said = [timings._token(w.text) for w in heard]
    start = time.perf_counter()
    timings._align_by_similarity(tokens, said)
    full = time.perf_counter() - start
    print_table(
        f"Passages dans l'enregistrement ({len(tokens)} mots de référence, {len(said)} reconnus)",
        [
            ("alignement ancré (frappe)", f"{anchored * 1000:.1f} ms", "mots identiques en ancres"),
            ("alignement complet", f"{full * 1000:.0f} ms", f"{full / anchored:.0f}× plus lent"),
        ],
    )
    return {
        "passage_finder_29min_dictation": {"value": round(anchored * 1000, 2), "unit": "ms"},
        "passage_finder_full_dp_ratio": {"value": round(full / anchored, 1), "unit": "x"},
    }


if __name__ == "__main__":
    run()
