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

import functools
import importlib
import pkgutil
import re
import unicodedata
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import msgspec
from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import KEY_NAME_REPLACEMENTS, Keys

from frappe import locations
from frappe.errors import ConfigError, FrappeError
from frappe.validation import describe_validation_error, read_toml_file

__all__ = [
    "KEYMAP_FILE",
    "KeymapError",
    "KeysFile",
    "default_keymap_path",
    "is_key_name",
    "known_binding_ids",
    "load_keymap",
]

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


# A table of ids, or of sections of ids (``[dictation]`` then ``play_pause = "f10"``).
KeysFile = dict[str, str | dict[str, str]]
_MODIFIERS = frozenset(("ctrl", "shift", "alt", "meta", "super", "hyper"))


@functools.cache
def _key_names() -> frozenset[str]:
    """Names Textual gives keys (``f10``, ``left``, ``pageup``, ``plus``…), modifiers aside."""
    names = {key.value.split("+")[-1] for key in Keys if not key.value.startswith("<")}
    names |= set(KEY_NAME_REPLACEMENTS) | set(KEY_NAME_REPLACEMENTS.values())
    names |= {"newline", "minus", "full_stop", "comma", "semicolon", "colon", "slash"}
    return frozenset(names)


def is_key_name(key: str) -> bool:
    """``ctrl+left``, ``f10``, ``a``, ``shift+home``: a key Textual can report; ``ctrl+lfet`` is
    not (a binding on it would never fire)."""
    *modifiers, base = key.split("+")
    if not base or any(m not in _MODIFIERS for m in modifiers):
        return False
    if len(base) == 1 or base in _key_names():
        return True
    try:
        unicodedata.lookup(base.replace("_", " ").upper())  # ``exclamation_mark``…
    except KeyError:
        return False
    return True


def _check_entry(path: Path, name: str, value: object) -> None:
    """``value`` against :data:`KeysFile`'s value type, the field named in full (msgspec names
    a table's keys ``[...]``)."""
    try:
        msgspec.convert(value, str | dict[str, str], strict=True)
    except msgspec.ValidationError as error:
        inner = ""
        if isinstance(value, dict):
            inner = next((f".{k}" for k, v in value.items() if not isinstance(v, str)), "")
        detail = describe_validation_error(error).split(" : ", 1)[-1]
        raise ConfigError(f"{path} : champ {name}{inner} : {detail}") from error


def load_keymap(path: Path | None = None) -> dict[str, str]:
    """The keymap of ``path`` (the user's ``keys.toml`` by default); empty when there is none.

    KeymapError (one line naming the file) for unreadable TOML, a value of the wrong type
    (checked by a msgspec schema, the field named), a key name Textual does not know
    (``ctrl+lfet``) or an id that no binding has: either would be silently ignored."""
    path = path or default_keymap_path()
    if not path.exists():
        return {}
    try:
        data = read_toml_file(path, dict[str, Any])
        for name, value in data.items():
            _check_entry(path, name, value)
    except ConfigError as error:
        raise KeymapError(error.message) from error
    keymap: dict[str, str] = {}
    for binding_id, value in _flatten(data):
        keys = value.replace(" ", "").lower() if isinstance(value, str) else ""
        if not _KEYS.fullmatch(keys):
            raise KeymapError(
                f"{path} : « {binding_id} » doit valoir des noms de touches séparés par des "
                f"virgules (« f10 », « ctrl+left »), pas {value!r}"
            )
        keymap[binding_id] = keys
    bad_keys = sorted(
        {k for keys in keymap.values() for k in keys.split(",") if not is_key_name(k)}
    )
    if bad_keys:
        raise KeymapError(
            f"{path} : nom(s) de touche inconnu(s) : {', '.join(bad_keys)} "
            "(voir « frappe dictations --keys »)"
        )
    unknown = sorted(set(keymap) - known_binding_ids())
    if unknown:
        raise KeymapError(
            f"{path} : identifiant(s) inconnu(s) : {', '.join(unknown)} "
            "(voir « frappe dictations --keys »)"
        )
    return keymap
