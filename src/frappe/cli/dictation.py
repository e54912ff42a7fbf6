"""The dictation subcommands: ``dictations`` (the corpus as a table) and ``dictation`` (straight
into a transcription exercise, or the correction of its speech-recognition draft, as a trainer
launches it in the training room)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from frappe.durations import format_duration, parse_duration
from frappe.errors import ExerciseError
from frappe.exercises.dictations import find_dictation, load_corpus, short_document_type

__all__ = [
    "STYLES",
    "register",
    "run_dictation",
    "run_dictations",
]

MAX_DEADLINE_S = 4 * 3600.0
# Short French labels of the dictation styles.
STYLES = {"plain": "naturelle", "dictated-punctuation": "ponct. dictée"}


def register(subparsers: Any) -> None:
    """Add ``dictations`` and ``dictation`` to ``frappe``'s parser."""
    listing = subparsers.add_parser(
        "dictations",
        help="lister les dictées (exercices de transcription audio)",
        description=(
            "Les dictées du corpus : identifiant, titre, type, style, durée, temps, brouillon "
            "de reconnaissance vocale (pour « frappe dictation --correction »)."
        ),
    )
    listing.add_argument("--dir", type=Path, default=None, help="autre dossier de dictées")
    listing.add_argument(
        "--keys", action="store_true", help="afficher aussi les touches du lecteur (Markdown)"
    )
    listing.set_defaults(func=run_dictations)

    start = subparsers.add_parser(
        "dictation",
        help="lancer directement une dictée (transcription audio)",
        description=(
            "Ouvre l'application sur une dictée : lecture au clavier (Échap, F1–F4…) ou à la "
            "pédale, saisie du document, notation au barème de dictée. Si la même dictée du "
            "même candidat a été interrompue, elle est reprise (sauf --new)."
        ),
    )
    start.add_argument("exercise", metavar="EXERCISE_ID", help="identifiant (ou préfixe : d03)")
    start.add_argument("--candidate", required=True, help="« Nom Prénom »")
    start.add_argument("--candidate-id", default=None, help="identifiant du candidat")
    start.add_argument(
        "--deadline",
        default=None,
        help="temps limite : 20m, 1h, 0 pour aucun (défaut : le temps conseillé de la dictée)",
    )
    start.add_argument(
        "--practice", action="store_true", help="entraînement (par défaut : évaluation)"
    )
    start.add_argument(
        "--correction",
        action="store_true",
        help="corriger le brouillon de reconnaissance vocale (draft.txt) au lieu de tout taper",
    )
    start.add_argument("--results", type=Path, default=None, help="dossier des résultats")
    start.add_argument("--db", type=Path, default=None, help="base d'historique SQLite")
    start.add_argument(
        "--device", default=None, help="sortie audio (numéro ou nom, voir « frappe audio devices »)"
    )
    start.add_argument(
        "--pedal",
        type=Path,
        default=None,
        help=(
            "pédale : /dev/hidrawN, un lien udev, une FIFO… (défaut : celle des réglages, "
            "sinon la première pédale connue branchée)"
        ),
    )
    start.add_argument(
        "--pedal-profile",
        default=None,
        metavar="PROFIL",
        help="profil de la pédale (vec, philips-acc2310, philips-acc2330, olympus-rs28…)",
    )
    start.add_argument("--no-pedal", action="store_true", help="ne pas chercher de pédale")
    start.add_argument("--new", action="store_true", help="ne pas reprendre une dictée interrompue")
    start.set_defaults(func=run_dictation)


