"""Rewiring is for administrators: AdminStaffIds gates webhook changes, callback URLs, deletes."""

from typing import Any

import pytest

from tests import twilio_json as tj
from tests.plugin_harness import NON_ADMIN_STAFF, STAFF, FakeTwilioHttp, Recorded, call_route
from twilio_sms_mms.services import storage

PHONE_SID = tj.sid("PN", 1)
MESSAGE_SID = tj.sid("SM", 7)
STATUS_URL = "https://clinic.example.org/plugin-io/api/twilio_sms_mms/outbound_api_status"
SEND = {
    "clientRequestId": "draft-0001-admin",
    "numberFrom": "+15550100001",
    "numberFromSid": PHONE_SID,
    "numberTo": "+15550123456",
    "text": "See you at 9",
    "confirmNoConsent": True,
}


def created(call: Recorded) -> tuple[int, dict]:
    return 201, tj.message(
        42,
        body=call.form.get("Body", [""])[0],
        status="queued",
        date_sent=None,
        number_from=call.form["From"][0],
        number_to=call.form["To"][0],
    )


@pytest.fixture
def account(twilio: FakeTwilioHttp) -> FakeTwilioHttp:
    twilio.on("GET", rf"/IncomingPhoneNumbers/{PHONE_SID}\.json", (200, tj.phone(1)))
    twilio.on("POST", rf"/IncomingPhoneNumbers/{PHONE_SID}\.json", (200, tj.phone(1)))
    twilio.on("POST", r"/Messages\.json", created)
    twilio.on("DELETE", rf"/Messages/{MESSAGE_SID}\.json", (204, None))
    return twilio


def actions() -> list[tuple[str, str]]:
    return [(entry.action, entry.staff_id) for entry in storage.audit_entries()]


ADMIN_ONLY_REQUESTS: list[tuple[str, str, Any]] = [
    ("DELETE", f"/message_delete/{MESSAGE_SID}", None),
    ("POST", f"/inbound_webhook/{PHONE_SID}", {"url": "https://evil.example/in", "method": "POST"}),
    ("POST", "/sms_send", SEND | {"callbackUrl": "https://evil.example/status"}),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ONLY_REQUESTS)
def test_non_admins_get_403_admin_only_before_any_twilio_call(
    account: FakeTwilioHttp, method: str, path: str, body: Any
) -> None:
    result = call_route(method, path, body=body, headers=NON_ADMIN_STAFF)

    assert result.status == 403
    error = result.json()["error"]
    assert error["reason"] == "admin_only"
    assert "AdminStaffIds" in error["message"]
    assert account.calls == []
    assert actions() == []


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ONLY_REQUESTS)
def test_nobody_is_admin_when_the_variable_is_empty(
    account: FakeTwilioHttp, method: str, path: str, body: Any
) -> None:
    from tests.plugin_harness import SECRETS

    result = call_route(
        method, path, body=body, headers=STAFF, secrets=SECRETS | {"AdminStaffIds": ""}
    )

    assert result.status == 403
    assert account.calls == []


def test_admin_delete_is_audited(account: FakeTwilioHttp) -> None:
    result = call_route("DELETE", f"/message_delete/{MESSAGE_SID}", headers=STAFF)

    assert result.status == 200
    assert ("delete", "staff-key-1") in actions()


def test_admin_webhook_change_is_audited(account: FakeTwilioHttp) -> None:
    body = {"url": "https://other.example/in", "method": "POST"}

    result = call_route("POST", f"/inbound_webhook/{PHONE_SID}", body=body, headers=STAFF)

    assert result.status == 200
    assert ("inbound_webhook", "staff-key-1") in actions()


def test_admin_may_send_with_another_callback_url_and_it_is_audited(
    account: FakeTwilioHttp,
) -> None:
    result = call_route(
        "POST", "/sms_send", body=SEND | {"callbackUrl": "https://hooks.example/cb"}, headers=STAFF
    )

    assert result.status == 201
    assert account.calls[-1].form["StatusCallback"] == ["https://hooks.example/cb"]
    assert ("send_with_callback", "staff-key-1") in actions()


@pytest.mark.parametrize("callback", [None, "", STATUS_URL])
def test_non_admins_send_with_the_plugins_own_status_callback(
    account: FakeTwilioHttp, callback: str | None
) -> None:
    body = SEND if callback is None else SEND | {"callbackUrl": callback}

    result = call_route("POST", "/sms_send", body=body, headers=NON_ADMIN_STAFF)

    assert result.status == 201
    assert account.calls[-1].form["StatusCallback"] == [STATUS_URL]
    assert [action for action, _ in actions()].count("send_with_callback") == 0
