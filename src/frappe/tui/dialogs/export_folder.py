"""Choosing the folder an export of the tableaux de suivi goes to, then writing it there.

The dialog proposes the app's ``exports/`` folder, the USB sticks and the home folder, and lets
the trainer type any other one; for a printed document it also asks the centre's name. It writes
the file itself (in a worker): when the folder cannot be written, the one-line reason is shown in
the dialog and another folder can be chosen — nothing is lost. It dismisses with what was
written, or None when cancelled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from frappe.errors import FrappeError
from frappe.tui.dialogs.folder_choice import FolderChoiceScreen
from frappe.tui.dialogs.save_elsewhere import suggested_folders
from frappe.tui.workers import WorkerGroup

__all__ = ["ExportFolderScreen", "Exported", "Writer", "export_folders"]

Writer = Callable[[Path, str], Path]
"""Writes the export to a path, with the centre's name (empty when not asked); returns the path."""


@dataclass(frozen=True, slots=True)
class Exported:
    """What the dialog wrote.

    Attributes:
        path: The file written.
        centre: The centre's name typed (None when the dialog did not ask for it).
    """

    path: Path
    centre: str | None


def export_folders(default: Path) -> list[Path]:
    """``default`` first, then writable folders on other disks (USB sticks, home), each once."""
    folders = [default]
    for folder in suggested_folders(default if default.exists() else default.parent):
        if folder not in folders:
            folders.append(folder)
    return folders


class ExportFolderScreen(FolderChoiceScreen[Exported | None]):
    """Asks where to write ``file_name`` (and, when ``centre`` is not None, the centre's name,
    prefilled with it) and writes it with ``write(path, centre)``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Annuler", id="export-folder.cancel"),
    ]
    prefix: ClassVar[str] = "export"

    def __init__(
        self,
        what: str,
        file_name: str,
        write: Writer,
        *,
        folder: Path,
        centre: str | None = None,
        suggestions: list[Path] | None = None,
    ) -> None:
        super().__init__(suggestions if suggestions is not None else export_folders(folder))
        self.what = what
        self.file_name = file_name
        self.write = write
        self.folder = folder
        self.centre = centre

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(
                f"{self.what}\nFichier : {self.file_name}\nDossier (clé USB, dossier "
                "personnel…) — choisissez-le ou tapez son chemin :",
                id="question",
                markup=False,
            )
            if self.centre is not None:
                yield Input(self.centre, placeholder="Nom du centre (imprimé)", id="export-centre")
            options = [Option(str(path), id=str(n)) for n, path in enumerate(self.suggestions)]
            yield OptionList(*options, id="export-folders")
            yield Input(str(self.folder), placeholder="/chemin/du/dossier", id="export-path")
            yield Static("", id="export-error", markup=False)
            with Horizontal(id="dialog-buttons"):
                yield Button("Annuler", id="cancel")
                yield Button("Exporter", id="confirm", variant="primary")

    def on_mount(self) -> None:
        first = "#export-centre" if self.centre == "" else "#export-path"  # asked, still empty
        self.query_one(first, Input).focus()

    def choose(self) -> None:
        folder = self.chosen_folder()
        if folder is None:
            return
        centre = None
        if self.centre is not None:
            centre = " ".join(self.query_one("#export-centre", Input).value.split())
        self.query_one("#export-error", Static).update("Écriture…")
        self.query_one("#confirm", Button).disabled = True
        self._write(folder / self.file_name, centre)

    @work(thread=True, exclusive=True, exit_on_error=False, group=WorkerGroup.EXPORT_WRITE)
    def _write(self, path: Path, centre: str | None) -> Exported:
        return Exported(self.write(path, centre or ""), centre)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != WorkerGroup.EXPORT_WRITE:
            return
        if event.state is WorkerState.SUCCESS:
            written = event.worker.result
            assert isinstance(written, Exported)
            self.dismiss(written)
        elif event.state is WorkerState.ERROR:
            self.query_one("#confirm", Button).disabled = False
            error = event.worker.error
            message = (
                str(error)
                if isinstance(error, FrappeError)
                else f"{self.file_name} : export impossible ({error})"
            )
            self.query_one("#export-error", Static).update(" ".join(message.split()))
