"""SmsFormApp.on_open: the three-tab app in the right chart pane, with no Twilio request."""

import json
import re
from pathlib import Path
from typing import Any

import pytest
from canvas_generated.messages.events_pb2 import Event as EventRequest
from canvas_sdk.events import Event, EventType
from canvas_sdk.test_utils.factories import StaffFactory

from tests.plugin_harness import SECRETS, FakeTwilioHttp
from twilio_sms_mms.constants.client_values import client_values
from twilio_sms_mms.handlers.sms_form_app import SmsFormApp

TARGET = "twilio_sms_mms.handlers.sms_form_app:SmsFormApp"
STATIC = Path(__file__).resolve().parents[1] / "twilio_sms_mms" / "static"


def open_app(
    secrets: dict, patient_id: str = "a" * 32, staff: dict | None = None, actor: str = ""
) -> list:
    context: dict[str, Any] = {"patient": {"id": patient_id}}
    if staff is not None:
        context["staff"] = staff
    request = EventRequest(
        type=EventType.APPLICATION__ON_OPEN, target=TARGET, context=json.dumps(context), actor=actor
    )
    return SmsFormApp(Event(request), secrets, {"CUSTOMER_IDENTIFIER": "clinic"}).compute()


def page_of(effects: list) -> str:
    return str(json.loads(effects[0].payload)["data"]["content"])


def app_config(html: str) -> dict:
    match = re.search(
        r'<script id="sms-app-config" type="application/json">(.*?)</script>', html, re.S
    )
    assert match, "the page embeds its configuration with json_script"
    return json.loads(match.group(1))


def test_on_open_launches_the_app_in_the_right_chart_pane(twilio: FakeTwilioHttp) -> None:
    effects = open_app(SECRETS)

    assert len(effects) == 1
    data = json.loads(effects[0].payload)["data"]
    assert data["target"] == "right_chart_pane"
    assert data["title"] == "SMS Twilio"
    html = data["content"]
    assert '<div id="app"></div>' in html, "the views render into #app"
    config = app_config(html)
    assert config["apiBase"] == "/plugin-io/api/twilio_sms_mms"
    assert config["patientId"] == "a" * 32
    assert config["pluginUrls"]["inbound"].endswith(
        "/plugin-io/api/twilio_sms_mms/inbound_treatment"
    )
    assert config["configProblems"] == []
    assert twilio.calls == []


def test_page_is_self_contained(twilio: FakeTwilioHttp) -> None:
    html = json.loads(open_app(SECRETS)[0].payload)["data"]["content"]

    assert not re.search(r"""<(script|link|img)[^>]+(src|href)=["']?(https?:)?//""", html)
    assert "<style>" in html and "function" in html


def test_missing_credentials_reach_the_page_as_problems(twilio: FakeTwilioHttp) -> None:
    html = json.loads(open_app(SECRETS | {"TwilioAPISecret": ""})[0].payload)["data"]["content"]

    assert app_config(html)["configProblems"] == ["TwilioAPISecret is not set"]


def test_hostile_patient_id_cannot_break_out_of_the_config(twilio: FakeTwilioHttp) -> None:
    hostile = "</script><script>window.__xss=1</script>"

    html = json.loads(open_app(SECRETS, hostile)[0].payload)["data"]["content"]

    assert "<script>window.__xss=1" not in html
    assert app_config(html)["patientId"] == hostile


def test_the_page_inlines_the_committed_bundle_verbatim(twilio: FakeTwilioHttp) -> None:
    html = page_of(open_app(SECRETS))

    script = (STATIC / "sms_app.js").read_text(encoding="utf-8")
    stylesheet = (STATIC / "sms_app.css").read_text(encoding="utf-8")
    assert f"<script>{script}</script>" in html
    assert f"<style>{stylesheet}</style>" in html


def test_the_page_gets_the_shared_values_from_python(twilio: FakeTwilioHttp) -> None:
    shared = app_config(page_of(open_app(SECRETS)))["shared"]

    assert shared == client_values()
    assert shared["limits"]["bodyMaxChars"] == 1600
    assert "delivered" in shared["finalStatuses"]


@pytest.mark.parametrize(
    ("staff", "admin"),
    [({"id": "staff-key-1"}, True), ({"id": "staff-key-2"}, False), (None, False), ({}, False)],
    ids=["admin", "not-admin", "no-staff", "empty-staff"],
)
def test_is_admin_follows_admin_staff_ids(
    twilio: FakeTwilioHttp, staff: dict | None, admin: bool
) -> None:
    config = app_config(page_of(open_app(SECRETS, staff=staff)))

    assert config["isAdmin"] is admin


@pytest.mark.django_db
def test_the_acting_user_is_found_when_the_context_names_no_staff(twilio: FakeTwilioHttp) -> None:
    member = StaffFactory()
    actor = str(member.user.dbid)
    admins = SECRETS | {"AdminStaffIds": f"someone-else, {member.id}"}

    assert app_config(page_of(open_app(admins, actor=actor)))["isAdmin"] is True
    assert app_config(page_of(open_app(SECRETS, actor=actor)))["isAdmin"] is False
    assert app_config(page_of(open_app(admins, actor="not-a-dbid")))["isAdmin"] is False
