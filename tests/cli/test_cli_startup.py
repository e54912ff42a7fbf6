"""Start-up of the command line: every command builds the whole parser, so the command modules
import their heavy dependencies (Textual, Rich, PostgreSQL, XLSX/PDF writers, PortAudio, speech
recognition, SQLite history, the results store, signing) only in the handlers that use them
(issue 14: a batch of ``frappe score`` must not pay for them)."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from frappe.asr import model as asr_model
from frappe.cli import asr as asr_commands
from frappe.cli import main as cli_main
from frappe.storage.files import write_record
from support.records import RecordFactory

# Packages (and frappe's own areas) that ``frappe score`` never needs.
NOT_FOR_SCORING = (
    "textual",
    "psycopg",
    "xlsxwriter",
    "fpdf",
    "faster_whisper",
    "ctranslate2",
    "sounddevice",
    "soundfile",
    "cryptography",
    "sqlite3",
    "rich",  # the table format and a terminal's progress bar only
    "frappe.tui",
    "frappe.asr",
    "frappe.audio",
    "frappe.storage.room",
    "frappe.storage.history",
    "frappe.storage.store",
    "frappe.storage.journal",
    "frappe.reports.statistics",
)

# A batch too small for worker processes does not load them either.
NOT_FOR_SMALL_BATCHES = (*NOT_FOR_SCORING, "concurrent.futures.process", "multiprocessing")

# Builds the parser (``--help`` of every command family), then scores a batch large enough for
# worker processes, in this one process: prints the exit code and the unwanted modules loaded.
PROGRAM = """
import contextlib, io, json, sys
from frappe.cli.main import build_parser, main
with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
    build_parser().parse_args(["score", "--help"])
code = main(sys.argv[2:])
unwanted = json.loads(sys.argv[1])
loaded = sorted(
    name for name in sys.modules if any(name == u or name.startswith(u + ".") for u in unwanted)
)
print(json.dumps({"code": code, "loaded": loaded}))
"""


def score_loading(
    folder: Path, output: Path, output_format: str, unwanted: tuple[str, ...]
) -> list[str]:
    """``frappe score FOLDER`` in a fresh interpreter: the ``unwanted`` modules it loaded."""
    command = [sys.executable, "-c", PROGRAM, json.dumps(unwanted), "score", str(folder)]
    command += ["--format", output_format, "--jobs", "2", "--output", str(output)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["code"] == 0
    loaded: list[str] = report["loaded"]
    return loaded


def test_score_imports_no_other_command_dependencies(
    tmp_path: Path, make_record: RecordFactory
) -> None:
    folder = tmp_path / "room"
    for i in range(70):  # over the batch's threshold for worker processes
        write_record(make_record(candidate=f"Candidat {i}"), folder / f"r{i:03d}.json")
    output = tmp_path / "scores.json"
    assert score_loading(folder, output, "json", NOT_FOR_SCORING) == []
    entries = json.loads(output.read_text("utf-8"))
    assert len(entries) == 70 and all(entry["ok"] for entry in entries)
    assert score_loading(folder, tmp_path / "scores.csv", "csv", NOT_FOR_SCORING) == []


def test_a_small_batch_starts_no_worker_processes(
    tmp_path: Path, make_record: RecordFactory
) -> None:
    folder = tmp_path / "room"
    write_record(make_record(candidate="Candidat seul"), folder / "r.json")
    output = tmp_path / "scores.json"
    assert score_loading(folder, output, "json", NOT_FOR_SMALL_BATCHES) == []
    assert [entry["ok"] for entry in json.loads(output.read_text("utf-8"))] == [True]


def test_the_table_format_still_uses_rich(tmp_path: Path, make_record: RecordFactory) -> None:
    # The unwanted-modules check can fail: the table format does load Rich.
    folder = tmp_path / "room"
    write_record(make_record(candidate="Candidat seul"), folder / "r.json")
    assert "rich" in score_loading(folder, tmp_path / "scores.txt", "table", ("rich",))


def test_asr_commands_name_the_model_variable_of_the_asr_package() -> None:
    # Repeated in the command module so that its parser does not import the ASR code.
    assert asr_commands.ENV_MODEL == asr_model.ENV_MODEL


THREADS_AFTER_IMPORT = """
import os, sys
import frappe.cli.main
print(len(os.listdir("/proc/self/task")), os.environ["OPENBLAS_NUM_THREADS"])
"""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="Linux /proc: threads listed")
def test_the_command_line_starts_no_blas_threads() -> None:
    # numpy's OpenBLAS would start one thread per core at import (and again in each worker).
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    command = [sys.executable, "-c", THREADS_AFTER_IMPORT]
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    assert result.stdout.split() == ["1", "1"]
    # The user's own setting is kept.
    env["OPENBLAS_NUM_THREADS"] = "3"
    chosen = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    assert chosen.stdout.split()[1] == "3"


def test_each_family_declares_the_commands_it_registers() -> None:
    for name, commands in cli_main._COMMAND_FAMILIES.items():
        module = cli_main._family(name)
        subparsers = argparse.ArgumentParser().add_subparsers()
        module.register(subparsers)
        # The command line knows which family a command is in without importing them all.
        assert tuple(subparsers.choices) == commands, module.__name__


def help_text(parser: argparse.ArgumentParser, words: list[str]) -> str:
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.suppress(SystemExit):
        parser.parse_args(words)
    return output.getvalue()


def test_a_command_parses_the_same_with_its_family_alone() -> None:
    # A run builds only the parser of its command's family (start-up time).
    for command in sorted(cli_main._COMMANDS):
        alone, full = cli_main.build_parser(command), cli_main.build_parser()
        assert help_text(alone, [command, "--help"]) == help_text(full, [command, "--help"])
    words = ["score", "salle", "--format", "csv", "--jobs", "2", "--csv-style", "international"]
    assert vars(cli_main.build_parser("score").parse_args(words)) == vars(
        cli_main.build_parser().parse_args(words)
    )
    # Without a command (or with an unknown one) every family is there.
    assert "suivi" in help_text(cli_main.build_parser(), ["--help"])
