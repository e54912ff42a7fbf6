"""Scoring core and batch scoring, side by side with difflib and jiwer in the same run.

Pair: ~4,000 characters of the bundled French texts with ~2 % of characters edited.
"""

from __future__ import annotations

import difflib
import gc
import json
import math
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jiwer

from benchmarks._common import Result, print_table, time_call
from frappe.exercises.record import Candidate, RecordSettings, ResultRecord
from frappe.exercises.record_schema import decode_record_json
from frappe.exercises.results import score_record
from frappe.exercises.texts import Text, list_texts
from frappe.reports.batch_results import json_text
from frappe.runs.verification import centre_rules, verify
from frappe.scoring import (
    Keystroke,
    align_tokens,
    compare_texts,
    normalization_profile,
    scoring_profile,
    word_measures,
)
from frappe.scoring.score import _reference_side, score_typing
from frappe.storage.files import write_record
from frappe.textio import read_file_bytes

RECORDS = 2000
BATCH_RUNS = 5  # runs of the whole batch on all cores (the best one is shown)


def french_text(length: int = 4000) -> str:
    body = "\n".join(t.body for t in list_texts())
    return body[:length].rsplit(" ", 1)[0]


def with_typos(text: str, rate: float, seed: int = 7) -> str:
    rng = random.Random(seed)
    chars = list(text)
    for _ in range(int(len(chars) * rate)):
        i = rng.randrange(len(chars) - 1)
        kind = rng.choice(("sub", "del", "ins", "swap"))
        if kind == "sub":
            chars[i] = rng.choice("aeiourstnlé")
        elif kind == "del":
            del chars[i]
        elif kind == "ins":
            chars.insert(i, rng.choice("aeiourstnl "))
        else:
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
    return "".join(chars)


def catalogue_text() -> Text:
    """The bundled text the batch's records are typed from: known to the catalogue, so every
    record goes through all of ``frappe score``'s checks."""
    return max(list_texts(), key=lambda text: len(text.body))


def make_records(folder: Path, count: int, text: Text | None = None) -> None:
    """Five-minute typing records as the app writes them: ~1,200 characters typed with a
    keystroke log, of a text of the catalogue."""
    text = text or catalogue_text()
    reference = text.body
    profile = scoring_profile()
    started = datetime(2026, 11, 23, 9, tzinfo=UTC)
    for i in range(count):
        typed = with_typos(reference[:1200], 0.02, seed=i).rstrip()
        log = tuple(Keystroke(j * 200, c, "insert", j, c) for j, c in enumerate(typed))
        record = ResultRecord(
            kind="typing",
            candidate=Candidate(f"Candidat {i}", None),
            exercise_id=text.id,
            exercise_title=text.title,
            reference=reference,
            typed=typed,
            started_at=started,
            ended_at=started + timedelta(minutes=5),
            duration_s=300.0,
            end_reason="timeout",
            settings=RecordSettings(300.0, True, profile),
            keystrokes=log,
        )
        write_record(record, folder / f"r{i:05d}.json")


def stage_times(folder: Path, count: int = 300) -> dict[str, float]:
    """Milliseconds per record of each stage of ``frappe score``, in this process (the batch
    pauses the automatic garbage collector, so this does too)."""
    files = sorted(folder.glob("*.json"))[:count]
    totals = dict.fromkeys(("read", "decode", "validate", "verify", "score", "entry", "write"), 0.0)
    rules = centre_rules()
    enabled = gc.isenabled()
    gc.disable()
    try:
        for path in files:
            marks = [time.perf_counter()]
            raw = read_file_bytes(path)
            marks.append(time.perf_counter())
            document = decode_record_json(raw)  # typed schema: types, bounds, sizes
            marks.append(time.perf_counter())
            record = ResultRecord.from_document(document)  # hashes, profile, log vs clocks
            marks.append(time.perf_counter())
            record = verify(record, rules).record  # catalogue, centre's profile
            marks.append(time.perf_counter())
            score = score_record(record)  # compare the texts, keystroke statistics
            marks.append(time.perf_counter())
            entry = {"metrics": score.metrics_dict()}
            entry["errors"] = [e.to_dict() for e in score.comparison.errors]
            marks.append(time.perf_counter())
            json_text([entry])
            marks.append(time.perf_counter())
            for name, start, end in zip(totals, marks, marks[1:], strict=False):
                totals[name] += end - start
    finally:
        if enabled:
            gc.enable()
    return {name: total * 1e3 / len(files) for name, total in totals.items()}


