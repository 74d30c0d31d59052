"""Fixtures for the Twilio stand-in tests: a running sandbox, the SDK client, a webhook receiver."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from canvas_sdk.clients.twilio.libraries import SmsClient
from canvas_sdk.clients.twilio.structures import Settings
from canvas_sdk.utils import Http

from devtools.twilio_sandbox import RunningSandbox, SandboxConfig, start_sandbox
from tests.devtools.sandbox_receiver import WebhookReceiver

ACCOUNT_SID = "AC" + "1" * 32
API_KEY = "SK" + "2" * 32
API_SECRET = "sandbox-api-secret"
AUTH_TOKEN = "sandbox-auth-token"
STEP_MS = 60


def sandbox_config(**overrides: object) -> SandboxConfig:
    """Return the test config: demo seed, in-memory DB, free port, fast status steps."""
    values: dict = {
        "account_sid": ACCOUNT_SID,
        "api_key": API_KEY,
        "api_secret": API_SECRET,
        "auth_token": AUTH_TOKEN,
        "seed": "demo",
        "status_step_ms": STEP_MS,
    }
    values.update(overrides)
    return SandboxConfig(**values)


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    """A demo-seeded stand-in on a free port, stopped after the test."""
    running = start_sandbox(sandbox_config())
    yield running
    running.stop()


@pytest.fixture
def sms_client(sandbox: RunningSandbox) -> SmsClient:
    """The SDK's real Twilio client, pointed at the stand-in."""
    client = SmsClient(Settings(account_sid=ACCOUNT_SID, key=API_KEY, secret=API_SECRET))
    client.http = Http(sandbox.rest_base)
    return client


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    """A local HTTP receiver for status callbacks and inbound webhooks."""
    running = WebhookReceiver().start()
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def no_sandbox_threads_left() -> Iterator[None]:
    """Fail a test that leaves a stand-in, timer or callback thread running."""
    yield
    prefixes = ("twilio-sandbox", "sandbox-lifecycle", "sandbox-callback", "sandbox-queue")
    left = [t.name for t in threading.enumerate() if t.name.startswith(prefixes)]
    assert not left, f"threads left running: {left}"
