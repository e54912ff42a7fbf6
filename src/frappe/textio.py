"""Reading text files as people actually produce them.

Text files come from Word, Notepad or a workstation: UTF-8 with or without BOM, UTF-16 or
UTF-32 with BOM, or Windows-1252; CRLF or CR line ends. Everything is returned as str with LF
line ends, or an InputFileError whose one-line message names the file.

Only regular files are read, opened non-blocking (a FIFO given by mistake must not hang a
batch), and the size cap applies to the bytes actually read, not to what ``stat`` claims
(``/dev/zero`` and ``/proc`` files report a size of 0).
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from pathlib import Path

from frappe.errors import InputFileError

__all__ = [
    "MAX_INPUT_BYTES",
    "decode_text",
    "plain_text",
    "read_file_bytes",
    "read_text_file",
    "slugify",
]

MAX_INPUT_BYTES = 10 * 1024 * 1024
_UTF8_BOM = b"\xef\xbb\xbf"
# Checked before UTF-16's: the UTF-32 little-endian BOM starts with the UTF-16 one.
_UTF32_BOMS = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
_OPEN_FLAGS |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
# Bytes that may appear in text; deleting them leaves the control characters to count.
_NOT_CONTROL = bytes(range(32, 256)) + b"\t\n\x0c\r"
# Windows-1252 leaves these bytes undefined; text containing them is not Windows-1252.
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


def _looks_binary(data: bytes) -> bool:
    if b"\x00" in data:
        return True
    sample = data[:8192]
    controls = len(sample.translate(None, _NOT_CONTROL))
    return controls > max(2, len(sample) // 100)


def decode_text(data: bytes, name: str) -> str:
    """Decode bytes of a text file: UTF-8 (BOM optional), else Windows-1252; LF line ends."""
    if not data or data.isspace():  # as `not data.strip()`, without copying the file
        raise InputFileError(f"{name} : fichier vide")
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    if data.startswith(_UTF32_BOMS):
        try:
            text = data.decode("utf-32")
        except UnicodeDecodeError as error:
            raise InputFileError(f"{name} : UTF-32 illisible") from error
        return text.replace("\r\n", "\n").replace("\r", "\n")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise InputFileError(f"{name} : UTF-16 illisible") from error
        return text.replace("\r\n", "\n").replace("\r", "\n")
    if _looks_binary(data):
        raise InputFileError(f"{name} : fichier binaire, pas un texte")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        if _CP1252_UNDEFINED & set(data):
            raise InputFileError(f"{name} : encodage inconnu (ni UTF-8 ni Windows-1252)") from None
        text = data.decode("cp1252")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _too_large(path: Path, max_bytes: int, size: int | None) -> InputFileError:
    found = f"{size / 1_048_576:.1f} Mo, " if size is not None else "plus de "
    return InputFileError(
        f"{path} : fichier trop volumineux ({found}maximum {max_bytes / 1_048_576:.0f} Mo)"
    )


def read_file_bytes(path: Path, *, max_bytes: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; InputFileError (one line naming
    the file) for a folder, a device, a FIFO, a socket, a missing, unreadable or larger file."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError as error:
        raise InputFileError(f"{path} : fichier introuvable") from error
    except IsADirectoryError as error:
        raise InputFileError(f"{path} : c'est un dossier") from error
    except PermissionError as error:
        raise InputFileError(f"{path} : lecture interdite (droits)") from error
    except OSError as error:  # a socket (ENXIO), a name too long, a loop of links…
        raise InputFileError(
            f"{path} : illisible ({error.strerror or error}) — seuls les fichiers ordinaires "
            "sont lus"
        ) from error
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputFileError(f"{path} : c'est un dossier")
        if not stat.S_ISREG(info.st_mode):
            raise InputFileError(
                f"{path} : pas un fichier ordinaire (périphérique, tube ou socket), non lu"
            )
        if info.st_size > max_bytes:
            raise _too_large(path, max_bytes, info.st_size)
        chunks: list[bytes] = []
        total = 0
        announced = info.st_size
        # One byte more than allowed tells a file that grew (or lied about its size). Reads ask
        # for what stat announced plus one byte (the end), not a fixed megabyte: os.read
        # allocates what it is asked for, and a batch reads thousands of small files.
        while total <= max_bytes:
            wanted = announced + 1 - total if total <= announced else 1 << 20
            chunk = os.read(fd, min(max_bytes + 1 - total, wanted))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > max_bytes:
            raise _too_large(path, max_bytes, None)
        return b"".join(chunks)
    except BlockingIOError as error:
        raise InputFileError(f"{path} : lecture impossible sans attendre, non lu") from error
    except OSError as error:
        raise InputFileError(f"{path} : illisible ({error.strerror or error})") from error
    finally:
        os.close(fd)


def read_text_file(path: Path, *, max_bytes: int = MAX_INPUT_BYTES) -> str:
    """Read a text file; InputFileError (one line, names the file) when it cannot be used."""
    return decode_text(read_file_bytes(path, max_bytes=max_bytes), str(path))


# Control characters (C0, DEL, C1), lone surrogates (a file name in another encoding) and the
# bidirectional overrides that can disguise a name on screen.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def plain_text(text: str) -> str:
    """``text`` safe to show or write anywhere: control characters, lone surrogates and
    bidirectional overrides as visible escapes (``\\x1b``, ``\\udcff``). Markup is the
    renderer's business: front ends pass this to Rich as ``Text``, never as markup."""
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(_escape, text)


# Letters Unicode does not decompose into a base letter and an accent: without this table they
# would vanish from a slug (« Sœur » would give ``sur``).
_UNDECOMPOSED = str.maketrans(
    {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ø": "o", "Ø": "O", "ł": "l"}
    | {"Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH", "ı": "i"}
)
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, *, limit: int | None = 40, empty: str = "x") -> str:
    """``text`` for a file name: ASCII, lower case, words joined by dashes, at most ``limit``
    characters (None: no limit); ``empty`` when nothing is left. « Sœur Élodie » →
    ``soeur-elodie``."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSED))
    ascii_only = decomposed.encode("ascii", "ignore").decode("ascii")
    slug = _NOT_SLUG.sub("-", ascii_only.lower()).strip("-")
    if limit is not None:
        slug = slug[:limit].strip("-")
    return slug or empty
