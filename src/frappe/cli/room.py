"""``frappe room …``: the room mode's commands (a thin layer over ``frappe.storage.room``).

Trainer side (this module): ``serve``, ``init``, ``open``, ``close``, ``release``, ``seances``,
``results``, ``verify``, ``keys``. Seat-side commands (``join``, ``take``, ``dashboard``…) come
from :mod:`frappe.cli.room_seat`, whose ``register_room(actions)`` adds its actions to the
``room`` parser.

Trainer commands find this machine's server through the state file ``frappe room serve``
writes, or take ``--url`` with the trainer's credentials.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from frappe.cli import room_seat
from frappe.durations import format_duration, parse_duration
from frappe.errors import ConfigError, ExerciseError, RoomError
from frappe.exercises.record import Candidate
from frappe.private_files import write_private
from frappe.scoring.profiles import scoring_profile
from frappe.textio import slugify

if TYPE_CHECKING:
    # Only in annotations: the session code is imported by the commands that open one.
    from frappe.exercises.session import SessionConfig
    from frappe.runs.room_dictation import AudioFingerprint

__all__ = ["register"]

_URL_HELP = "adresse du serveur (identifiants du formateur) ; défaut : le serveur de ce poste"


def register(subparsers: Any) -> None:
    """Add ``frappe room`` and its actions."""
    room = subparsers.add_parser(
        "room",
        help="mode salle : serveur PostgreSQL, séances, résultats officiels",
        description="Mode salle : un serveur pour la salle, des postes qui le rejoignent.",
    )
    actions = room.add_subparsers(dest="room_action", metavar="ACTION", required=True)

    serve = actions.add_parser(
        "serve",
        help="démarrer le serveur de salle sur ce poste (Ctrl+C pour l'arrêter)",
        description=(
            "Démarre un serveur PostgreSQL dans le dossier de données du formateur, crée la "
            "base et les rôles, affiche l'adresse à donner aux postes, et reste au premier plan "
            "jusqu'à Ctrl+C."
        ),
    )
    serve.add_argument("--port", type=int, default=5433, help="port TCP (défaut : 5433)")
    serve.add_argument(
        "--listen",
        default="127.0.0.1",
        metavar="ADRESSE",
        help="adresse d'écoute : 0.0.0.0 pour la salle (défaut : 127.0.0.1, ce poste seul)",
    )
    serve.add_argument(
        "--ssl",
        choices=("auto", "on", "off"),
        default="auto",
        help="chiffrement TLS (auto : dès que le serveur écoute au-delà de ce poste)",
    )
    serve.set_defaults(func=run_serve)

    init = actions.add_parser(
        "init",
        help="installer frappe sur un serveur PostgreSQL existant du centre",
        description="Crée la base, les rôles et le schéma sur un serveur existant.",
    )
    init.add_argument(
        "--url", required=True, help="postgresql://ADMIN:MOT_DE_PASSE@HÔTE:PORT/postgres"
    )
    init.add_argument("--seat-host", default=None, help="adresse du serveur vue des postes")
    init.set_defaults(func=run_init)

    opener = actions.add_parser(
        "open",
        help="ouvrir une séance (affiche son identifiant)",
        description="Ouvre une séance pour la salle : exercice, durée, profil, groupe.",
    )
    exercise = opener.add_mutually_exclusive_group(required=True)
    exercise.add_argument("--text", metavar="ID", help="test de frappe : identifiant du texte")
    exercise.add_argument("--dictation", metavar="ID", help="dictée : identifiant de l'exercice")
    opener.add_argument(
        "--correction",
        action="store_true",
        help="dictée : corriger le brouillon de reconnaissance vocale",
    )
    opener.add_argument("--duration", required=True, help="durée : 10m, 1m30s, 90s")
    opener.add_argument("--profile", default=None, help="profil de notation")
    opener.add_argument("--group", default=None, help="groupe (classe, promotion)")
    opener.add_argument(
        "--no-backspace", action="store_true", help="interdire le retour arrière (frappe)"
    )
    opener.add_argument("--url", default=None, help=_URL_HELP)
    opener.set_defaults(func=run_open)

    seances = actions.add_parser("seances", help="lister les séances")
    seances.add_argument("--url", default=None, help=_URL_HELP)
    seances.set_defaults(func=run_seances)

    close = actions.add_parser(
        "close", help="clore une séance : les résultats officiels sont figés"
    )
    close.add_argument("seance", metavar="SÉANCE")
    close.add_argument("--url", default=None, help=_URL_HELP)
    close.set_defaults(func=run_close)

    release = actions.add_parser(
        "release",
        help="libérer l'épreuve d'un poste en panne (reprise sur un autre poste)",
    )
    release.add_argument("attempt", type=int, metavar="ÉPREUVE", help="numéro de l'épreuve")
    release.add_argument("--url", default=None, help=_URL_HELP)
    release.set_defaults(func=run_release)

    results = actions.add_parser(
        "results",
        help="résultats officiels d'une séance (tableau, CSV, JSON ; fichiers signés)",
        description=(
            "Note chaque épreuve depuis le journal central avec la référence et le profil de la "
            "séance. Les fichiers écrits (--output, --records) sont signés avec la clé du centre."
        ),
    )
    results.add_argument("seance", metavar="SÉANCE")
    results.add_argument("--format", choices=("table", "csv", "json"), default="table")
    results.add_argument(
        "--csv-style",
        choices=("francais", "international"),
        default="francais",
        help="CSV : « ; » et virgule décimale pour Excel en français (défaut), ou « , » et point",
    )
    results.add_argument("--output", type=Path, default=None, help="écrire dans FICHIER (+ .sig)")
    results.add_argument(
        "--records",
        type=Path,
        default=None,
        metavar="DOSSIER",
        help="un fichier de résultat signé par épreuve (lisible par frappe score --key)",
    )
    results.add_argument("--url", default=None, help=_URL_HELP)
    results.set_defaults(func=run_results)

    verify = actions.add_parser(
        "verify",
        help="vérifier les chaînes d'empreintes de tous les journaux",
        description="Recalcule chaque chaîne et signale toute ligne modifiée ou manquante.",
    )
    verify.add_argument("seance", metavar="SÉANCE", nargs="?", default=None)
    verify.add_argument(
        "--export",
        type=Path,
        default=None,
        metavar="RÉSULTATS.json",
        help="export signé de la séance (results --format json --output) : ses têtes de "
        "chaîne, gardées hors du serveur, doivent toujours être sur le journal",
    )
    verify.add_argument(
        "--key", type=Path, default=None, metavar="CENTRE.pub", help="vérifier d'abord sa signature"
    )
    verify.add_argument("--url", default=None, help=_URL_HELP)
    verify.set_defaults(func=run_verify)

    keys = actions.add_parser(
        "keys",
        help="clé Ed25519 du centre (créée si absente) : affiche la clé publique à diffuser",
    )
    keys.add_argument("--dir", type=Path, default=None, help="dossier des clés")
    keys.set_defaults(func=run_keys)

    room_seat.register_room(actions)


# -- serve / init ------------------------------------------------------------------------------


class _StopRequestedError(Exception):
    """SIGTERM received: shut down like Ctrl+C."""


def _on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise _StopRequestedError


def run_serve(args: argparse.Namespace) -> int:
    """``frappe room serve``: start, print the seat URL, stay until Ctrl+C, stop cleanly."""
    from frappe.storage.room.server import start_server, stop_server  # noqa: PLC0415

    if not 1 <= args.port <= 65535:
        raise RoomError(f"port invalide : {args.port}")
    print("frappe : démarrage du serveur de salle…", file=sys.stderr, flush=True)
    ssl = {"auto": None, "on": True, "off": False}[args.ssl]
    server = start_server(port=args.port, listen=args.listen, ssl=ssl)
    state = server.state
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        print(
            f"Serveur de salle prêt (PostgreSQL {server.version}, {args.listen}:{args.port}). "
            "Adresse à donner aux postes (frappe room join) :",
            flush=True,
        )
        print(state.seat_url, flush=True)
        print("Ctrl+C pour arrêter le serveur.", flush=True)
        while True:
            time.sleep(2.0)
            if not server.cluster.is_running():
                raise RoomError("le serveur PostgreSQL s'est arrêté (voir son journal)")
    except (KeyboardInterrupt, _StopRequestedError):
        print("\nfrappe : arrêt du serveur de salle…", file=sys.stderr, flush=True)
    finally:
        signal.signal(signal.SIGTERM, previous)
        stop_server(server)
    print("Serveur de salle arrêté.", flush=True)
    return 0


def run_init(args: argparse.Namespace) -> int:
    """``frappe room init --url ADMIN_URL``."""
    from frappe.storage.room.client import connect  # noqa: PLC0415
    from frappe.storage.room.server import init_existing  # noqa: PLC0415

    connect(args.url).close()  # a wrong URL or password: one clear line before anything else
    state = init_existing(args.url, seat_host=args.seat_host)
    print("Base « frappe », rôles et schéma en place. Adresse à donner aux postes :")
    print(state.seat_url)
    return 0


# -- séances -----------------------------------------------------------------------------------


def _trainer_connection(args: argparse.Namespace) -> Any:
    from frappe.storage.room.client import connect  # noqa: PLC0415
    from frappe.storage.room.server import trainer_url  # noqa: PLC0415

    return connect(trainer_url(getattr(args, "url", None)))


def _session_config(
    args: argparse.Namespace, duration: float
) -> tuple[SessionConfig, str, AudioFingerprint | None]:
    """The séance's session config (the same builders as ``frappe typing``/``dictation``),
    its profile and, for a dictation, its recording's fingerprint (the seats check theirs)."""
    if args.text:
        from frappe.exercises.texts import find_text  # noqa: PLC0415
        from frappe.runs.typing import TypingSpec  # noqa: PLC0415

        profile = args.profile or "frappe"
        spec = TypingSpec(
            candidate=Candidate("", None),
            text=find_text(args.text),
            duration_s=duration,
            backspace_allowed=not args.no_backspace,
            profile=scoring_profile(profile),
            live_feedback=False,
            mode="exam",
        )
        return spec.session_config(), profile, None
    from frappe.exercises.dictations import find_dictation  # noqa: PLC0415
    from frappe.runs.dictation import DICTATION_PROFILE, DictationSpec  # noqa: PLC0415
    from frappe.runs.room_dictation import audio_fingerprint  # noqa: PLC0415

    profile = args.profile or DICTATION_PROFILE
    dictation = find_dictation(args.dictation)
    dictation_spec = DictationSpec(
        candidate=Candidate("", None),
        dictation=dictation,
        deadline_s=duration,
        profile=scoring_profile(profile),
        mode="exam",
        exercise="correction" if args.correction else "transcription",
    )
    config = dictation_spec.session_config()
    return config, profile, audio_fingerprint(dictation)


