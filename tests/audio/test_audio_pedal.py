"""Foot pedals: profiles, discovery, the hidraw reader on FIFOs and ptys, roles, learning."""

from __future__ import annotations

import os
import queue
import threading
import time
import tty
from collections.abc import Iterator
from pathlib import Path

import pytest
from audio_helpers import (
    Probe,
    child_env,
    tone,
    write_wav,
)

from frappe.audio.pedal import (
    PedalButton,
    PedalController,
    PedalEvent,
    PedalProfile,
    PedalReader,
    PedalRole,
    PedalStateTracker,
    PlayMode,
    ReportSource,
    builtin_profiles,
    find_pedal,
    learn_profile,
    list_hid_devices,
    load_profiles,
    parse_profiles,
    profile_to_toml,
    save_user_profile,
)
from frappe.errors import AudioError, FrappeError, PedalError
from frappe.exercises.playback import player_commands

VEC, PHILIPS, PHILIPS_2330, OLYMPUS = "05f3:00ff", "0911:1844", "0911:091a", "07b4:0218"
UDEV_RULES = Path(__file__).resolve().parents[2] / "packaging/udev/70-frappe-pedals.rules"
EVENT_TIMEOUT = 10.0


# --------------------------------------------------------------------------- profiles
def test_builtin_profiles_describe_the_known_pedals() -> None:
    profiles = builtin_profiles()
    assert set(profiles) == {VEC, PHILIPS, PHILIPS_2330, OLYMPUS}
    vec = profiles[VEC]
    assert {p: b.mask for p, b in vec.buttons.items()} == {"left": 1, "middle": 2, "right": 4}
    assert {p: b.mask for p, b in profiles[OLYMPUS].buttons.items()} == {
        "left": 1,
        "middle": 4,
        "right": 2,
    }
    assert profiles[PHILIPS].buttons["end_of_letter"] == PedalButton(0, 0x08)
    for profile in profiles.values():
        assert profile.roles["middle"] is PedalRole.PLAY
        assert profile.play_mode is PlayMode.HOLD


def test_profile_toml_round_trip() -> None:
    for profile in builtin_profiles().values():
        again = parse_profiles(profile_to_toml(profile))
        assert again == [profile]


@pytest.mark.parametrize(
    "text",
    [
        "[[pedal]\nusb_id=",
        '[[pedal]]\nusb_id = "zz:00"\nbuttons.left = { byte = 0, mask = 1 }',
        '[[pedal]]\nusb_id = "0001:0002"\nbuttons.left = { byte = 0, mask = 300 }',
        '[[pedal]]\nusb_id = "0001:0002"\nbuttons.left = { byte = 0, mask = 1 }\n'
        'roles = { left = "dance" }',
    ],
)
def test_bad_profiles_are_pedal_errors(text: str) -> None:
    with pytest.raises(PedalError):
        parse_profiles(text, "essai.toml")


def test_user_profiles_override_builtins_and_accumulate(tmp_path: Path) -> None:
    mine = PedalProfile(
        "Ma VEC",
        0x05F3,
        0x00FF,
        {"left": PedalButton(0, 4), "right": PedalButton(0, 1)},
        {"left": PedalRole.PLAY, "right": PedalRole.REWIND},
        PlayMode.TOGGLE,
    )
    other = PedalProfile("Autre", 0x1234, 0x5678, {"left": PedalButton(1, 0x10)})
    path = save_user_profile(mine)
    save_user_profile(other)
    assert path.parent.is_dir() and path.name == "pedals.toml"
    profiles = load_profiles()
    assert profiles[VEC] == mine
    assert profiles["1234:5678"] == other
    assert profiles[PHILIPS] == builtin_profiles()[PHILIPS]


def _fake_sysfs(root: Path, nodes: dict[str, str]) -> Path:
    sysfs = root / "sys/class/hidraw"
    for node, hid_id in nodes.items():
        device = sysfs / node / "device"
        device.mkdir(parents=True)
        (device / "uevent").write_text(
            f"DRIVER=hid-generic\nHID_ID={hid_id}\nHID_NAME=Test pedal {node}\n"
        )
    return sysfs


