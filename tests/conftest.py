"""Shared fixtures: plugin context for the SDK's plugin-only helpers, a clean cache, fake Twilio."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import caches
from pytest_mock import MockerFixture

from tests.plugin_harness import FakeTwilioHttp
from twilio_sms_mms.services import storage

pytest_plugins = ["tests.stack_fixtures"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PLUGIN_MODULES = (
    "twilio_sms_mms.services.twilio_service",
    "twilio_sms_mms.services.patients",
    "twilio_sms_mms.handlers.sms_form_app",
    "twilio_sms_mms.handlers.sms_inbox_app",
)


@pytest.fixture(scope="session", autouse=True)
def custom_data_tables(django_db_setup: None, django_db_blocker: Any) -> None:
    """Create the plugin's CustomModel tables, as the runner does from the manifest."""
    from plugin_runner.ddl import execute_create_table_sql, generate_create_table_sql
    from plugin_runner.installation import register_plugin_app_config

    from twilio_sms_mms.models import attachments, records

    register_plugin_app_config("twilio_sms_mms")
    with django_db_blocker.unblock():
        for model in (
            records.TextMessage,
            records.MessageLink,
            records.SendAttempt,
            records.OptOut,
            records.AuditEntry,
            records.DataMigration,
            records.AutoReply,
            records.Conversation,
        ):
            execute_create_table_sql(generate_create_table_sql("twilio__sms_mms", model))
        for model in (attachments.Attachment, attachments.AttachmentChunk):
            execute_create_table_sql(generate_create_table_sql("twilio__sms_mms", model))


@pytest.fixture(autouse=True)
def plugin_context(mocker: MockerFixture) -> Iterator[None]:
    """Let get_cache/render_to_string see a plugin caller, as they do inside the runner."""
    import importlib

    for name in PLUGIN_MODULES:
        module = importlib.import_module(name)
        mocker.patch.dict(module.__dict__, {"__is_plugin__": True})
    mocker.patch("canvas_sdk.utils.plugins.PLUGIN_DIRECTORY", str(PROJECT_ROOT))
    caches["plugins"].clear()
    storage.APPLIED_MIGRATIONS.clear()  # each test starts from its own database
    yield
    caches["plugins"].clear()
    storage.APPLIED_MIGRATIONS.clear()


@pytest.fixture
def twilio(mocker: MockerFixture) -> FakeTwilioHttp:
    """Twilio's REST API, faked at `requests.Session.request`."""
    fake = FakeTwilioHttp()
    mocker.patch("requests.Session.request", side_effect=fake.handle)
    return fake
