"""The screen reaches the terminal even while a library points descriptor 2 at /dev/null, as
sounddevice does while PortAudio initialises (at import, at each device re-scan, in the audio
worker). Textual writes its frames to descriptor 2: a frame written then was lost, and a
dictation resumed after a relaunch showed an empty editor. Run in a real pseudo-terminal."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

SCRIPT = r"""
import os, sys, threading, time
from textual.app import App
from textual.widgets import Static
from frappe.tui.terminal import private_output_driver

class Probe(App[None]):
    def get_driver_class(self):
        default = super().get_driver_class()
        return private_output_driver(default) if sys.argv[1] == "private" else default

    def compose(self):
        yield Static("début", id="probe")

    def on_mount(self):
        self.set_timer(0.5, self.hide_stderr)

    def hide_stderr(self):
        # What sounddevice._initialize does around Pa_Initialize, from another thread.
        saved = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
        self.query_one("#probe", Static).update("TEXTE-RÉTABLI")
        self.call_after_refresh(self.restore_when_written, saved)

    def restore_when_written(self, saved):
        writer = self._driver._writer_thread

        def restore():
            # The frame above is handed to the writer thread: let it reach descriptor 2.
            while not writer._queue.empty():
                time.sleep(0.05)
            time.sleep(0.5)
            os.dup2(saved, 2)
            os.close(saved)
            self.call_from_thread(self.set_timer, 0.5, self.exit)

        threading.Thread(target=restore).start()


Probe().run()
"""


def _screen_output(driver: str) -> str:
    leader, follower = pty.openpty()
    env = dict(os.environ, TERM="xterm-256color", COLUMNS="80", LINES="24")
    with subprocess.Popen(
        [sys.executable, "-c", SCRIPT, driver],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
    ) as process:
        os.close(follower)
        output = b""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                output += chunk
            elif process.poll() is not None:
                break
        process.wait(30)
    os.close(leader)
    return output.decode("utf-8", "replace")


def test_a_frame_drawn_while_stderr_points_to_dev_null_reaches_the_terminal() -> None:
    assert "TEXTE-RÉTABLI" in _screen_output("private")


def test_textual_s_own_driver_loses_that_frame() -> None:
    """The hazard is real: without the private descriptor the frame goes to /dev/null."""
    output = _screen_output("default")
    assert "début" in output and "TEXTE-RÉTABLI" not in output
