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


@pytest.mark.parametrize(
    ("raw", "admins"),
    [
        ("", frozenset()),
        ("a1", frozenset({"a1"})),
        (" a1 , b2,,  ", frozenset({"a1", "b2"})),
    ],
)
def test_admin_staff_ids_are_a_comma_separated_list(raw: str, admins: frozenset[str]) -> None:
    config = PluginConfig.from_variables(SECRETS | {"AdminStaffIds": raw}, {})

    assert config.admin_staff_ids == admins
    assert all(config.is_admin(staff) for staff in admins)
    assert not config.is_admin("")
    assert not config.is_admin("someone-else")


def test_admin_staff_ids_is_a_manifest_variable() -> None:
    import json
    from pathlib import Path

    manifest = json.loads(Path("twilio_sms_mms/CANVAS_MANIFEST.json").read_text())

    assert {"name": "AdminStaffIds", "default": ""} in manifest["variables"]


@pytest.mark.parametrize(
    "origin", ["https://clinic.example.org:0", "https://clinic.example.org:65536", "https://a.b:1x"]
)
def test_public_base_url_with_an_impossible_port_is_a_problem(origin: str) -> None:
    config = PluginConfig.from_variables(SECRETS | {"PublicBaseUrl": origin}, {})

    assert "PublicBaseUrl must be scheme://host[:port]" in config.problems
