"""Closing an unfinished journal without resuming it, whatever its exercise: the record is
saved as interrupted where the run meant to save it, and the journal archived. A typing test
is closed by ``frappe.runs.typing``, a transcription or correction by
``frappe.runs.dictation`` (scored and saved as such)."""

from __future__ import annotations

from frappe.errors import FrappeError, JournalError
from frappe.runs.common import StoragePaths
from frappe.runs.dictation import DICTATION_KINDS, SavedTranscription, close_dictation_journal
from frappe.runs.typing import SavedResult, close_typing_journal
from frappe.storage.journal import JournalContents

__all__ = ["close_journal"]


def close_journal(
    contents: JournalContents, storage: StoragePaths | None = None
) -> SavedResult | SavedTranscription:
    """Close an unfinished journal without resuming (FrappeError when it cannot be reopened
    or its result cannot be written; the journal is then kept)."""
    if contents.header.config.kind in DICTATION_KINDS:
        try:
            return close_dictation_journal(contents, storage)
        except JournalError as error:
            raise FrappeError(str(error)) from error
    return close_typing_journal(contents, storage)
