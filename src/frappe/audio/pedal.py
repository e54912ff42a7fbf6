"""USB transcription foot pedals, read from ``/dev/hidraw*`` in a background thread.

Terminals send no key-release events, so hold-to-play needs the pedal's own reports: each
report carries a bitmask of the pedals held, and the reader turns changes of that mask into
press and release events. Profiles (which bit is which pedal, what each pedal does) are data:
built-ins in ``pedal_profiles.toml`` next to this module, the user's own in
``<config dir>/pedals.toml``, written by :func:`learn_profile` (``frappe pedal learn``).

Rewind and forward pedals: a press skips one short step at once (a tap does what users expect);
held beyond :data:`REPEAT_DELAY_S` they keep skipping every :data:`REPEAT_INTERVAL_S`, which
scans through the recording like a tape transport without any sound engine changes.

Non-root access needs the udev rule shipped in ``packaging/udev/70-frappe-pedals.rules``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import errno
import functools
import os
import select
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Annotated, Final

import msgspec

from frappe import locations
from frappe.errors import ConfigError, FrappeError, PedalError
from frappe.exercises.playback import PlaybackCommand
from frappe.textio import slugify
from frappe.validation import convert, load_toml, toml_string

__all__ = [
    "REPEAT_DELAY_S",
    "REPEAT_INTERVAL_S",
    "HidDevice",
    "PedalButton",
    "PedalConfig",
    "PedalController",
    "PedalEvent",
    "PedalProfile",
    "PedalReader",
    "PedalRole",
    "PedalStateTracker",
    "PedalsFile",
    "PlayMode",
    "ReportSource",
    "builtin_profiles",
    "find_pedal",
    "find_profile",
    "hidraw_node",
    "learn_profile",
    "list_hid_devices",
    "load_pedal_config",
    "load_profiles",
    "parse_pedals_file",
    "parse_profiles",
    "pedal_label",
    "profile_key",
    "profile_to_toml",
    "save_user_profile",
    "user_profiles_path",
]

REPEAT_DELAY_S: Final = 0.5
REPEAT_INTERVAL_S: Final = 0.3
_READ_SIZE: Final = 64
SYSFS_HIDRAW: Final = Path("/sys/class/hidraw")
DEV_DIR: Final = Path("/dev")

_LABELS: Final = {
    "left": "gauche",
    "middle": "centrale",
    "right": "droite",
    "end_of_letter": "fin de lettre",
}


def pedal_label(pedal: str) -> str:
    """French name of a pedal for messages (``left`` → ``gauche``)."""
    return _LABELS.get(pedal, pedal.replace("_", " "))


class PedalRole(enum.StrEnum):
    REWIND = "rewind"
    PLAY = "play"
    FORWARD = "forward"
    NONE = "none"


class PlayMode(enum.StrEnum):
    HOLD = "hold"
    TOGGLE = "toggle"


@dataclass(frozen=True, slots=True)
class PedalButton:
    """Where a pedal's bit sits in a report.

    Attributes:
        byte: index of the report byte.
        mask: bit mask within that byte.
    """

    byte: int
    mask: int


@dataclass(frozen=True, slots=True)
class PedalProfile:
    """How to read one pedal model and what its pedals do by default.

    Attributes:
        name: shown to the user.
        vendor_id: USB vendor id.
        product_id: USB product id.
        buttons: pedal name (``left``, ``middle``, ``right``…) → its bit.
        roles: pedal name → role; pedals missing here do nothing.
        play_mode: ``hold`` plays while the play pedal is held, ``toggle`` flips on each press.
        id: short name for ``--pedal-profile`` (``vec``); empty for most learned profiles.
        paths: the paths this profile is bound to (where it was learned): a pedal there is
            read with it whatever its USB id.
    """

    name: str
    vendor_id: int
    product_id: int
    buttons: Mapping[str, PedalButton]
    roles: Mapping[str, PedalRole] = field(default_factory=dict)
    play_mode: PlayMode = PlayMode.HOLD
    id: str = ""
    paths: tuple[str, ...] = ()

    @property
    def usb_id(self) -> str:
        return f"{self.vendor_id:04x}:{self.product_id:04x}"


@dataclass(frozen=True, slots=True)
class PedalEvent:
    """A pedal pressed or released.

    Attributes:
        pedal: pedal name from the profile.
        pressed: True on press, False on release.
        t_monotonic_ns: ``time.monotonic_ns()`` when the report was read.
    """

    pedal: str
    pressed: bool
    t_monotonic_ns: int


@dataclass(frozen=True, slots=True)
class HidDevice:
    """A ``/dev/hidraw*`` node and the USB device behind it.

    Attributes:
        path: the device node.
        vendor_id: USB vendor id.
        product_id: USB product id.
        name: ``HID_NAME`` from sysfs.
    """

    path: Path
    vendor_id: int
    product_id: int
    name: str

    @property
    def usb_id(self) -> str:
        return f"{self.vendor_id:04x}:{self.product_id:04x}"


# --------------------------------------------------------------------------- profiles
_USB_ID = r"^[0-9a-fA-F]{1,4}:[0-9a-fA-F]{1,4}$"


class _ButtonEntry(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    byte: Annotated[int, msgspec.Meta(ge=0, le=63)]
    mask: Annotated[int, msgspec.Meta(ge=1, le=255)]


class _ProfileEntry(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    usb_id: Annotated[str, msgspec.Meta(pattern=_USB_ID)]
    buttons: Annotated[dict[str, _ButtonEntry], msgspec.Meta(min_length=1)]
    id: Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9._-]*$")] | None = None
    name: str | None = None
    play_mode: PlayMode = PlayMode.HOLD
    roles: dict[str, PedalRole] = msgspec.field(default_factory=dict)
    paths: list[str] = msgspec.field(default_factory=list)


class PedalsFile(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """The schema of ``pedals.toml`` (and of the built-in ``pedal_profiles.toml``).

    Attributes:
        pedal: the ``[[pedal]]`` profiles.
        paths: ``[paths]``: a pedal path → the id (or USB id, or name) of its profile.
    """

    pedal: list[_ProfileEntry] = msgspec.field(default_factory=list)
    paths: dict[str, str] = msgspec.field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PedalConfig:
    """Every known profile and the user's per-path choices.

    Attributes:
        profiles: by USB id (a user profile replaces a built-in one with the same id).
        paths: pedal path → profile name, from the ``[paths]`` table of ``pedals.toml``.
    """

    profiles: Mapping[str, PedalProfile]
    paths: Mapping[str, str] = field(default_factory=dict)


def _profile_of(entry: _ProfileEntry) -> PedalProfile:
    vendor, product = (int(part, 16) for part in entry.usb_id.split(":"))
    buttons = {pedal: PedalButton(spec.byte, spec.mask) for pedal, spec in entry.buttons.items()}
    name = entry.name or f"Pédale {vendor:04x}:{product:04x}"
    return PedalProfile(
        name,
        vendor,
        product,
        buttons,
        dict(entry.roles),
        entry.play_mode,
        id=entry.id or "",
        paths=tuple(entry.paths),
    )


def parse_pedals_file(text: str, source: str = "pedals.toml") -> PedalsFile:
    """``pedals.toml`` text checked against :class:`PedalsFile`; one-line PedalError naming
    ``source`` and the field otherwise."""
    try:
        return convert(load_toml(text, source=source), PedalsFile, source=source)
    except ConfigError as error:
        raise PedalError(f"Fichier de pédales invalide : {error.message}") from error


def parse_profiles(text: str, source: str = "pedals.toml") -> list[PedalProfile]:
    """Profiles from TOML text in the ``[[pedal]]`` format of ``pedal_profiles.toml``."""
    return [_profile_of(entry) for entry in parse_pedals_file(text, source).pedal]


def builtin_profiles() -> dict[str, PedalProfile]:
    """Shipped profiles by ``usb_id``."""
    text = resources.files("frappe.audio").joinpath("pedal_profiles.toml").read_text("utf-8")
    return {p.usb_id: p for p in parse_profiles(text, "pedal_profiles.toml")}


def user_profiles_path() -> Path:
    return locations.user_config_dir() / "pedals.toml"


def _read_user_file(path: Path) -> PedalsFile:
    if not path.is_file():
        return PedalsFile()
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise PedalError(f"Fichier de pédales illisible : {path} ({error}).") from error
    return parse_pedals_file(text, str(path))


def load_pedal_config(user_file: Path | None = None) -> PedalConfig:
    """Built-in profiles with the user's on top, and the user's ``[paths]`` choices."""
    profiles = builtin_profiles()
    path = user_file if user_file is not None else user_profiles_path()
    data = _read_user_file(path)
    for entry in data.pedal:
        profile = _profile_of(entry)
        profiles[profile.usb_id] = profile
    return PedalConfig(profiles, dict(data.paths))


def load_profiles(user_file: Path | None = None) -> dict[str, PedalProfile]:
    """Built-in profiles with the user's on top (same ``usb_id`` = the user's wins)."""
    return dict(load_pedal_config(user_file).profiles)


def find_profile(profiles: Mapping[str, PedalProfile], wanted: str) -> PedalProfile:
    """The profile called ``wanted``: its id (``vec``), USB id (``05f3:00ff``) or name, any
    case. PedalError listing the ids otherwise."""
    key = wanted.strip().casefold()
    wanted_slug = slugify(key, limit=None, empty="")
    for profile in profiles.values():
        names = {profile.id.casefold(), profile.usb_id, profile.name.casefold()}
        if key in names or (
            wanted_slug and slugify(profile.name, limit=None, empty="") == wanted_slug
        ):
            return profile
    choices = ", ".join(sorted(profile_key(p) for p in profiles.values()))
    raise PedalError(f"Profil de pédale inconnu « {wanted} » : {choices}.")


def profile_key(profile: PedalProfile) -> str:
    """What to give ``--pedal-profile`` for ``profile``: its id, or its USB id."""
    return profile.id or profile.usb_id


def profile_to_toml(profile: PedalProfile) -> str:
    """One ``[[pedal]]`` table that :func:`parse_profiles` reads back unchanged."""
    lines = ["[[pedal]]"]
    if profile.id:
        lines.append(f"id = {toml_string(profile.id)}")
    lines += [
        f"name = {toml_string(profile.name)}",
        f"usb_id = {toml_string(profile.usb_id)}",
        f"play_mode = {toml_string(str(profile.play_mode))}",
    ]
    if profile.paths:
        lines.append(f"paths = [{', '.join(toml_string(p) for p in profile.paths)}]")
    for pedal, button in profile.buttons.items():
        lines.append(f"buttons.{pedal} = {{ byte = {button.byte}, mask = 0x{button.mask:02x} }}")
    if profile.roles:
        roles = ", ".join(f"{p} = {toml_string(str(r))}" for p, r in profile.roles.items())
        lines.append(f"roles = {{ {roles} }}")
    return "\n".join(lines) + "\n"


def save_user_profile(profile: PedalProfile, path: Path | None = None) -> Path:
    """Add or replace ``profile`` in the user's ``pedals.toml``; returns the file written.

    The paths ``profile`` is bound to are taken from any other profile (a path has one
    pedal); the ``[paths]`` table is kept, less those paths."""
    target = path if path is not None else user_profiles_path()
    data = _read_user_file(target)
    bound = set(profile.paths)
    kept = [
        dataclasses.replace(p, paths=tuple(x for x in p.paths if x not in bound))
        for p in map(_profile_of, data.pedal)
        if p.usb_id != profile.usb_id
    ] + [profile]
    text = "# Pédales de frappe (écrit par « frappe pedal learn »).\n\n" + "\n".join(
        profile_to_toml(p) for p in kept
    )
    choices = {k: v for k, v in data.paths.items() if k not in bound}
    if choices:
        text += "\n[paths]\n" + "".join(
            f"{toml_string(k)} = {toml_string(v)}\n" for k, v in choices.items()
        )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".toml.tmp")
        tmp.write_text(text, "utf-8")
        tmp.replace(target)
    except OSError as error:
        raise PedalError(f"Impossible d'écrire {target} : {error}.") from error
    return target


# --------------------------------------------------------------------------- discovery
def _read_uevent(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    try:
        text = path.read_text("utf-8", errors="replace")
    except OSError:
        return values
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip()
    return values


def list_hid_devices(sysfs: Path = SYSFS_HIDRAW, dev: Path = DEV_DIR) -> list[HidDevice]:
    """Every hidraw node with its USB ids (``HID_ID=0003:000005F3:000000FF`` in uevent)."""
    devices: list[HidDevice] = []
    if not sysfs.is_dir():
        return devices
    for entry in sorted(sysfs.iterdir(), key=lambda p: (len(p.name), p.name)):
        uevent = _read_uevent(entry / "device" / "uevent")
        parts = uevent.get("HID_ID", "").split(":")
        if len(parts) != 3:
            continue
        try:
            vendor, product = int(parts[1], 16), int(parts[2], 16)
        except ValueError:
            continue
        devices.append(HidDevice(dev / entry.name, vendor, product, uevent.get("HID_NAME", "")))
    return devices


def hidraw_node(path: str | Path) -> Path:
    """``path`` with its symlinks resolved (``/dev/pedal`` → ``/dev/hidraw3``): the node whose
    USB ids sysfs knows. A path that cannot be resolved is returned as given."""
    try:
        return Path(os.path.realpath(path))
    except (OSError, ValueError):
        return Path(path)


def find_pedal(
    profiles: Mapping[str, PedalProfile] | PedalConfig | None = None,
    *,
    path: str | Path | None = None,
    profile: str | None = None,
    sysfs: Path = SYSFS_HIDRAW,
    dev: Path = DEV_DIR,
) -> tuple[Path, PedalProfile]:
    """The pedal to read and the profile to read it with.

    ``profile`` (``--pedal-profile``: an id, USB id or name) is used as given, on ``path`` or
    on the first plugged-in pedal with that USB id. For an explicit ``path`` otherwise, in
    order: the ``[paths]`` choice of ``pedals.toml`` for it, a profile learned on it, the USB
    id of the hidraw node it leads to (symlinks resolved), the only profile known. Without
    either, the first connected pedal with a known USB id.
    """
    if profiles is None:
        config = load_pedal_config()
    elif isinstance(profiles, PedalConfig):
        config = profiles
    else:
        config = PedalConfig(profiles)
    known = config.profiles
    chosen = find_profile(known, profile) if profile else None
    devices = list_hid_devices(sysfs, dev)
    if path is not None:
        node = Path(path)
        if chosen is not None:
            return node, chosen
        real = hidraw_node(node)
        names = {str(node), str(real)}
        for bound, wanted in config.paths.items():
            if bound in names or str(hidraw_node(bound)) in names:
                return node, find_profile(known, wanted)
        for candidate in known.values():
            if names & {str(p) for p in candidate.paths}:
                return node, candidate
        for device in devices:
            if device.path.name == real.name and device.usb_id in known:
                return node, known[device.usb_id]
        if len(known) == 1:
            return node, next(iter(known.values()))
        ids = ", ".join(sorted(profile_key(p) for p in known.values()))
        raise PedalError(
            f"Pédale inconnue sur {node} : choisissez son profil (--pedal-profile {ids}) "
            f"ou lancez « frappe pedal learn --device {node} »."
        )
    for device in devices:
        if chosen is not None and device.usb_id == chosen.usb_id:
            return device.path, chosen
        if chosen is None and device.usb_id in known:
            return device.path, known[device.usb_id]
    if chosen is not None:
        raise PedalError(f"Aucune pédale « {chosen.name} » n'est branchée.")
    raise PedalError("Aucune pédale reconnue n'est branchée.")


# --------------------------------------------------------------------------- reading
class ReportSource:
    """Raw reports from a hidraw node (or any FIFO/pty standing in for one).

    Opened non-blocking and polled together with a wake-up pipe, so :meth:`close` interrupts a
    wait at once. End of file, ``ENODEV`` or ``EIO`` mean the device went away.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self._fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        except PermissionError as error:
            raise PedalError(
                f"Accès refusé à {self.path} : installez la règle udev de frappe "
                "(70-frappe-pedals.rules) puis rebranchez la pédale."
            ) from error
        except OSError as error:
            raise PedalError(f"Pédale introuvable ({self.path}) : {error.strerror}.") from error
        self._wake_r, self._wake_w = os.pipe()
        self._closed = False

    def read(self, timeout_s: float | None = None) -> bytes | None:
        """The next report, or None on timeout or :meth:`close`; raises PedalError on loss."""
        if self._closed:
            return None
        poller = select.poll()
        poller.register(self._fd, select.POLLIN | select.POLLERR | select.POLLHUP)
        poller.register(self._wake_r, select.POLLIN)
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while True:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready = poller.poll(None if remaining is None else remaining * 1000)
            if self._closed or any(fd == self._wake_r for fd, _ in ready):
                return None
            if not ready:
                return None
            try:
                data = os.read(self._fd, _READ_SIZE)
            except BlockingIOError:
                continue
            except OSError as error:
                raise PedalError(
                    f"Pédale débranchée ou illisible ({self.path}) : "
                    f"{error.strerror or errno.errorcode.get(error.errno or 0, '')}."
                ) from error
            if not data:
                raise PedalError(f"Pédale débranchée ({self.path}).")
            return data

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"x")

    def release(self) -> None:
        """Free the descriptors (after the reading thread has stopped)."""
        self.close()
        for fd in (self._fd, self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)


