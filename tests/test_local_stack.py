"""The local stack itself: it starts, the chart shows the app, the proxy behaves like Canvas.

Tests marked `runner` use the real stack; the others drive the chart preview against a fake
runner, to pin down what Canvas does (session headers, Broadcast fan-out, log hygiene).
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import re
from collections.abc import Coroutine, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar, cast

import aiohttp
import pytest
import requests

from devtools import demo_data
from devtools.chart_preview import PreviewServer
from devtools.chart_preview.proxy import SESSION_COOKIE
from devtools.processes import StackBusyError, port_is_listening
from devtools.runner_client import (
    APP_TARGET,
    RUNNER_HOST,
    RUNNER_PORT,
    ApiResult,
    AppLaunch,
    RunnerClient,
    RunnerEffect,
    WebSocketDecision,
)
from devtools.stack import LocalStack

runner = pytest.mark.runner
T = TypeVar("T")


def handshake_status(url: str) -> int:
    """The HTTP status a WebSocket handshake without a session gets (101 when accepted)."""

    async def connect() -> int:
        async with aiohttp.ClientSession() as session:
            try:
                socket = await session.ws_connect(url)
            except aiohttp.WSServerHandshakeError as refused:
                return refused.status
            await socket.close()
        return 101

    return run_in_own_loop(connect())


def run_in_own_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run in a fresh thread: Playwright's sync API may own this thread's event loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _srcdoc(page: str) -> str:
    """The unescaped srcdoc of the app iframe in a chart page."""
    match = re.search(r'<iframe id="app-frame"[^>]*\ssrcdoc="([^"]*)"', page)
    assert match, "no app iframe in the chart page"
    return html.unescape(match.group(1))


@runner
def test_every_part_answers(local_stack: LocalStack) -> None:
    assert requests.get(f"{local_stack.sandbox_url}/_sandbox/health", timeout=5).ok
    assert requests.get(f"{local_stack.preview_url}/_preview/health", timeout=5).ok
    assert port_is_listening(RUNNER_HOST, RUNNER_PORT)


@runner
def test_chart_shows_the_app_for_maria_in_the_iframe(local_stack: LocalStack) -> None:
    page = requests.get(local_stack.patient_url(demo_data.MARIA.key), timeout=30)

    assert page.status_code == 200
    assert "Maria Lopez" in page.text
    assert page.cookies.get(SESSION_COOKIE)
    app = _srcdoc(page.text)
    assert app.lstrip().lower().startswith("<!doctype html")
    assert demo_data.MARIA.key in app


@runner
def test_root_opens_the_first_patient(local_stack: LocalStack) -> None:
    page = requests.get(local_stack.preview_url, timeout=30)

    assert page.url == local_stack.patient_url(demo_data.PATIENTS[0].key)


@runner
def test_unknown_patient_is_not_found(local_stack: LocalStack) -> None:
    assert requests.get(local_stack.patient_url("0" * 32), timeout=5).status_code == 404


@runner
def test_phone_list_with_the_session_cookie_is_allowed(
    local_stack: LocalStack, browser: requests.Session
) -> None:
    response = browser.get(f"{local_stack.plugin_api_url}/phone_list", timeout=30)

    assert response.status_code == 200
    assert "phones" in response.json()


@runner
def test_phone_list_without_a_session_is_refused(local_stack: LocalStack) -> None:
    response = requests.get(f"{local_stack.plugin_api_url}/phone_list", timeout=30)

    assert response.status_code == 401


@runner
def test_client_sent_session_headers_are_stripped(local_stack: LocalStack) -> None:
    spoofed = {
        "canvas-logged-in-user-type": "Staff",
        "canvas-logged-in-user-id": demo_data.STAFF.key,
    }
    response = requests.get(f"{local_stack.plugin_api_url}/phone_list", headers=spoofed, timeout=30)

    assert response.status_code == 401


@runner
def test_a_wrong_session_cookie_is_no_session(local_stack: LocalStack) -> None:
    response = requests.get(
        f"{local_stack.plugin_api_url}/phone_list",
        cookies={SESSION_COOKIE: "not-the-session"},
        timeout=30,
    )

    assert response.status_code == 401


@runner
def test_unknown_plugin_route_is_not_found(
    local_stack: LocalStack, browser: requests.Session
) -> None:
    response = browser.get(f"{local_stack.plugin_api_url}/no_such_route", timeout=30)

    assert response.status_code == 404


@runner
def test_nothing_listens_after_stop_and_it_restarts(local_stack: LocalStack) -> None:
    local_stack.stop()

    assert local_stack.listening_ports() == []
    assert not port_is_listening(RUNNER_HOST, RUNNER_PORT)

    local_stack.start()  # the session's other tests still need it
    assert requests.get(f"{local_stack.preview_url}/_preview/health", timeout=5).ok


# ---------------------------------------------------------------------------- fake runner


class FakeRunner:
    """Records what the preview sends; answers like the plugin would."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.socket_headers: list[dict[str, str]] = []
        self.opened_by: list[str] = []

    def simple_api(
        self, method: str, path: str, query_string: str, body: bytes, headers: Mapping[str, str]
    ) -> ApiResult:
        self.requests.append(
            {
                "method": method,
                "path": path,
                "query": query_string,
                "body": body,
                "headers": headers,
            }
        )
        broadcast = RunnerEffect(
            "SIMPLE_API_WEBSOCKET_BROADCAST",
            {"data": {"channel": "inbox", "message": {"event": "message", "sid": "SM1"}}},
        )
        return ApiResult(
            202, {"Content-Type": "text/plain", "X-Plugin": "yes"}, b"ok", (broadcast,)
        )

    def websocket_authenticate(self, channel: str, headers: Mapping[str, str]) -> WebSocketDecision:
        self.socket_headers.append(dict(headers))
        return WebSocketDecision(headers.get("canvas-logged-in-user-type") == "Staff")

    def open_app(self, patient_id: str, staff_id: str = "") -> AppLaunch:
        self.opened_by.append(staff_id)
        return AppLaunch('<p class="x">app for ' + patient_id + "</p>", "right_chart_pane", "SMS")


