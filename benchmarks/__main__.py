"""Run every benchmark; the last line printed is one JSON object of all results."""

from __future__ import annotations

import importlib
import json
import sys
import traceback

from benchmarks._common import Result

MODULES = (
    "bench_scoring",
    "bench_tui",
    "bench_audio",
    "bench_asr",
    "bench_room",
    "bench_seat",
    "bench_suivi",
)


def main() -> int:
    results: Result = {}
    failed = []
    for name in MODULES:
        try:
            module = importlib.import_module(f"benchmarks.{name}")
        except ModuleNotFoundError as error:
            if error.name == f"benchmarks.{name}":
                continue  # not written yet
            raise
        try:
            results.update(module.run())
        except Exception:
            traceback.print_exc()
            failed.append(name)
    if failed:
        print(f"benchmarks en échec : {', '.join(failed)}", file=sys.stderr)
    print(json.dumps(results, ensure_ascii=False))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