class PedalStateTracker:
    """Turns successive reports into press/release events, one per changed pedal."""

    def __init__(self, profile: PedalProfile) -> None:
        self.profile = profile
        self._held: frozenset[str] = frozenset()

    @property
    def held(self) -> frozenset[str]:
        return self._held

    def decode(self, report: bytes) -> frozenset[str]:
        return frozenset(
            pedal
            for pedal, button in self.profile.buttons.items()
            if button.byte < len(report) and report[button.byte] & button.mask
        )

    def feed(self, report: bytes, t_ns: int | None = None) -> list[PedalEvent]:
        now = time.monotonic_ns() if t_ns is None else t_ns
        held = self.decode(report)
        events = [PedalEvent(p, False, now) for p in sorted(self._held - held)]
        events += [PedalEvent(p, True, now) for p in sorted(held - self._held)]
        self._held = held
        return events

    def release_all(self) -> list[PedalEvent]:
        now = time.monotonic_ns()
        events = [PedalEvent(p, False, now) for p in sorted(self._held)]
        self._held = frozenset()
        return events


class PedalReader:
    """Reads a pedal in a daemon thread and calls ``on_event`` for each press/release.

    When the pedal is unplugged or unreadable, held pedals are released (so hold-to-play
    pauses), ``on_error`` receives a :class:`PedalError`, and the thread ends; call
    :meth:`reconnect` once it is back. A :class:`FrappeError` raised by ``on_event`` (the
    player's, say) also goes to ``on_error``, and reading goes on.
    """

    def __init__(
        self,
        profile: PedalProfile,
        path: str | Path,
        on_event: Callable[[PedalEvent], None],
        on_error: Callable[[FrappeError], None] | None = None,
        *,
        rediscover: bool = False,
    ) -> None:
        self.profile = profile
        self.path = Path(path)
        self.on_event = on_event
        self.on_error = on_error
        self._rediscover = rediscover
        self._tracker = PedalStateTracker(profile)
        self._source: ReportSource | None = None
        self._thread: threading.Thread | None = None
        self.error: PedalError | None = None

    @classmethod
    def autodetect(
        cls,
        on_event: Callable[[PedalEvent], None],
        on_error: Callable[[FrappeError], None] | None = None,
        profiles: Mapping[str, PedalProfile] | None = None,
    ) -> PedalReader:
        path, profile = find_pedal(profiles)
        return cls(profile, path, on_event, on_error, rediscover=True)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def held(self) -> frozenset[str]:
        return self._tracker.held

    def start(self) -> None:
        if self.running:
            return
        self.error = None
        self._source = ReportSource(self.path)
        self._thread = threading.Thread(
            target=self._run, args=(self._source,), name="frappe-pedal", daemon=True
        )
        self._thread.start()

    def _deliver(self, event: PedalEvent) -> None:
        try:
            self.on_event(event)
        except FrappeError as error:
            # The handler's failure (say, the audio device is gone) is not the pedal's: report
            # it and keep reading.
            if self.on_error is None:
                raise
            self.on_error(error)

    def _run(self, source: ReportSource) -> None:
        try:
            while True:
                report = source.read()
                if report is None:
                    return
                for event in self._tracker.feed(report):
                    self._deliver(event)
        except PedalError as error:
            for event in self._tracker.release_all():
                self._deliver(event)
            self.error = error
            if self.on_error is not None:
                self.on_error(error)

    def stop(self, timeout_s: float = 2.0) -> None:
        source, thread = self._source, self._thread
        if source is not None:
            source.close()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout_s)
        if source is not None and not (thread is not None and thread.is_alive()):
            source.release()
        self._source = None
        self._thread = None

    def reconnect(self) -> None:
        """Reopen the pedal (looked up again by USB id when it was auto-detected)."""
        self.stop()
        self._tracker = PedalStateTracker(self.profile)
        if self._rediscover:
            self.path, self.profile = find_pedal({self.profile.usb_id: self.profile})
            self._tracker = PedalStateTracker(self.profile)
        self.start()


