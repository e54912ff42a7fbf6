"""Setting up a room server: a cluster of frappe's own (``frappe room serve``) or a centre's
existing PostgreSQL (``frappe room init``). Both create the database, the roles and the schema,
and write the trainer's state file.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from psycopg import sql

from frappe.errors import RoomError
from frappe.locations import user_data_dir
from frappe.storage.room.client import connect, room_errors
from frappe.storage.room.cluster import Cluster, cluster_dir_for, find_binaries
from frappe.storage.room.schema import SEAT_ROLE, TRAINER_ROLE, ensure_roles, migrate
from frappe.storage.room.state import ServerState, load_state, new_password, save_state

__all__ = [
    "DATABASE",
    "DEFAULT_PORT",
    "LAN_HBA_LINES",
    "RunningServer",
    "init_existing",
    "seat_host_for",
    "start_server",
    "stop_server",
    "trainer_url",
]

DATABASE = "frappe"
DEFAULT_PORT = 5433
# pg_hba.conf lines for a room's network: the two frappe roles, from the subnets the server is
# directly on, with a password (scram-sha-256). Documented in the README for an existing server.
LAN_HBA_LINES = [
    f"host    {DATABASE}    {SEAT_ROLE},{TRAINER_ROLE}    samenet    scram-sha-256",
    f"hostssl {DATABASE}    {SEAT_ROLE},{TRAINER_ROLE}    samenet    scram-sha-256",
]


@dataclass(frozen=True, slots=True)
class RunningServer:
    """A started room server.

    Attributes:
        cluster: The cluster handle (stop it with :func:`stop_server`).
        state: What was written to the state file (URLs with passwords).
        version: PostgreSQL major version.
    """

    cluster: Cluster
    state: ServerState
    version: int


def _url(user: str, password: str, host: str, port: int, dbname: str, query: str = "") -> str:
    netloc_host = f"[{host}]" if ":" in host else host
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{netloc_host}:{port}"
    return urlunsplit(("postgresql", netloc, f"/{dbname}", query, ""))


def _is_loopback(address: str) -> bool:
    if address in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def seat_host_for(listen: str) -> str:
    """The address seats use: the listen address, or for ``0.0.0.0``/``*`` this machine's
    first non-loopback IPv4 address (its host name when none is found)."""
    if listen not in ("0.0.0.0", "*", "::"):
        return "127.0.0.1" if listen == "localhost" else listen.split(",", maxsplit=1)[0].strip()
    with contextlib.suppress(OSError, subprocess.SubprocessError, ValueError):
        out = subprocess.run(
            ["ip", "-j", "-4", "addr", "show", "up"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout
        for interface in json.loads(out):
            for info in interface.get("addr_info", []):
                address = str(info.get("local", ""))
                if address and not ipaddress.ip_address(address).is_loopback:
                    return address
    return socket.gethostname()


def _check_port_free(listen: str, port: int) -> None:
    """RoomError in one line when another program already listens on ``port``."""
    host = "127.0.0.1" if listen in ("0.0.0.0", "*", "localhost", "") else listen
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as error:
            raise RoomError(
                f"le port {port} est déjà utilisé sur {host} (un autre serveur ?) : "
                "choisissez-en un autre avec --port"
            ) from error


def _prepare_database(admin_url: str, state: ServerState) -> None:
    """Database ``frappe``, the roles (with the state's passwords), the schema."""
    with connect(admin_url) as admin, room_errors(admin_url):
        ensure_roles(
            admin, trainer_password=state.trainer_password, seat_password=state.seat_password
        )
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)
        ).fetchone()
        if exists is None:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
        # Only the frappe roles (and the admin) may connect to it.
        admin.execute(
            sql.SQL("REVOKE CONNECT ON DATABASE {} FROM PUBLIC").format(sql.Identifier(DATABASE))
        )
        admin.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}, {}").format(
                sql.Identifier(DATABASE), sql.Identifier(SEAT_ROLE), sql.Identifier(TRAINER_ROLE)
            )
        )
    parts = urlsplit(admin_url)
    db_url = urlunsplit(parts._replace(path=f"/{DATABASE}"))
    with connect(db_url) as admin_db, room_errors(db_url):
        migrate(admin_db)


