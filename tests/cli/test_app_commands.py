"""The app's subcommands: texts, history, resume --list/--close, typing argument errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from frappe.cli.main import main
from frappe.errors import FrappeError
from frappe.exercises.record import Candidate, RecordSettings, ResultRecord
from frappe.exercises.session import Session, SessionConfig
from frappe.locations import user_data_dir
from frappe.runs.typing import save_result
from frappe.scoring import scoring_profile
from frappe.storage.files import read_record
from frappe.storage.journal import JournalHeader, create_journal, unfinished_journals
from support.fakes import FakeClock


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")


def test_texts_lists_the_bundled_texts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["texts"]) == 0
    out = capsys.readouterr().out
    assert "t01-convocation-consultation" in out
    assert "Caractères" in out and "Niveau" in out


def _crashed_journal(tmp_path: Path) -> Path:
    from datetime import UTC, datetime  # noqa: PLC0415

    config = SessionConfig(
        candidate=Candidate("Martin Claire"),
        exercise_id="t01",
        exercise_title="Essai",
        reference="Le patient va bien.",
        settings=RecordSettings(600.0, True, scoring_profile()),
    )
    header = JournalHeader(
        "cafe0001", datetime.now(UTC), config, "exam", str(tmp_path / "res"), str(tmp_path / "h.db")
    )
    journal = create_journal(header, user_data_dir() / "journals")
    clock = FakeClock()
    session = Session(config, clock=clock, listener=journal)
    for char in "Le pat":
        clock.advance(0.3)
        session.press("space" if char == " " else char, char)
    journal.close()
    return journal.path


def test_resume_list_and_close(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _crashed_journal(tmp_path)
    assert main(["resume", "--list"]) == 0
    out = capsys.readouterr().out
    assert str(path) in out and "6 car. tapés" in out
    assert main(["resume", "--close"]) == 0
    out = capsys.readouterr().out
    assert "Clos" in out
    [result] = (tmp_path / "res").glob("*.json")
    record = read_record(result)
    assert record.end_reason == "interrupted" and record.typed == "Le pat"
    assert unfinished_journals() == []
    assert main(["resume", "--list"]) == 0
    assert "Aucun test ni dictée non terminé" in capsys.readouterr().out


def test_history_command(
    tmp_path: Path, make_record: Callable[..., ResultRecord], capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "h.db"
    save_result(make_record(), results_dir=tmp_path / "r", db_path=db)
    save_result(make_record(candidate="Bernard Paul"), results_dir=tmp_path / "r", db_path=db)
    assert main(["history", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "Martin Claire" in out and "Bernard Paul" in out
    assert main(["history", "--db", str(db), "--candidate", "bernard paul"]) == 0
    out = capsys.readouterr().out
    assert "Bernard Paul" in out and "Martin Claire" not in out


def test_history_command_on_a_damaged_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "h.db"
    db.write_bytes(b"x" * 5000)
    assert main(["history", "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert "endommagée" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--text", "t01", "--duration", "2s"], "durée de 2 s : choisissez entre 1 et 30 minutes"),
        (["--text", "t01", "--duration", "45"], "durée de 45 min 00 s : choisissez entre 1 et 30"),
        (["--text", "t01", "--duration", "31m"], "choisissez entre 1 et 30 minutes"),
        (["--text", "t01", "--duration", "dix"], "durée illisible"),
        (["--text", "nope", "--duration", "5m"], "texte inconnu"),
        (["--text", "t01", "--profile", "nope"], "profil de notation inconnu"),
    ],
)
def test_typing_argument_errors_are_one_line(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["typing", "--candidate", "Martin Claire", *args]) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_durations_accepted() -> None:
    from frappe.durations import parse_duration  # noqa: PLC0415

    assert [parse_duration(d) for d in ("90s", "5m", "10m", "1m30s")] == [90, 300, 600, 90]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("10", 600), ("1,5", 90), ("1m30", 90), ("1h30", 5400), ("0", 0), (" 5 ", 300)],
)
def test_a_bare_number_is_minutes_never_seconds(text: str, seconds: float) -> None:
    from frappe.durations import parse_duration  # noqa: PLC0415

    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["30s5", "1m30s15", "dix"])
def test_a_number_that_could_be_read_two_ways_is_refused(text: str) -> None:
    from frappe.durations import parse_duration  # noqa: PLC0415

    with pytest.raises(FrappeError, match="durée illisible"):
        parse_duration(text)


def test_frappe_typing_takes_a_bare_number_as_minutes_and_the_setup_forms_bounds() -> None:
    from frappe.durations import parse_exam_duration  # noqa: PLC0415

    assert parse_exam_duration("10") == 600
    assert parse_exam_duration("30") == 1800
    for text in ("20s", "59s", "31", "2h"):
        with pytest.raises(FrappeError, match="choisissez entre 1 et 30 minutes"):
            parse_exam_duration(text)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["typing"], "arguments obligatoires manquants : --text, --candidate"),
        (["typing", "--candidate", "A", "--text"], "argument --text : une valeur est attendue"),
        (["score", "x", "--format", "xml"], "choix invalide : 'xml'"),
        (["typing", "--text", "t01", "--candidate", "A", "--bogus"], "arguments non reconnus"),
    ],
)
def test_usage_errors_are_in_french_on_one_line(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        main(args)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert "the following" not in err and "expected" not in err and "invalid choice" not in err


def test_help_is_in_french(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["typing", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("usage : frappe typing")
    assert "afficher cette aide et quitter" in out and "show this help" not in out
