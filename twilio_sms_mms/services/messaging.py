"""The clinic's texting workflows: send, receive, follow a delivery, open a patient's thread.

Each function combines the Twilio service, the chart, the plugin's record and the notifications,
so the handlers only map HTTP to one call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from http import HTTPStatus
from typing import TYPE_CHECKING

from django.db.transaction import atomic

from twilio_sms_mms.constants.error_codes import explain_error
from twilio_sms_mms.constants.keywords import KeywordFamily
from twilio_sms_mms.constants.statuses import MessageStatus
from twilio_sms_mms.services import (
    auto_reply,
    cursors,
    idempotency,
    inbox,
    notifications,
    patients,
    presenters,
    service_send,
    storage,
)
from twilio_sms_mms.services.errors import ApiError
from twilio_sms_mms.services.idempotency import SendAnswer
from twilio_sms_mms.services.segments import segmentation
from twilio_sms_mms.services.twilio_service import SendOutcomeUnknown
from twilio_sms_mms.services.webhooks import twiml_reply

if TYPE_CHECKING:
    from collections.abc import Callable

    from canvas_sdk.clients.twilio.structures import Message
    from canvas_sdk.effects import Effect

    from twilio_sms_mms.models.records import SendAttempt, TextMessage
    from twilio_sms_mms.services.config import PluginConfig
    from twilio_sms_mms.services.twilio_service import TwilioService
    from twilio_sms_mms.services.validation import SendRequest
    from twilio_sms_mms.services.webhooks import InboundMessage, StatusUpdate

    TwilioFactory = Callable[[], TwilioService]

OPT_OUT_CODE = 21610
# How long Twilio may take to list a send before an `unknown` one is called not sent.
UNKNOWN_GRACE = timedelta(minutes=2)
# Clock difference tolerated between the plugin and Twilio when matching an unknown send.
CLOCK_SKEW = timedelta(minutes=1)
NOT_SENT_NOTICE = "The message was not sent: Twilio never received it. You can send it again."


@dataclass(frozen=True)
class SendContext:
    """Who sends, from which chart, with which idempotency key, and whether they confirmed
    texting a number without recorded consent."""

    staff_id: str
    patient_id: str
    confirmed_without_consent: bool
    client_request_id: str = ""


# Sending -------------------------------------------------------------------------------------


def send_to_patient(
    twilio: TwilioService,
    request: SendRequest,
    context: SendContext,
    cancel_opted_out: Callable[[list[str]], list[Effect]] | None = None,
) -> SendAnswer:
    """Send once per idempotency key, after the consent and opt-out checks.

    201: Twilio accepted it. 202: it may have left (the answer was lost); it is kept as
    `unknown` and resolved later. A repeated key replays the first answer without calling
    Twilio again. A chart marking the number opted out refuses the send, and
    `cancel_opted_out` (services/stop_cancels.py) cancels what is still scheduled to it first
    (recorded; the refusal carries no live event, the next thread read shows it).
    """
    digest = idempotency.fingerprint(request)
    earlier = storage.send_attempt(context.staff_id, context.client_request_id)
    if earlier is not None and not (storage.is_stale(earlier) and earlier.fingerprint == digest):
        return idempotency.replay(earlier, digest)
    owners = patients.owners_of_number(request.number_to)
    patient_ids = sorted({owner.patient_id for owner in owners} | {context.patient_id} - {""})
    staff_name = patients.staff_name(context.staff_id)
    if earlier is not None:  # its request died mid-send: what happened at Twilio is unknown
        return record_unknown(earlier, request, context, staff_name, patient_ids)
    if cancel_opted_out and any(owner.opted_out for owner in owners):
        cancel_opted_out([request.number_to])
    require_may_text(request, context, owners)
    service_send.require_service_not_opted_out(request)
    attempt = storage.start_send_attempt(
        context.staff_id,
        context.client_request_id,
        digest,
        request.number_from,
        request.number_to,
    )
    if attempt is None:  # the same key won the race a moment ago
        again = storage.send_attempt(context.staff_id, context.client_request_id)
        if again is None:
            raise ApiError(HTTPStatus.CONFLICT, "Try again.", reason="send_in_progress")
        return idempotency.replay(again, digest)
    try:
        message = twilio.send(request)
    except SendOutcomeUnknown:
        return record_unknown(attempt, request, context, staff_name, patient_ids)
    except ApiError as error:
        storage.drop_send_attempt(attempt)
        if error.twilio_code == OPT_OUT_CODE:
            storage.set_opt_out(
                request.number_from, request.number_to, True, "twilio_21610", attempt.created
            )
        raise
    except Exception:
        storage.drop_send_attempt(attempt)
        raise
    sent = presenters.sent_message(message, request.segmentation)
    if request.send_at:  # a scheduled text: when Twilio will send it (UTC)
        sent["sendAt"] = presenters.iso(request.send_at)
    body = {"message": sent, "clientRequestId": context.client_request_id, "replayed": False}
    with atomic():  # one commit: the record, its links, audit line, inbox row, replayable answer
        record = storage.record_outbound(
            sid=message.sid,
            status=message.status.value,
            practice_number=message.number_from or request.number_from,  # a service picks it
            patient_number=request.number_to,
            body=request.text,
            media_urls=list(request.media_urls),
            staff_id=context.staff_id,
            staff_name=staff_name,
            patient_ids=patient_ids,
            client_request_id=context.client_request_id,
            created=attempt.created,
            send_at=request.send_at,
        )
        storage.audit(context.staff_id, "send", message.sid)
        storage.finish_send_attempt(attempt, message.sid, HTTPStatus.CREATED, body)
        conversations = inbox.keep_activity(record, patient_ids)
    effects = announce_message(record, patient_ids)
    return SendAnswer(HTTPStatus.CREATED, body, effects + inbox.push(conversations, badge=False))


def record_unknown(
    attempt: SendAttempt,
    request: SendRequest,
    context: SendContext,
    staff_name: str,
    patient_ids: list[str],
) -> SendAnswer:
    """Keep a send whose outcome is unknown; answer 202 and show it in the thread."""
    with atomic():
        record = storage.record_unknown_send(
            attempt,
            body=request.text,
            media_urls=list(request.media_urls),
            staff_id=context.staff_id,
            staff_name=staff_name,
            patient_ids=patient_ids,
            response=unknown_body(attempt, request, context.client_request_id),
            send_at=request.send_at,
        )
        if record is None:  # another request recorded it first
            again = storage.send_attempt(context.staff_id, context.client_request_id)
            if again is None:
                raise ApiError(HTTPStatus.CONFLICT, "Try again.", reason="send_in_progress")
            return idempotency.replay(again, idempotency.fingerprint(request))
        storage.audit(context.staff_id, "send_unknown", context.client_request_id)
        conversations = inbox.keep_activity(record, patient_ids)
    body = unknown_body(attempt, request, context.client_request_id, record)
    effects = announce_message(record, patient_ids)
    return SendAnswer(HTTPStatus.ACCEPTED, body, effects + inbox.push(conversations, badge=False))


def unknown_body(
    attempt: SendAttempt,
    request: SendRequest,
    client_request_id: str,
    record: TextMessage | None = None,
) -> dict:
    """The 202 answer: the message as far as the plugin knows it, and what to do."""
    split = request.segmentation
    return {
        "message": {
            "sid": None,
            "status": record.status if record else "unknown",
            "from": attempt.practice_number,
            "to": attempt.patient_number,
            "segments": split.segments,
            "encoding": split.encoding,
            "mediaCount": len(request.media_urls),
            "created": presenters.iso(attempt.created),
        },
        "clientRequestId": client_request_id,
        "replayed": False,
        "notice": idempotency.MAY_HAVE_BEEN_SENT,
    }


def require_may_text(
    request: SendRequest, context: SendContext, owners: list[patients.NumberOwner]
) -> None:
    """Refuse (409) before any Twilio call, whatever chart the send comes from.

    Opted out: the plugin's STOP record for the pair, or ANY chart holding the number marks it
    opted out. Consent: some chart holding the number records it, or the clinician confirmed
    (always needed for a number on no chart). Another patient is never named.
    """
    pair = (request.number_from, request.number_to)
    if pair in storage.opted_out_pairs([request.number_to]):
        raise ApiError(
            HTTPStatus.CONFLICT,
            f"This number opted out of texts from {request.number_from} (they replied STOP). "
            "They can text START to opt back in.",
            field="numberTo",
            reason="opted_out",
        )
    opted_out = [owner for owner in owners if owner.opted_out]
    if opted_out:
        own_chart = any(owner.patient_id == context.patient_id for owner in opted_out)
        where = "this patient's chart" if own_chart else "a patient's chart"
        raise ApiError(
            HTTPStatus.CONFLICT,
            f"This number is marked as opted out of texts on {where}.",
            field="numberTo",
            reason="opted_out",
        )
    if context.confirmed_without_consent or any(owner.has_consent for owner in owners):
        return
    message = (
        "This number is on no patient's chart, so no consent to texts is recorded. Send anyway?"
        if not owners
        else "No chart holding this number records consent to texts. Send anyway?"
    )
    raise ApiError(HTTPStatus.CONFLICT, message, field="numberTo", reason="consent_required")


# Unknown sends -------------------------------------------------------------------------------


def resolve_unknown_sends(twilio: TwilioFactory, attempts: list[SendAttempt]) -> list[Effect]:
    """Look each unknown send up at Twilio (1 request each; none when there is none).

    Found: it becomes the normal record. Still missing after the grace period: not sent.
    A failed lookup leaves it unknown for the next time.
    """
    if not attempts:
        return []
    try:
        service = twilio()
    except ApiError:
        return []
    effects: list[Effect] = []
    taken: set[str] = set()  # two identical unknown sends must not claim the same message
    for attempt in attempts:
        try:
            found = find_at_twilio(service, attempt, taken)
        except ApiError:
            continue
        if found is not None:
            taken.add(found.sid)
            effects += resolve_as(attempt, found.sid, found.status.value, found.error_code, found)
        elif storage.now() - attempt.created > UNKNOWN_GRACE:
            effects += give_up(attempt)
    return effects


def find_at_twilio(service: TwilioService, attempt: SendAttempt, taken: set[str]) -> Message | None:
    """The message Twilio holds for an unknown send: same numbers and body, created after it,
    not recorded for another send (the oldest such one)."""
    provisional = storage.thread_record(storage.provisional_sid(attempt))
    if provisional is None:
        return None
    since = attempt.created - CLOCK_SKEW
    candidates = [
        message
        for message in service.sent_candidates(
            attempt.practice_number, attempt.patient_number, since
        )
        if (message.body or "") == provisional.body
        and message.date_created is not None
        and message.date_created >= since
    ]
    known = storage.recorded_sids([message.sid for message in candidates])
    fresh = [message for message in candidates if message.sid not in known | taken]
    return min(fresh, key=lambda message: message.date_created) if fresh else None


def resolve_as(
    attempt: SendAttempt,
    sid: str,
    status: str,
    error_code: int | None,
    message: Message | None = None,
) -> list[Effect]:
    """Record an unknown send under Twilio's sid; tell the open threads (same clientRequestId)."""
    provisional = storage.thread_record(storage.provisional_sid(attempt))
    if provisional is None:
        return []
    split = segmentation(provisional.body)
    sent = {
        "sid": sid,
        "status": status,
        "from": attempt.practice_number,
        "to": attempt.patient_number,
        "segments": split.segments,
        "encoding": split.encoding,
        "mediaCount": len(provisional.media_urls or []),
        "created": presenters.iso(message.date_created if message else provisional.created),
    }
    body = {"message": sent, "clientRequestId": attempt.client_request_id, "replayed": False}
    record = storage.resolve_unknown_send(attempt, sid, status, error_code, body)
    if record is None:
        return []
    storage.audit(record.staff_id, "send", sid)
    return announce_message(record, list(record.patient_ids or []))