def start_server(
    *,
    port: int = DEFAULT_PORT,
    listen: str = "127.0.0.1",
    data_dir: Path | None = None,
    ssl: bool | None = None,
) -> RunningServer:
    """Start (creating it the first time) the room server of this machine: cluster in the
    trainer's data folder, database, roles, schema, state file. ``ssl`` (default: when
    listening beyond this machine) turns TLS on, and the seat URL asks for it."""
    data_dir = data_dir or user_data_dir()
    binaries = find_binaries()
    state = load_state(data_dir) or ServerState()
    if not state.admin_password:
        state.admin_password = new_password()
    state.trainer_password = state.trainer_password or new_password()
    state.seat_password = state.seat_password or new_password()
    cluster_dir = Path(state.cluster_dir) if state.cluster_dir else cluster_dir_for(data_dir)
    cluster = Cluster(cluster_dir, port=port, listen=listen, binaries=binaries)
    if cluster.exists() and cluster.is_running():  # left by a killed `serve`
        cluster.stop()
    _check_port_free(listen, port)
    if not cluster.exists():
        cluster.init(state.admin_password)
    if not _is_loopback(listen):
        cluster.allow_network(LAN_HBA_LINES)
    seat_host = seat_host_for(listen)
    use_ssl = not _is_loopback(listen) if ssl is None else ssl
    if use_ssl:
        cluster.enable_ssl(seat_host)
    cluster.start()
    try:
        local = "127.0.0.1" if listen in ("0.0.0.0", "*") or _is_loopback(listen) else listen
        if listen == "::":
            local = "::1"
        _prepare_database(
            _url("frappe_admin", state.admin_password, local, port, "postgres"), state
        )
    except BaseException:
        cluster.stop()
        raise
    state.trainer_url = _url(TRAINER_ROLE, state.trainer_password, local, port, DATABASE)
    state.seat_url = _url(
        SEAT_ROLE,
        state.seat_password,
        seat_host,
        port,
        DATABASE,
        "sslmode=require" if use_ssl else "",
    )
    state.port = port
    state.listen = listen
    state.cluster_dir = str(cluster_dir)
    state.pid = os.getpid()
    save_state(state, data_dir)
    return RunningServer(cluster, state, binaries.version)


def stop_server(server: RunningServer, *, data_dir: Path | None = None) -> None:
    """Stop the cluster (fast: sessions closed, committed data kept) and note it."""
    server.cluster.stop()
    state = load_state(data_dir)
    if state is not None and state.pid == os.getpid():
        state.pid = None
        save_state(state, data_dir)


def init_existing(
    admin_url: str, *, data_dir: Path | None = None, seat_host: str | None = None
) -> ServerState:
    """Set up frappe on a centre's existing server reached with ``admin_url`` (a superuser or
    a CREATEROLE + CREATEDB account): database, roles, schema; the state file gets the trainer
    and seat URLs (same host and port as ``admin_url``)."""
    try:
        parts = urlsplit(admin_url)
        host = parts.hostname or "127.0.0.1"
        port = parts.port or 5432
    except ValueError as error:
        raise RoomError(f"adresse de serveur de salle invalide : « {admin_url} »") from error
    state = load_state(data_dir) or ServerState()
    state.trainer_password = state.trainer_password or new_password()
    state.seat_password = state.seat_password or new_password()
    admin_db_url = urlunsplit(parts._replace(path="/postgres"))
    _prepare_database(admin_db_url, state)
    query = parts.query
    state.trainer_url = _url(TRAINER_ROLE, state.trainer_password, host, port, DATABASE, query)
    state.seat_url = _url(SEAT_ROLE, state.seat_password, seat_host or host, port, DATABASE, query)
    state.port = port
    state.listen = host
    save_state(state, data_dir)
    return state


def trainer_url(explicit: str | None = None, *, data_dir: Path | None = None) -> str:
    """``--url``, else ``FRAPPE_ROOM_TRAINER_URL``, else the state file of this machine's
    server. RoomError saying how to start one when there is none."""
    if explicit:
        return explicit
    from_env = os.environ.get("FRAPPE_ROOM_TRAINER_URL")
    if from_env:
        return from_env
    state = load_state(data_dir)
    if state is None or not state.trainer_url:
        raise RoomError(
            "aucun serveur de salle sur ce poste : lancez « frappe room serve » "
            "(ou « frappe room init --url … »), ou donnez --url"
        )
    return state.trainer_url
