"""Issue 14 §2: no edit of a result file raises a mark.

A real typing record of a bundled text is edited the ways a candidate would (the 20 edits of
the adversarial pass); each edited file is either refused with one line, or scored no higher
than the original. Then the catalogue (references, drafts, unknown exercises), the centre's
profiles (files validated, embedded profiles compared, exam presets, ``--profile-from-record``)
and the app's readers.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from frappe.errors import ProfileError, RecordError
from frappe.exercises.dictations import find_dictation
from frappe.exercises.drafts import read_draft
from frappe.exercises.record import Candidate, RecordSettings, ResultRecord, sha256_text
from frappe.exercises.texts import list_texts
from frappe.runs.batch_scoring import BatchSettings, score_one
from frappe.runs.verification import centre_rules, read_verified_record, verify
from frappe.scoring import Keystroke, scoring_profile
from frappe.scoring.profiles import load_profiles
from frappe.storage.files import write_record
from frappe.storage.presets import ExamPreset, save_preset

Document = dict[str, Any]


def typing_record() -> ResultRecord:
    """A five-minute test of the first bundled text: 900 characters at 4 per second, a few
    typos, timed out — about 13/20 with the default profile."""
    text = list_texts()[0]
    typed = list(text.body[:900])
    for i in range(40, 900, 97):
        typed[i] = "x"
    typed_text = "".join(typed).rstrip()
    log = tuple(Keystroke(250 * i, c, "insert", i, c) for i, c in enumerate(typed_text))
    started = datetime(2026, 11, 23, 9, tzinfo=UTC)
    return ResultRecord(
        kind="typing",
        candidate=Candidate("Martin Claire", "C-001"),
        exercise_id=text.id,
        exercise_title=text.title,
        reference=text.body,
        typed=typed_text,
        started_at=started,
        ended_at=started + timedelta(seconds=300),
        duration_s=300.0,
        end_reason="timeout",
        settings=RecordSettings(300.0, True, scoring_profile()),
        keystrokes=log,
    )


def fixed_text(data: Document) -> str:
    return str(data["reference"]["text"])[: len(data["typed"])]


def set_profile(**values: object) -> Callable[[Document], None]:
    def edit(data: Document) -> None:
        profile = data["settings"]["scoring_profile"]
        for key, value in values.items():
            if key.startswith("mark."):
                profile["mark"][key.removeprefix("mark.")] = value
            else:
                profile[key] = value

    return edit


def fix_typed_drop_log(data: Document) -> None:
    data["typed"] = fixed_text(data)
    data["keystrokes"] = []


def fix_typed_keep_log(data: Document) -> None:
    data["typed"] = fixed_text(data)


def reference_is_typed(data: Document) -> None:
    data["reference"] = {"text": data["typed"], "sha256": sha256_text(data["typed"])}


def reference_is_typed_same_hash(data: Document) -> None:
    data["reference"]["text"] = data["typed"]


def ten_seconds_on_the_wall_clock(data: Document) -> None:
    data["duration_s"] = 10
    data["ended_at"] = "2026-11-23T09:00:10.000Z"


def log_and_duration_squeezed(data: Document) -> None:
    for stroke in data["keystrokes"]:
        stroke[0] //= 3
    data["duration_s"] = 100.0


def longer_time_limit(data: Document) -> None:
    data["settings"]["time_limit_s"] = 3600


def stopped_early(data: Document) -> None:
    data["end_reason"] = "stopped"
    data["duration_s"] = 60.0


# The edits of the adversarial pass (issue 14 §2), as a candidate would make them in an editor.
EDITS: dict[str, Callable[[Document], None]] = {
    "duration_s = 10": lambda d: d.update(duration_s=10),
    "typed fixed, keystrokes removed": fix_typed_drop_log,
    "typed fixed, keystrokes kept": fix_typed_keep_log,
    "keystrokes removed": lambda d: d.update(keystrokes=[]),
    "full_mark_speed = 1": set_profile(**{"mark.full_mark_speed": 1}),
    "full_mark_speed = NaN": set_profile(**{"mark.full_mark_speed": float("nan")}),
    "negative class weight": set_profile(class_weights={"word": -1}),
    "strokes_per_word = 0.001": set_profile(strokes_per_word=0.001),
    "strokes_per_word = 1": set_profile(strokes_per_word=1),
    "mark.base = 1e9": set_profile(**{"mark.base": 1e9}),
    "fault_penalty = 0": set_profile(fault_penalty=0),
    "pass_min_speed = 0": set_profile(pass_min_speed=0),
    "case and punctuation ignored": lambda d: d["settings"]["scoring_profile"][
        "normalization"
    ].update(ignore_case=True, ignore_punctuation=True),
    "profile renamed": set_profile(name="maison", **{"mark.full_mark_speed": 1}),
    "reference = typed, new sha256": reference_is_typed,
    "reference = typed, old sha256": reference_is_typed_same_hash,
    "duration and wall clock 10 s": ten_seconds_on_the_wall_clock,
    "log and duration squeezed": log_and_duration_squeezed,
    "time limit raised": longer_time_limit,
    "stopped after 60 s": stopped_early,
    "stored score set to 20": lambda d: d.update(score={"mark_20": 20.0, "passed": True}),
    "kind = transcription": lambda d: d.update(kind="transcription"),
}


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> tuple[Document, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("original")
    path = write_record(typing_record(), folder / "original.json")
    entry = score_one(path, BatchSettings(None, None, None, rules=centre_rules()))
    assert entry["ok"] and "warnings" not in entry, entry
    return json.loads(path.read_text("utf-8")), entry["metrics"]


def test_there_are_twenty_edits() -> None:
    assert len(EDITS) >= 20


@pytest.mark.parametrize("name", sorted(EDITS))
def test_no_edit_raises_the_mark(
    tmp_path: Path, original: tuple[Document, dict[str, Any]], name: str
) -> None:
    document, metrics = original
    data = json.loads(json.dumps(document))
    EDITS[name](data)
    path = tmp_path / "edited.json"
    # allow_nan: json.dumps writes NaN as the editor would type it.
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    entry = score_one(path, BatchSettings(None, None, None, rules=centre_rules()))
    if not entry["ok"]:
        assert "\n" not in entry["error"] and "erreur interne" not in entry["error"]
        return
    edited = entry["metrics"]
    assert edited["mark_20"] <= metrics["mark_20"], name
    assert edited["mots_par_minute"] <= metrics["mots_par_minute"], name
    assert edited["passed"] <= metrics["passed"], name


def test_the_original_is_below_full_marks(original: tuple[Document, dict[str, Any]]) -> None:
    _document, metrics = original
    assert 5 < metrics["mark_20"] < 18  # room to raise it, so the test above means something


def test_a_lenient_embedded_profile_is_flagged_and_the_centres_used(
    tmp_path: Path, original: tuple[Document, dict[str, Any]]
) -> None:
    document, metrics = original
    data = json.loads(json.dumps(document))
    set_profile(**{"mark.full_mark_speed": 1})(data)
    path = tmp_path / "lenient.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    entry = score_one(path, BatchSettings(None, None, None, rules=centre_rules()))
    assert entry["ok"] and entry["metrics"]["mark_20"] == metrics["mark_20"]
    assert any("mark.full_mark_speed : 1 au lieu de 40" in w for w in entry["warnings"])
    from_record = centre_rules(profile_from_record=True)
    entry = score_one(path, BatchSettings(None, None, None, rules=from_record))
    assert entry["metrics"]["mark_20"] == 20.0
    assert any("profil du fichier" in w for w in entry["warnings"])


def test_an_unknown_exercise_is_scored_with_a_warning_in_every_format(
    tmp_path: Path, original: tuple[Document, dict[str, Any]]
) -> None:
    document, _metrics = original
    data = json.loads(json.dumps(document))
    data["exercise"]["id"] = "texte-du-formateur"
    (tmp_path / "a.json").write_text(json.dumps(data), encoding="utf-8")
    outputs = {}
    for output_format in ("json", "csv", "table"):
        result = subprocess.run(
            [sys.executable, "-m", "frappe.cli", "score", "a.json", "--format", output_format]
            + (["--csv-style", "international"] if output_format == "csv" else []),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        outputs[output_format] = result.stdout
    (entry,) = json.loads(outputs["json"])
    assert entry["ok"] and entry["warnings"] == [
        "exercice inconnu du catalogue du centre : référence non vérifiée"
    ]
    header, row = outputs["csv"].splitlines()[:2]
    assert header.endswith(",warnings") and row.endswith("référence non vérifiée")
    assert "⚠ a.json : exercice inconnu" in outputs["table"]
    # The same text given as the centre's catalogue: the reference is checked again.
    catalogue = tmp_path / "catalogue"
    catalogue.mkdir()
    (catalogue / "texte-du-formateur.txt").write_text("Un autre texte.", encoding="utf-8")
    rules = centre_rules(catalogue_dirs=[catalogue])
    entry = score_one(tmp_path / "a.json", BatchSettings(None, None, None, rules=rules))
    assert not entry["ok"] and "référence modifiée" in entry["error"]


def dictation_record(kind: str) -> ResultRecord:
    dictation = find_dictation("d08")
    draft = read_draft(dictation).text if kind == "correction" else None
    typed = draft or "Certificat"
    log = () if draft else tuple(Keystroke(300 * i, c, "insert", i, c) for i, c in enumerate(typed))
    started = datetime(2026, 11, 23, 9, tzinfo=UTC)
    return ResultRecord(
        kind=kind,  # type: ignore[arg-type]
        candidate=Candidate("Durand Léa"),
        exercise_id=dictation.id,
        exercise_title=dictation.title,
        reference=dictation.reference_text(),
        typed=typed,
        started_at=started,
        ended_at=started + timedelta(seconds=120),
        duration_s=120.0,
        end_reason="stopped",
        settings=RecordSettings(
            1800.0, True, scoring_profile("dictee"), terminology=dictation.terminology
        ),
        keystrokes=log,
        draft=draft,
        draft_source="asr" if draft else None,
    )


def test_dictation_references_and_drafts_are_checked(tmp_path: Path) -> None:
    rules = centre_rules()
    for kind in ("transcription", "correction"):
        record = dictation_record(kind)
        assert verify(record, rules).warnings == ()
        data = record.to_dict()
        data["reference"] = {"text": record.typed, "sha256": sha256_text(record.typed)}
        with pytest.raises(RecordError, match="référence modifiée"):
            verify(ResultRecord.from_dict(data), rules)
    # A correction whose draft is replaced by the reference: « brouillon modifié ».
    record = dictation_record("correction")
    data = record.to_dict()
    data["draft"] = {"text": record.reference, "sha256": record.reference_sha256}
    data["typed"] = record.reference
    with pytest.raises(RecordError, match="brouillon modifié"):
        verify(ResultRecord.from_dict(data), rules)


# --- Profile files ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "named"),
    [
        ("[scoring.centre.mark]\nfull_mark_speed = nan\n", "mark.full_mark_speed"),
        ("[scoring.centre.mark]\nfull_mark_speed = inf\n", "mark.full_mark_speed"),
        ("[scoring.centre.mark]\nfull_mark_speed = 0.5\n", "mark.full_mark_speed"),
        ("[scoring.centre.mark]\nbase = 1e9\n", "mark.base"),
        ("[scoring.centre]\nstrokes_per_word = 0.001\n", "strokes_per_word"),
        ("[scoring.centre]\nfault_penalty = -10\n", "fault_penalty"),
        ('[scoring.centre]\nfault_penalty = "dix"\n', "fault_penalty"),
        ("[scoring.centre.class_weights]\naccent = -0.5\n", "class_weights.accent"),
        ("[scoring.centre.class_weights]\ncolour = 1\n", "colour"),
        ('[scoring.centre]\nspeed_basis = "both"\n', "speed_basis"),
        ("[scoring.centre]\nfautes = 3\n", "fautes"),
        ("[scoring.centre]\nmark = 3\n", "mark"),
        ('[scoring.centre]\nnormalization = "aucune"\n', "normalisation inconnue"),
        ("scoring = 3\n", "scoring"),
        ("[scoring.centre]\nx = " + "[" * 200 + "]" * 200 + "\n", "imbrication"),
        ("[scoring.centre\n", "TOML"),
    ],
)
def test_profile_files_are_validated_with_one_line(tmp_path: Path, toml: str, named: str) -> None:
    path = tmp_path / "centre.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ProfileError, match=named) as caught:
        load_profiles(path)
    assert "\n" not in str(caught.value) and str(path) in str(caught.value)


def test_a_centres_profile_file_is_what_records_are_scored_with(
    tmp_path: Path, original: tuple[Document, dict[str, Any]]
) -> None:
    document, metrics = original
    path = tmp_path / "r.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    centre = tmp_path / "centre.toml"
    centre.write_text(
        '[scoring.frappe]\nnormalization = "frappe"\n[scoring.frappe.mark]\nfull_mark_speed = 20\n',
        encoding="utf-8",
    )
    rules = centre_rules(profiles_file=centre)
    entry = score_one(path, BatchSettings(None, None, None, rules=rules))
    assert entry["metrics"]["mark_20"] > metrics["mark_20"]  # the centre's own, stricter bar
    assert any("40 au lieu de 20" in w for w in entry["warnings"])


def test_an_exam_presets_thresholds_are_the_centres(
    tmp_path: Path, original: tuple[Document, dict[str, Any]]
) -> None:
    document, _metrics = original
    data = json.loads(json.dumps(document))
    set_profile(pass_min_speed=10.0)(data)
    record = ResultRecord.from_dict(data)
    presets = tmp_path / "presets"
    assert verify(record, centre_rules(presets_dir=presets)).warnings != ()
    save_preset(ExamPreset("Admission", "t01", 300.0, min_speed=10.0), presets)
    assert verify(record, centre_rules(presets_dir=presets)).warnings == ()


def test_the_app_and_report_read_records_through_the_same_checks(
    tmp_path: Path, original: tuple[Document, dict[str, Any]]
) -> None:
    document, _metrics = original
    data = json.loads(json.dumps(document))
    reference_is_typed(data)
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(RecordError, match="référence modifiée"):
        read_verified_record(path)
    report = subprocess.run(
        [sys.executable, "-m", "frappe.cli", "report", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert report.returncode == 1 and "référence modifiée" in report.stderr
    assert "Traceback" not in report.stderr


def test_score_command_wires_catalogue_and_profile_options(
    tmp_path: Path, original: tuple[Document, dict[str, Any]]
) -> None:
    document, metrics = original
    data = json.loads(json.dumps(document))
    set_profile(**{"mark.full_mark_speed": 1})(data)
    (tmp_path / "a.json").write_text(json.dumps(data), encoding="utf-8")

    def score(*options: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "frappe.cli", "score", "a.json", "--format", "json", *options],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    (entry,) = json.loads(score().stdout)
    assert entry["metrics"]["mark_20"] == metrics["mark_20"]
    (entry,) = json.loads(score("--profile-from-record").stdout)
    assert entry["metrics"]["mark_20"] == 20.0 and entry["warnings"]
    missing = score("--catalogue", "nulle-part")
    assert missing.returncode == 2 and "catalogue introuvable" in missing.stderr
    assert "Traceback" not in missing.stderr
