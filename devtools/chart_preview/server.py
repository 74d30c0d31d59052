"""The chart preview: a Canvas-like patient chart with the plugin's app in the right pane.

Routes:
- `GET /` redirects to the first demo patient; `GET /patient/<key>` renders the chart and sets
  the session cookie (the stand-in for a Canvas login).
- `* /plugin-io/api/twilio_sms_mms/<path>` runs the request through the runner's two passes.
- `GET /plugin-io/ws/twilio_sms_mms/<channel>/` is a WebSocket fed by Broadcast effects.
- `GET /_preview/ws/badges` (session only) is the chart page's WebSocket for the app's
  notification badge: every SET_APPLICATION_NOTIFICATION_BADGE effect of any runner call.
- `GET /_preview/badge/<key>` (session only) answers `{"count": int|null}`, the runner's
  APPLICATION__GET_NOTIFICATION_BADGE for that chart (the page asks again when its socket opens).
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
from devtools.chart_preview.badges import BadgeHub, badges_in
from devtools.chart_preview.broadcasts import ChannelHub
from devtools.chart_preview.proxy import (
    SESSION_COOKIE,
    browser_response_headers,
    loggable_path,
    plugin_request_headers,
)
from devtools.runner_client import (
    APP_TARGET,
    PLUGIN_NAME,
    AppLaunch,
    RunnerClient,
    RunnerEffect,
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
BADGES = web.AppKey("badges", BadgeHub)
SESSION_TOKEN = web.AppKey("session_token", str)
PAGES = web.AppKey("pages", jinja2.Environment)
INBOX_TARGET = "twilio_sms_mms.handlers.sms_inbox_app:SmsInboxApp"

T = TypeVar("T")


async def _blocking(call: Callable[..., T], *args: Any) -> T:
    """Run a blocking runner call off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, call, *args)


def _has_session(request: web.Request) -> bool:
    """True if the request carries the preview's session cookie (i.e. comes from the browser)."""
    cookie = request.cookies.get(SESSION_COOKIE, "")
    return bool(cookie) and secrets.compare_digest(cookie, request.app[SESSION_TOKEN])


async def _publish(request: web.Request, effects: tuple[RunnerEffect, ...]) -> None:
    """Deliver what a runner call produced: Broadcasts to their channels, badges to the charts."""
    for broadcast in broadcasts_in(effects):
        await request.app[HUB].publish(broadcast)
    for badge in badges_in(effects):
        await request.app[BADGES].publish(badge)


async def _initial_badge(request: web.Request, patient_key: str) -> int | None:
    """The app's badge count on this chart, as Canvas asks when it draws the launcher.

    Best effort: the chart page must open even if the runner cannot answer (None: no badge).
    """
    runner = request.app[RUNNER]
    try:
        return await _blocking(runner.notification_badge, patient_key, demo_data.STAFF.key)
    except Exception as exc:  # any failure only hides the badge
        log.warning("notification badge unavailable: %s", exc.__class__.__name__)
        return None


def _age(birth_date: str) -> int:
    """Age in whole years today."""
    born = datetime.date.fromisoformat(birth_date)
    today = datetime.date.today()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


# ---------------------------------------------------------------------------- pages


async def index(request: web.Request) -> web.StreamResponse:
    """Open the first demo patient's chart."""
    raise web.HTTPFound(f"/patient/{demo_data.PATIENTS[0].key}")


async def _open_app(request: web.Request, patient_key: str) -> tuple[AppLaunch | None, str]:
    """Open the app for the chart: (the launch, "") or (None, why it did not open)."""
    try:
        launch = await _blocking(request.app[RUNNER].open_app, patient_key, demo_data.STAFF.key)
    except (RunnerError, grpc.RpcError) as exc:
        error = exc.__class__.__name__ if isinstance(exc, grpc.RpcError) else str(exc)
        log.warning("app did not open: %s", error)
        return None, error
    await _publish(request, launch.effects)
    return launch, ""


async def chart_page(request: web.Request) -> web.StreamResponse:
    """Render a demo patient's chart with the app opened for them."""
    patient = demo_data.patient_by_key(request.match_info["patient_key"])
    if patient is None:
        raise web.HTTPNotFound(text="Unknown patient")
    (launch, error), badge_count = await asyncio.gather(
        _open_app(request, patient.key), _initial_badge(request, patient.key)
    )
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
            badge=badge_count or 0,
            page_config={
                "patientKey": patient.key,
                "staffKey": demo_data.STAFF.key,
                "application": APP_TARGET,
                "badgeSocket": "/_preview/ws/badges",
                "badgeUrl": f"/_preview/badge/{patient.key}",
            },
        )
    )
    response = web.Response(text=html, content_type="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.set_cookie(
        SESSION_COOKIE, request.app[SESSION_TOKEN], httponly=True, samesite="Lax", path="/"
    )
    return response


async def inbox_page(request: web.Request) -> web.StreamResponse:
    """The practice inbox application, opened outside any chart (Canvas's global launcher)."""
    try:
        launch = await _blocking(
            request.app[RUNNER].open_app, "", demo_data.STAFF.key, INBOX_TARGET
        )
        error = ""
    except (RunnerError, grpc.RpcError) as exc:
        launch, error = None, exc.__class__.__name__
    html = (
        request.app[PAGES]
        .get_template("inbox.html")
        .render(patients=demo_data.PATIENTS, staff=demo_data.STAFF, launch=launch, error=error)
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


async def badge_count(request: web.Request) -> web.StreamResponse:
    """The app's current badge count on a chart (for the chart page, after its socket opens)."""
    if not _has_session(request):
        return web.json_response({"error": "Unauthorized"}, status=403)
    patient = demo_data.patient_by_key(request.match_info["patient_key"])
    if patient is None:
        raise web.HTTPNotFound(text="Unknown patient")
    response = web.json_response({"count": await _initial_badge(request, patient.key)})
    response.headers["Cache-Control"] = "no-store"
    return response


async def badge_websocket(request: web.Request) -> web.StreamResponse:
    """A chart page's feed of notification-badge updates (push-only, session only)."""
    if not _has_session(request):
        log.info("WS badges -> denied")
        return web.json_response({"error": "Unauthorized"}, status=403)
    socket = web.WebSocketResponse(heartbeat=30)
    await socket.prepare(request)
    hub = request.app[BADGES]
    hub.join(socket)
    try:
        async for _ in socket:
            pass  # push-only: client messages are ignored
    finally:
        hub.leave(socket)
    return socket


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
    await _publish(request, result.effects)
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
    app[BADGES] = BadgeHub()
    app[SESSION_TOKEN] = session_token or secrets.token_urlsafe(24)
    app[PAGES] = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    app.router.add_get("/", index)
    app.router.add_get("/patient/{patient_key}", chart_page)
    app.router.add_get("/inbox", inbox_page)
    app.router.add_get("/_preview/health", health)
    app.router.add_get("/_preview/ws/badges", badge_websocket)
    app.router.add_get("/_preview/badge/{patient_key}", badge_count)
    app.router.add_get("/favicon.ico", favicon)
    app.router.add_get(WS_PREFIX + "/{channel}/", plugin_websocket)
    app.router.add_route("*", API_PREFIX + "{tail:(/.*)?}", plugin_api)

    async def close_sockets(app: web.Application) -> None:
        await app[HUB].close_all()
        await app[BADGES].close_all()

    app.on_shutdown.append(close_sockets)
    return app
