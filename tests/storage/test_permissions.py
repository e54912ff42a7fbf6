"""Files readable only by whom they concern (issue 14 §5), under umask 000 and 022: data
folders 0700 (results, practice, journals, archive, the history's folder, the trainers'
corpus and its exercises), result, journal and history files 0600, the trainers' answer keys
(reference, draft, timings, review, exercise.toml, recording) 0600, ``--output`` files 0600."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from frappe.asr.reference import job_for_dictation, write_text_atomic
from frappe.asr.transcribe import Draft, DraftWord, write_timings
from frappe.cli.main import main
from frappe.exercises.record import Candidate
from frappe.exercises.texts import Text
from frappe.locations import user_data_dir
from frappe.private_files import private_dir, write_private, write_private_new
from frappe.runs.authoring import (
    REVIEW_FILE,
    NewExercise,
    accept_reference,
    create_exercise,
    save_review,
)
from frappe.runs.common import StoragePaths
from frappe.runs.typing import TypingSpec, start_test
from frappe.scoring import scoring_profile
from support.fakes import FakeClock

CLIP = Path(__file__).resolve().parents[1] / "asr" / "data" / "clip.ogg"
TEXT = Text(id="t-droits", title="Droits", level=1, theme="test", body="Le patient va bien.")


@pytest.fixture(params=[0o000, 0o022], ids=["umask000", "umask022"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def finished_test(storage: StoragePaths, mode_name: str = "exam") -> Path:
    clock = FakeClock(10.0)
    spec = TypingSpec(
        Candidate("Martin Claire"),
        TEXT,
        60.0,
        True,
        scoring_profile(),
        False,
        mode_name,  # type: ignore[arg-type]
    )
    running = start_test(spec, storage, clock=clock)
    for char in TEXT.body[:8]:
        clock.now += 0.2
        running.session.press("space" if char == " " else char, char)
    running.session.stop()
    saved = running.save()
    assert saved.history_error is None
    return saved.path


@pytest.mark.usefixtures("umask")
def test_results_journals_and_history_are_private() -> None:
    data = user_data_dir()  # isolated per test, not created yet
    storage = StoragePaths.default()
    exam = finished_test(storage)
    practice = finished_test(storage, "practice")
    running = start_test(
        TypingSpec(Candidate("Durand Léa"), TEXT, 60.0, True, scoring_profile(), False),
        storage,
        clock=FakeClock(10.0),
    )
    live_journal = running.journal.path
    try:
        folders = [
            data,
            storage.results_dir,
            storage.results_dir / "practice",
            storage.journal_dir,
            storage.journal_dir / "archive",
            storage.db_path.parent,
        ]
        assert {str(f): oct(mode(f)) for f in folders} == {str(f): "0o700" for f in folders}
        files = [
            exam,
            practice,
            live_journal,
            *sorted((storage.journal_dir / "archive").glob("*.jsonl")),
            *sorted(storage.db_path.parent.glob("history.sqlite3*")),
        ]
        assert len(files) >= 6
        assert {str(f): oct(mode(f)) for f in files} == {str(f): "0o600" for f in files}
    finally:
        running.journal.close()


@pytest.mark.usefixtures("umask")
def test_the_trainers_corpus_is_private(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus" / "formateurs"
    created = create_exercise(
        NewExercise(CLIP, "Lettre de Mme Durand", "lettre", True, ("pneumopathie",)),
        corpus,
    )
    save_review(created, "Relecture en cours.")
    review = created.folder / REVIEW_FILE
    assert mode(review) == 0o600
    accept_reference(created, "Première référence.")
    accept_reference(created, "Référence relue.")  # the first one goes to the backup
    job = job_for_dictation(created)
    write_text_atomic(job.draft, "Brouillon.\n")
    write_timings(
        Draft("Objet", (DraftWord("Objet", 0.0, 0.4, 0.9),), 2.0, "fr", "x", 0.1), job.timings
    )
    folders = [tmp_path / "corpus", corpus, created.folder]
    assert {str(f): oct(mode(f)) for f in folders} == {str(f): "0o700" for f in folders}
    files = sorted(p for p in created.folder.iterdir() if p.is_file())
    names = {p.name for p in files}
    assert {
        "exercise.toml",
        "reference.txt",
        "reference.txt.bak",
        "draft.txt",
        "timings.json",
    } <= names
    assert any(p.name.startswith("audio") for p in files)
    assert {p.name: oct(mode(p)) for p in files} == {p.name: "0o600" for p in files}


@pytest.mark.usefixtures("umask")
def test_output_files_are_private(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = finished_test(StoragePaths.default())
    for fmt in ("json", "csv", "table"):
        output = tmp_path / "sorties" / f"notes.{fmt}"
        output.parent.mkdir(exist_ok=True)
        assert main(["score", str(result), "--format", fmt, "--output", str(output)]) == 0
        assert mode(output) == 0o600, fmt
    report = tmp_path / "sorties" / "compte-rendu.md"
    assert main(["report", str(result), "--output", str(report)]) == 0
    assert mode(report) == 0o600
    db = str(StoragePaths.default().db_path)
    for fmt in ("xlsx", "csv", "pdf"):
        export = tmp_path / "sorties" / f"suivi.{fmt}"
        assert main(["suivi", "export", "--format", fmt, "--output", str(export), "--db", db]) == 0
        assert mode(export) == 0o600, fmt
    capsys.readouterr()


@pytest.mark.usefixtures("umask")
def test_the_helpers_never_widen_and_never_overwrite(tmp_path: Path) -> None:
    deep = private_dir(tmp_path / "a" / "b" / "c")
    assert [oct(mode(p)) for p in (tmp_path / "a", tmp_path / "a" / "b", deep)] == ["0o700"] * 3
    shared = tmp_path / "partage"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    private_dir(shared)
    assert mode(shared) == 0o755  # an existing folder is the centre's choice
    write_private(shared / "x.json", b"1")
    first = write_private_new(shared / "r.json", b"premier")
    second = write_private_new(shared / "r.json", b"second")
    assert (first.name, second.name) == ("r.json", "r-2.json")
    assert first.read_bytes() == b"premier" and second.read_bytes() == b"second"
    assert {oct(mode(p)) for p in (shared / "x.json", first, second)} == {"0o600"}
    assert sorted(p.name for p in shared.iterdir()) == ["r-2.json", "r.json", "x.json"]
