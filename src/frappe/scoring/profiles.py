"""Scoring and normalisation profiles, read from data (``profiles.toml``).

A profile is a plain, frozen set of constants. ``ScoringProfile.to_dict()`` is what a scored
result stores, and ``ScoringProfile.from_dict()`` rebuilds the very same profile from it, so an
old result is re-scored with the constants it was first scored with.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import msgspec

from frappe.errors import ConfigError, InputFileError, ProfileError
from frappe.scoring.classify import ERROR_CLASSES, ScoringError
from frappe.scoring.normalize import NormalizationProfile, strip_accents, strip_punctuation
from frappe.textio import decode_text, read_file_bytes
from frappe.validation import describe_validation_error, load_toml

__all__ = [
    "DEFAULT_PROFILE",
    "MarkRule",
    "ScoringProfile",
    "load_profiles",
    "normalization_profile",
    "normalization_profiles",
    "scoring_profile",
    "scoring_profiles",
]

DEFAULT_PROFILE = "frappe"

MarkFormula = Literal["speed", "errors", "faults"]


@dataclass(frozen=True, slots=True)
class MarkRule:
    """How the mark out of 20 is computed.

    Attributes:
        formula: ``speed``: 20 × min(1, speed / full_mark_speed); ``errors``:
            max(0, base − slope × error %); ``faults``: max(0, base − per_fault × faults).
        full_mark_speed: Speed (profile unit) that earns 20/20 with ``speed``.
        base: Starting mark for ``errors`` and ``faults``.
        slope: Points lost per percent of faulty words with ``errors``.
        per_fault: Points lost per fault with ``faults``.
        error_basis: What the error % of ``errors`` is counted on: ``strokes`` (faults per 100
            frappes brutes) or ``words`` (faults per 100 reference words reached).
    """

    formula: MarkFormula = "speed"
    full_mark_speed: float = 40.0
    base: float = 20.0
    slope: float = 16.0
    per_fault: float = 1.0
    error_basis: Literal["strokes", "words"] = "strokes"


@dataclass(frozen=True, slots=True)
class ScoringProfile:
    """The constants of one way of scoring a typing test or a transcription.

    Attributes:
        name: Identifier (``frappe``, ``traditionnel``…).
        description: One sentence for trainers, in French.
        normalization: The normalisation profile applied before comparing.
        strokes_per_word: 6 (French *mot*) or 5 (international word).
        fault_penalty: Strokes removed per fault (frappes nettes = brutes − penalty × fautes).
        max_one_fault_per_word: Several errors in one word count as one fault.
        group_omissions: A run of omitted or added words counts as one fault.
        capital_strokes: Strokes counted for a capital letter.
        altgr_strokes: Strokes counted for a character typed with AltGr on AZERTY.
        speed_unit: Unit label of the speed (``mots/min``, ``WPM``).
        speed_basis: ``net`` (after penalties) or ``gross``.
        pass_min_speed: Minimum speed to pass, in ``speed_unit``.
        pass_max_error_rate: Maximum faults per reference word reached to pass.
        mark: How the mark out of 20 is computed.
        class_weights: Fault weight per error class (1 when absent).
        detail_weights: Fault weight per error detail, overriding the class weight.
        full_fault_accents: Word pairs whose accent difference, either way round, is a full
            fault whatever the ``accent`` weight: the grammatical accents of a dictée barème
            (à/a, où/ou, là/la, dû/du, sûr/sur, a conjugation circumflex as fût/fut).
            Compared without case and surrounding punctuation.
    """

    name: str
    normalization: NormalizationProfile
    description: str = ""
    strokes_per_word: int = 6
    fault_penalty: float = 10.0
    max_one_fault_per_word: bool = True
    group_omissions: bool = True
    capital_strokes: int = 1
    altgr_strokes: int = 1
    speed_unit: str = "mots/min"
    speed_basis: Literal["net", "gross"] = "net"
    pass_min_speed: float = 25.0
    pass_max_error_rate: float = 0.05
    mark: MarkRule = field(default_factory=MarkRule)
    class_weights: Mapping[str, float] = field(default_factory=dict)
    detail_weights: Mapping[str, float] = field(default_factory=dict)
    full_fault_accents: tuple[tuple[str, str], ...] = ()

    def weight(self, error_class: str, detail: str | None) -> float:
        """Fault weight of one error of this class and detail."""
        if detail is not None and detail in self.detail_weights:
            return self.detail_weights[detail]
        return self.class_weights.get(error_class, 1.0)

    def error_weight(self, error: ScoringError) -> float:
        """Fault weight of one error: by class and detail, except an accent error on a word
        pair of ``full_fault_accents``, which is a full fault."""
        if (
            error.error_class == "accent"
            and self.full_fault_accents
            and _accent_pair(error.ref, error.hyp) in _pair_set(self.full_fault_accents)
        ):
            return 1.0
        return self.weight(error.error_class, error.detail)

    def with_pass_rule(
        self, *, min_speed: float | None = None, max_error_rate: float | None = None
    ) -> ScoringProfile:
        """A copy with an exam's own pass/fail thresholds."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        if min_speed is not None:
            values["pass_min_speed"] = min_speed
        if max_error_rate is not None:
            values["pass_max_error_rate"] = max_error_rate
        return ScoringProfile(**values)

    def to_dict(self) -> dict[str, Any]:
        """Everything needed to rebuild this profile, for storage in a result record."""
        data = asdict(self)
        data["class_weights"] = dict(self.class_weights)
        data["detail_weights"] = dict(self.detail_weights)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScoringProfile:
        """Rebuild a profile stored by ``to_dict``; raises ProfileError (one line naming the
        field) when malformed or out of the documented ranges."""
        profile = _convert(data, "profil de notation invalide")
        _validate(profile)
        return profile


