"""pytest plugin: the local stack (Twilio stand-in + real runner + chart preview) for a session.

Loaded from tests/conftest.py with `pytest_plugins = ["tests.stack_fixtures"]`. Only tests that
ask for `local_stack` (or a fixture built on it) start anything; the stack starts once per
session, because the runner's port 50051 is fixed.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from devtools import demo_data
from devtools.stack import LocalStack

STATUS_STEP_MS = 300


@pytest.fixture(scope="session")
def local_stack() -> Iterator[LocalStack]:
    """The running stack on free ports, fresh stand-in database, fast status callbacks."""
    # Wait a while for another local stack (make bench, another test run) to finish.
    with LocalStack(status_step_ms=STATUS_STEP_MS, lock_wait_seconds=300) as stack:
        yield stack
    leftovers = stack.listening_ports()
    assert not leftovers, f"ports still listening after the stack stopped: {leftovers}"


def browser_session_headers(stack: LocalStack) -> dict[str, str]:
    """Headers that make a request look like the logged-in browser (the session cookie)."""
    name, value = stack.session_cookie
    return {"Cookie": f"{name}={value}"}


@pytest.fixture
def browser_headers(local_stack: LocalStack) -> dict[str, str]:
    """`browser_session_headers` for the session's stack."""
    return browser_session_headers(local_stack)


@pytest.fixture
def browser(local_stack: LocalStack) -> Iterator[requests.Session]:
    """A requests session carrying the chart preview's session cookie (a logged-in clinician)."""
    name, value = local_stack.session_cookie
    with requests.Session() as session:
        session.cookies.set(name, value, domain="127.0.0.1", path="/")
        yield session


@pytest.fixture(scope="session")
def main_line_to_plugin(local_stack: LocalStack) -> str:
    """Point the Main line's SmsUrl at the plugin's inbound URL; return the number's PN sid."""
    return local_stack.configure_sms_url(demo_data.MAIN_LINE.phone_number)
