"""A real full file system for fault tests: a small tmpfs mounted for one test, filled to the
last byte on demand and freed again. Mounting needs root (CI runs as root).

A pytest plugin (``tests/conftest.py``): the ``full_disk`` fixture; the tests that fill or free
the disk import ``FullDisk``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

__all__ = ["FullDisk", "mounted_tmpfs"]


class FullDisk:
    """A mounted tmpfs at ``root``; ``fill()`` takes every free byte, ``free()`` gives them
    back."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._filler = root / ".filler"

    def fill(self) -> None:
        """Write until the kernel answers ENOSPC (files written later get nothing)."""
        fd = os.open(self._filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            for size in (65536, 4096, 512, 1):
                with contextlib.suppress(OSError):
                    while True:
                        os.write(fd, b"\0" * size)
        finally:
            os.close(fd)
        probe = self.root / ".probe"
        try:
            probe.write_bytes(b"x" * 8192)
        except OSError as error:
            assert error.errno == errno.ENOSPC
        else:  # pragma: no cover - the fill did not fill
            raise AssertionError("the tmpfs still takes writes")
        finally:
            probe.unlink(missing_ok=True)

    def free(self) -> None:
        """Give the space back."""
        self._filler.unlink(missing_ok=True)


@contextlib.contextmanager
def mounted_tmpfs(root: Path, size: str = "1m") -> Iterator[FullDisk]:
    root.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("un vrai disque plein (tmpfs) ne se monte qu'en root ; la CI tourne en root")
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(root)], check=True
    )
    try:
        yield FullDisk(root)
    finally:
        subprocess.run(["umount", "-l", str(root)], check=False)


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[FullDisk]:
    """A 1 MiB tmpfs under ``tmp_path``, unmounted after the test."""
    with mounted_tmpfs(tmp_path / "disk") as disk:
        yield disk
