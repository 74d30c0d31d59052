"""The WebSocket that carries a patient's live updates, and the app's notification badge."""

import json

import pytest
from canvas_generated.messages.events_pb2 import Event as EventRequest
from canvas_sdk.effects import EffectType
from canvas_sdk.events import Event, EventType
from canvas_sdk.test_utils.factories import PatientFactory
from canvas_sdk.v1.data import PatientContactPoint

from tests.plugin_harness import SECRETS
from tests.test_patient_texting import add_phone
from tests.test_webhooks import inbound_params, post_signed
from twilio_sms_mms.handlers.live_updates import ThreadUpdates
from twilio_sms_mms.handlers.sms_form_app import SmsFormApp
from twilio_sms_mms.services import storage

STAFF = {"canvas-logged-in-user-type": "Staff", "canvas-logged-in-user-id": "s1"}


def connect(channel: str, headers: dict[str, str]) -> int:
    context = json.dumps({"channel_name": channel, "headers": headers})
    event = Event(EventRequest(type=EventType.SIMPLE_API_WEBSOCKET_AUTHENTICATE, context=context))
    return ThreadUpdates(event, SECRETS, {}).compute()[0].type


@pytest.mark.parametrize(
    ("channel", "headers", "accepted"),
    [
        ("patient_" + "a" * 32, STAFF, True),
        ("patient_" + "a" * 32, {}, False),
        (
            "patient_" + "a" * 32,
            {"canvas-logged-in-user-type": "Patient", "canvas-logged-in-user-id": "p"},
            False,
        ),
        ("everything", STAFF, False),
    ],
)
def test_only_staff_join_patient_channels(
    channel: str, headers: dict[str, str], accepted: bool
) -> None:
    expected = (
        EffectType.SIMPLE_API_WEBSOCKET_ACCEPT if accepted else EffectType.SIMPLE_API_WEBSOCKET_DENY
    )

    assert connect(channel, headers) == expected


def test_badge_counts_unread_texts_from_the_patients_numbers() -> None:
    patient = PatientFactory()
    add_phone(patient, "+15550123456")
    post_signed("/inbound_treatment", inbound_params(MessageSid="SM" + "1" * 32))
    post_signed("/inbound_treatment", inbound_params(MessageSid="SM" + "2" * 32))
    context = json.dumps({"patient": {"id": str(patient.id)}})
    event = Event(
        EventRequest(
            type=EventType.APPLICATION__GET_NOTIFICATION_BADGE,
            target="twilio_sms_mms.handlers.sms_form_app:SmsFormApp",
            context=context,
        )
    )
    app = SmsFormApp(event, SECRETS, {})

    assert app.compute_notification_badge() == 2


def badge_of(patient_id: str) -> int | None:
    context = json.dumps({"patient": {"id": patient_id}})
    event = Event(
        EventRequest(
            type=EventType.APPLICATION__GET_NOTIFICATION_BADGE,
            target="twilio_sms_mms.handlers.sms_form_app:SmsFormApp",
            context=context,
        )
    )
    return SmsFormApp(event, SECRETS, {}).compute_notification_badge()


def test_badges_follow_each_patients_links_not_todays_numbers() -> None:
    mother, child = PatientFactory(), PatientFactory()
    add_phone(mother, "+15550123456")
    add_phone(child, "+15550123456")
    post_signed("/inbound_treatment", inbound_params(MessageSid="SM" + "1" * 32))
    storage.mark_read(str(mother.id))
    PatientContactPoint.objects.filter(patient=child).update(state="deleted")

    assert (badge_of(str(mother.id)), badge_of(str(child.id))) == (0, 1)
