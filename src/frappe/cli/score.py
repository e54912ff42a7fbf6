"""``frappe score``: score a room's result files (or plain-text submissions) in one batch.

Every input gets one entry, in input order; a bad file gets ``ok: false`` and a one-line reason
and the batch goes on (``frappe.runs.batch_scoring``). This module reads the options and writes
the entries (``frappe.reports.batch_results``): the output file is written once everything is
computed, atomically: a failing batch leaves the previous one.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from frappe.errors import FrappeError, InputFileError, ProfileError
from frappe.reports.batch_results import (
    csv_header,
    entries_json_bytes,
    entry_csv_text,
    entry_json_text,
    json_text,
    render_csv,
    render_table,
)
from frappe.runs.batch_scoring import (
    BatchSettings,
    expand_input_names,
    output_files,
    score_inputs,
    score_inputs_as,
)
from frappe.runs.verification import centre_rules
from frappe.scoring.profiles import ScoringProfile, load_profiles, scoring_profile
from frappe.storage.files import write_atomic
from frappe.textio import plain_text, read_text_file

if TYPE_CHECKING:
    from rich.progress import Progress

    from frappe.reports.csv_export import CsvStyle

__all__ = ["register", "run_score"]

OutputFormat = Literal["table", "csv", "json"]

_Entry = TypeVar("_Entry")


def run_score(args: argparse.Namespace) -> int:
    """Handler of ``frappe score``."""
    try:
        settings = _settings_from(args)
    except FrappeError as error:
        print(f"frappe : {plain_text(str(error))}", file=sys.stderr)
        return 2
    suffixes = (".txt",) if settings.reference is not None else (".json",)
    files = expand_input_names(args.paths, suffixes, output_files(args.output))
    if not files:
        print("frappe : aucun fichier à noter", file=sys.stderr)
        return 2
    try:
        centre_key = _load_centre_key(args.key) if args.key else None
    except FrappeError as error:
        print(f"frappe : {error}", file=sys.stderr)
        return 2
    jobs = args.jobs or os.cpu_count() or 1
    output_format: OutputFormat = args.format
    if output_format in ("json", "csv") and centre_key is None:
        # Each worker writes its entries (JSON, or CSV lines): the parent only joins them.
        style: CsvStyle = getattr(args, "csv_style", "francais")
        finish = _ok_and_json if output_format == "json" else partial(_ok_and_csv, style=style)
        written = list(
            _with_progress(score_inputs_as(files, settings, finish, jobs=jobs), len(files))
        )
        encoded = [entry for _ok, entry in written]
        if output_format == "json":
            data = entries_json_bytes(encoded, b"\n")
        else:  # one join: one copy of the batch's bytes
            data = b"".join([csv_header(style).encode("utf-8", "backslashreplace"), *encoded])
        return _write_bytes(args, data) or (0 if all(ok for ok, _entry in written) else 1)
    if centre_key is None:  # the table: each entry without its error list, trimmed where scored
        scored = score_inputs_as(files, settings, _without_error_list, jobs=jobs)
    else:
        scored = score_inputs(files, settings, jobs=jobs)
    entries = list(_with_progress(scored, len(files)))
    if centre_key is not None:
        _check_signatures(entries, files, centre_key)
    if output_format == "json":
        text = json_text(entries) + "\n"
    elif output_format == "csv":
        text = render_csv(entries, getattr(args, "csv_style", "francais"))
    else:
        # Rich only for the table (start-up time of the other formats).
        from rich.console import Console  # noqa: PLC0415

        if args.output:
            console = Console(file=io.StringIO(), record=True, width=140)
            render_table(entries, console)
            text = console.export_text()
        else:
            render_table(entries, Console())
            text = ""
    failed = _write_output(args, text)
    if failed:
        return failed
    if centre_key is not None:
        _report_signatures(entries)
    signed = centre_key is None or all(e["signature"] == "valid" for e in entries)
    return 0 if signed and all(e["ok"] for e in entries) else 1


def _ok_and_json(entry: dict[str, Any]) -> tuple[bool, bytes]:
    """What the parent needs of an entry for ``--format json`` (run in the worker): its JSON
    already encoded as ``_write_output`` encodes (bytes cross between processes and join as
    one copy)."""
    return bool(entry["ok"]), entry_json_text(entry).encode("utf-8", "backslashreplace")


def _without_error_list(entry: dict[str, Any]) -> dict[str, Any]:
    """An entry as the table needs it (run in the worker): the errors found in the text are
    not shown there, and they are most of an entry (unpickling 2,000 entries' lists, then the
    garbage collector going over them, cost the parent a second)."""
    return {key: value for key, value in entry.items() if key != "errors"}


def _ok_and_csv(entry: dict[str, Any], *, style: CsvStyle) -> tuple[bool, bytes]:
    """``_ok_and_json`` for ``--format csv``: the entry's CSV line, encoded."""
    return bool(entry["ok"]), entry_csv_text(entry, style).encode("utf-8", "backslashreplace")


