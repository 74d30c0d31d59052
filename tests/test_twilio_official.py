"""The plugin's signature check accepts exactly what Twilio's official RequestValidator accepts.

`twilio` (twilio-python) is a test dependency only: the plugin never imports it.
"""

from __future__ import annotations

import itertools
import random
from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

from tests.plugin_harness import AUTH_TOKEN, PUBLIC_BASE, call_route
from tests.test_webhooks import FORM, INBOUND_PATH, inbound_params
from twilio_sms_mms.services.webhook_security import check_signature

ROUTE = "/plugin-io/api/twilio_sms_mms/inbound_treatment"
# The URL the plugin rebuilds (PublicBaseUrl + path + query) and the forms Twilio may sign.
URL_FORMS = {
    "plain": "https://clinic.example.org" + ROUTE,
    "default port": "https://clinic.example.org:443" + ROUTE,
    "http default port": "http://clinic.example.org:80" + ROUTE,
    "http plain": "http://clinic.example.org" + ROUTE,
    "other port": "https://clinic.example.org:8443" + ROUTE,
    "other host": "https://proxy.internal" + ROUTE,
    "query": "https://clinic.example.org" + ROUTE + "?clinic=north&b=%20",
    "query, default port": "https://clinic.example.org:443" + ROUTE + "?clinic=north&b=%20",
    "GET query": "https://clinic.example.org" + ROUTE + "?Body=hi&From=%2B15550123456&Body=again",
    "empty query mark": "https://clinic.example.org" + ROUTE + "?",
}
PARAM_SETS: dict[str, dict[str, list[str]]] = {
    "none": {},
    "inbound": {name: [value] for name, value in inbound_params().items()},
    "repeated names": {"MediaUrl": ["https://b.example/2", "https://a.example/1"], "To": ["+1"]},
    "repeated equal values": {"A": ["x", "x"], "B": ["2", "1", "2"]},
    "blank values": {"Body": [""], "NumMedia": ["0"]},
    "unicode": {"Body": ["Caf\u00e9 \U0001f600 \u2018quoted\u2019"], "From": ["+15550123456"]},
}


class FormParams(dict):
    """A form as web frameworks give it to the official validator (Django's QueryDict API)."""

    def getlist(self, name: str) -> list[str]:
        return self[name]


def official(
    url: str, params: dict[str, list[str]], signature: str, token: str = AUTH_TOKEN
) -> bool:
    return RequestValidator(token).validate(url, FormParams(params), signature)


def signed_by_official(url: str, params: dict[str, list[str]], token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, FormParams(params))


def plugin(url: str, params: dict[str, list[str]], signature: str) -> bool:
    return check_signature(AUTH_TOKEN, url, params, signature).valid


@pytest.mark.parametrize("params_name", PARAM_SETS)
@pytest.mark.parametrize(("signed_form", "received_form"), itertools.product(URL_FORMS, URL_FORMS))
def test_plugin_and_official_validator_agree(
    signed_form: str, received_form: str, params_name: str
) -> None:
    params = PARAM_SETS[params_name]
    signature = signed_by_official(URL_FORMS[signed_form], params)
    received = URL_FORMS[received_form]

    assert plugin(received, params, signature) == official(received, params, signature)


def test_signature_over_the_default_port_is_accepted() -> None:
    params = PARAM_SETS["inbound"]
    with_port = signed_by_official("https://clinic.example.org:443" + ROUTE, params)
    without_port = signed_by_official("https://clinic.example.org" + ROUTE, params)

    assert plugin("https://clinic.example.org" + ROUTE, params, with_port)
    assert plugin("https://clinic.example.org:443" + ROUTE, params, without_port)


def test_repeated_names_are_sorted_by_value() -> None:
    url = URL_FORMS["plain"]
    forward = {"MediaUrl": ["https://a.example/1", "https://b.example/2"]}
    backward = {"MediaUrl": ["https://b.example/2", "https://a.example/1"]}

    assert plugin(url, backward, signed_by_official(url, forward))


@pytest.mark.parametrize("params_name", PARAM_SETS)
def test_tampered_values_are_refused_by_both(params_name: str) -> None:
    url = URL_FORMS["query"]
    params = PARAM_SETS[params_name]
    signature = signed_by_official(url, params)
    tampered_cases = [
        (url.replace("north", "south"), params),
        (url, {**params, "Injected": ["1"]}),
        (url, {name: [*values, "extra"] for name, values in params.items()}),
        (url, {name.lower(): values for name, values in params.items()}),
    ]
    for tampered_url, tampered_params in tampered_cases:
        if tampered_params == params and tampered_url == url:
            continue
        assert not plugin(tampered_url, tampered_params, signature)
        assert not official(tampered_url, tampered_params, signature)


def test_random_signatures_and_tokens_agree() -> None:
    rnd = random.Random(8)
    url = URL_FORMS["plain"]
    params = PARAM_SETS["inbound"]
    good = signed_by_official(url, params)
    candidates = [
        good,
        good + " ",
        " " + good,
        good[:-1],
        good.lower(),
        signed_by_official(url, params, token="other-token"),
        "",
        *("".join(rnd.choice("AZaz09+/=") for _ in range(28)) for _ in range(20)),
    ]
    for signature in candidates:
        assert plugin(url, params, signature) == official(url, params, signature), signature


def test_route_accepts_a_webhook_signed_over_the_default_port() -> None:
    params = inbound_params()
    signed_url = PUBLIC_BASE.replace("https://clinic.example.org", "https://clinic.example.org:443")
    signature = signed_by_official(
        f"{signed_url}{ROUTE}", {name: [value] for name, value in params.items()}
    )

    result = call_route(
        "POST",
        INBOUND_PATH,
        body=urlencode(params),
        headers=FORM | {"X-Twilio-Signature": signature},
    )

    assert result.status == 200


def test_shared_key_signatures_are_refused_with_a_reason() -> None:
    url = URL_FORMS["plain"]
    params = PARAM_SETS["inbound"]
    signature = RequestValidator(AUTH_TOKEN).compute_signature(
        url, FormParams(params), "HMAC_SHA256"
    )

    check = check_signature(
        AUTH_TOKEN, url, params, signature, "key=webhooks_sharedkey_1,algorithm=HMAC_SHA256"
    )

    assert not check.valid
    assert "shared key" in check.reason
