"""Command-line entry points for audio: ``audio devices``, ``play``, ``pedal test|learn``.

``register(subparsers)`` adds them to the main parser; each handler takes the parsed
namespace and returns the exit code. Errors are one French line on stderr and exit code 1;
Ctrl-C stops cleanly with exit code 130.
"""

from __future__ import annotations

import argparse
import dataclasses
import queue
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from frappe.errors import FrappeError

if TYPE_CHECKING:
    from frappe.audio.pedal import PedalEvent

__all__ = [
    "format_duration",
    "parse_duration",
    "register",
    "run_audio_devices",
    "run_pedal_learn",
    "run_pedal_test",
    "run_play",
]

_UNIT_RE = re.compile(
    r"^(?:(?P<h>\d+(?:[.,]\d+)?)h)?(?:(?P<m>\d+(?:[.,]\d+)?)m(?:in)?)?"
    r"(?:(?P<s>\d+(?:[.,]\d+)?)s?)?$"
)
_INTERRUPTED = 130

# Keyed by the values of ``frappe.audio.pedal.PedalRole`` (a StrEnum): this module imports
# the pedal code only in the commands that use it (start-up time of every other command).
_ROLE_LABELS = {
    "rewind": "retour",
    "play": "lecture",
    "forward": "avance",
    "none": "sans effet",
}


def parse_duration(text: str) -> float:
    """Seconds from ``90s``, ``5m``, ``1m30s``, ``1h2m``, ``10`` (seconds), ``1:30``, ``2,5s``."""
    raw = text.strip().lower().replace(" ", "")
    if not raw:
        raise ValueError("durée vide")
    if ":" in raw:
        parts = raw.split(":")
        if len(parts) > 3 or not all(re.fullmatch(r"\d+(?:[.,]\d+)?", p) for p in parts):
            raise ValueError(f"durée invalide : « {text} » (exemples : 90s, 5m, 1m30s, 1:30)")
        seconds = 0.0
        for part in parts:
            seconds = seconds * 60 + float(part.replace(",", "."))
        return seconds
    match = _UNIT_RE.match(raw)
    if match is None or not any(match.groupdict().values()):
        raise ValueError(f"durée invalide : « {text} » (exemples : 90s, 5m, 1m30s, 1:30)")
    values = {k: float(v.replace(",", ".")) if v else 0.0 for k, v in match.groupdict().items()}
    return values["h"] * 3600 + values["m"] * 60 + values["s"]


def format_duration(seconds: float) -> str:
    """``m:ss`` (or ``h:mm:ss``) for messages."""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _duration_arg(text: str) -> float:
    try:
        return parse_duration(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def _speed_arg(text: str) -> float:
    try:
        value = float(text.replace(",", "."))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"vitesse invalide : « {text} »") from error
    if not 0.5 <= value <= 1.5:
        raise argparse.ArgumentTypeError("la vitesse doit être comprise entre 0.5 et 1.5")
    return value


def _device_arg(text: str) -> int | str:
    return int(text) if text.strip().isdigit() else text


