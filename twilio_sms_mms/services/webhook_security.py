"""Proof that a webhook comes from Twilio: the X-Twilio-Signature check.

It accepts exactly what Twilio's official `RequestValidator` (twilio-python) accepts for an
Auth-Token signature: the URL is tried with and without its port (Twilio signs either form),
parameter names are sorted, and the distinct values of a repeated name are sorted too.
`tests/test_twilio_official.py` cross-checks both on the same inputs.
"""

from __future__ import annotations

import hashlib
import hmac
from base64 import b64encode
from dataclasses import dataclass
from urllib.parse import urlparse

DEFAULT_PORTS = {"https": "443", "http": "80"}
SHA1_ALGORITHM = "HMAC_SHA1"


@dataclass(frozen=True)
class SignatureCheck:
    """The outcome of a signature check; `reason` is safe to log (no secrets, no bodies)."""

    valid: bool
    reason: str


def twilio_signature(auth_token: str, url: str, params: dict[str, list[str]]) -> str:
    """Return Twilio's signature: base64(HMAC-SHA1(token, url + sorted name/value pairs)).

    Names are sorted; a repeated name contributes each of its distinct values, sorted.
    """
    pairs = "".join(name + value for name in sorted(params) for value in sorted(set(params[name])))
    digest = hmac.new(auth_token.encode(), (url + pairs).encode(), hashlib.sha1).digest()
    return b64encode(digest).decode()


def signed_url_forms(url: str) -> tuple[str, str]:
    """The URL without and with its port: Twilio may have signed either.

    Without: any port removed. With: the URL as is when it has a port, else the scheme's
    default (443 for https, 80 otherwise) added. Both in `urlparse(...).geturl()` form, as the
    official validator builds them (an empty trailing "?" or "#" is dropped).
    """
    parsed = urlparse(url)
    host, _, port = parsed.netloc.partition(":")
    rest = parsed.geturl()[len(parsed.scheme) + 3 + len(parsed.netloc) :]
    if port:
        return f"{parsed.scheme}://{host}{rest}", parsed.geturl()
    default_port = DEFAULT_PORTS.get(parsed.scheme, "80")
    return parsed.geturl(), f"{parsed.scheme}://{host}:{default_port}{rest}"


def check_signature(
    auth_token: str,
    url: str,
    params: dict[str, list[str]],
    signature: str | None,
    signature_settings: str | None = None,
) -> SignatureCheck:
    """Check a request's X-Twilio-Signature against the public URL and its form parameters.

    `signature_settings` is the X-Twilio-Webhooks-Signature-Settings header: a webhook signed
    with a shared key (another secret, possibly HMAC-SHA256) cannot be verified with the Auth
    Token and is refused with a reason saying so.
    """
    if not auth_token:
        return SignatureCheck(False, "TwilioAuthToken is not set, so no webhook can be verified")
    if not signature:
        return SignatureCheck(False, "the request has no X-Twilio-Signature header")
    algorithm = signature_algorithm(signature_settings)
    if algorithm != SHA1_ALGORITHM:
        return SignatureCheck(
            False,
            f"the webhook is signed with a shared key ({algorithm[:20]}); the plugin verifies "
            "Auth Token signatures only (remove the signing key from the number at Twilio)",
        )
    given = signature.encode()
    for candidate in signed_url_forms(url):
        expected = twilio_signature(auth_token, candidate, params).encode()
        if hmac.compare_digest(expected, given):
            return SignatureCheck(True, "valid")
    return SignatureCheck(
        False,
        f"X-Twilio-Signature does not match for {url.split('?')[0]} (check PublicBaseUrl and that "
        "TwilioAuthToken is the account's primary Auth Token)",
    )


def signature_algorithm(signature_settings: str | None) -> str:
    """The algorithm named by X-Twilio-Webhooks-Signature-Settings; HMAC_SHA1 when absent."""
    for part in (signature_settings or "").split(","):
        name, separator, value = part.partition("=")
        if separator and name.strip() == "algorithm" and value.strip():
            return value.strip().upper()
    return SHA1_ALGORITHM
