"""The settings screen of a PC: the audio output and the foot pedal every dictation uses.

Saved in ``<config>/frappe.toml`` (``frappe.settings``: ``[audio]``, ``[pedal]``; the other
sections are kept as they are). The output list comes from PortAudio (re-scanned when the
screen opens, so a headset plugged in since start-up shows), « Son de test » plays a short
tone on the chosen output, « Tester la pédale » shows presses live, « Apprendre » runs the
learning wizard of ``frappe pedal learn`` in the screen. The command line's ``--device``,
``--pedal`` and ``--pedal-profile`` still override what is saved here.

Hardware access runs in worker threads; every failure is one French line in the screen.
"""

from __future__ import annotations

import contextlib
import dataclasses
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar

import msgspec
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Select, Static, Switch

from frappe.audio.pedal import (
    PedalEvent,
    PedalProfile,
    PedalReader,
    ReportSource,
    find_pedal,
    hidraw_node,
    learn_profile,
    list_hid_devices,
    load_pedal_config,
    pedal_label,
    profile_key,
    save_user_profile,
)
from frappe.audio.player import OutputDevice
from frappe.errors import FrappeError
from frappe.exercises.playback import PlayerState
from frappe.settings import AudioSettings, PedalSettings, Settings, load_settings, save_settings
from frappe.tui.workers import WorkerGroup

__all__ = ["DeviceLister", "SettingsScreen", "TestSound"]

# Lists the outputs (the real one re-scans PortAudio); tests pass their own.
DeviceLister = Callable[[], Sequence[OutputDevice]]
# Plays the test sound on a device (name, or None for the default); raises FrappeError.
TestSound = Callable[[str | None], str]

_DEFAULT = "__default__"
_AUTO = "__auto__"
TEST_TONE_S = 1.0


def real_devices() -> list[OutputDevice]:
    """The outputs as PortAudio sees them now (re-scanned when no stream is open)."""
    from frappe.audio.player import list_output_devices, rescan_devices  # noqa: PLC0415

    rescan_devices()
    return list_output_devices()


def real_test_sound(device: str | None) -> str:
    """A one-second 440 Hz tone on ``device``; the device's name as played."""
    import numpy as np  # noqa: PLC0415
    import soundfile as sf  # noqa: PLC0415

    from frappe.audio.player import Player  # noqa: PLC0415

    rate = 16000
    t = np.arange(round(TEST_TONE_S * rate)) / rate
    samples = (0.3 * np.sin(2 * np.pi * 440.0 * t)).astype(np.float32)
    with tempfile.TemporaryDirectory(prefix="frappe-son-") as folder:
        path = Path(folder) / "test.wav"
        sf.write(str(path), samples, rate, subtype="FLOAT")
        with Player(device) as player:
            player.load(path)
            player.play()
            state = player.wait(TEST_TONE_S + 4.0)
            if state is PlayerState.DEVICE_LOST:
                error = player.last_error
                raise error or FrappeError("Sortie audio perdue.")
            return player.device_name


