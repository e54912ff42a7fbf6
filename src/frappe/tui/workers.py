"""The groups of the app's background workers (Textual's ``work(group=…)``).

A screen tells its own workers' results apart by group (``on_worker_state_changed``), and an
exclusive worker cancels only the workers of its group: one name per kind of work, here, so a
typo is a type error instead of a result nobody receives.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["WorkerGroup"]


class WorkerGroup(StrEnum):
    """One kind of background work."""

    ROOM = "room"  # the app: joining the room, its status, handing in
    RELEASE = "release"  # room dashboard: releasing an attempt
    CLOSE_SEANCE = "close"  # room dashboard: closing the séance
    OPEN_RESULT = "open"  # history: reading a saved result
    PROGRESS = "progress"  # practice: a candidate's progression
    SETTINGS_DEVICES = "settings-devices"
    SETTINGS_SOUND = "settings-sound"
    SETTINGS_LEARN = "settings-learn"  # learning a pedal's buttons
    EXPORT = "export"  # results: writing the export files
    EXPORT_WRITE = "export-write"  # the export-folder dialog
    SAVE = "save"  # typing test or dictation: saving the result
    ASR_DRAFT = "asr-draft"  # trainer: the speech-recognition draft
    CLOSE_JOURNAL = "close-journal"  # unfinished journals: closing one as interrupted
    SUIVI_LOAD = "suivi-load"
    CANDIDATE_LOAD = "candidate-load"
    ROSTER_READ = "roster-read"  # roster: reading the list to import
    ROSTER_SAVE = "roster-save"  # roster: saving the imported list
    ROSTER_ATTACH = "roster-attach"  # roster: a result's name attached to a member
    PLAYER_LOAD = "player-load"  # the player host: opening the player, loading the recording
    PLAYER_RECOVER = "player-recover"  # the player host: the audio output back
