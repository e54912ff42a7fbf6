"""Unfinished tests found at start: resume one (with the time left) or close it as
interrupted. Nothing is deleted; "later" leaves the journal where it is."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from frappe.errors import FrappeError
from frappe.storage.journal import JournalContents
from frappe.tui.config import AppConfig
from frappe.tui.runner import SavedResult, close_journal, resume_test
from frappe.tui.screens.confirm import ConfirmScreen
from frappe.tui.widgets.typing.status import format_clock

if TYPE_CHECKING:
    from frappe.tui.widgets.dictation.run import SavedTranscription

__all__ = ["ResumeScreen", "describe_journal"]


def describe_journal(contents: JournalContents) -> str:
    """One line for a trainer: who, what, how far, time left, when."""
    config = contents.header.config
    if config.kind == "correction":
        # The document starts as the draft: its length says nothing of the work done.
        edits = sum(1 for stroke in contents.keystrokes if stroke.op != "none")
        done = f"correction du brouillon, {edits} modification(s)"
    else:
        done = f"{len(contents.typed)} car. tapés"
    remaining = contents.remaining_s
    left = "sans limite" if remaining is None else f"reste {format_clock(remaining)}"
    when = contents.last_written.astimezone().strftime("%d/%m %H:%M")
    state = " — terminé, résultat non enregistré" if contents.end_reason else ""
    return (
        f"{config.candidate.name} — {config.exercise_title or config.exercise_id} — "
        f"{done} — {left} — {when}{state}"
    )


class ResumeScreen(Screen[None]):
    """The list of unfinished tests, with what the trainer can do."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "later", "Plus tard", id="resume.later"),
        Binding("r", "resume", "Reprendre", id="resume.resume"),
        Binding("c", "close", "Clore (interrompu)", id="resume.close"),
    ]

    def __init__(self, journals: list[JournalContents], config: AppConfig) -> None:
        super().__init__()
        self.journals = list(journals)
        self.config = config

    def compose(self) -> ComposeResult:
        yield Static("Tests non terminés", id="resume-title")
        with Vertical(id="resume-body"):
            yield Static(
                "Ces tests ont été interrompus (panne, fermeture). Reprendre : le candidat "
                "retrouve son texte et le temps restant. Clore : le résultat est enregistré "
                "comme interrompu.",
                id="resume-help",
            )
            yield OptionList(id="resume-list")
            with Horizontal(id="resume-buttons"):
                yield Button("Plus tard", id="later")
                yield Button("Clore (interrompu)", id="close", variant="warning")
                yield Button("Reprendre", id="resume", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self._fill()
        self.query_one("#resume-list", OptionList).focus()

    def _fill(self) -> None:
        option_list = self.query_one("#resume-list", OptionList)
        option_list.clear_options()
        for index, contents in enumerate(self.journals):
            text = describe_journal(contents)
            if contents.warnings:
                text += f" ⚠ {contents.warnings[0]}"
            option_list.add_option(Option(text, id=str(index)))
        if self.journals:
            option_list.highlighted = 0

    def selected(self) -> JournalContents | None:
        """The highlighted journal."""
        index = self.query_one("#resume-list", OptionList).highlighted
        if index is None or not 0 <= index < len(self.journals):
            return None
        return self.journals[index]

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "resume":
            self.action_resume()
        elif event.button.id == "close":
            self.action_close()
        else:
            self.action_later()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_resume()

    def action_later(self) -> None:
        from frappe.tui.app import FrappeApp  # noqa: PLC0415 - cycle

        if isinstance(self.app, FrappeApp):
            self.app.go_home()

    def action_resume(self) -> None:
        contents = self.selected()
        if contents is None:
            return
        if contents.end_reason is not None:
            self.notify(
                "Ce test était terminé : clore pour enregistrer son résultat.",
                title="Reprise impossible",
                severity="warning",
            )
            return
        if contents.header.config.kind in ("transcription", "correction"):
            self._resume_dictation(contents)
            return
        from frappe.tui.screens.typing import TypingScreen  # noqa: PLC0415 - cycle

        try:
            running = resume_test(
                contents,
                self.config.storage,
                clock=self.config.clock,
                sync_interval=self.config.sync_interval,
            )
        except FrappeError as error:
            self.notify(str(error), title="Reprise impossible", severity="error")
            return
        self.journals.remove(contents)
        self.app.push_screen(TypingScreen(running, self.config))

    def _resume_dictation(self, contents: JournalContents) -> None:
        from frappe.tui.screens.dictation import dictation_options  # noqa: PLC0415 - cycle
        from frappe.tui.screens.dictation_picker import (  # noqa: PLC0415 - cycle
            resume_dictation_screen,
        )

        try:
            screen = resume_dictation_screen(contents, self.config, dictation_options(self.app))
        except FrappeError as error:
            self.notify(str(error), title="Reprise impossible", severity="error")
            return
        self.journals.remove(contents)
        self.app.push_screen(screen)

    def action_close(self) -> None:
        contents = self.selected()
        if contents is None:
            return

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                self._close(contents)

        self.app.push_screen(
            ConfirmScreen(
                f"Clore ce test comme interrompu ?\n{describe_journal(contents)}\n"
                "Il ne pourra plus être repris ; le résultat sera enregistré.",
                confirm="Clore",
                cancel="Annuler",
            ),
            answered,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="close")
    def _close(
        self, contents: JournalContents
    ) -> tuple[JournalContents, SavedResult | SavedTranscription]:
        # close_journal closes a transcription journal the dictation way
        return contents, close_journal(contents, self.config.storage)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "close":
            return
        if event.state is WorkerState.SUCCESS:
            result = event.worker.result
            assert isinstance(result, tuple)
            contents, saved = result
            if contents in self.journals:
                self.journals.remove(contents)
            self._fill()
            self.notify(f"Résultat enregistré : {saved.path}", title="Test clos")
            if saved.history_error:
                self.notify(saved.history_error, title="Historique", severity="error")
            if not self.journals:
                self.action_later()
        elif event.state is WorkerState.ERROR:
            self.notify(str(event.worker.error), title="Clôture impossible", severity="error")
