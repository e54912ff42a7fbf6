"""The dictation screen: the recording driven by hotkeys (or a pedal), the candidate's document
in a multi-line editor, the player status and the countdown. The same screen runs the
correction exercise: the document then starts as the speech-recognition draft.

Every edit of the document goes to the session (and its journal) as ``(pos, removed,
inserted)``; every playback action is journaled as a ``playback`` event. The player never
brings the exercise down: no device, PortAudio missing or a headset unplugged is a French line in
the status bar, the text stays, and Esc tries again (``Player.recover``). Loading the audio,
recovering the device and saving run in worker threads.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState

from frappe.errors import (
    RELAUNCH_EXIT_CODE,
    AudioServerHungError,
    FrappeError,
    PedalError,
)
from frappe.exercises.playback import PlaybackAction, PlaybackCommand, PlayerPort
from frappe.exercises.session import TIME_ADDED_EVENT, SessionState
from frappe.runs.common import journal_alarm
from frappe.runs.dictation import RunningDictation, SavedTranscription, last_playback
from frappe.tui.config import AppConfig, DictationOptions
from frappe.tui.dialogs.confirm import ConfirmScreen, confirm_early_end
from frappe.tui.dialogs.save_elsewhere import SaveElsewhereScreen
from frappe.tui.navigation import navigator
from frappe.tui.playback.controls import PlayerControls
from frappe.tui.playback.host import PlayerHost, PlayerOutcome
from frappe.tui.playback.hotkeys import hotkey_bindings
from frappe.tui.playback.pedal import PEDAL_RETRY_S, PedalPort
from frappe.tui.widgets.dictation.editor import DocumentEditor
from frappe.tui.widgets.dictation.status import DictationStatus
from frappe.tui.workers import WorkerGroup

__all__ = ["DictationScreen"]

_NO_AUDIO = "Pas d'audio — la saisie continue ; Échap pour réessayer"
_DEVICE_LOST = (
    "Sortie audio perdue (casque débranché ?) : rebranchez-le puis Échap pour reprendre — "
    "votre texte est conservé"
)


class DictationScreen(Screen[None]):
    """One transcription (or correction of a draft), until it ends; then it is saved and the
    results are shown."""

    BINDINGS: ClassVar[list[BindingType]] = list(hotkey_bindings())

    class PlayerReported(Message):
        """The player reported a playback action (posted from any thread)."""

        def __init__(self, action: PlaybackAction) -> None:
            super().__init__()
            self.action = action

    class PedalChanged(Message):
        """The pedal reader reported its state or an error (posted from any thread)."""

        def __init__(self, text: str, error: FrappeError | None = None) -> None:
            super().__init__()
            self.text = text
            self.error = error

    def __init__(
        self,
        running: RunningDictation,
        config: AppConfig,
        options: DictationOptions | None = None,
    ) -> None:
        super().__init__()
        self.running = running
        self.config = config
        self.options = options or DictationOptions()
        session = running.session
        self.editor = DocumentEditor(dead_keys=session.config.dead_keys, id="dictation-editor")
        self.status = DictationStatus(id="dictation-status")
        dictation = running.dictation
        self.player = PlayerHost(
            self.options.players(),
            dictation.audio if dictation is not None else None,
            on_action=self._report_action,
            prepare=self._go_to_resume_point,
            missing=f"« {session.config.exercise_id} » n'est plus dans le corpus : "
            "pas d'enregistrement",
        )
        self._player_handed_over = False  # to the results screen, which closes it
        self.pedal: PedalPort | None = None
        self.saved: SavedTranscription | None = None
        self._saving = False
        self._save_to: Path | None = None  # another folder, chosen after a failed save
        self._save_problem: str | None = None  # why the last save failed, dialog dismissed
        self._device_lost_noted = False
        self._pedal_missing = False
        self._pedal_tried = 0.0
        # While no output plays, the countdown stands still: time is given back tick by tick
        # and logged once per outage (``time_added``) when sound is back or the dictation ends.
        self._outage_since: float | None = None
        self._outage_checked = 0.0
        # The sound server restarted under an open stream: only a new process plays again.
        self._relaunch_needed = False

    @property
    def controls(self) -> PlayerControls | None:
        """The player's controls, once the recording is loaded."""
        return self.player.controls

    @property
    def session_running(self) -> bool:
        """The transcription is not finished yet."""
        return not self.running.session.finished

    @property
    def correction(self) -> bool:
        """The trainee corrects a speech-recognition draft (rather than typing from nothing)."""
        return self.running.session.config.kind == "correction"

    def _resumed_notice(self, detail: str) -> str:
        what = "Correction reprise" if self.correction else "Dictée reprise"
        return f"{what} : {detail}"

    def compose(self) -> ComposeResult:
        config = self.running.session.config
        name = "Correction du brouillon" if self.correction else "Dictée"
        mode = f"{name} (évaluation)" if self.running.mode == "exam" else name
        yield Static(
            f"{mode} — {config.candidate.name} — {config.exercise_title}",
            id="dictation-title",
            markup=False,
        )
        yield self.status
        yield self.editor
        yield Footer(compact=True)

    def on_mount(self) -> None:
        session = self.running.session
        if session.typed:
            self.editor.load_document(session.typed)
            if self.correction and session.state is SessionState.READY:
                # A fresh draft is read from its first line, in step with the recording.
                self.editor.move_cursor((0, 0))
                self.editor.scroll_home(animate=False)
        self.editor.focus()
        self.set_interval(self.config.tick_interval, self.tick)
        if session.state is SessionState.RESUMED:
            self.status.show_notice(
                self._resumed_notice("votre texte est rétabli, le temps continue")
            )
        elif self.correction:
            self.status.show_notice(
                "Corrigez le brouillon en écoutant · Échap : lecture/pause · F1/F2 : "
                "reculer/avancer"
            )
        else:
            self.status.show_notice(
                "Échap : lecture/pause · F1/F2 : reculer/avancer · F3/F4 : ralentir/accélérer"
            )
        self.tick()
        self.load_audio()
        self._start_pedal()

    def on_unmount(self) -> None:
        if not self._player_handed_over:
            self.player.close()
        self._stop_pedal()
        # Left without a result: the journal stays to resume — unless nothing was done (opened
        # by mistake), then it goes, and no « interrompu » result will follow.
        if self.session_running and not self._saving and not self.running.discard_if_untouched():
            self.running.journal.close()

    # -- audio -------------------------------------------------------------------------------

    def load_audio(self) -> None:
        """Create the player and load the recording (in a worker)."""
        if self.player.loading or self._saving:
            return
        self.status.show_player(None, "Chargement de l'audio…")
        self.player.load(self)

    def _go_to_resume_point(self, player: PlayerPort) -> None:
        """Back to where a resumed dictation was listened to (the loading worker's thread)."""
        resumed_at = last_playback(self.running.session.events)
        if resumed_at is not None:
            position, speed = resumed_at
            player.seek(position)
            if speed != player.speed:
                player.set_speed(speed)

    def _report_action(self, action: PlaybackAction) -> None:
        """The player's ``on_action`` callback (any thread)."""
        self.post_message(self.PlayerReported(action))

    def on_dictation_screen_player_reported(self, message: PlayerReported) -> None:
        message.stop()
        controls = self.controls
        if controls is None:
            return  # actions while loading (the seek to the resume position) are not the user's
        self.running.log_playback(message.action)
        self.tick()

    def _audio_problem(self, error: BaseException, *, log: bool = True) -> None:
        message = str(error)
        self.status.show_notice(f"Audio : {message}", "error")
        if log:
            self.running.log_event("audio_problem", message=message)

    def _offer_relaunch(self, error: BaseException) -> None:
        self._relaunch_needed = True
        self.status.show_notice(
            "Le serveur audio a redémarré : Échap relance frappe, la dictée reprend où elle en "
            "était (texte, temps, écoute)",
            "error",
        )
        self.running.log_event("audio_problem", message=str(error))

    def _run_player(self, action: PlaybackCommand) -> None:
        if not self.session_running or self._saving:
            return
        if self._relaunch_needed:
            if action == "play_pause":
                self.app.exit(RELAUNCH_EXIT_CODE)  # the journal stays; the new process resumes
            return
        controls = self.controls
        if controls is None:
            if action == "play_pause" and not self.player.loading:
                self.status.show_notice("Nouvel essai de l'audio…")
                self.load_audio()
            elif not self.player.loading:
                self.status.show_notice(_NO_AUDIO, "warning")
            return
        try:
            if controls.device_lost:
                if action == "play_pause":
                    self.status.show_notice("Reconnexion de la sortie audio…")
                    self.player.recover(self)
                else:
                    self.status.show_notice(_DEVICE_LOST, "error")
                return
            controls.run(action)
        except FrappeError as error:
            self._audio_problem(error)
        self.tick()

    def action_play_pause(self) -> None:
        self._run_player("play_pause")

    def action_back(self) -> None:
        self._run_player("back")

    def action_forward(self) -> None:
        self._run_player("forward")

    def action_slower(self) -> None:
        self._run_player("slower")

    def action_faster(self) -> None:
        self._run_player("faster")

    def action_back_long(self) -> None:
        self._run_player("back_long")

    def action_forward_long(self) -> None:
        self._run_player("forward_long")

    def action_back_slower(self) -> None:
        self._run_player("back_slower")

    def action_loop(self) -> None:
        self._run_player("loop")

    def action_go_to_start(self) -> None:
        self._run_player("go_to_start")

    def action_volume_up(self) -> None:
        self._run_player("volume_up")

    def action_volume_down(self) -> None:
        self._run_player("volume_down")

    # -- pedal -------------------------------------------------------------------------------

    def _start_pedal(self) -> None:
        """Start the pedal link once the player exists (retried while the pedal is away)."""
        if self.pedal is not None or self.controls is None or not self.session_running:
            return
        factory = self.options.pedals()
        if factory is None:
            return
        self._pedal_tried = self.config.clock()
        try:
            self.pedal = factory(self.controls, self._pedal_state, self._pedal_error)
        except PedalError as error:
            if self.options.wants_pedal:
                self._pedal_lost(str(error), log=not self._pedal_missing)
                self._pedal_missing = True
            return
        self._pedal_missing = False
        self.status.show_pedal(self.pedal.name)

    def _pedal_state(self, text: str) -> None:
        """The pedal link's state callback (any thread)."""
        self.post_message(self.PedalChanged(text))

    def _pedal_error(self, error: FrappeError) -> None:
        """The pedal link's error callback (any thread)."""
        self.post_message(self.PedalChanged(str(error), error))

    def _stop_pedal(self) -> None:
        if self.pedal is not None:
            with contextlib.suppress(Exception):
                self.pedal.close()
            self.pedal = None

    def _pedal_lost(self, text: str, *, log: bool = True) -> None:
        self.status.show_pedal("débranchée", ok=False)
        # ``text`` names the pedal itself (« Pédale débranchée (/dev/…) »): no second « Pédale ».
        self.status.show_notice(
            f"{text.rstrip('.')} — rebranchez-la ; Échap et F1–F4 restent actives", "warning"
        )
        if log:
            self.running.log_event("pedal_problem", message=text)

    def _retry_pedal(self) -> None:
        """Look for an unplugged (or missing) pedal again, every few seconds."""
        if not self._pedal_missing or self.config.clock() - self._pedal_tried < PEDAL_RETRY_S:
            return
        if self.pedal is None:
            self._start_pedal()
            return
        self._pedal_tried = self.config.clock()
        try:
            self.pedal.retry()
        except PedalError:
            return
        self._pedal_missing = False
        self.status.show_pedal(self.pedal.name)
        self.status.show_notice("Pédale rebranchée")

    def on_dictation_screen_pedal_changed(self, message: PedalChanged) -> None:
        message.stop()
        error = message.error
        if isinstance(error, PedalError):
            self._pedal_missing = True
            self._pedal_tried = self.config.clock()
            self._pedal_lost(message.text)
        elif error is not None:
            self._audio_problem(error)
        elif not self._pedal_missing:
            self.status.show_pedal(message.text)

    # -- clock -------------------------------------------------------------------------------

    def _no_output(self) -> bool:
        """No sound can be played: the output was lost, or no player could be made."""
        controls = self.controls
        if controls is None:
            return not self.player.loading and self.status.player is None
        try:
            return controls.device_lost
        except Exception:
            return True

    def _track_outage(self) -> None:
        """Give back the time spent without audio output (the countdown pauses)."""
        session = self.running.session
        now = self.config.clock()
        out = self._no_output() and session.state is SessionState.RUNNING
        if out:
            if self._outage_since is None:
                self._outage_since = self._outage_checked = now
            session.add_time(round((now - self._outage_checked) * 1000))
            self._outage_checked = now
        elif self._outage_since is not None:
            self._end_outage(now)

    def _end_outage(self, now: float) -> None:
        since, self._outage_since = self._outage_since, None
        if since is None:
            return
        session = self.running.session
        session.add_time(round((now - self._outage_checked) * 1000))
        lost_ms = round((now - since) * 1000)
        if lost_ms > 0:
            self.running.log_event(TIME_ADDED_EVENT, ms=lost_ms, reason="audio_output_lost")

    def tick(self) -> None:
        """Countdown, journal heartbeat, player status; ends the exercise at the deadline."""
        session = self.running.session
        if self._saving:
            return
        self._track_outage()
        if session.finished or session.tick():
            self._finish()
            return
        running = session.state is SessionState.RUNNING
        if running:
            self.running.journal.heartbeat(session.elapsed_ms)
        self._show_journal_state()
        self.status.show_time(session.remaining_s, session.elapsed_s, running)
        self.status.show_link(self.running.link_label())
        self._retry_pedal()
        controls = self.controls
        if controls is None:
            return
        try:
            snapshot = controls.snapshot()
        except Exception as error:
            self.status.show_player(None, f"Lecteur en panne : {error}")
            return
        self.status.show_player(snapshot)
        lost = snapshot.state == "device_lost"
        if lost and not self._device_lost_noted:
            self.status.show_notice(_DEVICE_LOST, "error")
            self.running.log_event("audio_problem", message="sortie audio perdue")
        elif not lost and self._device_lost_noted:
            self.status.show_notice("Sortie audio rétablie")
        self._device_lost_noted = lost

    # -- editor ------------------------------------------------------------------------------

    def on_document_editor_edited(self, message: DocumentEditor.Edited) -> None:
        message.stop()
        session = self.running.session
        if session.finished:
            return
        typed = session.typed
        if typed[message.pos : message.pos + len(message.removed)] != message.removed:
            # The editor and the session disagree (never expected): the editor wins, as one edit.
            session.edit(0, len(typed), self.editor.text, key="resync")
        else:
            session.edit(message.pos, len(message.removed), message.inserted, key=message.key)
        if session.finished:
            self._finish()
        elif message.inserted and self.status.notice and self.status.notice_severity == "info":
            self.status.show_notice("")

    def on_document_editor_paste_refused(self, message: DocumentEditor.PasteRefused) -> None:
        message.stop()
        self.running.session.paste("x" * message.chars)
        self.status.show_notice(
            f"Collage refusé ({message.chars} caractères) : noté dans le résultat", "warning"
        )

    def on_document_editor_dead_key(self, message: DocumentEditor.DeadKey) -> None:
        message.stop()
        self.status.show_pending(message.pending)

    # -- ending ------------------------------------------------------------------------------

    def action_finish(self) -> None:
        if self._save_problem is not None:  # the folder dialog was dismissed: ask again
            self._choose_folder(self._save_problem)
            return
        session = self.running.session
        if session.finished or self._saving:
            return
        what = "la correction" if self.correction else "la transcription"
        confirm_early_end(
            self,
            session,
            ConfirmScreen(self._hand_in_question(what), confirm="Rendre", cancel="Continuer"),
            finish=self._finish,
            refocus=self.editor,
        )

    def _show_journal_state(self) -> None:
        """The alarm while the journal refuses the typing; a notice when it is back."""
        alarm = journal_alarm(self.running.journal)
        if alarm == self.status.alarm:
            return
        self.status.show_alarm(alarm)
        if alarm:
            self.notify(alarm, title="Frappe non enregistrée", severity="error", timeout=30)
        else:
            self.status.show_notice("Enregistrement rétabli")

    def _hand_in_question(self, what: str) -> str:
        """The hand-in question, louder when the document is (nearly) empty: a Ctrl+T typed
        by mistake must not hand in a blank page."""
        session = self.running.session
        typed = len(session.typed.split())
        expected = len(session.config.reference.split())
        if typed == 0:
            return (
                f"Le document est vide : rendre {what} quand même ?\n"
                "Elle sera notée telle qu'elle est (aucun mot)."
            )
        if typed < max(5, expected // 10):
            return (
                f"Le document ne compte que {typed} mot{'s' if typed > 1 else ''} "
                f"(la dictée en a {expected}) : rendre {what} quand même ?\n"
                "Elle sera notée telle qu'elle est."
            )
        return f"Rendre {what} maintenant ?\nElle sera notée telle qu'elle est."

    def _finish(self) -> None:
        if self._saving:
            return
        self._end_outage(self.config.clock())
        self._saving = True
        self.editor.read_only = True
        with contextlib.suppress(FrappeError):
            self.player.pause()
        self._stop_pedal()
        session = self.running.session
        self.status.show_time(session.remaining_s, session.elapsed_s, True)
        self.status.show_notice("Enregistrement…")
        self._save()

    @work(thread=True, exclusive=True, exit_on_error=False, group=WorkerGroup.SAVE)
    def _save(self) -> SavedTranscription:
        return self.running.save(self._save_to)

    def _choose_folder(self, problem: str) -> None:
        """The result could not be written: the session is in memory, ask for a folder."""

        def chosen(folder: Path | None) -> None:
            if folder is None:
                # Still only in memory if the journal is behind: the dialog comes back.
                self._save_problem = problem
                self.status.show_notice(
                    "Résultat non enregistré — Ctrl+T : choisir un dossier", "error"
                )
                return
            self._save_problem = None
            self._save_to = folder
            self.status.show_notice("Enregistrement…")
            self._save()

        failed = self._save_to or self.running.results_dir
        self.app.push_screen(SaveElsewhereScreen(problem, failed), chosen)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == WorkerGroup.SAVE:
            self._saved(event)
            return
        outcome = self.player.worker_changed(event, self)
        if outcome is None:
            return
        if outcome.kind == "recovered":
            self.status.show_notice("Sortie audio rétablie")
            self.tick()
        elif outcome.kind == "recover_failed":
            if isinstance(outcome.error, AudioServerHungError):
                self._offer_relaunch(outcome.error)
            elif outcome.error is not None:
                self._audio_problem(outcome.error)
        else:
            self._loaded(outcome)

    def _loaded(self, outcome: PlayerOutcome) -> None:
        if outcome.kind == "loaded":
            if self._saving:
                self.player.close()
                return
            if self.running.session.state is SessionState.RESUMED:
                self.status.show_notice(
                    self._resumed_notice(
                        "texte rétabli, lecture à l'endroit quitté — Échap pour écouter"
                    )
                )
            else:
                self.status.show_notice(
                    "Audio prêt : Échap pour écouter · F1/F2 reculer/avancer · F3/F4 vitesse"
                )
            self._start_pedal()
            self.tick()
        else:
            error = outcome.error
            if isinstance(error, AudioServerHungError):
                self.status.show_player(None, "Serveur audio à relancer")
                self._offer_relaunch(error)
                return
            text = str(error) if isinstance(error, FrappeError) else f"audio illisible ({error})"
            self.status.show_player(None, _NO_AUDIO)
            self.status.show_notice(f"Audio : {text}", "error")
            if error is not None:
                self.running.log_event("audio_problem", message=text)

    def _saved(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.SUCCESS:
            saved = event.worker.result
            assert isinstance(saved, SavedTranscription)
            self.saved = saved
            self._player_handed_over = True  # the results screen plays passages with it
            navigator(self).show_results(saved, finished=self, player=self.player.hand_over())
        elif event.state is WorkerState.ERROR:
            self.status.show_notice("Échec de l'enregistrement", "error")
            if isinstance(event.worker.error, FrappeError):
                self._choose_folder(str(event.worker.error))
                return
            self.notify(
                f"{event.worker.error}\nLe journal est conservé : la dictée pourra être close "
                "plus tard.",
                title="Résultat non enregistré",
                severity="error",
                timeout=30,
            )
