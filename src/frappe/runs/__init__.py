"""Running an exercise from its start to a saved result, without any UI: session, journal,
result file and history for typing tests (``typing_test``), dictations and corrections
(``dictation``), and how a recording was listened to (``listening``). The app and the command
line both drive these."""
