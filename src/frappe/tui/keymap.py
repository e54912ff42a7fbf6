"""A centre's own keys: ``<config dir>/keys.toml`` maps binding ids to Textual key names.

Every binding of the app has an id (``dictation.play_pause``, ``home.exam``…; ``frappe
dictations --keys`` lists the dictation ones). A file such as::

    # identifiant = "touches" (noms de touches Textual, séparés par des virgules)
    "dictation.play_pause" = "f10"
    "dictation.back" = "f1,ctrl+left"

replaces those keys everywhere they are bound. Written with dotted keys
(``dictation.play_pause = "f10"``) it means the same. A file that cannot be used is a one-line
error and the default keys stay.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from textual.binding import Binding
from textual.dom import DOMNode

from frappe import locations
from frappe.errors import FrappeError

__all__ = ["KEYMAP_FILE", "KeymapError", "default_keymap_path", "known_binding_ids", "load_keymap"]

KEYMAP_FILE = "keys.toml"
# Textual key names: letters, digits, +, _, and a few punctuation names; comma separated.
_KEYS = re.compile(r"[a-z0-9_+\-]+(,[a-z0-9_+\-]+)*")


class KeymapError(FrappeError):
    """The keys file cannot be used."""


def default_keymap_path() -> Path:
    """``keys.toml`` in the user's configuration folder."""
    return locations.user_config_dir() / KEYMAP_FILE


def _flatten(table: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, object]]:
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _flatten(value, name + ".")
        else:
            yield name, value


def _subclasses(cls: type) -> Iterator[type]:
    sub: type
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def known_binding_ids() -> frozenset[str]:
    """Ids of every binding of frappe's app, screens and widgets (their modules imported)."""
    import frappe.tui  # noqa: PLC0415

    for module in pkgutil.walk_packages(frappe.tui.__path__, "frappe.tui."):
        importlib.import_module(module.name)
    ids: set[str] = set()
    for cls in _subclasses(DOMNode):
        if not cls.__module__.startswith("frappe."):
            continue
        for binding in getattr(cls, "BINDINGS", []):
            if isinstance(binding, Binding) and binding.id:
                ids.add(binding.id)
    return frozenset(ids)


def load_keymap(path: Path | None = None) -> dict[str, str]:
    """The keymap of ``path`` (the user's ``keys.toml`` by default); empty when there is none.

    KeymapError (one line) for unreadable TOML, a value that is not key names, or an id that
    no binding has (a typo would otherwise be silently ignored)."""
    path = path or default_keymap_path()
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as error:
        raise KeymapError(f"{path} : illisible ({error})") from error
    except tomllib.TOMLDecodeError as error:
        raise KeymapError(f"{path} : TOML invalide ({error})") from error
    keymap: dict[str, str] = {}
    for binding_id, value in _flatten(data):
        keys = value.replace(" ", "").lower() if isinstance(value, str) else ""
        if not _KEYS.fullmatch(keys):
            raise KeymapError(
                f"{path} : « {binding_id} » doit valoir des noms de touches séparés par des "
                f"virgules (« f10 », « ctrl+left »), pas {value!r}"
            )
        keymap[binding_id] = keys
    unknown = sorted(set(keymap) - known_binding_ids())
    if unknown:
        raise KeymapError(
            f"{path} : identifiant(s) inconnu(s) : {', '.join(unknown)} "
            "(voir « frappe dictations --keys »)"
        )
    return keymap