@pytest.fixture
def fake_preview() -> Iterator[tuple[PreviewServer, FakeRunner]]:
    """The chart preview on a free port, in front of a FakeRunner."""
    fake = FakeRunner()
    server = PreviewServer(cast(RunnerClient, fake), port=0)
    with server:
        yield server, fake


def test_preview_adds_staff_headers_only_for_the_session_and_strips_spoofed_ones(
    fake_preview: tuple[PreviewServer, FakeRunner],
) -> None:
    server, fake = fake_preview
    url = f"{server.url}/plugin-io/api/twilio_sms_mms/inbound_treatment?a=%2B1&b=2"
    spoof = {"canvas-logged-in-user-type": "Staff", "X-Twilio-Signature": "sig"}

    webhook = requests.post(url, data=b"Body=hi", headers=spoof, timeout=5)
    browser = requests.post(
        url, data=b"x", cookies={SESSION_COOKIE: server.session_token}, timeout=5
    )

    assert webhook.status_code == 202 and webhook.text == "ok"
    assert webhook.headers["X-Plugin"] == "yes"
    first, second = fake.requests
    assert first["path"] == "/inbound_treatment"
    assert first["query"] == "a=%2B1&b=2"
    assert first["body"] == b"Body=hi"
    assert first["headers"]["x-twilio-signature"] == "sig"
    assert not any(k.startswith("canvas-logged-in-user-") for k in first["headers"])
    assert second["headers"]["canvas-logged-in-user-type"] == "Staff"
    assert second["headers"]["canvas-logged-in-user-id"] == demo_data.STAFF.key
    assert "cookie" not in second["headers"]
    assert browser.status_code == 202


def test_broadcasts_reach_authenticated_sockets_on_their_channel(
    fake_preview: tuple[PreviewServer, FakeRunner],
) -> None:
    server, fake = fake_preview

    async def scenario() -> str:
        cookies = {SESSION_COOKIE: server.session_token}
        async with aiohttp.ClientSession(cookies=cookies) as session:
            socket_url = f"{server.url}/plugin-io/ws/twilio_sms_mms/inbox/"
            async with session.ws_connect(socket_url) as socket:
                # A webhook (no session) whose handling broadcasts on "inbox".
                await asyncio.to_thread(
                    requests.post,
                    f"{server.url}/plugin-io/api/twilio_sms_mms/inbound_treatment",
                    data=b"",
                    timeout=5,
                )
                return await socket.receive_str(timeout=5)

    received = run_in_own_loop(scenario())

    assert json.loads(received) == {"event": "message", "sid": "SM1"}
    assert fake.socket_headers[0]["canvas-logged-in-user-type"] == "Staff"


def test_sockets_without_a_session_are_refused(
    fake_preview: tuple[PreviewServer, FakeRunner],
) -> None:
    server, _ = fake_preview

    assert handshake_status(f"{server.url}/plugin-io/ws/twilio_sms_mms/inbox/") == 403


def test_proxy_log_lines_hide_phone_numbers_and_queries(
    fake_preview: tuple[PreviewServer, FakeRunner], caplog: pytest.LogCaptureFixture
) -> None:
    server, _ = fake_preview
    caplog.set_level(logging.INFO, logger="devtools.chart_preview")
    path = "/plugin-io/api/twilio_sms_mms/message_list/+15550100001/from"

    requests.get(f"{server.url}{path}?page=secret-token", timeout=5)

    lines = [r.getMessage() for r in caplog.records if "message_list" in r.getMessage()]
    assert lines and "GET" in lines[0] and "202" in lines[0]
    assert "15550100001" not in lines[0] and "secret-token" not in lines[0]


def test_chart_page_escapes_the_app_into_srcdoc(
    fake_preview: tuple[PreviewServer, FakeRunner],
) -> None:
    server, runner = fake_preview

    page = requests.get(f"{server.url}/patient/{demo_data.ADA.key}", timeout=5)

    assert 'srcdoc="&lt;p class=&#34;x&#34;&gt;app for ' in page.text
    assert _srcdoc(page.text) == f'<p class="x">app for {demo_data.ADA.key}</p>'
    assert runner.opened_by == [demo_data.STAFF.key]  # as the logged-in staff member