def test_discovery_reads_usb_ids_from_sysfs(tmp_path: Path) -> None:
    sysfs = _fake_sysfs(
        tmp_path,
        {
            "hidraw0": "0003:0000046D:0000C52B",  # a mouse receiver
            "hidraw10": "0003:000007B4:00000218",
            "hidraw2": "0003:000005F3:000000FF",
        },
    )
    devices = list_hid_devices(sysfs, tmp_path / "dev")
    assert [d.path.name for d in devices] == ["hidraw0", "hidraw2", "hidraw10"]
    assert devices[1].usb_id == VEC and devices[1].name == "Test pedal hidraw2"
    path, profile = find_pedal(builtin_profiles(), sysfs=sysfs, dev=tmp_path / "dev")
    assert path == tmp_path / "dev/hidraw2" and profile.usb_id == VEC
    path, profile = find_pedal(
        builtin_profiles(), path="/dev/hidraw10", sysfs=sysfs, dev=tmp_path / "dev"
    )
    assert profile.usb_id == OLYMPUS


def test_discovery_errors_say_what_to_do(tmp_path: Path) -> None:
    sysfs = _fake_sysfs(tmp_path, {"hidraw0": "0003:0000046D:0000C52B"})
    with pytest.raises(PedalError, match="Aucune pédale"):
        find_pedal(builtin_profiles(), sysfs=sysfs, dev=tmp_path)
    with pytest.raises(PedalError, match="pedal learn"):
        find_pedal(builtin_profiles(), path="/dev/hidraw0", sysfs=sysfs, dev=tmp_path)


# --------------------------------------------------------------------------- decoding
@pytest.mark.parametrize(
    ("usb_id", "left", "middle", "right"),
    [(VEC, 0x01, 0x02, 0x04), (PHILIPS, 0x01, 0x02, 0x04), (OLYMPUS, 0x01, 0x04, 0x02)],
)
def test_tracker_emits_one_event_per_changed_pedal(
    usb_id: str, left: int, middle: int, right: int
) -> None:
    tracker = PedalStateTracker(builtin_profiles()[usb_id])
    steps = [
        (bytes([left, 0]), [("left", True)]),
        (bytes([left | middle, 0]), [("middle", True)]),
        (bytes([middle | right, 0]), [("left", False), ("right", True)]),
        (bytes([middle | right, 0]), []),
        (bytes([0, 0]), [("middle", False), ("right", False)]),
    ]
    for report, expected in steps:
        assert [(e.pedal, e.pressed) for e in tracker.feed(report)] == expected


