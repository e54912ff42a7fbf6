"""Widgets of the trainer screens (drafts, review, references)."""
