"""Unfinished tests found at start: resume one (with the time left) or close it as
interrupted. Nothing is deleted; "later" leaves the journal where it is."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Footer, OptionList, Static
from textual.widgets.option_list import Option

from frappe.storage.journal import JournalContents
from frappe.tui.config import AppConfig
from frappe.tui.navigation import navigator
from frappe.tui.unfinished import UnfinishedJournalScreen, describe_journal

__all__ = ["ResumeScreen", "unfinished_title"]

_DICTATION_KINDS = ("transcription", "correction")


def unfinished_title(journals: list[JournalContents]) -> str:
    """What the list holds, named: typing tests, dictations (and corrections), or both."""
    dictations = sum(1 for c in journals if c.header.config.kind in _DICTATION_KINDS)
    if dictations and dictations == len(journals):
        return "Dictées non terminées"
    if dictations:
        return "Tests et dictées non terminés"
    return "Tests non terminés"


class ResumeScreen(UnfinishedJournalScreen):
    """The list of unfinished typing tests and dictations, with what the trainer can do."""

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
        yield Static(unfinished_title(self.journals), id="resume-title")
        with Vertical(id="resume-body"):
            yield Static(
                "Interrompus par une panne ou une fermeture. Reprendre : le candidat retrouve "
                "son texte et le temps restant. Clore : le résultat est enregistré comme "
                "interrompu.",
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
        if self.journals:
            self.query_one("#resume-title", Static).update(unfinished_title(self.journals))
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
        navigator(self).go_home()

    def selected_journal(self) -> JournalContents | None:
        return self.selected()

    def journal_resumed(self, contents: JournalContents) -> None:
        self.journals.remove(contents)

    def journal_closed(self, contents: JournalContents) -> None:
        if contents in self.journals:
            self.journals.remove(contents)
        self._fill()
        if not self.journals:
            self.action_later()

    def action_resume(self) -> None:
        self.resume_selected()

    def action_close(self) -> None:
        self.close_selected()
