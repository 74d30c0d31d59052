"""GET /phone_list: the account's practice numbers."""

from tests import twilio_json as tj
from tests.plugin_harness import STAFF, FakeTwilioHttp, call_route


def test_phone_list_returns_numbers_with_capabilities_and_webhooks(twilio: FakeTwilioHttp) -> None:
    inbound = "https://clinic.example.org/plugin-io/api/twilio_sms_mms/inbound_treatment"
    twilio.on(
        "GET",
        r"/IncomingPhoneNumbers\.json",
        (
            200,
            tj.page(
                "incoming_phone_numbers",
                [
                    tj.phone(1, sms_url=inbound),
                    tj.phone(2, number="+15550100002", mms=False, label="Front desk"),
                ],
            ),
        ),
    )

    result = call_route("GET", "/phone_list", headers=STAFF)

    assert result.status == 200
    body = result.json()
    first, second = body["phones"]
    assert first["phoneNumber"] == "+15550100001"
    assert first["capabilities"] == {"sms": True, "mms": True, "voice": True, "fax": False}
    assert first["inboundWebhook"] == {"url": inbound, "method": "POST"}
    assert first["usesPluginInbound"] is True
    assert second["capabilities"]["mms"] is False
    assert second["usesPluginInbound"] is False
    assert body["pluginUrls"] == {
        "inbound": inbound,
        "status": "https://clinic.example.org/plugin-io/api/twilio_sms_mms/outbound_api_status",
    }
    assert len(twilio.calls) == 1
    assert twilio.calls[0].query["PageSize"] == ["1000"]
    assert twilio.calls[0].url.startswith("https://api.twilio.test/2010-04-01/Accounts/AC")


def test_phone_list_follows_next_page(twilio: FakeTwilioHttp) -> None:
    second_page = f"{tj.BASE}/IncomingPhoneNumbers.json?PageSize=1000&Page=1&PageToken=PN2"
    twilio.on(
        "GET",
        r"/IncomingPhoneNumbers\.json",
        lambda call: (
            (200, tj.page("incoming_phone_numbers", [tj.phone(2)]))
            if call.query.get("PageToken")
            else (200, tj.page("incoming_phone_numbers", [tj.phone(1)], second_page))
        ),
    )

    result = call_route("GET", "/phone_list", headers=STAFF)

    assert [p["sid"] for p in result.json()["phones"]] == [tj.sid("PN", 1), tj.sid("PN", 2)]
    assert len(twilio.calls) == 2
