"""Textual's terminal driver, writing the screen to a private copy of the terminal's
descriptor.

Textual writes every frame to standard error (descriptor 2). sounddevice points descriptor 2
at /dev/null while PortAudio initialises, to hide the ALSA and JACK chatter — at its import and
at each device re-scan, from the audio worker thread, for as long as connecting to the sound
server takes. A frame written in that window went to /dev/null, and Textual redraws only what
changes next: a dictation resumed after a relaunch showed its status but an empty editor (its
text was in the journal and in the editor, never on the terminal). Writing through a duplicate
of the descriptor, taken before any audio starts, keeps the screen out of such redirections.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any

from textual.driver import Driver

__all__ = ["private_output_driver"]


def private_output_driver(default: type[Driver]) -> type[Driver]:
    """``default`` (Textual's driver for this platform), writing to its own descriptor when it
    is the Unix terminal driver; any other driver as it is."""
    from textual.drivers.linux_driver import LinuxDriver  # noqa: PLC0415 - Unix only

    if not issubclass(default, LinuxDriver):
        return default

    class PrivateOutputDriver(default):  # type: ignore[valid-type,misc]
        """The terminal driver, on a duplicate of standard error's descriptor."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._private_output = _duplicate(sys.__stderr__)
            if self._private_output is not None:
                self._file = self._private_output

        def close(self) -> None:
            super().close()  # stops the writer thread: nothing writes to the copy any more
            if self._private_output is not None:
                with contextlib.suppress(OSError):
                    self._private_output.close()

    return PrivateOutputDriver


def _duplicate(stream: Any) -> Any:
    """A text stream on a duplicate of ``stream``'s descriptor (None when it has none)."""
    try:
        descriptor = os.dup(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return None
    encoding = getattr(stream, "encoding", None) or "utf-8"
    return open(descriptor, "w", encoding=encoding, errors="replace", closefd=True)
