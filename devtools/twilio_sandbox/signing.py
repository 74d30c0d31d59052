"""X-Twilio-Signature: base64(HMAC-SHA1(auth_token, url + sorted name+value pairs))."""

import base64
import hashlib
import hmac
from collections.abc import Iterable


def twilio_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]] = ()) -> str:
    """Return the signature Twilio sends for a webhook to `url` with these form parameters.

    For GET webhooks pass no params: they are already part of the URL.
    """
    signed = url + "".join(name + value for name, value in sorted(params))
    digest = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()
