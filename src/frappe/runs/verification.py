"""A record checked against the centre's own data before it is scored.

``ResultRecord`` already proved the record consistent with itself (typed schema, hashes, the
keystroke log against the text and the clocks). What a record cannot prove about itself is
checked here, against what the centre holds:

* its reference (and draft) are the catalogue's for its exercise (« référence modifiée »
  otherwise; an exercise the catalogue does not know is scored with a warning);
* its embedded scoring profile is the centre's profile of the same name (a profile file given
  with ``--profiles``, else the bundled one), the pass thresholds of the centre's exam presets
  allowed. A difference is flagged, and the record is scored with the centre's profile unless
  the caller asks for the record's own (``--profile-from-record``).

``frappe score``, the app's history and progress screens and ``frappe report`` read records
through here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from frappe.errors import RecordError
from frappe.exercises.catalogue import Catalogue, load_catalogue
from frappe.exercises.record import ResultRecord
from frappe.scoring.profiles import ScoringProfile, load_profiles, scoring_profiles
from frappe.storage.files import read_record
from frappe.storage.presets import list_presets

__all__ = ["CentreRules", "VerifiedRecord", "centre_rules", "read_verified_record", "verify"]

# Constants a trainer's text leaves alone when comparing profiles: their wording changes
# between versions without changing a mark.
_COSMETIC = ("description",)


@dataclass(frozen=True, slots=True)
class CentreRules:
    """What the centre holds to check records against.

    Attributes:
        catalogue: The known exercises.
        profiles: The centre's scoring profiles by name.
        pass_rules: Per profile name, the (min speed, max error rate) thresholds of the
            centre's exam presets, besides the profile's own.
        profile_from_record: Score with the record's own profile even when it differs (still
            flagged).
    """

    catalogue: Catalogue = field(default_factory=Catalogue)
    profiles: Mapping[str, ScoringProfile] = field(default_factory=dict)
    pass_rules: Mapping[str, frozenset[tuple[float, float]]] = field(default_factory=dict)
    profile_from_record: bool = False


@dataclass(frozen=True, slots=True)
class VerifiedRecord:
    """A record ready to score.

    Attributes:
        record: The record, its profile being the one to score with.
        warnings: What the scorer must show beside the mark (French, one line each).
    """

    record: ResultRecord
    warnings: tuple[str, ...] = ()


def centre_rules(
    *,
    catalogue_dirs: Sequence[Path] = (),
    profiles_file: Path | None = None,
    presets_dir: Path | None = None,
    profile_from_record: bool = False,
) -> CentreRules:
    """The centre's rules: bundled and trainers' exercises plus ``catalogue_dirs``, bundled
    profiles plus ``profiles_file``, the exam presets of ``presets_dir`` (the user's by
    default). ProfileError/ExerciseError for a file given explicitly that cannot be used."""
    profiles = load_profiles(profiles_file) if profiles_file else scoring_profiles()
    presets, _problems = list_presets(presets_dir)
    pass_rules: dict[str, set[tuple[float, float]]] = {}
    for preset in presets:
        profile = profiles.get(preset.profile)
        if profile is None:
            continue
        adjusted = profile.with_pass_rule(
            min_speed=preset.min_speed, max_error_rate=preset.max_error_rate
        )
        pass_rules.setdefault(preset.profile, set()).add(
            (adjusted.pass_min_speed, adjusted.pass_max_error_rate)
        )
    return CentreRules(
        catalogue=load_catalogue(catalogue_dirs),
        profiles=profiles,
        pass_rules={name: frozenset(rules) for name, rules in pass_rules.items()},
        profile_from_record=profile_from_record,
    )


def verify(record: ResultRecord, rules: CentreRules) -> VerifiedRecord:
    """Check a record against the centre; RecordError (one line) when it must be refused."""
    warnings = list(rules.catalogue.check(record))
    embedded = record.settings.profile
    centre = rules.profiles.get(embedded.name)
    if centre is None:
        if not rules.profile_from_record:
            raise RecordError(
                f"profil de notation « {embedded.name} » inconnu du centre (donnez son fichier "
                "avec --profiles, ou --profile-from-record)"
            )
        warnings.append(f"profil « {embedded.name} » inconnu du centre : profil du fichier")
        return VerifiedRecord(record, tuple(warnings))
    differences = (
        []
        if embedded == centre
        else profile_differences(embedded, centre, rules.pass_rules.get(centre.name))
    )
    if not differences:
        return VerifiedRecord(record, tuple(warnings))
    shown = ", ".join(differences[:3]) + (" …" if len(differences) > 3 else "")
    if rules.profile_from_record:
        warnings.append(
            f"profil « {centre.name} » du fichier modifié ({shown}) : profil du fichier"
        )
        return VerifiedRecord(record, tuple(warnings))
    warnings.append(f"profil « {centre.name} » du fichier modifié ({shown}) : profil du centre")
    settings = replace(record.settings, profile=centre)
    return VerifiedRecord(replace(record, settings=settings), tuple(warnings))


def profile_differences(
    embedded: ScoringProfile,
    centre: ScoringProfile,
    pass_rules: frozenset[tuple[float, float]] | None = None,
) -> list[str]:
    """``champ : valeur du fichier au lieu de valeur du centre`` for each constant that
    differs (descriptions aside; pass thresholds of one of ``pass_rules`` allowed)."""
    ours = _flat(embedded.to_dict())
    theirs = _flat(centre.to_dict())
    thresholds = (embedded.pass_min_speed, embedded.pass_max_error_rate)
    if pass_rules and thresholds in pass_rules:
        for name in ("pass_min_speed", "pass_max_error_rate"):
            ours[name] = theirs[name]
    return [
        f"{name} : {_shown(ours.get(name))} au lieu de {_shown(theirs.get(name))}"
        for name in sorted(set(ours) | set(theirs))
        if ours.get(name) != theirs.get(name)
    ]


def _flat(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if key in _COSMETIC:
            continue
        if isinstance(value, Mapping) and key not in ("class_weights", "detail_weights"):
            flat.update(_flat(value, f"{prefix}{key}."))
        elif isinstance(value, Mapping):
            for inner, weight in value.items():
                flat[f"{prefix}{key}.{inner}"] = weight
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _shown(value: object) -> str:
    if value is None:
        return "absent"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def read_verified_record(path: Path, rules: CentreRules | None = None) -> VerifiedRecord:
    """Read a record and check it against the centre (``centre_rules()`` by default)."""
    record = read_record(path)
    try:
        return verify(record, rules if rules is not None else centre_rules())
    except RecordError as error:
        raise RecordError(f"{path} : {error}") from error
