"""Seeds: the demo practice (numbers, patients, ten days of history) and bench histories."""

import hashlib
import random
from dataclasses import dataclass

from devtools.twilio_sandbox.assets import PDF_ASSET, asset, make_png
from devtools.twilio_sandbox.clock import now_us
from devtools.twilio_sandbox.compose import compose_message
from devtools.twilio_sandbox.records import (
    INBOUND,
    OUTBOUND_API,
    OUTBOUND_REPLY,
    Media,
    Message,
    NewMedia,
    PhoneNumber,
)
from devtools.twilio_sandbox.store import Store

MAIN_LINE = "+15550100001"
FRONT_DESK = "+15550100002"
FRONT_DESK_LABEL = 'Front desk <img src=x onerror="window.__xss=1">'
MARIA = "+15550123456"
JOHN = "+15550199999"
UNKNOWN_TEXTER = "+15550177777"
PATIENTS = {MARIA: "Maria Lopez", JOHN: "John Carter", UNKNOWN_TEXTER: "Unknown texter"}
HOSTILE_CONTENT_TYPE = 'text/html"><script>window.__xss=1</script>'

_MINUTE = 60 * 1_000_000
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR


def phone_sid(account_sid: str, number: str) -> str:
    """Return the stable PN sid the seeds give `number` in this account."""
    return "PN" + hashlib.md5(f"{account_sid}:{number}".encode()).hexdigest()


def ensure_phone(
    store: Store, account_sid: str, number: str, label: str, mms: bool = True, voice: bool = True
) -> PhoneNumber:
    """Return the practice number `number`, creating it (empty sms_url) when missing."""
    existing = store.phone_by_number(number)
    if existing:
        return existing
    at = now_us()
    phone = PhoneNumber(
        sid=phone_sid(account_sid, number),
        phone_number=number,
        friendly_name=label,
        sms=True,
        mms=mms,
        voice=voice,
        fax=False,
        sms_url="",
        sms_method="POST",
        sms_fallback_url="",
        sms_fallback_method="POST",
        status_callback="",
        status_callback_method="POST",
        created_us=at,
        updated_us=at,
    )
    store.add_phone(phone)
    return phone


@dataclass
class _History:
    """Collects seeded messages; `ago` is how long before now each one happened."""

    now: int
    messages: list[Message]
    media: list[Media]

    def add(
        self,
        ago: int,
        direction: str,
        sender: str,
        recipient: str,
        body: str,
        status: str = "",
        media: list[NewMedia] | None = None,
        error: tuple[int, str] | None = None,
        sent: bool = True,
    ) -> None:
        at = self.now - ago
        status = status or ("received" if direction == INBOUND else "delivered")
        message, rows = compose_message(
            direction,
            sender,
            recipient,
            body,
            media or [],
            status,
            at,
            sent_us=at + 1_000_000 if sent else None,
            error=error,
        )
        self.messages.append(message)
        self.media.extend(rows)


def _png(name: str) -> NewMedia:
    found = asset(name)
    assert found is not None
    return found


