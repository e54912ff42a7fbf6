"""Running an exercise from its start to a saved result, without any UI: session, journal,
result file and history for typing tests (``typing``), dictations and corrections
(``dictation``), on what they share (``common``: where results go, the journaled session, the
save order); closing an unfinished journal of either kind (``closing``), and how a recording
was listened to (``listening``). The app and the command line both drive these."""