def _write_output(args: argparse.Namespace, text: str) -> int:
    """Write the output (file, atomically, or standard output); 2 when it cannot be written."""
    # Whatever cannot be encoded (a file name in another encoding) is escaped, never fatal;
    # in JSON the escape is a JSON escape.
    return _write_bytes(args, text.encode("utf-8", "backslashreplace"))


def _write_bytes(args: argparse.Namespace, data: bytes) -> int:
    """``_write_output`` of the encoded text."""
    if args.output:
        try:
            write_atomic(Path(args.output), data)  # 0600: candidates' names
        except OSError as error:
            print(
                f"frappe : {plain_text(args.output)} : écriture impossible "
                f"({error.strerror or error})",
                file=sys.stderr,
            )
            return 2
    elif data:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    return 0


def _load_centre_key(path: str) -> Any:
    from frappe.storage.signing import load_public_key  # noqa: PLC0415 - only with --key

    return load_public_key(Path(path))


def _check_signatures(entries: list[dict[str, Any]], files: Sequence[str], key: Any) -> None:
    """``--key``: each entry's ``signature`` (valid, unsigned, altered, other_key)."""
    from frappe.storage.signing import check_signature  # noqa: PLC0415

    # The entries' file names are escaped for display: the files are the inputs, in order.
    for entry, path in zip(entries, files, strict=True):
        entry["signature"] = check_signature(Path(path), key).status


def _report_signatures(entries: list[dict[str, Any]]) -> None:
    """One line per file that is not validly signed, then the counts (on stderr)."""
    labels = {
        "unsigned": "non signé",
        "altered": "MODIFIÉ depuis sa signature",
        "other_key": "signé par une autre clé",
    }
    for entry in entries:
        if entry["signature"] != "valid":
            print(f"✗ {plain_text(entry['file'])} : {labels[entry['signature']]}", file=sys.stderr)
    valid = sum(1 for e in entries if e["signature"] == "valid")
    print(
        f"signatures : {valid} valide(s), {len(entries) - valid} non signée(s) ou invalide(s)",
        file=sys.stderr,
    )


def _settings_from(args: argparse.Namespace) -> BatchSettings:
    profile: ScoringProfile | None = None
    profiles_file = Path(args.profiles) if args.profiles else None
    if args.profile:  # imposed on every input, from the centre's file or the bundled ones
        if profiles_file is not None:
            profiles = load_profiles(profiles_file)
            if args.profile not in profiles:
                raise ProfileError(f"profil « {args.profile} » absent de {args.profiles}")
            profile = profiles[args.profile]
        else:
            profile = scoring_profile(args.profile)
    reference = None
    rules = None
    if args.reference:
        try:
            reference = read_text_file(Path(args.reference)).strip("\n")
        except InputFileError as error:
            raise InputFileError(f"référence : {error}") from error
        if profile is None and profiles_file is not None:
            profile = load_profiles(profiles_file)["frappe"]
    else:
        rules = centre_rules(
            catalogue_dirs=[Path(folder) for folder in args.catalogue],
            profiles_file=profiles_file,
            profile_from_record=args.profile_from_record,
        )
    duration = _parse_duration(args.duration) if args.duration else None
    return BatchSettings(
        reference=reference,
        profile=profile.to_dict() if profile else None,
        duration_s=duration,
        include_errors=not args.no_errors,
        rules=rules,
        normalization=getattr(args, "normalization", None),
    )


