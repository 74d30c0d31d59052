"""The one module that talks to Twilio.

It wraps the SDK's `SmsClient` and its quirks in one place: the API origin is configurable, lists
are read one page at a time (the SDK's generators walk the whole history), a send reuses cached
sender capabilities (the SDK looks the phone up before every send), a message and its media are
fetched in parallel, and every Twilio or network failure becomes an `ApiError`.
"""

from __future__ import annotations

from base64 import b64encode, urlsafe_b64decode, urlsafe_b64encode
from dataclasses import asdict, dataclass
from http import HTTPStatus
from random import uniform
from time import sleep
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlparse

from canvas_sdk.caching.plugins import get_cache
from canvas_sdk.clients.twilio.libraries import SmsClient
from canvas_sdk.clients.twilio.structures import Media, Message, RequestFailed, Settings
from canvas_sdk.utils import Http, batch_get
from requests.exceptions import ConnectionError as RequestsConnectionError
from requests.exceptions import RequestException, Timeout

from twilio_sms_mms.constants import settings as limits
from twilio_sms_mms.services.errors import ApiError, bad_request, from_network_failure
from twilio_sms_mms.services.errors import from_twilio_failure as twilio_error
from twilio_sms_mms.services.scheduling import SCHEDULE_TYPE, twilio_send_at
from twilio_sms_mms.services.sending_services import Campaign, MessagingService, ServiceSenders

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from requests import Response

    from twilio_sms_mms.services.config import PluginConfig
    from twilio_sms_mms.services.validation import SendRequest, WebhookSetting

CURSOR_KEYS = frozenset({"To", "From", "PageSize", "Page", "PageToken"})
# Twilio's answers when the sender cannot send this message: its cached capabilities are stale.
CAPABILITY_ERROR_CODES = frozenset({21606, 21612})
FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}
# How `requests` words a failure to open the connection (nothing was sent). The sandbox does not
# let the plugin import urllib3's exception classes, so their names are read from the message.
CONNECT_FAILURES = ("NewConnectionError", "NameResolutionError", "ConnectTimeoutError")
LOOKUP_PAGE_SIZE = 50
# 429/20429: at most 3 tries, waiting 0.25-0.5 s then 0.5-0.75 s (exponential, with jitter).
RATE_LIMIT_TRIES = 3
BACKOFF_BASE_SECONDS = 0.25


class SendOutcomeUnknown(Exception):
    """The send's POST may have reached Twilio, but no answer says what became of it."""


def nothing_left(error: RequestException) -> bool:
    """True when a `requests` failure proves the request never reached Twilio."""
    if isinstance(error, Timeout):
        return isinstance(error, RequestsConnectionError)  # ConnectTimeout, not ReadTimeout
    if isinstance(error, RequestsConnectionError):
        text = str(error)
        return any(marker in text for marker in CONNECT_FAILURES)
    return False


@dataclass(frozen=True)
class PhoneNumber:
    """A practice number of the Twilio account."""

    sid: str
    phone_number: str
    label: str
    sms: bool
    mms: bool
    voice: bool
    fax: bool
    status: str
    sms_url: str
    sms_method: str
    status_callback: str

    @classmethod
    def from_twilio(cls, data: dict) -> PhoneNumber:
        """Build from Twilio's IncomingPhoneNumber JSON."""
        capabilities = data.get("capabilities") or {}
        return cls(
            sid=data["sid"],
            phone_number=data["phone_number"],
            label=data.get("friendly_name") or data["phone_number"],
            sms=bool(capabilities.get("sms")),
            mms=bool(capabilities.get("mms")),
            voice=bool(capabilities.get("voice")),
            fax=bool(capabilities.get("fax")),
            status=data.get("status") or "",
            sms_url=data.get("sms_url") or "",
            sms_method=data.get("sms_method") or "POST",
            status_callback=data.get("status_callback") or "",
        )


@dataclass(frozen=True)
class MessagePage:
    """One page of messages, newest first, and the cursor of the next page."""

    messages: list[Message]
    next_cursor: str | None