def seed_demo(store: Store, account_sid: str) -> None:
    """Create the demo practice once: two numbers, three patients, about ten days of texts."""
    if store.get_meta("demo_seeded"):
        return
    ensure_phone(store, account_sid, MAIN_LINE, "Main line")
    ensure_phone(store, account_sid, FRONT_DESK, FRONT_DESK_LABEL, mms=False, voice=False)
    h = _History(now_us(), [], [])
    api, reply = OUTBOUND_API, OUTBOUND_REPLY
    h.add(
        10 * _DAY,
        api,
        MAIN_LINE,
        MARIA,
        "Hi Maria, this is Main Street Clinic. Reminder: your appointment with Dr. Patel is on"
        " Tuesday at 10:30. Reply C to confirm.",
    )
    h.add(10 * _DAY - 5 * _MINUTE, INBOUND, MARIA, MAIN_LINE, "C")
    h.add(
        10 * _DAY - 4 * _MINUTE, reply, MAIN_LINE, MARIA, "Thanks, your appointment is confirmed."
    )
    h.add(
        9 * _DAY,
        api,
        MAIN_LINE,
        JOHN,
        "Hi John, your lab results are ready. Please call us at your convenience.",
    )
    h.add(8 * _DAY, INBOUND, JOHN, MAIN_LINE, "STOP")
    h.add(
        8 * _DAY - 1_000_000,
        reply,
        MAIN_LINE,
        JOHN,
        "You have successfully been unsubscribed. You will not receive any more messages from"
        " this number. Reply START to resubscribe.",
    )
    h.add(
        7 * _DAY,
        api,
        MAIN_LINE,
        MARIA,
        "Your prescription is ready for pickup.",
        status="failed",
        error=(30003, "Unreachable destination handset"),
        sent=False,
    )
    h.add(
        6 * _DAY,
        api,
        FRONT_DESK,
        UNKNOWN_TEXTER,
        "Hello, this is the front desk returning your call.",
        status="undelivered",
        error=(30007, "Message filtered"),
    )
    h.add(6 * _DAY - 30 * _MINUTE, INBOUND, UNKNOWN_TEXTER, FRONT_DESK, "Who is this?")
    h.add(
        5 * _DAY,
        INBOUND,
        MARIA,
        MAIN_LINE,
        "Here are the photos of the rash",
        media=[_png("red.png"), _png("green.png"), _png("blue.png")],
    )
    h.add(
        5 * _DAY - 20 * _MINUTE,
        reply,
        MAIN_LINE,
        MARIA,
        "Thank you, Dr. Patel will review them today.",
    )
    pdf = asset(PDF_ASSET)
    assert pdf is not None
    h.add(4 * _DAY, api, MAIN_LINE, MARIA, "Your visit summary is attached.", media=[pdf])
    h.add(3 * _DAY, INBOUND, UNKNOWN_TEXTER, FRONT_DESK, '<img src=x onerror="window.__xss=1">')
    h.add(2 * _DAY, INBOUND, MARIA, MAIN_LINE, "<script>window.__xss=1</script>hello")
    h.add(
        2 * _DAY - _HOUR,
        INBOUND,
        UNKNOWN_TEXTER,
        MAIN_LINE,
        "see attachment",
        media=[NewMedia(HOSTILE_CONTENT_TYPE, b"<script>window.__xss=1</script>")],
    )
    h.add(
        1 * _DAY,
        api,
        MAIN_LINE,
        MARIA,
        "Reminder: please fast for 12 hours before your blood draw tomorrow at 8:00.",
    )
    h.add(1 * _DAY - 10 * _MINUTE, INBOUND, MARIA, MAIN_LINE, "Will do, thanks \U0001f44d")
    h.add(
        2 * _HOUR,
        api,
        MAIN_LINE,
        MARIA,
        "We are running 15 minutes late today.",
        status="queued",
        sent=False,
    )
    store.add_messages(h.messages, h.media)
    store.set_opt_out(MAIN_LINE, JOHN, True, h.now - 8 * _DAY)
    store.set_meta("demo_seeded", "1")


def bench_number(index: int) -> str:
    """Return the patient number of bench texter `index` (+1555020xxxx)."""
    return f"+1555020{index:04d}"


def seed_bench(
    store: Store,
    account_sid: str,
    messages: int,
    numbers: int,
    media_per_message: int,
    practice_number: str,
    reset: bool,
) -> dict:
    """Fill a history of `messages` texts between `numbers` patients and one practice number.

    One message in ten is an MMS carrying `media_per_message` PNGs. Returns the counts stored.
    """
    if reset:
        store.delete_all_messages()
    ensure_phone(store, account_sid, practice_number, "Bench line")
    rng = random.Random(20261122)
    now = now_us()
    images = [
        make_png((rng.randrange(256), rng.randrange(256), rng.randrange(256)), 8) for _ in range(4)
    ]
    rows: list[Message] = []
    media_rows: list[Media] = []
    for index in range(messages):
        patient = bench_number(index % max(numbers, 1))
        at = now - (messages - index) * 7 * 1_000_000  # one text every 7 s, oldest first
        inbound = rng.random() < 0.4
        attachments = []
        if media_per_message and index % 10 == 0:
            attachments = [
                NewMedia("image/png", images[(index + k) % 4]) for k in range(media_per_message)
            ]
        if inbound:
            message, media = compose_message(
                INBOUND,
                patient,
                practice_number,
                f"Bench reply {index}",
                attachments,
                "received",
                at,
                sent_us=at,
            )
        else:
            message, media = compose_message(
                OUTBOUND_API,
                practice_number,
                patient,
                f"Bench message {index}: see you soon.",
                attachments,
                "delivered",
                at,
                sent_us=at + 1_000_000,
            )
        rows.append(message)
        media_rows.extend(media)
    store.add_messages(rows, media_rows)
    return {
        "messages": len(rows),
        "media": len(media_rows),
        "numbers": min(numbers, messages),
        "practiceNumber": practice_number,
        "totalMessages": store.count_messages(),
    }
