"""The stand-in's stored resources as small value objects."""

from dataclasses import dataclass

OUTBOUND_API = "outbound-api"
OUTBOUND_REPLY = "outbound-reply"
INBOUND = "inbound"


@dataclass(frozen=True)
class PhoneNumber:
    """A practice number of the account (an IncomingPhoneNumber)."""

    sid: str
    phone_number: str
    friendly_name: str
    sms: bool
    mms: bool
    voice: bool
    fax: bool
    sms_url: str
    sms_method: str
    sms_fallback_url: str
    sms_fallback_method: str
    status_callback: str
    status_callback_method: str
    created_us: int
    updated_us: int


@dataclass(frozen=True)
class Message:
    """One SMS/MMS in either direction."""

    sid: str
    direction: str
    from_number: str
    to_number: str
    body: str
    status: str
    error_code: int | None
    error_message: str | None
    num_segments: int
    num_media: int
    price: str | None
    status_callback: str
    created_us: int
    sent_us: int | None
    updated_us: int


@dataclass(frozen=True)
class Media:
    """One attachment of a message; `data` holds the bytes served at the raw media URL."""

    sid: str
    message_sid: str
    content_type: str
    data: bytes
    position: int
    created_us: int


@dataclass(frozen=True)
class NewMedia:
    """An attachment about to be stored: its content type and bytes."""

    content_type: str
    data: bytes
