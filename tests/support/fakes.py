"""Fakes shared by the tests of every layer."""

from __future__ import annotations

__all__ = ["FakeClock"]


class FakeClock:
    """A monotonic clock the test moves by hand (``now``, ``advance``): sessions, journals,
    senders and apps take it instead of ``time.monotonic``, so no test sleeps."""

    def __init__(self, start: float = 100.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