def _accent_pair(ref: str, hyp: str) -> tuple[str, str]:
    return strip_punctuation(ref).strip().lower(), strip_punctuation(hyp).strip().lower()


@lru_cache(maxsize=16)
def _pair_set(pairs: tuple[tuple[str, str], ...]) -> frozenset[tuple[str, str]]:
    """The pairs as compared (lower case, no punctuation), both ways round."""
    found: set[tuple[str, str]] = set()
    for first, second in pairs:
        found.add(_accent_pair(first, second))
        found.add(_accent_pair(second, first))
    return frozenset(found)


# Documented ranges (README, « Profils de notation ») of the numeric constants: beyond them a
# profile is a typo or an edit meant to inflate marks (a mark base of 1e9, a full-mark speed of
# 0.001). Weights are between 0 and 10 (1 = one fault).
_RANGES: dict[str, tuple[float, float]] = {
    "strokes_per_word": (1, 20),
    "fault_penalty": (0, 1000),
    "capital_strokes": (1, 10),
    "altgr_strokes": (1, 10),
    "pass_min_speed": (0, 1000),
    "pass_max_error_rate": (0, 1),
    "mark.full_mark_speed": (1, 1000),
    "mark.base": (0, 20),
    "mark.slope": (0, 1000),
    "mark.per_fault": (0, 20),
}
_MAX_WEIGHT = 10.0
_MAX_LABEL_CHARS = 2000


def _convert(data: Mapping[str, Any], context: str) -> ScoringProfile:
    """``data`` as a ScoringProfile, typed by msgspec from the dataclasses themselves (a field
    added to them is checked with no change here); unknown keys are refused."""
    known = {f.name for f in fields(ScoringProfile)}
    unknown = sorted(set(data) - known) if isinstance(data, Mapping) else []
    if not unknown and isinstance(data, Mapping) and isinstance(data.get("mark"), Mapping):
        mark_known = {f.name for f in fields(MarkRule)}
        unknown = [f"mark.{key}" for key in sorted(set(data["mark"]) - mark_known)]
    if unknown:
        raise ProfileError(f"{context} : champ inconnu {unknown[0]}")
    try:
        return msgspec.convert(data, ScoringProfile, strict=True)
    except msgspec.ValidationError as error:
        raise ProfileError(f"{context} : {describe_validation_error(error)}") from error


def _range_problems(profile: ScoringProfile) -> list[str]:
    """Numbers that are not finite or out of their documented range, by field."""
    problems: list[str] = []
    for name, (low, high) in _RANGES.items():
        owner: object = profile.mark if name.startswith("mark.") else profile
        value = getattr(owner, name.removeprefix("mark."))
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if not math.isfinite(value):
            problems.append(f"champ {name} : nombre fini attendu")
        elif not low <= value <= high:
            problems.append(f"champ {name} : {value:g} hors de [{low:g}, {high:g}]")
    for table in ("class_weights", "detail_weights"):
        for key, weight in getattr(profile, table).items():
            if not math.isfinite(weight) or not 0 <= weight <= _MAX_WEIGHT:
                problems.append(f"champ {table}.{key} : poids entre 0 et {_MAX_WEIGHT:g} attendu")
    for name in ("name", "description", "speed_unit"):
        if len(getattr(profile, name)) > _MAX_LABEL_CHARS:
            problems.append(f"champ {name} : texte trop long")
    return problems


def _validate(profile: ScoringProfile) -> None:
    problems = _range_problems(profile)
    if profile.strokes_per_word <= 0:
        problems.append("strokes_per_word doit être > 0")
    if profile.fault_penalty < 0:
        problems.append("fault_penalty doit être ≥ 0")
    if profile.mark.formula not in ("speed", "errors", "faults"):
        problems.append(f"formule de note inconnue : {profile.mark.formula!r}")
    if profile.mark.formula == "speed" and profile.mark.full_mark_speed <= 0:
        problems.append("full_mark_speed doit être > 0")
    if profile.mark.error_basis not in ("strokes", "words"):
        problems.append(f"error_basis inconnu : {profile.mark.error_basis!r}")
    if profile.speed_basis not in ("net", "gross"):
        problems.append(f"speed_basis inconnu : {profile.speed_basis!r}")
    for first, second in profile.full_fault_accents:
        if strip_accents(first).lower() != strip_accents(second).lower() or first == second:
            problems.append(
                f"champ full_fault_accents : « {first} » / « {second} » ne diffèrent pas "
                "seulement par un accent"
            )
            break
    unknown = set(profile.class_weights) - set(ERROR_CLASSES)
    if unknown:
        problems.append(f"classes d'erreur inconnues : {', '.join(sorted(unknown))}")
    if problems:
        raise ProfileError(f"profil « {profile.name} » invalide : " + " ; ".join(problems))