def _usb_id_arg(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"([0-9a-fA-F]{1,4}):([0-9a-fA-F]{1,4})", text.strip())
    if match is None:
        raise argparse.ArgumentTypeError(f"identifiant USB invalide : « {text} » (ex. 05f3:00ff)")
    return int(match.group(1), 16), int(match.group(2), 16)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``audio``, ``play`` and ``pedal`` to the main parser's subcommands."""
    audio = subparsers.add_parser("audio", help="sorties audio", description="Sorties audio.")
    audio_sub = audio.add_subparsers(dest="audio_command", required=True, metavar="COMMANDE")
    devices = audio_sub.add_parser(
        "devices", help="lister les sorties audio", description="Liste les sorties audio."
    )
    devices.set_defaults(func=run_audio_devices)

    play = subparsers.add_parser(
        "play",
        help="écouter un fichier audio",
        description="Joue un fichier audio (vitesse réglable, hauteur conservée).",
    )
    play.add_argument("file", type=Path, metavar="FICHIER")
    play.add_argument(
        "--speed", type=_speed_arg, default=1.0, help="vitesse, de 0.5 à 1.5 (défaut 1)"
    )
    play.add_argument("--start", type=_duration_arg, default=0.0, help="départ : 10s, 1m30s, 1:30…")
    play.add_argument(
        "--device", type=_device_arg, default=None, help="sortie audio (numéro ou nom)"
    )
    play.set_defaults(func=run_play)

    pedal = subparsers.add_parser(
        "pedal", help="pédale de transcription", description="Pédale de transcription USB."
    )
    pedal_sub = pedal.add_subparsers(dest="pedal_command", required=True, metavar="COMMANDE")
    test = pedal_sub.add_parser(
        "test", help="afficher l'état de la pédale", description="Affiche l'état de la pédale."
    )
    test.add_argument("--device", type=Path, default=None, help="chemin, ex. /dev/hidraw3")
    test.add_argument("--usb-id", type=_usb_id_arg, default=None, help="profil à utiliser")
    test.add_argument(
        "--pedal-profile",
        default=None,
        metavar="PROFIL",
        help="profil à utiliser (vec, philips-acc2310…) pour une FIFO ou un lien",
    )
    test.set_defaults(func=run_pedal_test)
    learn = pedal_sub.add_parser(
        "learn",
        help="apprendre une pédale inconnue",
        description="Apprend les boutons d'une pédale inconnue et enregistre son profil.",
    )
    learn.add_argument("--device", type=Path, default=None, help="chemin, ex. /dev/hidraw3")
    learn.add_argument("--usb-id", type=_usb_id_arg, default=None, help="ex. 05f3:00ff")
    learn.add_argument("--name", default=None, help="nom du profil")
    learn.add_argument(
        "--timeout", type=_duration_arg, default=10.0, help="attente par pédale (défaut 10s)"
    )
    learn.set_defaults(func=run_pedal_learn)


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 1


def run_audio_devices(args: argparse.Namespace) -> int:
    from frappe.audio.player import list_output_devices  # noqa: PLC0415 - keeps CLI start light

    try:
        devices = list_output_devices()
    except FrappeError as error:
        return _fail(error.message)
    if not devices:
        return _fail("Aucune sortie audio trouvée.")
    for device in devices:
        mark = "*" if device.is_default else " "
        print(
            f"{mark} {device.index:>3}  {device.name}  [{device.host_api}, "
            f"{device.channels} canaux, {device.default_rate:.0f} Hz]"
        )
    return 0


def run_play(args: argparse.Namespace) -> int:
    from frappe.audio.player import Player  # noqa: PLC0415 - imports PortAudio
    from frappe.exercises.playback import PlayerState  # noqa: PLC0415

    try:
        with Player(args.device) as player:
            player.load(args.file)
            if args.start:
                if args.start >= player.duration_s:
                    return _fail(
                        f"Départ ({format_duration(args.start)}) après la fin du fichier "
                        f"({format_duration(player.duration_s)})."
                    )
                player.seek(args.start)
            player.set_speed(args.speed)
            print(
                f"Lecture de {args.file.name} ({format_duration(player.duration_s)}) "
                f"à {player.speed:g}× sur {player.device_name} — Ctrl-C pour arrêter."
            )
            player.play()
            show = sys.stdout.isatty()
            while True:
                state = player.wait(0.5)
                if show:
                    print(
                        f"\r  {format_duration(player.position_s)} / "
                        f"{format_duration(player.duration_s)}",
                        end="",
                        flush=True,
                    )
                if state is not PlayerState.PLAYING:
                    break
            if show:
                print()
            if state is PlayerState.DEVICE_LOST:
                error = player.last_error
                return _fail(error.message if error else "Sortie audio perdue.")
    except FrappeError as error:
        return _fail(error.message)
    except KeyboardInterrupt:
        print("\nLecture arrêtée.")
        return _INTERRUPTED
    return 0


