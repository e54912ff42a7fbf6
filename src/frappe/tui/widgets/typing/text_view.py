"""A soft-wrapped text drawn line by line (Textual's Line API), redrawn only where it changed.

``WrappedText`` keeps the text as logical lines (split on ``\\n``) and their visual rows for a
given width. Appending or erasing at the end of the text rewraps only the last rows of the
last line, so the cost of a key press does not grow with the length of the text. ``TextView``
renders rows from a per-row strip cache and marks only the changed rows dirty.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget

__all__ = ["Run", "TextView", "WrappedText", "wrap_spans"]

Row = tuple[int, int, int]  # (logical line, start column, end column)
Run = tuple[int, int, Style]  # (absolute start, absolute end, style)


def wrap_spans(text: str, width: int, start: int = 0) -> list[tuple[int, int]]:
    """Greedy word wrap of ``text`` from column ``start``: ``(start, end)`` column spans.

    A row may end with one space beyond ``width`` (cropped when drawn). A row filled to the
    width is followed by an empty row, where the cursor goes.
    """
    width = max(1, width)
    n = len(text)
    spans: list[tuple[int, int]] = []
    s = start
    if s >= n:
        return [(s, s)]
    while s < n:
        if n - s <= width:
            spans.append((s, n))
            if n - s == width:
                spans.append((n, n))
            break
        cut = text.rfind(" ", s, s + width + 1)
        end = s + width if cut < s else cut + 1
        if end <= s:
            end = s + width
        spans.append((s, end))
        s = end
    return spans


class WrappedText:
    """Logical lines and their visual rows for one width."""

    def __init__(self, text: str = "", width: int = 80) -> None:
        self.width = max(1, width)
        self.lines: list[str] = []
        self.line_starts: list[int] = []
        self.spans: list[list[tuple[int, int]]] = []
        self.rows: list[Row] = []
        self.first_row: list[int] = []
        self.set_text(text)

    @property
    def length(self) -> int:
        """Characters in the text (newlines included)."""
        return self.line_starts[-1] + len(self.lines[-1])

    @property
    def text(self) -> str:
        """The whole text."""
        return "\n".join(self.lines)

    def set_text(self, text: str, width: int | None = None) -> None:
        """Replace everything (or rewrap for a new width)."""
        if width is not None:
            self.width = max(1, width)
        self.lines = text.split("\n")
        self.line_starts = []
        offset = 0
        for line in self.lines:
            self.line_starts.append(offset)
            offset += len(line) + 1
        self.spans = [wrap_spans(line, self.width) for line in self.lines]
        self._rebuild_rows()

    def _rebuild_rows(self) -> None:
        self.rows = []
        self.first_row = []
        for index, spans in enumerate(self.spans):
            self.first_row.append(len(self.rows))
            self.rows.extend((index, s, e) for s, e in spans)

    def locate(self, offset: int) -> tuple[int, int]:
        """(line, column) of a text offset."""
        line = bisect_right(self.line_starts, offset) - 1
        line = max(0, min(line, len(self.lines) - 1))
        return line, offset - self.line_starts[line]

    def row_of(self, offset: int) -> int:
        """The visual row showing ``offset`` (the end of text included)."""
        line, column = self.locate(offset)
        spans = self.spans[line]
        index = 0
        for index in range(len(spans) - 1, -1, -1):
            start, end = spans[index]
            if start <= column and (column < end or index == len(spans) - 1):
                break
        # A column at the very end of a full row belongs to the next (empty) row.
        return self.first_row[line] + index

    def row_start(self, row: int) -> int:
        """Absolute offset of a row's first character."""
        line, start, _end = self.rows[row]
        return self.line_starts[line] + start

    def edit_at_end(self, removed: int, inserted: str) -> int:
        """Erase ``removed`` characters at the end, then append ``inserted``; returns the
        first visual row whose content changed (rows after it may have shifted too)."""
        first_changed = len(self.rows)
        for _ in range(removed):
            last = self.lines[-1]
            if last:
                self.lines[-1] = last[:-1]
            elif len(self.lines) > 1:
                self.lines.pop()
                self.line_starts.pop()
                self.spans.pop()
                removed_from = self.first_row.pop()
                del self.rows[removed_from:]
                first_changed = min(first_changed, removed_from)
        pieces = inserted.split("\n")
        self.lines[-1] += pieces[0]
        whole = removed > 1
        first_changed = min(first_changed, self._rewrap_tail(len(self.lines) - 1, whole=whole))
        for piece in pieces[1:]:
            self.line_starts.append(self.line_starts[-1] + len(self.lines[-1]) + 1)
            self.lines.append(piece)
            self.spans.append(wrap_spans(piece, self.width))
            self.first_row.append(len(self.rows))
            self.rows.extend((len(self.lines) - 1, s, e) for s, e in self.spans[-1])
        return first_changed

    def _rewrap_tail(self, line: int, *, whole: bool = False) -> int:
        """Rewrap the last rows of the (last) logical line; the first row that changed.

        After one character appended or erased at the end, greedy wrapping can only change
        the last two rows; three are redone. Larger edits rewrap the whole line. Edits are at
        the end of the line, so a row whose span is unchanged shows the same characters.
        """
        spans = self.spans[line]
        keep = 0 if whole else max(0, len(spans) - 3)
        old = spans[keep:]
        new = wrap_spans(self.lines[line], self.width, spans[keep][0] if keep else 0)
        same = 0
        while same < min(len(old), len(new)) and old[same] == new[same]:
            same += 1
        spans[keep:] = new
        first = self.first_row[line] + keep
        del self.rows[first + same :]
        self.rows.extend((line, s, e) for s, e in new[same:])
        return first + same


