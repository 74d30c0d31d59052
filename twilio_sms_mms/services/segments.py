"""How Twilio encodes a body and splits it into billed segments."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from twilio_sms_mms.constants.gsm7 import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    GSM7_MULTI_SEGMENT,
    GSM7_SINGLE_SEGMENT,
    UCS2_MULTI_SEGMENT,
    UCS2_SINGLE_SEGMENT,
)

BASIC = frozenset(GSM7_BASIC)
EXTENSION = frozenset(GSM7_EXTENSION)


class Encoding(StrEnum):
    """The two encodings a text message travels in."""

    GSM7 = "GSM-7"
    UCS2 = "UCS-2"


@dataclass(frozen=True)
class Segmentation:
    """How a body is encoded and billed: `units` are septets (GSM-7) or UTF-16 code units."""

    encoding: str
    units: int
    segments: int
    forcing_char: str | None


def segmentation(body: str) -> Segmentation:
    """The encoding, length in units and segment count Twilio will bill for `body`."""
    forcing = next((ch for ch in body if ch not in BASIC and ch not in EXTENSION), None)
    if forcing is None:
        sizes = [2 if ch in EXTENSION else 1 for ch in body]
        single, multi, encoding = GSM7_SINGLE_SEGMENT, GSM7_MULTI_SEGMENT, Encoding.GSM7
    else:
        sizes = [2 if ord(ch) > 0xFFFF else 1 for ch in body]
        single, multi, encoding = UCS2_SINGLE_SEGMENT, UCS2_MULTI_SEGMENT, Encoding.UCS2
    units = sum(sizes)
    segments = 0 if units == 0 else 1 if units <= single else count_segments(sizes, multi)
    return Segmentation(encoding.value, units, segments, forcing)


def count_segments(sizes: list[int], capacity: int) -> int:
    """Segments needed when no character (of 1 or 2 units) may straddle two segments."""
    segments, used = 1, 0
    for size in sizes:
        if used + size > capacity:
            segments, used = segments + 1, 0
        used += size
    return segments
