"""Segment counting (GSM-7 vs UCS-2) and the price Twilio would charge."""

_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = set("^{}\\[]~|€\f")


def count_segments(body: str) -> int:
    """Return how many SMS segments `body` needs (at least 1)."""
    if all(ch in _GSM_BASIC or ch in _GSM_EXTENDED for ch in body):
        units = sum(2 if ch in _GSM_EXTENDED else 1 for ch in body)
        single, part = 160, 153
    else:
        units = sum(2 if ord(ch) > 0xFFFF else 1 for ch in body)
        single, part = 70, 67
    if units <= single:
        return 1
    return -(-units // part)


def price_for(num_segments: int, num_media: int) -> str:
    """Return the (negative, USD) price string of a sent message, e.g. `-0.00790`."""
    if num_media:
        return "-0.02000"
    return f"{-0.0079 * num_segments:.5f}"
