"""The TUI's side of the player: the controls hotkeys and the pedal drive, the pedal link, the
hotkey table. No widget here: the screens and the player line show what these do."""