@dataclass(frozen=True)
class MediaContent:
    """The bytes of one media item."""

    content: bytes
    content_type: str


class TwilioService:
    """Every Twilio call the plugin makes; each method says how many requests it costs."""

    def __init__(self, config: PluginConfig) -> None:
        if config.problems:
            raise ApiError(HTTPStatus.SERVICE_UNAVAILABLE, "; ".join(config.problems))
        self.config = config
        self.client = SmsClient(Settings(config.account_sid, config.api_key, config.api_secret))
        self.client.http = Http(config.twilio_account_url)
        # Batches that mix both APIs: every URL is built here from the two configured origins.
        self.both_apis = Http()
        credentials = f"{config.api_key}:{config.api_secret}".encode()
        self.auth = {"Authorization": f"Basic {b64encode(credentials).decode()}"}

    def phone_numbers(self) -> list[PhoneNumber]:
        """The account's numbers: 1 request per 1000 numbers. Refreshes the capability cache."""
        phones: list[PhoneNumber] = []
        url: str | None = f"IncomingPhoneNumbers.json?PageSize={limits.PHONE_PAGE_SIZE}"
        pages = 0
        while url and pages < limits.PHONE_PAGES_MAX:
            data = self.get_json(url)
            phones.extend(self.parsed(lambda page=data: phones_of(page)))
            url, pages = data.get("next_page_uri"), pages + 1
        remember_capabilities(self.config.account_sid, phones)
        return phones

    def senders(self) -> tuple[list[PhoneNumber], list[ServiceSenders]]:
        """The account's numbers and its Messaging Services, each with numbers and campaigns.

        2 round trips of parallel requests: the numbers' first page with the services' list,
        then the numbers and the US A2P campaigns of every service: 2 + 2 x services requests.
        """
        messaging = self.config.messaging_url
        first = self.batch(
            [
                f"{self.config.twilio_account_url}IncomingPhoneNumbers.json"
                f"?PageSize={limits.PHONE_PAGE_SIZE}",
                f"{messaging}Services?PageSize={limits.SERVICE_PAGE_SIZE}",
            ]
        )
        phones = self.parsed(lambda: phones_of(first[0]))
        services = self.parsed(
            lambda: [MessagingService.from_twilio(item) for item in first[1]["services"]]
        )
        remember_capabilities(self.config.account_sid, phones)
        pages = self.batch(
            [
                url
                for service in services
                for url in (
                    f"{messaging}Services/{service.sid}/PhoneNumbers?PageSize=1000",
                    f"{messaging}Services/{service.sid}/Compliance/Usa2p",
                )
            ]
        )
        return phones, self.parsed(lambda: senders_of(services, pages))

    def batch(self, urls: list[str]) -> list[Any]:
        """GET absolute Twilio URLs in parallel (1 round trip) and return their JSON."""
        if not urls:
            return []
        calls = [batch_get(url, headers=self.auth) for url in urls]
        for attempt in range(RATE_LIMIT_TRIES):  # GETs: the whole batch again after a 429
            responses = self.guarded(lambda: self.both_apis.batch_requests(calls))
            if all(r.status_code != HTTPStatus.TOO_MANY_REQUESTS for r in responses):
                return [self.json_of(response) for response in responses]
            if attempt + 1 < RATE_LIMIT_TRIES:
                sleep(BACKOFF_BASE_SECONDS * (2**attempt + uniform(0, 1)))
        raise twilio_busy()

    def message_page(
        self, number: str, direction: str, page_size: int, cursor: str | None
    ) -> MessagePage:
        """One page of the messages sent from (or received at) a number: 1 request."""
        filter_name = "From" if direction == "from" else "To"
        if cursor:
            query = decode_cursor(cursor, filter_name, number)
        else:
            query = urlencode({filter_name: number, "PageSize": page_size})
        data = self.get_json(f"Messages.json?{query}")
        messages = self.parsed(lambda: [Message.from_dict(item) for item in data["messages"]])
        next_uri = data.get("next_page_uri")
        return MessagePage(messages, encode_cursor(next_uri) if next_uri else None)

    def message_with_media(self, message_sid: str) -> tuple[Message, list[Media]]:
        """A message and its media list: 2 requests in parallel (1 round trip)."""
        responses = self.guarded(
            lambda: self.client.http.batch_requests(
                [
                    batch_get(f"Messages/{message_sid}.json", headers=self.auth),
                    batch_get(f"Messages/{message_sid}/Media.json", headers=self.auth),
                ]
            )
        )
        message_data, media_data = (self.json_of(response) for response in responses)
        message = self.parsed(lambda: Message.from_dict(message_data))
        media = self.parsed(lambda: [Media.from_dict(item) for item in media_data["media_list"]])
        return message, media

    def media_list(self, message_sid: str) -> list[Media]:
        """The media of a message (at most 10): 1 request."""
        data = self.get_json(f"Messages/{message_sid}/Media.json")
        return self.parsed(lambda: [Media.from_dict(item) for item in data["media_list"]])

    def media_content(self, message_sid: str, media_sid: str) -> MediaContent:
        """The bytes of one media item: 1 request (Twilio may redirect to its CDN)."""
        response = self.guarded(
            lambda: self.client.http.get(
                f"Messages/{message_sid}/Media/{media_sid}", headers=self.auth
            )
        )
        if response.status_code != HTTPStatus.OK:
            raise twilio_error(response.status_code, response.text)
        content_type = response.headers.get("Content-Type") or "application/octet-stream"
        return MediaContent(response.content, content_type)

    def cancel_message(self, message_sid: str) -> Message:
        """Cancel a scheduled message (`Status=canceled`, never retried): 1 request."""
        response = self.guarded(
            lambda: self.client.http.post(
                f"Messages/{message_sid}.json",
                data={"Status": "canceled"},
                headers=FORM_HEADERS | self.auth,
            )
        )
        data = self.json_of(response)
        return self.parsed(lambda: Message.from_dict(data))

    def delete_message(self, message_sid: str) -> None:
        """Delete a message at Twilio: 1 request."""
        self.guarded(lambda: self.client.delete_sms(message_sid))

    def send(self, request: SendRequest) -> Message:
        """Send an SMS/MMS: 1 request when the sender's capabilities are cached, else 2.

        A cached sender that seems unable to send this message is looked up again first, in case
        its capabilities changed at Twilio since it was cached. Through a Messaging Service
        (1 request), Twilio picks the sender: MessagingServiceSid replaces From.
        """
        if request.messaging_service_sid:
            sender_field = ("MessagingServiceSid", request.messaging_service_sid)
        else:
            cached = cached_phone(self.config.account_sid, request.number_from_sid)
            usable = cached is not None and self.can_send(cached, request)
            sender = cached if usable and cached else self.fetch_sender(request.number_from_sid)
            self.require_capabilities(sender, request)
            sender_field = ("From", request.number_from)
        form: list[tuple[str, str]] = [("To", request.number_to), sender_field]
        if request.text:
            form.append(("Body", request.text))
        form.extend(("MediaUrl", url) for url in request.media_urls)
        form.append(("StatusCallback", request.callback_url))
        if request.send_at:
            form += [("ScheduleType", SCHEDULE_TYPE), ("SendAt", twilio_send_at(request.send_at))]
        response = self.post_message(form)
        if response.status_code >= HTTPStatus.INTERNAL_SERVER_ERROR:
            raise SendOutcomeUnknown(f"Twilio answered HTTP {response.status_code} to the send")
        if response.status_code != HTTPStatus.CREATED:
            error = twilio_error(response.status_code, response.text)
            if error.twilio_code in CAPABILITY_ERROR_CODES:
                forget_capabilities(self.config.account_sid, request.number_from_sid)
            raise error
        try:
            return Message.from_dict(response.json())
        except (KeyError, TypeError, ValueError) as error:  # accepted, but the sid is unreadable
            raise SendOutcomeUnknown(
                "Twilio accepted the send with an unreadable answer"
            ) from error

    def post_message(self, form: list[tuple[str, str]]) -> Response:
        """POST Messages.json once (never retried): 1 request.

        Raises SendOutcomeUnknown when the request may have reached Twilio (a read timeout, a
        connection dropped after it was sent) and ApiError when it provably did not.
        """
        try:
            return with_backoff(
                lambda: self.client.http.post(
                    "Messages.json", data=form, headers=FORM_HEADERS | self.auth
                )
            )
        except RequestException as error:
            if nothing_left(error):
                raise from_network_failure(error) from error
            raise SendOutcomeUnknown("The send's connection to Twilio failed") from error
        except ValueError as error:
            raise bad_request("That Twilio address is not allowed") from error

    def sent_candidates(self, number_from: str, number_to: str, since: datetime) -> list[Message]:
        """Messages from one number to another sent since a day (newest first): 1 request."""
        query = urlencode(
            {
                "To": number_to,
                "From": number_from,
                "DateSent>": since.strftime("%Y-%m-%d"),  # Twilio's DateSent>=YYYY-MM-DD
                "PageSize": LOOKUP_PAGE_SIZE,
            }
        )
        data = self.get_json(f"Messages.json?{query}")
        return self.parsed(lambda: [Message.from_dict(item) for item in data["messages"]])

    def set_inbound_webhook(self, phone_sid: str, setting: WebhookSetting) -> PhoneNumber:
        """Point a number's inbound messages at a URL: 1 request, returns the updated number."""
        form = {"SmsUrl": setting.url, "SmsMethod": setting.method}
        response = self.guarded(
            lambda: self.client.http.post(
                f"IncomingPhoneNumbers/{phone_sid}.json",
                data=form,
                headers=FORM_HEADERS | self.auth,
            )
        )
        data = self.json_of(response)
        return self.parsed(lambda: PhoneNumber.from_twilio(data))

    def fetch_sender(self, phone_sid: str) -> PhoneNumber:
        """Look the sending number up at Twilio and cache it: 1 request."""
        data = self.get_json(f"IncomingPhoneNumbers/{phone_sid}.json")
        phone = self.parsed(lambda: PhoneNumber.from_twilio(data))
        remember_capabilities(self.config.account_sid, [phone])
        return phone

    @staticmethod
    def can_send(sender: PhoneNumber, request: SendRequest) -> bool:
        """True when the sender matches numberFrom and has what the message needs."""
        return (
            sender.phone_number == request.number_from
            and (sender.sms or not request.text)
            and (sender.mms or not request.media_urls)
        )

    @staticmethod
    def require_capabilities(sender: PhoneNumber, request: SendRequest) -> None:
        """Raise a 400 naming what the sender cannot do."""
        if sender.phone_number != request.number_from:
            raise bad_request("numberFromSid is not the SID of numberFrom", "numberFromSid")
        if request.media_urls and not sender.mms:
            raise bad_request(f"{sender.label} cannot send MMS (pictures)", "mediaUrl")
        if request.text and not sender.sms:
            raise bad_request(f"{sender.label} cannot send SMS", "numberFrom")

    def get_json(self, url: str) -> dict:
        """GET a Twilio resource and return its JSON; 1 request."""
        response = self.guarded(
            lambda: with_backoff(lambda: self.client.http.get(url, headers=self.auth))
        )
        return self.json_of(response)

    @staticmethod
    def json_of(response: Response) -> Any:
        """Return a 2xx response's JSON, or raise the ApiError for Twilio's answer."""
        if not 200 <= response.status_code < 300:
            raise twilio_error(response.status_code, response.text)
        try:
            return response.json()
        except ValueError as error:
            raise ApiError(HTTPStatus.BAD_GATEWAY, "Twilio sent an unreadable answer") from error

    @staticmethod
    def guarded(call: Any) -> Any:
        """Run a call to Twilio, turning the SDK's and `requests`' failures into ApiError."""
        try:
            return call()
        except RequestFailed as error:
            raise twilio_error(error.status_code, error.message) from error
        except RequestException as error:
            raise from_network_failure(error) from error
        except ValueError as error:  # the SDK's Http refuses URLs outside the account base
            raise bad_request("That Twilio address is not allowed") from error

    @staticmethod
    def parsed(build: Any) -> Any:
        """Build a value from Twilio's JSON, turning a surprising shape into a 502."""
        try:
            return build()
        except (KeyError, TypeError, ValueError) as error:
            raise ApiError(HTTPStatus.BAD_GATEWAY, "Twilio sent an unexpected answer") from error


