"""The trainer's room state file: ``<data dir>/room/server.json`` (mode 0600).

Written by ``frappe room serve`` (and ``frappe room init``), read by the trainer commands
(``open``, ``results``, ``verify``, ``close``, ``release``, ``dashboard``) so they find the
server without ``--url``. It holds the role passwords (generated once, kept across restarts),
hence its mode.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

import msgspec

from frappe.errors import RoomError
from frappe.locations import user_data_dir

__all__ = ["ServerState", "load_state", "new_password", "save_state", "state_path"]


class ServerState(msgspec.Struct, kw_only=True):
    """What the trainer's machine knows about its room server.

    Attributes:
        trainer_url: The trainer's connection URL.
        seat_url: The URL seats join with (printed by ``serve``).
        admin_password: The cluster superuser's password (``serve`` only).
        trainer_password: The trainer role's password.
        seat_password: The seat role's password.
        port: The port ``serve`` listens on (None after ``init``).
        listen: The address ``serve`` listens on.
        cluster_dir: The cluster's data folder (``serve`` only).
        pid: The running ``frappe room serve`` (None when stopped).
    """

    trainer_url: str = ""
    seat_url: str = ""
    admin_password: str = ""
    trainer_password: str = ""
    seat_password: str = ""
    port: int | None = None
    listen: str = "127.0.0.1"
    cluster_dir: str | None = None
    pid: int | None = None


def new_password() -> str:
    """A random password safe in a URL."""
    return secrets.token_urlsafe(18)


def state_path(data_dir: Path | None = None) -> Path:
    """``<data dir>/room/server.json``."""
    return (data_dir or user_data_dir()) / "room" / "server.json"


def load_state(data_dir: Path | None = None) -> ServerState | None:
    """The state file, None when there is none."""
    path = state_path(data_dir)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise RoomError(f"{path} : illisible ({error.strerror})") from error
    try:
        return msgspec.json.decode(raw, type=ServerState)
    except msgspec.DecodeError as error:
        raise RoomError(
            f"{path} : fichier d'état du serveur de salle invalide ({error})"
        ) from error


def save_state(state: ServerState, data_dir: Path | None = None) -> Path:
    """Write the state file atomically, mode 0600."""
    path = state_path(data_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".server-", suffix=".json")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(msgspec.json.format(msgspec.json.encode(state)))
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise RoomError(f"{path} : écriture impossible ({error.strerror or error})") from error
    return path