def give_up(attempt: SendAttempt) -> list[Effect]:
    """Twilio never listed the send: mark it not sent so the clinician may send it again."""
    response = dict(attempt.response or {})
    if isinstance(response.get("message"), dict):
        response["message"] = {**response["message"], "status": storage.NOT_SENT}
    response["notice"] = NOT_SENT_NOTICE
    record = storage.mark_not_sent(attempt, response)
    if record is None:
        return []
    return announce_message(record, list(record.patient_ids or []))


def resolve_log_sends(twilio: TwilioFactory, practice_number: str) -> list[Effect]:
    """Opening a practice number's Log resolves that number's unknown sends."""
    return resolve_unknown_sends(twilio, storage.unknown_sends(practice_number))


# Webhooks ------------------------------------------------------------------------------------


def receive_inbound(config: PluginConfig, inbound: InboundMessage) -> tuple[str, list[Effect]]:
    """Record an inbound text once, handle keywords, notify; return the TwiML and effects."""
    patient_ids = patients.patients_with_number(inbound.number_from)
    keyword = inbound.keyword
    with atomic():  # one commit: the text, its links, the opt-out, the reply, the inbox row
        record, created = storage.record_inbound(inbound, patient_ids)  # writes first
        if keyword in (KeywordFamily.OPT_OUT, KeywordFamily.OPT_IN):  # as of its first recording
            opted_out = keyword == KeywordFamily.OPT_OUT
            storage.set_opt_out(
                inbound.number_to, inbound.number_from, opted_out, "keyword", record.created
            )
        reply = auto_reply.reply_text(config, record, keyword, created)
        conversations = inbox.keep_activity(record, patient_ids) if created else []
    if not created:
        return twiml_reply(reply), []
    effects = announce_message(record, patient_ids)
    effects += inbox.push(conversations)
    for patient_id in patient_ids:
        effects.extend(notifications.unread_badge(patient_id, storage.unread_count(patient_id)))
        if config.create_task_on_inbound and not keyword:
            effects.append(notifications.reply_task(patient_id, config.inbound_task_team_id))
    return twiml_reply(reply), effects