def _parse_duration(text: str) -> float:
    from frappe.durations import parse_duration  # noqa: PLC0415 - keep startup light

    return parse_duration(text)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``frappe score``."""
    parser = subparsers.add_parser(
        "score",
        help="noter des fichiers de résultats ou des textes saisis",
        description=(
            "Note des fichiers de résultats (JSON, dossiers parcourus récursivement) ou, avec "
            "--reference, des textes saisis (.txt) comparés à une référence."
        ),
    )
    parser.add_argument("paths", nargs="+", metavar="CHEMIN", help="fichiers ou dossiers")
    parser.add_argument("--reference", metavar="REF.txt", help="texte de référence")
    parser.add_argument(
        "--format", choices=("table", "csv", "json"), default="table", help="format de sortie"
    )
    parser.add_argument("--output", metavar="FICHIER", help="écrire dans un fichier")
    parser.add_argument(
        "--csv-style",
        choices=("francais", "international"),
        default="francais",
        help="CSV : « ; », virgule décimale, BOM, en-têtes français (défaut) ; ou « , » et point",
    )
    parser.add_argument("--profile", metavar="NOM", help="profil de notation imposé")
    parser.add_argument(
        "--normalization",
        choices=("strict", "frappe", "wer"),
        help="normalisation imposée quel que soit le profil (wer : comme jiwer / la "
        "reconnaissance vocale)",
    )
    parser.add_argument(
        "--profiles",
        metavar="FICHIER.toml",
        help="profils du centre (les résultats sont notés avec le profil du centre de même nom)",
    )
    parser.add_argument(
        "--profile-from-record",
        action="store_true",
        help="noter avec le profil enregistré dans le fichier même s'il diffère de celui du centre",
    )
    parser.add_argument(
        "--catalogue",
        action="append",
        default=[],
        metavar="DOSSIER",
        help="textes et dictées du centre en plus de ceux livrés (références vérifiées)",
    )
    parser.add_argument(
        "--duration", metavar="DURÉE", help="durée de frappe des textes (.txt), ex. 10m"
    )
    parser.add_argument(
        "--jobs", type=int, default=0, metavar="N", help="processus (défaut : tous les cœurs)"
    )
    parser.add_argument("--no-errors", action="store_true", help="sans la liste des erreurs")
    parser.add_argument(
        "--key",
        metavar="CENTRE.pub",
        help="vérifier la signature de chaque fichier (FICHIER.sig) avec la clé du centre",
    )
    # Everything is written (output file synced, workers joined) when the handler returns.
    parser.set_defaults(func=run_score, exit_when_done=True)


def _with_progress(entries: Iterable[_Entry], total: int) -> Iterator[_Entry]:
    """Show a progress bar on stderr (a terminal only) once the batch has taken over a second."""
    if not sys.stderr.isatty():
        yield from entries
        return
    started = time.monotonic()
    bar: Progress | None = None
    task = None
    done = 0
    try:
        for entry in entries:
            done += 1
            if bar is None and time.monotonic() - started > 1.0:
                from rich.console import Console  # noqa: PLC0415 - a terminal's only
                from rich.progress import (  # noqa: PLC0415
                    BarColumn,
                    MofNCompleteColumn,
                    Progress,
                    TimeRemainingColumn,
                )

                bar = Progress(
                    "[progress.description]{task.description}",
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeRemainingColumn(),
                    console=Console(stderr=True),
                    transient=True,
                )
                bar.start()
                task = bar.add_task("Notation", total=total, completed=done)
            if bar is not None and task is not None:
                bar.update(task, completed=done)
            yield entry
    finally:
        if bar is not None:
            bar.stop()
