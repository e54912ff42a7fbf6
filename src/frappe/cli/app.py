"""The app's subcommands: ``typing``, ``texts``, ``resume``, ``report``, ``history``; and the
app itself when ``frappe`` runs without a command."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from frappe.cli.history import register_history_actions
from frappe.cli.suivi import parse_day
from frappe.errors import ExerciseError, FrappeError
from frappe.textio import plain_text

if TYPE_CHECKING:
    from frappe.exercises.record import Mode, ResultRecord
    from frappe.storage.store import ResultFilter

__all__ = ["app_config", "register", "run_app"]

# Every ``frappe`` command builds this module's parser: a command imports what it uses (Rich,
# texts, records, the store, Textual…) when it runs, never at import (start-up time, issue 14).

# Test-only: makes the app's clock run faster (e.g. 20 → a 20 s test ends after 1 s), so the
# end-to-end test can reach a time-out without waiting. Never set in real use.
CLOCK_SCALE_ENV = "FRAPPE_TEST_CLOCK_SCALE"


def register(subparsers: Any) -> None:
    """Add the app's subcommands to ``frappe``'s parser."""
    typing_parser = subparsers.add_parser(
        "typing",
        help="lancer directement un test de frappe (salle de formation)",
        description="Ouvre l'application directement sur un test d'admission.",
    )
    typing_parser.add_argument("--text", required=True, help="identifiant de texte ou fichier")
    typing_parser.add_argument(
        "--duration",
        default="10",
        help="durée, 1 à 30 min : 10 (minutes), 90s, 5m, 1m30s (défaut : 10)",
    )
    typing_parser.add_argument("--candidate", required=True, help="« Nom Prénom »")
    typing_parser.add_argument("--candidate-id", default=None, help="identifiant du candidat")
    typing_parser.add_argument(
        "--no-backspace", action="store_true", help="interdire la correction (retour arrière)"
    )
    typing_parser.add_argument("--profile", default="frappe", help="profil de notation")
    typing_parser.add_argument(
        "--live-feedback", action="store_true", help="montrer les erreurs pendant le test"
    )
    typing_parser.add_argument(
        "--no-instructions", action="store_true", help="passer l'écran des consignes"
    )
    _storage_options(typing_parser)
    typing_parser.set_defaults(func=run_typing)

    texts_parser = subparsers.add_parser("texts", help="lister les textes fournis")
    texts_parser.add_argument("--dir", type=Path, default=None, help="autre dossier de textes")
    texts_parser.set_defaults(func=run_texts)

    resume_parser = subparsers.add_parser(
        "resume",
        help="reprendre ou clore un test interrompu",
        description=(
            "Sans option : ouvre l'application sur les tests non terminés (reprendre avec le "
            "temps restant, ou clore). --close enregistre le résultat comme interrompu."
        ),
    )
    resume_parser.add_argument("journal", nargs="?", type=Path, help="journal (.jsonl)")
    resume_parser.add_argument(
        "--close", action="store_true", help="clore comme interrompu sans reprendre"
    )
    resume_parser.add_argument(
        "--list", action="store_true", help="lister les tests non terminés et quitter"
    )
    _storage_options(resume_parser)
    resume_parser.set_defaults(func=run_resume)

    report_parser = subparsers.add_parser(
        "report", help="afficher ou écrire le compte rendu d'un résultat"
    )
    report_parser.add_argument("result", type=Path, help="fichier de résultat (.json)")
    report_parser.add_argument(
        "--output", "-o", type=Path, default=None, help="fichier .md (Markdown) ou .txt"
    )
    report_parser.set_defaults(func=run_report)

    history_parser = subparsers.add_parser("history", help="historique des résultats")
    history_parser.add_argument(
        "--candidate", default=None, help="candidat : partie du nom (« martin ») ou identifiant"
    )
    history_parser.add_argument(
        "--from", dest="date_from", type=parse_day, default=None, help="depuis le (date)"
    )
    history_parser.add_argument(
        "--to", dest="date_to", type=parse_day, default=None, help="jusqu'au (inclus)"
    )
    history_parser.add_argument("--exercise", default=None, help="identifiant d'exercice")
    history_parser.add_argument("--mode", choices=("examen", "entrainement"), default=None)
    history_parser.add_argument("--kind", choices=("frappe", "dictee", "correction"), default=None)
    history_parser.add_argument("--db", type=Path, default=None, help="base d'historique")
    history_parser.add_argument("--limit", type=int, default=50, help="nombre de lignes")
    history_parser.set_defaults(func=run_history)
    register_history_actions(history_parser)


def _storage_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--results", type=Path, default=None, help="dossier des résultats")
    parser.add_argument("--db", type=Path, default=None, help="base d'historique SQLite")


def _clock() -> Callable[[], float]:
    raw = os.environ.get(CLOCK_SCALE_ENV)
    if not raw:
        return time.monotonic
    try:
        scale = float(raw)
    except ValueError:
        raise FrappeError(f"{CLOCK_SCALE_ENV} : nombre attendu") from None
    origin = time.monotonic()
    return lambda: origin + (time.monotonic() - origin) * scale


def _config(args: argparse.Namespace) -> Any:
    return app_config(args)


def app_config(args: argparse.Namespace, *, room_url: str | None = None) -> Any:
    """The app's configuration from the command line (the room URL of a seat: ``room_url``,
    else ``FRAPPE_ROOM_URL`` or ``[room] url``; a lone PC has none)."""
    from frappe.runs.common import StoragePaths  # noqa: PLC0415
    from frappe.tui.config import AppConfig  # noqa: PLC0415 - Textual only when needed

    storage = StoragePaths.default(
        results_dir=getattr(args, "results", None), db_path=getattr(args, "db", None)
    )
    return AppConfig(storage=storage, clock=_clock(), room_url=room_url or _seat_url())


def _seat_url() -> str | None:
    from frappe.settings import room_url  # noqa: PLC0415

    try:
        return room_url()
    except FrappeError:
        return None  # an unusable settings file: the app says so where it reads it


def run_app(args: argparse.Namespace) -> int:
    """``frappe`` without a command: the app, on its home screen."""
    from frappe.tui.app import make_app  # noqa: PLC0415

    app = make_app(_config(args))
    result = app.run()
    return int(result or 0)


def run_typing(args: argparse.Namespace) -> int:
    """``frappe typing``: straight into an exam."""
    from frappe.durations import parse_exam_duration  # noqa: PLC0415
    from frappe.exercises.record import Candidate  # noqa: PLC0415
    from frappe.exercises.texts import find_text  # noqa: PLC0415
    from frappe.runs.typing import TypingSpec  # noqa: PLC0415
    from frappe.scoring.profiles import scoring_profile  # noqa: PLC0415
    from frappe.tui.app import make_app  # noqa: PLC0415
    from frappe.tui.config import StartExam  # noqa: PLC0415

    duration = parse_exam_duration(args.duration)
    name = " ".join(str(args.candidate).split())
    if not name:
        raise ExerciseError("le nom du candidat est vide")
    spec = TypingSpec(
        candidate=Candidate(name, args.candidate_id or None),
        text=find_text(args.text),
        duration_s=duration,
        backspace_allowed=not args.no_backspace,
        profile=scoring_profile(args.profile),
        live_feedback=bool(args.live_feedback),
        mode="exam",
    )
    config = _config(args)
    app = make_app(config, StartExam(spec, skip_instructions=bool(args.no_instructions)))
    result = app.run()
    return int(result or 0)


def run_texts(args: argparse.Namespace) -> int:
    """``frappe texts``: the bundled texts as a table."""
    from rich import box  # noqa: PLC0415
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    from frappe.exercises.texts import load_texts  # noqa: PLC0415

    texts, problems = load_texts(args.dir)
    for problem in problems:  # one line per bad text; the others are listed
        print(f"frappe : {problem}", file=sys.stderr)
    table = Table(title="Textes fournis", header_style="bold", box=box.SIMPLE_HEAD)
    table.add_column("Identifiant", no_wrap=True)
    table.add_column("Titre", overflow="fold")
    table.add_column("Niveau", justify="right", no_wrap=True)
    table.add_column("Caractères", justify="right", no_wrap=True)
    for text in texts:
        table.add_row(text.id, text.title, str(text.level), str(text.characters))
    Console().print(table)
    return 0


def run_resume(args: argparse.Namespace) -> int:
    """``frappe resume [JOURNAL] [--close|--list]``."""
    # The journal reader (and the session code under it) only for this command: start-up time.
    from frappe.runs.closing import close_journal  # noqa: PLC0415
    from frappe.storage.journal import read_journal, unfinished_journals  # noqa: PLC0415
    from frappe.tui.unfinished import describe_journal  # noqa: PLC0415

    config = _config(args)
    if args.list or args.close:
        if args.journal is not None:
            found = [read_journal(args.journal)]
        else:
            found = unfinished_journals(config.storage.journal_dir)
        if not found:
            print("Aucun test ni dictée non terminé.")
            return 0
        for contents in found:
            if args.close:
                saved = close_journal(contents, config.storage)
                print(f"Clos : {describe_journal(contents)}\n  résultat : {saved.path}")
                if saved.notice:
                    print(f"  remarque : {saved.notice}")
                if saved.history_error:
                    print(f"frappe : {saved.history_error}", file=sys.stderr)
            else:
                print(f"{contents.path}\n  {describe_journal(contents)}")
        return 0
    from frappe.tui.app import make_app  # noqa: PLC0415
    from frappe.tui.config import StartResume  # noqa: PLC0415

    if args.journal is not None:
        read_journal(args.journal)  # fail early, before the app starts
    app = make_app(config, StartResume(args.journal))
    return int(app.run() or 0)


def run_report(args: argparse.Namespace) -> int:
    """``frappe report RESULT.json [--output FILE]``: typing tests, dictations, corrections."""
    from rich.console import Console  # noqa: PLC0415

    from frappe.reports.typing_report import render_report, write_report  # noqa: PLC0415
    from frappe.runs.typing import typing_score  # noqa: PLC0415
    from frappe.runs.verification import read_verified_record  # noqa: PLC0415

    verified = read_verified_record(args.result)
    for warning in verified.warnings:
        print(f"⚠ {plain_text(warning)}", file=sys.stderr)
    record = verified.record
    if record.kind != "typing":
        return _dictation_report(args, record)
    score = typing_score(record)
    if args.output is not None:
        path = write_report(record, score, args.output, args.result)
        print(f"Compte rendu écrit : {path}")
        return 0
    Console().print(render_report(record, score, args.result))
    return 0


def _dictation_report(args: argparse.Namespace, record: ResultRecord) -> int:
    from rich.console import Console  # noqa: PLC0415

    from frappe.reports.dictation_report import (  # noqa: PLC0415
        render_dictation_report,
        write_dictation_report,
    )
    from frappe.runs.dictation import load_saved_transcription  # noqa: PLC0415

    saved = load_saved_transcription(args.result, record=record)
    if args.output is not None:
        path = write_dictation_report(saved, args.output)
        print(f"Compte rendu écrit : {path}")
        return 0
    Console().print(render_dictation_report(saved))
    return 0


def run_history(args: argparse.Namespace) -> int:
    """``frappe history [--candidate NAME] [--from D] [--to D] [--exercise ID] [--mode M]``."""
    from rich.console import Console  # noqa: PLC0415

    from frappe.reports.tables import history_renderable  # noqa: PLC0415
    from frappe.storage.history import default_db_path, open_history  # noqa: PLC0415 - SQLite

    problems: list[str] = []
    with open_history(args.db or default_db_path()) as history:
        entries = history.results(history_filter(args), problems=problems)
    for problem in problems:
        print(f"frappe : {problem}", file=sys.stderr)
    if not entries:
        print("Aucun résultat enregistré." if not _filtering(args) else "Aucun résultat.")
        return 1 if problems else 0
    console = Console()
    console.print(history_renderable(entries))
    console.print("Fichiers de résultat (pour « frappe report ») :", style="bold")
    for entry in entries:
        # One line per path, never cut: a trainer copies it into « frappe report ».
        console.print(f"  {entry.result_path}", soft_wrap=True, highlight=False, markup=False)
    return 1 if problems else 0


_HISTORY_MODES: dict[str, Mode] = {
    "examen": "exam",
    "entrainement": "practice",
    "entraînement": "practice",
}
_HISTORY_KINDS = {"frappe": "typing", "dictee": "transcription", "correction": "correction"}


def _filtering(args: argparse.Namespace) -> bool:
    return any(
        getattr(args, name, None)
        for name in ("candidate", "date_from", "date_to", "exercise", "mode", "kind")
    )


def history_filter(args: argparse.Namespace) -> ResultFilter:
    """The store filter of ``frappe history``'s options (``--to`` is inclusive)."""
    from frappe.storage.store import ResultFilter  # noqa: PLC0415

    since = until = None
    if args.date_from is not None:
        since = datetime.combine(args.date_from, datetime.min.time()).astimezone()
    if args.date_to is not None:
        until = datetime.combine(args.date_to + timedelta(days=1), datetime.min.time()).astimezone()
    return ResultFilter(
        candidate=args.candidate,
        since=since,
        until=until,
        exercise=args.exercise,
        mode=_HISTORY_MODES.get(args.mode) if args.mode else None,
        kind=_HISTORY_KINDS.get(args.kind) if args.kind else None,
        limit=args.limit,
    )