# --------------------------------------------------------------------------- control
class PedalController:
    """Maps pedal events to player commands according to roles and play mode.

    ``run`` runs a command (``play``, ``pause``, ``play_pause``, ``back``, ``forward``): the
    TUI gives its player controls' ``run``, so the pedal and the hotkeys take the same path;
    :func:`frappe.exercises.playback.player_commands` drives a player directly. Give
    :meth:`handle` to a :class:`PedalReader` as ``on_event``. Player errors (for example the
    audio device lost) go to ``on_error`` instead of killing the pedal thread.
    """

    def __init__(
        self,
        run: Callable[[PlaybackCommand], None],
        roles: Mapping[str, PedalRole | str],
        play_mode: PlayMode | str = PlayMode.HOLD,
        *,
        on_error: Callable[[FrappeError], None] | None = None,
        repeat_delay_s: float = REPEAT_DELAY_S,
        repeat_interval_s: float = REPEAT_INTERVAL_S,
    ) -> None:
        self.run = run
        self.roles = {p: PedalRole(r) for p, r in roles.items()}
        self.play_mode = PlayMode(play_mode)
        self.on_error = on_error
        self.repeat_delay_s = max(0.05, repeat_delay_s)
        self.repeat_interval_s = max(0.05, repeat_interval_s)
        self._cond = threading.Condition()
        self._due: dict[str, float] = {}
        self._closed = False
        self._repeater = threading.Thread(
            target=self._repeat_loop, name="frappe-pedal-repeat", daemon=True
        )
        self._repeater.start()

    @classmethod
    def for_profile(
        cls, run: Callable[[PlaybackCommand], None], profile: PedalProfile
    ) -> PedalController:
        return cls(run, profile.roles, profile.play_mode)

    def _call(self, command: PlaybackCommand) -> None:
        try:
            self.run(command)
        except FrappeError as error:
            if self.on_error is None:
                raise
            self.on_error(error)

    def _skip(self, role: PedalRole) -> None:
        self._call("back" if role is PedalRole.REWIND else "forward")

    def handle(self, event: PedalEvent) -> None:
        role = self.roles.get(event.pedal, PedalRole.NONE)
        if role is PedalRole.PLAY:
            if self.play_mode is PlayMode.HOLD:
                self._call("play" if event.pressed else "pause")
            elif event.pressed:
                self._call("play_pause")
        elif role in (PedalRole.REWIND, PedalRole.FORWARD):
            with self._cond:
                if event.pressed:
                    self._due[event.pedal] = time.monotonic() + self.repeat_delay_s
                    self._cond.notify_all()
                else:
                    self._due.pop(event.pedal, None)
            if event.pressed:
                self._skip(role)

    def _repeat_loop(self) -> None:
        while True:
            fire: list[PedalRole] = []
            with self._cond:
                while not self._closed:
                    now = time.monotonic()
                    ready = [p for p, t in self._due.items() if t <= now]
                    if ready:
                        for pedal in ready:
                            self._due[pedal] = now + self.repeat_interval_s
                            fire.append(self.roles.get(pedal, PedalRole.NONE))
                        break
                    wait = min(self._due.values(), default=now + 3600.0) - now
                    self._cond.wait(max(0.001, wait))
                if self._closed:
                    return
            for role in fire:
                self._skip(role)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._due.clear()
            self._cond.notify_all()
        if self._repeater is not threading.current_thread():
            self._repeater.join(2.0)


