"""The settings file of a PC: ``<config dir>/frappe.toml``, read by one typed model.

Sections: ``[audio]`` (output device), ``[pedal]`` (pedal path and profile), ``[room]`` (the
room server a seat joins), ``[centre]`` (the training centre's name printed on procès-verbaux and
attestations). Every field is optional; a missing file means the defaults. A file
that cannot be used is reported in one line and the defaults stay (the app never exits on it).
Saved atomically and readable only by its owner: the room URL may carry a password.
"""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path

import msgspec

from frappe import locations
from frappe.errors import ConfigError
from frappe.validation import read_toml_file, toml_value

__all__ = [
    "SETTINGS_FILE",
    "AudioSettings",
    "CentreSettings",
    "PedalSettings",
    "RoomSettings",
    "Settings",
    "load_settings",
    "room_url",
    "save_centre_name",
    "save_settings",
    "seat_name",
    "settings_path",
]

SETTINGS_FILE = "frappe.toml"
ROOM_URL_ENV = "FRAPPE_ROOM_URL"


class _Section(
    msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True, omit_defaults=True
):
    """A table of the file: unknown keys are refused (a typo must not be silently ignored)."""


class AudioSettings(_Section, frozen=True):
    """``[audio]``: ``device`` is an output device name as listed by ``frappe audio devices``
    (a name survives re-enumeration, an index does not); None is the system default."""

    device: str | None = None


class PedalSettings(_Section, frozen=True):
    """``[pedal]``: the pedal's path (hidraw node, udev symlink, FIFO…), the pedal profile to
    read it with, or ``enabled = false`` to do without."""

    path: str | None = None
    profile: str | None = None
    enabled: bool = True


class RoomSettings(_Section, frozen=True):
    """``[room]``: the ``postgresql://…`` URL printed by ``frappe room serve`` (a seat), and
    the name the trainer sees for this PC (None: the host name)."""

    url: str | None = None
    seat: str | None = None


class CentreSettings(_Section, frozen=True):
    """``[centre]``: the training centre's name, printed on procès-verbaux and attestations
    (``frappe suivi … --centre`` overrides it; the app asks once and keeps it here)."""

    name: str | None = None


class Settings(_Section, frozen=True):
    """The whole settings file."""

    audio: AudioSettings = msgspec.field(default_factory=AudioSettings)
    pedal: PedalSettings = msgspec.field(default_factory=PedalSettings)
    room: RoomSettings = msgspec.field(default_factory=RoomSettings)
    centre: CentreSettings = msgspec.field(default_factory=CentreSettings)


def settings_path() -> Path:
    """``frappe.toml`` in the user's configuration folder."""
    return locations.user_config_dir() / SETTINGS_FILE


def load_settings(path: Path | None = None) -> Settings:
    """The settings of ``path`` (the user's file by default); the defaults when it does not
    exist. Raises :class:`ConfigError` (one line naming file and field) when it is unusable:
    callers show it and go on with ``Settings()``."""
    target = path or settings_path()
    if not target.exists():
        return Settings()
    return read_toml_file(target, Settings)


def _to_toml(settings: Settings) -> str:
    lines: list[str] = []
    for section, values in msgspec.to_builtins(settings).items():
        entries = [f"{key} = {toml_value(value)}" for key, value in values.items()]
        if entries:
            lines.append(f"[{section}]")
            lines.extend(entries)
            lines.append("")
    return "\n".join(lines)


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write ``settings`` atomically (temp file + rename), mode 0600; returns the path."""
    target = path or settings_path()
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".frappe-", suffix=".toml")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(_to_toml(settings))
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise ConfigError(f"{target} : écriture impossible ({error.strerror or error})") from error
    return target


def save_centre_name(name: str, path: Path | None = None) -> Path:
    """Keep the centre's name in ``[centre]``, the other settings untouched. ConfigError when
    the file is unusable (it is then left as it is, never overwritten)."""
    settings = load_settings(path)
    centre = msgspec.structs.replace(settings.centre, name=name.strip() or None)
    return save_settings(msgspec.structs.replace(settings, centre=centre), path)


def room_url(explicit: str | None = None) -> str | None:
    """The room server this PC is a seat of: ``explicit`` (a command's ``--url``), else
    ``FRAPPE_ROOM_URL``, else ``[room] url``; None for a lone PC. ConfigError when the settings
    file is unusable."""
    if explicit:
        return explicit
    from_env = os.environ.get(ROOM_URL_ENV, "").strip()
    if from_env:
        return from_env
    return load_settings().room.url or None


def seat_name() -> str:
    """The name the trainer sees for this PC: ``[room] seat``, else the host name."""
    try:
        name = load_settings().room.seat
    except ConfigError:
        name = None
    return name or socket.gethostname()
