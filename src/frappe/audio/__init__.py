"""Dictation playback: decoding, pitch-kept speed, the PortAudio player and foot pedals.

The playback's pure side (states, actions, listening statistics, the player's description)
is ``frappe.exercises.playback``. Importing this package needs neither PortAudio nor a pedal:
``sounddevice`` is imported when a :class:`Player` is created or devices are listed.
"""

from __future__ import annotations

from frappe.audio.player import OutputDevice, Player, list_output_devices
from frappe.audio.source import AudioClip, AudioInfo, load_audio, read_info, resample
from frappe.audio.stretch import MAX_SPEED, MIN_SPEED, clamp_speed, time_stretch

__all__ = [
    "MAX_SPEED",
    "MIN_SPEED",
    "AudioClip",
    "AudioInfo",
    "OutputDevice",
    "Player",
    "clamp_speed",
    "list_output_devices",
    "load_audio",
    "read_info",
    "resample",
    "time_stretch",
]
