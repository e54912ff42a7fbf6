"""``frappe history reindex [RESULTS_DIR…]``: add to the history the result files it lacks
(rows that could not be written when a test was saved, or a new database after a damaged one
was moved away)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from frappe.errors import FrappeError

__all__ = ["register_history_actions", "run_reindex"]


def register_history_actions(history_parser: argparse.ArgumentParser) -> None:
    """Add the actions of ``frappe history`` (without one, it lists the history)."""
    actions: Any = history_parser.add_subparsers(
        dest="history_action", metavar="ACTION", parser_class=type(history_parser)
    )
    reindex = actions.add_parser(
        "reindex",
        help="reconstruire ou compléter l'historique depuis les fichiers de résultat",
        description=(
            "Lit tous les fichiers de résultat des dossiers donnés (par défaut : le dossier "
            "des résultats) et ajoute à l'historique ceux qui n'y sont pas. Les lignes déjà "
            "présentes ne changent pas ; un fichier illisible est signalé et les autres sont "
            "ajoutés."
        ),
    )
    reindex.add_argument(
        "folders", nargs="*", type=Path, metavar="DOSSIER", help="dossiers de résultats"
    )
    # Its own dest: a subparser's default would otherwise hide ``frappe history --db X reindex``.
    reindex.add_argument(
        "--db", dest="reindex_db", type=Path, default=None, help="base d'historique"
    )
    reindex.set_defaults(func=run_reindex)


def run_reindex(args: argparse.Namespace) -> int:
    """``frappe history reindex``: exit code 1 when some file could not be added."""
    from frappe.locations import user_data_dir  # noqa: PLC0415
    from frappe.runs.reindex import reindex_history  # noqa: PLC0415
    from frappe.storage.history import default_db_path  # noqa: PLC0415

    folders: list[Path] = list(args.folders) or [user_data_dir() / "results"]
    missing = [folder for folder in folders if not folder.exists()]
    if missing:
        raise FrappeError(f"{missing[0]} : dossier introuvable")
    db_path = args.reindex_db or getattr(args, "db", None) or default_db_path()
    report = reindex_history(folders, db_path)
    for problem in report.problems:
        print(f"frappe : {problem}", file=sys.stderr)
    print(
        f"Historique {db_path} : {len(report.added)} résultat(s) ajouté(s), "
        f"{report.present} déjà présent(s), {len(report.problems)} fichier(s) écarté(s)."
    )
    return 1 if report.problems else 0
