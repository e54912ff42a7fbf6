"""The seat's room actions: ``frappe room join``, ``frappe room take``, ``frappe room
dashboard`` (the server's — serve, init, open, close, verify, results — live in
:mod:`frappe.cli.room`, which adds these through :func:`register_room`)."""

from __future__ import annotations

import argparse
from typing import Any

import msgspec

from frappe.errors import ConfigError, ExerciseError

__all__ = ["register_room"]


def register_room(room: Any) -> None:
    """Add the seat's actions (and the dashboard) to ``frappe room``'s subparsers."""

    join = room.add_parser(
        "join",
        help="faire de ce PC un poste de la salle",
        description=(
            "Relie ce PC au serveur de salle : l'adresse postgresql://… affichée par "
            "« frappe room serve » (ou « init ») est vérifiée puis enregistrée dans frappe.toml "
            "([room] url). FRAPPE_ROOM_URL la remplace pour une session."
        ),
    )
    join.add_argument("url", help="adresse du serveur de salle (postgresql://…)")
    join.add_argument("--seat", default=None, help="nom de ce poste (défaut : nom de la machine)")
    join.set_defaults(func=run_join)

    take = room.add_parser(
        "take",
        help="lancer ce poste directement dans la séance ouverte (script de salle)",
        description=(
            "Ouvre la séance en cours pour ce candidat, directement sur les consignes ; "
            "quitter les résultats termine le programme."
        ),
    )
    take.add_argument("--candidate", required=True, help="« Nom Prénom »")
    take.add_argument("--candidate-id", default=None, help="identifiant du candidat")
    take.add_argument("--seance", default=None, help="séance (défaut : la seule ouverte)")
    take.add_argument("--url", default=None, help="serveur de salle (défaut : celui du poste)")
    take.add_argument("--no-instructions", action="store_true", help="passer l'écran des consignes")
    take.set_defaults(func=run_take)

    dashboard = room.add_parser(
        "dashboard",
        help="tableau de bord du formateur : tous les postes en direct",
        description=(
            "Chaque poste : candidat, exercice, état, avancement, vitesse, temps restant, "
            "incidents (collage refusé, perte de focus, déconnexions), puis les résultats."
        ),
    )
    dashboard.add_argument("--seance", default=None, help="séance (défaut : la dernière ouverte)")
    dashboard.add_argument(
        "--url", default=None, help="serveur de salle avec les identifiants du formateur"
    )
    dashboard.set_defaults(func=run_dashboard)


def run_join(args: argparse.Namespace) -> int:
    """``frappe room join URL``: check the server answers as a room, then keep the URL (and
    the seat's name) in ``frappe.toml``."""
    from frappe.settings import (  # noqa: PLC0415
        RoomSettings,
        load_settings,
        save_settings,
        seat_name,
    )
    from frappe.storage.room.seat_link import describe_room, open_seances_at  # noqa: PLC0415

    url = str(args.url).strip()
    seances = open_seances_at(url)
    settings = load_settings()  # a broken file is reported, never overwritten
    seat = args.seat.strip() if args.seat else settings.room.seat
    path = save_settings(
        msgspec.structs.replace(settings, room=RoomSettings(url=url, seat=seat or None))
    )
    print(f"Ce poste ({seat or seat_name()}) est relié à la salle {describe_room(url)}.")
    print(f"Adresse enregistrée dans {path}")
    if not seances:
        print("Aucune séance ouverte pour l'instant : elle s'affichera à l'accueil de frappe.")
    for seance in seances:
        print(f"Séance en cours : {seance}")
    return 0


def run_take(args: argparse.Namespace) -> int:
    """``frappe room take --candidate NAME``: the open séance, straight away (kiosk)."""
    from frappe.cli.app import app_config  # noqa: PLC0415
    from frappe.settings import room_url  # noqa: PLC0415
    from frappe.tui.config import StartRoomTake  # noqa: PLC0415

    name = " ".join(str(args.candidate).split())
    if not name:
        raise ExerciseError("le nom du candidat est vide")
    url = room_url(args.url)
    if url is None:
        raise ConfigError(
            "ce PC n'est pas un poste de salle : « frappe room join postgresql://… » d'abord"
        )
    from frappe.exercises.record import Candidate  # noqa: PLC0415
    from frappe.tui.app import make_app  # noqa: PLC0415

    start = StartRoomTake(
        candidate=Candidate(name, args.candidate_id or None),
        seance_id=args.seance,
        skip_instructions=bool(args.no_instructions),
    )
    app = make_app(app_config(args, room_url=url), start)
    return int(app.run() or 0)


def run_dashboard(args: argparse.Namespace) -> int:
    """``frappe room dashboard``: the trainer's live view."""
    from frappe.cli.app import app_config  # noqa: PLC0415
    from frappe.storage.room.server import trainer_url  # noqa: PLC0415
    from frappe.tui.app import make_app  # noqa: PLC0415
    from frappe.tui.config import StartDashboard  # noqa: PLC0415

    url = trainer_url(args.url)
    app = make_app(app_config(args), StartDashboard(url=url, seance_id=args.seance))
    return int(app.run() or 0)