# --------------------------------------------------------------------------- reader on a FIFO
class FifoPedal:
    """A FIFO standing in for /dev/hidraw*, with the test holding the writing end."""

    def __init__(self, path: Path) -> None:
        self.path = path
        os.mkfifo(path)
        self.fd: int | None = os.open(path, os.O_RDWR)  # O_RDWR: opening never blocks

    def send(self, *report: int) -> None:
        assert self.fd is not None
        os.write(self.fd, bytes(report))

    def unplug(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def plug(self) -> None:
        self.fd = os.open(self.path, os.O_RDWR)


@pytest.fixture
def fifo_pedal(tmp_path: Path) -> Iterator[FifoPedal]:
    pedal = FifoPedal(tmp_path / "hidraw-test")
    yield pedal
    pedal.unplug()


class Collector:
    def __init__(self) -> None:
        self.events: queue.Queue[PedalEvent] = queue.Queue()
        self.errors: queue.Queue[FrappeError] = queue.Queue()

    def next(self) -> tuple[str, bool]:
        event = self.events.get(timeout=EVENT_TIMEOUT)
        return event.pedal, event.pressed


@pytest.mark.parametrize(
    ("usb_id", "middle", "extra"),
    [(VEC, 0x02, None), (PHILIPS, 0x02, 0x08), (PHILIPS_2330, 0x02, 0x08), (OLYMPUS, 0x04, None)],
)
def test_reader_reports_presses_then_unplug(
    fifo_pedal: FifoPedal, usb_id: str, middle: int, extra: int | None
) -> None:
    got = Collector()
    reader = PedalReader(
        builtin_profiles()[usb_id], fifo_pedal.path, got.events.put, got.errors.put
    )
    reader.start()
    try:
        fifo_pedal.send(0x01, 0x00)
        assert got.next() == ("left", True)
        fifo_pedal.send(0x01 | middle, 0x00)
        assert got.next() == ("middle", True)
        fifo_pedal.send(middle, 0x00)
        assert got.next() == ("left", False)
        if extra is not None:
            fifo_pedal.send(middle | extra, 0x00)
            assert got.next() == ("end_of_letter", True)
            fifo_pedal.send(middle, 0x00)
            assert got.next() == ("end_of_letter", False)
        assert reader.held == {"middle"}
        fifo_pedal.unplug()  # middle still held: it must be released for hold-to-play
        assert got.next() == ("middle", False)
        error = got.errors.get(timeout=EVENT_TIMEOUT)
        assert "débranchée" in error.message
        reader_thread_gone = _wait(lambda: not reader.running)
        assert reader_thread_gone
        assert reader.error is error
    finally:
        reader.stop()


def _wait(check: object, timeout: float = EVENT_TIMEOUT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.005)
    return False


def test_reconnect_after_unplug(fifo_pedal: FifoPedal) -> None:
    got = Collector()
    reader = PedalReader(builtin_profiles()[VEC], fifo_pedal.path, got.events.put, got.errors.put)
    reader.start()
    try:
        fifo_pedal.unplug()
        got.errors.get(timeout=EVENT_TIMEOUT)
        assert _wait(lambda: not reader.running)
        fifo_pedal.plug()
        reader.reconnect()
        assert reader.running and reader.error is None
        fifo_pedal.send(0x04, 0x00)
        assert got.next() == ("right", True)
    finally:
        reader.stop()
    assert not reader.running


def test_reader_on_a_pty_reports_eio_as_unplugged() -> None:
    master, slave = os.openpty()
    tty.setraw(slave)  # no line discipline: bytes pass as they come, like hidraw reports
    got = Collector()
    reader = PedalReader(
        builtin_profiles()[OLYMPUS], os.ttyname(slave), got.events.put, got.errors.put
    )
    reader.start()
    try:
        os.write(master, bytes([0x04, 0x00]))
        assert got.next() == ("middle", True)
        os.close(master)
        assert got.next() == ("middle", False)
        assert "Pédale débranchée" in got.errors.get(timeout=EVENT_TIMEOUT).message
    finally:
        reader.stop()
        os.close(slave)


def test_missing_or_forbidden_device_is_a_pedal_error(tmp_path: Path) -> None:
    with pytest.raises(PedalError, match="introuvable"):
        ReportSource(tmp_path / "hidraw99")
    locked = tmp_path / "locked"
    locked.write_bytes(b"")
    locked.chmod(0)
    if os.geteuid() != 0:  # root ignores file modes
        with pytest.raises(PedalError, match="udev"):
            ReportSource(locked)


def test_stop_interrupts_a_waiting_reader(fifo_pedal: FifoPedal) -> None:
    got = Collector()
    reader = PedalReader(builtin_profiles()[VEC], fifo_pedal.path, got.events.put, got.errors.put)
    reader.start()
    reader.stop()
    assert not reader.running
    assert got.errors.empty()


# --------------------------------------------------------------------------- controller
class RecordingPlayer:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[str] = []
        self.fail = fail
        self._lock = threading.Lock()

    def _record(self, name: str) -> None:
        with self._lock:
            self.calls.append(name)
        if self.fail:
            raise AudioError("Sortie audio perdue (test).")

    def play(self) -> None:
        self._record("play")

    def pause(self) -> None:
        self._record("pause")

    def toggle(self) -> None:
        self._record("toggle")

    def skip_back_short(self) -> None:
        self._record("back")

    def skip_forward_short(self) -> None:
        self._record("forward")

    def count(self, name: str) -> int:
        with self._lock:
            return self.calls.count(name)


def _ev(pedal: str, pressed: bool) -> PedalEvent:
    return PedalEvent(pedal, pressed, time.monotonic_ns())


def test_hold_mode_plays_while_held() -> None:
    player = RecordingPlayer()
    controller = PedalController(
        player_commands(player), builtin_profiles()[VEC].roles, PlayMode.HOLD
    )
    try:
        controller.handle(_ev("middle", True))
        controller.handle(_ev("middle", False))
        controller.handle(_ev("middle", True))
        assert player.calls == ["play", "pause", "play"]
    finally:
        controller.close()


def test_toggle_mode_flips_on_press_only() -> None:
    player = RecordingPlayer()
    controller = PedalController(player_commands(player), {"middle": "play"}, "toggle")
    try:
        for pressed in (True, False, True, False):
            controller.handle(_ev("middle", pressed))
        assert player.calls == ["toggle", "toggle"]
    finally:
        controller.close()


def test_rewind_skips_at_once_then_repeats_while_held() -> None:
    player = RecordingPlayer()
    controller = PedalController(
        player_commands(player),
        {"left": "rewind", "right": "forward"},
        repeat_delay_s=0.1,
        repeat_interval_s=0.05,
    )
    try:
        controller.handle(_ev("left", True))
        assert player.calls == ["back"]  # the tap itself, synchronously
        assert _wait(lambda: player.count("back") >= 3)
        controller.handle(_ev("left", False))
        after_release = player.count("back")
        time.sleep(0.3)  # several repeat intervals: no more skips may come
        assert player.count("back") == after_release
        controller.handle(_ev("right", True))
        controller.handle(_ev("right", False))
        assert player.count("forward") == 1
    finally:
        controller.close()


def test_roles_are_configurable_and_none_does_nothing() -> None:
    player = RecordingPlayer()
    controller = PedalController(
        player_commands(player), {"left": "play", "middle": "none", "right": "rewind"}
    )
    try:
        controller.handle(_ev("left", True))
        controller.handle(_ev("middle", True))
        controller.handle(_ev("end_of_letter", True))
        controller.handle(_ev("right", True))
        controller.handle(_ev("right", False))
        controller.handle(_ev("left", False))
        assert player.calls == ["play", "back", "pause"]
    finally:
        controller.close()


def test_player_errors_go_to_the_callback() -> None:
    errors: list[FrappeError] = []
    controller = PedalController(
        player_commands(RecordingPlayer(fail=True)), {"middle": "play"}, on_error=errors.append
    )
    try:
        controller.handle(_ev("middle", True))
        assert len(errors) == 1 and "Sortie audio perdue" in errors[0].message
    finally:
        controller.close()


# --------------------------------------------------------------------------- learning
def _scripted_pedal(fifo: FifoPedal, presses: dict[str, bytes], idle: bytes) -> object:
    """A prompt callback acting as the trainee: presses what is asked, then releases."""
    pending: list[str] = []

    def prompt(text: str) -> None:
        for pedal, label in (("left", "gauche"), ("middle", "centrale"), ("right", "droite")):
            if f"pédale {label} et" in text:
                pending.append(pedal)
                if pedal in presses:
                    fifo.send(*presses[pedal])
        if text.startswith("Relâchez"):
            fifo.send(*idle)

    return prompt


def test_learn_finds_each_pedal_bit(fifo_pedal: FifoPedal) -> None:
    source = ReportSource(fifo_pedal.path)
    try:
        prompt = _scripted_pedal(
            fifo_pedal, {"left": b"\x01\x00", "middle": b"\x02\x00", "right": b"\x04\x00"}, b"\0\0"
        )
        profile = learn_profile(
            source,
            prompt,  # type: ignore[arg-type]
            vendor_id=0x05F3,
            product_id=0x00FF,
            timeout_s=5,
        )
    finally:
        source.release()
    assert profile.buttons == {
        "left": PedalButton(0, 1),
        "middle": PedalButton(0, 2),
        "right": PedalButton(0, 4),
    }
    assert profile.roles == {
        "left": PedalRole.REWIND,
        "middle": PedalRole.PLAY,
        "right": PedalRole.FORWARD,
    }
    assert parse_profiles(profile_to_toml(profile)) == [profile]


def test_learn_ignores_a_constant_report_id_and_missing_pedals(fifo_pedal: FifoPedal) -> None:
    source = ReportSource(fifo_pedal.path)
    try:
        # Byte 0 is a report id that never changes; this pedal has no right pedal.
        prompt = _scripted_pedal(
            fifo_pedal, {"left": b"\x01\x10", "middle": b"\x01\x20"}, b"\x01\x00"
        )
        profile = learn_profile(
            source,
            prompt,  # type: ignore[arg-type]
            vendor_id=0x1234,
            product_id=0x0001,
            name="Pédale maison",
            timeout_s=0.5,
        )
    finally:
        source.release()
    assert profile.buttons == {"left": PedalButton(1, 0x10), "middle": PedalButton(1, 0x20)}
    assert profile.name == "Pédale maison" and profile.usb_id == "1234:0001"


def test_learn_with_no_pedal_pressed_fails_clearly(fifo_pedal: FifoPedal) -> None:
    source = ReportSource(fifo_pedal.path)
    try:
        with pytest.raises(PedalError, match="Aucune pédale détectée"):
            learn_profile(source, lambda _: None, vendor_id=1, product_id=2, timeout_s=0.1)
    finally:
        source.release()


def test_udev_rules_grant_seat_access_for_every_builtin_pedal() -> None:
    rules = UDEV_RULES.read_text()
    active = [line for line in rules.splitlines() if line and not line.startswith("#")]
    for profile in builtin_profiles().values():
        vendor, product = profile.usb_id.split(":")
        assert any(
            f'ATTRS{{idVendor}}=="{vendor}"' in line
            and f'ATTRS{{idProduct}}=="{product}"' in line
            and 'TAG+="uaccess"' in line
            for line in active
        ), profile.name
    assert all('SUBSYSTEM=="hidraw"' in line for line in active)
    assert "0666" not in "\n".join(active) and "MODE=" not in "\n".join(active)
    assert '#SUBSYSTEM=="hidraw", ATTRS{idVendor}=="05f3"' in rules and 'MODE="0660"' in rules


# --------------------------------------------------------------------------- pedal + real player
@pytest.mark.audio
def test_hold_to_play_drives_a_real_player(
    jack_server: str, fifo_pedal: FifoPedal, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    path = write_wav(tmp_path / "tone.wav", tone(330.0, 20.0, 16000), 16000)
    probe = Probe(child_env(home, jack_server=jack_server), tmp_path)
    try:
        probe.ok("new", jack=True, rewind_on_resume_s=2.0)
        probe.ok("load", path=str(path))
        probe.ok("pedal", path=str(fifo_pedal.path), usb_id=VEC)
        fifo_pedal.send(0x02, 0x00)  # middle (play) down
        assert probe.ok("wait_state", states=["playing"])["reached"]
        assert probe.ok("wait_position", min_s=3.0)["reached"]
        fifo_pedal.send(0x00, 0x00)  # released
        paused = probe.ok("wait_state", states=["paused"])
        assert paused["reached"]
        where = paused["position_s"]
        fifo_pedal.send(0x02, 0x00)
        assert probe.ok("wait_state", states=["playing"])["reached"]
        fifo_pedal.send(0x03, 0x00)  # left (rewind) tapped while playing
        assert probe.ok("wait_actions", name="skip", count=1)["reached"]
        fifo_pedal.send(0x00, 0x00)  # both up at once (one report, as a FIFO may merge writes)
        final = probe.ok("wait_state", states=["paused"])
        probe.ok("close")
    finally:
        probe.close()
    actions = final["actions"]
    names = [a["action"] for a in actions]
    assert names[:5] == ["load", "play", "pause", "resume", "skip"]
    resume = actions[3]
    assert resume["position_s"] == pytest.approx(where, abs=1e-3)
    assert resume["target_s"] == pytest.approx(where - 2.0, abs=1e-3)
    skip = actions[4]
    assert skip["target_s"] == pytest.approx(max(0.0, skip["position_s"] - 2.0), abs=1e-3)
    assert names[-1] == "pause"
