"""POST Messages.json: validating a send like Twilio and queueing it."""

import re
from urllib.parse import urlsplit

from devtools.twilio_sandbox.clock import now_us
from devtools.twilio_sandbox.compose import compose_message
from devtools.twilio_sandbox.context import SandboxContext
from devtools.twilio_sandbox.dispatch import start_sending
from devtools.twilio_sandbox.errors import TwilioError
from devtools.twilio_sandbox.media_fetch import collect_media
from devtools.twilio_sandbox.media_source import resolve_media
from devtools.twilio_sandbox.messaging_v1 import load, pick_sender
from devtools.twilio_sandbox.records import OUTBOUND_API, Message
from devtools.twilio_sandbox.scheduling import remember, send_at_of
from devtools.twilio_sandbox.send_queue import MAX_BACKLOG_S, MAX_VALIDITY_S

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
INVALID_TEST_NUMBER = "+15005550001"
MAX_BODY = 1600
MAX_MEDIA = 10


def _first(form: list[tuple[str, str]], name: str) -> str:
    return next((value for key, value in form if key == name), "")


def sender_of(ctx: SandboxContext, form: list[tuple[str, str]]) -> str:
    """The From of a send: given, or picked from its MessagingServiceSid's numbers."""
    sender = _first(form, "From").strip()
    service_sid = _first(form, "MessagingServiceSid").strip()
    if sender or not service_sid:
        return sender
    return pick_sender(ctx.store, service_sid)


def validity_of(ctx: SandboxContext, form: list[tuple[str, str]]) -> int:
    """The message's ValidityPeriod (1-36000 s, else 21624): given, its service's, or 36000."""
    given = _first(form, "ValidityPeriod").strip()
    if given:
        if not given.isdigit() or not 1 <= int(given) <= MAX_VALIDITY_S:
            raise TwilioError(400, 21624, "Invalid validity period value")
        return int(given)
    service = load(ctx.store).service(_first(form, "MessagingServiceSid").strip())
    return int(service["validity_period"]) if service else MAX_VALIDITY_S


def validate_send(ctx: SandboxContext, form: list[tuple[str, str]]) -> None:
    """Raise the TwilioError Twilio would answer for this send, in Twilio's order of checks."""
    to, sender = _first(form, "To").strip(), sender_of(ctx, form)
    body = _first(form, "Body")
    media_urls = [value for key, value in form if key == "MediaUrl"]
    callback = _first(form, "StatusCallback")
    if not to:
        raise TwilioError(400, 21604, "A 'To' phone number is required.")
    if not sender:
        raise TwilioError(400, 21603, "A 'From' phone number is required.")
    if not E164.match(to) or to == INVALID_TEST_NUMBER:
        raise TwilioError(400, 21211, f"Invalid 'To' Phone Number: {to}")
    if ctx.store.phone_by_number(sender) is None:
        raise TwilioError(
            400,
            21606,
            f"The 'From' phone number provided ({sender}) is not a valid message-capable Twilio"
            " phone number for this destination/account",
        )
    if not body and not media_urls:
        raise TwilioError(400, 21602, "Message body is required.")
    if len(body) > MAX_BODY:
        raise TwilioError(
            400, 21617, "The concatenated message body exceeds the 1600 character limit."
        )
    if len(media_urls) > MAX_MEDIA:
        raise TwilioError(400, 21623, "Number of media files exceeds allowed limit.")
    for url in [*media_urls, *([callback] if callback else [])]:
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
            raise TwilioError(400, 21609 if url == callback else 21620, f"Invalid URL: {url}")
    if ctx.store.is_opted_out(sender, to):
        raise TwilioError(400, 21610, "Attempt to send to unsubscribed recipient")
    validity_of(ctx, form)
    # A send through a service is accepted whatever the backlog: it expires later (30001).
    service_send = bool(_first(form, "MessagingServiceSid").strip())
    if not service_send and ctx.queue.backlog_seconds(sender) > MAX_BACKLOG_S:
        raise TwilioError(
            400, 21611, "This 'From' number has exceeded the maximum number of queued messages"
        )


def create_outbound(ctx: SandboxContext, form: list[tuple[str, str]]) -> Message:
    """Validate, store a queued outbound-api message with its media, and start sending it."""
    validate_send(ctx, form)
    send_at = send_at_of(form)
    validity = validity_of(ctx, form)
    own = [ctx.public_url, ctx.bound_url]
    media, failure = collect_media(
        [value for key, value in form if key == "MediaUrl"],
        lambda url: resolve_media(url, own, ctx.store),
    )
    message, rows = compose_message(
        OUTBOUND_API,
        sender_of(ctx, form),
        _first(form, "To").strip(),
        _first(form, "Body"),
        media,
        "queued" if send_at is None else "scheduled",
        now_us(),
        status_callback=_first(form, "StatusCallback"),
    )
    ctx.store.add_message(message, rows)
    if send_at is not None:
        remember(ctx, message.sid, send_at, validity)
    else:
        start_sending(ctx, message, validity, failure)
    return message
