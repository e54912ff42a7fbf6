"""The ``frappe`` command line: a thin layer over the core.

Each command family registers its own subcommands (``register(subparsers)`` in its module of
``frappe.cli``); this module only builds the parser, routes errors and picks exit codes: 0
success, 1 some inputs failed, 2 usage error. frappe's own errors are printed as one line,
never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
import threading
from collections.abc import Sequence
from typing import Any

from frappe import __version__
from frappe.errors import RELAUNCH_EXIT_CODE, FrappeError

__all__ = ["EXIT_GRACE_S", "build_parser", "main"]

# Once the command is done, the process is gone within this time whatever the devices do: a
# sound server that died can leave PortAudio or JACK threads that never return, and the user
# must never need SIGTERM to get the terminal back.
EXIT_GRACE_S = 2.0

# Command families (modules of ``frappe.cli``) and the commands each registers (a test checks
# them against what its ``register`` adds), in the order they are listed in --help. A run imports
# only its command's family: the others' imports are tens of milliseconds of every
# ``frappe score``. A family whose optional dependencies are missing still registers: its
# commands explain what to install.
_COMMAND_FAMILIES: dict[str, tuple[str, ...]] = {
    "app": ("typing", "texts", "resume", "report", "history"),
    "dictation": ("dictations", "dictation"),
    "score": ("score",),
    "audio": ("audio", "play", "pedal"),
    "asr": ("reference", "asr"),
    "suivi": ("suivi",),
    "room": ("room",),
}
_COMMANDS = frozenset(name for names in _COMMAND_FAMILIES.values() for name in names)


def _family(name: str) -> Any:
    """The module of the command family ``name`` (imported on first use)."""
    return importlib.import_module(f"frappe.cli.{name}")


# argparse's own messages, in French. argparse looks its texts up through its module-level
# gettext functions at the moment it needs them, and no French catalog ships with Python: the
# lookup is replaced once, for this program only. Texts of another Python version that are
# not listed stay in English rather than break.
_ARGPARSE_FRENCH = {
    "usage: ": "usage : ",
    "positional arguments": "arguments",
    "options": "options",
    "show this help message and exit": "afficher cette aide et quitter",
    "show program's version number and exit": "afficher la version et quitter",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "unrecognized arguments: %s": "arguments non reconnus : %s",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "one of the arguments %s is required": "l'un des arguments %s est obligatoire",
    "expected one argument": "une valeur est attendue",
    "expected at most one argument": "au plus une valeur est attendue",
    "expected at least one argument": "au moins une valeur est attendue",
    "expected %s argument": "%s valeur attendue",
    "expected %s arguments": "%s valeurs attendues",
    "ambiguous option: %(option)s could match %(matches)s": (
        "option ambiguë : %(option)s peut désigner %(matches)s"
    ),
    "invalid %(type)s value: %(value)r": "valeur invalide (%(type)s) : %(value)r",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "choix invalide : %(value)r (possibles : %(choices)s)"
    ),
    "unknown parser %(parser_name)r (choices: %(choices)s)": (
        "commande inconnue : %(parser_name)r (possibles : %(choices)s)"
    ),
    "not allowed with argument %s": "incompatible avec l'argument %s",
    "ignored explicit argument %r": "valeur %r ignorée",
    "unexpected option string: %s": "option inattendue : %s",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
}


def _french(message: str) -> str:
    return _ARGPARSE_FRENCH.get(message, message)


def _french_plural(singular: str, plural: str, count: int) -> str:
    return _french(singular if count == 1 else plural)


def _argparse_in_french() -> None:
    argparse._ = _french  # type: ignore[attr-defined]
    argparse.ngettext = _french_plural  # type: ignore[attr-defined]


class _Parser(argparse.ArgumentParser):
    """argparse with French usage errors on one line, exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"frappe : {message} (voir « {self.prog} --help »)\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The full parser, with every area's subcommands; with ``command`` (one of them), only
    the family that has it: all a run of that command parses, and building the ~40 others'
    parsers is part of every start-up for nothing."""
    _argparse_in_french()
    parser = _Parser(
        prog="frappe",
        description=(
            "Tests de frappe chronométrés et exercices de transcription audio, avec notation. "
            "Sans commande : ouvre l'application."
        ),
    )
    parser.add_argument("--version", action="version", version=f"frappe {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMANDE", parser_class=_Parser)
    for name, commands in _COMMAND_FAMILIES.items():
        if command is None or command in commands:
            _family(name).register(subparsers)
    return parser


def _exit_after(code: int, grace_s: float) -> None:
    """Force the exit with ``code`` if the normal shutdown (joining worker threads, library
    exit handlers) has not ended the process within ``grace_s`` seconds."""

    def force() -> None:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(code)

    timer = threading.Timer(grace_s, force)
    timer.daemon = True
    timer.start()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``frappe`` console script (``argv`` None: the real command line,
    whose process is then sure to end quickly)."""
    code, args = _run(argv)
    if argv is None:
        if code == RELAUNCH_EXIT_CODE:
            code = _relaunch()
        if getattr(args, "exit_when_done", False):
            _exit_now(code)
        _exit_after(code, EXIT_GRACE_S)
    return code


def _exit_now(code: int) -> None:
    """End the process at once, its output flushed. After a command whose handler has written
    and closed everything (``exit_when_done``: ``frappe score``), the interpreter's teardown
    (numpy, every module) is tens of milliseconds of each run for nothing. Never after an
    error or an interruption: that clean-up stays the interpreter's."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


def _relaunch() -> int:
    """Run the same command again in a fresh process (exec: PortAudio's stuck threads go with
    the old one); its journal makes the interrupted work resume where it was."""
    print("frappe : le serveur audio a redémarré, relance…", file=sys.stderr, flush=True)
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
    command = [
        sys.executable,
        "-c",
        "import sys; from frappe.cli.main import main; sys.exit(main())",
    ]
    try:
        os.execv(sys.executable, command + sys.argv[1:])
    except OSError as error:
        print(f"frappe : relance impossible ({error}) : relancez la commande", file=sys.stderr)
    return 1


def _run(argv: Sequence[str] | None) -> tuple[int, argparse.Namespace | None]:
    """The command's exit code, and its arguments when it returned normally."""
    words = sys.argv[1:] if argv is None else list(argv)
    # A known command first: only its family's parser (options first, --help, a typo: all).
    command = words[0] if words and words[0] in _COMMANDS else None
    parser = build_parser(command)
    args = parser.parse_args(words)
    func = getattr(args, "func", None)
    if func is None:
        func = _family("app").run_app
    try:
        return int(func(args)), args
    except FrappeError as error:
        print(f"frappe : {error}", file=sys.stderr)
        return 1, None
    except KeyboardInterrupt:
        print("frappe : interrompu", file=sys.stderr)
        return 130, None


if __name__ == "__main__":
    sys.exit(main())
