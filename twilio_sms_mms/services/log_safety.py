"""What may reach a log line: no phone number, in any spelling or URL encoding."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

# Twilio SIDs stay readable in logs (they are how support finds a message).
SID_TOKEN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}[0-9a-fA-F]{32}(?![A-Za-z0-9])")
# Digits joined by the separators people and URLs put in numbers: + space . - ( ) /
NUMBER_LIKE = re.compile(r"[0-9](?:[\s().+/-]*[0-9])*")
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
MAX_DIGITS_KEPT = 6
DECODE_ROUNDS = 3


def mask_number(number: str) -> str:
    """A phone number safe for logs: only its last two digits."""
    return f"…{number[-2:]}" if len(number) > 2 else "…"


def mask_numbers(text: str) -> str:
    """Text safe for logs: URL-decoded (up to three times, e.g. %252E), every run of 7+ digits
    joined by number separators masked, control characters replaced; SIDs kept."""
    decoded = text
    for _ in range(DECODE_ROUNDS):
        step = unquote(decoded)
        if step == decoded:
            break
        decoded = step
    parts = SID_TOKEN.split(decoded)
    sids = SID_TOKEN.findall(decoded)
    masked = [NUMBER_LIKE.sub(_mask_match, part) for part in parts]
    joined = "".join(
        part + (sids[index] if index < len(sids) else "") for index, part in enumerate(masked)
    )
    return CONTROL_CHARS.sub("?", joined)


def _mask_match(match: Any) -> str:  # a re.Match: the sandbox forbids naming re.Match
    """Mask a digit run when it holds more digits than a short id or a count would."""
    digits = re.sub(r"[^0-9]", "", match.group())
    return match.group() if len(digits) <= MAX_DIGITS_KEPT else mask_number(digits)