def run_open(args: argparse.Namespace) -> int:
    """``frappe room open``: prints the séance id on its own line."""
    from frappe.storage.room.client import open_seance  # noqa: PLC0415

    duration = parse_duration(args.duration)
    if not 5 <= duration <= 4 * 3600:
        raise ExerciseError(f"durée de {format_duration(duration)} hors limites (5 s à 4 h)")
    if args.correction and not args.dictation:
        raise ExerciseError("--correction va avec --dictation")
    config, profile, audio = _session_config(args, duration)
    with _trainer_connection(args) as conn:
        seance = open_seance(
            conn,
            config,
            profile_name=profile,
            group_name=args.group,
            audio_sha256=audio.sha256 if audio is not None else None,
            audio_duration_s=audio.duration_s if audio is not None else None,
        )
    print(
        f"Séance ouverte : {seance.exercise_title or seance.exercise_id}, "
        f"{format_duration(seance.duration_s)}, profil {seance.profile_name}"
        + (f", groupe {seance.group_name}" if seance.group_name else ""),
        file=sys.stderr,
    )
    print(seance.id)
    return 0


def run_seances(args: argparse.Namespace) -> int:
    """``frappe room seances``."""
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    from frappe.storage.room.client import list_attempts, list_seances  # noqa: PLC0415

    with _trainer_connection(args) as conn:
        found = list_seances(conn)
        counts = {s.id: len(list_attempts(conn, s.id)) for s in found}
    table = Table(title="Séances")
    for column in (
        "séance",
        "exercice",
        "durée",
        "profil",
        "groupe",
        "ouverte",
        "état",
        "épreuves",
    ):
        table.add_column(column)
    for seance in found:
        table.add_row(
            seance.id,
            seance.exercise_id,
            format_duration(seance.duration_s),
            seance.profile_name,
            seance.group_name or "",
            f"{seance.opened_at.astimezone():%d/%m %H:%M}",
            "close" if seance.closed_at else "ouverte",
            str(counts[seance.id]),
        )
    Console().print(table)
    return 0


