"""``frappe suivi …``: the trainer's tableaux de suivi from the command line — groups and
rosters, the class view, a candidate's progression, exports (XLSX, CSV, PDF procès-verbal) and
attestations. Thin: reading goes through a ``ResultStore``, numbers through
``frappe.reports.statistics``, files through ``frappe.reports``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from frappe import durations
from frappe.errors import ConfigError, FrappeError

if TYPE_CHECKING:
    from rich.console import Console

    from frappe.exercises.record import Mode
    from frappe.reports.selection import Selection
    from frappe.storage.store import Group, ResultFilter, ResultStore, StoredResult

__all__ = ["register"]

# Each command imports what it uses (Rich, the results store, statistics, tables, groups, SQLite
# history, settings) when it runs, never at import: every ``frappe`` command builds this
# module's parser, and ``frappe score`` on a batch must not pay for them (start-up time, issue 14).

MODES: dict[str, Mode] = {"examen": "exam", "entrainement": "practice", "entraînement": "practice"}


def parse_day(value: str) -> date:
    """A command-line date, ISO or French (JJ/MM/AAAA); argparse's one-line error otherwise."""
    try:
        return durations.parse_day(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _db_option(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--db", type=Path, default=None, help="base d'historique (SQLite)")
    source.add_argument(
        "--url", default=None, help="serveur de la salle (adresse postgresql:// du formateur)"
    )
    source.add_argument(
        "--salle", action="store_true", help="le serveur de salle lancé sur ce poste"
    )


def _period_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seance", default=None, help="séance (« AAAA-MM-JJ exercice » ou id)")
    parser.add_argument("--from", dest="date_from", type=parse_day, default=None, help="du (date)")
    parser.add_argument("--to", dest="date_to", type=parse_day, default=None, help="au (inclus)")


@contextmanager
def open_store(args: argparse.Namespace) -> Iterator[ResultStore]:
    """The results store the command reads: the room's server (``--url``, or ``--salle`` for
    the one this machine runs), else the local SQLite history (``--db``)."""
    url = getattr(args, "url", None)
    if url or getattr(args, "salle", False):
        from frappe.storage.room.server import trainer_url  # noqa: PLC0415
        from frappe.storage.room.store import open_room_store  # noqa: PLC0415

        with open_room_store(trainer_url(url)) as room:
            yield room
        return
    from frappe.storage.history import default_db_path, open_history  # noqa: PLC0415 - start-up

    with open_history(getattr(args, "db", None) or default_db_path()) as history:
        yield history


def register(subparsers: Any) -> None:
    """Add ``frappe suivi`` and its subcommands."""
    suivi = subparsers.add_parser(
        "suivi",
        help="tableaux de suivi du formateur (groupes, classe, candidat, exports)",
        description="Groupes et listes, vue de classe, progression d'un candidat, exports.",
    )
    commands = suivi.add_subparsers(dest="suivi_command", metavar="SOUS-COMMANDE", required=True)

    groupe = commands.add_parser("groupe", help="groupes (promotions) et listes de candidats")
    group_commands = groupe.add_subparsers(dest="groupe_command", metavar="ACTION", required=True)
    importer = group_commands.add_parser(
        "importer", help="importer une liste CSV ou XLSX dans un groupe"
    )
    importer.add_argument("fichier", type=Path, help="liste (.csv ; ou , — .xlsx)")
    importer.add_argument("--nom", required=True, help="nom du groupe")
    importer.add_argument("--debut", type=parse_day, default=None, help="début de la formation")
    importer.add_argument("--fin", type=parse_day, default=None, help="fin de la formation")
    importer.add_argument("--profil", default=None, help="profil de notation (objectifs)")
    importer.add_argument("--vitesse", type=float, default=None, help="vitesse visée")
    importer.add_argument("--precision", type=float, default=None, help="précision visée (%%)")
    _db_option(importer)
    importer.set_defaults(func=run_group_import)
    liste = group_commands.add_parser("liste", help="lister les groupes")
    _db_option(liste)
    liste.set_defaults(func=run_group_list)
    voir = group_commands.add_parser("voir", help="liste d'un groupe et fusions proposées")
    voir.add_argument("groupe")
    _db_option(voir)
    voir.set_defaults(func=run_group_show)
    fusion = group_commands.add_parser(
        "fusionner", help="rattacher un nom des résultats à un membre du groupe"
    )
    fusion.add_argument("groupe")
    fusion.add_argument("nom_resultats", help="nom tel qu'il figure dans les résultats")
    fusion.add_argument("membre", help="nom du membre dans la liste")
    _db_option(fusion)
    fusion.set_defaults(func=run_group_merge)

    classe = commands.add_parser("classe", help="vue de classe d'un groupe")
    classe.add_argument("groupe")
    _period_options(classe)
    classe.add_argument(
        "--mode", choices=sorted(MODES), default="examen", help="examen (défaut) ou entraînement"
    )
    _db_option(classe)
    classe.set_defaults(func=run_class)

    candidat = commands.add_parser("candidat", help="progression d'un candidat")
    candidat.add_argument("candidat", help="nom (ou partie) ou identifiant")
    _db_option(candidat)
    candidat.set_defaults(func=run_candidate)

    export = commands.add_parser("export", help="classeur XLSX, CSV ou procès-verbal PDF")
    export.add_argument("--groupe", default=None)
    _period_options(export)
    export.add_argument("--format", choices=("xlsx", "csv", "pdf"), required=True)
    export.add_argument("--output", "-o", type=Path, required=True)
    export.add_argument(
        "--csv-style",
        choices=("francais", "international"),
        default="francais",
        help="CSV : « ; » et virgule décimale (défaut) ou « , » et point",
    )
    export.add_argument(
        "--centre", default=None, help="nom du centre (PDF ; défaut : [centre] name de frappe.toml)"
    )
    _db_option(export)
    export.set_defaults(func=run_export)

    attestation = commands.add_parser("attestation", help="attestation PDF d'un candidat")
    attestation.add_argument("candidat", help="nom (ou partie) ou identifiant")
    attestation.add_argument("--output", "-o", type=Path, required=True)
    attestation.add_argument(
        "--centre", default=None, help="nom du centre (défaut : [centre] name de frappe.toml)"
    )
    _db_option(attestation)
    attestation.set_defaults(func=run_attestation)


def _group(store: ResultStore, name: str) -> Group:
    group = store.group(name)
    if group is None:
        known = ", ".join(g.name for g in store.groups()) or "aucun"
        raise FrappeError(f"groupe inconnu : « {name} » (groupes : {known})")
    return group


def run_group_import(args: argparse.Namespace) -> int:
    """``frappe suivi groupe importer FICHIER --nom G``."""
    from rich.console import Console  # noqa: PLC0415 - start-up time

    from frappe.runs.groups import prepare_import, save_import  # noqa: PLC0415 - start-up time

    accuracy = None if args.precision is None else args.precision / 100.0
    console = Console()
    with open_store(args) as store:
        prepared = prepare_import(
            store,
            args.fichier,
            args.nom,
            starts_on=args.debut,
            ends_on=args.fin,
            profile=args.profil,
            speed_target=args.vitesse,
            accuracy_target=accuracy,
        )
        proposals = save_import(store, prepared)
    group = prepared.group
    for name in prepared.repeated:
        console.print(f"  Ligne en double ignorée : « {name} »", highlight=False)
    console.print(f"Groupe « {group.name} » : {len(group.members)} candidats importés.")
    for first, second in prepared.near_duplicates:
        console.print(f"  Doublon possible dans la liste : « {first} » / « {second} »")
    _print_proposals(console, group.name, proposals)
    return 0


def _print_proposals(console: Console, group: str, proposals: list[Any]) -> None:
    for proposal in proposals:
        console.print(
            f"  Proposé : « {proposal.result_name} » ({proposal.results} résultat(s)) est-il "
            f"« {proposal.member.name} » ? — frappe suivi groupe fusionner "
            f'"{group}" "{proposal.result_name}" "{proposal.member.name}"',
            soft_wrap=True,
            highlight=False,
        )


def run_group_list(args: argparse.Namespace) -> int:
    """``frappe suivi groupe liste``."""
    with open_store(args) as store:
        groups = store.groups()
    if not groups:
        print("Aucun groupe. Importez une liste : frappe suivi groupe importer FICHIER --nom G")
        return 0
    for group in groups:
        dates = ""
        if group.starts_on or group.ends_on:
            start = group.starts_on.strftime("%d/%m/%Y") if group.starts_on else "?"
            end = group.ends_on.strftime("%d/%m/%Y") if group.ends_on else "?"
            dates = f" ({start} → {end})"
        print(f"{group.name}{dates} : {len(group.members)} candidats")
    return 0


def run_group_show(args: argparse.Namespace) -> int:
    """``frappe suivi groupe voir G``."""
    from rich.console import Console  # noqa: PLC0415 - start-up time

    from frappe.runs.groups import stored_names  # noqa: PLC0415 - start-up time
    from frappe.storage.roster import propose_merges  # noqa: PLC0415 - start-up time

    console = Console()
    with open_store(args) as store:
        group = _group(store, args.groupe)
        proposals = propose_merges(group, stored_names(store))
    console.print(f"Groupe « {group.name} »", style="bold")
    for member in group.members:
        ident = f" [{member.candidate_id}]" if member.candidate_id else ""
        aliases = f" (aussi : {', '.join(member.aliases)})" if member.aliases else ""
        console.print(f"  {member.name}{ident}{aliases}", highlight=False)
    _print_proposals(console, group.name, proposals)
    return 0


def run_group_merge(args: argparse.Namespace) -> int:
    """``frappe suivi groupe fusionner G NOM_RESULTATS MEMBRE``: the trainer's decision."""
    from frappe.runs.groups import attach_name  # noqa: PLC0415 - start-up time

    with open_store(args) as store:
        attach_name(store, _group(store, args.groupe), args.nom_resultats, args.membre)
    print(f"« {args.nom_resultats} » est maintenant rattaché à « {args.membre} ».")
    return 0


def selection_of(args: argparse.Namespace, group: str | None) -> Selection:
    """The group, ``--seance`` and ``--from``/``--to`` period (``--to`` inclusive)."""
    from frappe.reports.selection import Selection  # noqa: PLC0415 - start-up time

    try:
        return Selection(group, args.seance, args.date_from, args.date_to)
    except ValueError as error:
        raise FrappeError(str(error)) from None


def period_filter(args: argparse.Namespace, group: str | None) -> ResultFilter:
    """The store filter of ``--groupe``/``--from``/``--to`` (``--to`` inclusive)."""
    return selection_of(args, group).result_filter()


def select_results(
    store: ResultStore, args: argparse.Namespace, group: str | None
) -> list[StoredResult]:
    """Results of the group and period, narrowed to ``--seance`` when given."""
    chosen = selection_of(args, group)
    results = chosen.narrow(store.results(chosen.result_filter()))
    if args.seance and not results:
        raise FrappeError(f"séance inconnue ou vide : « {args.seance} »")
    return results


def _title(group: str | None, args: argparse.Namespace) -> str:
    return selection_of(args, group).title()


def run_class(args: argparse.Namespace) -> int:
    """``frappe suivi classe GROUPE``."""
    from rich.console import Console  # noqa: PLC0415 - start-up time

    from frappe.reports.statistics import class_view  # noqa: PLC0415 - start-up time
    from frappe.reports.tables import class_renderable  # noqa: PLC0415 - start-up time

    with open_store(args) as store:
        group = _group(store, args.groupe)
        results = select_results(store, args, group.name)
    view = class_view(results, group=group, mode=MODES[args.mode], title=_title(group.name, args))
    Console().print(class_renderable(view))
    return 0


def find_candidate(store: ResultStore, query: str) -> tuple[list[StoredResult], Group | None]:
    """Every result of the one candidate ``query`` names (partial name or id), and a group of
    theirs; FrappeError when nobody or several people match."""
    from frappe.storage.store import ResultFilter, name_key, search_key  # noqa: PLC0415

    results = store.results(ResultFilter(candidate=query))
    if not results:
        raise FrappeError(f"aucun résultat pour « {query} »")
    people: dict[str, list[StoredResult]] = {}
    for result in results:
        people.setdefault(result.candidate_id or name_key(result.candidate_name), []).append(result)
    if len(people) > 1:
        exact = [
            key
            for key, rows in people.items()
            if key == query.strip() or search_key(rows[0].candidate_name) == search_key(query)
        ]
        if len(exact) != 1:
            names = sorted({rows[0].candidate_name for rows in people.values()})
            raise FrappeError(
                f"« {query} » désigne plusieurs candidats : {', '.join(names)} — précisez"
            )
        people = {exact[0]: people[exact[0]]}
    (chosen,) = people.values()
    latest = chosen[0]
    group = next(
        (
            g
            for g in store.groups()
            if g.member_for(latest.candidate_name, latest.candidate_id) is not None
        ),
        None,
    )
    return chosen, group


def run_candidate(args: argparse.Namespace) -> int:
    """``frappe suivi candidat NOM|ID``."""
    from rich.console import Console  # noqa: PLC0415 - start-up time

    from frappe.reports.statistics import candidate_view, group_targets  # noqa: PLC0415
    from frappe.reports.tables import candidate_renderable  # noqa: PLC0415 - start-up time

    with open_store(args) as store:
        results, group = find_candidate(store, args.candidat)
    view = candidate_view(results, targets=group_targets(group))
    Console().print(candidate_renderable(view))
    return 0


def run_export(args: argparse.Namespace) -> int:
    """``frappe suivi export --format xlsx|csv|pdf --output FILE``."""
    from frappe.reports import exports  # noqa: PLC0415 (XlsxWriter/fpdf2 only when exporting)

    with open_store(args) as store:
        group = _group(store, args.groupe) if args.groupe else None
        results = select_results(store, args, group.name if group else None)
    if not results:
        raise FrappeError("aucun résultat à exporter pour ces critères")
    title = _title(group.name if group else None, args)
    if args.format == "xlsx":
        path = exports.write_workbook(results, args.output, group=group, title=title)
    elif args.format == "csv":
        path = exports.write_results_csv(results, args.output, style=args.csv_style)
    else:
        path = exports.write_proces_verbal(
            results, args.output, group=group, title=title, centre=_centre(args)
        )
    print(f"Export écrit : {path}")
    return 0


def _centre(args: argparse.Namespace) -> str:
    """``--centre``, else the centre named in the settings file (``[centre] name``)."""
    if args.centre is not None:
        return str(args.centre)
    from frappe.settings import load_settings  # noqa: PLC0415 - start-up time

    try:
        return load_settings().centre.name or ""
    except ConfigError as error:  # told, and the document is printed without the name
        print(f"Réglages ignorés : {error}", file=sys.stderr)
        return ""


def run_attestation(args: argparse.Namespace) -> int:
    """``frappe suivi attestation NOM|ID --output FILE.pdf``."""
    from frappe.reports import exports  # noqa: PLC0415

    with open_store(args) as store:
        results, group = find_candidate(store, args.candidat)
    path = exports.write_attestation(results, args.output, group=group, centre=_centre(args))
    print(f"Attestation écrite : {path}")
    return 0
