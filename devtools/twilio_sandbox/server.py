"""The HTTP server: REST routing with auth/faults/stats, admin routes, and start/stop."""

import logging
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from devtools.twilio_sandbox.admin import dispatch_admin
from devtools.twilio_sandbox.auth import is_authorized
from devtools.twilio_sandbox.config import SandboxConfig
from devtools.twilio_sandbox.context import SandboxContext
from devtools.twilio_sandbox.controls import DropConnection, Faults, Stats
from devtools.twilio_sandbox.dispatch import queue_callbacks, rate_of
from devtools.twilio_sandbox.errors import (
    TwilioError,
    authenticate,
    injected_fault,
    not_found,
)
from devtools.twilio_sandbox.http_types import Reply, Request, json_reply
from devtools.twilio_sandbox.lifecycle import Lifecycle
from devtools.twilio_sandbox.messaging_v1 import (
    V1_PREFIX,
    handle_v1,
    route_kind_v1,
    seed_messaging_demo,
)
from devtools.twilio_sandbox.rest import dispatch, route_kind
from devtools.twilio_sandbox.scheduling import RELEASE_PATH, release_due
from devtools.twilio_sandbox.seed import MAIN_LINE, seed_demo
from devtools.twilio_sandbox.send_queue import QueueClock, SendQueue
from devtools.twilio_sandbox.store import Store
from devtools.twilio_sandbox.twilio_json import API_VERSION

log = logging.getLogger("twilio_sandbox")

ACCOUNTS_PREFIX = f"/{API_VERSION}/Accounts/"
RAW_MEDIA_SUFFIX_PARTS = 4  # Messages/{SM}/Media/{ME}


def _is_raw_media(sub_path: str) -> bool:
    parts = sub_path.split("/")
    return (
        len(parts) == RAW_MEDIA_SUFFIX_PARTS
        and parts[0] == "Messages"
        and parts[2] == "Media"
        and not parts[3].endswith(".json")
    )


def handle_rest(ctx: SandboxContext, request: Request) -> Reply:
    """Answer a request under /2010-04-01/Accounts/: count, delay, fault, auth, then route."""
    rest = request.path[len(ACCOUNTS_PREFIX) :]
    account, _, sub_path = rest.partition("/")
    ctx.stats.count(route_kind(request.method, sub_path)[0])
    delay_ms, fail_status = ctx.faults.take()
    if delay_ms:
        time.sleep(delay_ms / 1000)
    try:
        if fail_status:
            raise injected_fault(fail_status)
        # Twilio serves media content without credentials unless HTTP auth is enforced.
        header = request.headers.get("authorization")
        if not (header is None and _is_raw_media(sub_path)) and not is_authorized(
            header, ctx.config
        ):
            raise authenticate()
        if account != ctx.account_sid:
            raise not_found(request.path)
        return dispatch(ctx, request, sub_path)
    except TwilioError as exc:
        return json_reply(exc.status, exc.body())


def handle_messaging_v1(ctx: SandboxContext, request: Request) -> Reply:
    """Answer a Messaging v1 request under /v1/: count, delay, fault, auth, then route."""
    ctx.stats.count(route_kind_v1(request.method, request.path))
    delay_ms, fail_status = ctx.faults.take()
    if delay_ms:
        time.sleep(delay_ms / 1000)
    try:
        if fail_status:
            raise injected_fault(fail_status)
        if not is_authorized(request.headers.get("authorization"), ctx.config):
            raise authenticate()
        return handle_v1(ctx.store, ctx.account_sid, request)
    except TwilioError as exc:
        return json_reply(exc.status, exc.body())


