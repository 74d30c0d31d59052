"""The clinic's texting workflows: send, receive, follow a delivery, open a patient's thread.

Each function combines the Twilio service, the chart, the plugin's record and the notifications,
so the handlers only map HTTP to one call.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING

from django.db.transaction import atomic

from twilio_sms_mms.constants.error_codes import explain_error
from twilio_sms_mms.services import notifications, patients, presenters, storage
from twilio_sms_mms.services.errors import ApiError
from twilio_sms_mms.services.webhooks import twiml_reply

if TYPE_CHECKING:
    from canvas_sdk.clients.twilio.structures import Message
    from canvas_sdk.effects import Effect

    from twilio_sms_mms.services.config import PluginConfig
    from twilio_sms_mms.services.twilio_service import TwilioService
    from twilio_sms_mms.services.validation import SendRequest
    from twilio_sms_mms.services.webhooks import InboundMessage, StatusUpdate

OPT_OUT_CODE = 21610


@dataclass(frozen=True)
class SendContext:
    """Who sends, from which chart, and whether they confirmed texting without consent."""

    staff_id: str
    patient_id: str
    confirmed_without_consent: bool


def send_to_patient(
    twilio: TwilioService, request: SendRequest, context: SendContext
) -> tuple[Message, list[Effect]]:
    """Check consent and opt-outs, send, record, audit; return the message and live updates."""
    owners = patients.owners_of_number(request.number_to)
    require_may_text(request, context, owners)
    try:
        message = twilio.send(request)
    except ApiError as error:
        if error.twilio_code == OPT_OUT_CODE:
            storage.set_opt_out(request.number_from, request.number_to, True, "twilio_21610")
        raise
    patient_ids = {owner.patient_id for owner in owners}
    if context.patient_id:
        patient_ids.add(context.patient_id)
    staff_name = patients.staff_name(context.staff_id)
    with atomic():  # one commit for the record and its audit line
        record = storage.record_outbound(
            sid=message.sid,
            status=message.status.value,
            practice_number=request.number_from,
            patient_number=request.number_to,
            body=request.text,
            media_urls=list(request.media_urls),
            staff_id=context.staff_id,
            staff_name=staff_name,
            patient_ids=sorted(patient_ids),
        )
        storage.audit(context.staff_id, "send", message.sid)
    event = {"type": "message", "message": presenters.thread_message(record)}
    return message, notifications.live_update(sorted(patient_ids), event)


def require_may_text(
    request: SendRequest, context: SendContext, owners: list[patients.NumberOwner]
) -> None:
    """Refuse (409) a number that opted out, or one without consent unless confirmed."""
    pair = (request.number_from, request.number_to)
    if pair in storage.opted_out_pairs([request.number_to]):
        raise ApiError(
            HTTPStatus.CONFLICT,
            f"This number opted out of texts from {request.number_from} (they replied STOP). "
            "They can text START to opt back in.",
            field="numberTo",
            reason="opted_out",
        )
    phone = next((owner for owner in owners if owner.patient_id == context.patient_id), None)
    if phone and phone.opted_out:
        raise ApiError(
            HTTPStatus.CONFLICT,
            "The chart marks this number as opted out of texts.",
            field="numberTo",
            reason="opted_out",
        )
    if phone and not phone.has_consent and not context.confirmed_without_consent:
        raise ApiError(
            HTTPStatus.CONFLICT,
            "The patient has not consented to texts at this number. Send anyway?",
            field="numberTo",
            reason="consent_required",
        )


def receive_inbound(config: PluginConfig, inbound: InboundMessage) -> tuple[str, list[Effect]]:
    """Record an inbound text once, handle keywords, notify; return the TwiML and effects."""
    patient_ids = patients.patients_with_number(inbound.number_from)
    record, created = storage.record_inbound(inbound, patient_ids)
    keyword = inbound.keyword
    if created and keyword in ("opt_out", "opt_in"):
        opted_out = keyword == "opt_out"
        storage.set_opt_out(inbound.number_to, inbound.number_from, opted_out, "keyword")
    reply = (
        config.help_reply_text if keyword == "help" else "" if keyword else config.auto_reply_text
    )
    if not created:
        return twiml_reply(reply), []
    event = {"type": "message", "message": presenters.thread_message(record)}
    effects = notifications.live_update(patient_ids, event)
    for patient_id in patient_ids:
        numbers = [phone.number for phone in patients.chart_phones(patient_id)]
        effects.extend(notifications.unread_badge(patient_id, storage.unread_count(numbers)))
        if config.create_task_on_inbound and not keyword:
            effects.append(notifications.reply_task(patient_id, config.inbound_task_team_id))
    return twiml_reply(reply), effects


def receive_status(update: StatusUpdate) -> list[Effect]:
    """Apply a delivery status once; a 21610 marks the pair opted out; notify open threads."""
    if update.error_code == OPT_OUT_CODE and update.number_from and update.number_to:
        storage.set_opt_out(update.number_from, update.number_to, True, "twilio_21610")
    record = storage.apply_status(update)
    if record is None:
        return []
    event = {
        "type": "status",
        "sid": record.sid,
        "status": record.status,
        "errorCode": record.error_code,
        "errorExplanation": explain_error(record.error_code),
    }
    return notifications.live_update(list(record.patient_ids or []), event)


def patient_thread(
    config: PluginConfig, patient_id: str, mark_read: bool = True
) -> tuple[dict, list[Effect]]:
    """The patient's numbers, conversation and quick replies; reading it clears the badge."""
    summary = patients.patient_summary(patient_id)
    if summary is None:
        raise ApiError(HTTPStatus.NOT_FOUND, "No patient with this id", field="patientId")
    phones = patients.chart_phones(patient_id)
    numbers = [phone.number for phone in phones]
    opted_out = storage.opted_out_pairs(numbers)
    owners = patients.patients_by_number(numbers)
    messages = storage.thread(numbers)
    cleared = storage.mark_read(numbers) if mark_read else 0
    body = {
        "patient": {
            "id": summary.id,
            "firstName": summary.first_name,
            "lastName": summary.last_name,
        },
        "phones": [
            presenters.chart_phone_json(
                phone,
                sorted(practice for practice, number in opted_out if number == phone.number),
                len(owners[phone.number]) > 1,
            )
            for phone in phones
        ],
        "messages": [presenters.thread_message(record) for record in messages],
        "quickReplies": quick_replies(config, summary),
    }
    effects = notifications.unread_badge(patient_id, 0) if cleared else []
    return body, effects


def mark_thread_read(patient_id: str) -> tuple[dict, list[Effect]]:
    """Mark the patient's inbound texts read and clear the badge.

    The badge is cleared even when nothing changed: a webhook running at the same time may have
    published its count after an earlier clear.
    """
    numbers = [phone.number for phone in patients.chart_phones(patient_id)]
    marked = storage.mark_read(numbers)
    return {"marked": marked, "unread": 0}, notifications.unread_badge(patient_id, 0)


def quick_replies(config: PluginConfig, patient: patients.PatientSummary) -> list[dict]:
    """The administrator's templates with the placeholders filled in for this patient."""
    values = {
        "{patient_first_name}": patient.first_name,
        "{patient_last_name}": patient.last_name,
        "{practice_name}": config.practice_name or "our practice",
    }
    filled = []
    for reply in config.quick_replies:
        text = reply.text
        for placeholder, value in values.items():
            text = text.replace(placeholder, value)
        filled.append({"name": reply.name, "text": text})
    return filled
