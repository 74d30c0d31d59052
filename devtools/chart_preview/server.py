"""The chart preview: a Canvas-like patient chart with the plugin's app in the right pane.

Routes:
- `GET /` redirects to the first demo patient; `GET /patient/<key>` renders the chart and sets
  the session cookie (the stand-in for a Canvas login).
- `* /plugin-io/api/twilio_sms_mms/<path>` runs the request through the runner's two passes.
- `GET /plugin-io/ws/twilio_sms_mms/<channel>/` is a WebSocket fed by Broadcast effects.
- `GET /_preview/health` answers 200 once the server listens.
"""

import asyncio
import datetime
import logging
import re
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import grpc
import jinja2
from aiohttp import web

from devtools import demo_data
from devtools.chart_preview.broadcasts import ChannelHub
from devtools.chart_preview.proxy import (
    SESSION_COOKIE,
    browser_response_headers,
    loggable_path,
    plugin_request_headers,
)
from devtools.runner_client import (
    PLUGIN_NAME,
    AppLaunch,
    BroadcastMessage,
    RunnerClient,
    RunnerError,
    broadcasts_in,
)

log = logging.getLogger("devtools.chart_preview")

API_PREFIX = f"/plugin-io/api/{PLUGIN_NAME}"
WS_PREFIX = f"/plugin-io/ws/{PLUGIN_NAME}"
_CHANNEL_NAME = re.compile(r"[\w-]+")
_TEMPLATES = Path(__file__).parent / "templates"

RUNNER = web.AppKey("runner", RunnerClient)
HUB = web.AppKey("hub", ChannelHub)
SESSION_TOKEN = web.AppKey("session_token", str)
PAGES = web.AppKey("pages", jinja2.Environment)

T = TypeVar("T")


async def _blocking(call: Callable[..., T], *args: Any) -> T:
    """Run a blocking runner call off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, call, *args)


def _has_session(request: web.Request) -> bool:
    """True if the request carries the preview's session cookie (i.e. comes from the browser)."""
    cookie = request.cookies.get(SESSION_COOKIE, "")
    return bool(cookie) and secrets.compare_digest(cookie, request.app[SESSION_TOKEN])


async def _publish(request: web.Request, broadcasts: list[BroadcastMessage]) -> None:
    """Fan out the Broadcast effects a runner call produced."""
    for broadcast in broadcasts:
        await request.app[HUB].publish(broadcast)


def _age(birth_date: str) -> int:
    """Age in whole years today."""
    born = datetime.date.fromisoformat(birth_date)
    today = datetime.date.today()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


# ---------------------------------------------------------------------------- pages


async def index(request: web.Request) -> web.StreamResponse:
    """Open the first demo patient's chart."""
    raise web.HTTPFound(f"/patient/{demo_data.PATIENTS[0].key}")


async def chart_page(request: web.Request) -> web.StreamResponse:
    """Render a demo patient's chart with the app opened for them."""
    patient = demo_data.patient_by_key(request.match_info["patient_key"])
    if patient is None:
        raise web.HTTPNotFound(text="Unknown patient")
    launch: AppLaunch | None = None
    error = ""
    try:
        launch = await _blocking(request.app[RUNNER].open_app, patient.key)
        await _publish(request, broadcasts_in(launch.effects))
    except (RunnerError, grpc.RpcError) as exc:
        error = exc.__class__.__name__ if isinstance(exc, grpc.RpcError) else str(exc)
        log.warning("app did not open: %s", error)
    html = (
        request.app[PAGES]
        .get_template("chart.html")
        .render(
            patient=patient,
            patients=demo_data.PATIENTS,
            staff=demo_data.STAFF,
            age=_age(patient.birth_date),
            launch=launch,
            error=error,
        )
    )
    response = web.Response(text=html, content_type="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.set_cookie(
        SESSION_COOKIE, request.app[SESSION_TOKEN], httponly=True, samesite="Lax", path="/"
    )
    return response


async def favicon(request: web.Request) -> web.StreamResponse:
    """No icon (keeps the browser console free of 404s)."""
    return web.Response(status=204)


async def health(request: web.Request) -> web.StreamResponse:
    """Liveness probe for the stack."""
    return web.json_response({"ok": True})


# ---------------------------------------------------------------------------- plugin routes


async def plugin_api(request: web.Request) -> web.StreamResponse:
    """Hand a request to the plugin as Canvas would (two passes) and return its answer."""
    started = time.monotonic()
    path = request.path[len(API_PREFIX) :]
    headers = plugin_request_headers(request.headers.items(), _has_session(request))
    body = await request.read()
    try:
        result = await _blocking(
            request.app[RUNNER].simple_api,
            request.method,
            path,
            request.rel_url.raw_query_string,
            body,
            headers,
        )
    except grpc.RpcError as exc:
        log.error("runner call failed: %s", exc.__class__.__name__)
        return web.json_response({"error": "plugin runner unavailable"}, status=502)
    await _publish(request, result.broadcasts)
    log.info(
        "%s %s -> %d (%d ms)",
        request.method,
        loggable_path(request.path),
        result.status,
        (time.monotonic() - started) * 1000,
    )
    return web.Response(
        status=result.status, headers=browser_response_headers(result.headers), body=result.body
    )


async def plugin_websocket(request: web.Request) -> web.StreamResponse:
    """Authenticate a socket through the plugin, then feed it the channel's broadcasts."""
    channel = request.match_info["channel"]
    if not _CHANNEL_NAME.fullmatch(channel):
        raise web.HTTPNotFound(text="Invalid channel name")
    headers = plugin_request_headers(request.headers.items(), _has_session(request))
    decision = await _blocking(request.app[RUNNER].websocket_authenticate, channel, headers)
    log.info("WS %s -> %s", loggable_path(channel), "accepted" if decision.accepted else "denied")
    if not decision.accepted:
        return web.json_response({"error": decision.message or "Unauthorized"}, status=403)
    socket = web.WebSocketResponse(heartbeat=30)
    await socket.prepare(request)
    hub = request.app[HUB]
    hub.join(channel, socket)
    try:
        async for _ in socket:
            pass  # Canvas's plugin sockets are push-only; client messages are ignored.
    finally:
        hub.leave(channel, socket)
    return socket


# ---------------------------------------------------------------------------- app


def build_app(runner: RunnerClient, session_token: str | None = None) -> web.Application:
    """Create the preview's aiohttp application."""
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app[RUNNER] = runner
    app[HUB] = ChannelHub()
    app[SESSION_TOKEN] = session_token or secrets.token_urlsafe(24)
    app[PAGES] = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    app.router.add_get("/", index)
    app.router.add_get("/patient/{patient_key}", chart_page)
    app.router.add_get("/_preview/health", health)
    app.router.add_get("/favicon.ico", favicon)
    app.router.add_get(WS_PREFIX + "/{channel}/", plugin_websocket)
    app.router.add_route("*", API_PREFIX + "{tail:(/.*)?}", plugin_api)

    async def close_sockets(app: web.Application) -> None:
        await app[HUB].close_all()

    app.on_shutdown.append(close_sockets)
    return app
