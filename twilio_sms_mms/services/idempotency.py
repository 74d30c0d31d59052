"""Exactly-once sends: the client's idempotency key, the payload's fingerprint, and what a second
request with the same key gets."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from hashlib import sha256
from http import HTTPStatus
from typing import TYPE_CHECKING

from twilio_sms_mms.services.errors import ApiError
from twilio_sms_mms.services.storage import AttemptState

if TYPE_CHECKING:
    from canvas_sdk.effects import Effect

    from twilio_sms_mms.models.records import SendAttempt
    from twilio_sms_mms.services.validation import SendRequest

MAY_HAVE_BEEN_SENT = (
    "The message may have been sent: check the conversation before sending it again."
)


@dataclass(frozen=True)
class SendAnswer:
    """What POST /sms_send answers: a status (201 or 202), the JSON body and live updates."""

    status: int
    body: dict
    effects: list[Effect] = field(default_factory=list)


def fingerprint(request: SendRequest) -> str:
    """A digest of what the send asks Twilio to do (same key + other payload = a conflict)."""
    payload = [
        request.number_from,
        request.number_from_sid,
        request.number_to,
        request.text,
        list(request.media_urls),
        request.callback_url,
    ]
    if request.messaging_service_sid:  # appended only when set: older digests stay valid
        payload.append(request.messaging_service_sid)
    if request.send_at:
        payload.append(request.send_at.isoformat())
    return sha256(json.dumps(payload, separators=(",", ":")).encode()).hexdigest()


def replay(attempt: SendAttempt, request_fingerprint: str) -> SendAnswer:
    """The answer to a request whose key was used before: the first result, or a 409."""
    if attempt.fingerprint != request_fingerprint:
        raise ApiError(
            HTTPStatus.CONFLICT,
            "This clientRequestId was already used for a different message.",
            field="clientRequestId",
            reason="idempotency_conflict",
        )
    if attempt.state == AttemptState.PENDING or not attempt.response:
        raise ApiError(
            HTTPStatus.CONFLICT,
            "This message is being sent right now: wait for the first request to finish.",
            field="clientRequestId",
            reason="send_in_progress",
        )
    return SendAnswer(
        attempt.response_status or HTTPStatus.CREATED,
        {**attempt.response, "replayed": True},
    )
