"""Proof that a webhook comes from Twilio: the X-Twilio-Signature check."""

from __future__ import annotations

import hashlib
import hmac
from base64 import b64encode
from dataclasses import dataclass


@dataclass(frozen=True)
class SignatureCheck:
    """The outcome of a signature check; `reason` is safe to log (no secrets, no bodies)."""

    valid: bool
    reason: str


def twilio_signature(auth_token: str, url: str, params: dict[str, list[str]]) -> str:
    """Return Twilio's signature: base64(HMAC-SHA1(token, url + sorted name/value pairs))."""
    signed = url + "".join(name + value for name in sorted(params) for value in params[name])
    digest = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    return b64encode(digest).decode()


def check_signature(
    auth_token: str, url: str, params: dict[str, list[str]], signature: str | None
) -> SignatureCheck:
    """Check a request's X-Twilio-Signature against the public URL and its form parameters."""
    if not auth_token:
        return SignatureCheck(False, "TwilioAuthToken is not set, so no webhook can be verified")
    if not signature:
        return SignatureCheck(False, "the request has no X-Twilio-Signature header")
    expected = twilio_signature(auth_token, url, params)
    if hmac.compare_digest(expected.encode(), signature.strip().encode()):
        return SignatureCheck(True, "valid")
    return SignatureCheck(
        False,
        f"X-Twilio-Signature does not match for {url.split('?')[0]} (check PublicBaseUrl and that "
        "TwilioAuthToken is the account's primary Auth Token)",
    )
