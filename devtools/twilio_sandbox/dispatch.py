"""What happens to a message Twilio accepted (a create, or a schedule whose time came).

It fails one status step later when its media could not be fetched, or with 30034 when it
leaves a US long code outside every Messaging Service with a VERIFIED A2P campaign for a US
number (since 2023-09-01 Twilio blocks it); otherwise it waits in its sender's line (pacing,
ValidityPeriod: send_queue.py) and then goes sent -> delivered (lifecycle.py).
"""

from collections.abc import Callable

from devtools.twilio_sandbox.context import SandboxContext
from devtools.twilio_sandbox.lifecycle import Lifecycle
from devtools.twilio_sandbox.media_fetch import MediaFailure
from devtools.twilio_sandbox.messaging_v1 import blocked_by_10dlc
from devtools.twilio_sandbox.numbers import SEGMENTS_PER_SECOND, sender_kind
from devtools.twilio_sandbox.records import Message
from devtools.twilio_sandbox.send_queue import Waiting

UNREGISTERED = (30034, "Message from an Unregistered Number")
EXPIRED = (30001, "Queue overflow")
QueueStep = Callable[[Waiting], None]


def rate_of(sender: str) -> float:
    """Segments per second (queue clock) the sender leaves Twilio's queue at."""
    return SEGMENTS_PER_SECOND[sender_kind(sender)]


def start_sending(
    ctx: SandboxContext, message: Message, validity_s: int, failure: MediaFailure | None = None
) -> None:
    """Fail the message (media, 30034) or queue it behind its sender's earlier messages."""
    if failure is not None:
        ctx.lifecycle.fail(message.sid, failure.code, failure.message)
    elif blocked_by_10dlc(ctx.store, message.from_number, message.to_number):
        ctx.lifecycle.fail(message.sid, *UNREGISTERED)
    else:
        ctx.queue.add(
            message.from_number, message.sid, message.to_number, message.num_segments, validity_s
        )


def queue_callbacks(lifecycle: Lifecycle) -> tuple[QueueStep, QueueStep]:
    """The queue's (depart, expire): start the delivery steps, or fail with 30001."""

    def depart(waiting: Waiting) -> None:
        lifecycle.track(waiting.sid, waiting.to_number)

    def expire(waiting: Waiting) -> None:
        lifecycle.fail(waiting.sid, *EXPIRED)

    return depart, expire
