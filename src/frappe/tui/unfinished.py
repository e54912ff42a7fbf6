"""Resuming or closing an unfinished journal — a typing test, a dictation or a correction left
by a crash or a closed terminal. The start-up list of unfinished tests and the dictation picker
offer the same two actions; this base screen holds them once.

A subclass says which journal is selected and what to do once one is resumed or closed; the
app opens the screen that goes on with a resumed one. Not a screen of its own: the base of two.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from frappe.runs.closing import close_journal
from frappe.runs.typing import SavedResult
from frappe.storage.journal import JournalContents
from frappe.tui.config import AppConfig
from frappe.tui.dialogs.confirm import ConfirmScreen
from frappe.tui.navigation import navigator
from frappe.tui.widgets.typing.status import format_clock
from frappe.tui.workers import WorkerGroup

if TYPE_CHECKING:
    from frappe.runs.dictation import SavedTranscription

__all__ = ["UnfinishedJournalScreen", "describe_journal"]


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
    # Damage the reading tolerated (torn line, keystrokes that no longer replay): the trainer
    # must know before resuming that the text or the time stops there.
    damage = f" — ⚠ {'; '.join(contents.warnings)}" if contents.warnings else ""
    return (
        f"{config.candidate.name} — {config.exercise_title or config.exercise_id} — "
        f"{done} — {left} — {when}{state}{damage}"
    )


class UnfinishedJournalScreen(Screen[None]):
    """A screen that lists unfinished journals and can resume or close the selected one."""

    config: AppConfig

    # -- what a subclass provides -----------------------------------------------------------

    def selected_journal(self) -> JournalContents | None:
        """The journal the trainer selected (None: none)."""
        raise NotImplementedError

    def journal_resumed(self, contents: JournalContents) -> None:
        """``contents`` is being resumed on a new screen: forget it."""

    def journal_closed(self, contents: JournalContents) -> None:
        """``contents`` was closed and its result saved: forget it, refresh the list."""

    # -- the two actions ---------------------------------------------------------------------

    def resume_selected(self) -> None:
        """Go on with the selected journal, with its text and the time left."""
        contents = self.selected_journal()
        if contents is None:
            return
        if contents.end_reason is not None:
            self.notify(
                "Cet exercice était terminé : le clore pour enregistrer son résultat.",
                title="Reprise impossible",
                severity="warning",
            )
            return
        if navigator(self).resume_journal(contents):
            self.journal_resumed(contents)

    def close_selected(self) -> None:
        """Close the selected journal as interrupted, after confirmation (result saved)."""
        contents = self.selected_journal()
        if contents is None:
            return

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                self._close_journal(contents)

        self.app.push_screen(
            ConfirmScreen(
                f"Clore comme interrompu ?\n{describe_journal(contents)}\n"
                "L'exercice ne pourra plus être repris ; le résultat sera enregistré.",
                confirm="Clore",
                cancel="Annuler",
            ),
            answered,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group=WorkerGroup.CLOSE_JOURNAL)
    def _close_journal(
        self, contents: JournalContents
    ) -> tuple[JournalContents, SavedResult | SavedTranscription]:
        # close_journal closes a transcription or correction journal the dictation way
        return contents, close_journal(contents, self.config.storage)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != WorkerGroup.CLOSE_JOURNAL:
            return
        if event.state is WorkerState.SUCCESS:
            result = event.worker.result
            assert isinstance(result, tuple)
            contents, saved = result
            self.notify(f"Résultat enregistré : {saved.path}", title="Exercice clos")
            if saved.notice:
                self.notify(saved.notice, title="Résultat écrit à côté", severity="warning")
            if saved.history_error:
                self.notify(saved.history_error, title="Historique", severity="error")
            self.journal_closed(contents)
        elif event.state is WorkerState.ERROR:
            self.notify(str(event.worker.error), title="Clôture impossible", severity="error")
