"""A PostgreSQL cluster run by frappe itself: the room server of ``frappe room serve`` and the
throwaway server of the test suite.

The machine's own PostgreSQL binaries are used (``initdb``, ``pg_ctl``, ``postgres``), found on
PATH or in the usual install folders. ``initdb`` refuses to run as root, so when frappe runs as
root the cluster belongs to an unprivileged system user (``frappe-pg``, created on first use
with ``useradd --system``) and lives under ``/var/lib/frappe-room/`` (a root-only home folder
cannot be entered by that user); otherwise it lives where the caller says.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from frappe.errors import RoomError

__all__ = [
    "SERVICE_USER",
    "Cluster",
    "PostgresBinaries",
    "find_binaries",
    "free_port",
    "service_data_root",
]

SERVICE_USER = "frappe-pg"
ADMIN_ROLE = "frappe_admin"
# Where distributions put the server binaries, newest first (Debian/Ubuntu, Fedora/RHEL, macOS).
_INSTALL_GLOBS = (
    "/usr/lib/postgresql/*/bin",
    "/usr/pgsql-*/bin",
    "/usr/local/pgsql/bin",
    "/opt/homebrew/opt/postgresql@*/bin",
    "/usr/local/opt/postgresql@*/bin",
    "/Applications/Postgres.app/Contents/Versions/latest/bin",
)
_INSTALL_HINT = (
    "PostgreSQL est introuvable (initdb, pg_ctl) : installez-le "
    "(Debian/Ubuntu : sudo apt-get install postgresql ; Fedora : sudo dnf install "
    "postgresql-server ; macOS : brew install postgresql)"
)


@dataclass(frozen=True, slots=True)
class PostgresBinaries:
    """The server programs of one PostgreSQL install.

    Attributes:
        bin_dir: The folder holding them.
        version: The major version (``15``), read from ``pg_ctl --version``.
    """

    bin_dir: Path
    version: int

    def program(self, name: str) -> str:
        """The full path of ``initdb``, ``pg_ctl``…"""
        return str(self.bin_dir / name)


def _version_of(pg_ctl: Path) -> int | None:
    try:
        out = subprocess.run(
            [str(pg_ctl), "--version"], capture_output=True, text=True, timeout=10, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    # "pg_ctl (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)"
    for word in out.split():
        head = word.split(".", 1)[0]
        if head.isdigit():
            return int(head)
    return None


def find_binaries(
    search_path: str | None = None, *, install_globs: tuple[str, ...] = _INSTALL_GLOBS
) -> PostgresBinaries:
    """The PostgreSQL server binaries: ``search_path`` (PATH by default) first, then the usual
    install folders (newest version first). RoomError (one line saying what to install) when
    there are none."""
    candidates: list[Path] = []
    on_path = shutil.which("pg_ctl", path=search_path)
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for pattern in install_globs:
        found = sorted(glob.glob(pattern), key=_natural_key, reverse=True)
        candidates.extend(Path(p) for p in found)
    for folder in candidates:
        if all((folder / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
            version = _version_of(folder / "pg_ctl")
            if version is not None:
                return PostgresBinaries(folder, version)
    raise RoomError(_INSTALL_HINT)


def _natural_key(text: str) -> list[object]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def ensure_service_user() -> pwd.struct_passwd:
    """The unprivileged system user that runs the cluster when frappe runs as root (created
    with ``useradd --system`` when missing)."""
    try:
        return pwd.getpwnam(SERVICE_USER)
    except KeyError:
        pass
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    try:
        subprocess.run(
            [
                useradd,
                "--system",
                "--no-create-home",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                "--user-group",
                SERVICE_USER,
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
    except (OSError, subprocess.CalledProcessError) as error:
        raise RoomError(
            f"impossible de créer l'utilisateur système {SERVICE_USER} pour PostgreSQL "
            f"(initdb refuse root) : {_first_line(error)}"
        ) from error
    return pwd.getpwnam(SERVICE_USER)


def service_data_root() -> Path:
    """Where clusters of the service user live when frappe runs as root."""
    return Path(os.environ.get("FRAPPE_ROOM_SERVICE_DIR", "/var/lib/frappe-room"))


def cluster_dir_for(data_dir: Path) -> Path:
    """The cluster folder for a trainer's data folder: ``<data>/room/pgdata``, or as root a
    folder of the service user named after the data folder (see the module docstring)."""
    if not _is_root():
        return data_dir / "room" / "pgdata"
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:12]
    return service_data_root() / digest / "pgdata"


def _first_line(error: BaseException) -> str:
    if isinstance(error, subprocess.CalledProcessError):
        text = (error.stderr or error.stdout or "").strip()
        if text:
            return text.splitlines()[-1]
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error).splitlines()[0] if str(error) else type(error).__name__


class Cluster:
    """One PostgreSQL cluster in ``data_dir`` listening on ``port``.

    ``init`` creates it (superuser ``frappe_admin`` with a password, scram-sha-256 everywhere),
    ``start``/``stop`` run ``pg_ctl``. As root every program runs as :data:`SERVICE_USER`.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        port: int,
        listen: str = "127.0.0.1",
        binaries: PostgresBinaries | None = None,
        settings: Mapping[str, str] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.port = port
        self.listen = listen
        self.binaries = binaries or find_binaries()
        self.settings = dict(settings or {})
        self._user = ensure_service_user() if _is_root() else None

    @property
    def log_path(self) -> Path:
        """The server's log file (beside the data folder, so ``initdb`` finds it empty)."""
        return self.data_dir.parent / "postgresql.log"

    def exists(self) -> bool:
        """Whether ``initdb`` already ran here."""
        return (self.data_dir / "PG_VERSION").is_file()

    def _run(self, args: list[str], *, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
        }
        extra: dict[str, object] = {}
        if self._user is not None:
            extra = {"user": self._user.pw_uid, "group": self._user.pw_gid, "extra_groups": []}
            env["HOME"] = "/"
        return subprocess.run(  # type: ignore[call-overload, no-any-return]
            args,
            capture_output=True,
            text=True,
            check=True,
            timeout=timeout,
            env=env,
            cwd="/",
            **extra,
        )

    def _own(self, path: Path) -> None:
        if self._user is not None:
            os.chown(path, self._user.pw_uid, self._user.pw_gid)

    def init(self, admin_password: str) -> None:
        """``initdb`` with a password-protected superuser; writes the server settings and a
        ``pg_hba.conf`` that asks every client for its password (scram-sha-256)."""
        parent = self.data_dir.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
            self._own(parent)
            os.chmod(parent, 0o700)
            pwfile = parent / f".pw-{secrets.token_hex(4)}"
            pwfile.write_text(admin_password + "\n", encoding="utf-8")
            os.chmod(pwfile, 0o600)
            self._own(pwfile)
        except OSError as error:
            raise RoomError(
                f"{parent} : impossible de préparer le dossier du serveur ({_first_line(error)})"
            ) from error
        try:
            self._run(
                [
                    self.binaries.program("initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    ADMIN_ROLE,
                    f"--pwfile={pwfile}",
                    "--auth=scram-sha-256",
                    "--encoding=UTF8",
                    "--locale=C",
                ]
            )
        except (OSError, subprocess.SubprocessError) as error:
            raise RoomError(f"initdb a échoué : {_first_line(error)}") from error
        finally:
            pwfile.unlink(missing_ok=True)
        self.write_settings()

    def write_settings(self) -> None:
        """Listen address, port and tuning in ``postgresql.auto.conf``'s neighbour
        ``frappe.conf``, included from ``postgresql.conf`` (re-written at each start, so
        ``--port``/``--listen`` can change between runs)."""
        values = {
            "listen_addresses": self.listen,
            "port": str(self.port),
            # TCP only: the default socket folder (/var/run/postgresql) may belong to another
            # server of the machine.
            "unix_socket_directories": "",
            "max_connections": "300",
            "password_encryption": "scram-sha-256",
            **self.settings,
        }
        lines = [f"{key} = '{value}'" for key, value in values.items()]
        conf = self.data_dir / "frappe.conf"
        main_conf = self.data_dir / "postgresql.conf"
        try:
            conf.write_text("# Written by frappe at each start.\n" + "\n".join(lines) + "\n")
            self._own(conf)
            text = main_conf.read_text(encoding="utf-8")
            if "include_if_exists = 'frappe.conf'" not in text:
                main_conf.write_text(text + "\ninclude_if_exists = 'frappe.conf'\n")
        except OSError as error:
            raise RoomError(
                f"{conf} : impossible d'écrire la configuration ({_first_line(error)})"
            ) from error

    def enable_ssl(self, host_name: str) -> None:
        """Turn TLS on with a self-signed certificate made here (``server.crt``/``server.key``
        in the data folder, kept across restarts): the room's traffic is encrypted; seats use
        ``sslmode=require``. A centre wanting the server authenticated too installs its own
        certificate there and gives seats ``sslmode=verify-full``."""
        cert_path, key_path = self.data_dir / "server.crt", self.data_dir / "server.key"
        if not (cert_path.exists() and key_path.exists()):
            cert_pem, key_pem = _self_signed_certificate(host_name)
            try:
                fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "wb") as handle:
                    handle.write(key_pem)
                cert_path.write_bytes(cert_pem)
                for path in (cert_path, key_path):
                    self._own(path)
            except OSError as error:
                raise RoomError(
                    f"{self.data_dir} : certificat impossible à écrire ({_first_line(error)})"
                ) from error
        self.settings["ssl"] = "on"

    def allow_network(self, lines: list[str]) -> None:
        """Add ``pg_hba.conf`` lines (the room's network), each once."""
        hba = self.data_dir / "pg_hba.conf"
        try:
            text = hba.read_text(encoding="utf-8")
            missing = [line for line in lines if line not in text.splitlines()]
            if missing:
                hba.write_text(text.rstrip("\n") + "\n# frappe room\n" + "\n".join(missing) + "\n")
        except OSError as error:
            raise RoomError(f"{hba} : écriture impossible ({_first_line(error)})") from error

    def start(self, *, timeout_s: int = 60) -> None:
        """``pg_ctl start`` and wait until connections are accepted."""
        self.write_settings()
        try:
            self._run(
                [
                    self.binaries.program("pg_ctl"),
                    "start",
                    "-D",
                    str(self.data_dir),
                    "-l",
                    str(self.log_path),
                    "-w",
                    "-t",
                    str(timeout_s),
                ],
                timeout=timeout_s + 10,
            )
        except (OSError, subprocess.SubprocessError) as error:
            raise RoomError(
                f"le serveur PostgreSQL n'a pas démarré ({self._log_tail() or _first_line(error)})"
            ) from error

    def is_running(self) -> bool:
        """``pg_ctl status``."""
        try:
            self._run([self.binaries.program("pg_ctl"), "status", "-D", str(self.data_dir)])
        except (OSError, subprocess.SubprocessError):
            return False
        return True

    def stop(self, *, mode: str = "fast") -> None:
        """``pg_ctl stop`` (fast: sessions are closed, committed data is kept)."""
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            self._run(
                [self.binaries.program("pg_ctl"), "stop", "-D", str(self.data_dir), "-m", mode],
                timeout=120,
            )

    def _log_tail(self) -> str:
        try:
            lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return ""
        for line in reversed(lines):
            if "FATAL" in line or "ERROR" in line:
                return line.split(":  ", 1)[-1].strip()
        return ""


def _self_signed_certificate(host_name: str) -> tuple[bytes, bytes]:
    """A 10-year self-signed certificate for ``host_name`` and its key (PEM)."""
    import datetime as dt  # noqa: PLC0415 - only when TLS is turned on

    from cryptography import x509  # noqa: PLC0415
    from cryptography.hazmat.primitives import hashes, serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415
    from cryptography.x509.oid import NameOID  # noqa: PLC0415

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host_name or "frappe-room")])
    now = dt.datetime.now(dt.UTC)
    alternative: list[x509.GeneralName] = [x509.DNSName(host_name or "frappe-room")]
    with contextlib.suppress(ValueError):
        import ipaddress  # noqa: PLC0415

        alternative = [x509.IPAddress(ipaddress.ip_address(host_name))]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.SubjectAlternativeName(alternative), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return certificate.public_bytes(serialization.Encoding.PEM), key_pem
