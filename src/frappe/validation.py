"""Typed validation of the files frappe reads, with one-line French messages.

Every configuration, corpus and record file is decoded into a msgspec schema (``Struct``):
types, finiteness and ranges are checked by the schema, and a failure becomes a
:class:`~frappe.errors.ConfigError` naming the file and the field, never a traceback. Chosen over
pydantic because the same library decodes result records straight from JSON bytes several times
faster (batch scoring reads thousands of them) and has no runtime dependency of its own.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from frappe.errors import ConfigError

__all__ = [
    "MAX_NESTING",
    "check_nesting",
    "convert",
    "describe_validation_error",
    "load_toml",
    "read_toml_file",
    "toml_string",
    "toml_value",
]

# Deeper than any file frappe writes or documents; a deeper one is hostile or broken, and
# Python's recursion limit must never be what rejects it.
MAX_NESTING = 32

T = TypeVar("T")

_TYPE_NAMES = {
    "int": "un entier",
    "float": "un nombre",
    "str": "un texte",
    "bool": "vrai ou faux",
    "array": "une liste",
    "object": "une table",
    "null": "rien",
    "datetime": "une date ISO 8601",
}
_EXPECTED = re.compile(r"Expected `([^`]+)`, got `([^`]+)`(?: - at `([^`]+)`)?")
_CONSTRAINT = re.compile(r"Expected `([^`]+)` (.+?)(?: - at `([^`]+)`)?$")
_UNKNOWN = re.compile(r"Object contains unknown field `([^`]+)`(?: - at `([^`]+)`)?")
_MISSING = re.compile(r"Object missing required field `([^`]+)`(?: - at `([^`]+)`)?")
_ENUM = re.compile(r"Invalid enum value (.+?)(?: - at `([^`]+)`)?")
_LENGTH = re.compile(r"Expected `([^`]+)` of length (\d+), got (\d+)(?: - at `([^`]+)`)?")
# Messages that carry only a field: what is wrong with it, in French.
_FIELD_ONLY = (
    (re.compile(r"Invalid RFC3339 encoded datetime(?: - at `([^`]+)`)?"), "date ISO 8601 invalide"),
    (
        re.compile(r"Expected `datetime` with a timezone component(?: - at `([^`]+)`)?"),
        "date avec fuseau horaire attendue",
    ),
    (re.compile(r"Number out of range(?: - at `([^`]+)`)?"), "nombre hors limites"),
)


def _type_name(name: str) -> str:
    parts = [part.strip() for part in name.split("|")]
    return " ou ".join(_TYPE_NAMES.get(part, part) for part in parts)


def _field(path: str | None) -> str:
    """``$.room.url`` → ``room.url``; ``$[3].t_ms`` → ``[3].t_ms``; the root → ``(racine)``."""
    if not path or path == "$":
        return "(racine)"
    return path[2:] if path.startswith("$.") else path[1:]


def _join(path: str | None, name: str) -> str:
    prefix = _field(path)
    return name if prefix == "(racine)" else f"{prefix}.{name}"


def describe_validation_error(error: msgspec.ValidationError | str) -> str:
    """msgspec's English message as one French line naming the field."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else "valeur invalide"
    if match := _EXPECTED.fullmatch(text):
        expected, got, path = match.groups()
        return f"champ {_field(path)} : {_type_name(expected)} attendu, {_type_name(got)} trouvé"
    if match := _UNKNOWN.fullmatch(text):
        name, path = match.groups()
        return f"champ inconnu {_join(path, name)}"
    if match := _MISSING.fullmatch(text):
        name, path = match.groups()
        return f"champ obligatoire manquant : {_join(path, name)}"
    if match := _ENUM.fullmatch(text):
        value, path = match.groups()
        return f"champ {_field(path)} : valeur {value} non admise"
    if match := _LENGTH.fullmatch(text):
        expected, wanted, found, path = match.groups()
        return (
            f"champ {_field(path)} : {_type_name(expected)} de {wanted} éléments attendu, "
            f"{found} trouvés"
        )
    for pattern, problem in _FIELD_ONLY:
        if match := pattern.fullmatch(text):
            return f"champ {_field(match.group(1))} : {problem}"
    if match := _CONSTRAINT.fullmatch(text):
        expected, rule, path = match.groups()
        rule = (
            rule.replace(">=", "≥")
            .replace("<=", "≤")
            .replace("of length", "de longueur")
            .replace("length", "longueur")
            .replace("that is", "")
            .replace("finite", "fini")
            .strip()
        )
        return f"champ {_field(path)} : {_type_name(expected)} {rule} attendu"
    return text