def receive_status(update: StatusUpdate) -> list[Effect]:
    """Apply a delivery status in one upsert; a 21610 opts the pair out as of the send's time.

    A callback for a sid the plugin never recorded resolves the one unknown send with the same
    numbers, if there is exactly one.
    """
    if not update.message_sid or not update.status:
        return []  # nothing to key a row by
    change = storage.apply_status(update)
    record = change.record
    service_send.correct_sender(record, update.number_from)
    if update.error_code == OPT_OUT_CODE and update.number_from and update.number_to:
        storage.set_opt_out(
            update.number_from, update.number_to, True, "twilio_21610", record.created
        )
    if change.skeleton:
        candidates = storage.open_sends(update.number_from, update.number_to)
        if len(candidates) != 1 or candidates[0].state != storage.AttemptState.UNKNOWN:
            return []  # none, or ambiguous (another send to the number is unknown or under way)
        return resolve_as(candidates[0], record.sid, record.status, record.error_code)
    if not change.changed:
        return []
    event = {
        "type": "status",
        "sid": record.sid,
        "status": record.status,
        "errorCode": record.error_code,
        "errorExplanation": explain_error(record.error_code),
    }
    return notifications.live_update(list(record.patient_ids or []), event)


# Deleting ------------------------------------------------------------------------------------


