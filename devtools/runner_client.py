"""Start the real `canvas run-plugin` and talk to it over gRPC the way Canvas does.

`RunnerProcess` owns the runner's lifetime (its own process group, a pidfile under `.stack/`,
SIGTERM then SIGKILL). `RunnerClient` sends events: the two SimpleAPI passes, the app's
on-open, the notification badge and the WebSocket authenticate event.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import json
import logging
import os
import shutil
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import grpc
from canvas_generated.messages.effects_pb2 import EffectType
from canvas_generated.messages.events_pb2 import Event, EventType
from canvas_generated.services.plugin_runner_pb2_grpc import PluginRunnerStub

from devtools.postgres import PostgresCluster, child_env, python_of
from devtools.processes import StartStop, port_is_listening, stop_child, stop_orphan

log = logging.getLogger("devtools.runner")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PLUGIN_NAME = "twilio_sms_mms"
APP_TARGET = "twilio_sms_mms.handlers.sms_form_app:SmsFormApp"
RUNNER_HOST = "127.0.0.1"
RUNNER_PORT = 50051  # fixed by the SDK's plugin_runner.main()
RUNNER_ADDRESS = f"{RUNNER_HOST}:{RUNNER_PORT}"
SEED_FILE = Path("devtools/seed_canvas.py")
MAX_WORKERS = 5  # PLUGIN_RUNNER_MAX_WORKERS: the SDK's default, as on a Canvas instance


class RunnerError(RuntimeError):
    """The runner could not be started, stopped or understood."""


# ---------------------------------------------------------------------------- results


@dataclass(frozen=True)
class RunnerEffect:
    """One effect the runner returned: its type name and its decoded JSON payload."""

    type: str
    payload: Any

    @property
    def data(self) -> dict[str, Any]:
        """The `data` object most effects wrap their values in (empty if absent)."""
        if isinstance(self.payload, dict) and isinstance(self.payload.get("data"), dict):
            return self.payload["data"]
        return {}


@dataclass(frozen=True)
class BroadcastMessage:
    """A Broadcast effect: push `message` to every socket on `channel`."""

    channel: str
    message: dict[str, Any]


@dataclass(frozen=True)
class ApiResult:
    """What Canvas would answer to a SimpleAPI request, plus the request's other effects."""

    status: int
    headers: dict[str, str]
    body: bytes
    effects: tuple[RunnerEffect, ...] = ()

    def json(self) -> Any:
        """The body decoded as JSON (raises ValueError if it is not JSON)."""
        return json.loads(self.body)

    @property
    def broadcasts(self) -> list[BroadcastMessage]:
        """The Broadcast effects this request produced."""
        return broadcasts_in(self.effects)


@dataclass(frozen=True)
class AppLaunch:
    """The LaunchModalEffect returned by the app's on_open."""

    content: str
    target: str
    title: str
    effects: tuple[RunnerEffect, ...] = ()


@dataclass(frozen=True)
class WebSocketDecision:
    """The answer to SIMPLE_API_WEBSOCKET_AUTHENTICATE."""

    accepted: bool
    message: str | None = None


def broadcasts_in(effects: tuple[RunnerEffect, ...]) -> list[BroadcastMessage]:
    """Return the Broadcast effects among `effects`, in order."""
    found = []
    for effect in effects:
        if effect.type != "SIMPLE_API_WEBSOCKET_BROADCAST":
            continue
        data = effect.data
        if isinstance(data.get("channel"), str) and isinstance(data.get("message"), dict):
            found.append(BroadcastMessage(data["channel"], data["message"]))
    return found


def _decode_effect(type_value: int, payload: str) -> RunnerEffect:
    """Turn a protobuf effect into a RunnerEffect."""
    try:
        name = EffectType.Name(type_value)  # type: ignore[arg-type]
    except ValueError:
        name = f"UNKNOWN_{type_value}"
    try:
        decoded: Any = json.loads(payload) if payload else None
    except ValueError:
        decoded = payload
    return RunnerEffect(name, decoded)


def _response_of(effects: tuple[RunnerEffect, ...]) -> ApiResult:
    """Build the HTTP answer from the SIMPLE_API_RESPONSE effect (404 if there is none)."""
    others = tuple(e for e in effects if e.type != "SIMPLE_API_RESPONSE")
    response = next((e for e in effects if e.type == "SIMPLE_API_RESPONSE"), None)
    if response is None or not isinstance(response.payload, dict):
        return ApiResult(404, {}, b"", others)
    payload = response.payload
    headers = {str(k): str(v) for k, v in (payload.get("headers") or {}).items()}
    body = base64.b64decode(payload.get("body") or "")
    return ApiResult(int(payload.get("status_code", 500)), headers, body, others)


