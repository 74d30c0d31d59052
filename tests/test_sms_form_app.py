"""SmsFormApp.on_open: the three-tab app in the right chart pane, with no Twilio request."""

import json
import re

from canvas_generated.messages.events_pb2 import Event as EventRequest
from canvas_sdk.events import Event, EventType

from tests.plugin_harness import SECRETS, FakeTwilioHttp
from twilio_sms_mms.handlers.sms_form_app import SmsFormApp

TARGET = "twilio_sms_mms.handlers.sms_form_app:SmsFormApp"


def open_app(secrets: dict, patient_id: str = "a" * 32) -> list:
    context = json.dumps({"patient": {"id": patient_id}})
    event = Event(EventRequest(type=EventType.APPLICATION__ON_OPEN, target=TARGET, context=context))
    return SmsFormApp(event, secrets, {"CUSTOMER_IDENTIFIER": "clinic"}).compute()


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
    for tab in ("Log", "Send", "Phones"):
        assert re.search(rf">\s*{tab}\s*<", html), tab
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
