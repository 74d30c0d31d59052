"""What Twilio's webhooks carry, parsed tolerantly, and the TwiML the plugin answers with."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs

from canvas_sdk.clients.twilio.structures import TwiMlMessage

from twilio_sms_mms.constants.keywords import KeywordFamily, keyword_of
from twilio_sms_mms.constants.settings import MEDIA_MAX_COUNT
from twilio_sms_mms.services.log_safety import mask_number

__all__ = [
    "InboundMessage",
    "StatusUpdate",
    "first",
    "form_params",
    "mask_number",
    "twiml_reply",
]

REPLACEMENT_CHARACTER = "\ufffd"
NUMBER_MAX_CHARS = 16
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?>\n<Response />'


def form_params(raw: str) -> dict[str, list[str]]:
    """Every parameter of a form-encoded body or query string, blank values kept."""
    return parse_qs(raw or "", keep_blank_values=True)


def first(params: dict[str, list[str]], name: str) -> str:
    """The first value of a parameter, or "" when Twilio omitted it.

    NUL becomes U+FFFD: PostgreSQL refuses it in text, and a texter's message must still be kept.
    """
    values = params.get(name) or [""]
    return values[0].replace("\x00", REPLACEMENT_CHARACTER)


def number_param(params: dict[str, list[str]], name: str) -> str:
    """A From/To value cut to the longest number the plugin stores (E.164: 16 characters)."""
    return first(params, name)[:NUMBER_MAX_CHARS]


@dataclass(frozen=True)
class InboundMessage:
    """A text a patient sent to a practice number."""

    message_sid: str
    number_from: str
    number_to: str
    body: str
    media_urls: tuple[str, ...]
    media_types: tuple[str, ...]

    @classmethod
    def from_params(cls, params: dict[str, list[str]]) -> InboundMessage:
        """Parse the webhook; optional parameters (MessagingServiceSid, From*...) may be absent."""
        declared = first(params, "NumMedia")
        count = min(int(declared), MEDIA_MAX_COUNT) if declared.isdigit() else 0
        return cls(
            message_sid=first(params, "MessageSid") or first(params, "SmsMessageSid"),
            number_from=number_param(params, "From"),
            number_to=number_param(params, "To"),
            body=first(params, "Body"),
            media_urls=tuple(first(params, f"MediaUrl{index}") for index in range(count)),
            media_types=tuple(first(params, f"MediaContentType{index}") for index in range(count)),
        )

    @property
    def keyword(self) -> KeywordFamily | None:
        """The keyword family of the body (opt out, opt in, help) or None."""
        return keyword_of(self.body)


@dataclass(frozen=True)
class StatusUpdate:
    """A delivery status Twilio reports for an outbound message."""

    message_sid: str
    status: str
    error_code: int | None
    number_from: str
    number_to: str

    @classmethod
    def from_params(cls, params: dict[str, list[str]]) -> StatusUpdate:
        """Parse a status callback; ErrorCode only comes with failed/undelivered."""
        code = first(params, "ErrorCode")
        return cls(
            message_sid=first(params, "MessageSid") or first(params, "SmsSid"),
            status=first(params, "MessageStatus") or first(params, "SmsStatus"),
            error_code=int(code) if code.isdigit() else None,
            number_from=number_param(params, "From"),
            number_to=number_param(params, "To"),
        )


def twiml_reply(text: str) -> str:
    """TwiML answering with one text (escaped by the SDK), or the empty acknowledgement."""
    if not text.strip():
        return EMPTY_TWIML
    return TwiMlMessage.instance(text).to_xml()
