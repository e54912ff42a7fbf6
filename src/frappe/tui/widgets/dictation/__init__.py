"""The dictation screen's widgets: the document editor and the player's status line."""
