"""Reading text files as people actually produce them.

Text files come from Word, Notepad or a workstation: UTF-8 with or without BOM, UTF-16 with
BOM, or Windows-1252; CRLF or CR line ends. Everything is returned as str with LF line ends,
or an InputFileError whose one-line message names the file.
"""

from __future__ import annotations

from pathlib import Path

from frappe.errors import InputFileError

__all__ = ["MAX_INPUT_BYTES", "decode_text", "read_text_file"]

MAX_INPUT_BYTES = 10 * 1024 * 1024
_UTF8_BOM = b"\xef\xbb\xbf"
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
    if not data.strip():
        raise InputFileError(f"{name} : fichier vide")
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
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


def read_text_file(path: Path, *, max_bytes: int = MAX_INPUT_BYTES) -> str:
    """Read a text file; InputFileError (one line, names the file) when it cannot be used."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputFileError(
                f"{path} : fichier trop volumineux ({size / 1_048_576:.1f} Mo, "
                f"maximum {max_bytes / 1_048_576:.0f} Mo)"
            )
        data = path.read_bytes()
    except IsADirectoryError as error:
        raise InputFileError(f"{path} : c'est un dossier") from error
    except FileNotFoundError as error:
        raise InputFileError(f"{path} : fichier introuvable") from error
    except PermissionError as error:
        raise InputFileError(f"{path} : lecture interdite (droits)") from error
    except OSError as error:
        raise InputFileError(f"{path} : illisible ({error.strerror})") from error
    return decode_text(data, str(path))
