"""The whole local stack: Twilio stand-in + real plugin runner + chart preview.

    with LocalStack() as stack:          # free ports, fresh stand-in database
        stack.preview_url                # the chart page
        stack.runner.simple_api(...)     # straight to the runner

`SECRETS.json` is written before the runner starts (it reads it once, at load): the values live in
`.stack/plugin-secrets.json` and the plugin's `SECRETS.json` is a symlink to them, which
`canvas install` never packs (its builder skips symlinks, whatever the working directory); both
are deleted when the stack stops. Everything is stopped in reverse order, and `stop()` checks
that nothing is left listening.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests

from devtools import demo_data
from devtools.chart_preview import SESSION_COOKIE, PreviewServer
from devtools.postgres import PostgresCluster
from devtools.processes import StackLock, StartStop, port_is_listening, stop_child, stop_orphan
from devtools.runner_client import (
    PLUGIN_NAME,
    PROJECT_ROOT,
    RUNNER_HOST,
    RUNNER_PORT,
    RunnerClient,
    RunnerProcess,
)

log = logging.getLogger("devtools.stack")

HOST = "127.0.0.1"
DEMO_PREVIEW_PORT = 8000
DEMO_SANDBOX_PORT = 8010
SECRETS_FILE = PROJECT_ROOT / PLUGIN_NAME / "SECRETS.json"
DATABASES = ("sqlite", "postgres")
# The stand-in's send queue runs 20 times Twilio's pace here (a long code: 20 segments a second),
# so the suites' send loops never build a backlog; `python -m devtools.twilio_sandbox` alone,
# and the stand-in's own pacing tests, run at Twilio's pace (--queue-speed 1).
QUEUE_SPEED = 20.0


def database_choice(db: str | None = None) -> str:
    """`db`, else the DB environment variable, else sqlite; raises StackError if unknown."""
    choice = (db or os.environ.get("DB") or "sqlite").strip().lower()
    if choice not in DATABASES:
        raise StackError(f"DB must be one of {', '.join(DATABASES)}, not {choice!r}")
    return choice


class StackError(RuntimeError):
    """A part of the stack could not start."""


def free_port(host: str = HOST) -> int:
    """A TCP port that is free right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def secrets_store(path: Path) -> Path:
    """Where the values behind a plugin's SECRETS.json symlink live (outside the plugin)."""
    return path.parent.parent / ".stack" / f"{path.parent.name}-secrets.json"


def write_plugin_secrets(
    sandbox_url: str,
    public_url: str,
    path: Path = SECRETS_FILE,
    extra: Mapping[str, str] | None = None,
) -> None:
    """Write the plugin's local variables (uncommitted, read by the runner at load).

    `path` becomes a symlink to `secrets_store(path)`: `canvas install` skips symlinks, so a
    running stack's secrets cannot be uploaded. `extra`: the namespace access keys on
    PostgreSQL (see devtools/postgres.py).
    """
    values = {
        "TwilioAccountSID": demo_data.ACCOUNT_SID,
        "TwilioAPIKey": demo_data.API_KEY,
        "TwilioAPISecret": demo_data.API_SECRET,
        "TwilioAuthToken": demo_data.AUTH_TOKEN,
        "TwilioApiBaseUrl": sandbox_url,
        "TwilioMessagingApiBaseUrl": sandbox_url,
        "PublicBaseUrl": public_url,
        "AutoReplyText": demo_data.AUTO_REPLY_TEXT,
        # Every text is answered: tests share one stack and one texter's earlier texts must not
        # silence the next test's reply (the 12-hour default is covered by tests/test_inbox.py).
        "AutoReplyQuietHours": "0",
        "HelpReplyText": demo_data.HELP_REPLY_TEXT,
        "PracticeName": demo_data.PRACTICE_NAME,
        "QuickReplies": json.dumps(demo_data.QUICK_REPLIES),
        "CreateTaskOnInbound": "true",
        "AuditStaffIds": demo_data.STAFF.key,
        "AdminStaffIds": demo_data.STAFF.key,
    }
    values.update(extra or {})
    store = secrets_store(path)
    store.parent.mkdir(parents=True, exist_ok=True)
    store.write_text(json.dumps(values, indent=2) + "\n")
    path.unlink(missing_ok=True)
    path.symlink_to(store)


def remove_plugin_secrets(path: Path) -> None:
    """Delete the plugin's SECRETS.json and the values behind it (the stack has stopped)."""
    path.unlink(missing_ok=True)
    secrets_store(path).unlink(missing_ok=True)


