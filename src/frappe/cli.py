"""The ``frappe`` command line: a thin layer over the core.

Each area registers its own subcommands (``register(subparsers)`` in its ``commands`` module);
this module only builds the parser, routes errors and picks exit codes: 0 success, 1 some
inputs failed, 2 usage error. frappe's own errors are printed as one line, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
import threading
from collections.abc import Sequence

from frappe import __version__
from frappe.errors import FrappeError

__all__ = ["EXIT_GRACE_S", "build_parser", "main"]

# Once the command is done, the process is gone within this time whatever the devices do: a
# sound server that died can leave PortAudio or JACK threads that never return, and the user
# must never need SIGTERM to get the terminal back.
EXIT_GRACE_S = 2.0

# Areas that add subcommands, in the order their commands are listed in --help. An area whose
# optional dependencies are missing still registers: its commands explain what to install.
_COMMAND_MODULES = (
    "frappe.tui.commands",
    "frappe.dictation_commands",
    "frappe.batch",
    "frappe.audio.commands",
    "frappe.asr.commands",
    "frappe.suivi_commands",
    "frappe.room_commands",
)


class _Parser(argparse.ArgumentParser):
    """argparse with French usage errors on one line, exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"frappe : {message} (voir « {self.prog} --help »)\n")


def build_parser() -> argparse.ArgumentParser:
    """The full parser, with every area's subcommands."""
    parser = _Parser(
        prog="frappe",
        description=(
            "Tests de frappe chronométrés et exercices de transcription audio, avec notation. "
            "Sans commande : ouvre l'application."
        ),
    )
    parser.add_argument("--version", action="version", version=f"frappe {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMANDE", parser_class=_Parser)
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name is not None and error.name.startswith("frappe"):
                continue  # area not built yet
            raise
        module.register(subparsers)
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
    code = _run(argv)
    if argv is None:
        _exit_after(code, EXIT_GRACE_S)
    return code


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        try:
            from frappe.tui.commands import run_app  # noqa: PLC0415 - the app is optional here
        except ModuleNotFoundError:
            parser.print_help()
            return 0
        func = run_app
    try:
        return int(func(args))
    except FrappeError as error:
        print(f"frappe : {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("frappe : interrompu", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