class SettingsScreen(Screen[None]):
    """Output device and pedal of this PC, saved in ``frappe.toml``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Retour", id="settings.back"),
        Binding("ctrl+s", "save", "Enregistrer", id="settings.save", priority=True),
        Binding("f2", "test_sound", "Son de test", id="settings.test_sound", priority=True),
        Binding("f3", "test_pedal", "Tester la pédale", id="settings.test_pedal", priority=True),
        Binding("f4", "learn", "Apprendre la pédale", id="settings.learn", priority=True),
    ]

    DEFAULT_CSS = """
    SettingsScreen #settings { padding: 0 2; height: 1fr; }
    SettingsScreen #settings-status { padding: 0 2; height: auto; color: $warning; }
    SettingsScreen Label { width: 100%; margin-top: 1; }
    SettingsScreen .hint { color: $text-muted; width: 100%; }
    SettingsScreen .line { height: auto; width: 100%; }
    SettingsScreen Horizontal { height: auto; }
    SettingsScreen Horizontal Button { margin-right: 1; }
    SettingsScreen #settings-pedal-enabled-row Label { width: 1fr; margin-top: 1; }
    """

    class Report(Message):
        """A worker's line for the screen (``target`` is the Static to update)."""

        def __init__(self, target: str, text: str) -> None:
            super().__init__()
            self.target = target
            self.text = text

    def __init__(
        self,
        *,
        devices: DeviceLister | None = None,
        test_sound: TestSound | None = None,
        settings_file: Path | None = None,
    ) -> None:
        super().__init__()
        self._devices = devices or real_devices
        self._test_sound = test_sound or real_test_sound
        self._file = settings_file
        self._reader: PedalReader | None = None
        self._learning = False
        try:
            self.settings = load_settings(settings_file)
            self._load_error = ""
        except FrappeError as error:
            self.settings = Settings()
            self._load_error = str(error)

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        pedal = self.settings.pedal
        yield Static("[b]Réglages de ce poste : sortie audio et pédale[/b]", id="settings-title")
        with VerticalScroll(id="settings"):
            yield Label("Sortie audio des dictées")
            yield Select(
                [("Sortie par défaut du système", _DEFAULT)],
                value=_DEFAULT,
                allow_blank=False,
                id="settings-device",
            )
            with Horizontal():
                yield Button("Son de test (F2)", id="settings-test-sound")
            yield Static("", id="settings-sound-status", classes="line", markup=False)
            yield Label("Pédale de transcription")
            with Horizontal(id="settings-pedal-enabled-row"):
                yield Label("Utiliser une pédale")
                yield Switch(pedal.enabled, id="settings-pedal-enabled")
            yield Label("Chemin de la pédale (vide : la première pédale connue branchée)")
            yield Input(
                pedal.path or "",
                placeholder="/dev/hidraw3, /dev/pedale (lien udev), une FIFO…",
                id="settings-pedal-path",
            )
            yield Static("", id="settings-pedals-found", classes="hint", markup=False)
            yield Label("Profil de la pédale")
            yield Select(
                [("Selon l'identifiant USB (ou pedals.toml)", _AUTO)],
                value=_AUTO,
                allow_blank=False,
                id="settings-pedal-profile",
            )
            yield Label("Identifiant USB pour l'apprentissage (si le chemin n'est pas un hidraw)")
            yield Input(placeholder="05f3:00ff", id="settings-usb-id")
            with Horizontal():
                yield Button("Tester la pédale (F3)", id="settings-test-pedal")
                yield Button("Apprendre la pédale (F4)", id="settings-learn")
            yield Static("", id="settings-pedal-live", classes="line", markup=False)
            with Horizontal():
                yield Button("Enregistrer (ctrl+s)", id="settings-save", variant="primary")
                yield Button("Retour (échap)", id="settings-back")
        # Outside the scrolled form: « saved » or a problem is seen whatever the scroll.
        yield Static(self._load_error, id="settings-status", classes="line", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self._fill_profiles()
        self._list_pedals()
        self._list_devices()

    def on_unmount(self) -> None:
        self._stop_reader()

    # -- helpers -----------------------------------------------------------------------------

    def _say(self, target: str, text: str) -> None:
        with contextlib.suppress(Exception):
            self.query_one(f"#{target}", Static).update(text)

    def on_settings_screen_report(self, message: Report) -> None:
        message.stop()
        self._say(message.target, message.text)

    def _post(self, target: str, text: str) -> None:
        """From any thread."""
        self.post_message(self.Report(target, text))

    def _fill_profiles(self, chosen: str | None = None) -> None:
        select = self.query_one("#settings-pedal-profile", Select)
        try:
            profiles = load_pedal_config().profiles
        except FrappeError as error:
            self._say("settings-pedal-live", str(error))
            profiles = {}
        options = [("Selon l'identifiant USB (ou pedals.toml)", _AUTO)]
        options += [
            (f"{p.name} ({profile_key(p)})", profile_key(p))
            for p in sorted(profiles.values(), key=lambda p: p.name.casefold())
        ]
        wanted = chosen or self.settings.pedal.profile or _AUTO
        keys = {value for _, value in options}
        if wanted not in keys:
            options.append((f"{wanted} (inconnu)", wanted))
        select.set_options(options)
        select.value = wanted

    def _list_pedals(self) -> None:
        try:
            known = load_pedal_config().profiles
        except FrappeError:
            known = {}
        found = [
            f"{d.path} : {known[d.usb_id].name if d.usb_id in known else 'inconnue'} ({d.usb_id})"
            for d in list_hid_devices()
        ]
        text = "Branchés : " + " · ".join(found) if found else "Aucun périphérique HID branché."
        self._say("settings-pedals-found", text)

    @work(thread=True, exclusive=True, exit_on_error=False, group=WorkerGroup.SETTINGS_DEVICES)
    def _list_devices(self) -> None:
        try:
            devices = list(self._devices())
        except FrappeError as error:
            self._post("settings-sound-status", f"Sorties audio : {error}")
            devices = []
        self.app.call_from_thread(self._show_devices, devices)

    def _show_devices(self, devices: list[OutputDevice]) -> None:
        select = self.query_one("#settings-device", Select)
        options: list[tuple[str, str]] = [("Sortie par défaut du système", _DEFAULT)]
        seen: set[str] = set()
        for device in devices:
            if device.name in seen:
                continue
            seen.add(device.name)
            mark = " — par défaut" if device.is_default else ""
            options.append((f"{device.name} [{device.host_api}]{mark}", device.name))
        chosen = self.settings.audio.device
        if chosen and chosen not in seen:
            options.append((f"{chosen} (absente en ce moment)", chosen))
        select.set_options(options)
        select.value = chosen or _DEFAULT
        if not devices:
            self._say("settings-sound-status", "Aucune sortie audio trouvée pour le moment.")

    def chosen(self) -> Settings:
        """The settings as the form shows them (other sections unchanged)."""
        device = self.query_one("#settings-device", Select).value
        profile = self.query_one("#settings-pedal-profile", Select).value
        path = self.query_one("#settings-pedal-path", Input).value.strip()
        enabled = self.query_one("#settings-pedal-enabled", Switch).value
        return msgspec.structs.replace(
            self.settings,
            audio=AudioSettings(
                device=device if isinstance(device, str) and device != _DEFAULT else None
            ),
            pedal=PedalSettings(
                path=path or None,
                profile=profile if isinstance(profile, str) and profile != _AUTO else None,
                enabled=enabled,
            ),
        )

    # -- actions -----------------------------------------------------------------------------

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {
            "settings-test-sound": self.action_test_sound,
            "settings-test-pedal": self.action_test_pedal,
            "settings-learn": self.action_learn,
            "settings-save": self.action_save,
            "settings-back": self.action_back,
        }
        action = actions.get(event.button.id or "")
        if action is not None:
            action()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_save(self) -> None:
        settings = self.chosen()
        try:
            path = save_settings(settings, self._file)
        except FrappeError as error:
            self._say("settings-status", f"⚠ {error}")
            return
        self.settings = settings
        self._say("settings-status", f"Réglages enregistrés dans {path}")

    def action_test_sound(self) -> None:
        device = self.chosen().audio.device
        self._say("settings-sound-status", "Son de test en cours…")
        self._play_test_sound(device)

    @work(thread=True, exclusive=True, exit_on_error=False, group=WorkerGroup.SETTINGS_SOUND)
    def _play_test_sound(self, device: str | None) -> None:
        try:
            name = self._test_sound(device)
        except FrappeError as error:
            self._post("settings-sound-status", f"⚠ {error}")
            return
        except Exception as error:
            self._post("settings-sound-status", f"⚠ son de test impossible ({error})")
            return
        self._post("settings-sound-status", f"Son de test joué sur {name}.")

    def _pedal_choice(self) -> tuple[Path | None, str | None]:
        pedal = self.chosen().pedal
        return (Path(pedal.path) if pedal.path else None), pedal.profile

    def _stop_reader(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None:
            with contextlib.suppress(Exception):
                reader.stop()

    def action_test_pedal(self) -> None:
        if self._reader is not None:
            self._stop_reader()
            self._say("settings-pedal-live", "Test de la pédale arrêté.")
            return
        path, profile = self._pedal_choice()
        try:
            node, found = find_pedal(path=path, profile=profile)
            reader = PedalReader(found, node, self._pedal_event, self._pedal_error)
            reader.start()
        except FrappeError as error:
            self._say("settings-pedal-live", f"⚠ {error}")
            return
        self._reader = reader
        self._say(
            "settings-pedal-live",
            f"Pédale : {found.name} ({node}) — appuyez sur les pédales (F3 : arrêter)",
        )

    def _pedal_event(self, event: PedalEvent) -> None:
        """The reader's callback (its thread): one line per press or release."""
        reader = self._reader
        held = sorted(reader.held) if reader is not None else []
        verb = "appuyée" if event.pressed else "relâchée"
        down = ", ".join(pedal_label(p) for p in held) or "aucune"
        self._post(
            "settings-pedal-live",
            f"Pédale {pedal_label(event.pedal)} {verb} — enfoncées : {down}",
        )

    def _pedal_error(self, error: FrappeError) -> None:
        self._post("settings-pedal-live", f"⚠ {error}")

    def action_learn(self) -> None:
        if self._learning:
            return
        self._stop_reader()
        path, _ = self._pedal_choice()
        if path is None:
            self._say("settings-pedal-live", "⚠ indiquez d'abord le chemin de la pédale")
            return
        usb_text = self.query_one("#settings-usb-id", Input).value.strip()
        node = hidraw_node(path)
        match = next((d for d in list_hid_devices() if d.path.name == node.name), None)
        try:
            if match is not None and not usb_text:
                vendor, product = match.vendor_id, match.product_id
            else:
                vendor_text, product_text = usb_text.split(":")
                vendor, product = int(vendor_text, 16), int(product_text, 16)
        except ValueError:
            self._say(
                "settings-pedal-live",
                "⚠ identifiant USB attendu (ex. 05f3:00ff) : ce chemin n'en donne pas",
            )
            return
        self._learning = True
        bind = match is None or node != path
        self._learn(path, vendor, product, bind, match.name if match else None)

    @work(thread=True, exclusive=True, exit_on_error=False, group=WorkerGroup.SETTINGS_LEARN)
    def _learn(self, path: Path, vendor: int, product: int, bind: bool, name: str | None) -> None:
        def prompt(text: str) -> None:
            self._post("settings-pedal-live", text)

        try:
            source = ReportSource(path)
            try:
                profile = learn_profile(
                    source, prompt, vendor_id=vendor, product_id=product, name=name or None
                )
            finally:
                source.release()
            if bind:
                profile = dataclasses.replace(profile, paths=(str(path),))
            saved = save_user_profile(profile)
        except FrappeError as error:
            self._post("settings-pedal-live", f"⚠ {error}")
            self.app.call_from_thread(self._learned, None)
            return
        self._post(
            "settings-pedal-live",
            f"Profil « {profile.name} » ({profile.usb_id}) enregistré dans {saved}.",
        )
        self.app.call_from_thread(self._learned, profile)

    def _learned(self, profile: PedalProfile | None) -> None:
        self._learning = False
        if profile is not None:
            self._fill_profiles(profile_key(profile))
            self._list_pedals()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action == "learn" and self._learning)
