"""The live-updates WebSocket: Staff sessions with a user id, on one patient's channel."""

import json

import pytest
from canvas_generated.messages.events_pb2 import Event as EventRequest
from canvas_sdk.effects import EffectType
from canvas_sdk.events import Event, EventType

from tests.plugin_harness import SECRETS
from twilio_sms_mms.handlers.live_updates import ThreadUpdates

CHANNEL = "patient_" + "a" * 32


def accepted(channel: str, headers: dict[str, str]) -> bool:
    context = json.dumps({"channel_name": channel, "headers": headers})
    event = Event(EventRequest(type=EventType.SIMPLE_API_WEBSOCKET_AUTHENTICATE, context=context))
    return ThreadUpdates(event, SECRETS, {}).compute()[0].type == (
        EffectType.SIMPLE_API_WEBSOCKET_ACCEPT
    )


@pytest.mark.parametrize("user_id", ["", " ", "\t"])
def test_staff_session_with_an_empty_user_id_is_refused(user_id: str) -> None:
    headers = {"canvas-logged-in-user-type": "Staff", "canvas-logged-in-user-id": user_id}

    assert not accepted(CHANNEL, headers)


def test_staff_session_with_a_user_id_is_accepted() -> None:
    headers = {"canvas-logged-in-user-type": "Staff", "canvas-logged-in-user-id": "staff-1"}

    assert accepted(CHANNEL, headers)


def test_channel_with_a_trailing_newline_is_refused() -> None:
    headers = {"canvas-logged-in-user-type": "Staff", "canvas-logged-in-user-id": "staff-1"}

    assert not accepted(CHANNEL + "\n", headers)
