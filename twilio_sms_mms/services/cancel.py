"""POST /message_cancel/<sid>: cancel a scheduled text at Twilio, record it, tell the thread."""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING

from twilio_sms_mms.constants.error_codes import ERROR_EXPLANATIONS
from twilio_sms_mms.constants.statuses import MessageStatus
from twilio_sms_mms.models.records import TextMessage
from twilio_sms_mms.services import storage
from twilio_sms_mms.services.errors import ApiError
from twilio_sms_mms.services.scheduled_texts import CancelReason, record_canceled
from twilio_sms_mms.services.webhooks import StatusUpdate

if TYPE_CHECKING:
    from canvas_sdk.effects import Effect

    from twilio_sms_mms.services.twilio_service import TwilioService

NOT_CANCELABLE = 30409


def cancel_scheduled(
    twilio: TwilioService, message_sid: str, staff_id: str
) -> tuple[dict, list[Effect]]:
    """Cancel a text the plugin knows as `scheduled` (409 otherwise, as Twilio's 30409)."""
    record = TextMessage.objects.filter(sid=message_sid).first()
    if record is not None and record.status != MessageStatus.SCHEDULED:
        raise ApiError(
            HTTPStatus.CONFLICT,
            ERROR_EXPLANATIONS[NOT_CANCELABLE],
            twilio_code=NOT_CANCELABLE,
            reason="not_scheduled",
        )
    message = twilio.cancel_message(message_sid)
    storage.audit(staff_id, "cancel_scheduled", message_sid)
    update = StatusUpdate(
        message_sid=message.sid,
        status=message.status.value,
        error_code=None,
        number_from=message.number_from or "",
        number_to=message.number_to or "",
    )
    effects = record_canceled(update, CancelReason.STAFF)
    return {"sid": message.sid, "status": message.status.value}, effects