def delete_message(twilio: TwilioService, sid: str, staff_id: str) -> tuple[dict, list[Effect]]:
    """Delete at Twilio, then drop the body and media from the plugin's record; tell the
    threads that hold it."""
    twilio.delete_message(sid)
    with atomic():
        storage.mark_deleted(sid)
        storage.audit(staff_id, "delete", sid)
    event = {"type": "deleted", "sid": sid}
    return {"sid": sid, "deleted": True}, notifications.live_update(
        storage.linked_patients(sid), event
    )


# The patient's thread ------------------------------------------------------------------------


def ensure_links() -> None:
    """Link the messages stored before the link table (once per installation)."""
    if not storage.links_migrated():
        storage.migrate_links(patients.patients_by_number)


def thread_page(
    patient_id: str, earlier_than: cursors.Position | None, twilio: TwilioFactory | None
) -> tuple[storage.ThreadPage, list[Effect]]:
    """A page of the patient's conversation; its unknown sends are looked up at Twilio first
    (no request when there is none) and the page read again."""
    page = storage.thread_page(patient_id, earlier_than)
    unknown = [record.sid for record in page.messages if record.status == MessageStatus.UNKNOWN]
    if not unknown or twilio is None:
        return page, []
    effects = resolve_unknown_sends(twilio, storage.unknown_sends_by_sid(unknown))
    return storage.thread_page(patient_id, earlier_than), effects


