"""The two panes of the typing screen: the reference with the current position marked, and
what the candidate typed (live feedback only when the exam allows it)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style

from frappe.tui.widgets.typing.text_view import Run, TextView

__all__ = ["ReferenceView", "TypedView"]


class ReferenceView(TextView):
    """The text to copy: already reached part dimmed, the next character marked."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"reference--done", "reference--marker"}

    DEFAULT_CSS = """
    ReferenceView > .reference--done { color: $text-muted; }
    ReferenceView > .reference--marker { background: $accent; color: $text; text-style: bold; }
    """

    def __init__(
        self,
        text: str,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(text, name=name, id=id, classes=classes)
        self.marker = 0
        self.scroll_margin = 2

    def move_marker(self, offset: int) -> None:
        """Mark another position; redraws only the rows of the old and new positions."""
        if offset == self.marker:
            return
        old, self.marker = self.marker, offset
        self.invalidate_offsets(old, offset)

    def focus_offset(self) -> int:
        return self.marker

    def runs(self, start: int, end: int) -> Iterable[Run]:
        done = self.style_of("reference--done")
        marker = self.style_of("reference--marker")
        plain = Style()
        m = self.marker
        if end <= m:
            return [(start, end, done)]
        if start > m:
            return [(start, end, plain)]
        runs: list[Run] = []
        if start < m:
            runs.append((start, m, done))
        runs.append((m, m + 1, marker))
        if m + 1 < end:
            runs.append((m + 1, end, plain))
        return runs

    def extra_cell(self, row: int) -> Segment | None:
        # The marker on a line end (the newline itself) is drawn as a blank cell.
        wrapped = self.wrapped
        line, _start, end = wrapped.rows[row]
        if wrapped.line_starts[line] + end == self.marker and (
            row + 1 >= len(wrapped.rows) or wrapped.rows[row + 1][0] != line
        ):
            return Segment("¶", self.style_of("reference--marker"))
        return None


class TypedView(TextView):
    """The typed text, with a cursor at the end and, with live feedback, wrong characters."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"typed--wrong", "typed--cursor", "typed--pending"}

    DEFAULT_CSS = """
    TypedView > .typed--wrong { color: $error; text-style: bold underline; }
    TypedView > .typed--cursor { background: $foreground; color: $background; }
    TypedView > .typed--pending { background: $warning; color: $background; }
    """

    def __init__(
        self,
        text: str = "",
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(text, name=name, id=id, classes=classes)
        self.is_wrong: Callable[[int], bool] | None = None
        # Runs of right and wrong characters over a range (live feedback), when known: one
        # call per row instead of ``is_wrong`` per character.
        self.wrong_spans: Callable[[int, int], list[tuple[int, int, bool]]] | None = None
        self.pending = ""
        self.show_cursor = True

    def set_pending(self, pending: str) -> None:
        """Show (or clear) a dead key waiting for its letter."""
        if pending != self.pending:
            self.pending = pending
            self.invalidate_offsets(self.wrapped.length)

    def runs(self, start: int, end: int) -> Iterable[Run]:
        plain = Style()
        check = self.is_wrong
        if check is None:
            return [(start, end, plain)]
        wrong = self.style_of("typed--wrong")
        if self.wrong_spans is not None:
            return [(a, b, wrong if bad else plain) for a, b, bad in self.wrong_spans(start, end)]
        runs: list[Run] = []
        run_start = start
        run_wrong = False
        for pos in range(start, end):
            flag = check(pos)
            if flag != run_wrong:
                if pos > run_start:
                    runs.append((run_start, pos, wrong if run_wrong else plain))
                run_start, run_wrong = pos, flag
        if end > run_start:
            runs.append((run_start, end, wrong if run_wrong else plain))
        return runs

    def extra_cell(self, row: int) -> Segment | None:
        if not self.show_cursor or row != len(self.wrapped.rows) - 1:
            return None
        if self.pending:
            return Segment(self.pending, self.style_of("typed--pending"))
        return Segment(" ", self.style_of("typed--cursor"))
