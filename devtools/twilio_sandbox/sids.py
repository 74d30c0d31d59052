"""Twilio-style identifiers: a two-letter prefix and 32 lowercase hex digits."""

import secrets


def new_sid(prefix: str) -> str:
    """Return a fresh SID such as `SM0123...` (prefix + 32 hex characters)."""
    return prefix + secrets.token_hex(16)


def message_sid(num_media: int) -> str:
    """Return a message SID: `MM...` when the message carries media, `SM...` otherwise."""
    return new_sid("MM" if num_media else "SM")