def patient_thread(
    config: PluginConfig,
    patient_id: str,
    mark_read: bool = True,
    twilio: TwilioFactory | None = None,
    earlier_than: cursors.Position | None = None,
    cancel_opted_out: Callable[[list[str]], list[Effect]] | None = None,
) -> tuple[dict, list[Effect]]:
    """The patient's numbers, the newest page of the linked conversation and quick replies;
    reading clears the badge. With `earlier_than` (a cursor), only the page before it:
    `{messages, earlierCursor}`, no read marks.

    `cancel_opted_out` (services/stop_cancels.py) is handed the numbers this chart marks opted
    out before the first page is read, so texts still scheduled to them are shown canceled.
    """
    summary = patients.patient_summary(patient_id)
    if summary is None:
        raise ApiError(HTTPStatus.NOT_FOUND, "No patient with this id", field="patientId")
    ensure_links()
    if earlier_than is not None:
        page, effects = thread_page(patient_id, earlier_than, twilio)
        return {
            "messages": [presenters.thread_message(record) for record in page.messages],
            "earlierCursor": cursors.encode(page.earlier),
        }, effects
    phones = patients.chart_phones(patient_id)
    flagged = [phone.number for phone in phones if phone.opted_out]
    canceled = cancel_opted_out(flagged) if cancel_opted_out and flagged else []
    page, effects = thread_page(patient_id, None, twilio)
    effects = canceled + effects
    messages = page.messages
    earlier = cursors.encode(page.earlier)
    numbers = [phone.number for phone in phones]
    opted_out = storage.opted_out_pairs(numbers)
    owners = patients.patients_by_number(numbers)
    cleared, pushes = clear_unread(patient_id) if mark_read else (0, [])
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
        "earlierCursor": earlier,
        "quickReplies": quick_replies(config, summary),
    }
    if cleared:
        effects += notifications.unread_badge(patient_id, 0)
    return body, effects + pushes


def mark_thread_read(patient_id: str) -> tuple[dict, list[Effect]]:
    """Mark the patient's texts read and clear the badge.

    The badge is cleared even when nothing changed: a webhook running at the same time may have
    published its count after an earlier clear.
    """
    ensure_links()
    marked, pushes = clear_unread(patient_id)
    return {"marked": marked, "unread": 0}, notifications.unread_badge(patient_id, 0) + pushes


def clear_unread(patient_id: str) -> tuple[int, list[Effect]]:
    """Mark the patient's texts and inbox conversation read in one commit; return how many
    texts changed and the inbox push (none when the conversation had nothing unread)."""
    key = inbox.patient_key(patient_id)
    with atomic():
        marked = storage.mark_read(patient_id)  # writes first (see inbox.keep_activity)
        changed = inbox.clear_unread(key)
    return marked, inbox.push([key]) if changed else []


def unread_count(patient_id: str) -> int:
    """The patient's unread texts (the app's badge)."""
    ensure_links()
    return storage.unread_count(patient_id)


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


def announce_message(record: TextMessage, patient_ids: list[str]) -> list[Effect]:
    """Push a new or changed message to the open threads of its patients."""
    event = {"type": "message", "message": presenters.thread_message(record)}
    return notifications.live_update(patient_ids, event)
