"""The trainer's tableaux de suivi in the app: the class view of a group (one séance or a
period, exams or practice apart) with its exports, and a candidate's progression chart with the
attestation. Thin: what is selected and how it is titled lives in ``frappe.reports.selection``,
the numbers in ``frappe.reports.statistics``, the files in ``frappe.reports.exports``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Select, Static
from textual.worker import Worker, WorkerState

from frappe.durations import parse_day
from frappe.errors import ConfigError
from frappe.exercises.record import Mode
from frappe.reports.formatting import MODE_LABELS, fr_date, fr_number, fr_percent, verdict
from frappe.reports.selection import Selection, file_slug, seance_label
from frappe.reports.statistics import (
    ERROR_CLASS_NAMES,
    CandidateView,
    ClassView,
    Targets,
    candidate_view,
    class_view,
    group_targets,
    seances,
)
from frappe.reports.tables import CLASS_COLUMNS, ClassColumn, class_cells
from frappe.settings import load_settings, save_centre_name
from frappe.storage.history import open_history
from frappe.storage.roster import propose_merges
from frappe.storage.store import Group, ResultFilter, StoredResult, name_key, search_key
from frappe.tui.config import AppConfig
from frappe.tui.dialogs.export_folder import Exported, ExportFolderScreen, Writer
from frappe.tui.navigation import OpenCandidateView, OpenRosterImport
from frappe.tui.widgets.history.chart import ChartPoint, DatedProgressChart
from frappe.tui.workers import WorkerGroup

__all__ = ["CandidateScreen", "ClassScreen", "exports_dir"]

_ALL = "__all__"
_NO_GROUP = "__none__"
_EXPORTS = {
    "xlsx": "Classeur Excel (XLSX)",
    "csv": "Tableau CSV (Excel français)",
    "pdf": "Procès-verbal (PDF)",
}


def exports_dir(config: AppConfig) -> Path:
    """Where the app proposes to write exports: ``exports/`` beside the results."""
    return config.storage.results_dir.parent / "exports"


def _centre_setting() -> str:
    """The centre's name of the settings file ("" when unset or the file is unusable)."""
    try:
        return load_settings().centre.name or ""
    except ConfigError:
        return ""


def _remember_centre(screen: Screen[None], exported: Exported) -> None:
    """Keep a newly typed centre's name in the settings, so it is asked once."""
    if exported.centre is None or exported.centre == _centre_setting():
        return
    try:
        save_centre_name(exported.centre)
    except ConfigError as error:
        screen.notify(f"Nom du centre non gardé : {error}", severity="warning")


@dataclass(frozen=True, slots=True)
class _ClassData:
    groups: list[Group]
    group: Group | None
    results: list[StoredResult]
    proposals: int = 0