def run_dictations(args: argparse.Namespace) -> int:
    """``frappe dictations``: the corpus as a table."""
    from rich import box  # noqa: PLC0415 - start-up time of every command
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415
    from rich.text import Text  # noqa: PLC0415

    from frappe.exercises.drafts import has_draft  # noqa: PLC0415

    corpus = load_corpus(args.dir)
    for problem in corpus.problems:  # one line per bad exercise; the others are listed
        print(f"frappe : {problem}", file=sys.stderr)
    dictations = corpus.dictations
    table = Table(title="Dictées", header_style="bold", box=box.SIMPLE_HEAD, show_lines=True)
    table.add_column("Identifiant / titre", overflow="fold", ratio=1)
    table.add_column("Type", no_wrap=True)
    table.add_column("Style", no_wrap=True)
    table.add_column("Durée", justify="right", no_wrap=True)
    table.add_column("Temps", justify="right", no_wrap=True)
    for dictation in dictations:
        name = Text(dictation.id, style="bold")
        name.append(f"\n{dictation.title}", style="")
        # In this cell, not a column of its own: the table must stay readable on 80 columns.
        if not dictation.reference.is_file():
            name.append("\n⚠ référence à relire (écran Formateur)", style="bold yellow")
        if has_draft(dictation):
            name.append("\n✓ brouillon", style="green")
        table.add_row(
            name,
            short_document_type(dictation.document_type),
            STYLES.get(dictation.dictation_style, dictation.dictation_style),
            _clock(dictation.duration_s),
            "—" if dictation.deadline_min is None else f"{dictation.deadline_min:g} min",
        )
    console = Console()
    console.print(table)
    if args.keys:
        from frappe.tui.playback.hotkeys import hotkeys_markdown  # noqa: PLC0415

        console.print(hotkeys_markdown(), markup=False, highlight=False)
    return 0


def _clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _deadline(value: str | None, suggested_min: float | None) -> float | None:
    if value is None:
        return None if suggested_min is None else suggested_min * 60.0
    seconds = parse_duration(value)
    if seconds == 0:
        return None
    if not 60.0 <= seconds <= MAX_DEADLINE_S:
        raise ExerciseError(
            f"temps limite de {format_duration(seconds)} hors limites (1 min à 4 h, 0 : aucun)"
        )
    return seconds


def run_dictation(args: argparse.Namespace) -> int:
    """``frappe dictation EXERCISE_ID --candidate NAME``: straight into the exercise."""
    from frappe.exercises.record import Candidate  # noqa: PLC0415
    from frappe.runs.common import StoragePaths  # noqa: PLC0415
    from frappe.runs.dictation import (  # noqa: PLC0415
        DictationExercise,
        DictationSpec,
        unfinished_dictations,
    )
    from frappe.tui.app import make_app  # noqa: PLC0415 - Textual only when needed
    from frappe.tui.config import (  # noqa: PLC0415
        AppConfig,
        DictationOptions,
        StartDictation,
        parse_device,
    )

    name = " ".join(str(args.candidate).split())
    if not name:
        raise ExerciseError("le nom du candidat est vide")
    dictation = find_dictation(args.exercise)
    exercise: DictationExercise = "correction" if args.correction else "transcription"
    spec = DictationSpec(
        candidate=Candidate(name, args.candidate_id or None),
        dictation=dictation,
        deadline_s=_deadline(args.deadline, dictation.deadline_min),
        mode="practice" if args.practice else "exam",
        exercise=exercise,
    )
    spec.session_config()  # fail before the app starts without a reference (or a draft)
    storage = StoragePaths.default(results_dir=args.results, db_path=args.db)
    # Other unfinished tests are offered by « frappe » and « frappe resume », not here.
    options = DictationOptions(
        device=parse_device(args.device),
        pedal=args.pedal,
        auto_pedal=not args.no_pedal,
        pedal_profile=args.pedal_profile,
    )
    config = AppConfig(storage=storage, check_journals=False, dictation=options)
    resume = None
    if not args.new:
        for contents in unfinished_dictations(config.storage.journal_dir):
            header = contents.header.config
            if (
                header.exercise_id == dictation.id
                and header.kind == exercise
                and header.candidate.name.casefold() == name.casefold()
                and contents.end_reason is None
            ):
                resume = contents
                print(
                    f"frappe : reprise de la {'correction' if args.correction else 'dictée'} "
                    f"interrompue ({contents.path.name})",
                    file=sys.stderr,
                )
                break
    app = make_app(config, StartDictation(spec=spec, resume=resume))
    return int(app.run() or 0)