# --------------------------------------------------------------------------- learning
def _wait_report(
    source: ReportSource, accept: Callable[[bytes], bool], timeout_s: float
) -> bytes | None:
    deadline = time.monotonic() + timeout_s
    while (remaining := deadline - time.monotonic()) > 0:
        report = source.read(remaining)
        if report is not None and accept(report):
            return report
    return None


def _differs(reference: bytes | None, report: bytes) -> bool:
    return reference is None or report != reference


def learn_profile(
    source: ReportSource,
    prompt: Callable[[str], None],
    *,
    vendor_id: int,
    product_id: int,
    name: str | None = None,
    pedals: Iterable[str] = ("left", "middle", "right"),
    timeout_s: float = 10.0,
) -> PedalProfile:
    """Ask for each pedal in turn and note which report bit it sets.

    The report seen on release is the idle state (some pedals put a constant report id in byte
    0); each pedal's bit is what differs from it while pressed. A pedal not pressed within
    ``timeout_s`` is left out (pedals with fewer buttons); at least one must be learned. Roles
    default to left = rewind, middle = play, right = forward.
    """
    buttons: dict[str, PedalButton] = {}
    idle: bytes | None = None
    for pedal in pedals:
        prompt(f"Appuyez sur la pédale {pedal_label(pedal)} et maintenez-la enfoncée…")
        base = idle
        pressed = _wait_report(source, functools.partial(_differs, base), timeout_s)
        if pressed is None:
            prompt(f"Pédale {pedal_label(pedal)} : rien reçu, ignorée.")
            continue
        prompt("Relâchez-la.")
        # Before any release we don't know the idle report: any change from "pressed" will do.
        back = functools.partial(_differs, pressed) if base is None else base.__eq__
        released = _wait_report(source, back, timeout_s)
        if released is None:
            raise PedalError("La pédale n'a pas été relâchée à temps.")
        idle = released
        diff = [a ^ b for a, b in zip(pressed, released.ljust(len(pressed), b"\0"), strict=False)]
        byte = next((i for i, value in enumerate(diff) if value), None)
        if byte is None:
            raise PedalError(f"La pédale {pedal_label(pedal)} n'a rien changé : recommencez.")
        button = PedalButton(byte, diff[byte])
        if button in buttons.values():
            raise PedalError(
                f"La pédale {pedal_label(pedal)} envoie le même signal qu'une autre : "
                "appuyez sur une seule pédale à la fois."
            )
        buttons[pedal] = button
    if not buttons:
        raise PedalError("Aucune pédale détectée : vérifiez le branchement et recommencez.")
    defaults = {"left": PedalRole.REWIND, "middle": PedalRole.PLAY, "right": PedalRole.FORWARD}
    if len(buttons) == 1:
        roles = {next(iter(buttons)): PedalRole.PLAY}
    else:
        roles = {p: defaults.get(p, PedalRole.NONE) for p in buttons}
    label = name or f"Pédale {vendor_id:04x}:{product_id:04x}"
    return PedalProfile(label, vendor_id, product_id, buttons, roles, PlayMode.HOLD)
