"""Child process for the player tests: one Player driven by JSON lines on stdin.

Every reply is one JSON line with ``ok`` (and ``error``) plus the player's state, position,
the actions logged so far and the errors reported through ``on_error``.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from frappe.audio.pedal import PedalController, PedalReader, PedalRole, builtin_profiles
from frappe.audio.player import Player, list_output_devices
from frappe.errors import AudioError, FrappeError
from frappe.exercises.playback import PlaybackAction, player_commands


class Session:
    """The child's state: one player and, optionally, a pedal driving it."""

    def __init__(self) -> None:
        self.player: Player | None = None
        self.actions: list[PlaybackAction] = []
        self.errors: list[str] = []
        self.reader: PedalReader | None = None
        self.controller: PedalController | None = None

    def on_error(self, error: FrappeError) -> None:
        self.errors.append(error.message)

    def status(self) -> dict[str, Any]:
        player = self.player
        if player is None:
            return {"actions": [], "errors": self.errors}
        return {
            "state": player.state.value,
            "position_s": player.position_s,
            "duration_s": player.duration_s,
            "speed": player.speed,
            "sample_rate": player.sample_rate,
            "device_name": player.device_name,
            "buffered_s": player.buffered_s,
            "starved_blocks": player.starved_blocks,
            "actions": [asdict(a) for a in self.actions],
            "errors": self.errors,
        }

    def handle(self, op: str, args: dict[str, Any]) -> dict[str, Any]:
        if op == "new":
            if args.pop("jack", False):
                device = next(d for d in list_output_devices() if "JACK" in d.host_api)
                args["device"] = device.index
            self.player = Player(**args, on_action=self.actions.append, on_error=self.on_error)
            return {}
        if op == "devices":
            return {"devices": [asdict(d) for d in list_output_devices()]}
        player = self.player
        assert player is not None, "no player"
        timeout = float(args.get("timeout", 20))
        if op == "load":
            player.load(args["path"])
            return {}
        if op == "call":
            result = getattr(player, args["name"])(*args.get("args", []), **args.get("kwargs", {}))
            plain = isinstance(result, (int, float, str, type(None)))
            return {"result": result if plain else None}
        if op == "wait_state":
            wanted = set(args["states"])
            return {"reached": until(lambda: player.state.value in wanted, timeout)}
        if op == "wait_position":
            minimum = float(args["min_s"])
            return {"reached": until(lambda: player.position_s >= minimum, timeout)}
        if op == "wait_buffered":
            seconds = float(args["seconds"])
            return {"reached": until(lambda: player.buffered_s >= seconds, timeout)}
        if op == "wait_actions":
            name, count = args["name"], int(args["count"])
            return {
                "reached": until(
                    lambda: sum(a.action == name for a in self.actions) >= count, timeout
                )
            }
        if op == "pedal":
            profile = builtin_profiles()[args["usb_id"]]
            roles = {p: PedalRole(r) for p, r in args.get("roles", profile.roles).items()}
            mode = args.get("play_mode", profile.play_mode)
            self.controller = PedalController(
                player_commands(player), roles, mode, on_error=self.on_error
            )
            self.reader = PedalReader(
                profile, Path(args["path"]), self.controller.handle, self.on_error
            )
            self.reader.start()
            return {}
        if op in ("close", "exit"):
            if self.reader is not None:
                self.reader.stop()
            if self.controller is not None:
                self.controller.close()
            player.close()
            return {}
        raise ValueError(f"unknown op {op}")


def until(check: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.002)
    return bool(check())


def main() -> None:
    session = Session()
    for line in sys.stdin:
        command = json.loads(line)
        op = command.pop("op")
        try:
            if op == "exit" and session.player is None:
                reply: dict[str, Any] = {"ok": True}
            else:
                reply = {"ok": True, **session.handle(op, command)}
        except (AudioError, FrappeError) as error:
            reply = {"ok": False, "error": f"{type(error).__name__}: {error.message}"}
        except Exception as error:  # reported to the test rather than killing the child
            reply = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        reply.update(session.status())
        print(json.dumps(reply), flush=True)
        if op == "exit":
            break


if __name__ == "__main__":
    main()