@dataclass
class SandboxProcess:
    """The Twilio stand-in (`python -m devtools.twilio_sandbox`) as a subprocess."""

    port: int
    state_dir: Path
    delay_ms: int = 0
    status_step_ms: int = 700
    seed: str = "demo"
    queue_speed: float = QUEUE_SPEED
    ready_timeout: float = 30.0
    project_root: Path = PROJECT_ROOT
    _proc: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def url(self) -> str:
        """Base URL of the stand-in."""
        return f"http://{HOST}:{self.port}"

    @property
    def db_path(self) -> Path:
        """Its SQLite file (recreated on every start)."""
        return self.state_dir / "twilio_sandbox.sqlite3"

    @property
    def pidfile(self) -> Path:
        """Pid (= process group) of the running stand-in."""
        return self.state_dir / "sandbox.pid"

    @property
    def log_file(self) -> Path:
        """Its combined stdout/stderr."""
        return self.state_dir / "sandbox.log"

    def command(self) -> list[str]:
        """The command line, per the contract in docs/ARCHITECTURE.md."""
        python = self.project_root / ".venv/bin/python"
        return [
            str(python if python.exists() else Path(sys.executable)),
            "-m",
            "devtools.twilio_sandbox",
            "--host", HOST,
            "--port", str(self.port),
            "--db", str(self.db_path),
            "--account-sid", demo_data.ACCOUNT_SID,
            "--api-key", demo_data.API_KEY,
            "--api-secret", demo_data.API_SECRET,
            "--auth-token", demo_data.AUTH_TOKEN,
            "--delay-ms", str(self.delay_ms),
            "--status-step-ms", str(self.status_step_ms),
            "--seed", self.seed,
            "--queue-speed", str(self.queue_speed),
            "--public-url", self.url,
        ]  # fmt: skip

    def start(self) -> None:
        """Start on a fresh database and wait for /_sandbox/health; raises StackError."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._kill_leftover()
        if port_is_listening(HOST, self.port):
            raise StackError(f"port {self.port} is busy: cannot start the Twilio stand-in")
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.db_path}{suffix}").unlink(missing_ok=True)
        with self.log_file.open("wb") as out:
            self._proc = subprocess.Popen(
                self.command(),
                cwd=self.project_root,
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
        """Poll the health endpoint, failing fast if the process exits."""
        assert self._proc is not None
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise StackError(
                    f"Twilio stand-in exited with {self._proc.returncode}; see {self.log_file}"
                )
            try:
                if requests.get(f"{self.url}/_sandbox/health", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise StackError(f"Twilio stand-in not ready after {self.ready_timeout:.0f} s")

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM its process group, then SIGKILL."""
        proc, self._proc = self._proc, None
        stop_child(proc, self.pidfile, timeout)

    def _kill_leftover(self) -> None:
        """Stop a stand-in a dead stack left running (per pidfile; the StackLock is held)."""
        stop_orphan(self.pidfile, b"devtools.twilio_sandbox")