def with_backoff(call: Callable[[], Response]) -> Response:
    """Run a request again while Twilio answers 429 (it was not processed, so even a POST may be
    retried): at most RATE_LIMIT_TRIES tries within about 1.3 s, then a 503 "Twilio is busy".
    A 5xx or a timeout is never retried here (a POST may have been processed)."""
    for attempt in range(RATE_LIMIT_TRIES):
        response = call()
        if response.status_code != HTTPStatus.TOO_MANY_REQUESTS:
            return response
        if attempt + 1 < RATE_LIMIT_TRIES:
            sleep(BACKOFF_BASE_SECONDS * (2**attempt + uniform(0, 1)))
    raise twilio_busy()


def twilio_busy() -> ApiError:
    """The 503 after RATE_LIMIT_TRIES answers 429 in a row."""
    return ApiError(
        HTTPStatus.SERVICE_UNAVAILABLE,
        "Twilio is busy (too many requests): wait a minute and try again.",
        twilio_code=20429,
        reason="twilio_busy",
    )


def phones_of(page: dict) -> list[PhoneNumber]:
    """The numbers of one IncomingPhoneNumbers page."""
    return [PhoneNumber.from_twilio(item) for item in page["incoming_phone_numbers"]]


def senders_of(services: list[MessagingService], pages: list[dict]) -> list[ServiceSenders]:
    """Pair each service with its PhoneNumbers and Usa2p pages (in `senders()`'s order)."""
    return [
        ServiceSenders(
            service=service,
            numbers=tuple(item["phone_number"] for item in numbers["phone_numbers"]),
            campaigns=tuple(Campaign.from_twilio(item) for item in campaigns["compliance"]),
        )
        for service, numbers, campaigns in zip(services, pages[::2], pages[1::2], strict=True)
    ]