class SandboxHandler(BaseHTTPRequestHandler):
    """Turns HTTP requests into `Request`s and writes `Reply`s (HTTP/1.0: one request each)."""

    server: "SandboxServer"
    server_version = "TwilioSandbox/1.0"

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        request = Request(
            method=self.command,
            path=parts.path,
            query_pairs=parse_qsl(parts.query, keep_blank_values=True),
            body=self.rfile.read(length) if length else b"",
            headers={key.lower(): value for key, value in self.headers.items()},
        )
        ctx = self.server.ctx
        try:
            if request.path.startswith(ACCOUNTS_PREFIX):
                reply = handle_rest(ctx, request)
            elif request.path == RELEASE_PATH and request.method == "POST":
                reply = release_due(ctx, request)
            elif request.path.startswith(V1_PREFIX):
                reply = handle_messaging_v1(ctx, request)
            elif request.path.startswith("/_sandbox"):
                reply = dispatch_admin(ctx, request)
            elif request.path == "/":
                reply = Reply(302, b"", "text/plain", {"Location": "/_sandbox/phone"})
            else:
                reply = json_reply(404, not_found(request.path).body())
        except DropConnection:
            self.close_connection = True  # stored, never answered: the client sees a drop
            return
        except Exception:
            log.exception("unhandled error on %s %s", request.method, request.path)
            reply = json_reply(500, TwilioError(500, 20500, "Internal Server Error").body())
        self._write(reply)

    def _write(self, reply: Reply) -> None:
        self.send_response(reply.status)
        if reply.status != 204:
            if reply.content_type:
                self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.end_headers()
        if reply.body and self.command != "HEAD" and reply.status != 204:
            self.wfile.write(reply.body)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _handle

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s - %s", self.address_string(), format % args)


class SandboxServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer that carries the sandbox context."""

    daemon_threads = True
    ctx: SandboxContext


@dataclass
class RunningSandbox:
    """A started stand-in: its URL, context, and how to stop it."""

    url: str
    ctx: SandboxContext
    server: SandboxServer
    thread: threading.Thread | None

    @property
    def rest_base(self) -> str:
        """Return `{url}/2010-04-01/Accounts/{AC}/`, the base URL for the SDK's Http."""
        return f"{self.url}{ACCOUNTS_PREFIX}{self.ctx.account_sid}/"

    def stop(self) -> None:
        """Stop serving, the send queue and the status timers, and close the database."""
        self.server.shutdown()
        self.server.server_close()
        if self.thread is not None:
            self.thread.join(timeout=5)
        self.ctx.queue.stop()
        self.ctx.lifecycle.stop()
        self.ctx.store.close()

    def __enter__(self) -> "RunningSandbox":
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def create_sandbox(config: SandboxConfig) -> RunningSandbox:
    """Bind the server and prepare storage and timers, without serving yet."""
    server = SandboxServer((config.host, config.port), SandboxHandler)
    store = Store(config.db_path)
    if config.seed == "demo":
        seed_demo(store, config.account_sid)
        seed_messaging_demo(store, config.account_sid, MAIN_LINE)
    port = int(server.server_address[1])
    host = "127.0.0.1" if config.host in ("0.0.0.0", "") else config.host
    bound_url = f"http://{host}:{port}"
    public_url = (config.public_url or bound_url).rstrip("/")
    lifecycle = Lifecycle(store, config.account_sid, config.auth_token, config.status_step_ms)
    depart, expire = queue_callbacks(lifecycle)
    queue = SendQueue(QueueClock(config.queue_speed), rate_of, depart, expire)
    server.ctx = SandboxContext(
        config=config,
        store=store,
        lifecycle=lifecycle,
        queue=queue,
        public_url=public_url,
        bound_url=bound_url,
        stats=Stats(),
        faults=Faults(config.delay_ms),
    )
    return RunningSandbox(bound_url, server.ctx, server, None)


def start_sandbox(config: SandboxConfig) -> RunningSandbox:
    """Start a stand-in serving in a background thread; call `.stop()` (or use `with`)."""
    running = create_sandbox(config)
    thread = threading.Thread(
        target=running.server.serve_forever,
        kwargs={"poll_interval": 0.1},
        name="twilio-sandbox",
        daemon=True,
    )
    thread.start()
    running.thread = thread
    return running
