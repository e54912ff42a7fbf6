"""Importing a group's roster in the app (class view, **i**): the file's path and the group's
name, a preview of the list, then the import, then the names of the results that look like a
member — each attached only when the trainer presses Entrée on it. Thin: reading, saving and
attaching are ``frappe.runs.groups``, as for ``frappe suivi groupe importer|fusionner``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Input, Static
from textual.worker import Worker, WorkerState

from frappe.errors import FrappeError
from frappe.runs.groups import RosterImport, attach_name, prepare_import, save_import
from frappe.storage.history import open_history
from frappe.storage.roster import MergeProposal
from frappe.storage.store import Group
from frappe.tui.config import AppConfig
from frappe.tui.workers import WorkerGroup

__all__ = ["RosterScreen"]

_ROSTER_GROUPS = frozenset(
    (WorkerGroup.ROSTER_READ, WorkerGroup.ROSTER_SAVE, WorkerGroup.ROSTER_ATTACH)
)


@dataclass(frozen=True, slots=True)
class _Saved:
    group: Group
    proposals: list[MergeProposal]


@dataclass(frozen=True, slots=True)
class _Attached:
    group: Group
    proposal: MergeProposal


class RosterScreen(Screen[None]):
    """Path → preview → import → the proposed attachments, one by one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Retour", id="roster.back"),
        Binding("ctrl+s", "save", "Importer", id="roster.save"),
    ]

    def __init__(self, config: AppConfig, *, group: str | None = None) -> None:
        super().__init__()
        self.config = config
        self.group_name = group or ""
        self.prepared: RosterImport | None = None
        self.group: Group | None = None
        self.proposals: list[MergeProposal] = []

    def compose(self) -> ComposeResult:
        yield Static("Importer une liste de candidats", id="roster-title")
        with Horizontal(id="roster-form"):
            yield Input(placeholder="liste.csv ou liste.xlsx (chemin)", id="roster-path")
            yield Input(self.group_name, placeholder="nom du groupe", id="roster-group")
        yield Static(
            "Entrée : aperçu de la liste. Rien n'est enregistré avant « Importer ».",
            id="roster-status",
            markup=False,
        )
        yield DataTable(id="roster-table", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="roster-buttons"):
            yield Button("Aperçu", id="roster-preview")
            yield Button("Importer (Ctrl+S)", id="roster-save", variant="primary", disabled=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#roster-path", Input).focus()

    def _status(self, text: str) -> None:
        self.query_one("#roster-status", Static).update(" ".join(text.split()))

    # Preview -----------------------------------------------------------------------------

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._preview()

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        if self.prepared is not None:  # another file or group: preview again before saving
            self.prepared = None
            self.query_one("#roster-save", Button).disabled = True

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "roster-save":
            self.action_save()
        else:
            self._preview()

    def _preview(self) -> None:
        raw = self.query_one("#roster-path", Input).value.strip()
        name = self.query_one("#roster-group", Input).value.strip()
        if not raw:
            self._status("⚠ Indiquez le chemin de la liste (CSV ou XLSX).")
            return
        if not name:
            self._status("⚠ Indiquez le nom du groupe.")
            self.query_one("#roster-group", Input).focus()
            return
        self._read(Path(raw).expanduser(), name)

    @work(thread=True, exclusive=True, exit_on_error=False, group=WorkerGroup.ROSTER_READ)
    def _read(self, path: Path, name: str) -> RosterImport:
        with open_history(self.config.storage.db_path) as store:
            return prepare_import(store, path, name)

    def _show_preview(self, prepared: RosterImport) -> None:
        self.prepared = prepared
        group = prepared.group
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns("Candidat", "Identifiant", "Déjà dans le groupe")
        before = (
            {m.name for m in prepared.previous.members} if prepared.previous is not None else set()
        )
        for member in group.members:
            table.add_row(
                member.name, member.candidate_id or "—", "oui" if member.name in before else "non"
            )
        parts = [f"{len(group.members)} candidats pour « {group.name} »"]
        if prepared.previous is not None:
            parts.append(
                f"remplace la liste actuelle ({len(prepared.previous.members)}), "
                "rattachements acceptés gardés"
            )
        if prepared.repeated:
            parts.append(f"{len(prepared.repeated)} ligne(s) en double ignorée(s)")
        for first, second in prepared.near_duplicates:
            parts.append(f"doublon possible : « {first} » / « {second} »")
        self._status(" ; ".join(parts) + ". Ctrl+S : importer.")
        self.query_one("#roster-save", Button).disabled = False

    # Import ------------------------------------------------------------------------------

    def action_save(self) -> None:
        if self.prepared is None:
            self._status("⚠ Affichez d'abord l'aperçu de la liste (Entrée).")
            return
        self.query_one("#roster-save", Button).disabled = True
        self._save(self.prepared)

    @work(thread=True, exclusive=True, exit_on_error=False, group=WorkerGroup.ROSTER_SAVE)
    def _save(self, prepared: RosterImport) -> _Saved:
        with open_history(self.config.storage.db_path) as store:
            return _Saved(prepared.group, save_import(store, prepared))

    def _show_proposals(self, saved: _Saved) -> None:
        self.prepared = None
        self.group = saved.group
        self.proposals = list(saved.proposals)
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns("Nom dans les résultats", "Résultats", "Membre de la liste")
        for proposal in self.proposals:
            table.add_row(
                proposal.result_name,
                str(proposal.results),
                proposal.member.name,
                key=proposal.result_name,  # one proposal per name found in the results
            )
        imported = f"Groupe « {saved.group.name} » : {len(saved.group.members)} candidats importés."
        if self.proposals:
            self._status(
                f"{imported} {len(self.proposals)} nom(s) des résultats ressemblent à un membre : "
                "Entrée sur une ligne le rattache à ce membre (rien n'est rattaché sans vous)."
            )
            table.focus()
        else:
            self._status(f"{imported} Aucun nom des résultats à rapprocher.")
        self.notify(imported, title="Liste importée")

    # Attach ------------------------------------------------------------------------------

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if self.group is None or not 0 <= event.cursor_row < len(self.proposals):
            return  # a preview row: nothing to do
        self._attach_name(self.group, self.proposals[event.cursor_row])

    @work(thread=True, exclusive=True, exit_on_error=False, group=WorkerGroup.ROSTER_ATTACH)
    def _attach_name(self, group: Group, proposal: MergeProposal) -> _Attached:
        with open_history(self.config.storage.db_path) as store:
            updated = attach_name(store, group, proposal.result_name, proposal.member.name)
        return _Attached(updated, proposal)

    def _attached(self, attached: _Attached) -> None:
        self.group = attached.group
        proposal = attached.proposal
        index = self.proposals.index(proposal)
        self.proposals.pop(index)
        self.query_one(DataTable).remove_row(proposal.result_name)
        message = (
            f"« {proposal.result_name} » est maintenant rattaché à « {proposal.member.name} »."
        )
        left = f" Encore {len(self.proposals)} proposé(s)." if self.proposals else ""
        self._status(message + left)
        self.notify(message, title="Rattachement")

    # Workers -----------------------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group not in _ROSTER_GROUPS:
            return
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            message = str(error) if isinstance(error, FrappeError) else f"erreur : {error}"
            self._status(f"⚠ {message}")
            if event.worker.group == WorkerGroup.ROSTER_SAVE and self.prepared is not None:
                self.query_one("#roster-save", Button).disabled = False
            return
        if event.state is not WorkerState.SUCCESS:
            return
        result = event.worker.result
        if isinstance(result, RosterImport):
            self._show_preview(result)
        elif isinstance(result, _Saved):
            self._show_proposals(result)
        elif isinstance(result, _Attached):
            self._attached(result)

    def action_back(self) -> None:
        self.app.pop_screen()
