"""Choosing another folder for a result that could not be written (disk full, folder gone).

The finished session is still in memory: the dialog names the problem, proposes folders that
are likely on another disk (USB sticks first, then the home folder), and lets the supervisor
type any other one. It dismisses with the chosen folder, or None to keep the journal only.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from frappe.tui.dialogs.folder_choice import FolderChoiceScreen

__all__ = ["SaveElsewhereScreen", "suggested_folders"]

# Where desktop Linux mounts USB sticks (udisks: /media/USER/LABEL or /run/media/USER/LABEL).
_MOUNT_ROOTS = (Path("/media"), Path("/run/media"), Path("/mnt"))


def _writable_dir(path: Path) -> bool:
    return path.is_dir() and os.access(path, os.W_OK | os.X_OK)


def suggested_folders(failed: Path, *, home: Path | None = None) -> list[Path]:
    """Writable folders on other file systems than ``failed``'s (removable media first, then
    the home folder), each once; may be empty."""
    try:
        failed_device: int | None = failed.stat().st_dev
    except OSError:
        failed_device = None
    found: list[Path] = []
    for root in _MOUNT_ROOTS:
        try:
            levels = [root, *sorted(p for p in root.iterdir() if p.is_dir())]
        except OSError:
            continue
        for level in levels:
            try:
                children = sorted(p for p in level.iterdir() if p.is_dir())
            except OSError:
                continue
            found.extend(child for child in children if os.path.ismount(child))
    found.append(home or Path.home())
    usable: list[Path] = []
    for folder in found:
        try:
            other_disk = folder.stat().st_dev != failed_device
        except OSError:
            continue
        if other_disk and _writable_dir(folder) and folder not in usable:
            usable.append(folder)
    return usable


class SaveElsewhereScreen(FolderChoiceScreen[Path | None]):
    """Explains why the result is not saved and asks for another folder."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Annuler", id="save-elsewhere.cancel"),
    ]
    prefix: ClassVar[str] = "save-elsewhere"

    def __init__(self, problem: str, failed: Path, *, suggestions: list[Path] | None = None):
        super().__init__(suggestions if suggestions is not None else suggested_folders(failed))
        self.problem = problem
        self.failed = failed

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(
                f"Le résultat n'a pas pu être enregistré :\n{self.problem}\n\n"
                "La frappe est conservée en mémoire. Choisissez un autre dossier "
                "(clé USB, dossier personnel) ou tapez son chemin :",
                id="question",
                markup=False,
            )
            options = [Option(str(path), id=str(n)) for n, path in enumerate(self.suggestions)]
            yield OptionList(*options, id="save-elsewhere-folders")
            first = str(self.suggestions[0]) if self.suggestions else ""
            yield Input(first, placeholder="/chemin/du/dossier", id="save-elsewhere-path")
            yield Static("", id="save-elsewhere-error", markup=False)
            with Horizontal(id="dialog-buttons"):
                yield Button("Annuler", id="cancel")
                yield Button("Enregistrer ici", id="confirm", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#save-elsewhere-path", Input).focus()

    def choose(self) -> None:
        folder = self.chosen_folder()
        if folder is None:
            return
        self.dismiss(folder)
