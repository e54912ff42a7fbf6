"""The dictation player: PortAudio output, pitch-kept speed, transcription controls.

Three threads meet here:

* the caller (UI, pedal reader, CLI) calls the control methods;
* a background *renderer* keeps about one second of output ready ahead of the playhead
  (stretched by :mod:`frappe.audio.stretch`) and reports end of file, loop wraps and device
  loss through ``on_action`` / ``on_error``;
* PortAudio's callback only copies ready samples (times the volume) into the device buffer and
  counts the frames it delivered.

The position is the source frame reached by the samples handed to the device, so it stays exact
when the device is not paced in real time (an ALSA file PCM plays minutes in milliseconds) and
it never drifts from a wall clock. Everything the callback shares with the other threads sits
behind one lock that is never held across a blocking call; PortAudio stream methods are always
called without it, or stopping a stream would wait for a callback that waits for the lock.

``sounddevice`` is imported when a :class:`Player` is created or devices are listed, so
``import frappe.audio`` works on machines without PortAudio.
"""

from __future__ import annotations

import atexit
import importlib
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from frappe.audio.source import AudioClip, load_audio, read_info
from frappe.audio.stretch import (
    MAX_SPEED,
    MIN_SPEED,
    Passthrough,
    Stretcher,
    clamp_speed,
    make_stretcher,
)
from frappe.errors import AudioError, AudioServerHungError
from frappe.exercises.playback import PlaybackAction, PlaybackActionName, PlayerState

_log = logging.getLogger(__name__)

__all__ = [
    "OutputDevice",
    "Player",
    "list_output_devices",
    "rescan_devices",
]

Samples = NDArray[np.float32]

# The first piece after a seek is short so the first sound comes fast; later pieces are longer
# to keep the renderer's wake-ups rare.
_FIRST_PIECE_S: Final = 0.1
_PIECE_S: Final = 0.5
_RENDER_POLL_S: Final = 0.05
# A paused stream keeps running (silent) so that resuming sounds at once; after this much
# device time without sound it stops to save CPU, and the next play restarts it.
_IDLE_STOP_S: Final = 10.0
# Closing a stream, or PortAudio at exit, never takes longer than this: quitting must be quick
# in every device state.
_CLOSE_TIMEOUT_S: Final = 1.0
_EXIT_TIMEOUT_S: Final = 0.8
_MIN_LOOP_S: Final = 0.2


@dataclass(frozen=True, slots=True)
class OutputDevice:
    """A PortAudio output as offered to the user.

    Attributes:
        index: PortAudio device index (pass it, or the name, to :class:`Player`).
        name: device name.
        host_api: ``ALSA``, ``JACK Audio Connection Kit``, ``PulseAudio``…
        channels: maximum output channels.
        default_rate: the device's preferred sample rate.
        is_default: PortAudio's default output.
    """

    index: int
    name: str
    host_api: str
    channels: int
    default_rate: float
    is_default: bool


_HUNG = (
    "Le serveur audio ne répond plus (redémarré ?) : frappe doit être relancé — le travail "
    "en cours est conservé et reprend où il en était."
)