@dataclass(frozen=True, slots=True)
class _ProfileSet:
    normalizations: dict[str, NormalizationProfile]
    scorings: dict[str, ScoringProfile]


def _parse(data: Mapping[str, Any], source: str) -> _ProfileSet:
    """The profiles of a TOML document, each checked like a stored one (types, ranges)."""
    tables = {key: data.get(key, {}) for key in ("normalization", "scoring")}
    for key, table in tables.items():
        if not isinstance(table, Mapping):
            raise ProfileError(f"{source} : [{key}] doit être une table")
    unknown = sorted(set(data) - set(tables))
    if unknown:
        raise ProfileError(f"{source} : table inconnue [{unknown[0]}]")
    normalizations: dict[str, NormalizationProfile] = {}
    for name, values in tables["normalization"].items():
        if not isinstance(values, Mapping):
            raise ProfileError(f"{source} : [normalization.{name}] doit être une table")
        try:
            normalizations[name] = msgspec.convert(
                {**values, "name": name}, NormalizationProfile, strict=True
            )
        except msgspec.ValidationError as error:
            raise ProfileError(
                f"{source} : normalization.{name} : {describe_validation_error(error)}"
            ) from error
    scorings: dict[str, ScoringProfile] = {}
    for name, raw in tables["scoring"].items():
        if not isinstance(raw, Mapping):
            raise ProfileError(f"{source} : [scoring.{name}] doit être une table")
        values = dict(raw)
        norm_name = values.pop("normalization", "frappe")
        if not isinstance(norm_name, str) or norm_name not in normalizations:
            raise ProfileError(
                f"{source} : le profil « {name} » utilise une normalisation inconnue "
                f"« {norm_name} »"
            )
        values["name"] = name
        values["normalization"] = asdict(normalizations[norm_name])
        profile = _convert(values, f"{source} : scoring.{name}")
        try:
            _validate(profile)
        except ProfileError as error:
            raise ProfileError(f"{source} : {error}") from error
        scorings[name] = profile
    return _ProfileSet(normalizations, scorings)


@lru_cache(maxsize=1)
def _bundled() -> _ProfileSet:
    text = resources.files("frappe.scoring").joinpath("profiles.toml").read_text("utf-8")
    return _parse(tomllib.loads(text), "profiles.toml")


def load_profiles(path: Path) -> dict[str, ScoringProfile]:
    """Read a centre's own profiles file; its profiles come on top of the bundled ones.

    The file may use the bundled normalisation profiles by name. Every profile is checked
    (types, finite numbers, documented ranges); ProfileError names the file and the field.
    """
    try:
        text = decode_text(read_file_bytes(path), str(path))
        data = load_toml(text, source=str(path))
    except (InputFileError, ConfigError) as error:
        raise ProfileError(f"fichier de profils illisible : {error}") from error
    normalizations = data.get("normalization", {})
    if not isinstance(normalizations, Mapping):
        raise ProfileError(f"{path} : [normalization] doit être une table")
    merged = {**data, "normalization": {**_bundled_raw_normalizations(), **normalizations}}
    return {**_bundled().scorings, **_parse(merged, str(path)).scorings}


def _bundled_raw_normalizations() -> dict[str, dict[str, Any]]:
    return {
        name: {k: v for k, v in asdict(p).items() if k != "name"}
        for name, p in _bundled().normalizations.items()
    }


def scoring_profiles() -> dict[str, ScoringProfile]:
    """The bundled scoring profiles, by name."""
    return dict(_bundled().scorings)


def normalization_profiles() -> dict[str, NormalizationProfile]:
    """The bundled normalisation profiles, by name."""
    return dict(_bundled().normalizations)


def scoring_profile(name: str = DEFAULT_PROFILE) -> ScoringProfile:
    """A bundled scoring profile; ProfileError lists the known names when unknown."""
    profiles = _bundled().scorings
    if name not in profiles:
        hint = ""
        if name in _bundled().normalizations:
            hint = f" ; « {name} » est une normalisation : --normalization {name}"
        raise ProfileError(
            f"profil de notation inconnu « {name} » (connus : {', '.join(sorted(profiles))})" + hint
        )
    return profiles[name]


def normalization_profile(name: str) -> NormalizationProfile:
    """A bundled normalisation profile by name."""
    profiles = _bundled().normalizations
    if name not in profiles:
        raise ProfileError(
            f"normalisation inconnue « {name} » (connues : {', '.join(sorted(profiles))})"
        )
    return profiles[name]
