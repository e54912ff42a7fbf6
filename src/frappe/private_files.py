"""Creating folders and files that only their owner can read, whatever the umask.

Result files, journals and the history hold candidates' names and marks; the trainers' corpus
holds answer keys and (fictional) patient identities. Their folders are created 0700 and their
files 0600: the mode is set explicitly after creation (``chmod``/``fchmod``), because the mode
given to ``mkdir``/``open`` is only an upper bound filtered by the process umask, and changing
the umask is process-wide (not thread-safe). Folders that already exist are left as they are:
a centre may share a results folder on purpose.

Only regular files are ever given a mode or replaced: a path that names a device, a FIFO or a
socket (``frappe score … --output /dev/null``) is written through, like a shell redirection.
Renaming a file over ``/dev/null`` (as root) would replace the device for the whole machine.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

__all__ = [
    "PRIVATE_DIR_MODE",
    "PRIVATE_FILE_MODE",
    "make_private",
    "open_private",
    "private_dir",
    "write_private",
    "write_private_new",
]

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) as 0700 folders; existing ones are untouched.

    Raises ``OSError`` like ``Path.mkdir``.
    """
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:
            if not folder.is_dir():
                raise
            continue  # another process made it meanwhile: its mode is its own
        os.chmod(folder, PRIVATE_DIR_MODE)
    if not path.is_dir():
        raise NotADirectoryError(20, "Not a directory", str(path))
    return path


def _is_special_file(path: Path, *, follow_symlinks: bool = True) -> bool:
    """Whether ``path`` exists and is neither a regular file nor a folder (a device, a FIFO, a
    socket); a symbolic link is followed unless ``follow_symlinks`` is False."""
    try:
        mode = os.stat(path, follow_symlinks=follow_symlinks).st_mode
    except (OSError, ValueError):
        return False  # missing or unreachable: the caller's own operation says why
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode))


def make_private(path: Path) -> None:
    """Set an existing regular file to 0600 (a missing file is not an error; a device or a
    FIFO is left as it is)."""
    if _is_special_file(path):
        return
    with contextlib.suppress(FileNotFoundError):
        os.chmod(path, PRIVATE_FILE_MODE)


def open_private(path: Path, flags: int) -> int:
    """``os.open`` a file with mode 0600 whatever the umask (its folder must exist); a file
    created by this call is 0600, an existing regular one is set to 0600 when we own it."""
    fd = os.open(path, flags, PRIVATE_FILE_MODE)
    try:
        info = os.fstat(fd)
        if stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid():
            os.fchmod(fd, PRIVATE_FILE_MODE)
    except OSError:
        os.close(fd)
        raise
    return fd


def _write_temp(folder: Path, name: str, data: bytes, mode: int) -> str:
    fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return tmp_name


def _sync_dir(folder: Path) -> None:
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def write_private(
    path: Path, data: bytes, *, mode: int = PRIVATE_FILE_MODE, follow_symlinks: bool = True
) -> None:
    """Write ``data`` so that ``path`` holds either the old or the new content, never half;
    the file is ``mode`` (0600 by default) and missing folders are created 0700.

    The temporary file is created in the same folder (rename is atomic only within a file
    system), synced, then renamed; the folder is synced so the rename survives a power cut.
    A device, FIFO or socket at ``path`` is written through instead (never replaced, its
    mode untouched); with ``follow_symlinks`` False, a symbolic link at ``path`` is replaced
    like a file, never written through, whatever it points to.
    """
    if _is_special_file(path, follow_symlinks=follow_symlinks):
        _write_through(path, data)
        return
    private_dir(path.parent)
    tmp_name = _write_temp(path.parent, path.name, data, mode)
    try:
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    _sync_dir(path.parent)


def _write_through(path: Path, data: bytes) -> None:
    """Write ``data`` to an existing device or FIFO as a shell redirection would (a FIFO's
    reader gets it; ``/dev/null`` swallows it); a socket cannot be opened (``OSError``)."""
    fd = os.open(path, os.O_WRONLY | os.O_NOCTTY)  # no O_CREAT: it exists and is not ours
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _claim(tmp_name: str, target: Path) -> bool:
    """Give the complete temporary file the name ``target`` unless it exists (False)."""
    try:
        os.link(tmp_name, target)
        return True
    except FileExistsError:
        return False
    except OSError:
        pass  # no hard links here (FAT or exFAT USB stick): reserve the name, then rename
    try:
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
    except FileExistsError:
        return False
    os.replace(tmp_name, target)
    return True


def write_private_new(path: Path, data: bytes, *, mode: int = PRIVATE_FILE_MODE) -> Path:
    """Like ``write_private``, but never replaces an existing file: when ``path`` exists, the
    data goes beside it (``name-2.json``, ``name-3.json``…). Returns the path written.

    The complete temporary file is hard-linked to its name (``link`` fails instead of
    replacing), so the check and the creation are one atomic step.
    """
    private_dir(path.parent)
    tmp_name = _write_temp(path.parent, path.name, data, mode)
    try:
        target = path
        number = 1
        while not _claim(tmp_name, target):
            number += 1
            target = path.with_name(f"{path.stem}-{number}{path.suffix}")
    finally:
        Path(tmp_name).unlink(missing_ok=True)
    _sync_dir(path.parent)
    return target
