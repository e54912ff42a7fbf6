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

import re
import tomllib
import unicodedata
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from frappe.durations import EXAM_MAX_S, EXAM_MIN_S
from frappe.errors import ExerciseError, ProfileError
from frappe.locations import user_config_dir
from frappe.scoring.profiles import ScoringProfile, scoring_profile
from frappe.storage.files import write_atomic

__all__ = [
    "MAX_EXAM_S",
    "MIN_EXAM_S",
    "ExamPreset",
    "default_presets_dir",
    "delete_preset",
    "list_presets",
    "load_preset",
    "preset_path",
    "save_preset",
]

MIN_EXAM_S = EXAM_MIN_S
MAX_EXAM_S = EXAM_MAX_S


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
        if not MIN_EXAM_S <= self.duration_s <= MAX_EXAM_S:
            raise ExerciseError(
                f"préréglage « {self.name} » : durée de {self.duration_s:g} s hors de "
                "1 à 30 minutes"
            )
        if self.min_speed is not None and self.min_speed < 0:
            raise ExerciseError(f"préréglage « {self.name} » : vitesse minimale négative")
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
                lines.append(f"{item.name} = {_toml_value(value)}")
        return "\n".join(lines) + "\n"

    @classmethod
    def from_mapping(cls, data: dict[str, Any], where: str) -> ExamPreset:
        """Build from parsed TOML; ExerciseError names the file and the problem."""
        known = {item.name for item in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ExerciseError(f"{where} : clés inconnues : {', '.join(sorted(unknown))}")
        try:
            preset = cls(
                name=str(data["name"]),
                text=str(data["text"]),
                duration_s=float(data.get("duration_s", 600.0)),
                backspace_allowed=_bool(data.get("backspace_allowed", True)),
                profile=str(data.get("profile", "frappe")),
                min_speed=_optional_float(data.get("min_speed")),
                max_error_rate=_optional_float(data.get("max_error_rate")),
                live_feedback=_bool(data.get("live_feedback", False)),
            )
        except KeyError as error:
            raise ExerciseError(f"{where} : clé « {error.args[0]} » manquante") from error
        except (TypeError, ValueError) as error:
            raise ExerciseError(f"{where} : valeur invalide ({error})") from error
        try:
            preset.validate()
        except (ExerciseError, ProfileError) as error:
            raise ExerciseError(f"{where} : {error}") from error
        return preset


def _bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    raise ValueError(f"booléen attendu (true/false), trouvé {value!r}")


def _optional_float(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"nombre attendu, trouvé {value!r}")
    return float(value)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(float(value)) if isinstance(value, float) else str(value)
    text = str(value)
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in escaped)
    return f'"{escaped}"'


def _slug(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:60] or "preset"


def preset_path(name: str, folder: Path | None = None) -> Path:
    """Where a preset of this name is stored."""
    return (folder or default_presets_dir()) / f"{_slug(name)}.toml"


def save_preset(preset: ExamPreset, folder: Path | None = None) -> Path:
    """Validate and write a preset (replacing one of the same name); its path."""
    preset.validate()
    path = preset_path(preset.name, folder)
    write_atomic(path, preset.to_toml().encode("utf-8"), mode=0o644)
    return path


def _read(path: Path) -> ExamPreset:
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ExerciseError(f"{path} : préréglage illisible ({error})") from error
    return ExamPreset.from_mapping(data, str(path))


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


def delete_preset(name: str, folder: Path | None = None) -> Path:
    """Remove a preset file at the trainer's request; its former path."""
    path = preset_path(name, folder)
    try:
        path.unlink()
    except FileNotFoundError as error:
        raise ExerciseError(f"préréglage inconnu « {name} »") from error
    except OSError as error:
        raise ExerciseError(f"{path} : suppression impossible ({error.strerror})") from error
    return path
