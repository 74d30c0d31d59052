"""POST /sms_send: validation before Twilio, one request per send, Twilio's refusals explained."""

from typing import Any
from uuid import uuid4

import pytest

from tests import twilio_json as tj
from tests.plugin_harness import STAFF, FakeTwilioHttp, Recorded, call_route

MAIN = {"numberFrom": "+15550100001", "numberFromSid": tj.sid("PN", 1)}
DESK = {"numberFrom": "+15550100002", "numberFromSid": tj.sid("PN", 2)}
STATUS_URL = "https://clinic.example.org/plugin-io/api/twilio_sms_mms/outbound_api_status"


def send(payload: dict[str, Any]) -> Any:
    """A send to a number on no chart (confirmed), with a fresh idempotency key."""
    fields = {"clientRequestId": uuid4().hex, "confirmNoConsent": True} | payload
    return call_route("POST", "/sms_send", body=fields, headers=STAFF)


def created(call: Recorded) -> tuple[int, dict]:
    media = call.form.get("MediaUrl", [])
    return 201, tj.message(
        42,
        body=call.form.get("Body", [""])[0],
        status="queued",
        date_sent=None,
        num_media=str(len(media)),
        number_from=call.form["From"][0],
        number_to=call.form["To"][0],
    )


@pytest.fixture
def account(twilio: FakeTwilioHttp) -> FakeTwilioHttp:
    twilio.on("GET", rf"/IncomingPhoneNumbers/{tj.sid('PN', 1)}\.json", (200, tj.phone(1)))
    twilio.on(
        "GET",
        rf"/IncomingPhoneNumbers/{tj.sid('PN', 2)}\.json",
        (200, tj.phone(2, number="+15550100002", mms=False, label="Front desk")),
    )
    twilio.on("POST", r"/Messages\.json", created)
    return twilio


def test_send_sms_returns_the_created_message(account: FakeTwilioHttp) -> None:
    result = send(MAIN | {"numberTo": "+15550123456", "text": "See you at 9", "callbackUrl": ""})

    assert result.status == 201
    message = result.json()["message"]
    assert message["status"] == "queued"
    assert message["encoding"] == "GSM-7" and message["segments"] == 1
    post = account.calls[-1]
    assert post.form == {
        "To": ["+15550123456"],
        "From": ["+15550100001"],
        "Body": ["See you at 9"],
        "StatusCallback": [STATUS_URL],
    }


def test_second_send_reuses_cached_capabilities(account: FakeTwilioHttp) -> None:
    payload = MAIN | {"numberTo": "+15550123456", "text": "hi", "callbackUrl": ""}
    send(payload)
    before = len(account.calls)

    send(payload)

    assert len(account.calls) - before == 1
    assert account.calls[-1].method == "POST"


def test_phone_list_warms_the_capability_cache(account: FakeTwilioHttp) -> None:
    account.on(
        "GET",
        r"/IncomingPhoneNumbers\.json",
        (200, tj.page("incoming_phone_numbers", [tj.phone(1)])),
    )
    call_route("GET", "/phone_list", headers=STAFF)
    before = len(account.calls)

    send(MAIN | {"numberTo": "+15550123456", "text": "hi", "callbackUrl": ""})

    assert [c.method for c in account.calls[before:]] == ["POST"]


def test_send_mms_with_several_urls(account: FakeTwilioHttp) -> None:
    urls = [f"https://clinic.example.org/img/{n}.png" for n in range(3)]

    result = send(
        MAIN
        | {
            "numberTo": "+15550123456",
            "text": "",
            "mediaUrl": urls,
            "callbackUrl": "https://hooks.example.org/cb",
        }
    )

    assert result.status == 201
    assert account.calls[-1].form["MediaUrl"] == urls
    assert "Body" not in account.calls[-1].form
    assert account.calls[-1].form["StatusCallback"] == ["https://hooks.example.org/cb"]
    assert result.json()["message"]["mediaCount"] == 3