def run_close(args: argparse.Namespace) -> int:
    """``frappe room close SEANCE``."""
    from frappe.storage.room.official import close_seance  # noqa: PLC0415

    with _trainer_connection(args) as conn:
        seance, results = close_seance(conn, args.seance)
    handed = sum(1 for r in results if r.state == "handed_in")
    print(
        f"Séance {seance.id} close : {len(results)} épreuve(s), {handed} remise(s), "
        f"{len(results) - handed} interrompue(s). Résultats officiels figés."
    )
    # The chain heads, to copy onto the procès-verbal: a journal truncated or rewritten later
    # on the server no longer ends on them.
    for result in results:
        print(
            f"  épreuve {result.attempt_id} — {result.candidate.name} — "
            f"{result.head_seq} lignes — empreinte {result.head_hash[:16]}"
        )
    return 0


def run_release(args: argparse.Namespace) -> int:
    """``frappe room release ATTEMPT``."""
    from frappe.storage.room.client import release_attempt  # noqa: PLC0415

    with _trainer_connection(args) as conn:
        release_attempt(conn, args.attempt)
    print(
        f"Épreuve {args.attempt} libérée : le candidat peut reprendre sur un poste libre "
        "(« Reprendre sur ce poste »)."
    )
    return 0


# -- results -----------------------------------------------------------------------------------

