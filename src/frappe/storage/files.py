"""Writing results safely and reading them back.

Result files hold candidate names: written atomically (temporary file, fsync, rename) with
mode 0600. Reading validates the record and reports any problem in one line.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from frappe.errors import InputFileError, RecordError
from frappe.exercises.record import ResultRecord
from frappe.textio import MAX_INPUT_BYTES, decode_text, read_file_bytes

__all__ = ["read_record", "write_atomic", "write_record"]


def write_atomic(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Write ``data`` so that ``path`` holds either the old or the new content, never half.

    The temporary file is created in the same folder (rename is atomic only within a file
    system), synced, then renamed; the folder is synced so the rename survives a power cut.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def write_record(record: ResultRecord, path: Path) -> Path:
    """Write a result record (JSON, UTF-8, mode 0600) atomically and return its path."""
    document = json.dumps(record.to_dict(), ensure_ascii=False, indent=1)
    write_atomic(path, document.encode("utf-8") + b"\n")
    return path


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
    if not raw.strip():
        raise InputFileError(f"{path} : fichier vide")
    if raw.startswith(_BOMS):
        return decode_text(raw, str(path)).encode("utf-8", "surrogatepass")
    return raw