class LocalStack(StartStop):
    """Twilio stand-in + `canvas run-plugin` + chart preview, started and stopped together.

    Ports default to free ones; the demo passes 8000 (preview) and 8010 (stand-in).
    `db="postgres"` (or DB=postgres) runs the runner on a throwaway PostgreSQL cluster
    (devtools/postgres.py) instead of the CLI's SQLite file.
    """

    def __init__(
        self,
        *,
        preview_port: int = 0,
        sandbox_port: int = 0,
        delay_ms: int = 0,
        status_step_ms: int = 700,
        seed: str = "demo",
        state_dir: Path | None = None,
        project_root: Path = PROJECT_ROOT,
        lock_wait_seconds: float = 0.0,
        db: str | None = None,
    ) -> None:
        self.project_root = project_root
        self.db = database_choice(db)
        self.lock_wait_seconds = lock_wait_seconds
        self._lock = StackLock()
        self.state_dir = state_dir or project_root / ".stack"
        self.preview_port = preview_port or free_port()
        self.sandbox = SandboxProcess(
            port=sandbox_port or free_port(),
            state_dir=self.state_dir,
            delay_ms=delay_ms,
            status_step_ms=status_step_ms,
            seed=seed,
            project_root=project_root,
        )
        self.postgres = (
            PostgresCluster(self.state_dir, project_root=project_root)
            if self.db == "postgres"
            else None
        )
        self.runner_process = RunnerProcess(
            project_root=project_root, state_dir=self.state_dir, postgres=self.postgres
        )
        self._runner: RunnerClient | None = None
        self._preview: PreviewServer | None = None
        self.timings: dict[str, float] = {}

    # ------------------------------------------------------------------ urls

    @property
    def preview_url(self) -> str:
        """The chart page's base URL (what the plugin calls its public base URL)."""
        return f"http://{HOST}:{self.preview_port}"

    @property
    def sandbox_url(self) -> str:
        """The Twilio stand-in's base URL (the plugin's TwilioApiBaseUrl)."""
        return self.sandbox.url

    @property
    def phone_url(self) -> str:
        """The stand-in's patient-phone page."""
        return f"{self.sandbox.url}/_sandbox/phone"

    @property
    def plugin_api_url(self) -> str:
        """The plugin's route prefix, through the preview."""
        return f"{self.preview_url}/plugin-io/api/{PLUGIN_NAME}"

    @property
    def inbound_url(self) -> str:
        """The URL Twilio should POST inbound messages to."""
        return f"{self.plugin_api_url}/inbound_treatment"

    @property
    def status_url(self) -> str:
        """The URL Twilio should POST status callbacks to."""
        return f"{self.plugin_api_url}/outbound_api_status"

    def patient_url(self, patient_key: str) -> str:
        """The chart page of a patient."""
        return f"{self.preview_url}/patient/{patient_key}"

    # ------------------------------------------------------------------ parts

    @property
    def runner(self) -> RunnerClient:
        """A gRPC client of the running plugin runner."""
        if self._runner is None:
            raise StackError("the stack is not running")
        return self._runner

    @property
    def session_cookie(self) -> tuple[str, str]:
        """(name, value) of the preview's browser-session cookie."""
        if self._preview is None:
            raise StackError("the stack is not running")
        return SESSION_COOKIE, self._preview.session_token

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Start every part (stand-in and runner in parallel, then the preview)."""
        started = time.monotonic()
        self._lock.acquire(self.lock_wait_seconds)
        try:
            extra = self.postgres.plugin_secrets() if self.postgres else None
            write_plugin_secrets(self.sandbox_url, self.preview_url, extra=extra)
            with ThreadPoolExecutor(max_workers=2) as pool:
                sandbox = pool.submit(self._timed, "sandbox", self.sandbox.start)
                runner = pool.submit(self._start_database_and_runner)
                errors = [f.exception() for f in (sandbox, runner)]
            for error in errors:
                if error is not None:
                    raise error
            self._runner = RunnerClient()
            self._preview = PreviewServer(self._runner, HOST, self.preview_port)
            self._timed("preview", self._preview.start)
        except BaseException:
            self.stop()
            raise
        self.timings["total"] = time.monotonic() - started
        log.info("local stack ready in %.1f s %s", self.timings["total"], self._timing_summary())

    def _start_database_and_runner(self) -> None:
        """The cluster first (PostgreSQL only), then the runner that installs into it."""
        if self.postgres is not None:
            self._timed("postgres", self.postgres.start)
        self._timed("runner", self.runner_process.start)

    def _timed(self, name: str, start: Callable[[], None]) -> None:
        """Call a start function and record how long it took."""
        began = time.monotonic()
        start()
        self.timings[name] = time.monotonic() - began

    def _timing_summary(self) -> str:
        parts = (f"{k} {v:.1f} s" for k, v in self.timings.items() if k != "total")
        return "(" + ", ".join(parts) + ")"

    def stop(self) -> None:
        """Stop preview, runner and stand-in (reverse order); log anything left listening."""
        if self._preview is not None:
            self._preview.stop()
            self._preview = None
        if self._runner is not None:
            self._runner.close()
            self._runner = None
        self.runner_process.stop()
        if self.postgres is not None:
            self.postgres.stop()
        self.sandbox.stop()
        remove_plugin_secrets(SECRETS_FILE)
        leftovers = self.listening_ports()
        if leftovers:
            log.error("still listening after stop: %s", leftovers)
        self._lock.release()

    def listening_ports(self) -> list[int]:
        """Which of the stack's ports still accept connections."""
        ports = [(HOST, self.preview_port), (HOST, self.sandbox.port), (RUNNER_HOST, RUNNER_PORT)]
        if self.postgres is not None:
            ports.append((HOST, self.postgres.port))
        return [port for host, port in ports if port_is_listening(host, port)]

    # ------------------------------------------------------------------ test helpers

    def twilio_session(self) -> requests.Session:
        """A requests session authenticated at the stand-in with the demo API key."""
        session = requests.Session()
        session.auth = (demo_data.API_KEY, demo_data.API_SECRET)
        return session

    def twilio_api_url(self, resource: str) -> str:
        """URL of a Twilio REST resource at the stand-in, e.g. 'Messages.json'."""
        return f"{self.sandbox_url}/2010-04-01/Accounts/{demo_data.ACCOUNT_SID}/{resource}"

    def configure_sms_url(self, phone_number: str, url: str | None = None) -> str:
        """Point a practice number's SmsUrl at `url` (default: the plugin's inbound URL).

        Goes to the stand-in directly, as an admin at Twilio's console would. Returns the PN sid.
        """
        with self.twilio_session() as session:
            listing = session.get(
                self.twilio_api_url("IncomingPhoneNumbers.json"),
                params={"PhoneNumber": phone_number},
                timeout=10,
            )
            listing.raise_for_status()
            numbers = [
                n
                for n in listing.json().get("incoming_phone_numbers", [])
                if n.get("phone_number") == phone_number
            ]
            if not numbers:
                raise StackError("that practice number is not at the stand-in")
            sid = str(numbers[0]["sid"])
            update = session.post(
                self.twilio_api_url(f"IncomingPhoneNumbers/{sid}.json"),
                data={"SmsUrl": url or self.inbound_url, "SmsMethod": "POST"},
                timeout=10,
            )
            update.raise_for_status()
            return sid
