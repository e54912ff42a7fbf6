"""Scoring and normalisation profiles, read from data (``profiles.toml``).

A profile is a plain, frozen set of constants. ``ScoringProfile.to_dict()`` is what a scored
result stores, and ``ScoringProfile.from_dict()`` rebuilds the very same profile from it, so an
old result is re-scored with the constants it was first scored with.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from frappe.errors import ProfileError
from frappe.scoring.classify import ERROR_CLASSES
from frappe.scoring.normalize import NormalizationProfile

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

    def weight(self, error_class: str, detail: str | None) -> float:
        """Fault weight of one error of this class and detail."""
        if detail is not None and detail in self.detail_weights:
            return self.detail_weights[detail]
        return self.class_weights.get(error_class, 1.0)

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
        """Rebuild a profile stored by ``to_dict``; raises ProfileError when malformed."""
        try:
            values = dict(data)
            values["normalization"] = NormalizationProfile(**values["normalization"])
            values["mark"] = MarkRule(**values.get("mark", {}))
            profile = cls(**values)
        except (KeyError, TypeError, ValueError) as error:
            raise ProfileError(f"profil de notation invalide : {error}") from error
        _validate(profile)
        return profile


def _validate(profile: ScoringProfile) -> None:
    problems: list[str] = []
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
    try:
        normalizations = {
            name: NormalizationProfile(name=name, **values)
            for name, values in data.get("normalization", {}).items()
        }
        scorings: dict[str, ScoringProfile] = {}
        for name, raw in data.get("scoring", {}).items():
            values = dict(raw)
            norm_name = values.pop("normalization", "frappe")
            if norm_name not in normalizations:
                raise ProfileError(
                    f"{source} : le profil « {name} » utilise une normalisation inconnue "
                    f"« {norm_name} »"
                )
            values["mark"] = MarkRule(**values.pop("mark", {}))
            profile = ScoringProfile(name=name, normalization=normalizations[norm_name], **values)
            _validate(profile)
            scorings[name] = profile
    except TypeError as error:
        raise ProfileError(f"{source} : profil invalide ({error})") from error
    return _ProfileSet(normalizations, scorings)


@lru_cache(maxsize=1)
def _bundled() -> _ProfileSet:
    text = resources.files("frappe.scoring").joinpath("profiles.toml").read_text("utf-8")
    return _parse(tomllib.loads(text), "profiles.toml")


def load_profiles(path: Path) -> dict[str, ScoringProfile]:
    """Read a centre's own profiles file; its profiles come on top of the bundled ones.

    The file may use the bundled normalisation profiles by name.
    """
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ProfileError(f"{path} : fichier de profils illisible ({error})") from error
    merged = {"normalization": dict(_bundled_raw_normalizations()), **data}
    merged["normalization"] = {**_bundled_raw_normalizations(), **data.get("normalization", {})}
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
        raise ProfileError(
            f"profil de notation inconnu « {name} » (connus : {', '.join(sorted(profiles))})"
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
