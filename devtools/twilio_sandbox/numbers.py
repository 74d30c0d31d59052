"""What kind of sender a number is, and whether a text is US-bound (A2P 10DLC, pacing).

North American numbers share +1: toll-free area codes, Canadian area codes (Canada is not
US-bound: Twilio's 10DLC blocking leaves it alone) and the rest, taken as US. Short codes are
5-6 digits without a +. Other NANP countries (the Caribbean) are not told apart from the US.
"""

import re
from enum import StrEnum

TOLL_FREE_AREA_CODES = frozenset({"800", "833", "844", "855", "866", "877", "888"})
CANADIAN_AREA_CODES = frozenset(
    re.findall(
        r"\d{3}",
        "204 226 236 249 250 257 263 289 306 343 354 365 367 368 382 387 403 416 418 428 431 437"
        " 438 450 460 468 474 506 514 519 548 579 581 584 587 600 604 613 622 633 639 644 647 655"
        " 672 677 683 688 705 709 742 753 778 780 782 807 819 825 867 873 879 902 905 942",
    )
)
NANP = re.compile(r"^\+1(\d{3})\d{7}$")
SHORT_CODE = re.compile(r"^\d{5,6}$")


class SenderKind(StrEnum):
    """The kinds of sender Twilio paces and registers differently."""

    US_LONG_CODE = "us_long_code"  # 10DLC: A2P registration, 1 segment/s
    CA_LONG_CODE = "ca_long_code"
    TOLL_FREE = "toll_free"
    SHORT_CODE = "short_code"
    OTHER = "other"  # a long code outside +1


def sender_kind(number: str) -> SenderKind:
    """Classify a practice number (the From of a text)."""
    if SHORT_CODE.match(number):
        return SenderKind.SHORT_CODE
    match = NANP.match(number)
    if match is None:
        return SenderKind.OTHER
    area = match.group(1)
    if area in TOLL_FREE_AREA_CODES:
        return SenderKind.TOLL_FREE
    if area in CANADIAN_AREA_CODES:
        return SenderKind.CA_LONG_CODE
    return SenderKind.US_LONG_CODE


def is_us_bound(number: str) -> bool:
    """True for a text to a US number (+1 outside Canada and the toll-free codes)."""
    return sender_kind(number) == SenderKind.US_LONG_CODE


# Message segments per second each kind of sender leaves Twilio's queue at (Twilio's defaults:
# a US or Canadian long code 1, a toll-free number 3, a short code 100).
SEGMENTS_PER_SECOND: dict[SenderKind, float] = {
    SenderKind.US_LONG_CODE: 1.0,
    SenderKind.CA_LONG_CODE: 1.0,
    SenderKind.TOLL_FREE: 3.0,
    SenderKind.SHORT_CODE: 100.0,
    SenderKind.OTHER: 1.0,
}