def encode_cursor(next_page_uri: str) -> str:
    """Turn Twilio's next_page_uri into an opaque cursor (its query string, base64url)."""
    query = urlparse(next_page_uri).query
    return urlsafe_b64encode(query.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, filter_name: str, number: str) -> str:
    """Return the Twilio query string of a cursor, or raise a 400 if it was not ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        params = parse_qs(urlsafe_b64decode(padded.encode()).decode(), strict_parsing=True)
    except (ValueError, UnicodeDecodeError) as error:
        raise bad_request("The page cursor is not valid", "page") from error
    if not set(params) <= CURSOR_KEYS or params.get(filter_name) != [number]:
        raise bad_request("The page cursor belongs to another list", "page")
    return urlencode([(key, value) for key in sorted(params) for value in params[key]])


def capability_key(account_sid: str, phone_sid: str) -> str:
    """Cache key of a number's capabilities."""
    return f"phone:{account_sid}:{phone_sid}"


def remember_capabilities(account_sid: str, phones: list[PhoneNumber]) -> None:
    """Cache the numbers' capabilities for a short while (saves a request per send)."""
    get_cache().set_many(
        {capability_key(account_sid, phone.sid): phone_to_cache(phone) for phone in phones},
        timeout_seconds=limits.CAPABILITIES_CACHE_SECONDS,
    )


def forget_capabilities(account_sid: str, phone_sid: str) -> None:
    """Drop a number from the cache (after a failed send, in case it changed at Twilio)."""
    get_cache().delete(capability_key(account_sid, phone_sid))


def cached_phone(account_sid: str, phone_sid: str) -> PhoneNumber | None:
    """The cached number, or None."""
    data = get_cache().get(capability_key(account_sid, phone_sid))
    return PhoneNumber(**data) if isinstance(data, dict) else None


def phone_to_cache(phone: PhoneNumber) -> dict:
    """A plain dict of the number for the cache."""
    return asdict(phone)
