"""The JSON the UI receives: Twilio's objects reshaped into the routes' documented fields."""

from __future__ import annotations

from typing import TYPE_CHECKING

from twilio_sms_mms.constants.error_codes import explain_error
from twilio_sms_mms.constants.settings import BODY_PREVIEW_CHARS, ROUTE_PREFIX
from twilio_sms_mms.constants.statuses import Direction, MessageStatus
from twilio_sms_mms.services.storage import NOT_SENT

if TYPE_CHECKING:
    from datetime import datetime

    from canvas_sdk.clients.twilio.structures import Media, Message

    from twilio_sms_mms.models.records import AuditEntry, TextMessage
    from twilio_sms_mms.services.patients import ChartPhone
    from twilio_sms_mms.services.segments import Segmentation
    from twilio_sms_mms.services.twilio_service import PhoneNumber


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 text of a datetime, or None."""
    return moment.isoformat() if moment else None


def as_int(value: object) -> int:
    """Twilio sends counts as strings ("2"); return them as numbers (0 when absent)."""
    try:
        return int(str(value)) if value not in (None, "") else 0
    except ValueError:
        return 0


def phone_json(phone: PhoneNumber, plugin_inbound_url: str) -> dict:
    """A practice number for the Phones tab and the pickers."""
    return {
        "sid": phone.sid,
        "phoneNumber": phone.phone_number,
        "label": phone.label,
        "capabilities": {
            "sms": phone.sms,
            "mms": phone.mms,
            "voice": phone.voice,
            "fax": phone.fax,
        },
        "status": phone.status,
        "inboundWebhook": {"url": phone.sms_url, "method": phone.sms_method},
        "statusCallback": phone.status_callback,
        "usesPluginInbound": phone.sms_url == plugin_inbound_url,
    }


def message_summary(message: Message) -> dict:
    """One row of the Log list."""
    return {
        "sid": message.sid,
        "from": message.number_from,
        "to": message.number_to,
        "bodyPreview": (message.body or "")[:BODY_PREVIEW_CHARS],
        "status": message.status.value,
        "direction": message.direction.value,
        "sent": iso(message.date_sent),
        "created": iso(message.date_created),
        "mediaCount": as_int(message.count_media),
        "errorCode": message.error_code,
    }


def message_detail(message: Message) -> dict:
    """Everything the detail view shows about one message."""
    return {
        "sid": message.sid,
        "from": message.number_from,
        "to": message.number_to,
        "body": message.body or "",
        "status": message.status.value,
        "direction": message.direction.value,
        "sent": iso(message.date_sent),
        "created": iso(message.date_created),
        "updated": iso(message.date_updated),
        "segments": as_int(message.count_segments),
        "price": message.price,
        "priceUnit": message.price_unit,
        "mediaCount": as_int(message.count_media),
        "errorCode": message.error_code,
        "errorMessage": message.error_message,
        "errorExplanation": explain_error(message.error_code),
    }


def media_item(media: Media) -> dict:
    """One media item, with the plugin's own URL for its bytes."""
    return {
        "sid": media.sid,
        "contentType": media.content_type,
        "size": None,
        "url": f"{ROUTE_PREFIX}/medias/{media.parent_sid}/{media.sid}",
    }


def sent_message(message: Message, segmentation: Segmentation) -> dict:
    """What the Send tab shows after a send."""
    return {
        "sid": message.sid,
        "status": message.status.value,
        "from": message.number_from,
        "to": message.number_to,
        "segments": as_int(message.count_segments) or segmentation.segments,
        "encoding": segmentation.encoding,
        "mediaCount": as_int(message.count_media),
        "created": iso(message.date_created),
    }


def unknown_sent_message(record: TextMessage, segmentation: Segmentation) -> dict:
    """What the Send tab shows for a send that may have left: no sid, status `unknown`."""
    return {
        "sid": None,
        "status": record.status,
        "from": record.practice_number,
        "to": record.patient_number,
        "segments": segmentation.segments,
        "encoding": segmentation.encoding,
        "mediaCount": len(record.media_urls or []),
        "created": iso(record.created),
    }


def has_twilio_sid(record: TextMessage) -> bool:
    """False for a send whose Twilio sid is not known (unknown, or found never sent)."""
    return record.status not in (MessageStatus.UNKNOWN, NOT_SENT)


def thread_message(record: TextMessage) -> dict:
    """One bubble of the patient's thread, from the plugin's own record."""
    deleted = bool(record.deleted)
    return {
        "sid": record.sid if has_twilio_sid(record) else None,
        "clientRequestId": record.client_request_id or None,
        "direction": record.direction,
        "practiceNumber": record.practice_number,
        "patientNumber": record.patient_number,
        "body": "" if deleted else record.body,
        "status": record.status,
        "errorCode": record.error_code,
        "errorExplanation": explain_error(record.error_code),
        "sentBy": record.staff_name or None,
        "created": iso(record.created),
        "mediaCount": 0 if deleted else len(record.media_urls or []),
        "media": [] if deleted else inbound_media(record),
        "shared": len(record.patient_ids or []) > 1,
        "deleted": deleted,
        "sendAt": iso(record.send_at),  # a scheduled text's time (UTC), kept once it is sent
        "canceledBy": record.canceled_by or None,  # "staff" | "stop" (scheduled_texts)
    }


def inbound_media(record: TextMessage) -> list[dict]:
    """Inbound media as the plugin's own URLs (Twilio's media URLs end in the ME sid)."""
    if record.direction != Direction.INBOUND:
        return []
    items = []
    for url, content_type in zip(record.media_urls or [], record.media_types or [], strict=False):
        media_sid = str(url).rstrip("/").rsplit("/", 1)[-1]
        if media_sid.startswith("ME"):
            items.append(
                {
                    "sid": media_sid,
                    "contentType": content_type,
                    "url": f"{ROUTE_PREFIX}/medias/{record.sid}/{media_sid}",
                }
            )
    return items


def chart_phone_json(phone: ChartPhone, opted_out_from: list[str], shared: bool) -> dict:
    """One of the patient's numbers for the composer's To picker."""
    return {
        "number": phone.number,
        "use": phone.use,
        "rank": phone.rank,
        "hasConsent": phone.has_consent,
        "optedOut": phone.opted_out,
        "optedOutFrom": opted_out_from,
        "shared": shared,
    }


def audit_entry(entry: AuditEntry) -> dict:
    """One line of the audit trail."""
    return {
        "staffId": entry.staff_id,
        "action": entry.action,
        "target": entry.target,
        "at": iso(entry.created),
    }
