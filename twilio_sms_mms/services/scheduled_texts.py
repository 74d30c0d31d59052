"""The scheduled part of the plugin's record: when a text is due, and who canceled it.

A scheduled text keeps its `send_at` whatever happens next (status callbacks move its status on
when Twilio sends it); a cancel records its reason with the status in one statement, so the
thread can say "canceled after the patient replied STOP".
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from twilio_sms_mms.constants.statuses import MessageStatus
from twilio_sms_mms.models.records import TextMessage
from twilio_sms_mms.services import messaging, presenters, storage

if TYPE_CHECKING:
    from datetime import datetime

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
    movable = [*storage.statuses_before(MessageStatus.CANCELED), MessageStatus.CANCELED]
    changed = TextMessage.objects.filter(
        sid=update.message_sid, status__in=movable, canceled_by__isnull=True
    ).update(status=MessageStatus.CANCELED, canceled_by=reason, updated=storage.now())
    if not changed:
        return messaging.receive_status(update)
    record = TextMessage.objects.get(sid=update.message_sid)
    return messaging.announce_message(record, list(record.patient_ids or []))


def send_times(sids: list[str]) -> dict[str, datetime]:
    """The stored send time of each scheduled text among these sids (1 query, none for [])."""
    if not sids:
        return {}
    rows = TextMessage.objects.filter(sid__in=sids, send_at__isnull=False)
    return dict(rows.values_list("sid", "send_at"))


def with_send_at(messages: list[dict]) -> list[dict]:
    """Log rows or details with `sendAt` from the record (Twilio's JSON has no send time).

    Only `scheduled` and `canceled` messages are looked up: the usual page costs no query.
    """
    waiting = (MessageStatus.SCHEDULED, MessageStatus.CANCELED)
    times = send_times([item["sid"] for item in messages if item.get("status") in waiting])
    return [{**item, "sendAt": presenters.iso(times.get(item["sid"]))} for item in messages]
