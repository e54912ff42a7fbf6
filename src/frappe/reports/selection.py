"""What a tableau de suivi covers — a group, a séance, a period — and how its exports are named.
Shared by ``frappe suivi`` and the app's class view, so the same choice selects the same results,
gets the same title and accepts the same dates in both. Pure: no I/O, no clock."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from frappe.reports.statistics import local_day, seance_key
from frappe.storage.store import ResultFilter, StoredResult
from frappe.textio import slugify

__all__ = ["Selection", "file_slug", "seance_label"]


def seance_label(key: str) -> str:
    """A short name for a séance in a narrow list: « 26/10/26 t01 » for « 2026-10-26 t01 »
    (a room séance's own id is kept)."""
    day, _, exercise = key.partition(" ")
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        return key
    return f"{parsed.strftime('%d/%m/%y')} {exercise}".strip()


def _fr(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time()).astimezone()


def file_slug(name: str) -> str:
    """A group or séance name in an export's file name (``frappe.textio.slugify``)."""
    return slugify(name, limit=None, empty="groupe")


@dataclass(frozen=True, slots=True)
class Selection:
    """The results a class view or an export covers.

    Attributes:
        group: Group (promotion) name; None for every candidate.
        seance: Séance key (see ``seance_key``); None for every séance of the period.
        date_from: First day (the trainer's local calendar), inclusive.
        date_to: Last day, inclusive.
    """

    group: str | None = None
    seance: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def __post_init__(self) -> None:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(
                f"période vide : le {_fr(self.date_from)} est après le {_fr(self.date_to)}"
            )

    def result_filter(self) -> ResultFilter:
        """The store filter of the group and period (the séance is narrowed afterwards)."""
        since = _local_midnight(self.date_from) if self.date_from else None
        until = _local_midnight(self.date_to + timedelta(days=1)) if self.date_to else None
        return ResultFilter(group=self.group, since=since, until=until)

    def in_period(self, result: StoredResult) -> bool:
        """Whether ``result`` falls within the period (on the trainer's calendar)."""
        day = local_day(result.started_at)
        return (self.date_from is None or day >= self.date_from) and (
            self.date_to is None or day <= self.date_to
        )

    def narrow(self, results: Iterable[StoredResult]) -> list[StoredResult]:
        """The results of the period and séance (the group is the store's business)."""
        return [
            r
            for r in results
            if self.in_period(r) and (self.seance is None or seance_key(r) == self.seance)
        ]

    def period_text(self) -> str:
        """« du 01/10/2026 au 31/10/2026 », « du … au 31/10/2026 »; empty without a period."""
        if not (self.date_from or self.date_to):
            return ""
        start = _fr(self.date_from) if self.date_from else "…"
        end = _fr(self.date_to) if self.date_to else "…"
        return f"du {start} au {end}"

    def title(self) -> str:
        """« Promo A — séance 2026-10-05 t01 — du 01/10/2026 au 31/10/2026 »."""
        parts = [self.group] if self.group else []
        if self.seance:
            parts.append(f"séance {self.seance}")
        if period := self.period_text():
            parts.append(period)
        return " — ".join(parts) or "Tous les résultats"

    def file_stem(self, stamp: str) -> str:
        """A file name (without extension) for an export of this selection made at ``stamp``:
        « promo-a-2026-10-05-t01-20261029-101500 »."""
        parts = [file_slug(self.group) if self.group else "suivi"]
        if self.seance:
            parts.append(file_slug(self.seance))
        if self.date_from or self.date_to:
            start = self.date_from.isoformat() if self.date_from else "debut"
            end = self.date_to.isoformat() if self.date_to else "fin"
            parts.append(f"{start}-au-{end}")
        parts.append(stamp)
        return "-".join(parts)
