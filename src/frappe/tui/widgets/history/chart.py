"""Speed and accuracy over a trainee's sessions, drawn in the terminal (plotext)."""

from __future__ import annotations

from collections.abc import Sequence

from textual_plotext import PlotextPlot

from frappe.storage.history import HistoryEntry

__all__ = ["ProgressChart"]


class ProgressChart(PlotextPlot):
    """Two series over the session number: speed (profile unit) and final-text accuracy (%).

    Attributes:
        entries_shown: Sessions plotted.
    """

    entries_shown = 0

    def show_entries(self, entries: Sequence[HistoryEntry]) -> None:
        """Plot the entries, oldest first."""
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        points = [e for e in entries if e.speed is not None]
        self.entries_shown = len(points)
        if not points:
            plt.title("Pas encore de séance enregistrée")
            self.refresh()
            return
        x = list(range(1, len(points) + 1))
        unit = points[-1].speed_unit or "mots/min"
        plt.plot(x, [e.speed or 0.0 for e in points], label=f"vitesse ({unit})", marker="braille")
        plt.plot(
            x,
            [100.0 * (e.accuracy or 0.0) for e in points],
            label="précision (%)",
            marker="braille",
        )
        plt.title("Progression par séance")
        plt.xlabel("séance")
        if len(x) > 1:
            ticks = x if len(x) <= 12 else x[:: max(1, len(x) // 12)]
            plt.xticks([float(t) for t in ticks], [str(t) for t in ticks])
        self.refresh()