class _Library:
    """PortAudio's process-wide state, as frappe uses it.

    PortAudio lists devices once per initialisation, so seeing a device that appeared later
    (a JACK server started after frappe, a headset plugged in) takes a terminate/initialize
    cycle, which closes every stream: it is done only when frappe has none open. Calls that can
    hang (closing a stream or terminating after the JACK server died: measured here, they
    never return, or abort the process) run in a daemon thread with a time limit; after one
    has hung, PortAudio is never called again in this process, not even at exit.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open_streams = 0
        self.hung = False
        # Streams whose close hung: kept referenced, their C callbacks must stay valid.
        self.stuck: list[Any] = []
        self.module: ModuleType | None = None

    def bounded(self, call: Callable[[], object], timeout_s: float = _CLOSE_TIMEOUT_S) -> bool:
        """Run ``call`` with a time limit; False (and PortAudio left alone from now on) when it
        did not return in time."""
        done = threading.Event()

        def run() -> None:
            try:
                call()
            except Exception:
                # A failing cleanup is still a finished one.
                _log.debug("PortAudio cleanup failed", exc_info=True)
            finally:
                done.set()

        threading.Thread(target=run, name="frappe-portaudio", daemon=True).start()
        if done.wait(timeout_s):
            return True
        self.hung = True
        return False

    def check(self) -> None:
        if self.hung:
            raise AudioServerHungError(_HUNG)

    def rescan(self) -> bool:
        """Terminate and initialize PortAudio so that it lists the devices as they are now.
        False (nothing done) while a stream is open; AudioError when PortAudio hangs."""
        sd = self.module
        if sd is None:
            return False
        with self.lock:
            self.check()
            if self.open_streams:
                return False
            initialized = int(getattr(sd, "_initialized", 1))
            steps: list[Callable[[], object]] = [sd._terminate] * initialized + [sd._initialize]
            for step in steps:
                if not self.bounded(step):
                    raise AudioServerHungError(_HUNG)
            return True

    def exit(self) -> None:
        """At interpreter exit, in place of sounddevice's own handler: bounded, and skipped
        once PortAudio has hung (the system frees everything anyway)."""
        sd = self.module
        if sd is None or self.hung:
            return
        handler = getattr(sd, "_exit_handler", None)
        if handler is not None:
            self.bounded(handler, _EXIT_TIMEOUT_S)


_library = _Library()


def _portaudio() -> ModuleType:
    if _library.module is not None:
        _library.check()
        return _library.module
    try:
        # Imported on first use: sounddevice raises OSError at import without libportaudio2.
        module = importlib.import_module("sounddevice")
    except OSError as error:
        raise AudioError(
            "PortAudio est introuvable : installez-le (Debian/Ubuntu : "
            "sudo apt-get install libportaudio2)."
        ) from error
    handler = getattr(module, "_exit_handler", None)
    if handler is not None:
        atexit.unregister(handler)
    atexit.register(_library.exit)
    _library.module = module
    return module


def rescan_devices() -> bool:
    """Have PortAudio list the devices again (a server or headset that appeared since start).
    False when a stream is open (nothing done); AudioError when PortAudio does not answer."""
    _portaudio()
    return _library.rescan()


def list_output_devices() -> list[OutputDevice]:
    """Every PortAudio device able to play sound."""
    sd = _portaudio()
    try:
        devices = sd.query_devices()
        apis = sd.query_hostapis()
        default_out = int(sd.default.device[1])
    except sd.PortAudioError as error:
        raise AudioError(f"PortAudio ne répond pas : {error}") from error
    result = []
    for index, info in enumerate(devices):
        if int(info["max_output_channels"]) <= 0:
            continue
        result.append(
            OutputDevice(
                index=index,
                name=str(info["name"]),
                host_api=str(apis[int(info["hostapi"])]["name"]),
                channels=int(info["max_output_channels"]),
                default_rate=float(info["default_samplerate"]),
                is_default=index == default_out,
            )
        )
    return result


@dataclass(frozen=True, slots=True)
class _Piece:
    gen: int
    samples: Samples
    src_start: float
    src_end: float
    last: bool
    wrap: bool


def _close_quietly(stream: Any, timeout_s: float = _CLOSE_TIMEOUT_S) -> bool:
    """Abort and close ``stream``; False if PortAudio hung (its JACK back end does when the
    server died), leaving a daemon thread behind rather than freezing the caller."""

    def run() -> None:
        stream.abort(ignore_errors=True)
        stream.close(ignore_errors=True)

    if _library.hung:
        _library.stuck.append(stream)
        return False
    if _library.bounded(run, timeout_s):
        with _library.lock:
            _library.open_streams = max(0, _library.open_streams - 1)
        return True
    _library.stuck.append(stream)
    return False


class Player:
    """Plays one dictation file with the controls transcription needs.

    ``on_action`` and ``on_error`` may be called from the caller's thread or from the player's
    background thread, never with a lock held: keep them short, thread-safe and non-blocking
    (a Textual app should ``post_message``; ``call_from_thread`` waits for the UI thread).

    ``blocksize`` is the number of frames per device callback; ``buffer_s`` is how much
    stretched output is kept ready ahead of the playhead (at speed 1 the file itself is played,
    nothing is copied). Creating a player raises :class:`AudioError` when PortAudio or the
    output device is missing.
    """

    def __init__(
        self,
        device: int | str | None = None,
        *,
        rewind_on_resume_s: float = 2.0,
        short_skip_s: float = 2.0,
        long_skip_s: float = 10.0,
        volume: float = 1.0,
        on_action: Callable[[PlaybackAction], None] | None = None,
        blocksize: int = 320,
        speed_step: float = 0.05,
        on_error: Callable[[AudioError], None] | None = None,
        buffer_s: float = 1.0,
    ) -> None:
        self._sd = _portaudio()
        self._device_spec = device
        self.rewind_on_resume_s = min(10.0, max(0.0, float(rewind_on_resume_s)))
        self.short_skip_s = abs(float(short_skip_s))
        self.long_skip_s = abs(float(long_skip_s))
        self.speed_step = min(0.5, max(0.01, abs(float(speed_step))))
        self.on_action = on_action
        self.on_error = on_error
        self._blocksize = max(16, int(blocksize))
        self._lead_s = max(0.2, float(buffer_s))
        try:
            self._device_index, self._device_name = self._resolve_device(device)
        except AudioError:
            # An output that appeared after start-up (a JACK server started later, a headset
            # plugged in) is only listed after a rescan: try once more after one.
            if not _library.rescan():
                raise
            self._device_index, self._device_name = self._resolve_device(device)

        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._changed = threading.Condition(self._lock)
        # Shared with the callback and the renderer: guarded by ``_lock``.
        self._state = PlayerState.STOPPED
        self._clip: AudioClip | None = None
        self._gen = 0
        self._start_frame = 0
        self._speed = 1.0
        self._loop: tuple[int, int] | None = None
        self._queue: deque[_Piece] = deque()
        self._head = 0
        self._pos = 0.0
        self._consumed = 0
        self._volume = min(1.0, max(0.0, float(volume)))
        self._idle_blocks = 0
        self._idle_limit = 1
        self._stream_stopping = False
        self._ended_pending = False
        self._ended_frame = 0.0
        # play_range(): the source frame where playback pauses by itself (None: the end).
        self._stop_frame: int | None = None
        self._range_done_pending = False
        self._wraps_pending = 0
        self._lost_pending = False
        self._await_sound = False
        self._sound_ns = 0
        self._underflows = 0
        self._starved = 0
        self._buffered = 0
        self._closing = False
        self._last_error: AudioError | None = None
        self._outbox: deque[PlaybackAction] = deque()
        self._outbox_lock = threading.Lock()
        self._delivering = False
        # Stream objects: touched only by control methods, never under ``_lock``.
        self._stream: Any = None
        self._stream_rate = 0
        self._channels = 1
        self._control = threading.RLock()
        self._renderer: threading.Thread | None = None

    # ----------------------------------------------------------------- properties
    @property
    def position_s(self) -> float:
        """Source seconds reached by the samples delivered to the device."""
        with self._lock:
            return self._position_locked()

    @property
    def duration_s(self) -> float:
        clip = self._clip
        return clip.duration_s if clip is not None else 0.0

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def volume(self) -> float:
        return self._volume

    @property
    def state(self) -> PlayerState:
        return self._state

    @property
    def device_name(self) -> str:
        return self._device_name

    @property
    def loop(self) -> tuple[float, float] | None:
        """The looped section in source seconds, if any."""
        loop, clip = self._loop, self._clip
        if loop is None or clip is None:
            return None
        return loop[0] / clip.sample_rate, loop[1] / clip.sample_rate

    @property
    def sample_rate(self) -> int:
        """Rate the device plays at (0 before a file is loaded)."""
        return self._stream_rate

    @property
    def last_error(self) -> AudioError | None:
        return self._last_error

    @property
    def last_sound_start_ns(self) -> int:
        """``time.monotonic_ns()`` when the callback first delivered sound after the latest
        start or move (0 if not yet): lets a front end or benchmark measure reaction time."""
        return self._sound_ns

    @property
    def underflows(self) -> int:
        """Device buffer underruns reported by PortAudio since the player was created."""
        return self._underflows

    @property
    def starved_blocks(self) -> int:
        """Device blocks partly filled with silence because the renderer was late."""
        return self._starved

    @property
    def buffered_s(self) -> float:
        """Output ready ahead of the playhead, in output seconds."""
        with self._lock:
            rate = self._clip.sample_rate if self._clip else 0
            return (self._buffered - self._consumed) / rate if rate else 0.0

    # ----------------------------------------------------------------- device and stream
    def _resolve_device(self, device: int | str | None) -> tuple[int, str]:
        sd = self._sd
        try:
            info = sd.query_devices(device, "output")
            api = sd.query_hostapis(int(info["hostapi"]))["name"]
        except (ValueError, sd.PortAudioError) as error:
            if device is None:
                raise AudioError(
                    "Aucune sortie audio disponible : branchez un casque ou des haut-parleurs."
                ) from error
            raise AudioError(f"Sortie audio introuvable : « {device} ».") from error
        index = int(info["index"]) if "index" in info else int(sd.default.device[1])
        return index, f"{info['name']} ({api})"

    def _choose_rate(self, file_rate: int) -> int:
        sd = self._sd
        try:
            sd.check_output_settings(
                device=self._device_index, samplerate=file_rate, channels=1, dtype="float32"
            )
        except (ValueError, sd.PortAudioError):
            info = sd.query_devices(self._device_index, "output")
            return round(float(info["default_samplerate"]))
        return file_rate

    def _open_stream(self, rate: int) -> None:
        sd = self._sd
        last: Exception | None = None
        # Mono first; some hardware outputs (USB headsets opened directly) only take stereo.
        for channels in (1, 2):
            try:
                stream = sd.OutputStream(
                    samplerate=rate,
                    blocksize=self._blocksize,
                    device=self._device_index,
                    channels=channels,
                    dtype="float32",
                    latency="low",
                    callback=self._callback,
                    finished_callback=self._finished,
                )
            except (ValueError, sd.PortAudioError) as error:
                last = error
                continue
            with _library.lock:
                _library.open_streams += 1
            self._stream, self._stream_rate, self._channels = stream, rate, channels
            with self._lock:
                self._idle_limit = max(1, math.ceil(_IDLE_STOP_S * rate / self._blocksize))
            return
        raise AudioError(
            f"Impossible d'ouvrir la sortie audio {self._device_name} à {rate} Hz : {last}"
        ) from last

    def _ensure_running(self) -> None:
        stream = self._stream
        if stream is None:
            raise AudioError("Aucun fichier audio chargé.")
        with self._lock:
            restart = self._stream_stopping or not stream.active
            self._idle_blocks = 0
            # Stopping calls the finished callback, which must not read it as a loss.
            self._stream_stopping = True
        if restart:
            # After a callback-requested stop the stream is inactive but not yet stopped:
            # PortAudio refuses to start it again until it is.
            stream.stop(ignore_errors=True)
        with self._lock:
            self._stream_stopping = False
        if not restart:
            return
        try:
            stream.start()
        except self._sd.PortAudioError as error:
            raise self._lost_error() from error

    def _lost_error(self) -> AudioError:
        return AudioError(
            f"Sortie audio perdue ({self._device_name}) : rebranchez le casque "
            "puis reprenez la lecture."
        )

    # ----------------------------------------------------------------- the audio callback
    def _callback(self, outdata: Any, frames: int, time_info: Any, status: Any) -> None:
        out = outdata[:, 0]
        with self._lock:
            if status.output_underflow:
                self._underflows += 1
            if self._state is not PlayerState.PLAYING:
                out.fill(0.0)
                self._idle_blocks += 1
                if self._idle_blocks >= self._idle_limit:
                    self._stream_stopping = True
                    raise self._sd.CallbackStop
                if self._channels > 1:
                    outdata[:, 1:] = 0.0
                return
            filled = 0
            queue = self._queue
            while filled < frames and queue:
                piece = queue[0]
                if self._head == 0 and piece.wrap:
                    self._wraps_pending += 1
                size = piece.samples.shape[0]
                n = min(frames - filled, size - self._head)
                np.multiply(
                    piece.samples[self._head : self._head + n],
                    self._volume,
                    out=out[filled : filled + n],
                )
                self._head += n
                filled += n
                self._consumed += n
                span = piece.src_end - piece.src_start
                self._pos = piece.src_start + span * (self._head / size if size else 1.0)
                if self._head >= size:
                    queue.popleft()
                    self._head = 0
                    if piece.last and self._stop_frame is not None:
                        # The end of a played range: a pause exactly there, sample-accurate
                        # whatever the device's pacing (no UI timer involved).
                        self._state = PlayerState.PAUSED
                        self._stop_frame = None
                        self._range_done_pending = True
                        self._idle_blocks = 0
                        self._changed.notify_all()
                        self._wake.notify_all()
                        break
                    if piece.last:
                        self._state = PlayerState.ENDED
                        self._ended_pending = True
                        self._ended_frame = self._pos
                        self._wake.notify_all()
                        break
            if filled and self._await_sound:
                self._await_sound = False
                self._sound_ns = time.monotonic_ns()
            if len(queue) <= 1:
                self._wake.notify()
            if filled < frames and self._state is PlayerState.PLAYING and not self._await_sound:
                self._starved += 1
            out[filled:] = 0.0
            if self._channels > 1:
                outdata[:, 1:] = outdata[:, :1]
            if self._state is PlayerState.ENDED:
                self._stream_stopping = True
                raise self._sd.CallbackStop

    def _finished(self) -> None:
        with self._lock:
            if not self._stream_stopping and not self._closing:
                self._lost_pending = True
                self._wake.notify_all()

    # ----------------------------------------------------------------- renderer thread
    def _start_renderer(self) -> None:
        if self._renderer is None:
            self._renderer = threading.Thread(
                target=self._render_loop, name="frappe-audio-render", daemon=True
            )
            self._renderer.start()

    def _render_loop(self) -> None:
        gen = -1
        stretcher: Stretcher | None = None
        produced = 0
        finished = True
        wrap_next = False
        next_check = 0.0
        while True:
            events: list[PlaybackActionName] = []
            check = False
            closing = False
            with self._lock:
                while True:
                    queued = self._queue_callback_events_locked()
                    events = self._collect_events_locked()
                    if self._closing:
                        # The end reached just before close() is still reported.
                        closing = True
                        break
                    clip = self._clip
                    if clip is not None and gen != self._gen:
                        gen, produced, wrap_next, finished = self._gen, 0, False, False
                        stop = self._loop[1] if self._loop else clip.frames
                        if self._stop_frame is not None:
                            stop = max(self._start_frame + 1, min(stop, self._stop_frame))
                        stretcher = make_stretcher(
                            clip.samples, clip.sample_rate, self._start_frame, stop, self._speed
                        )
                    render = (
                        clip is not None
                        and not finished
                        and produced - self._consumed < self._lead_s * clip.sample_rate
                    )
                    now = time.monotonic()
                    check = self._state is PlayerState.PLAYING and now >= next_check
                    if render or events or queued or check:
                        break
                    self._wake.wait(_RENDER_POLL_S)
                loop = self._loop
                first = produced == 0
            if events or queued:
                try:
                    self._dispatch(events)
                except Exception:
                    # A faulty on_action/on_error must not silence the player.
                    _log.exception("on_action/on_error a échoué")
            if closing:
                return
            if check:
                next_check = time.monotonic() + 0.25
                self._check_stream_alive()
            if not render or clip is None or stretcher is None:
                continue
            if isinstance(stretcher, Passthrough):
                # A view of the whole range: the callback never waits for the renderer at 1x.
                size = clip.frames
            else:
                size = round((_FIRST_PIECE_S if first else _PIECE_S) * clip.sample_rate)
            block = stretcher.read(max(1, size))
            last = False
            if block.done:
                if loop is not None:
                    stretcher = make_stretcher(
                        clip.samples, clip.sample_rate, loop[0], loop[1], stretcher.speed
                    )
                else:
                    finished = last = True
            piece = _Piece(gen, block.samples, block.src_start, block.src_end, last, wrap_next)
            wrap_next = block.done and loop is not None
            with self._lock:
                if gen == self._gen:
                    self._queue.append(piece)
                    produced += block.samples.shape[0]
                    self._buffered = produced

    def _queue_callback_events_locked(self) -> bool:
        """Queue the end of the recording and loop wraps that the audio callback flagged, with
        where they happened. Called by the renderer and before any newer action, so a seek or a
        play right after the end never reaches the log ahead of the ``ended`` it follows.
        True when something was queued."""
        clip = self._clip
        if clip is None or not (
            self._wraps_pending or self._ended_pending or self._range_done_pending
        ):
            return False
        rate = clip.sample_rate
        if self._range_done_pending:
            self._range_done_pending = False
            at = self._position_locked()
            self._outbox.append(self._action_locked("range_end", at, at, playing=False))
        if self._wraps_pending and self._loop is not None:
            before, after = self._loop[1] / rate, self._loop[0] / rate
            for _ in range(self._wraps_pending):
                self._outbox.append(self._action_locked("loop", before, after, playing=True))
        self._wraps_pending = 0
        if self._ended_pending:
            self._ended_pending = False
            self._changed.notify_all()
            end = min(self._ended_frame, clip.frames) / rate
            self._outbox.append(self._action_locked("ended", end, end, playing=False))
        return True

    def _collect_events_locked(self) -> list[PlaybackActionName]:
        events: list[PlaybackActionName] = []
        if self._lost_pending:
            self._lost_pending = False
            if self._state is not PlayerState.DEVICE_LOST:
                self._state = PlayerState.DEVICE_LOST
                self._queue.clear()
                self._head = 0
                self._changed.notify_all()
                events.append("device_lost")
        return events

    def _check_stream_alive(self) -> None:
        # PortAudio's JACK back end never calls the finished callback when the server dies:
        # the stream just goes inactive. The control lock keeps a concurrent load() or
        # recover() from closing the stream under our feet; if it is busy, check next time.
        if not self._control.acquire(blocking=False):
            return
        try:
            stream = self._stream
            with self._lock:
                suspicious = (
                    self._state is PlayerState.PLAYING
                    and not self._stream_stopping
                    and stream is not None
                )
            if suspicious and not stream.active:
                with self._lock:
                    if self._state is PlayerState.PLAYING and not self._stream_stopping:
                        self._lost_pending = True
        finally:
            self._control.release()

    def _dispatch(self, events: list[PlaybackActionName]) -> None:
        """Report the renderer's events (``device_lost``) and deliver what is queued."""
        for name in events:
            with self._lock:
                self._make_action_locked(name, self._position_locked())
            if name == "device_lost":
                error = self._lost_error()
                self._last_error = error
                if self.on_error is not None:
                    self.on_error(error)
        self._flush_actions()

    # ----------------------------------------------------------------- helpers
    def _position_locked(self) -> float:
        clip = self._clip
        if clip is None:
            return 0.0
        return min(self._pos, clip.frames) / clip.sample_rate

    def _make_action_locked(
        self, name: PlaybackActionName, before_s: float, *, target: float | None = None
    ) -> PlaybackAction:
        """The action for what just changed, queued for :meth:`_flush_actions`.

        Queued under ``_lock``, so the log follows the order of the state changes even when
        several threads act at once.
        """
        self._queue_callback_events_locked()
        action = self._action_locked(
            name,
            before_s,
            self._position_locked() if target is None else target,
            playing=self._state is PlayerState.PLAYING,
        )
        self._outbox.append(action)
        return action

    def _action_locked(
        self, name: PlaybackActionName, before_s: float, target_s: float, *, playing: bool
    ) -> PlaybackAction:
        return PlaybackAction(
            t_monotonic_ms=time.monotonic_ns() // 1_000_000,
            action=name,
            position_s=round(before_s, 4),
            speed=self._speed,
            target_s=round(target_s, 4),
            playing=playing,
        )

    def _flush_actions(self) -> None:
        """Deliver queued actions in the order they happened, without holding any lock.

        Whichever thread finds the outbox idle delivers everything queued, including what
        other threads add meanwhile; the others return at once instead of waiting.
        """
        with self._outbox_lock:
            if self._delivering:
                return
            self._delivering = True
        while True:
            with self._outbox_lock:
                if not self._outbox:
                    self._delivering = False
                    return
                action = self._outbox.popleft()
            if self.on_action is not None:
                try:
                    self.on_action(action)
                except BaseException:
                    with self._outbox_lock:
                        self._delivering = False
                    raise

    def _require_clip(self) -> AudioClip:
        clip = self._clip
        if clip is None:
            raise AudioError("Aucun fichier audio chargé.")
        return clip

    def _restart_at_locked(self, frame: float, *, stop_frame: int | None = None) -> None:
        """New render generation from ``frame``: drops what was queued. ``stop_frame`` bounds
        it (:meth:`play_range`); any other move plays on to the end again."""
        clip = self._clip
        assert clip is not None
        self._stop_frame = stop_frame
        self._range_done_pending = False
        frame = min(max(0.0, frame), float(clip.frames))
        if self._loop is not None and not self._loop[0] <= frame < self._loop[1]:
            frame = float(self._loop[0])
        self._gen += 1
        self._start_frame = int(frame)
        self._pos = float(int(frame))
        self._queue.clear()
        self._head = 0
        self._consumed = 0
        self._buffered = 0
        self._await_sound = self._state is PlayerState.PLAYING
        self._wake.notify_all()

    def _move(self, name: PlaybackActionName, target_s: float) -> PlaybackAction:
        with self._control, self._lock:
            clip = self._require_clip()
            before = self._position_locked()
            target = min(max(0.0, target_s), clip.duration_s)
            if self._state is PlayerState.ENDED and target < clip.duration_s:
                self._state = PlayerState.PAUSED
                self._changed.notify_all()
            self._restart_at_locked(target * clip.sample_rate)
            action = self._make_action_locked(name, before)
        self._flush_actions()
        return action

    # ----------------------------------------------------------------- public controls
    def load(self, path: str | Path) -> None:
        """Decode ``path`` (resampled if the device needs it) and stand at its start."""
        with self._control:
            self._check_open()
            info = read_info(path)
            try:
                rate = self._choose_rate(info.sample_rate)
            except (ValueError, self._sd.PortAudioError) as error:
                raise AudioError(
                    f"Sortie audio indisponible ({self._device_name}) : {error}"
                ) from error
            clip = load_audio(path, target_rate=rate)
            with self._lock:
                self._state = PlayerState.STOPPED
                self._queue.clear()
                self._changed.notify_all()
            if self._stream is not None and self._stream_rate != rate:
                old, self._stream = self._stream, None
                with self._lock:
                    self._stream_stopping = True
                _close_quietly(old)
            if self._stream is None:
                self._open_stream(rate)
            with self._lock:
                self._clip = clip
                self._loop = None
                self._restart_at_locked(0.0)
                self._ended_event_reset_locked()
                self._make_action_locked("load", 0.0)
            self._start_renderer()
        self._flush_actions()

    def _ended_event_reset_locked(self) -> None:
        self._ended_pending = False
        self._wraps_pending = 0

    def _check_open(self) -> None:
        if self._closing:
            raise AudioError("Le lecteur audio est fermé.")

    def play(self, *, rewind: bool = True) -> None:
        """Start or resume; after a pause (or at the end) first go back ``rewind_on_resume_s``.

        ``rewind=False`` plays from exactly where the player stands: "play this word" after a
        seek must start at the word, not two seconds before it.
        """
        with self._control:
            self._check_open()
            with self._lock:
                clip = self._require_clip()
                state = self._state
                if state is PlayerState.PLAYING:
                    return
                if state is PlayerState.DEVICE_LOST:
                    raise self._lost_error()
                before = self._position_locked()
                resuming = state in (PlayerState.PAUSED, PlayerState.ENDED)
                self._state = PlayerState.PLAYING
                back = self.rewind_on_resume_s if resuming and rewind else 0.0
                target = before - back
                if state is PlayerState.ENDED or self._pos >= clip.frames:
                    # At the end, rewinding by nothing would replay nothing: start over.
                    start = max(0.0, target) if target < clip.duration_s else 0.0
                    self._restart_at_locked(start * clip.sample_rate)
                elif target < before:
                    self._restart_at_locked(max(0.0, target) * clip.sample_rate)
                self._await_sound = True
                self._changed.notify_all()
                self._make_action_locked("resume" if resuming else "play", before)
            try:
                self._ensure_running()
            except AudioError as error:
                with self._lock:
                    self._state = PlayerState.DEVICE_LOST
                    self._changed.notify_all()
                self._last_error = error
                raise
        self._flush_actions()

    def play_range(self, start_s: float, end_s: float) -> None:
        """Play ``[start_s, end_s)`` and pause by itself at ``end_s`` (a word, a passage): the
        stop is cut into the rendered samples, so a paced device stops there too, not a UI
        tick later. A loop is cleared; any later move plays on to the end again."""
        with self._control:
            self._check_open()
            with self._lock:
                clip = self._require_clip()
                if self._state is PlayerState.DEVICE_LOST:
                    raise self._lost_error()
                before = self._position_locked()
                start = min(max(0.0, float(start_s)), clip.duration_s)
                end = min(max(start, float(end_s)), clip.duration_s)
                self._loop = None
                self._state = PlayerState.PLAYING
                rate = clip.sample_rate
                self._restart_at_locked(start * rate, stop_frame=max(1, round(end * rate)))
                self._await_sound = True
                self._changed.notify_all()
                self._make_action_locked("play", before)
            try:
                self._ensure_running()
            except AudioError as error:
                with self._lock:
                    self._state = PlayerState.DEVICE_LOST
                    self._changed.notify_all()
                self._last_error = error
                raise
        self._flush_actions()

    def pause(self) -> None:
        """Silence at once; the position stays where the device got to."""
        with self._control, self._lock:
            if self._state is not PlayerState.PLAYING:
                return
            self._state = PlayerState.PAUSED
            self._idle_blocks = 0
            self._changed.notify_all()
            pos = self._position_locked()
            self._make_action_locked("pause", pos)
        self._flush_actions()

    def toggle(self) -> None:
        if self._state is PlayerState.PLAYING:
            self.pause()
        else:
            self.play()

    def stop(self) -> None:
        """Stop and go back to the start (no rewind-on-resume afterwards)."""
        with self._control, self._lock:
            if self._clip is None:
                return
            before = self._position_locked()
            if self._state is not PlayerState.DEVICE_LOST:
                self._state = PlayerState.STOPPED
            self._restart_at_locked(0.0)
            self._changed.notify_all()
            self._make_action_locked("stop", before)
        self._flush_actions()

    def seek(self, seconds: float) -> None:
        self._move("seek", float(seconds))

    def skip(self, seconds: float) -> None:
        """Move by ``seconds`` (negative = back), clamped to the file."""
        self._move("skip", self.position_s + float(seconds))

    def skip_back_short(self) -> None:
        self.skip(-self.short_skip_s)

    def skip_forward_short(self) -> None:
        self.skip(self.short_skip_s)

    def skip_back_long(self) -> None:
        self.skip(-self.long_skip_s)

    def skip_forward_long(self) -> None:
        self.skip(self.long_skip_s)

    def go_to_start(self) -> None:
        self._move("go_to_start", 0.0)

    def set_speed(self, speed: float) -> None:
        """Playback speed, pitch kept, clamped to 0.5–1.5."""
        self._set_speed("speed", clamp_speed(speed), 0.0)

    def _set_speed(self, name: PlaybackActionName, speed: float, move_s: float) -> None:
        with self._control, self._lock:
            clip = self._require_clip()
            before = self._position_locked()
            if speed == self._speed and move_s == 0.0:
                return
            self._speed = speed
            target = min(max(0.0, before + move_s), clip.duration_s)
            if self._state is PlayerState.ENDED and target < clip.duration_s:
                self._state = PlayerState.PAUSED
            self._restart_at_locked(target * clip.sample_rate)
            self._make_action_locked(name, before)
        self._flush_actions()

    def faster(self) -> None:
        self.set_speed(min(MAX_SPEED, self._speed + self.speed_step))

    def slower(self) -> None:
        self.set_speed(max(MIN_SPEED, self._speed - self.speed_step))

    def back_and_slower(self) -> None:
        """One gesture: back one short step and one speed step slower."""
        speed = clamp_speed(max(MIN_SPEED, self._speed - self.speed_step))
        self._set_speed("back_and_slower", speed, -self.short_skip_s)

    def set_loop(self, start_s: float, end_s: float) -> None:
        """Repeat ``[start_s, end_s)`` until :meth:`clear_loop`; jumps in if outside it."""
        with self._control, self._lock:
            clip = self._require_clip()
            start = min(max(0.0, float(start_s)), clip.duration_s)
            end = min(max(0.0, float(end_s)), clip.duration_s)
            if end - start < _MIN_LOOP_S:
                raise AudioError(
                    f"Boucle trop courte : au moins {_MIN_LOOP_S:.1f} s entre début et fin."
                )
            before = self._position_locked()
            rate = clip.sample_rate
            self._loop = (round(start * rate), round(end * rate))
            if self._state is PlayerState.ENDED:
                self._state = PlayerState.PAUSED
            self._restart_at_locked(self._pos)
            self._make_action_locked("loop_set", before)
        self._flush_actions()

    def clear_loop(self) -> None:
        with self._control, self._lock:
            if self._loop is None or self._clip is None:
                return
            before = self._position_locked()
            self._loop = None
            self._restart_at_locked(self._pos)
            self._make_action_locked("loop_clear", before)
        self._flush_actions()

    def loop_current_section(self, length_s: float = 5.0) -> None:
        """Loop the ``length_s`` seconds just heard (the sentence being typed)."""
        length = max(_MIN_LOOP_S, float(length_s))
        end = self.position_s
        start = max(0.0, end - length)
        end = min(self.duration_s, max(end, start + length))
        self.set_loop(start, end)

    def set_volume(self, volume: float) -> None:
        with self._control, self._lock:
            self._volume = min(1.0, max(0.0, float(volume)))
            self._make_action_locked("volume", self._position_locked())
        self._flush_actions()

    def tick(self) -> PlaybackAction:
        """Record the current position (for :class:`ListeningStats`) and return it."""
        with self._lock:
            action = self._make_action_locked("tick", self._position_locked())
        self._flush_actions()
        return action

    def wait(self, timeout_s: float | None = None) -> PlayerState:
        """Block until playback is no longer running (ended, paused, lost) or the timeout."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        with self._lock:
            while self._state is PlayerState.PLAYING and not self._ended_pending:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    break
                self._changed.wait(remaining)
            return self._state

    def recover(self) -> None:
        """Reopen the output after a loss, keeping the position; stays paused."""
        with self._control:
            self._check_open()
            if self._state is not PlayerState.DEVICE_LOST:
                return
            old, self._stream = self._stream, None
            if old is not None and not _close_quietly(old):
                raise AudioServerHungError(_HUNG)
            # PortAudio lists devices once per initialisation: a re-plugged headset or a
            # restarted server only shows up after a rescan (done when no stream is open).
            _library.rescan()
            self._device_index, self._device_name = self._resolve_device(self._device_spec)
            clip = self._require_clip()
            rate = self._choose_rate(clip.original_rate)
            if rate != clip.sample_rate and clip.path is not None:
                clip = load_audio(clip.path, target_rate=rate)
            self._open_stream(rate)
            with self._lock:
                before = self._position_locked()
                self._clip = clip
                self._state = PlayerState.PAUSED
                self._stream_stopping = False
                self._restart_at_locked(before * clip.sample_rate)
                self._changed.notify_all()
                self._make_action_locked("recover", before)
            self._last_error = None
        self._flush_actions()

    def close(self) -> None:
        """Stop sound and release the device; the player cannot be used afterwards."""
        with self._control:
            with self._lock:
                if self._closing:
                    return
                self._closing = True
                self._stream_stopping = True
                if self._state is PlayerState.PLAYING:
                    self._state = PlayerState.STOPPED
                self._wake.notify_all()
                self._changed.notify_all()
            stream, self._stream = self._stream, None
        if stream is not None:
            _close_quietly(stream)
        # Joined outside the control lock: an ``on_action`` running on the renderer may be
        # calling back into the player.
        renderer = self._renderer
        if renderer is not None and renderer is not threading.current_thread():
            renderer.join(timeout=_CLOSE_TIMEOUT_S)

    def __enter__(self) -> Player:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
