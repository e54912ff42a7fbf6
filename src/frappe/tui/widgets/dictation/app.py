"""The app opened by ``frappe dictation``: frappe's app, straight on one dictation (new or
resumed). A subclass rather than a new start kind of ``FrappeApp``, so the typing app's start-up
is untouched; it also carries the dictation options (audio device, pedal) to every dictation
screen opened from it."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path

from frappe.errors import FrappeError
from frappe.runs.dictation import DictationSpec
from frappe.storage.journal import JournalContents
from frappe.tui.app import FrappeApp
from frappe.tui.config import AppConfig
from frappe.tui.screens.dictation import DictationOptions, dictation_options, launch_dictation

__all__ = ["DictationApp", "DictationLaunch"]


@dataclass(frozen=True, slots=True)
class DictationLaunch:
    """What to open at start.

    Attributes:
        spec: The dictation to start.
        resume: An unfinished journal of the same dictation to go on with instead.
    """

    spec: DictationSpec
    resume: JournalContents | None = None


class DictationApp(FrappeApp):
    """``FrappeApp`` opening on a dictation."""

    # A relative CSS_PATH is read next to the subclass's module: point at the app's own.
    CSS_PATH = str(Path(inspect.getfile(FrappeApp)).with_name("frappe.tcss"))

    def __init__(
        self,
        config: AppConfig,
        launch: DictationLaunch | None = None,
        options: DictationOptions | None = None,
    ) -> None:
        # An evaluation is an exam seat, like « frappe typing »; practice keeps the menu.
        super().__init__(config, kiosk=launch is not None and launch.spec.mode == "exam")
        self.launch = launch
        self.dictation_options = options or DictationOptions()

    def on_mount(self) -> None:
        launch = self.launch
        if launch is None:
            return
        options = dictation_options(self)  # the flags, completed by the settings file
        if launch.resume is not None:
            from frappe.tui.screens.dictation_picker import (  # noqa: PLC0415 - cycle
                resume_dictation_screen,
            )

            try:
                screen = resume_dictation_screen(launch.resume, self.config, options)
            except FrappeError as error:
                self.notify(str(error), title="Reprise impossible", severity="error")
            else:
                self.push_screen(screen)
                return
        launch_dictation(self, launch.spec, self.config, options)
