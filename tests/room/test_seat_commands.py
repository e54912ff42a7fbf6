"""``frappe room join`` against a real PostgreSQL: the URL is checked then kept in frappe.toml;
a wrong URL, a wrong password, a server down or a database that is not a room are one French
line each, and the settings file is left as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from frappe.cli.main import main
from frappe.settings import load_settings, room_url, settings_path
from support.postgres_server import RoomDatabase


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err.strip()


def test_join_checks_the_room_and_keeps_its_url(
    room_db: RoomDatabase, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FRAPPE_ROOM_URL", raising=False)
    assert room_url() is None  # a lone PC
    assert main(["room", "join", room_db.seat_url, "--seat", "PC-07"]) == 0
    out = capsys.readouterr().out
    host_port = room_db.seat_url.rsplit("@", 1)[1].split("/", 1)[0]
    assert f"Ce poste (PC-07) est relié à la salle {host_port}." in out
    assert "seat-test-pw" not in out  # the password is never printed
    settings = load_settings()
    assert settings.room.url == room_db.seat_url and settings.room.seat == "PC-07"
    assert room_url() == room_db.seat_url
    monkeypatch.setenv("FRAPPE_ROOM_URL", "postgresql://autre@h/db")
    assert room_url() == "postgresql://autre@h/db"  # the environment wins for a session


@pytest.mark.parametrize(
    ("make_url", "expected"),
    [
        (lambda db: "http://salle:5433/frappe", "adresse de serveur de salle invalide"),
        (
            lambda db: db.seat_url.replace("seat-test-pw", "mauvais"),
            "identifiant ou mot de passe refusé",
        ),
        (lambda db: "postgresql://frappe_seat:x@127.0.0.1:9/frappe", "injoignable"),
        (
            lambda db: db.seat_url.rsplit("/", 1)[0] + "/postgres",
            "n'est pas un serveur de salle frappe",
        ),
    ],
    ids=["not-postgresql", "wrong-password", "server-down", "not-a-room"],
)
def test_join_refuses_in_one_line_and_keeps_the_settings(
    room_db: RoomDatabase,
    capsys: pytest.CaptureFixture[str],
    make_url: object,
    expected: str,
) -> None:
    url = make_url(room_db)  # type: ignore[operator]
    assert main(["room", "join", url]) == 1
    message = one_line_error(capsys)
    assert message.startswith("frappe : ") and expected in message
    assert not settings_path().exists()


def test_take_on_a_lone_pc_says_to_join_first(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("FRAPPE_ROOM_URL", raising=False)
    assert main(["room", "take", "--candidate", "Martin Claire"]) == 1
    assert "frappe room join" in one_line_error(capsys)
