"""Configuration: missing or malformed variables give clear errors, never a crash."""

import pytest

from tests.plugin_harness import SECRETS, STAFF, FakeTwilioHttp, call_route
from twilio_sms_mms.services.config import PluginConfig


def test_missing_credentials_are_named() -> None:
    config = PluginConfig.from_variables({}, {"CUSTOMER_IDENTIFIER": "clinic"})

    assert config.problems == (
        "TwilioAccountSID is not set",
        "TwilioAPIKey is not set",
        "TwilioAPISecret is not set",
    )


def test_public_base_defaults_to_the_canvas_instance() -> None:
    config = PluginConfig.from_variables(
        SECRETS | {"PublicBaseUrl": ""}, {"CUSTOMER_IDENTIFIER": "acme"}
    )

    assert (
        config.inbound_url
        == "https://acme.canvasmedical.com/plugin-io/api/twilio_sms_mms/inbound_treatment"
    )
    assert config.twilio_account_url.startswith("https://api.twilio.test/2010-04-01/Accounts/AC")


@pytest.mark.parametrize(
    "value", ["https://clinic.example.org/path", "ftp://x", "clinic.example.org"]
)
def test_base_urls_must_be_origins(value: str) -> None:
    config = PluginConfig.from_variables(SECRETS | {"PublicBaseUrl": value}, {})

    assert "PublicBaseUrl must be scheme://host[:port]" in config.problems


def test_regional_edge_is_accepted() -> None:
    secrets = SECRETS | {"TwilioApiBaseUrl": "https://api.dublin.ie1.twilio.com/"}
    config = PluginConfig.from_variables(secrets, {})

    assert config.problems == ()
    assert config.twilio_account_url.startswith("https://api.dublin.ie1.twilio.com/2010-04-01/")


def test_ui_route_reports_missing_key_as_json_503(twilio: FakeTwilioHttp) -> None:
    secrets = SECRETS | {"TwilioAPIKey": ""}

    result = call_route("GET", "/phone_list", headers=STAFF, secrets=secrets)

    assert result.status == 503
    assert result.json()["error"]["message"] == "TwilioAPIKey is not set"
    assert twilio.calls == []


def test_wrong_credentials_report_twilio_20003(twilio: FakeTwilioHttp) -> None:
    from tests import twilio_json as tj

    twilio.on("GET", r"/IncomingPhoneNumbers\.json", (401, tj.error(20003, 401, "Authenticate")))

    result = call_route("GET", "/phone_list", headers=STAFF)

    assert result.status == 401
    assert result.json()["error"]["twilioCode"] == 20003
    assert "TwilioAPIKey" in result.json()["error"]["message"]