def run_pedal_test(args: argparse.Namespace) -> int:
    # The pedal code (and the audio package under it) only for this command: start-up time.
    from frappe.audio.pedal import (  # noqa: PLC0415 - start-up time
        PedalReader,
        PedalRole,
        find_pedal,
        load_pedal_config,
        pedal_label,
    )

    events: queue.Queue[PedalEvent | FrappeError] = queue.Queue()
    reader: PedalReader | None = None
    try:
        config = load_pedal_config()
        wanted: str | None = args.pedal_profile
        if args.usb_id is not None:
            wanted = f"{args.usb_id[0]:04x}:{args.usb_id[1]:04x}"
            if wanted not in config.profiles:
                return _fail(f"Aucun profil pour {wanted} : lancez « frappe pedal learn ».")
        path, profile = find_pedal(config, path=args.device, profile=wanted)
        reader = PedalReader(profile, path, events.put, events.put)
        reader.start()
        print(f"Pédale : {profile.name} ({path}). Appuyez sur les pédales ; Ctrl-C pour quitter.")
        while True:
            item = events.get()
            if isinstance(item, FrappeError):
                return _fail(item.message)
            role = profile.roles.get(item.pedal, PedalRole.NONE)
            down = reader.held
            held = ", ".join(pedal_label(p) for p in profile.buttons if p in down) or "aucune"
            verb = "appuyée" if item.pressed else "relâchée"
            print(
                f"{pedal_label(item.pedal)} ({_ROLE_LABELS[role]}) : {verb} — enfoncées : {held}",
                flush=True,
            )
    except FrappeError as error:
        return _fail(error.message)
    except KeyboardInterrupt:
        print()
        return _INTERRUPTED
    finally:
        if reader is not None:
            reader.stop()


def run_pedal_learn(args: argparse.Namespace) -> int:
    # The pedal code (and the audio package under it) only for this command: start-up time.
    from frappe.audio.pedal import (  # noqa: PLC0415 - start-up time
        PedalRole,
        ReportSource,
        hidraw_node,
        learn_profile,
        list_hid_devices,
        load_profiles,
        pedal_label,
        save_user_profile,
    )

    try:
        path: Path | None = args.device
        usb_id: tuple[int, int] | None = args.usb_id
        name: str | None = args.name
        devices = list_hid_devices()
        if path is None:
            known = load_profiles()
            unknown = [d for d in devices if d.usb_id not in known]
            if len(unknown) != 1:
                listing = ", ".join(f"{d.path} ({d.usb_id} {d.name})" for d in devices) or "aucun"
                return _fail(f"Précisez la pédale avec --device ; périphériques HID : {listing}.")
            path = unknown[0].path
        node = hidraw_node(path)
        match = next((d for d in devices if d.path.name == node.name), None)
        if usb_id is None and match is not None:
            usb_id = (match.vendor_id, match.product_id)
        if name is None and match is not None and match.name:
            name = match.name
        if usb_id is None:
            return _fail(
                f"Identifiant USB inconnu pour {path} : précisez --usb-id (ex. 05f3:00ff)."
            )
        source = ReportSource(path)
        try:
            profile = learn_profile(
                source,
                lambda text: print(text, flush=True),
                vendor_id=usb_id[0],
                product_id=usb_id[1],
                name=name,
                timeout_s=args.timeout,
            )
        finally:
            source.release()
        if match is None or node != path:
            # A FIFO, a pty or a udev symlink: the profile is for this path from now on (a bare
            # hidraw number changes when the pedal is plugged elsewhere, so it is not bound).
            profile = dataclasses.replace(profile, paths=(str(path),))
        saved = save_user_profile(profile)
    except FrappeError as error:
        return _fail(error.message)
    except KeyboardInterrupt:
        print()
        return _INTERRUPTED
    pedals = ", ".join(
        f"{pedal_label(p)} → {_ROLE_LABELS[profile.roles.get(p, PedalRole.NONE)]}"
        for p in profile.buttons
    )
    bound = f" ; lié à {path}" if profile.paths else ""
    print(
        f"Profil « {profile.name} » ({profile.usb_id}) enregistré dans {saved} : {pedals}{bound}."
    )
    return 0
