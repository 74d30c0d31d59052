"""Building new message rows (with SIDs, segments, price and media) for any direction."""

from devtools.twilio_sandbox.records import Media, Message, NewMedia
from devtools.twilio_sandbox.segments import count_segments, price_for
from devtools.twilio_sandbox.sids import message_sid, new_sid


def compose_message(
    direction: str,
    from_number: str,
    to_number: str,
    body: str,
    media: list[NewMedia],
    status: str,
    at_us: int,
    *,
    status_callback: str = "",
    sent_us: int | None = None,
    error: tuple[int, str] | None = None,
) -> tuple[Message, list[Media]]:
    """Return a message and its media rows, ready for `Store.add_message`.

    A price is set once the message has left the queue (sent_us given).
    """
    sid = message_sid(len(media))
    segments = 1 if media else count_segments(body)
    message = Message(
        sid=sid,
        direction=direction,
        from_number=from_number,
        to_number=to_number,
        body=body,
        status=status,
        error_code=error[0] if error else None,
        error_message=error[1] if error else None,
        num_segments=segments,
        num_media=len(media),
        price=price_for(segments, len(media)) if sent_us is not None else None,
        status_callback=status_callback,
        created_us=at_us,
        sent_us=sent_us,
        updated_us=sent_us or at_us,
    )
    rows = [
        Media(new_sid("ME"), sid, item.content_type, item.data, position, at_us)
        for position, item in enumerate(media)
    ]
    return message, rows
