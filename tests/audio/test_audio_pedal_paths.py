"""Any pedal path works: a FIFO, a pty or a udev symlink, with ``--pedal-profile``, a choice per
path in ``pedals.toml``, a profile learned on that path, or the USB id of the hidraw node a
symlink leads to. ``pedals.toml`` is checked against its schema (one line naming the field)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_audio_commands import Lines, run_cli, start_cli

from frappe.audio.pedal import (
    PedalButton,
    PedalProfile,
    builtin_profiles,
    find_pedal,
    load_pedal_config,
    load_profiles,
    save_user_profile,
    user_profiles_path,
)
from frappe.errors import PedalError

VEC, OLYMPUS = "05f3:00ff", "07b4:0218"


def _fake_sysfs(root: Path, nodes: dict[str, str]) -> tuple[Path, Path]:
    sysfs = root / "sys/class/hidraw"
    dev = root / "dev"
    dev.mkdir(parents=True, exist_ok=True)
    for node, hid_id in nodes.items():
        device = sysfs / node / "device"
        device.mkdir(parents=True)
        (device / "uevent").write_text(f"HID_ID={hid_id}\nHID_NAME=Test pedal {node}\n")
        (dev / node).write_bytes(b"")
    return sysfs, dev


def test_pedal_profile_names_the_profile_of_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pedale"
    os.mkfifo(fifo)
    for name in ("vec", "VEC", VEC, "VEC / Infinity IN-USB-1/2/3"):
        path, profile = find_pedal(path=fifo, profile=name, sysfs=tmp_path / "none")
        assert path == fifo and profile.usb_id == VEC
    path, profile = find_pedal(path=fifo, profile="olympus-rs28", sysfs=tmp_path / "none")
    assert profile.usb_id == OLYMPUS


def test_without_a_profile_a_fifo_says_how_to_choose_one(tmp_path: Path) -> None:
    fifo = tmp_path / "pedale"
    os.mkfifo(fifo)
    with pytest.raises(PedalError) as raised:
        find_pedal(path=fifo, sysfs=tmp_path / "none")
    message = str(raised.value)
    assert "--pedal-profile" in message and "vec" in message and "olympus-rs28" in message
    assert "\n" not in message
    with pytest.raises(PedalError, match=r"Profil de pédale inconnu « vek » : .*vec"):
        find_pedal(path=fifo, profile="vek", sysfs=tmp_path / "none")


def test_a_udev_symlink_is_resolved_to_its_hidraw_node(tmp_path: Path) -> None:
    sysfs, dev = _fake_sysfs(
        tmp_path, {"hidraw0": "0003:0000046D:0000C52B", "hidraw2": "0003:000007B4:00000218"}
    )
    link = tmp_path / "pedal"
    link.symlink_to(dev / "hidraw2")
    path, profile = find_pedal(builtin_profiles(), path=link, sysfs=sysfs, dev=dev)
    assert path == link and profile.usb_id == OLYMPUS
    # A chain of links too.
    again = tmp_path / "pedale-salle2"
    again.symlink_to(link)
    assert find_pedal(builtin_profiles(), path=again, sysfs=sysfs, dev=dev)[1].usb_id == OLYMPUS


def test_pedals_toml_chooses_a_profile_per_path(tmp_path: Path) -> None:
    fifo = tmp_path / "pedale"
    os.mkfifo(fifo)
    user_profiles_path().parent.mkdir(parents=True, exist_ok=True)
    user_profiles_path().write_text(f'[paths]\n"{fifo}" = "olympus-rs28"\n', "utf-8")
    assert find_pedal(path=fifo, sysfs=tmp_path / "none")[1].usb_id == OLYMPUS
    # The explicit choice wins over the file.
    assert find_pedal(path=fifo, profile="vec", sysfs=tmp_path / "none")[1].usb_id == VEC


def test_a_learned_profile_binds_to_its_path_and_keeps_the_path_table(tmp_path: Path) -> None:
    fifo = tmp_path / "pedale"
    os.mkfifo(fifo)
    user_profiles_path().parent.mkdir(parents=True, exist_ok=True)
    user_profiles_path().write_text('[paths]\n"/dev/autre" = "vec"\n', "utf-8")
    learned = PedalProfile(
        "Pédale du centre", 0x05F3, 0x00FF, {"left": PedalButton(0, 4)}, paths=(str(fifo),)
    )
    save_user_profile(learned)
    config = load_pedal_config()
    assert config.paths == {"/dev/autre": "vec"}
    assert config.profiles[VEC] == learned
    assert find_pedal(path=fifo, sysfs=tmp_path / "none")[1] == learned
    # Learning another pedal on the same path moves the binding.
    other = PedalProfile(
        "Autre", 0x1234, 0x5678, {"left": PedalButton(1, 0x10)}, paths=(str(fifo),)
    )
    save_user_profile(other)
    profiles = load_profiles()
    assert profiles[VEC].paths == () and profiles["1234:5678"].paths == (str(fifo),)
    assert find_pedal(path=fifo, sysfs=tmp_path / "none")[1].name == "Autre"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('[[pedal]]\nusb_id = "05f3:00ff"\nbuttons.left = { byte = "0", mask = 1 }', "byte"),
        ('[[pedal]]\nusb_id = "05f3:00ff"\nbuttons.left = { byte = 0, mask = 1, x = 2 }', "x"),
        ("[[pedal]]\nusb_id = 5\nbuttons.left = { byte = 0, mask = 1 }", "usb_id"),
        ("[paths]\n'/dev/p' = 3\n", "paths"),
        ("pedal = 3\n", "pedal"),
        ("a = " + "[" * 40 + "]" * 40 + "\n", "imbrication"),
        ("[[pedal]]\nusb_id = \n", "TOML"),
    ],
)
def test_a_bad_pedals_toml_is_one_line_naming_file_and_field(
    tmp_path: Path, text: str, field: str
) -> None:
    user_profiles_path().parent.mkdir(parents=True, exist_ok=True)
    user_profiles_path().write_text(text, "utf-8")
    with pytest.raises(PedalError) as raised:
        load_profiles()
    message = str(raised.value)
    assert "\n" not in message and str(user_profiles_path()) in message and field in message


def test_learn_on_a_fifo_then_test_it_without_naming_the_profile(tmp_path: Path) -> None:
    """The loop of the issue: learning on a FIFO changed nothing, the FIFO stayed unknown."""
    fifo = tmp_path / "hidraw-fifo"
    os.mkfifo(fifo)
    writer = os.open(fifo, os.O_RDWR)
    try:
        learn = start_cli(
            tmp_path, "pedal", "learn", "--device", str(fifo), "--usb-id", VEC, "--timeout", "5s"
        )
        lines = Lines(learn)
        for report in (b"\x01\x00", b"\x02\x00", b"\x04\x00"):
            assert lines.next().startswith("Appuyez sur la pédale")
            os.write(writer, report)
            assert lines.next() == "Relâchez-la."
            os.write(writer, b"\x00\x00")
        assert f"lié à {fifo}" in lines.next()
        assert learn.wait(20) == 0
        test = start_cli(tmp_path, "pedal", "test", "--device", str(fifo))
        lines = Lines(test)
        assert lines.next().startswith("Pédale : Pédale 05f3:00ff")
        os.write(writer, b"\x02\x00")
        assert lines.next().startswith("centrale (lecture) : appuyée")
        test.kill()
        test.wait(10)
    finally:
        os.close(writer)


def test_pedal_test_takes_pedal_profile(tmp_path: Path) -> None:
    fifo = tmp_path / "hidraw-fifo"
    os.mkfifo(fifo)
    writer = os.open(fifo, os.O_RDWR)
    try:
        proc = start_cli(tmp_path, "pedal", "test", "--device", str(fifo), "--pedal-profile", "vec")
        lines = Lines(proc)
        assert lines.next().startswith("Pédale : VEC")
        os.write(writer, b"\x04\x00")
        assert lines.next().startswith("droite (avance) : appuyée")
        proc.kill()
        proc.wait(10)
    finally:
        os.close(writer)
    done = run_cli(tmp_path, "pedal", "test", "--device", str(fifo), "--pedal-profile", "x")
    assert done.returncode == 1
    assert done.stderr.strip().startswith("Profil de pédale inconnu « x »")
