"""Twilio's webhooks: the signature proves the sender; TwiML answers; nothing calls Twilio."""

import hashlib
import hmac
import logging
from base64 import b64encode
from urllib.parse import urlencode

import pytest

from tests.plugin_harness import (
    AUTH_TOKEN,
    PUBLIC_BASE,
    SECRETS,
    FakeTwilioHttp,
    RouteResult,
    call_route,
)

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
INBOUND_PATH = "/inbound_treatment"
STATUS_PATH = "/outbound_api_status"


def reference_signature(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    """Twilio's algorithm, written independently of the plugin's."""
    data = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    return b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def inbound_params(body: str = "Hello, is the clinic open?", **extra: str) -> dict[str, str]:
    """What Twilio posts for an inbound SMS without a Messaging Service (no MessagingServiceSid)."""
    return {
        "MessageSid": "SM" + "a" * 32,
        "SmsSid": "SM" + "a" * 32,
        "SmsMessageSid": "SM" + "a" * 32,
        "AccountSid": "AC" + "1" * 32,
        "From": "+15550123456",
        "To": "+15550100001",
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
        **extra,
    }


def post_signed(
    path: str,
    params: dict[str, str],
    *,
    secrets: dict | None = None,
    signature: str | None = None,
    query: str = "",
) -> RouteResult:
    url = f"{PUBLIC_BASE}/plugin-io/api/twilio_sms_mms{path}" + (f"?{query}" if query else "")
    headers = dict(FORM)
    headers["X-Twilio-Signature"] = (
        signature if signature is not None else reference_signature(url, params)
    )
    return call_route(
        "POST", path, body=urlencode(params), query=query, headers=headers, secrets=secrets
    )


def test_signed_inbound_without_auto_reply_answers_empty_twiml(twilio: FakeTwilioHttp) -> None:
    result = post_signed(INBOUND_PATH, inbound_params())

    assert result.status == 200
    assert result.headers["Content-Type"] == "text/xml"
    assert result.body.decode().endswith("<Response />")
    assert twilio.calls == []


def test_auto_reply_is_escaped_twiml(twilio: FakeTwilioHttp) -> None:
    secrets = SECRETS | {"AutoReplyText": "Thanks <3 & see you"}

    result = post_signed(INBOUND_PATH, inbound_params(), secrets=secrets)

    assert "<Message>Thanks &lt;3 &amp; see you</Message>" in result.body.decode()
    assert twilio.calls == []


@pytest.mark.parametrize(
    "keyword", ["STOP", " stop ", "Unsubscribe", "START", "yes", "HELP", "info", "OPTOUT"]
)
def test_keywords_never_get_the_auto_reply(keyword: str) -> None:
    secrets = SECRETS | {"AutoReplyText": "Thanks"}

    result = post_signed(INBOUND_PATH, inbound_params(keyword), secrets=secrets)

    assert result.status == 200
    assert "<Message>" not in result.body.decode()


def test_sentence_containing_stop_still_gets_the_reply() -> None:
    secrets = SECRETS | {"AutoReplyText": "Thanks"}

    result = post_signed(INBOUND_PATH, inbound_params("Please stop by tomorrow"), secrets=secrets)

    assert "<Message>Thanks</Message>" in result.body.decode()


def test_inbound_with_media_and_city_fields_is_accepted() -> None:
    params = inbound_params(
        "photo",
        NumMedia="2",
        MediaUrl0="https://api.twilio.com/m/ME1",
        MediaContentType0="image/jpeg",
        MediaUrl1="https://api.twilio.com/m/ME2",
        MediaContentType1="image/png",
        FromCity="AUSTIN",
        MessagingServiceSid="MG" + "3" * 32,
    )

    assert post_signed(INBOUND_PATH, params).status == 200


def test_missing_signature_is_403_and_logged_without_secrets(
    caplog: pytest.LogCaptureFixture,
) -> None:
    params = inbound_params("my SSN is 123")
    with caplog.at_level(logging.INFO):
        result = call_route("POST", INBOUND_PATH, body=urlencode(params), headers=FORM)

    assert result.status == 403
    assert "no X-Twilio-Signature" in caplog.text
    for secret in (AUTH_TOKEN, "123", "+15550123456"):
        assert secret not in caplog.text


def test_wrong_signature_is_403() -> None:
    assert post_signed(INBOUND_PATH, inbound_params(), signature="bm9wZQ==").status == 403


def test_tampered_parameter_is_403() -> None:
    params = inbound_params()
    url = f"{PUBLIC_BASE}/plugin-io/api/twilio_sms_mms{INBOUND_PATH}"
    signature = reference_signature(url, params)

    result = post_signed(INBOUND_PATH, params | {"Body": "tampered"}, signature=signature)

    assert result.status == 403


def test_signature_for_another_url_is_403(caplog: pytest.LogCaptureFixture) -> None:
    params = inbound_params()
    other = "https://proxy.internal/plugin-io/api/twilio_sms_mms/inbound_treatment"

    with caplog.at_level(logging.INFO):
        result = post_signed(INBOUND_PATH, params, signature=reference_signature(other, params))

    assert result.status == 403
    assert "check PublicBaseUrl" in caplog.text


def test_signature_with_another_token_is_403() -> None:
    params = inbound_params()
    url = f"{PUBLIC_BASE}/plugin-io/api/twilio_sms_mms{INBOUND_PATH}"

    result = post_signed(INBOUND_PATH, params, signature=reference_signature(url, params, "other"))

    assert result.status == 403


def test_no_auth_token_configured_refuses_every_webhook(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        result = post_signed(
            INBOUND_PATH, inbound_params(), secrets=SECRETS | {"TwilioAuthToken": ""}
        )

    assert result.status == 403
    assert "TwilioAuthToken is not set" in caplog.text


def test_query_string_is_part_of_the_signed_url() -> None:
    assert post_signed(INBOUND_PATH, inbound_params(), query="clinic=north").status == 200


def test_get_webhook_is_verified_on_the_url_alone() -> None:
    params = inbound_params()
    query = urlencode(params)
    url = f"{PUBLIC_BASE}/plugin-io/api/twilio_sms_mms{INBOUND_PATH}?{query}"

    ok = call_route(
        "GET",
        INBOUND_PATH,
        query=query,
        headers={"X-Twilio-Signature": reference_signature(url, {})},
    )
    tampered = call_route(
        "GET",
        INBOUND_PATH,
        query=query.replace("Hello", "Bye"),
        headers={"X-Twilio-Signature": reference_signature(url, {})},
    )

    assert ok.status == 200
    assert tampered.status == 403


def status_params(status: str = "delivered", **extra: str) -> dict[str, str]:
    return {
        "MessageSid": "SM" + "b" * 32,
        "SmsSid": "SM" + "b" * 32,
        "MessageStatus": status,
        "SmsStatus": status,
        "AccountSid": "AC" + "1" * 32,
        "From": "+15550100001",
        "To": "+15550123456",
        "ApiVersion": "2010-04-01",
        **extra,
    }


def test_status_callback_is_acknowledged_and_logs_only_sid_and_status(
    twilio: FakeTwilioHttp, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        result = post_signed(
            STATUS_PATH, status_params("undelivered", ErrorCode="30003", ErrorMessage="Unreachable")
        )

    assert result.status == 200
    assert "status=undelivered" in caplog.text
    assert "+15550123456" not in caplog.text
    assert twilio.calls == []


def test_unsigned_status_callback_is_403() -> None:
    result = call_route("POST", STATUS_PATH, body=urlencode(status_params()), headers=FORM)

    assert result.status == 403
