"""Shared fixtures: isolated user folders, and result records built like the app builds them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import settings

from frappe.exercises.record import Candidate, RecordSettings, ResultRecord
from frappe.scoring import Keystroke, scoring_profile
from support.records import RecordFactory

# A real PostgreSQL (room mode): the postgres_server / room_db fixtures; a real full disk:
# the full_disk fixture.
pytest_plugins = ["support.postgres_server", "support.full_disk"]

# Property tests assert results, never speed: the suite shares 2 cores with whatever else runs
# (CI, other checkouts), and hypothesis' default 200 ms deadline turned load into failures.
# Timing claims live in benchmarks/.
settings.register_profile("frappe", deadline=None)
settings.load_profile("frappe")


@pytest.fixture(autouse=True)
def isolated_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """No test reads or writes the real user's history, presets or caches."""
    base = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("FRAPPE_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("FRAPPE_CONFIG_DIR", str(base / "config"))
    yield


def typed_log(text: str, *, step_ms: int = 180) -> list[Keystroke]:
    """A keystroke log that types ``text`` in order, one key every ``step_ms``."""
    return [Keystroke(i * step_ms, ch, "insert", i, ch) for i, ch in enumerate(text)]


@pytest.fixture
def make_record() -> RecordFactory:
    def build(
        reference: str = "Le patient est sorti ce matin. Il va bien.",
        typed: str = "Le patient est sorti ce matn. Il va",
        *,
        candidate: str = "Martin Claire",
        duration_s: float = 60.0,
        profile: str = "frappe",
        kind: str = "typing",
        with_log: bool = True,
    ) -> ResultRecord:
        started = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
        return ResultRecord(
            kind=kind,  # type: ignore[arg-type]
            candidate=Candidate(candidate, "C-001"),
            exercise_id="t01-test",
            exercise_title="Test",
            reference=reference,
            typed=typed,
            started_at=started,
            ended_at=started + timedelta(seconds=duration_s),
            duration_s=duration_s,
            end_reason="timeout",
            settings=RecordSettings(
                time_limit_s=duration_s, backspace_allowed=True, profile=scoring_profile(profile)
            ),
            keystrokes=tuple(typed_log(typed)) if with_log else (),
            events=({"t_ms": 500, "type": "paste_refused", "chars": 12},),
        )

    return build


@pytest.fixture
def write_json(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    def write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
        return path

    return write
