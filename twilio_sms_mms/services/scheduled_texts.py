"""The scheduled part of the plugin's record: when a text is due, and who canceled it.

A scheduled text keeps its `send_at` whatever happens next (status callbacks move its status on
when Twilio sends it); a cancel records its reason with the status in one statement, so the
thread can say "canceled after the patient replied STOP".
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from twilio_sms_mms.constants.statuses import MessageStatus
from twilio_sms_mms.services import messaging, presenters, storage

if TYPE_CHECKING:
    from canvas_sdk.effects import Effect

    from twilio_sms_mms.services.webhooks import StatusUpdate


class CancelReason(StrEnum):
    """Who canceled a scheduled text (`TextMessage.canceled_by`)."""

    STAFF = "staff"  # a clinician pressed Cancel (POST /message_cancel)
    STOP = "stop"  # the patient replied STOP (services/stop_cancels.py)
    CHART = "chart"  # the chart marks the number opted out (services/stop_cancels.py)


def record_canceled(update: StatusUpdate, reason: CancelReason) -> list[Effect]:
    """Twilio canceled a scheduled text: store `canceled` and why, and show it in the threads.

    One conditional UPDATE (a status only moves forward; a first reason is kept). A sid the
    plugin never recorded goes the way of any status callback.
    """
    record = storage.mark_canceled(update.message_sid, reason)
    if record is None:
        return messaging.receive_status(update)
    return messaging.announce_message(record, list(record.patient_ids or []))


def with_send_at(messages: list[dict]) -> list[dict]:
    """Log rows or details with `sendAt` from the record (Twilio's JSON has no send time).

    Only `scheduled` and `canceled` messages are looked up: the usual page costs no query.
    """
    waiting = (MessageStatus.SCHEDULED, MessageStatus.CANCELED)
    times = storage.send_times([item["sid"] for item in messages if item.get("status") in waiting])
    return [{**item, "sendAt": presenters.iso(times.get(item["sid"]))} for item in messages]
