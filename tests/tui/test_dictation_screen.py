"""Pilot tests of the dictation exercise: picker, hotkeys driving the player, typing in the
editor, deadline, scored transcription record in the history, audio and pedal problems, resume
after a crash.

The player here is a fake with the real player's methods and actions (no sound, no clock):
``tests/tui/test_dictation_real_audio.py`` runs the same screen on the real PortAudio player.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from textual.widgets import DataTable, Input, Static
from tui_support import TuiEnv, asynctest, click, settle

from frappe.errors import AudioError, FrappeError, PedalError
from frappe.exercises.dictations import Dictation, find_dictation
from frappe.exercises.playback import PlaybackAction, PlayerState
from frappe.exercises.record import Candidate, Mode
from frappe.runs.dictation import DictationSpec, unfinished_dictations
from frappe.storage.files import read_record
from frappe.storage.history import open_history
from frappe.storage.journal import read_journal
from frappe.tui.app import FrappeApp
from frappe.tui.config import AppConfig, DictationOptions, StartDictation
from frappe.tui.dialogs.confirm import ConfirmScreen
from frappe.tui.screens.dictation import DictationScreen
from frappe.tui.screens.dictation_picker import DictationPickerScreen
from frappe.tui.screens.dictation_results import DictationResultsScreen
from support.fakes import FakeClock

D01 = "d01-lettre-confrere-cardio"


class FakePlayer:
    """``frappe.audio.player.Player``'s methods and actions, without sound: the test moves
    playback on with ``advance``."""

    def __init__(self, on_action: Callable[[PlaybackAction], None], duration_s: float) -> None:
        self.on_action = on_action
        self.calls: list[str] = []
        self.loaded: Path | None = None
        self.closed = False
        self.volume = 1.0
        self.loop: tuple[float, float] | None = None
        self._duration = duration_s
        self._pos = 0.0
        self._speed = 1.0
        self._state = PlayerState.STOPPED
        self._t = 0
        self._stop_at: float | None = None

    # -- what the test does ------------------------------------------------------------------
    def advance(self, seconds: float) -> None:
        if self._state is PlayerState.PLAYING:
            self._pos = min(self._duration, self._pos + seconds * self._speed)
            if self._stop_at is not None and self._pos >= self._stop_at:
                self._pos, self._stop_at = self._stop_at, None
                self._state = PlayerState.PAUSED
                self._act("range_end", self._pos)
        self._t += round(seconds * 1000)

    def unplug(self) -> None:
        self._state = PlayerState.DEVICE_LOST
        self._act("device_lost", self._pos)

    # -- the player's API --------------------------------------------------------------------
    def _act(self, name: str, before: float) -> None:
        self.calls.append(name)
        self.on_action(
            PlaybackAction(
                self._t, name, before, self._speed, self._pos, self._state is PlayerState.PLAYING
            )
        )

    def _move(self, name: str, target: float) -> None:
        self._stop_at = None
        before = self._pos
        self._pos = min(self._duration, max(0.0, target))
        self._act(name, before)

    def load(self, path: Path) -> None:
        self.loaded = Path(path)
        self._act("load", 0.0)

    def play(self, *, rewind: bool = True) -> None:
        if self._state is PlayerState.DEVICE_LOST:
            raise AudioError("Sortie audio perdue : rebranchez le casque.")
        before = self._pos
        resuming = self._state is PlayerState.PAUSED
        if resuming and rewind:
            self._pos = max(0.0, self._pos - 2.0)
        self._state = PlayerState.PLAYING
        self._act("resume" if resuming else "play", before)

    def play_range(self, start_s: float, end_s: float) -> None:
        if self._state is PlayerState.DEVICE_LOST:
            raise AudioError("Sortie audio perdue : rebranchez le casque.")
        before = self._pos
        self._pos, self._stop_at = start_s, end_s
        self._state = PlayerState.PLAYING
        self._act("play", before)

    def pause(self) -> None:
        if self._state is PlayerState.PLAYING:
            self._state = PlayerState.PAUSED
            self._act("pause", self._pos)

    def toggle(self) -> None:
        if self._state is PlayerState.PLAYING:
            self.pause()
        else:
            self.play()

    def close(self) -> None:
        self.closed = True

    def seek(self, seconds: float) -> None:
        self._move("seek", seconds)

    def skip_back_short(self) -> None:
        self._move("skip", self._pos - 2.0)

    def skip_forward_short(self) -> None:
        self._move("skip", self._pos + 2.0)

    def skip_back_long(self) -> None:
        self._move("skip", self._pos - 10.0)

    def skip_forward_long(self) -> None:
        self._move("skip", self._pos + 10.0)

    def _set_speed(self, name: str, speed: float, move: float = 0.0) -> None:
        before = self._pos
        self._speed = round(min(1.5, max(0.5, speed)), 2)
        self._pos = max(0.0, self._pos + move)
        self._act(name, before)

    def set_speed(self, speed: float) -> None:
        self._set_speed("speed", speed)

    def faster(self) -> None:
        self._set_speed("speed", self._speed + 0.05)

    def slower(self) -> None:
        self._set_speed("speed", self._speed - 0.05)

    def back_and_slower(self) -> None:
        self._set_speed("back_and_slower", self._speed - 0.05, -2.0)

    def loop_current_section(self, length_s: float = 5.0) -> None:
        self.loop = (max(0.0, self._pos - length_s), self._pos)
        self._act("loop_set", self._pos)

    def clear_loop(self) -> None:
        self.loop = None
        self._act("loop_clear", self._pos)

    def go_to_start(self) -> None:
        self._move("go_to_start", 0.0)

    def set_volume(self, volume: float) -> None:
        self.volume = volume
        self._act("volume", self._pos)

    def recover(self) -> None:
        if self._state is PlayerState.DEVICE_LOST:
            self._state = PlayerState.PAUSED
            self._act("recover", self._pos)

    @property
    def position_s(self) -> float:
        return self._pos

    @property
    def duration_s(self) -> float:
        return self._duration

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def state(self) -> PlayerState:
        return self._state

    @property
    def device_name(self) -> str:
        return "Casque de test"


@dataclass
class Players:
    """A player factory for the options, keeping the players it made."""

    duration_s: float = 157.4
    fail: FrappeError | None = None
    made: list[FakePlayer] = field(default_factory=list)

    def __call__(self, on_action: Callable[[PlaybackAction], None]) -> FakePlayer:
        if self.fail is not None:
            raise self.fail
        player = FakePlayer(on_action, self.duration_s)
        self.made.append(player)
        return player

    @property
    def last(self) -> FakePlayer:
        return self.made[-1]


class FakePedal:
    """A pedal link the test unplugs and plugs back."""

    name = "Pédale de test"

    def __init__(self, on_state: Callable[[str], None], on_error: Callable[[FrappeError], None]):
        self.on_state = on_state
        self.on_error = on_error
        self.present = True
        self.closed = False

    def retry(self) -> None:
        if not self.present:
            raise PedalError("Pédale toujours absente.")

    def close(self) -> None:
        self.closed = True


def dictation() -> Dictation:
    return find_dictation(D01)


def spec(*, deadline_s: float | None = 1200.0, mode: Mode = "exam") -> DictationSpec:
    return DictationSpec(
        candidate=Candidate("Martin Claire", "C-42"),
        dictation=dictation(),
        deadline_s=deadline_s,
        mode=mode,  # type: ignore[arg-type]
    )


def make_app(
    env: TuiEnv,
    players: Players,
    launch: StartDictation | None = None,
    *,
    pedal_factory: object = None,
) -> FrappeApp:
    options = DictationOptions(
        player_factory=players,
        auto_pedal=False,
        pedal_factory=pedal_factory,  # type: ignore[arg-type]
    )
    config = AppConfig(
        storage=env.storage,
        clock=env.clock,
        tick_interval=3600.0,
        check_journals=False,
        dictation=options,
    )
    return FrappeApp(config, launch)


def screen_of(app: FrappeApp) -> DictationScreen:
    screen = app.screen
    assert isinstance(screen, DictationScreen), type(screen)
    return screen


async def type_text(pilot: object, clock: FakeClock, text: str) -> None:
    for char in text:
        clock.advance(0.25)
        await pilot.press("enter" if char == "\n" else char)  # type: ignore[attr-defined]


def rendered(renderable: object) -> str:
    console = Console(width=120, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def journal_lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]


@asynctest
async def test_hotkeys_drive_the_player_and_typing_feeds_the_journal(tmp_path: Path) -> None:
    env = TuiEnv.create(tmp_path)
    players = Players()
    app = make_app(env, players, StartDictation(spec()))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        player = players.last
        assert player.loaded == dictation().audio
        assert screen.editor.has_focus
        # Esc plays, F3 slower twice, F1 back, F7 back-and-slower, F8 loop, F12 volume up…
        for key in ("escape", "f3", "f3", "f1", "f7", "f8", "f8", "f11", "f9", "f4", "f2"):
            env.clock.advance(1.0)
            player.advance(1.0)
            await pilot.press(key)
        await pilot.pause()
        assert player.calls[1:] == [
            "play", "speed", "speed", "skip", "back_and_slower", "loop_set", "loop_clear",
            "volume", "go_to_start", "speed", "skip",
        ]  # fmt: skip
        assert player.speed == 0.9 and player.volume == 0.9
        # The editor keeps the focus and takes the letters while the player runs.
        await type_text(pilot, env.clock, "Objet")
        await pilot.press("escape")  # pause
        await pilot.pause()
        session = screen.running.session
        assert session.typed == "Objet" == screen.editor.text
        status = screen.status.render_text().plain
        assert "Pause" in status and "×0,9" in status and "Vol 90 %" in status
        journal = screen.running.journal.path
        lines = journal_lines(journal)
    playback = [line["e"] for line in lines if "e" in line and line["e"]["type"] == "playback"]
    assert [e["action"] for e in playback][:3] == ["play", "speed", "speed"]
    assert playback[0]["t_ms"] == 0  # the first play started the clock
    assert playback[-1]["action"] == "pause" and playback[-1]["playing"] is False
    strokes = [line["k"] for line in lines if "k" in line]
    assert "".join(stroke[4] for stroke in strokes) == "Objet"


@asynctest
async def test_transcription_is_scored_with_critical_identity_errors_and_in_the_history(
    tmp_path: Path,
) -> None:
    env = TuiEnv.create(tmp_path)
    players = Players()
    app = make_app(env, players, StartDictation(spec()))
    reference = dictation().reference_text()
    assert "12/03/1958" in reference and "Marchal" in reference
    wrong = reference.replace("12/03/1958", "12/08/1958", 1)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        await pilot.press("escape")
        env.clock.advance(30.0)
        players.last.advance(30.0)
        await type_text(pilot, env.clock, wrong[:3])
        # The rest as one edit of the editor (a paste from its own clipboard would do the same).
        screen.editor.insert(wrong[3:])
        await pilot.pause()
        env.clock.advance(300.0)
        assert screen.running.session.typed == wrong
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await click(pilot, "#confirm")
        await settle(pilot)
        assert isinstance(app.screen, DictationResultsScreen)
        saved = app.screen.saved
        assert players.last.state is PlayerState.PAUSED  # stopped with the exercise
        shown = rendered(app.screen.metrics_view())
        document = rendered(app.screen.document_view())
    # Identitovigilance comes first, then the verdict; listening statistics are shown.
    assert shown.index("Erreurs critiques") < shown.index("NON VALIDÉ (erreur critique)")
    assert "12/08/1958" in shown and "Temps d'écoute" in shown and "Enregistré dans" in shown
    assert "12/08/1958" in document and "critique" in document
    score = saved.score
    assert score.critical_errors >= 1 and not score.validated
    first = score.errors[0]
    assert first.critical and first.reason == "identité" and "12/08/1958" in first.error.hyp
    record = read_record(saved.path)
    assert record.kind == "transcription" and record.end_reason == "stopped"
    assert record.typed == wrong
    assert record.settings.profile.name == "dictee"
    assert "12/03/1958" in record.settings.identity
    assert "furosémide" in record.settings.terminology
    assert record.score is not None and record.score["critical_errors"] == score.critical_errors
    assert record.score["listening"]["listened_s"] > 0
    assert next(e["action"] for e in record.events if e["type"] == "playback") == "play"
    with open_history(env.storage.db_path) as history:
        entries = history.entries(kind="transcription")
    assert len(entries) == 1
    assert entries[0].result_path == str(saved.path.resolve())
    assert entries[0].passed is False and entries[0].mark_20 == score.mark_20
    assert unfinished_dictations(env.storage.journal_dir) == []


@asynctest
async def test_deadline_ends_the_dictation(tmp_path: Path) -> None:
    env = TuiEnv.create(tmp_path)
    app = make_app(env, Players(), StartDictation(spec(deadline_s=120.0)))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        assert "démarre à la 1re touche" in screen.status.render_text().plain
        await type_text(pilot, env.clock, "Objet : ")
        env.clock.advance(125.0)
        screen.tick()
        await settle(pilot)
        assert isinstance(app.screen, DictationResultsScreen)
        saved = app.screen.saved
    assert saved.record.end_reason == "timeout"
    assert saved.record.duration_s == 120.0
    assert saved.record.typed == "Objet : "


@asynctest
async def test_deadline_with_the_hand_in_dialog_open_leaves_only_the_results(
    tmp_path: Path,
) -> None:
    env = TuiEnv.create(tmp_path)
    app = make_app(env, Players(), StartDictation(spec(deadline_s=120.0)))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        await type_text(pilot, env.clock, "Objet")
        await pilot.press("ctrl+t")  # « Rendre maintenant ? » stays open…
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        env.clock.advance(125.0)  # …while the time runs out
        screen.tick()
        await settle(pilot)
        assert isinstance(app.screen, DictationResultsScreen)
        assert not any(isinstance(s, DictationScreen | ConfirmScreen) for s in app.screen_stack)


@asynctest
async def test_no_audio_device_is_a_message_and_typing_goes_on(tmp_path: Path) -> None:
    env = TuiEnv.create(tmp_path)
    players = Players(fail=AudioError("Aucune sortie audio disponible : branchez un casque."))
    app = make_app(env, players, StartDictation(spec()))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        status = screen.status.render_text().plain
        assert "Aucune sortie audio" in status and "la saisie continue" in status
        await type_text(pilot, env.clock, "Objet")
        assert screen.running.session.typed == "Objet"
        # The headset is plugged in: Esc loads the audio again, and then plays.
        players.fail = None
        await pilot.press("escape")
        await settle(pilot)
        assert screen.controls is not None and players.last.calls == ["load"]
        await pilot.press("escape")
        await pilot.pause()
        assert players.last.state is PlayerState.PLAYING
        events = screen.running.session.events
    assert any(e["type"] == "audio_problem" for e in events)


@asynctest
async def test_device_unplugged_mid_exercise_keeps_the_text_and_recovers(tmp_path: Path) -> None:
    env = TuiEnv.create(tmp_path)
    players = Players()
    app = make_app(env, players, StartDictation(spec()))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        player = players.last
        await pilot.press("escape")
        await type_text(pilot, env.clock, "Obj")
        player.unplug()
        await pilot.pause()
        screen.tick()
        status = screen.status.render_text().plain
        assert "Sortie audio perdue" in status and "texte est conservé" in status
        await type_text(pilot, env.clock, "et")
        await pilot.press("f1")  # refused politely while the device is away
        await pilot.pause()
        assert player.calls[-1] == "device_lost"
        await pilot.press("escape")  # recover, then play
        await settle(pilot)
        assert player.calls[-2:] == ["recover", "resume"]
        assert player.state is PlayerState.PLAYING
        screen.tick()
        assert "Lecture" in screen.status.render_text().plain
        assert screen.running.session.typed == "Objet"
        actions = [e.get("action") for e in screen.running.session.events]
        problems = [e for e in screen.running.session.events if e["type"] == "audio_problem"]
    assert "device_lost" in actions and "recover" in actions
    assert problems


@asynctest
async def test_pedal_unplugged_is_a_status_message_and_comes_back(tmp_path: Path) -> None:
    env = TuiEnv.create(tmp_path)
    pedals: list[FakePedal] = []

    def pedal_factory(
        _player: object, on_state: Callable[[str], None], on_error: Callable[[FrappeError], None]
    ) -> FakePedal:
        pedal = FakePedal(on_state, on_error)
        pedals.append(pedal)
        return pedal

    app = make_app(env, Players(), StartDictation(spec()), pedal_factory=pedal_factory)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        assert "Pédale : Pédale de test" in screen.status.render_text().plain
        pedal = pedals[0]
        pedal.present = False
        pedal.on_error(PedalError("Pédale débranchée (/dev/hidraw3)."))
        await pilot.pause()
        status = screen.status.render_text().plain
        assert "Pédale : débranchée" in status and "rebranchez-la" in status
        pedal.present = True
        env.clock.advance(5.0)
        screen.tick()
        assert "Pédale rebranchée" in screen.status.render_text().plain
        events = [e["type"] for e in screen.running.session.events]
    assert "pedal_problem" in events
    assert pedal.closed  # stopped with the screen


@asynctest
async def test_resume_after_a_crash_restores_text_time_and_listening(tmp_path: Path) -> None:
    env = TuiEnv.create(tmp_path)
    players = Players()
    app = make_app(env, players, StartDictation(spec(deadline_s=600.0)))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        await pilot.press("escape")
        players.last.advance(12.0)
        await type_text(pilot, env.clock, "Objet\nMad")
        await pilot.press("left", "left", "left", "left", "backspace")  # an edit in the middle
        await type_text(pilot, env.clock, "\n")
        env.clock.advance(12.0)
        screen.tick()
        players.last.advance(3.0)
        await pilot.press("f3")
        await pilot.pause()
        typed = screen.running.session.typed
        assert typed == "Obje\n\nMad" == screen.editor.text
        journal = screen.running.journal.path
        # A crash: the process dies, nothing is saved; the journal stays behind.
        screen.running.journal.close()
        app.exit()
    assert journal.exists()
    found = unfinished_dictations(env.storage.journal_dir)
    assert [c.path for c in found] == [journal]
    contents = read_journal(journal)
    assert contents.typed == typed and contents.elapsed_ms >= 12_000

    players2 = Players()
    app2 = make_app(env, players2, StartDictation(spec(deadline_s=600.0), resume=contents))
    async with app2.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = screen_of(app2)
        assert screen.editor.text == typed
        assert "Dictée reprise" in screen.status.render_text().plain
        player = players2.last
        assert player.calls == ["load", "seek", "speed"] and player.position_s > 12.0
        assert player.speed == 0.95
        assert screen.running.session.remaining_s is not None
        assert screen.running.session.remaining_s <= 600.0 - 12.0
        screen.editor.move_cursor(screen.editor.document.end)
        await type_text(pilot, env.clock, "ame")
        await pilot.press("escape")
        await pilot.press("ctrl+t")
        await pilot.pause()
        await click(pilot, "#confirm")
        await settle(pilot)
        assert isinstance(app2.screen, DictationResultsScreen)
        saved = app2.screen.saved
    record = saved.record
    assert record.typed == "Obje\n\nMadame"
    actions = [e["action"] for e in record.events if e["type"] == "playback"]
    assert actions == ["play", "speed", "play"]  # the second run starts where the first stopped
    assert any(e["type"] == "resumed" for e in record.events)
    assert unfinished_dictations(env.storage.journal_dir) == []


@asynctest
async def test_home_menu_opens_the_picker_and_starts_a_dictation(tmp_path: Path) -> None:
    env = TuiEnv.create(tmp_path)
    players = Players()
    app = make_app(env, players)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, DictationPickerScreen)
        picker = app.screen
        table = picker.query_one("#picker-table", DataTable)
        assert table.row_count == 8
        picker.query_one("#picker-name", Input).value = "Durand Léa"
        table.focus()
        await pilot.press("down", "down")  # d03
        await pilot.press("enter")
        await settle(pilot)
        screen = screen_of(app)
        config = screen.running.session.config
    assert config.candidate.name == "Durand Léa" and config.exercise_id.startswith("d03")
    assert config.kind == "transcription" and screen.running.mode == "practice"
    suggested = find_dictation("d03").deadline_min
    assert suggested is not None and config.settings.time_limit_s == suggested * 60
    assert players.last.loaded == find_dictation("d03").audio


@asynctest
async def test_picker_offers_unfinished_dictations_to_resume_or_close(tmp_path: Path) -> None:
    from frappe.runs.dictation import start_dictation  # noqa: PLC0415

    env = TuiEnv.create(tmp_path)
    for name in ("Durand Léa", "Petit Marc"):
        left = start_dictation(
            DictationSpec(Candidate(name), dictation(), None), env.storage, clock=env.clock
        )
        left.session.edit(0, 0, f"Texte de {name}")
        left.journal.close()  # the terminal was closed
    players = Players()
    app = make_app(env, players)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("d")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, DictationPickerScreen)
        assert len(picker.unfinished) == 2 and picker.check_action("resume", ()) is True
        await pilot.press("ctrl+o")  # close the first one as interrupted
        await pilot.pause()
        await click(pilot, "#confirm")
        await settle(pilot)
        assert [c.header.config.candidate.name for c in picker.unfinished] == ["Petit Marc"]
        await pilot.press("ctrl+r")  # resume the other one
        await settle(pilot)
        screen = screen_of(app)
        assert screen.editor.text == "Texte de Petit Marc"
    with open_history(env.storage.db_path) as history:
        (entry,) = history.entries()
    assert entry.candidate_name == "Durand Léa" and entry.end_reason == "interrupted"


@asynctest
async def test_a_dictation_left_untouched_leaves_nothing_to_resume_or_close(
    tmp_path: Path,
) -> None:
    env = TuiEnv.create(tmp_path)
    app = make_app(env, Players(), StartDictation(spec()))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert len(list(env.storage.journal_dir.glob("*.jsonl"))) == 1  # journaled at once
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert "Une dictée est en cours" in str(app.screen.query_one("#question", Static).content)
        await pilot.press("o")
        await settle(pilot)
    assert unfinished_dictations(env.storage.journal_dir) == []
    assert not list(env.storage.journal_dir.glob("*.jsonl"))
    # Once anything was done (a key, a playback), the journal stays to be resumed.
    app = make_app(env, Players(), StartDictation(spec()))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("o")
        await settle(pilot)
    assert len(unfinished_dictations(env.storage.journal_dir)) == 1


@asynctest
async def test_handing_in_an_empty_or_nearly_empty_document_says_so(tmp_path: Path) -> None:
    env = TuiEnv.create(tmp_path)
    app = make_app(env, Players(), StartDictation(spec()))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        await pilot.press("ctrl+t")
        await pilot.pause()
        question = str(app.screen.query_one("#question", Static).content)
        assert question.startswith("Le document est vide : rendre la transcription quand même")
        await pilot.press("escape")  # no: the dictation goes on
        await pilot.pause()
        assert app.screen is screen and screen.session_running
        await type_text(pilot, env.clock, "Cher ami")
        await pilot.press("ctrl+t")
        await pilot.pause()
        question = str(app.screen.query_one("#question", Static).content)
        assert question.startswith("Le document ne compte que 2 mots (la dictée en a ")
        await pilot.press("escape")
        await pilot.pause()
        assert screen.session_running


@asynctest
async def test_the_countdown_stands_still_while_the_output_is_lost(tmp_path: Path) -> None:
    env = TuiEnv.create(tmp_path)
    players = Players()
    app = make_app(env, players, StartDictation(spec(deadline_s=600.0)))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        session = screen.running.session
        player = players.last
        await pilot.press("escape")
        await type_text(pilot, env.clock, "Obj")
        screen.tick()
        before = session.remaining_s
        assert before is not None and before < 600.0
        player.unplug()
        await pilot.pause()
        for _ in range(10):  # 15 minutes without sound: longer than the time left
            env.clock.advance(90.0)
            screen.tick()
        assert session.remaining_s == before and not session.finished
        await pilot.press("escape")  # the output is back
        await settle(pilot)
        env.clock.advance(10.0)
        screen.tick()
        remaining = session.remaining_s
        assert remaining is not None and before - 10.5 < remaining < before
        [added] = [e for e in screen.running.session.events if e["type"] == "time_added"]
        assert added["ms"] == 900_000 and added["reason"] == "audio_output_lost"
        await pilot.press("ctrl+t")
        await pilot.pause()
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, DictationResultsScreen)
        shown = rendered(app.screen.metrics_view())
        record = app.screen.saved.record
    assert "Sortie audio perdue  1 fois, 15 min 00 s au total — temps rendu" in shown
    assert any(e["type"] == "time_added" for e in record.events)
