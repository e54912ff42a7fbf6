"""The trainer's live view of a room: one row per seat, updated as the server notifies.

The rows come from :class:`~frappe.runs.room_monitor.RoomMonitor` (its own thread, LISTEN/
NOTIFY); only cells whose text changed are redrawn. A once-a-second tick re-reads the rows so a
seat gone silent turns « déconnecté » without anything arriving. ``l`` releases the highlighted
attempt (its PC died) so the candidate can resume on any free seat; ``c`` twice closes the
séance, which fixes the official results from the central journals.
"""

from __future__ import annotations

import time
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from frappe.errors import FrappeError
from frappe.runs.room_monitor import MonitorSnapshot, RoomMonitor, SeatView
from frappe.storage.room.seat_link import describe_seance
from frappe.tui.workers import WorkerGroup

__all__ = ["COLUMNS", "RoomDashboardScreen", "view_cells"]

CLOSE_CONFIRM_S = 5.0

COLUMNS = (
    ("seat", "Poste"),
    ("candidate", "Candidat"),
    ("exercise", "Exercice"),
    ("state", "État"),
    ("progress", "Avancement"),
    ("speed", "Vitesse"),
    ("left", "Temps restant"),
    ("incidents", "Incidents"),
    ("result", "Résultat"),
)


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    whole = int(seconds + 0.999)
    return f"{whole // 60:02d}:{whole % 60:02d}"


def view_cells(view: SeatView) -> tuple[str, ...]:
    """The row's cells, as shown."""
    speed = f"{view.speed:.0f} {view.speed_unit}" if view.state == "running" else ""
    progress = f"{100 * view.progress:.0f} %"
    if view.listening_s is not None:  # a dictation: where the seat's player stands
        progress += f" · ♪ {_clock(view.listening_s)}"
    return (
        view.seat or "?",
        view.candidate,
        view.exercise,
        view.state_label,
        progress,
        speed,
        _clock(view.time_left_s),
        view.incidents,
        view.result,
    )


class RoomDashboardScreen(Screen[None]):
    """Every seat of the séance, live."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Retour", id="dashboard.back"),
        Binding("l", "release", "Libérer (poste en panne)", id="dashboard.release"),
        Binding("c", "close_seance", "Clore la séance", id="dashboard.close"),
    ]

    def __init__(self, url: str, seance_id: str | None) -> None:
        super().__init__()
        self.url = url
        self.monitor = RoomMonitor(url, seance_id, self._from_monitor)
        self._shown: dict[int, tuple[str, ...]] = {}
        self.last_snapshot: MonitorSnapshot | None = None
        self._close_asked_at = -1e9

    def compose(self) -> ComposeResult:
        yield Static("Salle — tableau de bord", id="dashboard-title", markup=False)
        yield Static("Connexion au serveur de salle…", id="dashboard-seance", markup=False)
        table: DataTable[str] = DataTable(id="dashboard-table", cursor_type="row")
        for key, label in COLUMNS:
            table.add_column(label, key=key)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.monitor.start()
        self.set_interval(1.0, self._tick)
        self.query_one(DataTable).focus()

    def on_unmount(self) -> None:
        self.monitor.stop()

    def _from_monitor(self, snapshot: MonitorSnapshot) -> None:
        self.app.call_from_thread(self.show, snapshot)

    def _tick(self) -> None:
        self.show(self.monitor.snapshot(time.monotonic()))

    def show(self, snapshot: MonitorSnapshot) -> None:
        """Redraw what changed."""
        self.last_snapshot = snapshot
        header = self.query_one("#dashboard-seance", Static)
        if snapshot.message:
            header.update(f"Serveur de salle : {snapshot.message}")
        elif snapshot.seance is None:
            header.update("Aucune séance ouverte (« frappe room open … »)")
        else:
            done = sum(1 for v in snapshot.views if v.state == "finished")
            header.update(
                f"Séance {describe_seance(snapshot.seance)} — {len(snapshot.views)} poste(s), "
                f"{done} remis"
            )
        table = self.query_one(DataTable)
        for view in snapshot.views:
            cells = view_cells(view)
            old = self._shown.get(view.attempt_id)
            if old is None:
                table.add_row(*cells, key=str(view.attempt_id))
            elif old != cells:
                for (column, _label), before, after in zip(COLUMNS, old, cells, strict=True):
                    if before != after:
                        table.update_cell(str(view.attempt_id), column, after, update_width=True)
            self._shown[view.attempt_id] = cells

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_release(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        if row_key.value is None:
            return
        attempt_id = int(row_key.value)
        self.run_worker(
            lambda: self._release(attempt_id),
            thread=True,
            group=WorkerGroup.RELEASE,
            exit_on_error=False,
        )

    def _release(self, attempt_id: int) -> None:
        try:
            self.monitor.release(attempt_id)
        except FrappeError as error:
            self.app.call_from_thread(
                self.notify, str(error), title="Libération impossible", severity="error"
            )
            return
        self.app.call_from_thread(
            self.notify,
            "Épreuve libérée : le candidat peut la reprendre sur un poste libre "
            "(« Reprendre sur ce poste »).",
            title="Poste libéré",
        )

    def action_close_seance(self) -> None:
        now = time.monotonic()
        if now - self._close_asked_at > CLOSE_CONFIRM_S:
            self._close_asked_at = now
            self.notify(
                "Appuyez encore sur c pour clore la séance : les résultats officiels seront "
                "figés, les postes ne pourront plus écrire.",
                title="Clore la séance ?",
                severity="warning",
                timeout=CLOSE_CONFIRM_S,
            )
            return
        self._close_asked_at = -1e9
        self.run_worker(
            self._close, thread=True, group=WorkerGroup.CLOSE_SEANCE, exit_on_error=False
        )

    def _close(self) -> None:
        try:
            fixed = self.monitor.close_seance()
        except FrappeError as error:
            self.app.call_from_thread(
                self.notify, str(error), title="Séance non close", severity="error"
            )
            return
        self.app.call_from_thread(
            self.notify, f"Séance close : {fixed} résultat(s) officiel(s) figé(s).", title="Séance"
        )
