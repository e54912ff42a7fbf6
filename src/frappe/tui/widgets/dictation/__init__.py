"""The dictation (transcription) screen's parts: hotkeys, player port, status bar, editor,
listening statistics, word timings, and the UI-free run of a dictation."""
