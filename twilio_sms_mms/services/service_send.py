"""Sending through a Messaging Service: which numbers it holds, and its opt-outs.

Twilio picks the sender of a service send (sticky sender: the number that texted the patient
before). A patient's STOP to any number of the service opts them out of the whole service.
"""

from __future__ import annotations

from dataclasses import replace
from http import HTTPStatus
from typing import TYPE_CHECKING

from twilio_sms_mms.constants.statuses import Direction
from twilio_sms_mms.models.records import TextMessage
from twilio_sms_mms.services import storage
from twilio_sms_mms.services.errors import ApiError, bad_request

if TYPE_CHECKING:
    from collections.abc import Callable

    from twilio_sms_mms.services.sending_services import ServiceSenders
    from twilio_sms_mms.services.validation import SendRequest


def through_service(
    request: SendRequest, services: Callable[[bool], list[ServiceSenders]]
) -> SendRequest:
    """The request with its service's numbers (and expected sender), or a 400.

    `services(refresh)` gives the account's Messaging Services (cached; refreshed once when the
    service is not in the cache, e.g. created minutes ago).
    """
    sid = request.messaging_service_sid
    if not sid:
        return request
    held = find(services(False), sid) or find(services(True), sid)
    if held is None:
        raise bad_request("That is not a Messaging Service of this account", "messagingServiceSid")
    if not held.numbers:
        raise bad_request(
            f"The Messaging Service {held.service.name} holds no phone number (Twilio 21704)",
            "messagingServiceSid",
        )
    if request.number_from and request.number_from not in held.numbers:
        raise bad_request(
            f"{request.number_from} is not in the Messaging Service {held.service.name}",
            "numberFrom",
        )
    return replace(
        request, number_from=request.number_from or held.numbers[0], service_numbers=held.numbers
    )


def find(services: list[ServiceSenders], sid: str) -> ServiceSenders | None:
    """The service with this sid, or None."""
    return next((item for item in services if item.service.sid == sid), None)


def require_service_not_opted_out(request: SendRequest) -> None:
    """409 `opted_out` when the patient opted out of any number of the send's service."""
    if not request.service_numbers:
        return
    pairs = storage.opted_out_pairs([request.number_to])
    stopped = [number for number in request.service_numbers if (number, request.number_to) in pairs]
    if stopped:
        raise ApiError(
            HTTPStatus.CONFLICT,
            f"This number opted out of texts from this Messaging Service (they replied STOP to "
            f"{stopped[0]}). They can text START to opt back in.",
            field="numberTo",
            reason="opted_out",
        )


def correct_sender(record: TextMessage, number_from: str) -> None:
    """Record the line that actually texted the patient (a status callback's From).

    A service send is recorded with its expected sender until Twilio says which one it used.
    `record` is the row as the callback just read it: nothing is written when it is right.
    """
    if not number_from or record.direction != Direction.OUTBOUND:
        return
    if record.practice_number != number_from:
        TextMessage.objects.filter(sid=record.sid, direction=Direction.OUTBOUND).exclude(
            practice_number=number_from
        ).update(practice_number=number_from)