@runner
def test_a_second_stack_is_refused_and_the_first_keeps_serving(
    local_stack: LocalStack, browser: requests.Session
) -> None:
    second = LocalStack()

    with pytest.raises(StackBusyError, match="another local stack is running"):
        second.start()

    assert browser.get(f"{local_stack.plugin_api_url}/phone_list", timeout=10).status_code == 200


# ---------------------------------------------------------------------------- notification badge


class BadgeRunner(FakeRunner):
    """A FakeRunner whose requests also set the app's badge, and that knows the initial count."""

    def __init__(self, count: int | None) -> None:
        super().__init__()
        self.count = count
        self.badge_questions: list[tuple[str, str]] = []

    def simple_api(
        self, method: str, path: str, query_string: str, body: bytes, headers: Mapping[str, str]
    ) -> ApiResult:
        result = super().simple_api(method, path, query_string, body, headers)
        badge = RunnerEffect(
            "SET_APPLICATION_NOTIFICATION_BADGE",
            {
                "data": {
                    "application_identifier": APP_TARGET,
                    "count": 2,
                    "patient_ids": [demo_data.MARIA.key],
                    "staff_ids": [],
                }
            },
        )
        malformed = RunnerEffect("SET_APPLICATION_NOTIFICATION_BADGE", {"data": {"count": -1}})
        return ApiResult(
            result.status, result.headers, result.body, (*result.effects, malformed, badge)
        )

    def notification_badge(self, patient_id: str, staff_id: str) -> int | None:
        self.badge_questions.append((patient_id, staff_id))
        return self.count


@pytest.fixture
def badge_preview() -> Iterator[tuple[PreviewServer, BadgeRunner]]:
    """The chart preview in front of a BadgeRunner whose initial count is 3."""
    fake = BadgeRunner(3)
    server = PreviewServer(cast(RunnerClient, fake), port=0)
    with server:
        yield server, fake


def _badge_pill(page: str) -> str:
    match = re.search(r'<span id="app-badge"[^>]*>[^<]*</span>', page)
    assert match, "no badge pill in the chart page"
    return match.group(0)


def test_chart_page_shows_the_runners_initial_badge(
    badge_preview: tuple[PreviewServer, BadgeRunner],
) -> None:
    server, fake = badge_preview

    page = requests.get(f"{server.url}/patient/{demo_data.MARIA.key}", timeout=5)

    pill = _badge_pill(page.text)
    assert 'data-count="3"' in pill and " hidden" not in pill and pill.endswith(">3</span>")
    assert fake.badge_questions == [(demo_data.MARIA.key, demo_data.STAFF.key)]


def test_chart_page_hides_the_badge_when_the_runner_has_none(
    fake_preview: tuple[PreviewServer, FakeRunner],
) -> None:
    server, _ = fake_preview  # FakeRunner cannot answer the badge question at all

    page = requests.get(f"{server.url}/patient/{demo_data.MARIA.key}", timeout=5)

    assert page.status_code == 200
    pill = _badge_pill(page.text)
    assert 'data-count="0"' in pill and " hidden" in pill


def test_badge_effects_of_webhooks_reach_every_chart_page(
    badge_preview: tuple[PreviewServer, BadgeRunner], caplog: pytest.LogCaptureFixture
) -> None:
    server, _ = badge_preview
    caplog.set_level(logging.INFO, logger="devtools.chart_preview")

    async def scenario() -> list[str]:
        cookies = {SESSION_COOKIE: server.session_token}
        async with aiohttp.ClientSession(cookies=cookies) as session:
            socket_url = f"{server.url}/_preview/ws/badges"
            async with session.ws_connect(socket_url) as one, session.ws_connect(socket_url) as two:
                # A webhook (no session) whose handling sets the badge.
                await asyncio.to_thread(
                    requests.post,
                    f"{server.url}/plugin-io/api/twilio_sms_mms/inbound_treatment",
                    data=b"From=%2B15550123456&Body=secret",
                    timeout=5,
                )
                return [await one.receive_str(timeout=5), await two.receive_str(timeout=5)]

    received = run_in_own_loop(scenario())

    expected = {
        "type": "badge",
        "application": APP_TARGET,
        "count": 2,
        "patientIds": [demo_data.MARIA.key],
        "staffIds": [],
    }
    assert [json.loads(text) for text in received] == [expected, expected]
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "delivered to 2 chart page(s)" in logged
    assert "15550123456" not in logged and "secret" not in logged


def test_badge_count_and_socket_need_the_session(
    badge_preview: tuple[PreviewServer, BadgeRunner],
) -> None:
    server, _ = badge_preview
    count_url = f"{server.url}/_preview/badge/{demo_data.MARIA.key}"

    assert handshake_status(f"{server.url}/_preview/ws/badges") == 403
    assert requests.get(count_url, timeout=5).status_code == 403
    allowed = requests.get(count_url, cookies={SESSION_COOKIE: server.session_token}, timeout=5)
    assert allowed.json() == {"count": 3}