# ---------------------------------------------------------------------------- client


class RunnerClient:
    """Sends events to a running plugin runner, as Canvas's home-app does."""

    def __init__(self, address: str = RUNNER_ADDRESS, timeout: float = 30.0) -> None:
        self._channel = grpc.insecure_channel(address)
        self._stub = PluginRunnerStub(self._channel)
        self._timeout = timeout

    def close(self) -> None:
        """Close the gRPC channel."""
        self._channel.close()

    def wait_ready(self, timeout: float) -> None:
        """Block until the runner accepts connections (grpc.FutureTimeoutError on timeout)."""
        grpc.channel_ready_future(self._channel).result(timeout=timeout)

    def send(
        self, event_type: int, context: Mapping[str, Any], target: str = ""
    ) -> tuple[RunnerEffect, ...]:
        """Send one event and return every effect of every streamed response."""
        request = Event(type=event_type, target=target, context=json.dumps(context))  # type: ignore[arg-type]
        effects: list[RunnerEffect] = []
        for response in self._stub.HandleEvent(request, timeout=self._timeout):
            effects.extend(_decode_effect(e.type, e.payload) for e in response.effects)
        return tuple(effects)

    def simple_api(
        self,
        method: str,
        path: str,
        query_string: str = "",
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
    ) -> ApiResult:
        """Run a request through both SimpleAPI passes; `path` is relative to the plugin prefix.

        The authenticate pass carries an empty body; the request pass only runs if it said 200.
        """
        context: dict[str, Any] = {
            "plugin_name": PLUGIN_NAME,
            "method": method.upper(),
            "path": path,
            "query_string": query_string,
            "body": "",
            "headers": dict(headers or {}),
        }
        auth = _response_of(self.send(EventType.SIMPLE_API_AUTHENTICATE, context))
        if auth.status != 200:
            return auth
        context["body"] = base64.b64encode(body).decode()
        return _response_of(self.send(EventType.SIMPLE_API_REQUEST, context))

    def open_app(self, patient_id: str, staff_id: str = "", target: str = APP_TARGET) -> AppLaunch:
        """Open the chart app for a patient; raises RunnerError if it launches nothing.

        With `staff_id` the event's context names the staff member who opened it (`staff.id`).
        Another `target` (module:class) opens another application, e.g. the inbox; an empty
        `patient_id` opens it outside a chart.
        """
        context: dict[str, Any] = {"patient": {"id": patient_id}} if patient_id else {}
        if staff_id:
            context["staff"] = {"id": staff_id}
        effects = self.send(EventType.APPLICATION__ON_OPEN, context, target=target)
        launch = next((e for e in effects if e.type == "LAUNCH_MODAL"), None)
        if launch is None:
            raise RunnerError(f"on_open returned no LaunchModalEffect ({len(effects)} effects)")
        data = launch.data
        others = tuple(e for e in effects if e is not launch)
        return AppLaunch(
            content=str(data.get("content") or ""),
            target=str(data.get("target") or ""),
            title=str(data.get("title") or ""),
            effects=others,
        )

    def notification_badge(self, patient_id: str, staff_id: str) -> int | None:
        """Return the app's badge count for this patient and staff member (None: no badge)."""
        effects = self.send(
            EventType.APPLICATION__GET_NOTIFICATION_BADGE,
            {"patient": {"id": patient_id}, "staff": {"id": staff_id}},
            target=APP_TARGET,
        )
        for effect in effects:
            if effect.type == "SET_APPLICATION_NOTIFICATION_BADGE":
                count = (effect.payload or {}).get("data", {}).get("count")
                return int(count) if count is not None else None
        return None

    def websocket_authenticate(
        self, channel: str, headers: Mapping[str, str] | None = None
    ) -> WebSocketDecision:
        """Ask the plugin whether a socket may join `channel`."""
        context = {
            "plugin_name": PLUGIN_NAME,
            "channel_name": channel,
            "headers": dict(headers or {}),
        }
        effects = self.send(EventType.SIMPLE_API_WEBSOCKET_AUTHENTICATE, context)
        if any(e.type == "SIMPLE_API_WEBSOCKET_ACCEPT" for e in effects):
            return WebSocketDecision(True)
        deny = next((e for e in effects if e.type == "SIMPLE_API_WEBSOCKET_DENY"), None)
        message = deny.data.get("message") if deny else None
        return WebSocketDecision(False, str(message) if message else None)

    def __enter__(self) -> RunnerClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


