"""``read_file_bytes`` reads what stat announces and no more than the cap, whatever stat says."""

from __future__ import annotations

from pathlib import Path

import pytest

from frappe.errors import InputFileError
from frappe.textio import read_file_bytes


def test_a_file_is_read_whole_up_to_the_cap(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_bytes(b"x" * 5000)
    assert read_file_bytes(path, max_bytes=5000) == b"x" * 5000
    with pytest.raises(InputFileError, match="trop volumineux"):
        read_file_bytes(path, max_bytes=4999)
    path.write_bytes(b"")
    assert read_file_bytes(path) == b""


def test_a_file_whose_size_stat_does_not_tell_is_read_whole() -> None:
    version = Path("/proc/version")
    if not version.exists():
        pytest.skip("no /proc on this system")
    assert version.stat().st_size == 0
    data = read_file_bytes(version)
    assert data == version.read_bytes() and data.startswith(b"Linux")
    with pytest.raises(InputFileError, match="trop volumineux"):
        read_file_bytes(version, max_bytes=5)