class TextView(Widget):
    """Draws a ``WrappedText`` row by row; subclasses say how characters are styled."""

    DEFAULT_CSS = """
    TextView {
        height: 1fr;
        width: 1fr;
    }
    """

    def __init__(
        self,
        text: str = "",
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.wrapped = WrappedText(text, 80)
        self._wrapped_width = 0
        self._view_width = 0
        self._view_height = 0
        self._strips: dict[int, Strip] = {}
        self.top_row = 0
        self.scroll_margin = 1
        self._style_cache: dict[str, Style] = {}

    # -- what subclasses provide -------------------------------------------------------------

    def runs(self, start: int, end: int) -> Iterable[Run]:
        """Styled runs covering absolute offsets ``[start, end)``."""
        return [(start, end, Style())]

    def focus_offset(self) -> int:
        """The text offset to keep visible."""
        return self.wrapped.length

    def extra_cell(self, row: int) -> Segment | None:
        """Something to draw just after a row's text (the cursor), or None."""
        return None

    def style_of(self, component: str) -> Style:
        """A component class's style, cached until the CSS or theme changes."""
        style = self._style_cache.get(component)
        if style is None:
            style = self.get_component_rich_style(component)
            self._style_cache[component] = style
        return style

    @property
    def base_style(self) -> Style:
        """The widget's own style (colours), cached like ``style_of``."""
        style = self._style_cache.get("")
        if style is None:
            style = self.rich_style
            self._style_cache[""] = style
        return style

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style_cache.clear()
        self._strips.clear()

    # -- updates -----------------------------------------------------------------------------

    def set_text(self, text: str) -> None:
        """Replace the whole text and redraw."""
        self.wrapped.set_text(text)
        self._strips.clear()
        self._follow(force=True)

    def append_edit(self, removed: int, inserted: str) -> None:
        """An edit at the end of the text: redraw only the rows it changed (and the former
        last row, which may carry something drawn after the text, such as a cursor)."""
        rows_before = len(self.wrapped.rows)
        first = min(self.wrapped.edit_at_end(removed, inserted), rows_before - 1)
        for row in range(first, max(rows_before, len(self.wrapped.rows))):
            self._strips.pop(row, None)
        if not self._follow():
            self._refresh_rows(range(first, max(rows_before, len(self.wrapped.rows))))

    def invalidate_offsets(self, *offsets: int) -> None:
        """Redraw the rows showing these offsets (a marker or cursor moved)."""
        rows = {self.wrapped.row_of(max(0, min(o, self.wrapped.length))) for o in offsets}
        for row in rows:
            self._strips.pop(row, None)
        if not self._follow():
            self._refresh_rows(rows)

    def _refresh_rows(self, rows: Iterable[int]) -> None:
        # One region from the first to the last visible changed row: each region is a
        # separate repaint request, and a key changes one or two neighbouring rows.
        height = self._view_height
        visible = [y for y in (row - self.top_row for row in rows) if 0 <= y < height]
        if visible:
            top = min(visible)
            self.refresh(Region(0, top, self._view_width, max(visible) - top + 1))

    def _follow(self, *, force: bool = False) -> bool:
        """Scroll so the focus offset stays visible; True when everything was redrawn.

        Going down, the view jumps so the focus row comes back to a third of the height:
        a full redraw every few rows rather than at every row.
        """
        height = self._view_height
        if height <= 0:
            return False
        row = self.wrapped.row_of(min(self.focus_offset(), self.wrapped.length))
        top = self.top_row
        margin = min(self.scroll_margin, max(0, (height - 1) // 2))
        if row < top + margin:
            top = max(0, row - max(margin, height // 3))
        elif row >= top + height - margin:
            top = row - max(margin, height // 3)
        top = max(0, min(top, len(self.wrapped.rows) - 1))
        if top != self.top_row or force:
            self.top_row = top
            self.refresh()
            return True
        return False

    # -- Textual -----------------------------------------------------------------------------

    def on_resize(self) -> None:
        # Widget.size walks the layout (region, gutter, scrollbars) on each call: the hot path
        # reads these two copies, kept right here.
        width = self._view_width = self.size.width
        self._view_height = self.size.height
        if width and width != self._wrapped_width:
            self._wrapped_width = width
            self.wrapped.set_text(self.wrapped.text, width)
            self._strips.clear()
        self._follow(force=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(1, len(self.wrapped.rows))

    def render_line(self, y: int) -> Strip:
        row = self.top_row + y
        width = self._view_width or self.size.width
        if row >= len(self.wrapped.rows):
            return Strip.blank(width, self.base_style)
        strip = self._strips.get(row)
        if strip is None:
            strip = self._build_row(row, width)
            self._strips[row] = strip
        return strip

    def _build_row(self, row: int, width: int) -> Strip:
        wrapped = self.wrapped
        line, start, end = wrapped.rows[row]
        text = wrapped.lines[line]
        base = wrapped.line_starts[line]
        base_style = self.base_style
        segments: list[Segment] = []
        for run_start, run_end, style in self.runs(base + start, base + end):
            piece = text[run_start - base : run_end - base]
            if piece:
                segments.append(Segment(piece, base_style + style))
        extra = self.extra_cell(row)
        if extra is not None:
            segments.append(Segment(extra.text, base_style + (extra.style or Style())))
        return Strip(segments).adjust_cell_length(width, base_style)
