"""STOP cancels scheduled texts: Twilio does not, so the plugin does when a STOP arrives.

The texts scheduled to the patient number from the number that received the STOP (and, when the
Messaging Services are in the cache, from every number of its service) are canceled at Twilio:
1 request each, made inside the inbound webhook because a scheduled text must not leave after
the patient said STOP (usually none or one; each is a short POST well inside Twilio's 15 s).

The chart's opt-out flag cancels too, when the plugin next sees it (the chart's thread is opened,
or a send to the number is refused for it): every text still scheduled to that number, from any
practice number, since a chart opt-out refuses the number whoever texts it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from canvas_sdk.caching.plugins import get_cache
from logger import log

from twilio_sms_mms.constants.keywords import KeywordFamily
from twilio_sms_mms.constants.statuses import MessageStatus
from twilio_sms_mms.services import storage
from twilio_sms_mms.services.errors import ApiError
from twilio_sms_mms.services.readiness_report import cache_key
from twilio_sms_mms.services.scheduled_texts import CancelReason, record_canceled
from twilio_sms_mms.services.sending_services import senders_from_cache, service_holding
from twilio_sms_mms.services.webhooks import StatusUpdate

if TYPE_CHECKING:
    from collections.abc import Callable

    from canvas_sdk.effects import Effect

    from twilio_sms_mms.models.records import TextMessage
    from twilio_sms_mms.services.twilio_service import TwilioService
    from twilio_sms_mms.services.webhooks import InboundMessage

AUDIT_ACTION = "cancel_on_stop"
AUDIT_ACTIONS = {CancelReason.STOP: AUDIT_ACTION, CancelReason.CHART: "cancel_on_chart_opt_out"}


def stopped_numbers(account_sid: str, practice_number: str) -> list[str]:
    """The number that got the STOP, with its service's other numbers when they are cached."""
    cached = get_cache().get(cache_key(account_sid))
    senders = senders_from_cache(cached["senders"]) if isinstance(cached, dict) else []
    held = service_holding(senders, practice_number)
    return sorted({practice_number, *(held.numbers if held else ())})


def cancel_on_stop(
    inbound: InboundMessage, twilio: Callable[[], TwilioService], account_sid: str
) -> list[Effect]:
    """Cancel the patient's scheduled texts after a STOP; the thread says they were canceled
    because of it (`canceledBy: "stop"`)."""
    if inbound.keyword != KeywordFamily.OPT_OUT:
        return []
    scheduled = storage.scheduled_to([inbound.number_from])
    if not scheduled.exists():  # the usual case: no lookup of the services at all
        return []
    numbers = stopped_numbers(account_sid, inbound.number_to)
    return cancel_each(
        list(scheduled.filter(practice_number__in=numbers)), twilio, CancelReason.STOP
    )


def cancel_on_chart_opt_out(
    opted_out_numbers: list[str], twilio: Callable[[], TwilioService]
) -> list[Effect]:
    """Cancel the texts still scheduled to numbers a chart marks opted out (`canceledBy: "chart"`).

    1 query (none when no number is opted out), then 1 Twilio request per scheduled text.
    """
    if not opted_out_numbers:
        return []
    pending = list(storage.scheduled_to(opted_out_numbers))
    return cancel_each(pending, twilio, CancelReason.CHART)


def cancel_each(
    pending: list[TextMessage], twilio: Callable[[], TwilioService], reason: CancelReason
) -> list[Effect]:
    """Cancel each text at Twilio, audit it and record why; one Twilio refusal skips only it."""
    effects: list[Effect] = []
    for record in pending:
        try:
            twilio().cancel_message(record.sid)
        except ApiError as error:  # e.g. 30409: it left a moment ago; nothing else to do
            log.warning(f"cancel on opt-out failed sid={record.sid} status={error.status}")
            continue
        storage.audit("", AUDIT_ACTIONS[reason], record.sid)
        update = StatusUpdate(
            record.sid, MessageStatus.CANCELED, None, record.practice_number, record.patient_number
        )
        effects += record_canceled(update, reason)
    return effects
