"""Result records: round trip, validation with one-line reasons, atomic 0600 files, re-scoring."""

from __future__ import annotations

import json
import pickle
import stat
from pathlib import Path

import pytest

from frappe.errors import InputFileError, RecordError
from frappe.exercises.record import ResultRecord
from frappe.exercises.results import score_record
from frappe.scoring.keystrokes import Keystroke, KeystrokeLog, replay
from frappe.storage.files import read_record, write_record
from frappe.textio import decode_text
from support.records import RecordFactory


def test_round_trip_and_file_mode(tmp_path: Path, make_record: RecordFactory) -> None:
    record = make_record()
    path = write_record(record, tmp_path / "r" / "result.json")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = read_record(path)
    assert again == record
    data = json.loads(path.read_text("utf-8"))
    assert data["schema"] == 1
    assert data["reference"]["sha256"] == record.reference_sha256
    assert data["settings"]["scoring_profile"]["name"] == "frappe"
    assert data["keystrokes"][0] == [0, "L", "insert", 0, "L"]
    assert not list(path.parent.glob(".*.tmp"))


def test_each_keystroke_is_one_line(tmp_path: Path, make_record: RecordFactory) -> None:
    """The log is written one key per line (a third of the bytes of json.dumps' seven lines
    per key), the rest of the document as before; a text that looks like the log's slot is
    kept as it is."""
    slot = '\n "keystrokes": null'
    record = make_record(candidate=f"Martin{slot}", typed=f"Le patient{slot}")
    path = write_record(record, tmp_path / "result.json")
    text = path.read_text("utf-8")
    assert read_record(path) == record
    log = [line for line in text.splitlines() if line.startswith("  [")]
    assert log[:2] == ['  [0, "L", "insert", 0, "L"],', '  [180, "e", "insert", 1, "e"],']
    assert len(log) == len(record.keystrokes)
    assert text.count('"keystrokes"') == 1
    without_log = json.loads(text)
    del without_log["keystrokes"]
    plain = json.loads(json.dumps(record.to_dict(), ensure_ascii=False, indent=1))
    del plain["keystrokes"]
    assert without_log == plain


def test_rescoring_uses_the_stored_profile(tmp_path: Path, make_record: RecordFactory) -> None:
    record = make_record(profile="intersteno")
    path = write_record(record, tmp_path / "r.json")
    first = score_record(read_record(path))
    second = score_record(read_record(path))
    assert first.metrics == second.metrics
    assert first.profile.name == "intersteno"
    assert first.metrics.faults == 1  # "matn"; the unreached "bien." is not an omission


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda d: d.update(schema=2), "version de format inconnue"),
        (lambda d: d.update(kind="exam"), "kind"),
        (lambda d: d["reference"].update(sha256="0" * 64), "sha256"),
        (lambda d: d.update(typed="autre chose"), "ne redonne pas le texte"),
        (lambda d: d.update(started_at="hier"), "started_at"),
        (lambda d: d.update(started_at="2026-11-23T09:00:00"), "fuseau"),
        (lambda d: d.update(duration_s=-3), "duration_s"),
        (lambda d: d["keystrokes"].append([1, "x", "explode", 0, "x"]), "opération inconnue"),
        (lambda d: d["settings"].pop("scoring_profile"), "scoring_profile"),
        (lambda d: d.pop("candidate"), "candidate"),
        (lambda d: d.update(events=[{"type": "paste"}]), "events"),
    ],
)
def test_malformed_records_are_rejected_with_one_line(
    make_record: RecordFactory, mutate: object, reason: str
) -> None:
    data = make_record().to_dict()
    mutate(data)  # type: ignore[operator]
    with pytest.raises(RecordError, match=reason) as caught:
        ResultRecord.from_dict(data)
    assert "\n" not in str(caught.value)


def test_text_decoding_handles_real_files() -> None:
    text = "Hôpital : « été »\nfin"
    assert decode_text(b"\xef\xbb\xbf" + text.encode(), "f") == text
    assert decode_text(text.replace("\n", "\r\n").encode("cp1252"), "f") == text
    assert decode_text(text.replace("\n", "\r").encode("utf-8"), "f") == text
    assert decode_text(text.encode("utf-16"), "f") == text
    with pytest.raises(InputFileError, match="vide"):
        decode_text(b"  \n", "f")
    with pytest.raises(InputFileError, match="binaire"):
        decode_text(b"\x00\x01\x02abc", "f")


def test_a_read_log_is_a_sequence_of_keystrokes(tmp_path: Path, make_record: RecordFactory) -> None:
    """The log read from a file keeps its entries as decoded (plain tuples) and shows them as
    ``Keystroke`` tuples: indexing, slicing, iteration, equality, pickling, writing back."""
    record = make_record()
    again = read_record(write_record(record, tmp_path / "r.json"))
    log = again.keystrokes
    assert isinstance(log, KeystrokeLog) and type(log.entries[0]) is tuple
    assert log == record.keystrokes and record.keystrokes == log and log == tuple(log)
    assert log != record.keystrokes[:-1] and log != list(record.keystrokes)
    assert len(log) == len(record.keystrokes) and bool(log)
    assert type(log[0]) is Keystroke and log[0].op == "insert" and log[-1] == record.keystrokes[-1]
    assert log[1:3] == record.keystrokes[1:3] and type(log[1:3]) is tuple
    assert [k.t_ms for k in log] == [k.t_ms for k in record.keystrokes]
    assert hash(log) == hash(tuple(record.keystrokes))
    assert repr(log) == repr(tuple(log))
    assert pickle.loads(pickle.dumps(again)) == again
    assert again.to_dict() == record.to_dict()
    assert replay(log) == replay(tuple(log)) == record.typed
