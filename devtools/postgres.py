"""A throwaway PostgreSQL cluster for the local stack (`LocalStack(db="postgres")`).

Debian's PostgreSQL server (`make db-deps` installs it), never the system's service: the stack
copies a cached, seeded cluster into `.stack/postgres/data`, starts `postgres` on a free loopback
port with its socket in `.stack/postgres/run`, and stops it with the stack. initdb and postgres
refuse to run as root, so as root they run as the `postgres` user (setpriv, which execs: the
pidfile names the postmaster itself).

The cached cluster (`.stack/postgres/base-<key>`) holds the Canvas schema and the seed, built
once per SDK version and seed sources by `devtools.postgres_sdk build-base`; a start copies it
(~0.1 s) instead of building it (~5 s). The plugin's namespace and custom-data tables are not in
it: the runner's install step creates them on every start, as on an instance.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from devtools.processes import StartStop, free_loopback_port, stop_child, stop_orphan

log = logging.getLogger("devtools.postgres")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
DATABASE = "home_app"
ADMIN_ROLE = "canvas_admin"  # the install role (DATABASE_URL), like home-app's owner
ADMIN_PASSWORD = "local-admin-only"  # loopback-only throwaway cluster
SDK_ROLE = "canvas_sdk_read_only"  # fixed by plugin_runner/init_namespace_schema.sql
SDK_PASSWORD = "local-sdk-only"
OS_USER = "postgres"  # Debian's package creates it
SEED_FILE = Path("devtools/seed_canvas.py")
SERVER_SETTINGS = (
    # Durability is irrelevant for a throwaway cluster; isolation and locking are untouched.
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
    "max_connections=100",
)
# Secrets the namespace installer reads (Control Room mints them ahead of install).
READ_ACCESS_KEY = "namespace_read_access_key"
READ_WRITE_ACCESS_KEY = "namespace_read_write_access_key"


class PostgresError(RuntimeError):
    """The cluster could not be built, started or stopped."""


def server_bin_dir() -> Path:
    """Debian's newest PostgreSQL server binaries (`/usr/lib/postgresql/<version>/bin`)."""
    versions = sorted(
        (p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "initdb").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if not versions:
        raise PostgresError("PostgreSQL's server is not installed: run `make db-deps` (apt-get)")
    return versions[-1]


def _as_db_user(command: list[str]) -> list[str]:
    """Run as the unprivileged `postgres` user when we are root (initdb/postgres refuse root)."""
    if os.geteuid() != 0:
        return command
    try:
        pwd.getpwnam(OS_USER)
    except KeyError:
        raise PostgresError(f"no '{OS_USER}' user: run `make db-deps`") from None
    setpriv = ["setpriv", f"--reuid={OS_USER}", f"--regid={OS_USER}", "--init-groups", "--"]
    return setpriv + command


def cluster_root(state_dir: Path) -> Path:
    """`<state_dir>/postgres`, or a directory under /tmp when the database user cannot reach it.

    As root the server runs as `postgres`, which must traverse every parent directory: a
    checkout under a private home (e.g. /root) is out of its reach.
    """
    preferred = state_dir / "postgres"
    if os.geteuid() != 0:
        return preferred
    state_dir.mkdir(parents=True, exist_ok=True)
    reachable = subprocess.run(
        _as_db_user(["test", "-x", str(state_dir)]), capture_output=True, check=False
    )
    if reachable.returncode == 0:
        return preferred
    digest = hashlib.sha256(str(state_dir.resolve()).encode()).hexdigest()[:12]
    fallback = Path(tempfile.gettempdir()) / f"twilio_sms_mms-postgres-{digest}"
    fallback.mkdir(mode=0o755, exist_ok=True)
    return fallback


def _own(path: Path, mode: int = 0o700) -> None:
    """Make a directory the database user's (when we are root) with `mode`."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(path, OS_USER, OS_USER)
    path.chmod(mode)


def _remove_tree(path: Path) -> None:
    """Delete a directory tree if present."""
    if path.exists():
        shutil.rmtree(path)


@dataclass
class ServerProcess:
    """One `postgres` server on a data directory, a loopback port and a private socket dir."""

    data_dir: Path
    socket_dir: Path
    port: int
    log_file: Path
    pidfile: Path
    ready_timeout: float = 30.0
    stop_timeout: float = 10.0
    _proc: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    def dsn(
        self, dbname: str = DATABASE, user: str = ADMIN_ROLE, password: str = ADMIN_PASSWORD
    ) -> str:
        """libpq connection string (the admin role unless told)."""
        return (
            f"host={HOST} port={self.port} dbname={dbname} user={user} "
            f"password={password} connect_timeout=2"
        )

    def start(self) -> None:
        """Start the server and wait until the admin role can connect."""
        _own(self.socket_dir)
        command = [str(server_bin_dir() / "postgres"), "-D", str(self.data_dir)]
        command += ["-p", str(self.port), "-c", f"listen_addresses={HOST}"]
        command += ["-c", f"unix_socket_directories={self.socket_dir}"]
        for setting in SERVER_SETTINGS:
            command += ["-c", setting]
        with self.log_file.open("ab") as out:
            self._proc = subprocess.Popen(
                _as_db_user(command),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.pidfile.write_text(str(self._proc.pid))
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + self.ready_timeout
        while True:
            if self._proc.poll() is not None:
                raise PostgresError(
                    f"postgres exited with {self._proc.returncode}; see {self.log_file}"
                )
            try:
                with psycopg.connect(self.dsn("postgres")):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise PostgresError(
                        f"postgres not ready after {self.ready_timeout:.0f} s"
                    ) from None
                time.sleep(0.05)

    def stop(self) -> None:
        """Fast shutdown (SIGINT: sessions are ended, nothing is waited for), then SIGKILL."""
        proc, self._proc = self._proc, None
        stop_child(proc, self.pidfile, self.stop_timeout, signal.SIGINT)

    def kill_leftover(self) -> None:
        """Stop a server a dead stack left on this data directory (per pidfile)."""
        stop_orphan(
            self.pidfile,
            b"postgres",
            str(self.data_dir).encode(),
            timeout=self.stop_timeout,
            sig=signal.SIGINT,
        )


class PostgresCluster(StartStop):
    """The stack's throwaway cluster: a fresh copy of the cached seeded cluster, per start."""

    def __init__(
        self,
        state_dir: Path,
        *,
        port: int = 0,
        project_root: Path = PROJECT_ROOT,
        seed_file: Path = SEED_FILE,
    ) -> None:
        self.project_root = project_root
        self.seed_file = seed_file
        self.root = cluster_root(state_dir)
        self.port = port or free_loopback_port()
        self.namespace_keys = {
            READ_ACCESS_KEY: str(uuid.uuid4()),
            READ_WRITE_ACCESS_KEY: str(uuid.uuid4()),
        }
        self.server = ServerProcess(
            data_dir=self.root / "data",
            socket_dir=self.root / "run",
            port=self.port,
            log_file=self.root / "postgres.log",
            pidfile=self.root / "postgres.pid",
        )
        self.timings: dict[str, float] = {}

    # ------------------------------------------------------------------ connection values

    @property
    def database_url(self) -> str:
        """DATABASE_URL as Canvas sets it for the runner (the install role)."""
        return f"postgres://{ADMIN_ROLE}:{ADMIN_PASSWORD}@{HOST}:{self.port}/{DATABASE}"

    @property
    def admin_dsn(self) -> str:
        """libpq connection string of the admin role (tests read the plugin's tables with it)."""
        return self.server.dsn()

    @property
    def sdk_dsn(self) -> str:
        """libpq connection string of the SDK's role (what the runner's Django connects as)."""
        return self.server.dsn(user=SDK_ROLE, password=SDK_PASSWORD)

    def sdk_env(self) -> dict[str, str]:
        """What the SDK's settings.py reads: the URL, and the role Django connects as."""
        return {
            "DATABASE_URL": self.database_url,
            "CANVAS_SDK_DATABASE_ROLE": SDK_ROLE,
            "CANVAS_SDK_DATABASE_ROLE_PASSWORD": SDK_PASSWORD,
            "IS_TESTING": "0",
        }

    def plugin_secrets(self) -> dict[str, str]:
        """The namespace access keys the plugin's SECRETS.json must carry."""
        return dict(self.namespace_keys)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Copy the seeded cluster (building it once) and start it; raises PostgresError."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.server.kill_leftover()
        began = time.monotonic()
        base = self.base_cluster()
        self.timings["base"] = time.monotonic() - began
        began = time.monotonic()
        _remove_tree(self.server.data_dir)
        # cp -a keeps the owner and modes postgres insists on (0700, its own user).
        copy = subprocess.run(
            ["cp", "-a", str(base), str(self.server.data_dir)], capture_output=True, check=False
        )
        if copy.returncode != 0:
            raise PostgresError(f"copying the seeded cluster failed: {copy.stderr.decode()}")
        self.server.start()
        self.timings["server"] = time.monotonic() - began
        log.info("postgres ready on %s:%d (%s)", HOST, self.port, self.server.data_dir)

    def stop(self) -> None:
        """Stop the server; the data directory is replaced on the next start."""
        self.server.stop()

    # ------------------------------------------------------------------ the cached cluster

    def base_key(self) -> str:
        """Hash of what the seeded cluster depends on."""
        digest = hashlib.sha256(importlib.metadata.version("canvas").encode())
        digest.update(str(server_bin_dir()).encode())
        for source in (
            self.project_root / self.seed_file,
            PROJECT_ROOT / "devtools/demo_data.py",
            PROJECT_ROOT / "devtools/postgres_sdk.py",
        ):
            digest.update(source.read_bytes())
        return digest.hexdigest()[:16]

    def base_cluster(self) -> Path:
        """The seeded cluster for the current sources, built on first use."""
        base = self.root / f"base-{self.base_key()}"
        if base.exists():
            return base
        for stale in self.root.glob("base-*"):
            _remove_tree(stale)
        log.info("building the seeded PostgreSQL cluster (once per seed or SDK change)")
        partial = self.root / "base.partial"
        _remove_tree(partial)
        self._initdb(partial)
        builder = ServerProcess(
            data_dir=partial,
            socket_dir=self.root / "run",
            port=free_loopback_port(),
            log_file=self.root / "build.log",
            pidfile=self.root / "build.pid",
        )
        builder.kill_leftover()
        builder.start()
        try:
            self._run_build(builder)
        finally:
            builder.stop()
        (partial / "postmaster.pid").unlink(missing_ok=True)
        partial.rename(base)
        return base

    def _initdb(self, target: Path) -> None:
        _own(target)
        pwfile = self.root / "initdb.pw"
        pwfile.write_text(ADMIN_PASSWORD + "\n")
        if os.geteuid() == 0:
            shutil.chown(pwfile, OS_USER, OS_USER)
        try:
            command = [
                str(server_bin_dir() / "initdb"),
                "-D", str(target),
                "-U", ADMIN_ROLE,
                f"--pwfile={pwfile}",
                "--auth=scram-sha-256",
                "-E", "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ]  # fmt: skip
            result = subprocess.run(_as_db_user(command), capture_output=True, check=False)
        finally:
            pwfile.unlink(missing_ok=True)
        if result.returncode != 0:
            raise PostgresError(f"initdb failed: {result.stderr.decode(errors='replace')}")

    def _run_build(self, builder: ServerProcess) -> None:
        """Create the database, then the Canvas schema, seed and roles (postgres_sdk build-base)."""
        with psycopg.connect(builder.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {DATABASE}")
        env = child_env(self.project_root, self._build_env(builder.port))
        command = [python_of(self.project_root), "-m", "devtools.postgres_sdk", "build-base"]
        result = subprocess.run(
            [*command, str(self.seed_file)],
            cwd=self.project_root,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=300,
            check=False,
        )
        if result.returncode != 0:
            tail = result.stderr.decode(errors="replace").strip().splitlines()[-5:]
            raise PostgresError("building the Canvas schema failed:\n" + "\n".join(tail))

    def _build_env(self, port: int) -> dict[str, str]:
        """The builder writes as the admin role (the seed fills Canvas tables)."""
        url = f"postgres://{ADMIN_ROLE}:{ADMIN_PASSWORD}@{HOST}:{port}/{DATABASE}"
        return {
            "DATABASE_URL": url,
            "CANVAS_SDK_DATABASE_ROLE": ADMIN_ROLE,
            "CANVAS_SDK_DATABASE_ROLE_PASSWORD": ADMIN_PASSWORD,
            "POSTGRES_SDK_ROLE": SDK_ROLE,
            "POSTGRES_SDK_ROLE_PASSWORD": SDK_PASSWORD,
            "IS_TESTING": "0",
        }


def python_of(project_root: Path) -> str:
    """The project's virtualenv Python (or this one)."""
    python = project_root / ".venv/bin/python"
    return str(python if python.exists() else Path(sys.executable))


def child_env(project_root: Path, extra: Mapping[str, str]) -> dict[str, str]:
    """The environment of an SDK child process: project templates, no update check, `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANVAS_SDK_DATABASE")}
    env.pop("DATABASE_URL", None)
    env.update(PLUGIN_DIRECTORY=str(project_root), CANVAS_NO_UPDATE_CHECK="1")
    env.update(extra)
    return env
