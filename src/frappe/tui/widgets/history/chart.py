"""Speed and accuracy over dates, drawn in the terminal (plotext): dates on the x axis, speed
on the left axis, accuracy (%) on the right axis of its own, the trainer's targets as flat
lines. Readable at 80×24."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from textual_plotext import PlotextPlot

from frappe.storage.history import HistoryEntry

__all__ = ["ChartPoint", "DatedProgressChart", "ProgressChart", "date_ticks"]


@dataclass(frozen=True, slots=True)
class ChartPoint:
    """One result on the chart.

    Attributes:
        when: When it was taken.
        speed: Speed (None: not drawn).
        accuracy: Accuracy 0–1 (None: not drawn).
    """

    when: datetime
    speed: float | None
    accuracy: float | None


def _days(moment: datetime) -> float:
    return moment.timestamp() / 86400.0


def date_ticks(days: Sequence[float], most: int = 6) -> tuple[list[float], list[str]]:
    """At most ``most`` x ticks over the dates, labelled ``dd/mm`` (distinct labels only)."""
    if not days:
        return [], []
    first, last = min(days), max(days)
    count = 1 if last - first < 1e-6 else most
    ticks: list[float] = []
    labels: list[str] = []
    for index in range(count):
        value = first if count == 1 else first + (last - first) * index / (count - 1)
        label = datetime.fromtimestamp(value * 86400.0).astimezone().strftime("%d/%m")
        if label not in labels:
            ticks.append(value)
            labels.append(label)
    return ticks, labels


class DatedProgressChart(PlotextPlot):
    """Speed (left axis) and accuracy (right axis) of results over their dates.

    Attributes:
        points_shown: Results drawn.
        measure_shown: What the left axis shows (« vitesse », « note »).
    """

    points_shown = 0
    measure_shown = "vitesse"

    def show_points(
        self,
        points: Sequence[ChartPoint],
        *,
        unit: str = "mots/min",
        title: str = "Progression",
        speed_target: float | None = None,
        accuracy_target: float | None = None,
        measure: str = "vitesse",
    ) -> None:
        """Draw ``points`` (any order) with the targets as flat lines; ``measure`` names what
        the left axis shows (« vitesse », or « note » for dictations, which have no speed)."""
        # Typed as Any: textual-plotext's annotations lack the ``yside`` that plotext takes.
        plt: Any = self.plt
        plt.clear_data()
        plt.clear_figure()
        ordered = sorted(points, key=lambda p: p.when)
        self.points_shown = len(ordered)
        self.measure_shown = measure
        if not ordered:
            plt.title(f"{title} : aucun résultat")
            self.refresh()
            return
        x = [_days(p.when) for p in ordered]
        speeds = [(d, p.speed) for d, p in zip(x, ordered, strict=True) if p.speed is not None]
        accuracies = [
            (d, 100.0 * p.accuracy)
            for d, p in zip(x, ordered, strict=True)
            if p.accuracy is not None
        ]
        marker = "braille" if len(ordered) > 1 else "dot"
        if speeds:
            plt.plot(
                [d for d, _ in speeds],
                [v for _, v in speeds],
                label=f"{measure} ({unit})",
                marker=marker,
                color="cyan",
            )
        if accuracies:
            plt.plot(
                [d for d, _ in accuracies],
                [v for _, v in accuracies],
                label="précision % (axe droit)",
                marker=marker,
                color="orange",
                yside="right",
            )
        span = [min(x), max(x)] if max(x) > min(x) else [min(x) - 0.5, max(x) + 0.5]
        if speed_target is not None:
            plt.plot(span, [speed_target] * 2, label=f"objectif {measure}", color="red")
        if accuracy_target is not None:
            plt.plot(
                span,
                [100.0 * accuracy_target] * 2,
                label="objectif précision",
                color="green",
                yside="right",
            )
        top = max([v for _, v in speeds] + [speed_target or 0.0, 1.0]) * 1.15
        plt.ylim(0, top, yside="left")
        low = min([v for _, v in accuracies] + [100.0 * (accuracy_target or 1.0), 100.0])
        low = max(0.0, low - 5.0)
        plt.ylim(low, 100.0, yside="right")
        for side, (bottom, upper) in (("left", (0.0, top)), ("right", (low, 100.0))):
            values = [bottom + (upper - bottom) * i / 4 for i in range(5)]
            plt.yticks(values, [f"{v:.0f}" for v in values], yside=side)
        ticks, labels = date_ticks(x)
        plt.xticks(ticks, labels)
        plt.title(title)
        plt.ylabel(unit, yside="left")
        plt.ylabel("%", yside="right")
        self.refresh()


class ProgressChart(DatedProgressChart):
    """A trainee's sessions (practice and exams) on the dated, two-axis chart.

    Attributes:
        entries_shown: Sessions plotted.
    """

    entries_shown = 0

    def show_entries(self, entries: Sequence[HistoryEntry]) -> None:
        """Plot the entries with a speed."""
        points = [
            ChartPoint(e.started_at, e.speed, e.accuracy) for e in entries if e.speed is not None
        ]
        self.entries_shown = len(points)
        unit = next((e.speed_unit for e in reversed(entries) if e.speed_unit), "mots/min")
        self.show_points(points, unit=unit, title="Progression par séance")
