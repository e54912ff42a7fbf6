"""Named exam presets: a trainer's configuration of an admission test, saved as TOML.

One file per preset in ``<user config dir>/presets/<slug>.toml``::

    name = "Admission septembre"
    text = "t04-lettre-admission-ssr"
    duration_s = 600
    backspace_allowed = false
    profile = "frappe"
    min_speed = 25.0
    max_error_rate = 0.05
    live_feedback = false
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Annotated, Any

import msgspec

from frappe.durations import EXAM_MAX_S, EXAM_MIN_S
from frappe.errors import ConfigError, ExerciseError, ProfileError
from frappe.locations import user_config_dir
from frappe.scoring.profiles import ScoringProfile, scoring_profile
from frappe.storage.files import write_atomic
from frappe.textio import slugify
from frappe.validation import convert, read_toml_file, toml_value

__all__ = [
    "MAX_EXAM_S",
    "MIN_EXAM_S",
    "ExamPreset",
    "PresetFile",
    "default_presets_dir",
    "delete_preset",
    "list_presets",
    "load_preset",
    "preset_path",
    "save_preset",
]

MIN_EXAM_S = EXAM_MIN_S
MAX_EXAM_S = EXAM_MAX_S
# Words per minute (or the profile's unit): above anything a human types.
MAX_MIN_SPEED = 500.0


def default_presets_dir() -> Path:
    """``<user config dir>/presets``."""
    return user_config_dir() / "presets"


@dataclass(frozen=True, slots=True)
class ExamPreset:
    """An exam configuration.

    Attributes:
        name: Name shown to the trainer.
        text: Bundled text id or path of a text file.
        duration_s: Time limit, 1 to 30 minutes.
        backspace_allowed: Whether the candidate may erase.
        profile: Scoring profile name.
        min_speed: Minimum speed to pass (profile unit); None keeps the profile's.
        max_error_rate: Maximum faults per word to pass (0.05 = 5 %); None keeps the profile's.
        live_feedback: Whether errors are shown while typing (usually off in an exam).
    """

    name: str
    text: str
    duration_s: float = 600.0
    backspace_allowed: bool = True
    profile: str = "frappe"
    min_speed: float | None = None
    max_error_rate: float | None = None
    live_feedback: bool = False

    def validate(self) -> None:
        """ExerciseError/ProfileError with the first problem."""
        if not self.name.strip():
            raise ExerciseError("le préréglage doit avoir un nom")
        if not self.text.strip():
            raise ExerciseError(f"préréglage « {self.name} » : texte manquant")
        if not MIN_EXAM_S <= self.duration_s <= MAX_EXAM_S:  # NaN is not in range either
            raise ExerciseError(
                f"préréglage « {self.name} » : durée de {self.duration_s:g} s hors de "
                "1 à 30 minutes"
            )
        if self.min_speed is not None and self.min_speed < 0:
            raise ExerciseError(f"préréglage « {self.name} » : vitesse minimale négative")
        if self.min_speed is not None and not 0 <= self.min_speed <= MAX_MIN_SPEED:
            raise ExerciseError(  # NaN included: it is in no range
                f"préréglage « {self.name} » : vitesse minimale hors de 0 à {MAX_MIN_SPEED:g}"
            )
        if self.max_error_rate is not None and not 0 <= self.max_error_rate <= 1:
            raise ExerciseError(
                f"préréglage « {self.name} » : taux d'erreurs maximal hors de 0 à 1"
            )
        scoring_profile(self.profile)

    def scoring_profile(self) -> ScoringProfile:
        """The scoring profile with this exam's pass thresholds."""
        return scoring_profile(self.profile).with_pass_rule(
            min_speed=self.min_speed, max_error_rate=self.max_error_rate
        )

    def to_toml(self) -> str:
        """The TOML document (None values left out)."""
        lines = []
        for item in fields(self):
            value = getattr(self, item.name)
            if value is not None:
                lines.append(f"{item.name} = {toml_value(value)}")
        return "\n".join(lines) + "\n"

    @classmethod
    def from_mapping(cls, data: dict[str, Any], where: str) -> ExamPreset:
        """Build from parsed TOML (checked against ``PresetFile``); ExerciseError names the
        file and the field."""
        try:
            raw = convert(data, PresetFile, source=where)
        except ConfigError as error:
            raise ExerciseError(error.message) from error
        preset = cls(
            name=raw.name,
            text=raw.text,
            duration_s=raw.duration_s,
            backspace_allowed=raw.backspace_allowed,
            profile=raw.profile,
            min_speed=raw.min_speed,
            max_error_rate=raw.max_error_rate,
            live_feedback=raw.live_feedback,
        )
        try:
            preset.validate()
        except (ExerciseError, ProfileError) as error:
            raise ExerciseError(f"{where} : {error}") from error
        return preset