_TABLE = (
    ("faults", "fautes", "{:g}"),
    ("speed", "vitesse", "{:.1f}"),
    ("accuracy", "précision", "{:.1%}"),
    ("mark_20", "note/20", "{:.1f}"),
)
_CSV_METRICS = (
    "faults",
    "speed",
    "speed_unit",
    "accuracy",
    "wer",
    "cer",
    "gross_wpm",
    "net_wpm",
    "mark_20",
    "passed",
)


_CSV_HEADERS_FR = {
    "seance": "Séance",
    "attempt": "Épreuve",
    "candidate": "Candidat",
    "candidate_id": "Identifiant",
    "state": "État",
    "official": "Officiel",
    "duration_s": "Durée (s)",
    "faults": "Fautes",
    "speed": "Vitesse",
    "speed_unit": "Unité",
    "accuracy": "Précision",
    "wer": "WER",
    "cer": "CER",
    "gross_wpm": "Mots/min bruts (5 car.)",
    "net_wpm": "Mots/min nets (5 car.)",
    "mark_20": "Note /20",
    "passed": "Réussi / validé",
    "journal_lines": "Lignes du journal",
    "journal_head_sha256": "Empreinte du journal (SHA-256)",
}


def _render_csv(rows: list[dict[str, Any]], style: str = "francais") -> str:
    """``francais`` (default, as every CSV of frappe): for French Excel — ``;``, decimal
    comma, UTF-8 BOM, French headers; ``international``: ``,`` and ``.``."""
    if style == "francais":
        from frappe.reports.csv_export import Column, csv_text  # noqa: PLC0415

        flat = [
            {
                "seance": row["seance"],
                "attempt": row["attempt"],
                "candidate": row["candidate"]["name"],
                "candidate_id": row["candidate"]["id"],
                "state": row["state"],
                "official": row["official"],
                "duration_s": row["duration_s"],
                **{key: row["metrics"].get(key) for key in _CSV_METRICS},
                "journal_lines": row["journal"]["lines"],
                "journal_head_sha256": row["journal"]["head_sha256"],
            }
            for row in rows
        ]
        columns = [Column(key, header) for key, header in _CSV_HEADERS_FR.items()]
        return csv_text(flat, columns, "francais")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "seance",
            "attempt",
            "candidate",
            "candidate_id",
            "state",
            "official",
            "duration_s",
            *_CSV_METRICS,
            "journal_lines",
            "journal_head_sha256",
        ]
    )
    for row in rows:
        metrics = row["metrics"]
        writer.writerow(
            [
                row["seance"],
                row["attempt"],
                row["candidate"]["name"],
                row["candidate"]["id"] or "",
                row["state"],
                row["official"],
                row["duration_s"],
                *[_csv_cell(metrics.get(key)) for key in _CSV_METRICS],
                row["journal"]["lines"],
                row["journal"]["head_sha256"],
            ]
        )
    return buffer.getvalue()


def _csv_cell(value: object) -> object:
    if isinstance(value, float):
        return f"{value:.4f}"
    return "" if value is None else value


def _print_table(seance: Any, results: list[Any]) -> None:
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    from frappe.storage.room.official import STATE_LABELS  # noqa: PLC0415

    status = "officiels (séance close)" if seance.closed_at else "provisoires (séance ouverte)"
    table = Table(title=f"Séance {seance.id} — {seance.exercise_title} — résultats {status}")
    table.add_column("épreuve", justify="right")
    table.add_column("candidat")
    table.add_column("état")
    for _key, label, _fmt in _TABLE:
        table.add_column(label, justify="right")
    for result in results:
        cells = []
        for key, _label, fmt in _TABLE:
            value = result.metrics.get(key)
            cells.append(fmt.format(value) if isinstance(value, int | float) else "—")
        table.add_row(
            str(result.attempt_id),
            result.candidate.name,
            STATE_LABELS.get(result.state, result.state),
            *cells,
        )
    Console().print(table)


