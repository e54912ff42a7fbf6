"""``frappe score`` end to end in a real subprocess, with a generated bad-input corpus."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from frappe.reports.batch_results import render_csv
from frappe.runs.batch_scoring import BatchSettings, expand_input_names, score_inputs
from frappe.runs.verification import centre_rules
from frappe.storage.files import write_record
from support.records import RecordFactory

REFERENCE = "Madame Dupont est hospitalisée depuis le 12 mars.\nElle va mieux."


def run_frappe(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "frappe.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def text_corpus(tmp_path: Path) -> list[Path]:
    files = {
        "utf8.txt": REFERENCE.encode("utf-8"),
        "bom_crlf.txt": b"\xef\xbb\xbf" + REFERENCE.replace("\n", "\r\n").encode("utf-8"),
        "cp1252.txt": REFERENCE.replace("hospitalisée", "hospitalisee").encode("cp1252"),
        "empty.txt": b"",
        "binary.txt": bytes(range(256)) * 4,
        "bad_encoding.txt": b"Madame \x81\x8d illisible",
    }
    paths = []
    for name, data in files.items():
        path = tmp_path / "submissions" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        paths.append(path)
    huge = tmp_path / "submissions" / "huge.txt"
    with huge.open("wb") as handle:
        handle.truncate(11 * 1024 * 1024)
    paths.append(huge)
    paths.append(tmp_path / "submissions" / "missing.txt")
    (tmp_path / "ref.txt").write_text(REFERENCE, encoding="cp1252")
    return paths


def test_text_batch_goes_on_past_bad_files(tmp_path: Path, text_corpus: list[Path]) -> None:
    result = run_frappe(
        "score", "--reference", "ref.txt", "--format", "json", *map(str, text_corpus), cwd=tmp_path
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    entries = json.loads(result.stdout)
    assert [Path(e["file"]).name for e in entries] == [p.name for p in text_corpus]
    by_name = {Path(e["file"]).name: e for e in entries}
    assert by_name["utf8.txt"]["ok"] and by_name["utf8.txt"]["metrics"]["wer"] == 0
    assert by_name["bom_crlf.txt"]["ok"] and by_name["bom_crlf.txt"]["errors"] == []
    cp = by_name["cp1252.txt"]
    assert cp["ok"] and [e["class"] for e in cp["errors"]] == ["accent"]
    assert cp["errors"][0]["hyp"] == "hospitalisee"
    for bad, reason in [
        ("empty.txt", "vide"),
        ("binary.txt", "binaire"),
        ("bad_encoding.txt", "encodage"),
        ("huge.txt", "trop volumineux"),
        ("missing.txt", "introuvable"),
    ]:
        assert not by_name[bad]["ok"]
        assert reason in by_name[bad]["error"]
        assert "\n" not in by_name[bad]["error"]


def test_record_batch_in_folders_with_bad_records(
    tmp_path: Path, make_record: RecordFactory
) -> None:
    room = tmp_path / "salle"
    write_record(make_record(candidate="Alice"), room / "poste1" / "a.json")
    write_record(make_record(candidate="Bruno", profile="belge"), room / "poste2" / "b.json")
    (room / "poste3").mkdir()
    (room / "poste3" / "broken.json").write_text('{"schema": 1, "kind":', encoding="utf-8")
    (room / "poste3" / "list.json").write_text("[1, 2]", encoding="utf-8")
    (room / "poste3" / "notes.txt").write_text("ignored", encoding="utf-8")
    result = run_frappe("score", str(room), "--format", "json", "--jobs", "2", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    entries = json.loads(result.stdout)
    assert [Path(e["file"]).name for e in entries] == [
        "a.json",
        "b.json",
        "broken.json",
        "list.json",
    ]
    a, b, broken, listed = entries
    assert a["ok"] and a["metrics"]["candidate"] == "Alice" and a["metrics"]["profile"] == "frappe"
    assert b["ok"] and b["metrics"]["profile"] == "belge"
    for key in (
        "wer",
        "cer",
        "ref_words",
        "hyp_words",
        "hits",
        "substitutions",
        "deletions",
        "insertions",
        "faults",
        "gross_wpm",
        "net_wpm",
        "cpm",
        "mots_par_minute",
        "frappes_brutes",
        "frappes_nettes",
        "accuracy",
        "keystroke_accuracy",
        "mark_20",
    ):
        assert key in a["metrics"], key
    assert {"op", "class", "ref", "hyp", "ref_span", "hyp_span"} <= set(a["errors"][0])
    assert not broken["ok"] and "JSON invalide" in broken["error"]
    assert not listed["ok"] and "objet JSON" in listed["error"]


def test_forced_profile_csv_and_table_outputs(tmp_path: Path, make_record: RecordFactory) -> None:
    write_record(make_record(), tmp_path / "a.json")
    csv_out = tmp_path / "out.csv"
    result = run_frappe(
        "score",
        "a.json",
        "--profile",
        "intersteno",
        "--format",
        "csv",
        "--csv-style",
        "international",
        "--output",
        str(csv_out),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    lines = csv_out.read_text("utf-8").splitlines()
    assert lines[0].startswith("file,ok,error,candidate,exercise,profile,wer")
    assert ",intersteno," in lines[1]
    table = run_frappe("score", "a.json", cwd=tmp_path)
    assert table.returncode == 0
    assert "Martin Claire" in table.stdout and "1 notés, 0 en erreur" in table.stdout


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    unknown = run_frappe("score", "x.json", "--profile", "nope", cwd=tmp_path)
    assert unknown.returncode == 2 and "profil de notation inconnu" in unknown.stderr
    no_ref = run_frappe("score", "--reference", "absent.txt", "a.txt", cwd=tmp_path)
    assert no_ref.returncode == 2 and "introuvable" in no_ref.stderr
    bad_flag = run_frappe("score", "--format", "xml", "a.json", cwd=tmp_path)
    assert bad_flag.returncode == 2
    assert "Traceback" not in unknown.stderr + no_ref.stderr + bad_flag.stderr


def test_worker_processes_keep_input_order(tmp_path: Path, make_record: RecordFactory) -> None:
    names = []
    for i in range(80):
        name = f"r{i:03d}.json"
        write_record(make_record(candidate=f"Candidat {i}"), tmp_path / "room" / name)
        names.append(name)
    (tmp_path / "room" / "r040.json").write_text("{}", encoding="utf-8")
    result = run_frappe(
        "score", "room", "--format", "json", "--jobs", "2", "--no-errors", cwd=tmp_path
    )
    assert result.returncode == 1
    entries = json.loads(result.stdout)
    assert [Path(e["file"]).name for e in entries] == names
    assert [e["ok"] for e in entries].count(False) == 1 and not entries[40]["ok"]
    assert entries[79]["metrics"]["candidate"] == "Candidat 79"
    assert "errors" not in entries[0]


def test_the_process_ends_at_once_with_all_its_output(
    tmp_path: Path, make_record: RecordFactory
) -> None:
    # ``frappe score`` skips the interpreter's teardown once done: nothing written may be lost
    # (a pipe far larger than its buffer), the exit code and the messages stay.
    room = tmp_path / "salle"
    for i in range(70):
        write_record(make_record(candidate=f"Candidat {i}"), room / f"r{i:03d}.json")
    (room / "abime.json").write_text("{", encoding="utf-8")
    result = run_frappe("score", str(room), "--format", "json", "--jobs", "2", cwd=tmp_path)
    assert result.returncode == 1
    entries = json.loads(result.stdout)
    assert len(result.stdout) > 65_536
    assert [e["ok"] for e in entries].count(False) == 1 and len(entries) == 71
    assert result.stderr == ""
    table = run_frappe("score", str(room / "abime.json"), cwd=tmp_path)
    assert table.returncode == 1 and "0 notés, 1 en erreur" in table.stdout


@pytest.mark.parametrize("style", ["francais", "international"])
def test_csv_lines_written_by_the_workers_make_the_same_document(
    tmp_path: Path, make_record: RecordFactory, style: str
) -> None:
    room = tmp_path / "salle"
    for i in range(70):  # worker processes
        write_record(make_record(candidate=f"Candidat; « {i} »\n"), room / f"r{i:03d}.json")
    (room / "abime.json").write_text("{", encoding="utf-8")
    output = tmp_path / "notes.csv"
    command = ["score", str(room), "--format", "csv", "--csv-style", style, "--jobs", "2"]
    result = run_frappe(*command, "--output", str(output), cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    files = [Path(name) for name in expand_input_names([str(room)], (".json",))]
    settings = BatchSettings(None, None, None, rules=centre_rules())
    entries = list(score_inputs(files, settings, jobs=1))
    expected = render_csv(entries, style)  # type: ignore[arg-type]
    assert output.read_bytes() == expected.encode("utf-8")
    assert len(expected.splitlines()) == 72  # the header, 70 records and the bad file