class PresetFile(msgspec.Struct, forbid_unknown_fields=True):
    """The schema of a preset file: every number finite and in its range (``min_speed = nan``
    or a table where a text is expected are refused), keys known."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=4096)]
    duration_s: Annotated[float, msgspec.Meta(ge=MIN_EXAM_S, le=MAX_EXAM_S)] = 600.0
    backspace_allowed: bool = True
    profile: Annotated[str, msgspec.Meta(min_length=1, max_length=100)] = "frappe"
    min_speed: Annotated[float, msgspec.Meta(ge=0, le=MAX_MIN_SPEED)] | None = None
    max_error_rate: Annotated[float, msgspec.Meta(ge=0, le=1)] | None = None
    live_feedback: bool = False


def preset_path(name: str, folder: Path | None = None) -> Path:
    """Where a preset of this name is stored."""
    return (folder or default_presets_dir()) / f"{slugify(name, limit=60, empty='preset')}.toml"


def save_preset(preset: ExamPreset, folder: Path | None = None) -> Path:
    """Validate and write a preset (replacing one of the same name); its path."""
    preset.validate()
    path = preset_path(preset.name, folder)
    write_atomic(path, preset.to_toml().encode("utf-8"), mode=0o644)
    return path


def _read(path: Path) -> ExamPreset:
    try:
        raw = read_toml_file(path, PresetFile)
    except ConfigError as error:
        raise ExerciseError(error.message) from error
    return ExamPreset.from_mapping(msgspec.to_builtins(raw), str(path))


def list_presets(folder: Path | None = None) -> tuple[list[ExamPreset], list[str]]:
    """Presets sorted by name, and one message per unreadable file."""
    folder = folder or default_presets_dir()
    presets: list[ExamPreset] = []
    problems: list[str] = []
    if not folder.is_dir():
        return presets, problems
    for path in sorted(folder.glob("*.toml")):
        try:
            presets.append(_read(path))
        except ExerciseError as error:
            problems.append(str(error))
    presets.sort(key=lambda p: p.name.casefold())
    return presets, problems


def load_preset(name: str, folder: Path | None = None) -> ExamPreset:
    """A preset by name (or file stem)."""
    path = preset_path(name, folder)
    if not path.exists():
        presets, _ = list_presets(folder)
        for preset in presets:
            if preset.name.casefold() == name.casefold():
                return preset
        known = ", ".join(p.name for p in presets) or "aucun"
        raise ExerciseError(f"préréglage inconnu « {name} » (connus : {known})")
    return _read(path)


def _stored_path(name: str, folder: Path | None) -> Path:
    """The file of the preset called ``name``: its slug's, or (saved before « œ » and « æ »
    were spelt out in slugs: « Sœur » in ``sur.toml``) the file holding that name."""
    path = preset_path(name, folder)
    folder = folder or default_presets_dir()
    if path.exists() or not folder.is_dir():
        return path
    for other in sorted(folder.glob("*.toml")):
        try:
            if _read(other).name.casefold() == name.casefold():
                return other
        except ExerciseError:
            continue
    return path


def delete_preset(name: str, folder: Path | None = None) -> Path:
    """Remove a preset file at the trainer's request; its former path."""
    path = _stored_path(name, folder)
    try:
        path.unlink()
    except FileNotFoundError as error:
        raise ExerciseError(f"préréglage inconnu « {name} »") from error
    except OSError as error:
        raise ExerciseError(f"{path} : suppression impossible ({error.strerror})") from error
    return path