_LEAVES = frozenset((str, int, float, bool, type(None)))


def check_nesting(value: Any, limit: int = MAX_NESTING) -> None:
    """Raise ``ValueError`` when ``value`` nests deeper than ``limit`` (iteratively: a hostile
    file must not hit Python's recursion limit)."""
    if limit < 0:
        raise ValueError(f"imbrication trop profonde (plus de {limit} niveaux)")
    # Only containers go on the stack: a container's children are one level deeper, and any
    # child (a leaf too) beyond the limit is too deep.
    stack: list[tuple[Any, int]] = [(value, 0)]
    leaves = _LEAVES
    while stack:
        item, depth = stack.pop()
        kind = type(item)
        if kind in leaves:  # most values: no isinstance against the Mapping ABC (slow)
            continue
        if kind is dict or isinstance(item, Mapping):
            children: Iterable[Any] = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        depth += 1
        if depth > limit:
            if len(item):
                raise ValueError(f"imbrication trop profonde (plus de {limit} niveaux)")
            continue
        stack.extend([(child, depth) for child in children if type(child) not in leaves])


def convert(data: Any, schema: type[T], *, source: str) -> T:
    """``data`` (decoded TOML or JSON) as ``schema``; :class:`ConfigError` naming ``source``
    and the field otherwise."""
    try:
        check_nesting(data)
        return msgspec.convert(data, schema, strict=True)
    except msgspec.ValidationError as error:
        raise ConfigError(f"{source} : {describe_validation_error(error)}") from error
    except ValueError as error:
        raise ConfigError(f"{source} : {error}") from error


def load_toml(text: str, *, source: str) -> dict[str, Any]:
    """Parse TOML text; a syntax error or hostile nesting is a one-line :class:`ConfigError`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{source} : TOML illisible ({error})") from error
    except RecursionError as error:
        raise ConfigError(f"{source} : imbrication trop profonde") from error
    try:
        check_nesting(data)
    except ValueError as error:
        raise ConfigError(f"{source} : {error}") from error
    return data


def read_toml_file(path: Path, schema: type[T]) -> T:
    """Read, parse and validate a TOML file; every failure is one :class:`ConfigError` line
    naming the file (and the field when the content is at fault)."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"{path} : illisible ({error.strerror or error})") from error
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path} : encodage invalide (UTF-8 attendu)") from error
    return convert(load_toml(text, source=str(path)), schema, source=str(path))


# TOML's short escapes; every other control character (DEL included) is written \uXXXX.
_TOML_ESCAPES = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
_TOML_ESCAPES |= {'"': '\\"', "\\": "\\\\"}


def toml_string(value: str) -> str:
    """``value`` as a TOML basic string that ``tomllib`` reads back unchanged.

    A lone surrogate (a file name in another encoding, read with ``surrogateescape``) has no
    TOML form and cannot be written in UTF-8: it becomes U+FFFD, so the file can be written
    and read."""
    out = ['"']
    for char in value:
        code = ord(char)
        if char in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[char])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04x}")
        elif 0xD800 <= code <= 0xDFFF:
            out.append("\ufffd")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def toml_value(value: bool | float | str) -> str:
    """A TOML scalar: boolean, integer, float or string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    raise TypeError(f"no TOML scalar for {value!r}")
