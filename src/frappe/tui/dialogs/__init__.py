"""Modal dialogs shared by screens (no navigation between screens happens here)."""
