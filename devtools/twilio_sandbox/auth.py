"""HTTP Basic credentials of the REST API: API key + secret, or Account SID + auth token."""

import base64
import binascii
import hmac

from devtools.twilio_sandbox.config import SandboxConfig


def is_authorized(header: str | None, config: SandboxConfig) -> bool:
    """Return True when the Authorization header carries one of the account's credential pairs."""
    if not header or not header.startswith("Basic "):
        return False
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return False
    user, _, password = decoded.partition(":")
    pairs = [(config.api_key, config.api_secret), (config.account_sid, config.auth_token)]
    return any(
        hmac.compare_digest(user, key) and hmac.compare_digest(password, secret)
        for key, secret in pairs
    )