def _signing_key() -> Any:
    from frappe.storage.signing import ensure_centre_key, load_private_key  # noqa: PLC0415

    private, public, created = ensure_centre_key()
    if created:
        print(
            f"frappe : clé du centre créée ({private}, 0600) ; clé publique à diffuser : {public}",
            file=sys.stderr,
        )
    return load_private_key(private)


def _write_signed(path: Path, text: str, key: Any) -> None:
    from frappe.storage.signing import sign_file  # noqa: PLC0415

    try:
        write_private(path, text.encode("utf-8"))  # atomic, 0600: candidates' names and marks
    except OSError as error:
        raise ConfigError(f"{path} : écriture impossible ({error.strerror})") from error
    sign_file(path, key)


def run_results(args: argparse.Namespace) -> int:
    """``frappe room results SEANCE``."""
    from frappe.storage.room.official import seance_results  # noqa: PLC0415

    with _trainer_connection(args) as conn:
        seance, results = seance_results(conn, args.seance)
    rows = [result.to_json() for result in results]
    if args.format == "json":
        text = json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    elif args.format == "csv":
        text = _render_csv(rows, args.csv_style)
    else:
        text = ""
    key = _signing_key() if args.output or args.records else None
    if args.records:
        for result in results:
            name = f"{seance.id}-{result.attempt_id}-{slugify(result.candidate.name)}.json"
            record_text = json.dumps(result.record.to_dict(), ensure_ascii=False, indent=2)
            _write_signed(args.records / name, record_text + "\n", key)
        print(
            f"frappe : {len(results)} fichier(s) de résultat signés dans {args.records}",
            file=sys.stderr,
        )
    if args.output:
        if args.format == "table":
            raise ConfigError("--output va avec --format csv ou json")
        _write_signed(args.output, text, key)
        print(f"frappe : résultats écrits et signés : {args.output}", file=sys.stderr)
    elif args.format == "table":
        _print_table(seance, results)
    else:
        sys.stdout.write(text)
    return 0


def _export_heads(path: Path, key_path: Path | None) -> dict[int, tuple[int, str]]:
    """Attempt id → (lines, head hash) of a séance's JSON export, its signature checked first
    when a key is given."""
    if key_path is not None:
        from frappe.storage.signing import check_signature, load_public_key  # noqa: PLC0415

        check = check_signature(path, load_public_key(key_path))
        if check.status != "valid":
            raise ConfigError(f"{path} : {check.label} — ses têtes de chaîne ne prouvent rien")
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
        return {
            int(row["attempt"]): (int(row["journal"]["lines"]), str(row["journal"]["head_sha256"]))
            for row in rows
        }
    except OSError as error:
        raise ConfigError(f"{path} : illisible ({error.strerror})") from error
    except (ValueError, TypeError, KeyError) as error:
        raise ConfigError(
            f"{path} : ce n'est pas un export JSON de frappe room results ({error})"
        ) from error


def run_verify(args: argparse.Namespace) -> int:
    """``frappe room verify [SEANCE]``: exit 1 when a chain is broken."""
    from frappe.storage.room.chain import verify_chains  # noqa: PLC0415

    heads = _export_heads(args.export, args.key) if args.export else None
    with _trainer_connection(args) as conn:
        report = verify_chains(conn, args.seance, outside_heads=heads)
    for found in report.breaks:
        print(f"RUPTURE : {found.describe()}")
    if report.breaks:
        print(
            f"frappe : {len(report.breaks)} rupture(s) de chaîne sur {report.attempts} "
            f"épreuve(s) ({report.lines} lignes vérifiées)"
        )
        return 1
    print(f"Chaînes intactes : {report.attempts} épreuve(s), {report.lines} lignes vérifiées.")
    return 0


def run_keys(args: argparse.Namespace) -> int:
    """``frappe room keys``: the centre's key pair (made when missing)."""
    from frappe.storage.signing import (  # noqa: PLC0415
        ensure_centre_key,
        fingerprint,
        load_public_key,
    )

    private, public, created = ensure_centre_key(args.dir)
    print(f"Clé privée (ne quitte pas ce poste, mode 0600) : {private}")
    print(f"Clé publique à diffuser : {public}")
    print(f"Empreinte : {fingerprint(load_public_key(public))}")
    if created:
        print("(clé créée à l'instant)")
    return 0