def test_mms_from_an_sms_only_number_is_refused_after_a_fresh_look(account: FakeTwilioHttp) -> None:
    result = send(
        DESK | {"numberTo": "+15550123456", "text": "x", "mediaUrl": "https://a.example/x.png"}
    )

    assert result.status == 400
    assert result.json()["error"]["field"] == "mediaUrl"
    assert "Front desk cannot send MMS" in result.json()["error"]["message"]
    assert [c.method for c in account.calls] == ["GET"]


def test_sender_sid_must_match_the_sender_number(account: FakeTwilioHttp) -> None:
    result = send(
        {
            "numberFrom": "+15550100002",
            "numberFromSid": tj.sid("PN", 1),
            "numberTo": "+15550123456",
            "text": "x",
        }
    )

    assert result.status == 400
    assert result.json()["error"]["field"] == "numberFromSid"


def test_unicode_text_reports_ucs2_segments(account: FakeTwilioHttp) -> None:
    result = send(MAIN | {"numberTo": "+15550123456", "text": "Hello 👋 " * 10})

    assert result.json()["message"]["encoding"] == "UCS-2"


def test_us_number_with_punctuation_is_normalised(account: FakeTwilioHttp) -> None:
    send(MAIN | {"numberTo": "(555) 012-3456", "text": "hi"})

    assert account.calls[-1].form["To"] == ["+15550123456"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"numberTo": "12", "text": "hi"}, "numberTo"),
        ({"numberTo": "+15550123456", "text": ""}, "text"),
        ({"numberTo": "+15550123456", "text": "   "}, "text"),
        ({"numberTo": "+15550123456", "text": "x" * 1601}, "text"),
        ({"numberTo": "+15550123456", "text": 5}, "text"),
        (
            {"numberTo": "+15550123456", "text": "hi", "mediaUrl": "http://insecure.example/x.png"},
            "mediaUrl",
        ),
        (
            {
                "numberTo": "+15550123456",
                "text": "hi",
                "mediaUrl": [f"https://a.example/{n}" for n in range(11)],
            },
            "mediaUrl",
        ),
        ({"numberTo": "+15550123456", "text": "hi", "mediaUrl": {"a": 1}}, "mediaUrl"),
        (
            {"numberTo": "+15550123456", "text": "hi", "callbackUrl": "javascript:alert(1)"},
            "callbackUrl",
        ),
        ({"numberTo": "+15550123456", "text": "hi", "numberFrom": "+1"}, "numberFrom"),
        ({"numberTo": "+15550123456", "text": "hi", "numberFromSid": "PN123"}, "numberFromSid"),
    ],
)
def test_invalid_sends_are_400_before_any_twilio_call(
    account: FakeTwilioHttp, payload: dict[str, Any], field: str
) -> None:
    result = send(MAIN | payload)

    assert result.status == 400
    assert result.json()["error"]["field"] == field
    assert account.calls == []


def test_exactly_1600_characters_is_allowed(account: FakeTwilioHttp) -> None:
    assert send(MAIN | {"numberTo": "+15550123456", "text": "x" * 1600}).status == 201


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"", "\u00ff".encode("latin-1")])
def test_malformed_json_is_400(account: FakeTwilioHttp, body: bytes) -> None:
    result = call_route("POST", "/sms_send", body=body, headers=STAFF)

    assert result.status == 400
    assert account.calls == []


def test_opted_out_recipient_is_explained(account: FakeTwilioHttp) -> None:
    account.on(
        "POST",
        r"/Messages\.json",
        (400, tj.error(21610, 400, "Attempt to send to unsubscribed recipient")),
    )

    result = send(MAIN | {"numberTo": "+15550199999", "text": "hi"})

    assert result.status == 400
    assert result.json()["error"]["twilioCode"] == 21610
    assert "opted out" in result.json()["error"]["message"]


def test_capability_refusal_drops_the_cached_sender(account: FakeTwilioHttp) -> None:
    payload = MAIN | {"numberTo": "+15550123456", "text": "hi"}
    send(payload)
    account.on("POST", r"/Messages\.json", (400, tj.error(21606, 400, "not SMS capable")))
    send(payload)
    before = len(account.calls)

    send(payload)

    assert [c.method for c in account.calls[before:]] == ["GET", "POST"]
