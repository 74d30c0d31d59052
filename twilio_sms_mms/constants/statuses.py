"""Message statuses and directions, and the order in which a status may advance."""

from enum import StrEnum


class MessageStatus(StrEnum):
    """Twilio's message statuses, plus the plugin's own `unknown` (a send that may have left)."""

    UNKNOWN = "unknown"
    SCHEDULED = "scheduled"
    ACCEPTED = "accepted"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    RECEIVING = "receiving"
    RECEIVED = "received"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    CANCELED = "canceled"
    PARTIALLY_DELIVERED = "partially_delivered"
    READ = "read"


class Direction(StrEnum):
    """Which way a message went, seen from the practice."""

    OUTBOUND = "outbound"
    INBOUND = "inbound"


# How far along a message is; a status only replaces one of lower rank.
STATUS_RANK: dict[str, int] = {
    MessageStatus.UNKNOWN: -1,
    MessageStatus.SCHEDULED: 0,
    MessageStatus.ACCEPTED: 1,
    MessageStatus.QUEUED: 2,
    MessageStatus.SENDING: 3,
    MessageStatus.RECEIVING: 3,
    MessageStatus.SENT: 4,
    MessageStatus.RECEIVED: 5,
    MessageStatus.DELIVERED: 5,
    MessageStatus.UNDELIVERED: 5,
    MessageStatus.FAILED: 5,
    MessageStatus.CANCELED: 5,
    MessageStatus.PARTIALLY_DELIVERED: 5,
    MessageStatus.READ: 6,
}

# Statuses after which Twilio reports nothing more (but a read receipt after delivered).
FINAL_STATUSES: frozenset[str] = frozenset(
    {
        MessageStatus.RECEIVED,
        MessageStatus.DELIVERED,
        MessageStatus.UNDELIVERED,
        MessageStatus.FAILED,
        MessageStatus.CANCELED,
        MessageStatus.PARTIALLY_DELIVERED,
        MessageStatus.READ,
    }
)


def status_rank(status: str) -> int:
    """The rank of a status; an unknown string ranks below everything Twilio sends."""
    return STATUS_RANK.get(status, -2)


def advances(current: str, new: str) -> bool:
    """True when `new` is progress over `current` (a final status only moves to `read`)."""
    if current == new:
        return False
    if current in FINAL_STATUSES and not (current == MessageStatus.DELIVERED and new == "read"):
        return False
    return status_rank(new) > status_rank(current)
