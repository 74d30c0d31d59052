"""The local stack itself: it starts, the chart shows the app, the proxy behaves like Canvas."""

from __future__ import annotations

import html
import re

import pytest
import requests

from devtools import demo_data
from devtools.chart_preview.proxy import SESSION_COOKIE
from devtools.runner_client import RUNNER_HOST, RUNNER_PORT, port_is_listening
from devtools.stack import LocalStack

pytestmark = pytest.mark.runner


def _srcdoc(page: str) -> str:
    """The unescaped srcdoc of the app iframe in a chart page."""
    match = re.search(r'<iframe id="app-frame"[^>]*\ssrcdoc="([^"]*)"', page)
    assert match, "no app iframe in the chart page"
    return html.unescape(match.group(1))


def test_every_part_answers(local_stack: LocalStack) -> None:
    assert requests.get(f"{local_stack.sandbox_url}/_sandbox/health", timeout=5).ok
    assert requests.get(f"{local_stack.preview_url}/_preview/health", timeout=5).ok
    assert port_is_listening(RUNNER_HOST, RUNNER_PORT)


def test_chart_shows_the_app_for_maria_in_the_iframe(local_stack: LocalStack) -> None:
    page = requests.get(local_stack.patient_url(demo_data.MARIA.key), timeout=30)

    assert page.status_code == 200
    assert "Maria Lopez" in page.text
    assert page.cookies.get(SESSION_COOKIE)
    app = _srcdoc(page.text)
    assert app.lstrip().lower().startswith("<!doctype html")
    assert demo_data.MARIA.key in app


def test_root_opens_the_first_patient(local_stack: LocalStack) -> None:
    page = requests.get(local_stack.preview_url, timeout=30)

    assert page.url == local_stack.patient_url(demo_data.PATIENTS[0].key)


def test_unknown_patient_is_not_found(local_stack: LocalStack) -> None:
    assert requests.get(local_stack.patient_url("0" * 32), timeout=5).status_code == 404


def test_phone_list_with_the_session_cookie_is_allowed(
    local_stack: LocalStack, browser: requests.Session
) -> None:
    response = browser.get(f"{local_stack.plugin_api_url}/phone_list", timeout=30)

    assert response.status_code == 200
    assert "phones" in response.json()


def test_phone_list_without_a_session_is_refused(local_stack: LocalStack) -> None:
    response = requests.get(f"{local_stack.plugin_api_url}/phone_list", timeout=30)

    assert response.status_code == 401


def test_client_sent_session_headers_are_stripped(local_stack: LocalStack) -> None:
    spoofed = {
        "canvas-logged-in-user-type": "Staff",
        "canvas-logged-in-user-id": demo_data.STAFF.key,
    }
    response = requests.get(f"{local_stack.plugin_api_url}/phone_list", headers=spoofed, timeout=30)

    assert response.status_code == 401


def test_a_wrong_session_cookie_is_no_session(local_stack: LocalStack) -> None:
    response = requests.get(
        f"{local_stack.plugin_api_url}/phone_list",
        cookies={SESSION_COOKIE: "not-the-session"},
        timeout=30,
    )

    assert response.status_code == 401


def test_unknown_plugin_route_is_not_found(
    local_stack: LocalStack, browser: requests.Session
) -> None:
    response = browser.get(f"{local_stack.plugin_api_url}/no_such_route", timeout=30)

    assert response.status_code == 404


def test_nothing_listens_after_stop_and_it_restarts(local_stack: LocalStack) -> None:
    local_stack.stop()

    assert local_stack.listening_ports() == []
    assert not port_is_listening(RUNNER_HOST, RUNNER_PORT)

    local_stack.start()  # the session's other tests still need it
    assert requests.get(f"{local_stack.preview_url}/_preview/health", timeout=5).ok
