"""Writing results safely and reading them back.

Result files hold candidate names: written atomically (temporary file, fsync, rename) with
mode 0600 in 0700 folders, never over an existing result. Reading validates the record and
reports any problem in one line.
"""

from __future__ import annotations

import json
from pathlib import Path

from frappe.errors import InputFileError, RecordError
from frappe.exercises.record import ResultRecord
from frappe.private_files import write_private, write_private_new
from frappe.textio import MAX_INPUT_BYTES, decode_text, read_file_bytes

__all__ = ["read_record", "write_atomic", "write_new_record", "write_record"]


def write_atomic(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Write ``data`` atomically (temporary file, fsync, rename), the file ``mode`` (0600 by
    default) and missing folders 0700 whatever the umask (``frappe.private_files``)."""
    write_private(path, data, mode=mode)


# A key's entry on one line (``[t_ms, "key", "op", pos, "text"]``), not spread over seven: the
# log is most of a record, so the file is a third smaller, still easy to read, and every reader
# scans a third fewer bytes.
_KEYSTROKE_JSON = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
# Only a top-level key starts a line with one space (a newline inside a string is escaped).
_KEYSTROKES_SLOT = '\n "keystrokes": null'


def _record_bytes(record: ResultRecord) -> bytes:
    document = record.to_dict()
    keystrokes = document.get("keystrokes")
    if not keystrokes:
        text = json.dumps(document, ensure_ascii=False, indent=1)
    else:
        # The document is laid out as usual around an empty slot, which the log then fills.
        document["keystrokes"] = None
        text = json.dumps(document, ensure_ascii=False, indent=1)
        lines = ",\n  ".join(map(_KEYSTROKE_JSON, keystrokes))
        text = text.replace(_KEYSTROKES_SLOT, f'\n "keystrokes": [\n  {lines}\n ]', 1)
    return text.encode("utf-8") + b"\n"


def write_record(record: ResultRecord, path: Path) -> Path:
    """Write a result record (JSON, UTF-8, mode 0600) atomically and return its path."""
    write_private(path, _record_bytes(record))
    return path


def write_new_record(record: ResultRecord, path: Path) -> Path:
    """Write a result record like ``write_record`` but never over an existing file: when
    ``path`` exists the record goes beside it (``…-2.json``); returns the path written."""
    return write_private_new(path, _record_bytes(record))


def read_record(path: Path, *, max_bytes: int = MAX_INPUT_BYTES) -> ResultRecord:
    """Read and validate a result record; RecordError or InputFileError with one line.

    Only a regular file is read (non-blocking, at most ``max_bytes``); its JSON is decoded
    straight into the record's typed schema.
    """
    raw = read_file_bytes(path, max_bytes=max_bytes)
    try:
        return ResultRecord.from_json(_utf8(raw, path))
    except RecordError as error:
        raise RecordError(f"{path} : {error}") from error


# A record is UTF-8 JSON; one saved again by an editor in UTF-16 or UTF-32 (with its BOM) or
# with a UTF-8 BOM is read too.
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")


def _utf8(raw: bytes, path: Path) -> bytes:
    if not raw or raw.isspace():  # as `not raw.strip()`, without copying the file
        raise InputFileError(f"{path} : fichier vide")
    if raw.startswith(_BOMS):
        return decode_text(raw, str(path)).encode("utf-8", "surrogatepass")
    return raw
