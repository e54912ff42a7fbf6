"""The centre's Ed25519 key: signing exported results and checking them.

The key pair is made on the trainer's machine (``frappe room keys``): the private key
``<config>/centre/centre.key`` (PEM, mode 0600) never leaves it; the public key
``centre.pub`` is given to whoever checks results (``frappe score --key centre.pub``).

A signature is detached: ``FILE.sig`` beside ``FILE``, a small JSON document
``{"frappe_signature": 1, "algorithm": "ed25519", "key": FINGERPRINT, "signature": BASE64}``
over the file's exact bytes. An unsigned file has no ``.sig``; an altered one no longer
matches its signature.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from frappe.errors import ConfigError
from frappe.locations import user_config_dir

__all__ = [
    "SIGNATURE_SUFFIX",
    "SignatureCheck",
    "check_signature",
    "default_key_dir",
    "ensure_centre_key",
    "fingerprint",
    "load_private_key",
    "load_public_key",
    "sign_file",
]

SIGNATURE_SUFFIX = ".sig"
PRIVATE_NAME = "centre.key"
PUBLIC_NAME = "centre.pub"


def default_key_dir() -> Path:
    """``<config dir>/centre``."""
    return user_config_dir() / "centre"


def fingerprint(public: Ed25519PublicKey) -> str:
    """First 16 hex digits of the SHA-256 of the raw public key."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def ensure_centre_key(folder: Path | None = None) -> tuple[Path, Path, bool]:
    """The centre's key pair in ``folder`` (created when missing); returns the private and
    public key paths and whether they were just created."""
    folder = folder or default_key_dir()
    private_path, public_path = folder / PRIVATE_NAME, folder / PUBLIC_NAME
    if private_path.exists():
        key = load_private_key(private_path)
        if not public_path.exists():
            _write_public(key.public_key(), public_path)
        return private_path, public_path, False
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        os.chmod(private_path, 0o600)
    except OSError as error:
        raise ConfigError(f"{private_path} : écriture impossible ({error.strerror})") from error
    _write_public(key.public_key(), public_path)
    return private_path, public_path, True


def _write_public(public: Ed25519PublicKey, path: Path) -> None:
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    try:
        path.write_bytes(pem)
    except OSError as error:
        raise ConfigError(f"{path} : écriture impossible ({error.strerror})") from error


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The centre's private key; ConfigError when unreadable or not Ed25519."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as error:
        raise ConfigError(f"{path} : clé privée illisible ({error.strerror})") from error
    except (ValueError, TypeError) as error:
        raise ConfigError(f"{path} : ce n'est pas une clé privée PEM") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"{path} : la clé du centre doit être une clé Ed25519")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """A public key (``centre.pub``); ConfigError when unreadable or not Ed25519."""
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except OSError as error:
        raise ConfigError(f"{path} : clé publique illisible ({error.strerror})") from error
    except (ValueError, TypeError) as error:
        raise ConfigError(f"{path} : ce n'est pas une clé publique PEM") from error
    if not isinstance(key, Ed25519PublicKey):
        raise ConfigError(f"{path} : la clé du centre doit être une clé Ed25519")
    return key


def signature_path(path: Path) -> Path:
    """``FILE.sig``."""
    return path.with_name(path.name + SIGNATURE_SUFFIX)


def sign_file(path: Path, key: Ed25519PrivateKey) -> Path:
    """Write ``FILE.sig`` for the file's current bytes; returns its path."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"{path} : illisible ({error.strerror})") from error
    document = {
        "frappe_signature": 1,
        "algorithm": "ed25519",
        "key": fingerprint(key.public_key()),
        "file": path.name,
        "signature": base64.b64encode(key.sign(data)).decode("ascii"),
    }
    target = signature_path(path)
    try:
        target.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{target} : écriture impossible ({error.strerror})") from error
    return target


SignatureStatus = Literal["valid", "unsigned", "altered", "other_key"]
_LABELS: dict[SignatureStatus, str] = {
    "valid": "signature valide",
    "unsigned": "non signé",
    "altered": "MODIFIÉ depuis sa signature",
    "other_key": "signé par une autre clé",
}


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    """What a file's signature says.

    Attributes:
        status: ``valid``, ``unsigned``, ``altered`` or ``other_key``.
        label: The same in French, for tables.
    """

    status: SignatureStatus
    label: str


def check_signature(path: Path, key: Ed25519PublicKey) -> SignatureCheck:
    """Check ``FILE`` against ``FILE.sig`` with the centre's public key."""
    sig_path = signature_path(path)
    try:
        document = json.loads(sig_path.read_text(encoding="utf-8"))
        data = path.read_bytes()
    except FileNotFoundError:
        return SignatureCheck("unsigned", _LABELS["unsigned"])
    except (OSError, ValueError):
        return SignatureCheck("altered", _LABELS["altered"])
    if not isinstance(document, dict) or document.get("algorithm") != "ed25519":
        return SignatureCheck("altered", _LABELS["altered"])
    if document.get("key") != fingerprint(key):
        return SignatureCheck("other_key", _LABELS["other_key"])
    try:
        key.verify(base64.b64decode(str(document.get("signature", "")), validate=True), data)
    except (InvalidSignature, ValueError):
        return SignatureCheck("altered", _LABELS["altered"])
    return SignatureCheck("valid", _LABELS["valid"])
