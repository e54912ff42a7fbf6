"""Model resolution, assembly of the split packaged model (fake and real wheels), loading."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from asr_support import asr_env, packaged_model_dir, real_model

from frappe.asr.model import (
    BASE_MODEL_SHA256,
    BASE_MODEL_SIZE,
    ENV_MODEL,
    ModelChoice,
    assemble_model,
    default_model_dir,
    ensure_packaged_base_model,
    file_sha256,
    find_packaged_model,
    is_complete_model_dir,
    load_model,
    require_faster_whisper,
    resolve_model,
)
from frappe.errors import AsrError

SMALL_FILES = {"config.json": b"{}", "tokenizer.json": b'{"t": 1}', "vocabulary.txt": b"a\nb\n"}


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FRAPPE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv(ENV_MODEL, raising=False)
    return tmp_path / "cache"


# --- resolution -------------------------------------------------------------------------------


def test_default_is_the_packaged_model_in_the_user_cache(cache_dir: Path) -> None:
    choice = resolve_model()
    assert choice == ModelChoice("packaged", str(cache_dir / "models" / "whisper-base"), "default")
    assert default_model_dir() == cache_dir / "models" / "whisper-base"


def test_option_beats_environment_beats_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_model = tmp_path / "env-model"
    env_model.mkdir()
    option_model = tmp_path / "option-model"
    option_model.mkdir()
    monkeypatch.setenv(ENV_MODEL, str(env_model))
    assert resolve_model() == ModelChoice("path", str(env_model), "environment")
    assert resolve_model(str(option_model)) == ModelChoice("path", str(option_model), "option")
    assert resolve_model("small") == ModelChoice("name", "small", "option")


@pytest.mark.parametrize(
    ("spec", "kind"),
    [
        ("small", "name"),
        ("large-v3", "name"),
        ("Systran/faster-whisper-medium", "name"),
        ("base", "packaged"),
    ],
)
def test_names(spec: str, kind: str) -> None:
    assert resolve_model(spec).kind == kind


@pytest.mark.parametrize("spec", ["./nowhere", "/no/such/model", "~/pas-de-modele", "a/b/c", " "])
def test_missing_folders_and_empty_values_are_errors(spec: str) -> None:
    with pytest.raises(AsrError) as info:
        resolve_model(spec)
    assert "\n" not in str(info.value)


def test_a_file_is_not_a_model(tmp_path: Path) -> None:
    file = tmp_path / "model.bin"
    file.write_bytes(b"x")
    with pytest.raises(AsrError, match="pas un dossier"):
        resolve_model(str(file))


def test_environment_names_a_model_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_MODEL, "medium")
    assert resolve_model() == ModelChoice("name", "medium", "environment")
    assert resolve_model().label == "medium"


# --- a fake pair of model wheels --------------------------------------------------------------


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def make_fake_wheels(site: Path, parts: list[bytes], *, prefix: str = "fakemodel") -> list[str]:
    """Install-like folders: ``<pkg>/data/...`` plus a dist-info with METADATA and RECORD."""
    names = []
    for index, part in enumerate(parts, start=1):
        dist = f"{prefix}-part{index}"
        package = f"{prefix}_part{index}"
        files = {f"{package}/data/model.bin.part{index}": part}
        if index == 1:
            files.update({f"{package}/data/{name}": data for name, data in SMALL_FILES.items()})
        info = site / f"{package}-1.0.0.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0.0\n")
        record = []
        for rel, data in files.items():
            path = site / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            record.append(f"{rel},{_record_hash(data)},{len(data)}")
        record.append(f"{info.name}/RECORD,,")
        (info / "RECORD").write_text("\n".join(record) + "\n")
        names.append(dist)
    return names


@pytest.fixture
def fake_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], bytes, Path]:
    parts = [os.urandom(3 << 20), os.urandom((2 << 20) + 123)]
    site = tmp_path / "site"
    names = make_fake_wheels(site, parts)
    monkeypatch.syspath_prepend(str(site))
    return names, b"".join(parts), site


def test_assembly_joins_parts_and_copies_small_files(
    tmp_path: Path, fake_parts: tuple[list[str], bytes, Path]
) -> None:
    names, whole, _ = fake_parts
    model = find_packaged_model(
        tuple(names), size=len(whole), sha256=hashlib.sha256(whole).hexdigest()
    )
    assert [p.path.name for p in model.parts] == ["model.bin.part1", "model.bin.part2"]
    dest = tmp_path / "out"
    assert assemble_model(model, dest) == dest
    assert (dest / "model.bin").read_bytes() == whole
    for name, data in SMALL_FILES.items():
        assert (dest / name).read_bytes() == data
    assert is_complete_model_dir(dest, size=len(whole))
    assert not list(dest.glob(".*"))  # no temporary file left


def test_assembly_is_done_once(tmp_path: Path, fake_parts: tuple[list[str], bytes, Path]) -> None:
    names, whole, _ = fake_parts
    model = find_packaged_model(
        tuple(names), size=len(whole), sha256=hashlib.sha256(whole).hexdigest()
    )
    dest = assemble_model(model, tmp_path / "out")
    stamp = (dest / "model.bin").stat().st_mtime_ns
    time.sleep(0.01)
    assemble_model(model, dest)
    assert (dest / "model.bin").stat().st_mtime_ns == stamp
    assemble_model(model, dest, verify=True)  # re-hashes, still nothing to do
    assert (dest / "model.bin").stat().st_mtime_ns == stamp


def test_verify_rebuilds_a_corrupted_cache(
    tmp_path: Path, fake_parts: tuple[list[str], bytes, Path]
) -> None:
    names, whole, _ = fake_parts
    model = find_packaged_model(
        tuple(names), size=len(whole), sha256=hashlib.sha256(whole).hexdigest()
    )
    dest = assemble_model(model, tmp_path / "out")
    with (dest / "model.bin").open("r+b") as handle:  # same size, one byte flipped
        handle.seek(1000)
        handle.write(bytes([whole[1000] ^ 0xFF]))
    assemble_model(model, dest, verify=True)
    assert (dest / "model.bin").read_bytes() == whole


def test_a_corrupted_part_is_rejected_against_its_record(
    tmp_path: Path, fake_parts: tuple[list[str], bytes, Path]
) -> None:
    names, whole, site = fake_parts
    part2 = site / "fakemodel_part2" / "data" / "model.bin.part2"
    data = bytearray(part2.read_bytes())
    data[42] ^= 0x01  # same size: only the checksum can tell
    part2.write_bytes(bytes(data))
    model = find_packaged_model(
        tuple(names), size=len(whole), sha256=hashlib.sha256(whole).hexdigest()
    )
    dest = tmp_path / "out"
    with pytest.raises(AsrError) as info:
        assemble_model(model, dest)
    message = str(info.value)
    assert (
        "model.bin.part2" in message and "pip install --force-reinstall fakemodel-part2" in message
    )
    assert "\n" not in message
    assert not (dest / "model.bin").exists()
    assert not list(dest.glob(".*.tmp"))


def test_a_truncated_part_is_rejected(
    tmp_path: Path, fake_parts: tuple[list[str], bytes, Path]
) -> None:
    names, whole, site = fake_parts
    part1 = site / "fakemodel_part1" / "data" / "model.bin.part1"
    part1.write_bytes(part1.read_bytes()[:-10])
    model = find_packaged_model(tuple(names), size=len(whole), sha256="0" * 64)
    with pytest.raises(AsrError, match=r"model\.bin\.part1"):
        assemble_model(model, tmp_path / "out")


def test_the_joined_file_must_match_the_published_checksum(
    tmp_path: Path, fake_parts: tuple[list[str], bytes, Path]
) -> None:
    names, whole, _ = fake_parts
    model = find_packaged_model(tuple(names), size=len(whole), sha256="ab" * 32)
    with pytest.raises(AsrError, match="modèle reconstitué invalide"):
        assemble_model(model, tmp_path / "out")
    assert not (tmp_path / "out" / "model.bin").exists()


def test_missing_wheel_says_what_to_install() -> None:
    with pytest.raises(AsrError) as info:
        find_packaged_model(("frappe-no-such-model-part1",))
    assert "pip install 'frappe[asr]'" in str(info.value)


def test_concurrent_assemblies_end_with_one_good_file(
    tmp_path: Path, fake_parts: tuple[list[str], bytes, Path]
) -> None:
    names, whole, _ = fake_parts
    model = find_packaged_model(
        tuple(names), size=len(whole), sha256=hashlib.sha256(whole).hexdigest()
    )
    dest = tmp_path / "out"
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def worker() -> None:
        barrier.wait()
        try:
            assemble_model(model, dest)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert (dest / "model.bin").read_bytes() == whole
    assert not list(dest.glob(".*.tmp"))


def test_concurrent_processes_end_with_one_good_file(
    tmp_path: Path, fake_parts: tuple[list[str], bytes, Path]
) -> None:
    names, whole, site = fake_parts
    dest = tmp_path / "out"
    script = (
        "import sys, hashlib; sys.path.insert(0, sys.argv[1]);"
        "from frappe.asr.model import find_packaged_model, assemble_model;"
        "from pathlib import Path;"
        f"m = find_packaged_model({tuple(names)!r}, size={len(whole)}, "
        f"sha256={hashlib.sha256(whole).hexdigest()!r});"
        "assemble_model(m, Path(sys.argv[2]))"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(site), str(dest)]) for _ in range(3)
    ]
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0]
    assert file_sha256(dest / "model.bin") == hashlib.sha256(whole).hexdigest()


def test_stale_temporary_files_are_cleaned(
    tmp_path: Path, fake_parts: tuple[list[str], bytes, Path]
) -> None:
    names, whole, _ = fake_parts
    model = find_packaged_model(
        tuple(names), size=len(whole), sha256=hashlib.sha256(whole).hexdigest()
    )
    dest = tmp_path / "out"
    dest.mkdir()
    stale = dest / ".model.bin.abandoned.tmp"
    stale.write_bytes(b"partial")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    fresh = dest / ".model.bin.other-process.tmp"
    fresh.write_bytes(b"being written")
    assemble_model(model, dest)
    assert not stale.exists()
    assert fresh.exists()  # another process may still be writing it


# --- optional extra ---------------------------------------------------------------------------


def test_missing_extra_gives_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "faster_whisper", None)  # import now raises ImportError
    with pytest.raises(AsrError) as info:
        require_faster_whisper()
    assert "pip install 'frappe[asr]'" in str(info.value)
    assert "faster-whisper" in str(info.value)
    with pytest.raises(AsrError, match=r"frappe\[asr\]"):
        load_model("small")


def test_frappe_asr_imports_without_faster_whisper() -> None:
    script = (
        "import sys; sys.modules['faster_whisper'] = None; sys.modules['ctranslate2'] = None\n"
        "import frappe.asr, frappe.asr.model, frappe.asr.transcribe, frappe.asr.punctuation\n"
        "import frappe.asr.inject, frappe.cli.asr, frappe.asr.evaluate\n"
        "from frappe.cli.main import main\n"
        "sys.exit(main(['reference', 'nothing.ogg']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "nothing.ogg" in result.stderr


# --- the real packaged model (frappe[asr]) ----------------------------------------------------


@pytest.mark.asr
def test_real_wheels_record_hashes_and_published_checksum() -> None:
    model = find_packaged_model()
    assert len(model.parts) == 2
    assert model.size == BASE_MODEL_SIZE and model.sha256 == BASE_MODEL_SHA256
    folder = packaged_model_dir()
    assert (folder / "model.bin").stat().st_size == BASE_MODEL_SIZE
    assert is_complete_model_dir(folder, size=BASE_MODEL_SIZE)


@pytest.mark.asr
def test_install_model_command_prints_path_and_checksum(tmp_path: Path) -> None:
    source = packaged_model_dir()
    dest = tmp_path / "copy"
    dest.mkdir()
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        (dest / name).write_bytes((source / name).read_bytes())
    os.link(source / "model.bin", dest / "model.bin")  # already assembled: verify only
    result = subprocess.run(
        [sys.executable, "-m", "frappe.cli", "asr", "install-model", "--dest", str(dest)],
        capture_output=True,
        text=True,
        timeout=120,
        env=asr_env(),
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert str(dest) in result.stdout
    assert BASE_MODEL_SHA256 in result.stdout


@pytest.mark.asr
def test_real_model_loads_with_faster_whisper() -> None:
    model = real_model()
    assert type(model.whisper).__name__ == "WhisperModel"
    assert model.cpu_threads == 2 and model.compute_type == "int8"
    assert model.count_tokens(" dyspnée d'effort") > 2


@pytest.mark.asr
def test_default_resolution_assembles_into_the_cache(cache_dir: Path) -> None:
    source = packaged_model_dir()
    dest = default_model_dir()
    dest.mkdir(parents=True)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        (dest / name).write_bytes((source / name).read_bytes())
    os.link(source / "model.bin", dest / "model.bin")  # same bytes, no 145 MB copy
    assert ensure_packaged_base_model() == dest
    model = load_model()
    assert model.name == "whisper-base" and model.choice.origin == "default"


@pytest.mark.asr
def test_model_name_offline_fails_with_guidance() -> None:
    with pytest.raises(AsrError) as info:
        load_model("tiny")  # HF_HUB_OFFLINE=1: no download is even attempted
    message = str(info.value)
    assert "« tiny »" in message and "pip install 'frappe[asr]'" in message
    assert "--model DOSSIER" in message and "\n" not in message


@pytest.mark.asr
def test_broken_model_folder_is_an_asr_error(tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    with pytest.raises(AsrError, match=r"pas de model\.bin"):
        load_model(str(folder))
    (folder / "model.bin").write_bytes(b"not a model")
    (folder / "config.json").write_text("{}")
    with pytest.raises(AsrError, match="modèle illisible"):
        load_model(str(folder))