class ClassScreen(Screen[None]):
    """A group's class view: one row per candidate for a séance or a period, then the class
    statistics; exports of what it shows to a folder the trainer chooses."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Retour", id="suivi.back"),
        Binding("m", "toggle_mode", "Examen/entr.", id="suivi.mode"),
        Binding("x", "export('xlsx')", "XLSX", id="suivi.xlsx"),
        Binding("c", "export('csv')", "CSV", id="suivi.csv"),
        Binding("v", "export('pdf')", "PV", id="suivi.pdf"),
        Binding("i", "import_roster", "Liste", id="suivi.roster"),
    ]

    def __init__(self, config: AppConfig, *, group: str | None = None) -> None:
        super().__init__()
        self.config = config
        self.group_name = group
        self.mode: Mode = "exam"
        self.seance: str | None = None
        self.date_from: date | None = None
        self.date_to: date | None = None
        self.export_folder = exports_dir(config)
        self._resumed = False
        self.data = _ClassData([], None, [])
        self.view: ClassView | None = None

    @property
    def selection(self) -> Selection:
        """The group, séance and period shown (and exported)."""
        return Selection(self.group_name, self.seance, self.date_from, self.date_to)

    def compose(self) -> ComposeResult:
        yield Static("Tableaux de suivi — vue de classe", id="suivi-title")
        with Horizontal(id="suivi-controls"):
            yield Select[str]([], prompt="Groupe", allow_blank=True, id="suivi-group")
            yield Select[str]([], prompt="Toutes séances", allow_blank=True, id="suivi-seance")
            for which, word in (("from", "du"), ("to", "au")):
                field = Input(placeholder=f"{word} JJ/MM/AAAA", id=f"suivi-{which}")
                field.tooltip = f"Période : {word} (AAAA-MM-JJ ou JJ/MM/AAAA) ; vide : sans limite"
                yield field
        yield Static("", id="suivi-error", markup=False)
        yield DataTable(id="suivi-table", cursor_type="row", zebra_stripes=True, cell_padding=0)
        yield Static("", id="suivi-summary", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#suivi-error", Static).display = False
        table = self.query_one(DataTable)
        for column in CLASS_COLUMNS:  # the CLI's columns; one space between them: 79 wide
            table.add_column(_cell(column.header, column, "bold"), width=column.width + 1)
        table.focus()
        self.load()

    def load(self) -> None:
        """Read groups and results again (in a worker)."""
        self._load(self.group_name)

    @work(thread=True, exclusive=True, exit_on_error=False, group=WorkerGroup.SUIVI_LOAD)
    def _load(self, wanted: str | None) -> _ClassData:
        with open_history(self.config.storage.db_path) as store:
            groups = store.groups()
            group = next((g for g in groups if g.name == wanted), None)
            if wanted is None and groups:
                group = groups[0]
            results = store.results(ResultFilter(group=group.name if group else None))
            proposals = 0
            if group is not None:  # names that look like a member's: the trainer decides
                everyone = [(r.candidate_name, r.candidate_id) for r in store.results()]
                proposals = len(propose_merges(group, everyone))
        return _ClassData(groups, group, results, proposals)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != WorkerGroup.SUIVI_LOAD:
            return
        if event.state is WorkerState.SUCCESS:
            data = event.worker.result
            assert isinstance(data, _ClassData)
            self.data = data
            self.group_name = data.group.name if data.group else None
            self._fill_controls()
            self.refresh_view()
        elif event.state is WorkerState.ERROR:
            self.query_one("#suivi-summary", Static).update(f"⚠ {event.worker.error}")

    def _fill_controls(self) -> None:
        groups = self.query_one("#suivi-group", Select)
        options = [(g.name, g.name) for g in self.data.groups]
        options.append(("Sans groupe (tous)", _NO_GROUP))
        with self.prevent(Select.Changed):
            groups.set_options(options)
            groups.value = self.group_name or _NO_GROUP
        self._fill_seances()

    def _fill_seances(self) -> None:
        """The séances of the period, newest first; a chosen séance outside it is dropped."""
        period = Selection(date_from=self.date_from, date_to=self.date_to)
        keys = seances(period.narrow(self.data.results))
        if self.seance not in keys:
            self.seance = None
        seance = self.query_one("#suivi-seance", Select)
        with self.prevent(Select.Changed):
            seance.set_options(
                [("Toutes séances", _ALL), *[(seance_label(k), k) for k in reversed(keys)]]
            )
            seance.value = self.seance or _ALL

    def _shown_results(self) -> list[StoredResult]:
        """The loaded results of the chosen séance or period (both modes)."""
        return self.selection.narrow(self.data.results)

    def _title(self) -> str:
        group = self.data.group.name if self.data.group else "Tous les candidats"
        return Selection(group, self.seance, self.date_from, self.date_to).title()

    def refresh_view(self) -> None:
        """Compute and show the class view of the chosen séance or period, and mode."""
        title = self.data.group.name if self.data.group else "Tous les candidats"
        self.view = class_view(
            self._shown_results(), group=self.data.group, mode=self.mode, title=title
        )
        table = self.query_one(DataTable)
        table.clear()
        for row in self.view.rows:
            style = "dim" if row.result is None else ""
            table.add_row(
                *(
                    _cell(text, column, style)
                    for text, column in zip(class_cells(row), CLASS_COLUMNS, strict=True)
                )
            )
        summary = _summary_text(self.view)
        if self.data.proposals and self.data.group is not None:
            summary += (
                f"\n{self.data.proposals} nom(s) à rapprocher de la liste : frappe suivi groupe "
                f"voir « {self.data.group.name} »"
            )
        self.query_one("#suivi-summary", Static).update(summary)
        parts = [title, MODE_LABELS[self.mode]]
        if self.seance:
            parts.append(f"séance {self.seance}")
        if period := self.selection.period_text():
            parts.append(period)
        self.query_one("#suivi-title", Static).update(f"Tableaux de suivi — {' — '.join(parts)}")

    @on(Select.Changed, "#suivi-group")
    def _group_chosen(self, event: Select.Changed) -> None:
        event.stop()
        value = event.value
        if isinstance(value, str):
            self.group_name = None if value == _NO_GROUP else value
            self.seance = None
            if value == _NO_GROUP:
                self._load_all()
            else:
                self._load(self.group_name)

    def _load_all(self) -> None:
        self._load_everything()

    @work(thread=True, exclusive=True, exit_on_error=False, group=WorkerGroup.SUIVI_LOAD)
    def _load_everything(self) -> _ClassData:
        with open_history(self.config.storage.db_path) as store:
            return _ClassData(store.groups(), None, store.results())

    @on(Select.Changed, "#suivi-seance")
    def _seance_chosen(self, event: Select.Changed) -> None:
        event.stop()
        value = event.value
        self.seance = value if isinstance(value, str) and value != _ALL else None
        self.refresh_view()

    @on(Input.Changed, "#suivi-from, #suivi-to")
    def _period_typed(self, event: Input.Changed) -> None:
        event.stop()
        self._apply_period(complain=False)  # a date half typed is not an error yet

    @on(Input.Blurred, "#suivi-from, #suivi-to")
    def _period_left(self, event: Input.Blurred) -> None:
        event.stop()
        self._apply_period(complain=True)

    @on(Input.Submitted, "#suivi-from, #suivi-to")
    def _period_entered(self, event: Input.Submitted) -> None:
        event.stop()
        if self._apply_period(complain=True):  # back to the table, where m, x, c, v work
            self.query_one(DataTable).focus()

    def _apply_period(self, *, complain: bool) -> bool:
        """Read the two dates: a valid period applies at once; a wrong one is told in one line
        under the controls once the trainer presses Entrée or leaves the field. True when the
        dates are valid."""
        fields = {which: self.query_one(f"#suivi-{which}", Input) for which in ("from", "to")}
        error = self.query_one("#suivi-error", Static)
        try:
            days = {
                which: parse_day(field.value) if field.value.strip() else None
                for which, field in fields.items()
            }
            Selection(date_from=days["from"], date_to=days["to"])
        except ValueError as problem:
            if complain:
                error.update(f"⚠ {problem}")
                error.display = True
            return False
        error.update("")
        error.display = False
        if (days["from"], days["to"]) != (self.date_from, self.date_to):
            self.date_from, self.date_to = days["from"], days["to"]
            self._fill_seances()
            self.refresh_view()
        return True

    def action_toggle_mode(self) -> None:
        self.mode = "practice" if self.mode == "exam" else "exam"
        self.refresh_view()

    def action_import_roster(self) -> None:
        self.post_message(OpenRosterImport(self.group_name))

    def on_screen_resume(self) -> None:
        """Back from a candidate or the roster import: groups and attachments may have changed
        (the first resume is the screen's opening, already loading)."""
        if self._resumed:
            self.load()
        self._resumed = True

    def action_back(self) -> None:
        self.app.pop_screen()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if self.view is None or not 0 <= event.cursor_row < len(self.view.rows):
            return
        row = self.view.rows[event.cursor_row]
        self.post_message(OpenCandidateView(row.candidate_id or row.name, self.group_name))

    def action_export(self, kind: str) -> None:
        """Export what the view shows — group, séance or period, both modes (each row says its
        mode) — to a folder the trainer chooses."""
        results = self._shown_results()
        if not results:
            self.notify("Aucun résultat à exporter pour ce choix.", severity="warning")
            return
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        file_name = f"{self.selection.file_stem(stamp)}.{kind}"
        title = self._title()
        write = _class_writer(kind, results, self.data.group, title)
        what = f"{_EXPORTS[kind]} — {title} — {len(results)} résultat(s)"
        centre = _centre_setting() if kind == "pdf" else None
        dialog = ExportFolderScreen(
            what, file_name, write, folder=self.export_folder, centre=centre
        )
        self.app.push_screen(dialog, self._exported)

    def _exported(self, exported: Exported | None) -> None:
        if exported is not None:
            self.export_folder = exported.path.parent  # the next export proposes it again
            _remember_centre(self, exported)
            self.notify(f"Export écrit : {exported.path}", title="Tableaux de suivi")


def _class_writer(
    kind: str, results: list[StoredResult], group: Group | None, title: str
) -> Writer:
    """The function writing one export of the class view to a path (run by the dialog)."""

    def write(path: Path, centre: str) -> Path:
        from frappe.reports import exports  # noqa: PLC0415 (XlsxWriter/fpdf2 on demand)

        if kind == "xlsx":
            return exports.write_workbook(results, path, group=group, title=title)
        if kind == "csv":
            return exports.write_results_csv(results, path)
        return exports.write_proces_verbal(results, path, group=group, title=title, centre=centre)

    return write


def _cell(text: str, column: ClassColumn, style: str) -> Text:
    """A cell one space from its left neighbour, cut with « … » beyond the column's width."""
    cell = Text(
        f" {text}", style=style, justify="right" if column.numeric else "left", no_wrap=True
    )
    cell.truncate(column.width + 1, overflow="ellipsis")
    return cell


def _summary_text(view: ClassView) -> str:
    measure, unit = (view.speed, f"Vitesse ({view.speed_unit})")
    if not view.speed.count:  # dictations have no speed: their faults instead
        measure, unit = (view.faults, "Fautes")
    lines = [
        f"Présents {len(view.present)}/{len(view.rows)} — réussite "
        f"{fr_percent(view.pass_rate, 0)} ({view.passed}/{view.graded}) — erreurs critiques "
        f"{view.critical_errors}",
        f"{unit} : moy. {fr_number(measure.mean)}, méd. {fr_number(measure.median)}, "
        f"min {fr_number(measure.minimum)}, max {fr_number(measure.maximum)}",
        f"Note /20 : moy. {fr_number(view.mark.mean)}, méd. {fr_number(view.mark.median)}, "
        f"min {fr_number(view.mark.minimum)}, max {fr_number(view.mark.maximum)}",
    ]
    if view.error_classes:
        total = sum(count for _name, count in view.error_classes)
        lines.append(
            "À retravailler : "
            + ", ".join(
                f"{ERROR_CLASS_NAMES.get(name, name)} {fr_percent(count / total, 0)}"
                for name, count in view.error_classes[:5]
            )
        )
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class _CandidateData:
    view: CandidateView
    group: Group | None
    results: list[StoredResult]


class CandidateScreen(Screen[None]):
    """A candidate's progression: speed and accuracy over dates, on their own axes, with the
    group's targets; exams and practice apart (``m`` switches)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Retour", id="candidate.back"),
        Binding("m", "toggle_mode", "Examens/entraînement", id="candidate.mode"),
        Binding("a", "attestation", "Attestation (PDF)", id="candidate.attestation"),
    ]

    def __init__(self, config: AppConfig, query: str, *, group: str | None = None) -> None:
        super().__init__()
        self.config = config
        self.query_text = query
        self.group_name = group
        self.mode: Mode = "exam"
        self.export_folder = exports_dir(config)
        self.data: _CandidateData | None = None

    def compose(self) -> ComposeResult:
        yield Static("Progression", id="candidate-title", markup=False)
        yield DatedProgressChart(id="candidate-chart")
        yield Static("", id="candidate-details", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group=WorkerGroup.CANDIDATE_LOAD)
    def _load(self) -> _CandidateData:
        with open_history(self.config.storage.db_path) as store:
            query = self.query_text.strip()
            results = store.results(ResultFilter(candidate=query))
            mine = [
                r
                for r in results
                if r.candidate_id == query
                or name_key(r.candidate_name) == name_key(query)
                or search_key(r.candidate_name) == search_key(query)
            ] or results
            groups = store.groups()
        group = next((g for g in groups if g.name == self.group_name), None)
        if group is None and mine:
            group = next(
                (g for g in groups if g.member_for(mine[0].candidate_name, mine[0].candidate_id)),
                None,
            )
        if group is not None:  # the member's results under every spelling the group accepts
            member = (
                group.member_for(mine[0].candidate_name, mine[0].candidate_id) if mine else None
            )
            if member is not None:
                mine = [
                    r
                    for r in results
                    if group.member_for(r.candidate_name, r.candidate_id) == member
                ] or mine
        return _CandidateData(candidate_view(mine, targets=group_targets(group)), group, mine)

    def action_attestation(self) -> None:
        """The candidate's attestation (PDF), to a folder the trainer chooses."""
        if self.data is None or not self.data.results:
            self.notify("Aucun résultat : pas d'attestation.", severity="warning")
            return
        data = self.data
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        name = data.view.name or self.query_text
        file_name = f"attestation-{file_slug(name)}-{stamp}.pdf"

        def write(path: Path, centre: str) -> Path:
            from frappe.reports import exports  # noqa: PLC0415 (fpdf2 on demand)

            return exports.write_attestation(data.results, path, group=data.group, centre=centre)

        what = f"Attestation (PDF) — {name} — {len(data.results)} résultat(s)"
        dialog = ExportFolderScreen(
            what, file_name, write, folder=self.export_folder, centre=_centre_setting()
        )
        self.app.push_screen(dialog, self._written)

    def _written(self, exported: Exported | None) -> None:
        if exported is not None:
            self.export_folder = exported.path.parent
            _remember_centre(self, exported)
            self.notify(f"Attestation écrite : {exported.path}", title="Attestation")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != WorkerGroup.CANDIDATE_LOAD:
            return
        if event.state is WorkerState.SUCCESS:
            data = event.worker.result
            assert isinstance(data, _CandidateData)
            self.data = data
            self.show()
        elif event.state is WorkerState.ERROR:
            self.query_one("#candidate-details", Static).update(f"⚠ {event.worker.error}")

    def show(self) -> None:
        """Draw the chosen mode's progression."""
        if self.data is None:
            return
        view = self.data.view
        points = view.exams if self.mode == "exam" else view.practice
        ident = f" ({view.candidate_id})" if view.candidate_id else ""
        self.query_one("#candidate-title", Static).update(
            f"{view.name or self.query_text}{ident} — {MODE_LABELS[self.mode]} "
            f"({len(points)} résultat{'s' if len(points) > 1 else ''})"
        )
        targets: Targets = view.targets
        title = "Examens" if self.mode == "exam" else "Entraînement"
        chart = self.query_one(DatedProgressChart)
        if points and all(p.speed is None for p in points):  # dictations: the mark instead
            chart.show_points(
                [ChartPoint(p.started_at, p.mark_20, p.accuracy) for p in points],
                unit="/20",
                title=title,
                accuracy_target=targets.accuracy,
                measure="note",
            )
        else:
            chart.show_points(
                [ChartPoint(p.started_at, p.speed, p.accuracy) for p in points],
                unit=view.speed_unit,
                title=title,
                speed_target=targets.speed,
                accuracy_target=targets.accuracy,
            )
        lines = []
        if points:
            last = points[-1]
            lines.append(
                f"Dernier : {fr_date(last.started_at)}, note {fr_number(last.mark_20)}/20, "
                f"fautes {fr_number(last.faults)}, {verdict(last.passed, last.kind)}"
                + (
                    f", erreurs critiques {last.critical_errors}"
                    if last.critical_errors is not None
                    else ""
                )
                + (
                    f", écoute ×{fr_number(last.listening_ratio)}"
                    if last.listening_ratio is not None
                    else ""
                )
            )
        if view.weak_keys:
            lines.append(
                "Touches fautives : "
                + ", ".join(f"« {k.char} » {fr_percent(k.rate, 0)}" for k in view.weak_keys[:6])
            )
        if view.error_classes:
            lines.append(
                "Erreurs fréquentes : "
                + ", ".join(f"{ERROR_CLASS_NAMES.get(n, n)} {c}" for n, c in view.error_classes[:5])
            )
        self.query_one("#candidate-details", Static).update("\n".join(lines))

    def action_toggle_mode(self) -> None:
        self.mode = "practice" if self.mode == "exam" else "exam"
        self.show()

    def action_back(self) -> None:
        self.app.pop_screen()
