"""Start-up of the command line: every command builds the whole parser, so the command modules
import their heavy dependencies (Textual, PostgreSQL, XLSX/PDF writers, PortAudio, speech
recognition, SQLite history, signing) only in the handlers that use them (issue 14: a batch
of ``frappe score`` must not pay for them)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from frappe.asr import model as asr_model
from frappe.cli import asr as asr_commands
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
    "frappe.tui",
    "frappe.asr",
    "frappe.audio",
    "frappe.storage.room",
    "frappe.storage.history",
    "frappe.storage.journal",
    "frappe.reports.statistics",
)

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


def test_score_imports_no_other_command_dependencies(
    tmp_path: Path, make_record: RecordFactory
) -> None:
    folder = tmp_path / "room"
    for i in range(70):  # over the batch's threshold for worker processes
        write_record(make_record(candidate=f"Candidat {i}"), folder / f"r{i:03d}.json")
    output = tmp_path / "scores.json"
    command = [sys.executable, "-c", PROGRAM, json.dumps(NOT_FOR_SCORING)]
    command += ["score", str(folder), "--format", "json", "--jobs", "2", "--output", str(output)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["code"] == 0
    assert report["loaded"] == []
    entries = json.loads(output.read_text("utf-8"))
    assert len(entries) == 70 and all(entry["ok"] for entry in entries)


def test_asr_commands_name_the_model_variable_of_the_asr_package() -> None:
    # Repeated in the command module so that its parser does not import the ASR code.
    assert asr_commands.ENV_MODEL == asr_model.ENV_MODEL