# The commit before this session's speed work: `make bench` scores the same records with it, in
# the same run, when the clone has it; otherwise the figure issue 14 states for it.
OLD_COMMIT = "dadd639"
OLD_FILES_PER_S = 633


def _old_tree(target: Path) -> Path | None:
    """The old commit's files (``git archive``), or None when this clone does not have it."""
    root = Path(__file__).resolve().parents[1]
    target.mkdir()
    try:
        archive = subprocess.run(
            ["git", "-C", str(root), "archive", OLD_COMMIT],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    # Compiled like this tree (`make bench`) and a wheel install: with PYTHONDONTWRITEBYTECODE
    # the old sources would otherwise be compiled at every run, a cost of neither commit's code.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(target / "src")], check=False)
    return target


def _score_batch(
    folder: Path, tmp: Path, jobs: int, tree: Path | None = None
) -> tuple[float, float]:
    """``frappe score`` on every record (from ``tree``'s sources when given): files/s (wall
    clock) and CPU ms per file of the whole process tree (robust on a shared machine)."""
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = str(tree / "src")
    output = tmp / ("old.json" if tree is not None else "out.json")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    command = [sys.executable, "-m", "frappe.cli", "score", str(folder), "--format", "json"]
    subprocess.run(
        [*command, "--output", str(output), "--jobs", str(jobs)],
        check=True,
        env=env,
        cwd=tree or None,
    )
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return RECORDS / elapsed, cpu * 1e3 / RECORDS


def long_text(length: int) -> str:
    """The bundled texts repeated to ``length`` characters."""
    body = "\n".join(t.body for t in list_texts())
    return (body * (length // len(body) + 1))[:length].rsplit(" ", 1)[0]


LONG_SIZES = (250_000, 1_000_000, 2_000_000)
LONG_EDIT_RATE = 0.001  # « almost equal »: one character edited per 1,000
LONG_ROUNDS = 5


def long_pair(size: int) -> tuple[str, str]:
    """A reference of ``size`` characters and its almost equal typed copy."""
    reference = long_text(size)
    return reference, with_typos(reference, LONG_EDIT_RATE)


def long_texts() -> Result:
    """compare_texts on long, almost equal pairs, and the stopping-point search of a 10 MB typed
    text against a short reference (issue 14 §6: targets 2 MB < 2 s, growth ≤ 1.2× per doubling
    beyond linear)."""
    norm = normalization_profile("frappe")
    pairs = {size: long_pair(size) for size in LONG_SIZES}
    seconds = dict.fromkeys(LONG_SIZES, math.inf)
    cpu = dict.fromkeys(LONG_SIZES, math.inf)  # process CPU time: what others' load adds less
    # The sizes alternate, best of LONG_ROUNDS each: the machine's speed drifts from minute to
    # minute, and measuring 1 MB then 2 MB a minute apart made their ratio (the growth) drift
    # by ±0.2.
    for _ in range(LONG_ROUNDS):
        for size, (reference, typed) in pairs.items():
            _reference_side.cache_clear()
            gc.collect()
            wall, start = time.perf_counter(), time.process_time()
            compare_texts(reference, typed, norm)
            cpu[size] = min(cpu[size], time.process_time() - start)
            seconds[size] = min(seconds[size], time.perf_counter() - wall)
    short = long_text(3000)
    huge = long_text(10_000_000)
    huge_s = time_call(
        lambda: score_typing(short, huge, duration_s=600, profile=scoring_profile()),
        repeat=1,
        min_time=0.0,
    )
    small, middle, large = LONG_SIZES
    # Growth per doubling of the size, divided by the 2× a linear algorithm would show.
    growth = {
        "1 MB / 250 KB": (seconds[middle] / seconds[small]) ** 0.5 / 2,
        "2 MB / 1 MB": seconds[large] / seconds[middle] / 2,
    }
    cpu_growth = {
        "1 MB / 250 KB": (cpu[middle] / cpu[small]) ** 0.5 / 2,
        "2 MB / 1 MB": cpu[large] / cpu[middle] / 2,
    }
    rows = [
        (
            f"compare_texts {size // 1000} KB",
            f"{seconds[size]:.3f} s",
            f"one edit per 1,000 chars; CPU {cpu[size]:.3f} s (best of {LONG_ROUNDS})",
        )
        for size in LONG_SIZES
    ]
    rows += [
        (
            f"  growth {name}",
            f"{value:.2f}×",
            f"per doubling, beyond linear (≤ 1.2); CPU {cpu_growth[name]:.2f}×",
        )
        for name, value in growth.items()
    ]
    rows.append(("10 MB typed vs 3 KB reference", f"{huge_s:.2f} s", "score_typing --duration"))
    print_table("Long texts (target: 2 MB < 2 s, growth ≤ 1.2× per doubling beyond linear)", rows)
    result: Result = {
        f"compare_texts_{size // 1000}_kb": {"value": round(seconds[size], 3), "unit": "s"}
        for size in LONG_SIZES
    }
    result["long_text_growth_per_doubling"] = {"value": round(max(growth.values()), 2), "unit": "x"}
    result["compare_texts_2000_kb_cpu"] = {"value": round(cpu[large], 3), "unit": "s"}
    result["long_text_cpu_growth_per_doubling"] = {
        "value": round(max(cpu_growth.values()), 2),
        "unit": "x",
    }
    result["score_10_mb_vs_short_reference"] = {"value": round(huge_s, 2), "unit": "s"}
    return result


def run() -> Result:
    reference = french_text()
    typed = with_typos(reference, 0.02)
    frappe_norm = normalization_profile("frappe")
    # Cold reference: compare_texts caches the normalised reference, which a batch reuses but a
    # one-off comparison (and this figure, comparable with earlier runs) does not.
    ours = time_call(
        lambda: (_reference_side.cache_clear(), compare_texts(reference, typed, frappe_norm))
    )
    difflib_default = time_call(
        lambda: difflib.SequenceMatcher(None, reference, typed).get_opcodes(), repeat=5
    )
    difflib_nojunk = time_call(
        lambda: difflib.SequenceMatcher(None, reference, typed, autojunk=False).get_opcodes(),
        repeat=3,
        min_time=1.0,
    )
    jiwer_chars = time_call(lambda: jiwer.process_characters(reference, typed))
    jiwer_words = time_call(lambda: jiwer.process_words(reference, typed))
    ref_words, hyp_words = reference.split(), typed.split()
    our_wer = time_call(lambda: word_measures(align_tokens(ref_words, hyp_words)).wer)
    jiwer_wer = time_call(lambda: jiwer.wer(reference, typed))
    errors = len(compare_texts(reference, typed, frappe_norm).errors)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "records"
        make_records(folder, RECORDS)
        stages = stage_times(folder)
        cores = os.cpu_count() or 2
        old_tree = _old_tree(Path(tmp) / "old")
        per_jobs: dict[int, float] = {}
        cpu_ms: dict[int, float] = {}
        old_rate = old_cpu_ms = None
        per_jobs[1], cpu_ms[1] = _score_batch(folder, Path(tmp), 1)
        per_jobs[cores], cpu_ms[cores] = 0.0, float("inf")
        # This machine's speed drifts by up to 1.5× from minute to minute: the best of a few
        # runs (as timeit takes), the old commit and this one taking turns so that both see
        # the same machine.
        for _ in range(BATCH_RUNS):
            if old_tree is not None:
                old = _score_batch(folder, Path(tmp), cores, old_tree)
                old_rate = max(old_rate or 0.0, old[0])
                old_cpu_ms = min(old_cpu_ms or old[1], old[1])
            again = _score_batch(folder, Path(tmp), cores)
            per_jobs[cores] = max(per_jobs[cores], again[0])
            cpu_ms[cores] = min(cpu_ms[cores], again[1])
        out = json.loads((Path(tmp) / "out.json").read_text("utf-8"))
        assert len(out) == RECORDS and all(e["ok"] for e in out)
        assert not any(e.get("warnings") for e in out)  # every check ran, and passed

    cores = max(per_jobs)
    rows = [
        ("pair", f"{len(reference)} chars", f"{errors} errors found, {len(ref_words)} words"),
        ("frappe compare_texts", f"{ours * 1e3:.3f} ms", "normalise+align+classify+measures"),
        (
            "difflib (autojunk)",
            f"{difflib_default * 1e3:.3f} ms",
            f"× {difflib_default / ours:.0f} slower than frappe",
        ),
        (
            "difflib (autojunk=False)",
            f"{difflib_nojunk * 1e3:.3f} ms",
            f"× {difflib_nojunk / ours:.0f} slower than frappe",
        ),
        (
            "jiwer process_characters",
            f"{jiwer_chars * 1e3:.3f} ms",
            f"× {jiwer_chars / ours:.1f} vs frappe (no classification)",
        ),
        (
            "jiwer process_words",
            f"{jiwer_words * 1e3:.3f} ms",
            f"× {jiwer_words / ours:.1f} vs frappe (no classification)",
        ),
        (
            "frappe word WER",
            f"{our_wer * 1e3:.4f} ms",
            f"jiwer.wer × {jiwer_wer / our_wer:.1f} slower",
        ),
        ("jiwer wer", f"{jiwer_wer * 1e3:.4f} ms", ""),
        *[
            (f"  stage: {name}", f"{ms:.3f} ms", "per record, in process")
            for name, ms in stages.items()
        ],
        (
            "frappe score, 1 process",
            f"{per_jobs[1]:.0f} files/s",
            f"{RECORDS} records, end to end; CPU {cpu_ms[1]:.2f} ms/file",
        ),
        (
            f"frappe score, {cores} processes",
            f"{per_jobs[cores]:.0f} files/s",
            f"best of {BATCH_RUNS}; target ≥ 1000, towards 2000; CPU {cpu_ms[cores]:.2f} ms/file",
        ),
        (
            f"  before ({OLD_COMMIT}), {cores} proc.",
            f"{old_rate:.0f} files/s" if old_rate else f"{OLD_FILES_PER_S} files/s",
            (
                f"same run, same records, best of {BATCH_RUNS}; CPU {old_cpu_ms:.2f} ms/file"
                if old_rate and old_cpu_ms
                else "figure stated in issue 14 (the old commit is not in this clone)"
            ),
        ),
    ]
    if old_rate:
        # The 633 files/s and its target were measured with the old commit on the
        # machine of that day; this one's speed differs (and drifts), the ratio does not.
        rows.append(
            (
                "  speed-up, same run",
                f"× {per_jobs[cores] / old_rate:.2f}",
                f"{per_jobs[cores] / old_rate * OLD_FILES_PER_S:.0f} files/s where the old "
                f"commit scored {OLD_FILES_PER_S} (issue 14)",
            )
        )
    print_table(
        "Scoring (targets: ≥ 50× difflib, WER no slower than jiwer, ≥ 1000 records/s)", rows
    )
    return {
        **long_texts(),
        "compare_texts_4000_chars": {"value": round(ours * 1e3, 4), "unit": "ms"},
        "difflib_autojunk_ratio": {"value": round(difflib_default / ours, 1), "unit": "x"},
        "difflib_nojunk_ratio": {"value": round(difflib_nojunk / ours, 1), "unit": "x"},
        "jiwer_process_characters_ratio": {"value": round(jiwer_chars / ours, 2), "unit": "x"},
        "jiwer_process_words_ratio": {"value": round(jiwer_words / ours, 2), "unit": "x"},
        "word_wer_vs_jiwer_ratio": {"value": round(jiwer_wer / our_wer, 2), "unit": "x"},
        "score_records_per_s_1_process": {"value": round(per_jobs[1]), "unit": "files/s"},
        "score_records_per_s_all_cores": {"value": round(per_jobs[cores]), "unit": "files/s"},
        "score_cpu_ms_per_record": {"value": round(cpu_ms[cores], 3), "unit": "ms"},
        "score_records_per_s_before": {
            "value": round(old_rate) if old_rate else OLD_FILES_PER_S,
            "unit": "files/s",
        },
        **(
            {
                "score_speed_up_same_run": {
                    "value": round(per_jobs[cores] / old_rate, 2),
                    "unit": "x",
                }
            }
            if old_rate
            else {}
        ),
    }


if __name__ == "__main__":
    print(json.dumps(run()))