# ---------------------------------------------------------------------------- process

# Runs in a child process: what `run-plugin --db-seed-file` does before serving.
_BUILD_SEED_DB = """
import sys
from pathlib import Path
import canvas_cli.main  # noqa: F401  (configures Django like the CLI)
from canvas_cli.apps.run_plugins.run_plugins import _reset_db
_reset_db(seed_file=Path(sys.argv[1]))
"""


def canvas_database_path() -> Path:
    """The fixed SQLite file `canvas run-plugin` uses (the SDK's settings.SQLITE_DB_PATH)."""
    import canvas_cli

    site_packages = Path(canvas_cli.__file__).resolve().parent.parent
    if not (site_packages / "settings.py").exists():
        raise RunnerError("cannot locate the SDK's settings.py")
    return site_packages / "canvas_db.sqlite3"


def install_database(snapshot: Path) -> None:
    """Replace the runner's SQLite database by a copy of `snapshot`."""
    target = canvas_database_path()
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    partial = target.with_suffix(".partial")
    shutil.copyfile(snapshot, partial)
    os.replace(partial, target)


@dataclass
class RunnerProcess(StartStop):
    """The plugin runner subprocess, seeded from `devtools/seed_canvas.py`.

    On SQLite (`postgres` is None) it is `canvas run-plugin twilio_sms_mms`. On PostgreSQL the
    CLI refuses to run (it demands SQLite), so `devtools.postgres_sdk` first installs the
    plugin's namespace as an instance's schema manager does, then serves with the SDK's own
    `plugin_runner.main`, which is what `canvas run-plugin` calls. Both run
    `max_workers` request threads (PLUGIN_RUNNER_MAX_WORKERS).
    """

    project_root: Path = PROJECT_ROOT
    state_dir: Path | None = None
    seed_file: Path | None = SEED_FILE
    seed_snapshot: bool = True
    postgres: PostgresCluster | None = None
    max_workers: int = MAX_WORKERS
    ready_timeout: float = 60.0
    stop_timeout: float = 5.0
    _proc: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def _state(self) -> Path:
        return self.state_dir or (self.project_root / ".stack")

    @property
    def pidfile(self) -> Path:
        """Where the running runner's pid (= its process group id) is kept."""
        return self._state / "runner.pid"

    @property
    def log_file(self) -> Path:
        """The runner's combined stdout/stderr."""
        return self._state / "runner.log"

    def start(self) -> None:
        """Start the runner and wait until it serves; raises RunnerError."""
        self._state.mkdir(parents=True, exist_ok=True)
        self.kill_leftover()
        if port_is_listening(RUNNER_HOST, RUNNER_PORT):
            raise RunnerError(
                f"Something already listens on {RUNNER_ADDRESS} (another `canvas run-plugin`?). "
                "Requests would be split between it and a new runner: stop it first "
                "(`ss -ltnp | grep 50051`)."
            )
        started = time.monotonic()
        self._proc = self._spawn(self._prepare_database())
        self.pidfile.write_text(str(self._proc.pid))
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        log.info("runner ready in %.1f s", time.monotonic() - started)

    def _env(self) -> dict[str, str]:
        """Templates from the project, no update check, the workers; SQLite or the cluster."""
        extra = {"PLUGIN_RUNNER_MAX_WORKERS": str(self.max_workers)}
        if self.postgres is not None:
            extra.update(self.postgres.sdk_env())
        return child_env(self.project_root, extra)

    def _prepare_database(self) -> list[str]:
        """Get the database ready; return the extra `canvas run-plugin` arguments still needed."""
        if self.postgres is not None:
            self._install_namespace()
            return []
        return self._prepare_sqlite()

    def _install_namespace(self) -> None:
        """The schema manager's install step: namespace, keys, the plugin's tables."""
        result = subprocess.run(
            [python_of(self.project_root), "-m", "devtools.postgres_sdk", "install", PLUGIN_NAME],
            cwd=self.project_root,
            env=self._env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=120,
            check=False,
        )
        (self._state / "install.log").write_bytes(result.stdout + result.stderr)
        if result.returncode != 0:
            tail = result.stderr.decode(errors="replace").strip().splitlines()[-3:]
            raise RunnerError(f"installing the plugin's namespace failed: {tail}")

    def _prepare_sqlite(self) -> list[str]:
        """Install the seeded database; return the extra CLI arguments still needed.

        Migrating and seeding takes ~4 s per start, so the seeded file is kept under `.stack/`
        (keyed by SDK version and seed sources) and copied into place. Any problem falls back
        to `--db-seed-file`, the CLI's own way.
        """
        if self.seed_file is None:
            return []
        fallback = ["--db-seed-file", str(self.seed_file)]
        if not self.seed_snapshot:
            return fallback
        try:
            install_database(self._seed_snapshot_file())
        except (OSError, RunnerError) as exc:
            log.warning("seed snapshot unavailable (%s); seeding at start", exc)
            return fallback
        return []

    def _seed_snapshot_file(self) -> Path:
        """The seeded database for the current seed sources, built on first use."""
        snapshot = self._state / f"canvas_seed_{self._seed_key()}.sqlite3"
        if snapshot.exists():
            return snapshot
        for stale in self._state.glob("canvas_seed_*.sqlite3"):
            stale.unlink(missing_ok=True)
        log.info("building the seeded Canvas database (once per seed change)")
        build = subprocess.run(
            [
                str(self.project_root / ".venv/bin/python"),
                "-c",
                _BUILD_SEED_DB,
                str(self.seed_file),
            ],
            cwd=self.project_root,
            env=self._env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=120,
        )
        if build.returncode != 0:
            tail = build.stderr.decode(errors="replace").strip().splitlines()[-1:]
            raise RunnerError(f"seeding failed: {tail}")
        partial = snapshot.with_suffix(".partial")
        shutil.copyfile(canvas_database_path(), partial)
        os.replace(partial, snapshot)
        return snapshot

    def _seed_key(self) -> str:
        """Hash of what the seeded database depends on."""
        digest = hashlib.sha256(importlib.metadata.version("canvas").encode())
        assert self.seed_file is not None
        for source in (self.project_root / self.seed_file, PROJECT_ROOT / "devtools/demo_data.py"):
            digest.update(source.read_bytes())
        return digest.hexdigest()[:16]

    def command(self) -> list[str]:
        """The runner's command line (both forms contain `run-plugin twilio_sms_mms`)."""
        if self.postgres is not None:
            python = python_of(self.project_root)
            return [python, "-m", "devtools.postgres_sdk", "run-plugin", PLUGIN_NAME]
        return [str(self.project_root / ".venv/bin/canvas"), "run-plugin", PLUGIN_NAME]

    def _spawn(self, extra_args: list[str]) -> subprocess.Popen[bytes]:
        """Launch the runner in its own process group, output to the log file."""
        command = self.command() + extra_args
        env = self._env()
        with self.log_file.open("wb") as log_out:
            return subprocess.Popen(
                command,
                cwd=self.project_root,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log_out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def _wait_ready(self) -> None:
        """Poll the gRPC channel until ready, failing fast if the process dies."""
        assert self._proc is not None
        deadline = time.monotonic() + self.ready_timeout
        with RunnerClient() as probe:
            while True:
                if self._proc.poll() is not None:
                    raise RunnerError(
                        f"canvas run-plugin exited with {self._proc.returncode}; "
                        f"see {self.log_file}"
                    )
                if time.monotonic() > deadline:
                    raise RunnerError(f"runner not ready after {self.ready_timeout:.0f} s")
                try:
                    probe.wait_ready(timeout=0.25)
                    return
                except grpc.FutureTimeoutError:
                    continue

    def stop(self) -> None:
        """Stop the runner's whole process group (SIGTERM, then SIGKILL)."""
        proc, self._proc = self._proc, None
        stop_child(proc, self.pidfile, self.stop_timeout)

    def kill_leftover(self) -> None:
        """Stop a runner a dead stack left behind (per pidfile; the caller holds the StackLock)."""
        stop_orphan(self.pidfile, b"run-plugin", PLUGIN_NAME.encode(), timeout=self.stop_timeout)

    @property
    def running(self) -> bool:
        """True while the subprocess is alive."""
        return self._proc is not None and self._proc.poll() is None
