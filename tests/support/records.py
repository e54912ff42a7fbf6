"""Types shared by the tests that build result records (the ``make_record`` fixture of
``tests/conftest.py``)."""

from __future__ import annotations

from collections.abc import Callable

from frappe.exercises.record import ResultRecord

__all__ = ["RecordFactory"]

RecordFactory = Callable[..., ResultRecord]
